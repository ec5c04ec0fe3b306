/* reward_rule: the lexicon rewards (positivity, informativeness) and the word
 * counts (brevity, length). See engine/reward.h for the definitions.
 *
 * Lexicons come from DATADIR/lexicons: afinn-165.txt ("word or phrase<TAB>valence"
 * per line) and stopwords-en.txt (one per line). Lexicon entries go through the
 * same word splitter as the text, so "can't stand" and "self-deluded" are phrases
 * of two words matched word by word; the longest phrase at a position wins.
 */
#include "config.h"

#include "engine/readfile.h"
#include "engine/reward_impl.h"
#include "engine/strmap.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define RULE_WORD_MAX 255
#define RULE_PHRASE_MAX 4   /* longest lexicon phrase looked for, in words */
#define RULE_NEGATION_WINDOW 3

enum rule_kind { RULE_POSITIVITY, RULE_BREVITY, RULE_INFORMATIVENESS, RULE_LENGTH };

struct rule {
	struct reward base;
	enum rule_kind kind;
	double scale;              /* brevity: L */
	struct strmap *valence;    /* phrase -> valence */
	struct strmap *stop;       /* stop word -> 1 */
	int max_phrase;
	/* per call: the words of one response, lower case, NUL-separated */
	char *buf;
	size_t len, cap;
	size_t *start;
	size_t n, ncap;
	struct strmap *seen;
	int nomem;
};

static int rule_letter(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c >= 0x80;
}

static int rule_word_byte(unsigned char c)
{
	return rule_letter(c) || (c >= '0' && c <= '9') || c == '\'';
}

size_t reward_words(const char *text, void (*fn)(void *ctx, const char *w, size_t len), void *ctx)
{
	const unsigned char *p = (const unsigned char *)text;
	char w[RULE_WORD_MAX + 1];
	size_t count = 0;
	while (*p) {
		if (!rule_word_byte(*p)) {
			p++;
			continue;
		}
		size_t len = 0;
		while (*p && rule_word_byte(*p)) {
			unsigned char c = *p++;
			/* U+2019 (right single quote) is the apostrophe of typeset text. */
			if (c == 0xE2 && p[0] == 0x80 && p[1] == 0x99) {
				c = '\'';
				p += 2;
			}
			if (c >= 'A' && c <= 'Z')
				c = (unsigned char)(c - 'A' + 'a');
			if (len < RULE_WORD_MAX)
				w[len++] = (char)c;
		}
		w[len] = '\0';
		count++;
		if (fn)
			fn(ctx, w, len);
	}
	return count;
}

static void rule_collect(void *ctx, const char *w, size_t len)
{
	struct rule *r = ctx;
	if (r->nomem)
		return;
	if (r->len + len + 1 > r->cap) {
		size_t cap = (r->cap ? r->cap * 2 : 256) + len + 1;
		char *b = realloc(r->buf, cap);
		if (!b) {
			r->nomem = 1;
			return;
		}
		r->buf = b;
		r->cap = cap;
	}
	if (r->n == r->ncap) {
		size_t cap = r->ncap ? r->ncap * 2 : 64;
		size_t *s = realloc(r->start, cap * sizeof *s);
		if (!s) {
			r->nomem = 1;
			return;
		}
		r->start = s;
		r->ncap = cap;
	}
	r->start[r->n++] = r->len;
	memcpy(r->buf + r->len, w, len + 1);
	r->len += len + 1;
}

static enum status_code rule_split(struct rule *r, const char *text, struct status *st)
{
	r->len = r->n = 0;
	r->nomem = 0;
	reward_words(text, rule_collect, r);
	if (r->nomem)
		return status_set(st, STATUS_NOMEM, "reward '%s': out of memory", r->base.spec);
	return STATUS_OK;
}

static const char *rule_word(const struct rule *r, size_t i)
{
	return r->buf + r->start[i];
}

static int rule_negator(const char *w)
{
	size_t len = strlen(w);
	return strcmp(w, "not") == 0 || strcmp(w, "no") == 0 || strcmp(w, "never") == 0 ||
	       (len >= 3 && strcmp(w + len - 3, "n't") == 0);
}

