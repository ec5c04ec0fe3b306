/* online_text: the online stage's text kind (src/online.h): prompts drawn
 * from the dataset, responses generated token by token after the goal tags,
 * scored as text, kept ones re-encoded with the scores they got; the pool
 * is token sequences (trainer_state.json keeps their ids). */
#include "config.h"

#include "src/dist.h"
#include "src/online.h"
#include "src/ricgen.h"
#include "src/stage_lora.h"
#include "src/train_loop.h"
#include "engine/checkpoint.h"
#include "engine/generate.h"
#include "engine/tokenizer.h"
#include "engine/train.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

struct ot {
	struct tokenizer *tok;
	char **prompt, **response;        /* offline training rows */
	size_t caprows;
	char **prompts;                   /* distinct training prompts (into prompt) */
	size_t nprompts;
	struct ricmeta_seq *pool;         /* kept online samples, relabelled, all iterations */
	size_t cappool;
	struct ricmeta_seq *off;          /* this iteration's offline rows */
	size_t noff;
};

/* A batch's own data: the contexts and what generate returned. */
struct ot_batch {
	struct ricmeta_seq *ctx;
	struct generate_output *out;
};

static struct ot *ot_of(struct online *on)
{
	return on->kd;
}

static enum status_code ot_open(struct online *on, const char *from, struct stage_state *ss)
{
	struct online_opts *o = &on->o;
	struct status *st = &on->st;
	struct ot *t = calloc(1, sizeof *t);
	if (!t)
		return status_set(st, STATUS_NOMEM, "out of memory");
	on->kd = t;
	on->tokenizer_dir = from;
	if (o->image_given)
		return status_set(st, STATUS_INVALID, "%s is a text model: %s samples an image model",
		                  from, o->image_opt);
	enum status_code rc = tokenizer_load(from, &t->tok, st);
	/* LoRA: an adapter policy goes on training its adapter over its base;
	 * a full one gets a fresh adapter */
	on->lora_on = stage_lora_on(&o->t);
	if (rc == STATUS_OK && on->lora_on && o->t.resume)
		rc = stage_lora_resume(&o->t, NULL, &on->p, ss, 0, &on->lora, st);
	else if (rc == STATUS_OK && on->lora_on && lora_is_adapter(o->policy))
		rc = stage_lora_load(&o->t, o->policy, NULL, &on->p, 0, &on->lora, st);
	else if (rc == STATUS_OK && on->lora_on) {
		rc = checkpoint_load(o->policy, &on->p, NULL, st);
		if (rc == STATUS_OK)
			rc = stage_lora_create(&o->t, o->policy, &on->p, 0, &on->lora, st);
	} else if (rc == STATUS_OK)
		rc = o->t.resume ? stage_state_load_model(o->t.resume, &on->p, ss, st)
		                 : checkpoint_load(o->policy, &on->p, NULL, st);
	if (rc == STATUS_OK && (on->p.cfg.num_labels > 0 || on->p.cfg.eos_token_id < 0))
		rc = status_set(st, STATUS_INVALID, "%s: not a language model with an EOS token", from);
	/* LoRA over a BF16 base: the base stays BF16 from here on, as sft keeps
	 * it (train_loop_run); sampling builds its decoding weights from it and
	 * the adapter (lora_decode_weights), never an F32 copy */
	if (rc == STATUS_OK && on->lora_on && stage_lora_bf16_base(on->lora.base_path, &on->p))
		rc = model_params_freeze_bf16(&on->p, st);
	if (rc == STATUS_OK)
		ricgen_stops_resolve(&o->stops, &on->m);
	return rc;
}

static void ot_params(struct online *on)
{
	const struct online_opts *o = &on->o;
	struct stage *sg = &on->sg;
	stage_param(sg, "max_tokens", "%g", o->max_tokens);
	stage_param(sg, "temperature", "%g", o->temperature);
	stage_param(sg, "top_p", "%g", o->top_p);
	/* over a frozen BF16 base sampling is BF16 (or int8): there is no F32 model */
	enum decoder_dtype w = on->p.frozen && o->weights == DECODER_F32 ? DECODER_BF16
	                                                                  : (enum decoder_dtype)o->weights;
	stage_param(sg, "weights", "%s", decoder_dtype_name(w));
	stage_param(sg, "min_new_tokens", "1");
	char *stops = ricgen_stops_text(&o->stops);
	stage_param(sg, "stop", "%s", stops ? stops : "?");
	free(stops);
	stage_param(sg, "template", "%s", on->m.template);
}

