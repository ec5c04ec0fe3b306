#include "config.h"

#include "engine/generate.h"
#include "engine/decoder.h"
#include "engine/pool.h"
#include "engine/rng.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

void generate_output_free(struct generate_output *out, size_t B)
{
	for (size_t i = 0; i < B; i++) {
		free(out[i].tokens);
		free(out[i].text);
		memset(&out[i], 0, sizeof out[i]);
	}
}

/* The next token of every running sequence, its rows split between the
 * pool's threads: each sequence samples from its own logits with its own
 * generator, so the split changes no token. Part k (of at most nsm) uses
 * sampler k. */
struct generate_picks {
	struct sampler *sm;
	const struct generate_params *gp;
	const float *logits;
	size_t V, grain;
	const size_t *seq; /* row j's sequence */
	struct rng *rng;
	int *next;
};

static void generate_pick_part(void *ctx, size_t lo, size_t hi)
{
	const struct generate_picks *g = ctx;
	struct sampler *s = &g->sm[lo / g->grain];
	for (size_t j = lo; j < hi; j++)
		g->next[j] = sampler_pick(s, g->logits + j * g->V, &g->gp->sampling, &g->rng[g->seq[j]]);
}

/* Appends the token's text and reports whether a stop string now ends inside
 * the newly added part or spans into it. */
static int generate_text(struct generate_output *o, const struct generate_params *gp, int token,
                         size_t *text_cap)
{
	char piece[256];
	size_t n = gp->decode(gp->ctx, token, piece, sizeof piece);
	if (n > sizeof piece)
		n = sizeof piece;
	if (o->text_len + n + 1 > *text_cap) {
		size_t cap = (*text_cap ? *text_cap * 2 : 256) + n;
		char *t = realloc(o->text, cap);
		if (!t)
			return -1;
		o->text = t;
		*text_cap = cap;
	}
	size_t before = o->text_len;
	memcpy(o->text + o->text_len, piece, n);
	o->text_len += n;
	o->text[o->text_len] = '\0';
	for (size_t s = 0; s < gp->n_stop; s++) {
		size_t sl = strlen(gp->stop[s]);
		if (sl == 0 || sl > o->text_len)
			continue;
		size_t from = before >= sl ? before - sl + 1 : 0;
		for (size_t i = from; i + sl <= o->text_len; i++)
			if (memcmp(o->text + i, gp->stop[s], sl) == 0)
				return 1;
	}
	return 0;
}

/* cut_stop: the text ends before the earliest stop string, the tokens with it
 * (a token reaching into the stop string goes whole). Pieces are decoded as
 * generate_text did, so their lengths add up to the text's. */
static void generate_cut(struct generate_output *o, const struct generate_params *gp)
{
	size_t at = o->text_len;
	for (size_t s = 0; s < gp->n_stop; s++) {
		const char *hit = gp->stop[s][0] ? strstr(o->text, gp->stop[s]) : NULL;
		if (hit && (size_t)(hit - o->text) < at)
			at = (size_t)(hit - o->text);
	}
	if (at == o->text_len) /* stopped by on_token, not by a stop string */
		return;
	size_t len = 0, k = 0;
	for (; k < o->n; k++) {
		char piece[256];
		size_t n = gp->decode(gp->ctx, o->tokens[k], piece, sizeof piece);
		if (n > sizeof piece)
			n = sizeof piece;
		if (len + n > at)
			break;
		len += n;
	}
	o->n = k;
	o->text_len = len;
	o->text[len] = '\0';
}

