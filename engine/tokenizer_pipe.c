/* tokenizer_pipe: a span of plain text through tokenizer.json's normalizer
 * and pre-tokenizer steps to the words BPE merges, as Hugging Face's
 * tokenizers does it (Prepend, Replace; Split, ByteLevel, Metaspace). */
#include "config.h"

#include "engine/tokenizer_impl.h"

#include <stdlib.h>
#include <string.h>
#include <utf8proc.h>

struct pipe {
	struct tokenizer *t;
	struct tokenizer_ids *out;
	struct status *st;
	const char *text; /* the span: pieces inside it start the text when they start it */
	int at_start;     /* the span starts the text */
	int cont;         /* ...which continues earlier text (TOKENIZER_CONTINUE) */
};

static enum status_code run(struct pipe *p, size_t k, const char *s, size_t n);

/* Whether piece s starts the text (Metaspace's "first"). */
static int starts_text(const struct pipe *p, const char *s)
{
	return p->at_start && s == p->text;
}

/* Whether nothing may be prepended to piece s: it starts continued text. */
static int continues(const struct pipe *p, const char *s)
{
	return p->cont && starts_text(p, s);
}

struct split {
	struct pipe *p;
	size_t k;
	enum tokenizer_split_behavior behavior;
	const char *pend; /* a piece held to merge with the next (pieces are contiguous) */
	size_t pend_n;
};

static int split_piece(void *ctx, const char *s, size_t n, int match)
{
	struct split *c = ctx;
	enum status_code rc = STATUS_OK;
	switch (c->behavior) {
	case TOKENIZER_ISOLATED:
		return (int)run(c->p, c->k + 1, s, n);
	case TOKENIZER_REMOVED:
		return match ? STATUS_OK : (int)run(c->p, c->k + 1, s, n);
	case TOKENIZER_MERGED_PREVIOUS: /* "a-" "b": a match joins the text before it */
		if (!match) {
			c->pend = s;
			c->pend_n = n;
			return STATUS_OK;
		}
		if (c->pend) {
			rc = run(c->p, c->k + 1, c->pend, c->pend_n + n);
			c->pend = NULL;
			return (int)rc;
		}
		return (int)run(c->p, c->k + 1, s, n);
	case TOKENIZER_MERGED_NEXT: /* "a" "-b": a match joins the text after it */
		if (c->pend) {
			if (!match) {
				rc = run(c->p, c->k + 1, c->pend, c->pend_n + n);
				c->pend = NULL;
				return (int)rc;
			}
			rc = run(c->p, c->k + 1, c->pend, c->pend_n);
		}
		c->pend = NULL;
		if (rc == STATUS_OK && match) {
			c->pend = s;
			c->pend_n = n;
			return STATUS_OK;
		}
		return rc != STATUS_OK ? (int)rc : (int)run(c->p, c->k + 1, s, n);
	}
	return STATUS_OK;
}

static enum status_code run_split(struct pipe *p, size_t k, const char *s, size_t n)
{
	struct split c = { p, k, p->t->steps[k].behavior, NULL, 0 };
	int rc = pretok_split_pieces(p->t->steps[k].re, s, n, split_piece, &c);
	if (rc == STATUS_OK && c.pend)
		rc = (int)run(p, k + 1, c.pend, c.pend_n);
	return (enum status_code)rc;
}

/* Runs the rest of the steps on a copy of s with `pre` before it and each
 * `from` replaced by `to` (a space by "▁"). */