static enum status_code ot_row(struct online *on, const struct store_row *r)
{
	struct ot *t = ot_of(on);
	struct status *st = &on->st;
	if (r->image)
		return status_set(st, STATUS_INVALID, "dataset %s holds images: %s is a text model",
		                  on->o.dataset, on->o.policy);
	if (on->nrows == t->caprows) {
		size_t cap = t->caprows * 2 + 64;
		char **p = realloc(t->prompt, cap * sizeof *p);
		if (p)
			t->prompt = p;
		char **q = realloc(t->response, cap * sizeof *q);
		if (q)
			t->response = q;
		if (!p || !q)
			return status_set(st, STATUS_NOMEM, "out of memory");
		t->caprows = cap;
	}
	t->prompt[on->nrows] = strdup(r->prompt);
	t->response[on->nrows] = strdup(r->response);
	if (!t->prompt[on->nrows] || !t->response[on->nrows]) {
		free(t->prompt[on->nrows]);
		free(t->response[on->nrows]);
		return status_set(st, STATUS_NOMEM, "out of memory");
	}
	return STATUS_OK;
}

static int ot_strcmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static enum status_code ot_rows_done(struct online *on)
{
	struct ot *t = ot_of(on);
	if (!(t->prompts = malloc(on->nrows * sizeof *t->prompts)))
		return status_set(&on->st, STATUS_NOMEM, "out of memory");
	memcpy(t->prompts, t->prompt, on->nrows * sizeof *t->prompts);
	qsort(t->prompts, on->nrows, sizeof *t->prompts, ot_strcmp);
	size_t n = 0;
	for (size_t i = 0; i < on->nrows; i++)
		if (n == 0 || strcmp(t->prompts[n - 1], t->prompts[i]) != 0)
			t->prompts[n++] = t->prompts[i];
	t->nprompts = n;
	stage_say(&on->sg, "%zu offline rows, %zu distinct prompts, %zu objective(s)", on->nrows,
	          t->nprompts, on->m.n_obj);
	return STATUS_OK;
}

static enum status_code ot_pool_add(struct online *on, struct ricmeta_seq *s)
{
	struct ot *t = ot_of(on);
	if (on->npool == t->cappool) {
		size_t cap = t->cappool * 2 + 64;
		struct ricmeta_seq *g = realloc(t->pool, cap * sizeof *g);
		if (!g) {
			ricmeta_seq_free(s);
			return status_set(&on->st, STATUS_NOMEM, "out of memory");
		}
		t->pool = g;
		t->cappool = cap;
	}
	t->pool[on->npool++] = *s;
	return STATUS_OK;
}

/* Every rank's samples [lo, hi) of out and raw (n scores each) to every rank. */
static enum status_code ot_share(struct generate_output *out, double *raw, size_t M, size_t n,
                                 struct status *st)
{
	struct ot_shape {
		int64_t n, text_len, finish;
	} *shape = calloc(M, sizeof *shape);
	void **tok = calloc(M, sizeof *tok), **text = calloc(M, sizeof *text);
	size_t *tok_len = calloc(M, sizeof *tok_len), *text_len = calloc(M, sizeof *text_len);
	size_t lo, hi;
	dist_span(M, &lo, &hi);
	enum status_code rc = STATUS_OK;
	if (!shape || !tok || !text || !tok_len || !text_len)
		rc = status_set(st, STATUS_NOMEM, "out of memory");
	for (size_t i = lo; rc == STATUS_OK && i < hi; i++) {
		shape[i] = (struct ot_shape){ .n = (int64_t)out[i].n,
			                      .text_len = (int64_t)out[i].text_len,
			                      .finish = out[i].finish };
		tok[i] = out[i].tokens;
		tok_len[i] = out[i].n * sizeof *out[i].tokens;
		text[i] = out[i].text;
		text_len[i] = out[i].text ? out[i].text_len + 1 : 0;
	}
	/* the same collectives on every rank, whatever failed */
	rc = dist_first_error(rc, st);
	if (rc == STATUS_OK)
		rc = dist_share_spans(shape, M, sizeof *shape, st);
	if (rc == STATUS_OK)
		rc = dist_share_spans(raw, M, n * sizeof *raw, st);
	if (rc == STATUS_OK)
		rc = dist_share_blobs(tok, tok_len, M, st);
	if (rc == STATUS_OK)
		rc = dist_share_blobs(text, text_len, M, st);
	for (size_t i = 0; rc == STATUS_OK && i < M; i++) {
		if (i >= lo && i < hi)
			continue;
		out[i] = (struct generate_output){ .tokens = tok[i], .n = (size_t)shape[i].n,
			                           .text = text[i], .text_len = (size_t)shape[i].text_len,
			                           .finish = (enum generate_finish)shape[i].finish };
		tok[i] = text[i] = NULL;
	}
	for (size_t i = 0; tok && text && i < M; i++)
		if (i < lo || i >= hi) { /* copies a failure left behind */
			free(tok[i]);
			free(text[i]);
		}
	free(shape);
	free(tok);
	free(text);
	free(tok_len);
	free(text_len);
	return rc;
}

