#include "config.h"

#include "src/ricgen.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "engine/checkpoint.h"

/* dtype < 0: the F32 parameters alone; else decoding weights of that dtype
 * too. images: an image model is welcome (else the error of a text command). */
static enum status_code ricgen_open_as(struct ricgen *g, const char *dir, int need_meta, int dtype,
                                       int images, struct status *st)
{
	memset(g, 0, sizeof *g);
	ricmeta_init(&g->meta);
	json_t *ric = NULL;
	struct model_config fc = { 0 };
	struct status probe = STATUS_INIT; /* a bad config.json: checkpoint_load says so */
	if (images && checkpoint_config_read(dir, &fc, &probe) == STATUS_OK && model_is_image(&fc)) {
		g->image = 1;
		dtype = -1; /* sampled in F32: checkpoint_load widens a BF16 one */
	}
	enum status_code c = dtype < 0 ? checkpoint_load(dir, &g->p, &ric, st)
	                               : checkpoint_load_decoding(dir, &g->p, &g->dw, dtype, &ric, st);
	if (c == STATUS_OK)
		c = g->image ? model_want_denoiser(&g->p.cfg, dir, st) : model_want_text(&g->p.cfg, dir, st);
	if (c == STATUS_OK && ric) {
		char file[4200];
		snprintf(file, sizeof file, "%s/ric.json", dir);
		c = ricmeta_from_json(ric, file, &g->meta, st);
		g->has_meta = c == STATUS_OK;
	}
	json_decref(ric);
	if (c == STATUS_OK && need_meta && !g->has_meta)
		c = status_set(st, STATUS_INVALID,
		               "%s: not a RiC checkpoint (no ric.json): train it with ric sft", dir);
	if (c == STATUS_OK)
		c = g->image ? ricgen_image_open(g, st) : tokenizer_load(dir, &g->tok, st);
	if (c != STATUS_OK)
		ricgen_close(g);
	return c;
}

enum status_code ricgen_open(struct ricgen *g, const char *dir, int need_meta, struct status *st)
{
	return ricgen_open_as(g, dir, need_meta, -1, 0, st);
}

enum status_code ricgen_open_decoding(struct ricgen *g, const char *dir, int need_meta,
                                      enum decoder_dtype dtype, struct status *st)
{
	return ricgen_open_as(g, dir, need_meta, (int)dtype, 0, st);
}

enum status_code ricgen_open_any(struct ricgen *g, const char *dir, int need_meta,
                                 enum decoder_dtype dtype, struct status *st)
{
	return ricgen_open_as(g, dir, need_meta, (int)dtype, 1, st);
}

struct reward_env ricgen_reward_env(const char *datadir, const struct ricgen_trust *t)
{
	return (struct reward_env){ .datadir = datadir, .timeout_s = 60, .batch = 16, .from_file = 1,
	                            .home = t ? t->home : NULL, .consent = t && t->consent,
	                            .weights = t ? t->weights : DECODER_F32 };
}

enum status_code ricgen_open_rewards(struct ricgen *g, const struct ricmeta *m,
                                     const char *datadir, const struct ricgen_trust *t,
                                     struct status *st)
{
	static const struct ricgen_trust none;
	if (!t)
		t = &none;
	g->rewards = calloc(m->n_obj, sizeof *g->rewards);
	g->denied = calloc(m->n_obj, sizeof *g->denied);
	if (!g->rewards || !g->denied)
		return status_set(st, STATUS_NOMEM, "out of memory");
	struct reward_env env = ricgen_reward_env(datadir, t);
	for (size_t i = 0; i < m->n_obj; i++) {
		struct status why = STATUS_INIT;
		enum status_code c = reward_open(m->obj[i].reward, &env, &g->rewards[i], &why);
		g->n_rewards = i + 1;
		if (c == STATUS_DENIED && t->skip) {
			status_prefix(&why, "objective '%s'", m->obj[i].name);
			if (!(g->denied[i] = strdup(why.msg)))
				return status_set(st, STATUS_NOMEM, "out of memory");
		} else if (c != STATUS_OK) {
			status_prefix(&why, "objective '%s'", m->obj[i].name);
			return status_set(st, c, "%s", why.msg);
		}
	}
	return STATUS_OK;
}

