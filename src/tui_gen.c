#include "config.h"

#include "src/tui_gen.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "engine/decoder.h"
#include "engine/lora.h"
#include "src/ricgen.h"
#include "src/tui_gen_image.h"
#include "engine/monotonic.h"

#include <limits.h>
#include <math.h>
#include <stdio.h>

struct tui_gen_job {
	struct tui_gen_req r;
	char *prompt;
	double z[2 * TUI_GEN_MAX_OBJ];
	unsigned id;
	int64_t t0;
};

struct tui_gen {
	struct ricgen rg;
	enum decoder_dtype weights; /* decoding weights (the policy's, B's, the rm: rewards') */
	int img;                 /* an image model: rg's pass and schedule sample it */
	/* Side B from another adapter of the base rg holds (tui_gen_set_b): its
	 * decoding weights and metadata; the base itself is rg.p's. */
	int has_b;
	struct decoder_weights wb_b;
	struct ricmeta meta_b;
	char *b_dir;
	char *dir, *datadir;
	pthread_t thread;
	int started;
	pthread_mutex_t mu;      /* guards everything below up to the worker-only part */
	pthread_cond_t cv;
	int quit;
	int has_pending, running_now;
	struct tui_gen_job pending;
	unsigned next_id;
	struct tui_gen_event *ev;
	size_t nev, cap;
	int pipe[2];
	atomic_uint want;        /* the request the UI wants: the abort hook compares */
	atomic_int closing;
	struct reward *agreed[TUI_GEN_MAX_OBJ]; /* opened with consent, for the worker to take */
	/* worker only */
	struct tui_gen_job job;
	struct tokenizer_stream streams[2 * TUI_GEN_MAX_SAMPLES];
	unsigned char begun[2 * TUI_GEN_MAX_SAMPLES];
	size_t seq_off;          /* the rows of the batch decoding now start at this sample */
};

/* Takes ownership of text. Drops the event when out of memory: a lost token
 * of a preview is better than a stalled worker. */
static void tui_gen_post(struct tui_gen *g, struct tui_gen_event *e)
{
	pthread_mutex_lock(&g->mu);
	/* Idle by the time the UI can see the last event of a request. */
	if (e->kind == TUI_GEN_DONE || e->kind == TUI_GEN_ERROR)
		g->running_now = 0;
	if (g->nev == g->cap) {
		size_t cap = g->cap ? 2 * g->cap : 64;
		struct tui_gen_event *ev = realloc(g->ev, cap * sizeof *ev);
		if (!ev) {
			pthread_mutex_unlock(&g->mu);
			free(e->text);
			return;
		}
		g->ev = ev;
		g->cap = cap;
	}
	g->ev[g->nev++] = *e;
	/* One byte per empty-to-waiting transition keeps the pipe from filling. */
	if (g->nev == 1) {
		char b = 1;
		ssize_t w = write(g->pipe[1], &b, 1);
		(void)w;
	}
	pthread_mutex_unlock(&g->mu);
}

static void tui_gen_post_text(struct tui_gen *g, enum tui_gen_kind kind, size_t seq,
                              const char *text, size_t len)
{
	struct tui_gen_event e = { .kind = kind, .gen = g->job.id, .seq = seq };
	e.text = malloc(len + 1);
	if (!e.text)
		return;
	memcpy(e.text, text, len);
	e.text[len] = '\0';
	e.len = len;
	e.ms = monotonic_ms() - g->job.t0;
	tui_gen_post(g, &e);
}

static int tui_gen_abort(void *ctx)
{
	struct tui_gen *g = ctx;
	return atomic_load(&g->want) != g->job.id || atomic_load(&g->closing);
}

static size_t tui_gen_decode(void *ctx, int token, char *buf, size_t cap)
{
	struct tui_gen *g = ctx;
	return ricgen_decode(g->rg.tok, token, buf, cap);
}