/* The prompt of the loop's next sample: drawn with replacement. */
static const char *ot_prompt(struct online *on)
{
	struct ot *t = ot_of(on);
	return t->prompts[rng_below(&on->rng, t->nprompts)];
}

static void ot_batch_free(struct online *on, struct online_batch *b)
{
	struct ot_batch *ob = b->own;
	(void)on;
	for (size_t i = 0; ob && ob->ctx && i < b->M; i++)
		ricmeta_seq_free(&ob->ctx[i]);
	if (ob && ob->out)
		generate_output_free(ob->out, b->M);
	if (ob) {
		free(ob->out);
		free(ob->ctx);
		free(ob);
	}
	b->own = NULL;
}

/* The prompts drawn, generated from, scored and shared. */
static enum status_code ot_sample(struct online *on, int iter, struct online_batch *b)
{
	struct ot *t = ot_of(on);
	size_t M = b->M, n = on->m.n_obj;
	struct status *st = &on->st;
	struct ot_batch *ob = calloc(1, sizeof *ob);
	b->own = ob;
	const int **ids = calloc(M, sizeof *ids);
	size_t *lens = calloc(M, sizeof *lens);
	double *col = calloc(M, sizeof *col);
	uint64_t *seeds = NULL;
	size_t a, e; /* this rank's samples */
	dist_span(M, &a, &e);
	enum status_code rc = STATUS_OK;
	(void)iter;
	if (!ob || !ids || !lens || !col ||
	    !(ob->ctx = calloc(M, sizeof *ob->ctx)) || !(ob->out = calloc(M, sizeof *ob->out)))
		rc = status_set(st, STATUS_NOMEM, "out of memory");
	size_t P = model_context(&on->p.cfg), max_ctx = 0;
	for (size_t i = 0; rc == STATUS_OK && i < M; i++) {
		rc = ricmeta_encode(&on->m, t->tok, b->prompt[i], b->want + i * n, NULL, -1,
		                    &ob->ctx[i], st);
		if (rc == STATUS_OK && ob->ctx[i].n + 2 > P)
			rc = status_set(st, STATUS_INVALID, "a context of %zu tokens leaves no room in %zu "
			                "positions", ob->ctx[i].n, P);
		if (rc == STATUS_OK) {
			ids[i] = ob->ctx[i].ids;
			lens[i] = ob->ctx[i].n;
			max_ctx = ob->ctx[i].n > max_ctx ? ob->ctx[i].n : max_ctx;
		}
	}
	struct generate_output *out = ob ? ob->out : NULL;
	if (rc == STATUS_OK) {
		struct generate_params gp = GENERATE_DEFAULTS;
		gp.max_new = (size_t)on->o.max_tokens;
		if (gp.max_new > P - max_ctx)
			gp.max_new = P - max_ctx;
		gp.sampling.temperature = (float)on->o.temperature;
		gp.sampling.top_p = (float)on->o.top_p;
		gp.eos_id = on->p.cfg.eos_token_id;
		gp.seed = rng_next(&on->rng);
		gp.decode = ricgen_decode;
		gp.ctx = t->tok;
		gp.min_new = 1;
		/* the policy changed since the last iteration: its reduced copy anew */
		struct decoder_weights dw = { 0 };
		/* LoRA: sampling runs the merged model, a copy, over an F32 base; over
		 * a BF16 one (frozen) the decoding weights of base + adapter, built a
		 * slice at a time, BF16 unless int8 is asked for */
		struct model_params merged = { 0 }, *pol = &on->p;
		ricgen_stops_apply(&on->o.stops, &gp);
		if (on->lora_on && on->p.frozen)
			rc = lora_decode_weights(&dw, &on->lora, &on->p,
			                         on->o.weights == DECODER_INT8 ? DECODER_INT8 : DECODER_BF16, st);
		else if (on->lora_on &&
		         (rc = stage_lora_merged(&on->lora, &on->p, &merged, st)) == STATUS_OK)
			pol = &merged;
		if (rc == STATUS_OK && !on->p.frozen)
			rc = decoder_weights_init(&dw, pol, (enum decoder_dtype)on->o.weights, st);
		gp.weights = &dw;
		/* Under mpirun each rank samples and scores its share of the M
		 * prompts, sample i still drawn with seed + i (engine/generate.h:
		 * its tokens depend on that alone), and every rank ends with all M. */
		if (rc == STATUS_OK && !(seeds = malloc(M * sizeof *seeds)))
			rc = status_set(st, STATUS_NOMEM, "out of memory");
		for (size_t i = 0; rc == STATUS_OK && i < M; i++)
			seeds[i] = gp.seed + i;
		gp.seeds = seeds ? seeds + a : NULL;
		if (rc == STATUS_OK && e > a)
			rc = generate(pol, ids + a, lens + a, e - a, &gp, &on->h, out + a, st);
		decoder_weights_free(&dw);
		model_params_free(&merged);
	}
	for (size_t i = a; rc == STATUS_OK && i < e; i++) {
		const char *text = out[i].text ? out[i].text : "";
		b->response[i] = text + ricmeta_response_offset(text, out[i].text ? out[i].text_len : 0);
	}
	for (size_t j = 0; rc == STATUS_OK && e > a && j < n; j++) {
		rc = reward_score(on->rw[j], e - a, b->prompt + a, b->response + a, col + a, st);
		for (size_t i = a; rc == STATUS_OK && i < e; i++)
			b->raw[i * n + j] = col[i];
	}
	if (dist_size() > 1) {
		rc = dist_first_error(rc, st); /* a rank failed or was stopped: all know */
		if (rc == STATUS_OK)
			rc = ot_share(out, b->raw, M, n, st);
		rc = dist_first_error(rc, st);
		for (size_t i = 0; rc == STATUS_OK && i < M; i++) {
			const char *text = out[i].text ? out[i].text : "";
			b->response[i] = text + ricmeta_response_offset(text,
			                                                out[i].text ? out[i].text_len : 0);
		}
	}
	/* A sample cut at --max-tokens is not a whole response: trained on with
	 * an EOS appended it would teach the policy to stop mid-sentence, and a
	 * weak policy's cut samples are mostly its repetitive ones. One that
	 * reached a stop string ended its turn: whole, with an EOS where the
	 * next turn began. */
	for (size_t i = 0; rc == STATUS_OK && i < M; i++)
		b->whole[i] = out[i].finish == GENERATE_STOP ||
		              (out[i].n > 0 && out[i].tokens[out[i].n - 1] == on->p.cfg.eos_token_id);
	free(ids);
	free(lens);
	free(col);
	free(seeds);
	return rc;
}