enum status_code generate(const struct model_params *p, const int *const *prompts,
                          const size_t *lens, size_t B, const struct generate_params *gp,
                          const struct hooks *h, struct generate_output *out, struct status *st)
{
	memset(out, 0, B * sizeof *out);
	if (gp->n_stop && !gp->decode)
		return status_set(st, STATUS_INVALID, "stop strings need a decode callback");
	size_t total = 0, longest = 0;
	for (size_t i = 0; i < B; i++) {
		if (lens[i] == 0)
			return status_set(st, STATUS_INVALID, "prompt %zu is empty", i);
		total += lens[i];
		if (lens[i] > longest)
			longest = lens[i];
	}
	size_t V = (size_t)p->cfg.vocab_size, P = model_context(&p->cfg);
	if (p->cfg.num_labels > 0)
		return status_set(st, STATUS_INVALID, "a reward model does not generate text");
	if (longest > P)
		return status_set(st, STATUS_INVALID, "a prompt of %zu tokens exceeds the context of %zu",
		                  longest, P);
	struct decoder d;
	size_t nsm = (size_t)pool_threads() < B ? (size_t)pool_threads() : B;
	struct sampler *sm = calloc(nsm ? nsm : 1, sizeof *sm);
	int *next_tok = malloc(B * sizeof *next_tok);
	size_t *pick_seq = malloc(B * sizeof *pick_seq);
	if (!sm || !next_tok || !pick_seq) {
		free(sm), free(next_tok), free(pick_seq);
		return status_set(st, STATUS_NOMEM, "cannot allocate samplers");
	}
	enum status_code rc = decoder_init(&d, p, B, longest + gp->max_new, st);
	if (rc != STATUS_OK) {
		free(sm), free(next_tok), free(pick_seq);
		return rc;
	}
	decoder_set_weights(&d, gp->weights);
	size_t rows = total > B ? total : B;
	int *seq = malloc(rows * sizeof *seq), *tok = malloc(rows * sizeof *tok);
	unsigned char *keep = malloc(rows);
	float *logits = malloc(B * V * sizeof *logits);
	struct rng *rng = malloc(B * sizeof *rng);
	size_t *text_cap = calloc(B, sizeof *text_cap);
	char *done = calloc(B, 1);
	size_t *same = malloc(2 * B * sizeof *same), *row = same ? same + B : NULL;
	if (!seq || !tok || !keep || !logits || !rng || !text_cap || !done || !same) {
		rc = status_set(st, STATUS_NOMEM, "cannot allocate generation state");
		goto out;
	}
	for (size_t k = 0; k < nsm; k++)
		if ((rc = sampler_init(&sm[k], (int)V, st)) != STATUS_OK)
			goto out;
	for (size_t i = 0; i < B; i++) {
		rng_seed(&rng[i], gp->seeds ? gp->seeds[i] : gp->seed + i);
		out[i].tokens = malloc((gp->max_new ? gp->max_new : 1) * sizeof *out[i].tokens);
		if (!out[i].tokens) {
			rc = status_set(st, STATUS_NOMEM, "cannot allocate generation output");
			goto out;
		}
		out[i].finish = GENERATE_LENGTH;
	}
	/* Prefill: every distinct prompt's tokens in one call; logits of each
	 * prompt's last token. A prompt equal to an earlier one (several samples
	 * of one context) copies that one's cache and logits instead: the same
	 * values, since a sequence's rows never depend on the others'. */
	size_t R = 0, U = 0;
	for (size_t i = 0; i < B; i++) {
		same[i] = i;
		for (size_t j = 0; j < i && same[i] == i; j++)
			if (same[j] == j && lens[j] == lens[i] &&
			    memcmp(prompts[j], prompts[i], lens[i] * sizeof *prompts[i]) == 0)
				same[i] = j;
		if (same[i] != i)
			continue;
		row[i] = U++;
		for (size_t t = 0; t < lens[i]; t++) {
			seq[R] = (int)i;
			tok[R] = prompts[i][t];
			keep[R] = t + 1 == lens[i];
			R++;
		}
	}
	size_t active = B;
	if (gp->max_new == 0)
		active = 0;
	else if ((rc = decoder_step(&d, seq, tok, R, keep, logits, h, st)) != STATUS_OK)
		goto out;
	/* Spread the U rows to one per sequence, from the end: a sequence's
	 * source row is never after it, so no source is overwritten first. */
	for (size_t i = B; active > 0 && i-- > 0;) {
		if (same[i] != i)
			decoder_copy(&d, same[i], i);
		size_t r = row[same[i]];
		if (r != i)
			memcpy(logits + i * V, logits + r * V, V * sizeof *logits);
	}
	/* logits row j belongs to the j-th sequence still running */
	while (active > 0) {
		size_t j = 0;
		for (size_t i = 0; i < B; i++) {
			if (done[i])
				continue;
			/* min_new: RiC's online stage keeps a sample from ending at once. */
			if (gp->eos_id >= 0 && (size_t)gp->eos_id < V && out[i].n < gp->min_new)
				logits[j * V + (size_t)gp->eos_id] = -INFINITY;
			pick_seq[j++] = i;
		}
		size_t grain = (j + nsm - 1) / nsm;
		struct generate_picks gk = { .sm = sm, .gp = gp, .logits = logits, .V = V,
		                             .grain = grain ? grain : 1, .seq = pick_seq, .rng = rng,
		                             .next = next_tok };
		pool_for(j, gk.grain, generate_pick_part, &gk);
		j = 0;
		R = 0;
		for (size_t i = 0; i < B; i++) {
			if (done[i])
				continue;
			int next = next_tok[j];
			j++;
			struct generate_output *o = &out[i];
			o->tokens[o->n++] = next;
			int stop = gp->on_token && gp->on_token(gp->ctx, i, next);
			if (!stop && next == gp->eos_id) { /* EOS ends the text, it is not part of it */
				o->finish = GENERATE_EOS;
				stop = 1;
			}
			if (!stop && gp->decode) {
				int hit = generate_text(o, gp, next, &text_cap[i]);
				if (hit < 0) {
					rc = status_set(st, STATUS_NOMEM, "cannot grow generated text");
					goto out;
				}
				if (hit)
					o->finish = GENERATE_STOP;
				stop = hit;
			}
			if (stop || o->n >= gp->max_new || lens[i] + o->n >= P) {
				if (stop && o->finish == GENERATE_LENGTH)
					o->finish = GENERATE_STOP;
				done[i] = 1;
				active--;
				continue;
			}
			seq[R] = (int)i;
			tok[R] = next;
			R++;
		}
		if (R == 0)
			break;
		rc = decoder_step(&d, seq, tok, R, NULL, logits, h, st);
		if (rc == STATUS_CANCELLED) {
			for (size_t i = 0; i < B; i++)
				if (!done[i])
					out[i].finish = GENERATE_CANCELLED;
		}
		if (rc != STATUS_OK)
			goto out;
	}
out:
	for (size_t i = 0; gp->cut_stop && rc == STATUS_OK && i < B; i++)
		if (out[i].finish == GENERATE_STOP && out[i].text)
			generate_cut(&out[i], gp);
	if (rc != STATUS_OK && rc != STATUS_CANCELLED)
		generate_output_free(out, B);
	for (size_t k = 0; k < nsm; k++)
		sampler_free(&sm[k]);
	free(sm);
	free(next_tok);
	free(pick_seq);
	decoder_free(&d);
	free(seq);
	free(tok);
	free(keep);
	free(logits);
	free(rng);
	free(text_cap);
	free(done);
	free(same);
	return rc;
}