static int tui_gen_on_token(void *ctx, size_t seq, int token)
{
	struct tui_gen *g = ctx;
	seq += g->seq_off;
	if (token == g->rg.p.cfg.eos_token_id || seq >= 2 * TUI_GEN_MAX_SAMPLES)
		return 0;
	struct status st = STATUS_INIT;
	const char *text;
	size_t len;
	if (tokenizer_stream_push(g->rg.tok, &g->streams[seq], token, &text, &len, &st) != STATUS_OK)
		return 0;
	/* The exact-prefix rule of ricmeta: the joining space is not response text. */
	if (!g->begun[seq] && len > 0) {
		g->begun[seq] = 1;
		size_t off = ricmeta_response_offset(text, len);
		text += off;
		len -= off;
	}
	if (len > 0)
		tui_gen_post_text(g, TUI_GEN_TOKEN, seq, text, len);
	return 0;
}

/* Decodes and scores samples [first, first + count) of the job with weights
 * w and metadata m, posting their events; adds the tokens to *tokens. */
static enum status_code tui_gen_run_rows(struct tui_gen *g, size_t first, size_t count,
                                         struct decoder_weights *w, const struct ricmeta *m,
                                         size_t *tokens, struct status *st)
{
	struct tui_gen_job *j = &g->job;
	size_t N = g->rg.meta.n_obj;
	const char *prompts[2 * TUI_GEN_MAX_SAMPLES];
	uint64_t seeds[2 * TUI_GEN_MAX_SAMPLES];
	double z[2 * TUI_GEN_MAX_SAMPLES * TUI_GEN_MAX_OBJ];
	for (size_t i = 0; i < count; i++) {
		size_t row = first + i;
		prompts[i] = j->prompt;
		seeds[i] = j->r.seed + row % j->r.n;
		memcpy(z + i * N, j->z + (row / j->r.n) * N, N * sizeof *z);
		tokenizer_stream_free(&g->streams[row]);
		g->streams[row].cont = 1; /* a continuation: keep its leading space (SentencePiece) */
		g->begun[row] = 0;
	}
	struct ricgen_batch b = { .n = count, .prompts = prompts, .z = z, .seeds = seeds };
	struct generate_params gp = GENERATE_DEFAULTS;
	gp.max_new = j->r.max_new;
	gp.min_new = j->r.min_new;
	gp.sampling.temperature = j->r.temperature;
	gp.sampling.top_p = j->r.top_p;
	gp.decode = tui_gen_decode;
	gp.on_token = tui_gen_on_token;
	gp.ctx = g;
	gp.weights = w;
	struct hooks h = { .abort = tui_gen_abort, .ctx = g };
	g->seq_off = first;
	enum status_code c = ricgen_run(&g->rg, m, &b, &gp, &h, st);
	g->seq_off = 0;
	if (c == STATUS_OK) {
		for (size_t i = 0; i < count; i++) {
			size_t row = first + i;
			/* An unfinished character held back at the end is still response text. */
			size_t held;
			const char *rest = tokenizer_stream_flush(&g->streams[row], &held);
			if (held > 0)
				tui_gen_post_text(g, TUI_GEN_TOKEN, row, rest, held);
			struct tui_gen_event e = { .kind = TUI_GEN_SAMPLE, .gen = j->id, .seq = row };
			e.text = b.responses[i];
			e.len = strlen(e.text);
			b.responses[i] = NULL;
			memcpy(e.raw, b.raw + i * N, N * sizeof *e.raw);
			memcpy(e.norm, b.norm + i * N, N * sizeof *e.norm);
			e.ms = monotonic_ms() - j->t0;
			tui_gen_post(g, &e);
		}
	}
	*tokens += b.tokens;
	ricgen_batch_free(&b);
	return c;
}

/* A finished image scored with the objectives' rewards, as a SAMPLE event
 * (no text; NAN where a reward waits for consent or fails). */
static void tui_gen_score_image(struct tui_gen *g, size_t seq, const uint8_t *rgb, int side)
{
	size_t N = g->rg.meta.n_obj;
	struct tui_gen_event e = { .kind = TUI_GEN_SAMPLE, .gen = g->job.id, .seq = seq };
	struct image im = { .w = side, .h = side, .px = (uint8_t *)(uintptr_t)rgb };
	for (size_t k = 0; k < N; k++) {
		struct status st = STATUS_INIT;
		e.raw[k] = NAN;
		if (k < g->rg.n_rewards && g->rg.rewards[k] &&
		    reward_score_images(g->rg.rewards[k], 1, &im, &e.raw[k], &st) != STATUS_OK)
			e.raw[k] = NAN;
	}
	ricmeta_normalise(&g->rg.meta, e.raw, e.norm);
	if (!(e.text = strdup("")))
		return;
	e.ms = monotonic_ms() - g->job.t0;
	tui_gen_post(g, &e);
}