enum status_code ricgen_set_weights(struct ricgen *g, enum decoder_dtype dtype, struct status *st)
{
	if (g->dw.embed) /* the parameters hold no matrices: only these weights */
		return dtype == g->dw.dtype ? STATUS_OK
		                            : status_set(st, STATUS_INVALID, "the model was loaded "
		                                         "for %s decoding only",
		                                         decoder_dtype_name(g->dw.dtype));
	decoder_weights_free(&g->dw);
	return decoder_weights_init(&g->dw, &g->p, dtype, st);
}

void ricgen_close(struct ricgen *g)
{
	ricgen_image_close(g);
	decoder_weights_free(&g->dw);
	for (size_t i = 0; i < g->n_rewards; i++) {
		reward_close(g->rewards[i]);
		if (g->denied)
			free(g->denied[i]);
	}
	free(g->rewards);
	free(g->denied);
	if (g->tok)
		tokenizer_free(g->tok);
	model_params_free(&g->p);
	ricmeta_free(&g->meta);
	memset(g, 0, sizeof *g);
}

size_t ricgen_decode(void *tokenizer, int token, char *buf, size_t cap)
{
	size_t len = 0;
	const char *bytes = tokenizer_token_bytes(tokenizer, token, &len);
	if (!bytes)
		return 0;
	if (len > cap)
		len = cap;
	memcpy(buf, bytes, len);
	return len;
}

void ricgen_batch_free(struct ricgen_batch *b)
{
	if (b->responses)
		for (size_t i = 0; i < b->n; i++)
			free(b->responses[i]);
	free(b->responses);
	free(b->raw);
	free(b->norm);
	b->responses = NULL;
	b->raw = b->norm = NULL;
}

enum status_code ricgen_score(struct ricgen *g, const struct ricmeta *m, size_t n,
                              const char *const *prompts, const char *const *responses,
                              double *raw, double *norm, struct status *st)
{
	size_t N = m->n_obj;
	double *col = malloc((n ? n : 1) * sizeof *col);
	if (!col)
		return status_set(st, STATUS_NOMEM, "out of memory");
	enum status_code c = STATUS_OK;
	for (size_t j = 0; j < N && c == STATUS_OK; j++) {
		if (!g->rewards[j]) { /* refused: not scored, which NAN says everywhere */
			for (size_t i = 0; i < n; i++)
				raw[i * N + j] = NAN;
			continue;
		}
		c = reward_score(g->rewards[j], n, prompts, responses, col, st);
		if (c != STATUS_OK) {
			status_prefix(st, "objective '%s'", m->obj[j].name);
			break;
		}
		for (size_t i = 0; i < n; i++)
			raw[i * N + j] = col[i];
	}
	for (size_t i = 0; c == STATUS_OK && i < n; i++)
		ricmeta_normalise(m, raw + i * N, norm + i * N);
	free(col);
	return c;
}