/* Hindsight relabelling: a kept sample is trained on with the scores it got. */
static enum status_code ot_keep(struct online *on, struct online_batch *b, size_t i,
                                const double *z)
{
	struct ot *t = ot_of(on);
	struct ot_batch *ob = b->own;
	struct ricmeta_seq s;
	enum status_code rc = ricmeta_encode_generated(&on->m, t->tok, b->prompt[i], z,
	                                               ob->out[i].tokens, ob->out[i].n,
	                                               on->p.cfg.eos_token_id, &s, &on->st);
	if (rc == STATUS_OK && s.n > model_context(&on->p.cfg)) {
		ricmeta_seq_free(&s);
		return STATUS_OK;
	}
	return rc == STATUS_OK ? ot_pool_add(on, &s) : rc;
}

static void ot_off_free(struct ot *t)
{
	for (size_t i = 0; i < t->noff; i++)
		ricmeta_seq_free(&t->off[i]);
	free(t->off);
	t->off = NULL;
	t->noff = 0;
}

/* A row too long for the context is passed over for the next one. */
static enum status_code ot_mix(struct online *on, const size_t *order, size_t S, size_t N,
                               size_t *nout)
{
	struct ot *t = ot_of(on);
	struct status *st = &on->st;
	ot_off_free(t);
	*nout = 0;
	if (N == 0)
		return STATUS_OK;
	if (!(t->off = calloc(N, sizeof *t->off)))
		return status_set(st, STATUS_NOMEM, "out of memory");
	size_t P = model_context(&on->p.cfg), n = on->m.n_obj;
	enum status_code rc = STATUS_OK;
	for (size_t i = 0; rc == STATUS_OK && i < S && t->noff < N; i++) {
		double z[ONLINE_MAX_OBJ];
		ricmeta_normalise(&on->m, on->raw + order[i] * n, z);
		struct ricmeta_seq *s = &t->off[t->noff];
		rc = ricmeta_encode(&on->m, t->tok, t->prompt[order[i]], z, t->response[order[i]],
		                    on->p.cfg.eos_token_id, s, st);
		if (rc == STATUS_OK && s->n > P)
			ricmeta_seq_free(s);
		else if (rc == STATUS_OK)
			t->noff++;
	}
	if (rc != STATUS_OK)
		ot_off_free(t);
	*nout = t->noff;
	return rc;
}