/* Each DDIM step's estimate of every image, as an event. */
static int tui_gen_on_image(void *ctx, size_t step, size_t steps, size_t i, const uint8_t *rgb,
                            int side)
{
	struct tui_gen *g = ctx;
	size_t len = (size_t)side * (size_t)side * 3;
	struct tui_gen_event e = { .kind = TUI_GEN_IMAGE, .gen = g->job.id, .seq = g->seq_off + i,
		                   .step = step, .steps = steps, .width = side, .len = len };
	if (!(e.text = malloc(len)))
		return 0;
	memcpy(e.text, rgb, len);
	e.ms = monotonic_ms() - g->job.t0;
	tui_gen_post(g, &e);
	if (step == steps && !tui_gen_abort(g))
		tui_gen_score_image(g, g->seq_off + i, rgb, side);
	return tui_gen_abort(g);
}

/* An image request: each preference's n images from the same seeds. */
static enum status_code tui_gen_run_images(struct tui_gen *g, size_t *made, struct status *st)
{
	struct tui_gen_job *j = &g->job;
	size_t N = g->rg.meta.n_obj;
	struct hooks h = { .abort = tui_gen_abort, .ctx = g };
	enum status_code c = STATUS_OK;
	for (size_t k = 0; c == STATUS_OK && k < j->r.n_pref; k++) {
		float cond[TUI_GEN_MAX_OBJ];
		for (size_t i = 0; i < N; i++)
			cond[i] = (float)j->z[k * N + i];
		struct tui_gen_image_job ij = { .n = j->r.n, .steps = j->r.steps, .guidance = j->r.guidance,
			                        .cond = N ? cond : NULL, .seed = j->r.seed,
			                        .on_step = tui_gen_on_image, .ctx = g };
		g->seq_off = k * j->r.n;
		c = tui_gen_image_run(g->rg.pass, &g->rg.p, &g->rg.diff, &ij, &h, st);
		if (c == STATUS_OK)
			*made += j->r.n;
	}
	g->seq_off = 0;
	return c;
}

static void tui_gen_run_job(struct tui_gen *g)
{
	struct tui_gen_job *j = &g->job;
	size_t B = j->r.n * j->r.n_pref, tokens = 0;
	struct status st = STATUS_INIT;
	enum status_code c;
	if (g->img) {
		c = tui_gen_run_images(g, &tokens, &st);
	} else if (j->r.n_pref == 2 && g->has_b) {
		/* A and B are other weights: one batch each, the same seeds. */
		c = tui_gen_run_rows(g, 0, j->r.n, &g->rg.dw, &g->rg.meta, &tokens, &st);
		if (c == STATUS_OK)
			c = tui_gen_run_rows(g, j->r.n, j->r.n, &g->wb_b, &g->meta_b, &tokens, &st);
	} else {
		c = tui_gen_run_rows(g, 0, B, &g->rg.dw, &g->rg.meta, &tokens, &st);
	}
	if (c == STATUS_OK || c == STATUS_CANCELLED) {
		struct tui_gen_event e = { .kind = TUI_GEN_DONE, .gen = j->id, .code = c,
			                   .tokens = tokens, .ms = monotonic_ms() - j->t0 };
		tui_gen_post(g, &e);
	} else {
		tui_gen_post_text(g, TUI_GEN_ERROR, 0, st.msg, strlen(st.msg));
	}
}