enum status_code ricgen_run(struct ricgen *g, const struct ricmeta *m, struct ricgen_batch *b,
                            const struct generate_params *gp0, const struct hooks *h,
                            struct status *st)
{
	if (g->image)
		return ricgen_image_run(g, m, b, h, st);
	size_t n = b->n, N = m->n_obj, P = model_context(&g->p.cfg);
	struct ricmeta_seq *seq = calloc(n, sizeof *seq);
	const int **ctx = calloc(n, sizeof *ctx);
	size_t *lens = calloc(n, sizeof *lens);
	struct generate_output *out = calloc(n, sizeof *out);
	b->responses = calloc(n, sizeof *b->responses);
	b->raw = calloc(n * N + 1, sizeof *b->raw);
	b->norm = calloc(n * N + 1, sizeof *b->norm);
	b->tokens = 0;
	enum status_code c = STATUS_OK;
	if (!seq || !ctx || !lens || !out || !b->responses || !b->raw || !b->norm)
		c = status_set(st, STATUS_NOMEM, "out of memory");
	struct generate_params gp = *gp0;
	if (gp.max_new >= P)
		gp.max_new = P / 2;
	size_t keep = P - gp.max_new;
	for (size_t i = 0; c == STATUS_OK && i < n; i++) {
		c = ricmeta_encode(m, g->tok, b->prompts[i], b->z ? b->z + i * N : NULL, NULL, -1,
		                   &seq[i], st);
		if (c != STATUS_OK)
			break;
		size_t skip = seq[i].n > keep ? seq[i].n - keep : 0;
		ctx[i] = seq[i].ids + skip;
		lens[i] = seq[i].n - skip;
		if (lens[i] == 0)
			c = status_set(st, STATUS_INVALID, "prompt %zu makes an empty context", i + 1);
	}
	gp.eos_id = g->p.cfg.eos_token_id;
	gp.seeds = b->seeds;
	if (!gp.weights && g->dw.dtype != DECODER_F32)
		gp.weights = &g->dw;
	if (!gp.decode) { /* a caller that streams brings its own decode and ctx */
		gp.decode = ricgen_decode;
		gp.ctx = g->tok;
	}
	if (c == STATUS_OK)
		c = generate(&g->p, ctx, lens, n, &gp, h, out, st);
	for (size_t i = 0; c == STATUS_OK && i < n; i++) {
		b->tokens += out[i].n;
		const char *t = out[i].text ? out[i].text : "";
		size_t len = out[i].text ? out[i].text_len : 0;
		size_t off = ricmeta_response_offset(t, len);
		b->responses[i] = malloc(len - off + 1);
		if (!b->responses[i]) {
			c = status_set(st, STATUS_NOMEM, "out of memory");
			break;
		}
		memcpy(b->responses[i], t + off, len - off);
		b->responses[i][len - off] = '\0';
	}
	if (c == STATUS_OK && g->n_rewards == N)
		c = ricgen_score(g, m, n, b->prompts, (const char *const *)b->responses, b->raw, b->norm,
		                 st);
	if (out)
		generate_output_free(out, n);
	for (size_t i = 0; seq && i < n; i++)
		ricmeta_seq_free(&seq[i]);
	free(seq);
	free(ctx);
	free(lens);
	free(out);
	return c;
}

int ricgen_stops_add(struct ricgen_stops *s, const char *str)
{
	if (s->n == RICGEN_MAX_STOP)
		return -1;
	s->s[s->n++] = str;
	return 0;
}

void ricgen_stops_resolve(struct ricgen_stops *s, const struct ricmeta *m)
{
	if (s->none) {
		s->n = 0;
		return;
	}
	if (s->n)
		return;
	s->s[s->n++] = RICGEN_STOP_HUMAN;
	if (m && m->marker && m->marker[0] == '\n' && strcmp(m->marker, RICGEN_STOP_HUMAN) != 0)
		s->s[s->n++] = m->marker;
}

void ricgen_stops_apply(const struct ricgen_stops *s, struct generate_params *gp)
{
	gp->stop = s->s;
	gp->n_stop = s->n;
	gp->cut_stop = s->n > 0;
}

char *ricgen_stops_text(const struct ricgen_stops *s)
{
	json_t *a = json_array();
	for (size_t i = 0; a && i < s->n; i++)
		if (json_array_append_new(a, json_string(s->s[i])) != 0) {
			json_decref(a);
			a = NULL;
		}
	char *t = a ? json_dumps(a, JSON_COMPACT) : NULL;
	json_decref(a);
	return t;
}