struct ot_fill {
	struct online *on;
	size_t *order, n, pos;          /* row order of the current pass, reshuffled after each */
	int *tok, *tgt;                 /* [B * n_positions] */
	int *one;                       /* [n_positions] */
};

/* The next B rows of the shuffled pool + offline rows, right-padded. */
static enum status_code ot_fill(void *ctx, long step, struct train_batch *tb, struct status *st)
{
	struct ot_fill *f = ctx;
	struct online *on = f->on;
	struct ot *t = ot_of(on);
	size_t B = (size_t)on->o.t.batch, T = 2;
	const struct ricmeta_seq *batch[4096];
	(void)step;
	(void)st;
	for (size_t b = 0; b < B; b++) {
		if (f->pos == f->n) {
			rng_shuffle(&on->rng, f->order, f->n);
			f->pos = 0;
		}
		size_t i = f->order[f->pos++];
		batch[b] = i < on->npool ? &t->pool[i] : &t->off[i - on->npool];
		T = batch[b]->n > T ? batch[b]->n : T;
	}
	for (size_t b = 0; b < B; b++) {
		ricmeta_seq_targets(batch[b], f->one);
		for (size_t k = 0; k < T; k++) {
			f->tok[b * T + k] = k < batch[b]->n ? batch[b]->ids[k] : on->p.cfg.eos_token_id;
			f->tgt[b * T + k] = k < batch[b]->n ? f->one[k] : -100;
		}
	}
	*tb = (struct train_batch){ .B = B, .T = T, .tokens = f->tok, .targets = f->tgt };
	return STATUS_OK;
}