static void *tui_gen_main(void *arg)
{
	struct tui_gen *g = arg;
	pthread_mutex_lock(&g->mu);
	for (;;) {
		while (!g->quit && !g->has_pending)
			pthread_cond_wait(&g->cv, &g->mu);
		if (g->quit)
			break;
		free(g->job.prompt);
		g->job = g->pending;
		g->has_pending = 0;
		g->running_now = 1;
		/* Rewards the user agreed to join between requests, never during one. */
		for (size_t i = 0; i < g->rg.n_rewards && i < TUI_GEN_MAX_OBJ; i++)
			if (g->agreed[i]) {
				reward_close(g->rg.rewards[i]);
				g->rg.rewards[i] = g->agreed[i];
				g->agreed[i] = NULL;
			}
		pthread_mutex_unlock(&g->mu);
		tui_gen_run_job(g);
		pthread_mutex_lock(&g->mu);
		g->running_now = 0;
		pthread_cond_broadcast(&g->cv); /* tui_gen_set_b waits for an idle worker */
	}
	pthread_mutex_unlock(&g->mu);
	return NULL;
}

enum status_code tui_gen_open(struct tui_gen **out, const char *dir, const char *datadir,
                              enum decoder_dtype weights, struct status *st)
{
	*out = NULL;
	struct tui_gen *g = calloc(1, sizeof *g);
	if (!g)
		return status_set(st, STATUS_NOMEM, "out of memory");
	g->pipe[0] = g->pipe[1] = -1;
	g->weights = weights;
	/* BF16 (ric-tui's default) or int8: half or a little over a quarter of
	 * the bytes per decoded token, as the preview is bound by memory
	 * bandwidth; a BF16 checkpoint (int8: any) loads with no F32 copy. A DiT
	 * samples in F32 (ricgen_open_any). */
	enum status_code c = ricgen_open_any(&g->rg, dir, 1, weights, st);
	if (c != STATUS_OK) {
		free(g);
		return c;
	}
	g->img = g->rg.image;
	if (g->rg.meta.n_obj > TUI_GEN_MAX_OBJ)
		c = status_set(st, STATUS_UNSUPPORTED, "%s: %zu objectives; ric-tui handles %d", dir,
		               g->rg.meta.n_obj, TUI_GEN_MAX_OBJ);
	/* ric.json is a file: what it would run waits for the user's yes
	 * (tui_gen_denied, tui_gen_consent); till then it is not scored. */
	struct ricgen_trust trust = { .home = dir, .skip = 1, .weights = weights };
	if (c == STATUS_OK)
		c = ricgen_open_rewards(&g->rg, &g->rg.meta, datadir, &trust, st);
	if (c == STATUS_OK && !(g->datadir = strdup(datadir ? datadir : "")))
		c = status_set(st, STATUS_NOMEM, "out of memory");
	if (c == STATUS_OK && !(g->dir = strdup(dir)))
		c = status_set(st, STATUS_NOMEM, "out of memory");
	if (c == STATUS_OK && pipe(g->pipe) != 0)
		c = status_errno(st, STATUS_IO, errno, "pipe");
	if (c == STATUS_OK) {
		for (int i = 0; i < 2; i++) {
			fcntl(g->pipe[i], F_SETFL, fcntl(g->pipe[i], F_GETFL) | O_NONBLOCK);
			fcntl(g->pipe[i], F_SETFD, FD_CLOEXEC);
		}
		pthread_mutex_init(&g->mu, NULL);
		pthread_cond_init(&g->cv, NULL);
		if (pthread_create(&g->thread, NULL, tui_gen_main, g) != 0) {
			c = status_set(st, STATUS_INTERNAL, "cannot start the generation thread");
			pthread_mutex_destroy(&g->mu);
			pthread_cond_destroy(&g->cv);
		} else {
			g->started = 1;
		}
	}
	if (c != STATUS_OK) {
		tui_gen_close(g);
		return c;
	}
	*out = g;
	return STATUS_OK;
}