static enum status_code run_copy(struct pipe *p, size_t k, const char *pre, size_t pre_n, const char *s, size_t n,
                                 const char *from, size_t from_n, const char *to, size_t to_n, int split)
{
	size_t count = 0;
	for (size_t i = 0; from_n && i + from_n <= n; i++)
		if (memcmp(s + i, from, from_n) == 0) {
			count++;
			i += from_n - 1;
		}
	if (to_n > from_n && count > (SIZE_MAX - n - pre_n) / (to_n - from_n))
		return status_set(p->st, STATUS_NOMEM, "out of memory");
	size_t cap = pre_n + n + (to_n > from_n ? count * (to_n - from_n) : 0);
	char *b = malloc(cap ? cap : 1);
	if (!b)
		return status_set(p->st, STATUS_NOMEM, "out of memory");
	memcpy(b, pre, pre_n);
	size_t o = pre_n;
	for (size_t i = 0; i < n;) {
		if (from_n && i + from_n <= n && memcmp(s + i, from, from_n) == 0) {
			memcpy(b + o, to, to_n);
			o += to_n;
			i += from_n;
		} else {
			b[o++] = s[i++];
		}
	}
	/* The copy stands for s: it starts the text when s does. */
	const char *text = p->text;
	if (starts_text(p, s))
		p->text = b;
	enum status_code rc = STATUS_OK;
	if (!split) {
		rc = run(p, k + 1, b, o);
	} else { /* Metaspace's split: before each "▁" (MergedWithNext) */
		size_t start = 0;
		for (size_t i = to_n; i + to_n <= o && rc == STATUS_OK; i++) {
			if (memcmp(b + i, to, to_n) != 0)
				continue;
			rc = run(p, k + 1, b + start, i - start);
			start = i;
			i += to_n - 1;
		}
		if (rc == STATUS_OK && start < o)
			rc = run(p, k + 1, b + start, o - start);
	}
	p->text = text;
	free(b);
	return rc;
}

static enum status_code run(struct pipe *p, size_t k, const char *s, size_t n)
{
	struct tokenizer *t = p->t;
	if (n == 0) /* Hugging Face drops empty pieces */
		return STATUS_OK;
	if (k == t->n_steps)
		return tokenizer_encode_word(t, s, n, p->out, p->st);
	const struct tokenizer_step *step = &t->steps[k];
	int cont = continues(p, s);
	switch (step->kind) {
	case TOKENIZER_STEP_SPLIT:
		return run_split(p, k, s, n);
	case TOKENIZER_STEP_PREFIX:
		/* ByteLevel's add_prefix_space, on every piece as Hugging Face does. */
		if (s[0] == ' ' || cont)
			return run(p, k + 1, s, n);
		return run_copy(p, k, " ", 1, s, n, NULL, 0, NULL, 0, 0);
	case TOKENIZER_STEP_METASPACE: {
		int pre = step->prepend == TOKENIZER_PREPEND_ALWAYS ? !cont
		        : step->prepend == TOKENIZER_PREPEND_FIRST ? starts_text(p, s) && !cont : 0;
		/* No second "▁" before a piece that starts with a space. */
		if (s[0] == ' ' || (n >= step->repl_len && memcmp(s, step->repl, step->repl_len) == 0))
			pre = 0;
		return run_copy(p, k, step->repl, pre ? step->repl_len : 0, s, n, " ", 1, step->repl, step->repl_len,
		                step->split);
	}
	}
	return status_set(p->st, STATUS_INTERNAL, "unknown pre-tokenizer step");
}

/* Unicode normalization `form` of b[0..*len) into a new buffer: each run of
 * valid UTF-8 normalized alone, invalid bytes kept as they are. */