/* Fine-tunes the policy on pool + offline with a fresh optimizer. */
static enum status_code ot_train(struct online *on, int iter, long *global_step)
{
	struct ot *t = ot_of(on);
	struct status *st = &on->st;
	size_t total_rows = on->npool + t->noff, B = (size_t)on->o.t.batch;
	if (total_rows == 0)
		return STATUS_OK;
	long steps = on->o.t.steps > 0 ? (long)on->o.t.steps
	                               : (long)ceil(on->o.epochs * (double)total_rows / (double)B);
	size_t P = model_context(&on->p.cfg);
	struct ot_fill f = { .on = on, .n = total_rows, .pos = total_rows,
	                     .order = malloc(total_rows * sizeof *f.order),
	                     .tok = malloc(B * P * sizeof *f.tok), .tgt = malloc(B * P * sizeof *f.tgt),
	                     .one = malloc(P * sizeof *f.one) };
	enum status_code rc = STATUS_OK;
	if (!f.order || !f.tok || !f.tgt || !f.one)
		rc = status_set(st, STATUS_NOMEM, "out of memory");
	for (size_t i = 0; rc == STATUS_OK && i < total_rows; i++)
		f.order[i] = i;
	struct train_loop L = { .sg = &on->sg, .h = &on->h, .p = &on->p, .oc = online_optim(on),
	                        .total = steps, .clip = (float)on->o.t.clip,
	                        .metric_step = *global_step, .fill = ot_fill, .ctx = &f,
	                        .lora = on->lora_on ? &on->lora : NULL,
	                        .seed = (uint64_t)on->o.t.seed + (uint64_t)iter };
	if (rc == STATUS_OK)
		rc = train_loop_run(&L, st);
	*global_step += L.step;
	if (L.have_train)
		stage_metric(&on->sg, "train_rows", iter, (double)total_rows);
	free(f.order);
	free(f.tok);
	free(f.tgt);
	free(f.one);
	train_loop_free(&L);
	ot_off_free(t);
	return rc;
}

static json_t *ot_pool_json(struct online *on)
{
	struct ot *t = ot_of(on);
	json_t *pool = json_array();
	for (size_t i = 0; pool && i < on->npool; i++) {
		json_t *ids = json_array();
		for (size_t k = 0; ids && k < t->pool[i].n; k++)
			json_array_append_new(ids, json_integer(t->pool[i].ids[k]));
		json_array_append_new(pool, json_pack("{s:o, s:I}", "ids", ids, "context",
		                                      (json_int_t)t->pool[i].n_context));
	}
	return json_pack("{s:o}", "pool", pool);
}

/* Kept samples are relabelled generations: the loss covers what follows the context. */
static enum status_code ot_pool_restore(struct online *on, json_t *extra, const char *dir)
{
	json_t *pool = json_object_get(extra, "pool");
	if (!json_is_array(pool))
		return status_set(&on->st, STATUS_FORMAT, "%s/trainer_state.json: no online pool", dir);
	size_t i;
	json_t *e;
	json_array_foreach(pool, i, e) {
		json_t *ids = json_object_get(e, "ids");
		json_int_t nctx = json_integer_value(json_object_get(e, "context"));
		size_t n = json_array_size(ids);
		struct ricmeta_seq s = { .n = n, .n_context = (size_t)nctx };
		s.ids = malloc((n ? n : 1) * sizeof *s.ids);
		s.mask = malloc(n ? n : 1);
		if (!s.ids || !s.mask) {
			ricmeta_seq_free(&s);
			return status_set(&on->st, STATUS_NOMEM, "out of memory");
		}
		for (size_t k = 0; k < n; k++) {
			s.ids[k] = (int)json_integer_value(json_array_get(ids, k));
			s.mask[k] = k >= (size_t)nctx;
		}
		enum status_code rc = ot_pool_add(on, &s);
		if (rc != STATUS_OK)
			return rc;
	}
	return STATUS_OK;
}

static void ot_free(struct online *on)
{
	struct ot *t = ot_of(on);
	if (!t)
		return;
	for (size_t i = 0; i < on->nrows; i++) {
		free(t->prompt[i]);
		free(t->response[i]);
	}
	free(t->prompt);
	free(t->response);
	free(t->prompts);
	for (size_t i = 0; i < on->npool; i++)
		ricmeta_seq_free(&t->pool[i]);
	free(t->pool);
	ot_off_free(t);
	if (t->tok)
		tokenizer_free(t->tok);
	free(t);
	on->kd = NULL;
}

const struct online_kind online_text = {
	.name = "text",
	.open = ot_open,
	.params = ot_params,
	.row = ot_row,
	.rows_done = ot_rows_done,
	.prompt = ot_prompt,
	.sample = ot_sample,
	.keep = ot_keep,
	.batch_free = ot_batch_free,
	.mix = ot_mix,
	.train = ot_train,
	.pool_json = ot_pool_json,
	.pool_restore = ot_pool_restore,
	.free = ot_free,
};