/* Valence of the longest lexicon phrase starting at word i; *k gets its length. */
static int rule_lookup(const struct rule *r, size_t i, size_t *k, int64_t *v)
{
	char key[RULE_PHRASE_MAX * (RULE_WORD_MAX + 1)];
	for (size_t len = (size_t)r->max_phrase; len >= 1; len--) {
		if (i + len > r->n)
			continue;
		size_t kl = 0;
		for (size_t j = 0; j < len; j++) {
			const char *w = rule_word(r, i + j);
			size_t wl = strlen(w);
			if (j)
				key[kl++] = ' ';
			memcpy(key + kl, w, wl);
			kl += wl;
		}
		int64_t *hit = strmap_get(r->valence, key, kl);
		if (hit) {
			*k = len;
			*v = *hit;
			return 1;
		}
	}
	return 0;
}

static double rule_positivity(const struct rule *r)
{
	double sum = 0;
	for (size_t i = 0; i < r->n;) {
		size_t k;
		int64_t v;
		if (!rule_lookup(r, i, &k, &v)) {
			i++;
			continue;
		}
		size_t from = i > RULE_NEGATION_WINDOW ? i - RULE_NEGATION_WINDOW : 0;
		for (size_t j = from; j < i; j++)
			if (rule_negator(rule_word(r, j))) {
				v = -v;
				break;
			}
		sum += (double)v;
		i += k;
	}
	return tanh(sum / 5.0);
}

static int rule_content_word(const char *w)
{
	size_t letters = 0;
	for (const unsigned char *p = (const unsigned char *)w; *p; p++) {
		if (*p >= '0' && *p <= '9')
			return 0;
		/* count characters, not UTF-8 continuation bytes */
		if (rule_letter(*p) && (*p & 0xC0) != 0x80)
			letters++;
	}
	return letters >= 3;
}

static enum status_code rule_informativeness(struct rule *r, double *out, struct status *st)
{
	strmap_clear(r->seen);
	size_t k = 0;
	for (size_t i = 0; i < r->n; i++) {
		const char *w = rule_word(r, i);
		size_t len = strlen(w);
		if (!rule_content_word(w) || strmap_get(r->stop, w, len) || strmap_get(r->valence, w, len))
			continue;
		int added;
		if (!strmap_put(r->seen, w, len, &added))
			return status_set(st, STATUS_NOMEM, "reward '%s': out of memory", r->base.spec);
		k += (size_t)added;
	}
	*out = 1.0 - exp(-(double)k / 8.0);
	return STATUS_OK;
}

static enum status_code rule_score(struct reward *base, size_t n, const char *const *prompts,
                                   const char *const *responses, double *out, struct status *st)
{
	struct rule *r = (struct rule *)base;
	(void)prompts;
	for (size_t i = 0; i < n; i++) {
		switch (r->kind) {
		case RULE_LENGTH:
			out[i] = (double)reward_words(responses[i], NULL, NULL);
			break;
		case RULE_BREVITY:
			out[i] = exp(-(double)reward_words(responses[i], NULL, NULL) / r->scale);
			break;
		case RULE_POSITIVITY:
			if (rule_split(r, responses[i], st))
				return st->code;
			out[i] = rule_positivity(r);
			break;
		case RULE_INFORMATIVENESS:
			if (rule_split(r, responses[i], st) || rule_informativeness(r, &out[i], st))
				return st->code;
			break;
		}
	}
	return STATUS_OK;
}

static void rule_close(struct reward *base)
{
	struct rule *r = (struct rule *)base;
	strmap_free(r->valence);
	strmap_free(r->stop);
	strmap_free(r->seen);
	free(r->buf);
	free(r->start);
}

static const struct reward_ops rule_ops = { .score = rule_score, .close = rule_close };

struct rule_entry {
	char key[RULE_PHRASE_MAX * (RULE_WORD_MAX + 1)];
	size_t len;
	int words;
	int too_long;
};

static void rule_entry_word(void *ctx, const char *w, size_t len)
{
	struct rule_entry *e = ctx;
	if (e->words == RULE_PHRASE_MAX) {
		e->too_long = 1;
		return;
	}
	if (e->words++)
		e->key[e->len++] = ' ';
	memcpy(e->key + e->len, w, len);
	e->len += len;
}