void tui_gen_close(struct tui_gen *g)
{
	if (!g)
		return;
	if (g->started) {
		atomic_store(&g->closing, 1);
		pthread_mutex_lock(&g->mu);
		g->quit = 1;
		pthread_cond_signal(&g->cv);
		pthread_mutex_unlock(&g->mu);
		pthread_join(g->thread, NULL);
		pthread_mutex_destroy(&g->mu);
		pthread_cond_destroy(&g->cv);
	}
	tui_gen_events_free(g->ev, g->nev);
	free(g->job.prompt);
	if (g->has_pending)
		free(g->pending.prompt);
	for (size_t i = 0; i < 2 * TUI_GEN_MAX_SAMPLES; i++)
		tokenizer_stream_free(&g->streams[i]);
	for (int i = 0; i < 2; i++)
		if (g->pipe[i] >= 0)
			close(g->pipe[i]);
	decoder_weights_free(&g->wb_b);
	if (g->has_b)
		ricmeta_free(&g->meta_b);
	free(g->b_dir);
	for (size_t i = 0; i < TUI_GEN_MAX_OBJ; i++)
		reward_close(g->agreed[i]);
	ricgen_close(&g->rg);
	free(g->dir);
	free(g->datadir);
	free(g);
}

const struct ricmeta *tui_gen_meta(const struct tui_gen *g) { return &g->rg.meta; }

const char *tui_gen_denied(const struct tui_gen *g, size_t i)
{
	return i < g->rg.n_rewards && g->rg.denied ? g->rg.denied[i] : NULL;
}

enum status_code tui_gen_consent(struct tui_gen *g, size_t i, struct status *st)
{
	if (!tui_gen_denied(g, i))
		return STATUS_OK;
	struct ricgen_trust yes = { .home = g->dir, .consent = 1, .weights = g->weights };
	struct reward_env env = ricgen_reward_env(*g->datadir ? g->datadir : NULL, &yes);
	struct reward *r;
	enum status_code c = reward_open(g->rg.meta.obj[i].reward, &env, &r, st);
	if (c != STATUS_OK) {
		status_prefix(st, "objective '%s'", g->rg.meta.obj[i].name);
		return c;
	}
	/* denied[] is the UI thread's; the worker takes the reward at its next request. */
	free(g->rg.denied[i]);
	g->rg.denied[i] = NULL;
	pthread_mutex_lock(&g->mu);
	reward_close(g->agreed[i]);
	g->agreed[i] = r;
	pthread_mutex_unlock(&g->mu);
	return STATUS_OK;
}
const char *tui_gen_dir(const struct tui_gen *g) { return g->dir; }
int tui_gen_is_image(const struct tui_gen *g) { return g->img; }
const char *tui_gen_b_dir(const struct tui_gen *g) { return g->has_b ? g->b_dir : NULL; }

/* ---- side B: another adapter of the same base --------------------------- */

/* The base folder a checkpoint stands on: an adapter's base, else itself
 * (resolved, so two spellings of one folder compare equal). */
static enum status_code tui_gen_base_of(const char *dir, char *out, struct status *st)
{
	char b[PATH_MAX];
	if (lora_is_adapter(dir)) {
		enum status_code c = lora_base_dir(dir, NULL, b, sizeof b, st);
		if (c != STATUS_OK)
			return c;
	} else {
		snprintf(b, sizeof b, "%s", dir);
	}
	if (!realpath(b, out))
		return status_errno(st, STATUS_IO, errno, "%s", b);
	return STATUS_OK;
}

/* Resident memory now, in KiB (0 when /proc cannot say). */
static long tui_gen_rss_kb(void)
{
	FILE *f = fopen("/proc/self/statm", "r");
	long pages = 0, rss = 0;
	if (f) {
		if (fscanf(f, "%ld %ld", &pages, &rss) != 2)
			rss = 0;
		fclose(f);
	}
	return rss * (sysconf(_SC_PAGESIZE) / 1024);
}

/* p += sign * scale B A for every module of l (sign -1 takes it out again). */
static void tui_gen_apply(struct lora *l, struct model_params *p, int sign)
{
	float scale = l->scale;
	l->scale = sign * scale;
	lora_merge(l, p);
	l->scale = scale;
}