static char *unicode_form(char *b, size_t *len, int form, struct status *st)
{
	size_t cap = *len + 1, o = 0;
	char *out = malloc(cap);
	for (size_t i = 0; out && i < *len;) {
		/* The valid run from i. */
		size_t j = i;
		utf8proc_int32_t cp;
		utf8proc_ssize_t k;
		while (j < *len && (k = utf8proc_iterate((const utf8proc_uint8_t *)b + j, (utf8proc_ssize_t)(*len - j), &cp)) > 0)
			j += (size_t)k;
		utf8proc_uint8_t *norm = NULL;
		utf8proc_ssize_t n = 0;
		if (j > i) {
			n = utf8proc_map((const utf8proc_uint8_t *)b + i, (utf8proc_ssize_t)(j - i), &norm,
			                 (utf8proc_option_t)form);
			if (n < 0) {
				free(out);
				status_set(st, n == UTF8PROC_ERROR_NOMEM ? STATUS_NOMEM : STATUS_INVALID, "normalizer: %s",
				           utf8proc_errmsg(n));
				return NULL;
			}
		}
		size_t bad = j < *len ? 1 : 0; /* the invalid byte after the run */
		if (o + (size_t)n + bad + 1 > cap) {
			while (o + (size_t)n + bad + 1 > cap)
				cap *= 2;
			char *nb = realloc(out, cap);
			if (!nb) {
				free(norm);
				free(out);
				out = NULL;
				break;
			}
			out = nb;
		}
		if (n)
			memcpy(out + o, norm, (size_t)n);
		free(norm);
		o += (size_t)n;
		if (bad)
			out[o++] = b[j];
		i = j + bad;
	}
	if (!out) {
		status_set(st, STATUS_NOMEM, "out of memory");
		return NULL;
	}
	*len = o;
	return out;
}

/* The normalizer: each Unicode form, Prepend (on a non-empty text, unless
 * `prepend` is 0) and Replace in order. */
static enum status_code normalize(struct tokenizer *t, const char *s, size_t n, int prepend, char **out,
                                  size_t *out_n, struct status *st)
{
	char *b = malloc(n + 1);
	if (!b)
		return status_set(st, STATUS_NOMEM, "out of memory");
	memcpy(b, s, n);
	size_t len = n;
	for (size_t r = 0; r < t->n_norm; r++) {
		const struct tokenizer_replace *rp = &t->norm[r];
		if (rp->form) {
			char *nb = unicode_form(b, &len, rp->form, st);
			free(b);
			if (!nb)
				return st->code;
			b = nb;
			continue;
		}
		size_t count = 0;
		if (rp->from_len == 0)
			count = len && prepend;
		for (size_t i = 0; rp->from_len && i + rp->from_len <= len; i++)
			if (memcmp(b + i, rp->from, rp->from_len) == 0) {
				count++;
				i += rp->from_len - 1;
			}
		if (!count)
			continue;
		size_t grow = rp->to_len > rp->from_len ? rp->to_len - rp->from_len : 0;
		if (grow && count > (SIZE_MAX - len - 1) / grow) {
			free(b);
			return status_set(st, STATUS_NOMEM, "out of memory");
		}
		char *nb = malloc(len + count * grow + 1);
		if (!nb) {
			free(b);
			return status_set(st, STATUS_NOMEM, "out of memory");
		}
		size_t o = 0;
		if (rp->from_len == 0) {
			memcpy(nb, rp->to, rp->to_len);
			o = rp->to_len;
		}
		for (size_t i = 0; i < len;) {
			if (rp->from_len && i + rp->from_len <= len && memcmp(b + i, rp->from, rp->from_len) == 0) {
				memcpy(nb + o, rp->to, rp->to_len);
				o += rp->to_len;
				i += rp->from_len;
			} else {
				nb[o++] = b[i++];
			}
		}
		free(b);
		b = nb;
		len = o;
	}
	*out = b;
	*out_n = len;
	return STATUS_OK;
}

enum status_code tokenizer_encode_span(struct tokenizer *t, const char *text, size_t len, int at_start, int cont,
                                       struct tokenizer_ids *out, struct status *st)
{
	struct pipe p = { t, out, st, text, at_start, cont };
	if (!t->n_norm)
		return run(&p, 0, text, len);
	/* Hugging Face normalizes each span between added tokens alone: Prepend
	 * puts its "▁" before every one (but continued text gets none). */
	char *b = NULL;
	size_t n = 0;
	enum status_code rc = normalize(t, text, len, !(at_start && cont), &b, &n, st);
	if (rc != STATUS_OK)
		return rc;
	p.text = b;
	rc = run(&p, 0, b, n);
	free(b);
	return rc;
}