/* Reads DATADIR/lexicons/NAME; with valences, each line is "phrase<TAB>integer". */
static enum status_code rule_lexicon(struct rule *r, const char *name, int valences,
                                     struct strmap *into, struct status *st)
{
	if (!r->base.env.datadir)
		return status_set(st, STATUS_INVALID, "reward '%s': no data folder to find lexicons/%s in",
		                  r->base.spec, name);
	size_t plen = strlen(r->base.env.datadir) + strlen(name) + 16;
	char *path = malloc(plen);
	if (!path)
		return status_set(st, STATUS_NOMEM, "out of memory");
	snprintf(path, plen, "%s/lexicons/%s", r->base.env.datadir, name);
	char *data;
	size_t len;
	enum status_code rc = readfile(path, 16u << 20, &data, &len, st);
	if (rc) {
		status_prefix(st, "reward '%s'", r->base.spec);
		free(path);
		return rc;
	}
	size_t line = 0;
	for (char *p = data; rc == STATUS_OK && *p;) {
		char *end = strchr(p, '\n');
		if (end)
			*end = '\0';
		line++;
		long value = 1;
		char *tab = valences ? strchr(p, '\t') : NULL;
		if (valences) {
			char *e2;
			if (!tab || (value = strtol(tab + 1, &e2, 10), e2 == tab + 1 || (*e2 && *e2 != '\r')))
				rc = status_set(st, STATUS_FORMAT, "%s:%zu: wants 'phrase<TAB>integer'", path, line);
			else
				*tab = '\0';
		}
		struct rule_entry e = { .len = 0 };
		if (rc == STATUS_OK)
			reward_words(p, rule_entry_word, &e);
		if (rc == STATUS_OK && e.too_long)
			rc = status_set(st, STATUS_FORMAT, "%s:%zu: a phrase of more than %d words", path, line,
			                RULE_PHRASE_MAX);
		/* stop-word lines like "i.e." hold several words: each is a stop word */
		if (rc == STATUS_OK && e.words > 0) {
			int added;
			if (valences) {
				int64_t *v = strmap_put(into, e.key, e.len, &added);
				if (!v)
					rc = status_set(st, STATUS_NOMEM, "out of memory");
				else
					*v = value;
				if (e.words > r->max_phrase)
					r->max_phrase = e.words;
			} else {
				const char *w = e.key;
				for (const char *q = e.key;; q++)
					if (q == e.key + e.len || *q == ' ') {
						if (!strmap_put(into, w, (size_t)(q - w), &added)) {
							rc = status_set(st, STATUS_NOMEM, "out of memory");
							break;
						}
						if (q == e.key + e.len)
							break;
						w = q + 1;
					}
			}
		}
		if (!end)
			break;
		p = end + 1;
	}
	free(data);
	free(path);
	return rc;
}

enum status_code reward_rule_open(const char *spec, const char *kind, const char *arg,
                                  const struct reward_env *env, struct reward **out,
                                  struct status *st)
{
	struct rule *r = (struct rule *)reward_new(&rule_ops, spec, env, sizeof *r, st);
	if (!r)
		return st->code;
	r->scale = 20;
	r->kind = strcmp(kind, "positivity") == 0 ? RULE_POSITIVITY
	        : strcmp(kind, "brevity") == 0 ? RULE_BREVITY
	        : strcmp(kind, "informativeness") == 0 ? RULE_INFORMATIVENESS : RULE_LENGTH;
	enum status_code rc = STATUS_OK;
	if (arg && r->kind != RULE_BREVITY) {
		rc = status_set(st, STATUS_INVALID, "reward '%s': %s takes no argument", spec, kind);
	} else if (arg) {
		char *end;
		r->scale = strtod(arg, &end);
		if (!*arg || *end || !(r->scale > 0) || !isfinite(r->scale))
			rc = status_set(st, STATUS_INVALID, "reward '%s': brevity:L wants a number L > 0, "
			                "not '%s'", spec, arg);
	}
	if (rc == STATUS_OK && (r->kind == RULE_POSITIVITY || r->kind == RULE_INFORMATIVENESS)) {
		r->valence = strmap_new();
		r->stop = strmap_new();
		r->seen = strmap_new();
		if (!r->valence || !r->stop || !r->seen)
			rc = status_set(st, STATUS_NOMEM, "out of memory");
		if (rc == STATUS_OK)
			rc = rule_lexicon(r, "afinn-165.txt", 1, r->valence, st);
		if (rc == STATUS_OK && r->kind == RULE_INFORMATIVENESS)
			rc = rule_lexicon(r, "stopwords-en.txt", 0, r->stop, st);
	}
	if (rc) {
		reward_close(&r->base);
		return rc;
	}
	*out = &r->base;
	return STATUS_OK;
}