enum status_code tui_gen_set_b(struct tui_gen *g, const char *dir, struct tui_gen_load *info,
                               struct status *st)
{
	int64_t t0 = monotonic_ms();
	long rss0 = tui_gen_rss_kb();
	if (info)
		memset(info, 0, sizeof *info);
	char base_a[PATH_MAX], base_b[PATH_MAX];
	if (g->img)
		return status_set(st, STATUS_UNSUPPORTED, "%s is an image model: compare A | B steers "
		                  "two preferences of it (c), not a second adapter", g->dir);
	enum status_code c = tui_gen_base_of(g->dir, base_a, st);
	if (c == STATUS_OK && !lora_is_adapter(dir))
		return status_set(st, STATUS_UNSUPPORTED,
		                  "%s: not a PEFT adapter folder: side B shares A's base, so it is an "
		                  "adapter of %s (load others with :load)", dir, base_a);
	if (c == STATUS_OK)
		c = tui_gen_base_of(dir, base_b, st);
	if (c == STATUS_OK && strcmp(base_a, base_b) != 0)
		return status_set(st, STATUS_INVALID,
		                  "%s: an adapter of %s, not of %s, the base A stands on", dir, base_b, base_a);
	if (c != STATUS_OK)
		return c;
	/* Straight into BF16 or int8 (a BF16 base as A, or --weights int8): no
	 * F32 matrices to add B to. */
	if (g->rg.dw.embed)
		return status_set(st, STATUS_UNSUPPORTED,
		                  "%s was loaded straight into %s (no F32 weights to add %s to): load an "
		                  "adapter of it as A, or a merged copy of B (ric merge) with :load",
		                  g->dir, decoder_dtype_name(g->rg.dw.dtype), dir);
	/* B's RiC metadata: the same objectives, so one set of rewards scores both. */
	struct ricmeta mb;
	ricmeta_init(&mb);
	char file[PATH_MAX + 16];
	snprintf(file, sizeof file, "%s/ric.json", dir);
	json_error_t je;
	json_t *j = json_load_file(file, 0, &je);
	if (!j)
		return status_set(st, STATUS_FORMAT, "%s: %s", file, je.text);
	c = ricmeta_from_json(j, file, &mb, st);
	json_decref(j);
	for (size_t i = 0; c == STATUS_OK && i < mb.n_obj; i++)
		if (mb.n_obj != g->rg.meta.n_obj || strcmp(mb.obj[i].name, g->rg.meta.obj[i].name) != 0)
			c = status_set(st, STATUS_INVALID, "%s: objectives other than A's (%s ...)", file,
			               g->rg.meta.obj[0].name);
	struct lora la, lb;
	memset(&la, 0, sizeof la);
	memset(&lb, 0, sizeof lb);
	int a_adapter = lora_is_adapter(g->dir);
	if (c == STATUS_OK && a_adapter)
		c = lora_load(g->dir, &g->rg.p, &la, st);
	if (c == STATUS_OK)
		c = lora_load(dir, &g->rg.p, &lb, st);
	if (c == STATUS_OK && (la.n_saved || lb.n_saved))
		c = status_set(st, STATUS_UNSUPPORTED,
		               "%s: replaces whole tensors (modules_to_save), which cannot be taken out "
		               "of the base again: merge it (ric merge) and :load that", la.n_saved ? g->dir : dir);
	struct decoder_weights wb;
	memset(&wb, 0, sizeof wb);
	if (c == STATUS_OK) {
		/* The worker decodes from rg.p's norms and biases: it must be idle. */
		pthread_mutex_lock(&g->mu);
		if (g->has_pending) {
			free(g->pending.prompt);
			g->pending.prompt = NULL;
			g->has_pending = 0;
		}
		atomic_store(&g->want, 0);
		while (g->running_now)
			pthread_cond_wait(&g->cv, &g->mu);
		/* base + A -> base -> base + B (its decoding weights) -> base + A */
		if (a_adapter)
			tui_gen_apply(&la, &g->rg.p, -1);
		tui_gen_apply(&lb, &g->rg.p, 1);
		c = decoder_weights_init(&wb, &g->rg.p, g->weights, st);
		tui_gen_apply(&lb, &g->rg.p, -1);
		if (a_adapter)
			tui_gen_apply(&la, &g->rg.p, 1);
		if (c == STATUS_OK) {
			decoder_weights_free(&g->wb_b);
			g->wb_b = wb;
			if (g->has_b)
				ricmeta_free(&g->meta_b);
			g->meta_b = mb;
			ricmeta_init(&mb);
			free(g->b_dir);
			g->b_dir = strdup(dir);
			g->has_b = g->b_dir != NULL;
		}
		pthread_mutex_unlock(&g->mu);
	}
	lora_free(&la);
	lora_free(&lb);
	ricmeta_free(&mb);
	if (c == STATUS_OK && info) {
		info->ms = monotonic_ms() - t0;
		info->rss_kb = tui_gen_rss_kb() - rss0;
		snprintf(info->base, sizeof info->base, "%s", base_a);
	}
	return c;
}
int tui_gen_fd(const struct tui_gen *g) { return g->pipe[0]; }

enum status_code tui_gen_targets(const struct tui_gen *g, const double *pref,
                                 enum mapping_kind mapping, double *t, struct status *st)
{
	double lo[TUI_GEN_MAX_OBJ], hi[TUI_GEN_MAX_OBJ];
	ricmeta_ranges(&g->rg.meta, lo, hi);
	/* Sliders may leave a sum a hair off 1; the mapping divides by it anyway. */
	return mapping_targets(mapping, pref, g->rg.meta.n_obj, lo, hi, MAPPING_NORMALISE, t, st);
}

unsigned tui_gen_submit(struct tui_gen *g, const struct tui_gen_req *r, struct status *st)
{
	struct tui_gen_job j = { .r = *r };
	size_t N = g->rg.meta.n_obj;
	if (r->n < 1 || r->n > TUI_GEN_MAX_SAMPLES) {
		status_set(st, STATUS_INVALID, "samples must be 1..%d, not %zu", TUI_GEN_MAX_SAMPLES,
		           r->n);
		return 0;
	}
	if (r->n_pref < 1 || r->n_pref > 2) {
		status_set(st, STATUS_INVALID, "one or two preferences, not %zu", r->n_pref);
		return 0;
	}
	if (g->img && (r->steps < 1 || r->steps > 1000 || !(r->guidance >= 0))) {
		status_set(st, STATUS_INVALID, "DDIM steps must be 1..1000 and guidance >= 0");
		return 0;
	}
	if (!g->img && (!r->prompt || !*r->prompt)) {
		status_set(st, STATUS_INVALID, "the prompt is empty: type one with :prompt TEXT");
		return 0;
	}
	for (size_t k = 0; k < r->n_pref; k++)
		if (tui_gen_targets(g, r->pref[k], r->mapping, j.z + k * N, st) != STATUS_OK)
			return 0;
	if (!(j.prompt = strdup(r->prompt ? r->prompt : ""))) {
		status_set(st, STATUS_NOMEM, "out of memory");
		return 0;
	}
	j.r.prompt = j.prompt;
	j.t0 = monotonic_ms();
	pthread_mutex_lock(&g->mu);
	if (g->has_pending)
		free(g->pending.prompt);
	j.id = ++g->next_id ? g->next_id : ++g->next_id;
	g->pending = j;
	g->has_pending = 1;
	atomic_store(&g->want, j.id);
	pthread_cond_signal(&g->cv);
	pthread_mutex_unlock(&g->mu);
	return j.id;
}

void tui_gen_cancel(struct tui_gen *g)
{
	pthread_mutex_lock(&g->mu);
	if (g->has_pending)
		free(g->pending.prompt);
	g->has_pending = 0;
	atomic_store(&g->want, 0);
	pthread_mutex_unlock(&g->mu);
}

int tui_gen_busy(struct tui_gen *g)
{
	pthread_mutex_lock(&g->mu);
	int busy = g->has_pending || g->running_now;
	pthread_mutex_unlock(&g->mu);
	return busy;
}

size_t tui_gen_take(struct tui_gen *g, struct tui_gen_event **out)
{
	char buf[64];
	pthread_mutex_lock(&g->mu);
	while (read(g->pipe[0], buf, sizeof buf) > 0)
		;
	*out = g->ev;
	size_t n = g->nev;
	g->ev = NULL;
	g->nev = g->cap = 0;
	pthread_mutex_unlock(&g->mu);
	return n;
}

void tui_gen_events_free(struct tui_gen_event *ev, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(ev[i].text);
	free(ev);
}
