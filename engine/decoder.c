#include "config.h"

#include "engine/decoder.h"
#include "engine/cpu.h"
#include "engine/gemv.h"
#include "engine/gemv_q8.h"
#include "engine/kernels.h"
#include "engine/pool.h"
#include "engine/vmath.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#define DECODER_HUGE ((size_t)2 << 20)

static void *decoder_alloc(size_t bytes, int huge)
{
	size_t align = huge && bytes >= 2 * DECODER_HUGE ? DECODER_HUGE : 64;
	size_t size = (bytes + align - 1) / align * align;
	void *p = aligned_alloc(align, size ? size : align);
#ifdef MADV_HUGEPAGE
	if (p && align == DECODER_HUGE)
		(void)madvise(p, size, MADV_HUGEPAGE); /* a hint: without it, 4 KiB pages */
#endif
	return p;
}

void *decoder_weights_alloc(size_t bytes)
{
	return decoder_alloc(bytes, 1);
}

/* The KV cache in huge pages where all of it fits in a quarter of the
 * machine's memory. Every step writes each sequence's next position in
 * every head's block, so with 4 KiB pages a batch-32 step of GPT-2 small
 * faulted in hundreds of fresh pages, the two threads queueing in the
 * kernel (6% of a step in perf, clear_page), and attention's reads spread
 * over tens of MB took a TLB miss a page. Huge pages commit a block's 2
 * MiB region at its first position, so the whole cache is in memory from
 * the first step on: the bound keeps that to what the machine can spare
 * (generate sizes the cache to the longest prompt plus the new tokens, so
 * a batch that runs to its end commits it all anyway). */
static void *decoder_cache_alloc(size_t bytes)
{
	long pages = sysconf(_SC_PHYS_PAGES), page = sysconf(_SC_PAGESIZE);
	int huge = pages > 0 && page > 0 && bytes <= (size_t)pages / 4 * (size_t)page;
	return decoder_alloc(bytes, huge);
}

enum status_code decoder_init(struct decoder *d, const struct model_params *p, size_t B,
                              size_t cap, struct status *st)
{
	memset(d, 0, sizeof *d);
	if (model_is_image(&p->cfg))
		return status_set(st, STATUS_UNSUPPORTED, "an image model (%s) does not generate text "
		                  "(ric generate --model DIR -o FILE.png draws images)",
		                  model_family_of(&p->cfg)->title);
	if (B == 0 || cap == 0)
		return status_set(st, STATUS_INVALID, "decoder needs at least one sequence and position");
	d->p = p;
	d->family = model_family_of(&p->cfg);
	model_dims(&p->cfg, &d->dims);
	enum status_code rc = d->family->decode_init(d, st);
	if (rc != STATUS_OK) {
		decoder_free(d);
		return rc;
	}
	if (cap > d->dims.P)
		cap = d->dims.P;
	d->B = B;
	d->cap = cap;
	d->kvw = d->dims.NKV * d->dims.D;
	size_t per = d->dims.L * B * cap * d->kvw;
	d->k = decoder_cache_alloc(2 * per * sizeof *d->k);
	d->len = calloc(B, sizeof *d->len);
	if (!d->k || !d->len) {
		decoder_free(d);
		return status_set(st, STATUS_NOMEM, "cannot allocate a KV cache of %zu x %zu positions",
		                  B, cap);
	}
	d->v = d->k + per;
	d->k16 = (uint16_t *)(void *)d->k;
	d->v16 = d->k16 + per;
	return STATUS_OK;
}

void decoder_free(struct decoder *d)
{
	free(d->k);
	free(d->len);
	free(d->mem);
	free(d->pos);
	free(d->rope);
	if (d->family)
		d->family->decode_free(d);
	memset(d, 0, sizeof *d);
}

int decoder_dtype_parse(const char *name)
{
	static const char *const names[] = { "f32", "bf16", "int8" };
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
		if (strcmp(name, names[i]) == 0)
			return (int)i;
	return -1;
}

const char *decoder_dtype_name(enum decoder_dtype t)
{
	return t == DECODER_BF16 ? "bf16" : t == DECODER_INT8 ? "int8" : "f32";
}

enum status_code decoder_weights_init(struct decoder_weights *wb, const struct model_params *p,
                                      enum decoder_dtype dtype, struct status *st)
{
	memset(wb, 0, sizeof *wb);
	wb->dtype = dtype;
	if (dtype == DECODER_F32)
		return STATUS_OK;
	const struct model_family *f = model_family_of(&p->cfg);
	if (!f->decode_weights)
		return status_set(st, STATUS_UNSUPPORTED, "%s weights for decoding are not implemented "
		                  "for %s models (use f32)", decoder_dtype_name(dtype), f->title);
	enum status_code rc = f->decode_weights(wb, p, st);
	if (rc != STATUS_OK)
		decoder_weights_free(wb);
	return rc;
}

enum status_code decoder_q8_alloc(struct decoder_weights *wb, size_t n,
                                  void (*shape)(const void *ctx, size_t m, size_t *IC,
                                                size_t *OC),
                                  const void *ctx, struct status *st)
{
	size_t bytes = 0, scales = 0;
	wb->q_at = malloc(n * sizeof *wb->q_at);
	wb->scale_at = malloc(n * sizeof *wb->scale_at);
	if (!wb->q_at || !wb->scale_at)
		return status_set(st, STATUS_NOMEM, "cannot allocate int8 offsets");
	for (size_t m = 0; m < n; m++) {
		size_t IC, OC;
		shape(ctx, m, &IC, &OC);
		wb->q_at[m] = bytes;
		wb->scale_at[m] = scales;
		bytes += gemv_q8_bytes(IC, OC);
		scales += gemv_q8_scales(IC, OC);
	}
	/* on cache lines (AVX-512 reads a whole line a load; a panel's scales
	 * of a group are one), in huge pages where large */
	wb->q8 = decoder_weights_alloc(bytes);
	wb->scale = decoder_weights_alloc(scales * sizeof *wb->scale);
	if (!wb->q8 || !wb->scale)
		return status_set(st, STATUS_NOMEM, "cannot allocate int8 weights (%zu bytes)", bytes);
	return STATUS_OK;
}

void decoder_weights_free(struct decoder_weights *wb)
{
	free(wb->bf16);
	free(wb->embed_mem);
	free(wb->q8);
	free(wb->scale);
	free(wb->q_at);
	free(wb->scale_at);
	memset(wb, 0, sizeof *wb);
}

/* Where the products already round the activations (int8; BF16 on
 * vdpbf16ps), the KV cache is BF16 too: half the bytes attention reads at
 * batch 32, where they were a third of a step's reads, within those
 * products' bounds. BF16 weights on the other levels stay exact up to the
 * order of sums, so their cache stays F32. */
int decoder_kv_bf16(enum decoder_dtype dtype)
{
	return dtype == DECODER_INT8 || (dtype == DECODER_BF16 && gemv_bf16_dot());
}

void decoder_set_weights(struct decoder *d, const struct decoder_weights *wb)
{
	d->wb = wb;
	d->kv_bf16 = wb && decoder_kv_bf16(wb->dtype);
}

void decoder_reset(struct decoder *d)
{
	memset(d->len, 0, d->B * sizeof *d->len);
}

void decoder_copy(struct decoder *d, size_t from, size_t to)
{
	if (from == to || from >= d->B || to >= d->B)
		return;
	size_t W = d->kvw, D = d->dims.D, n = d->len[from] * D;
	for (size_t l = 0; l < d->dims.L; l++)
		for (size_t g = 0; g < d->dims.NKV; g++) {
			size_t at = l * d->B * d->cap * W + g * d->cap * D;
			size_t a = at + to * d->cap * W, b = at + from * d->cap * W;
			if (d->kv_bf16) {
				memcpy(d->k16 + a, d->k16 + b, n * sizeof *d->k16);
				memcpy(d->v16 + a, d->v16 + b, n * sizeof *d->v16);
			} else {
				memcpy(d->k + a, d->k + b, n * sizeof *d->k);
				memcpy(d->v + a, d->v + b, n * sizeof *d->v);
			}
		}
	d->len[to] = d->len[from];
}

static enum status_code decoder_reserve(struct decoder *d, size_t R, struct status *st)
{
	if (R <= d->rows)
		return STATUS_OK;
	const struct model_dims *m = &d->dims;
	size_t HD = m->NH * m->D, lnw = HD > m->C ? HD : m->C;
	size_t per_row = m->C + lnw + (m->NH + 2 * m->NKV) * m->D + HD + 2 * m->I;
	free(d->mem);
	free(d->pos);
	free(d->rope);
	d->rows = 0;
	d->mem = malloc((R * per_row + R * m->NH * d->cap) * sizeof *d->mem);
	d->pos = malloc(R * sizeof *d->pos);
	d->rope = malloc(R * m->D * sizeof *d->rope);
	if (!d->mem || !d->pos || !d->rope)
		return status_set(st, STATUS_NOMEM, "cannot allocate decoder scratch for %zu rows", R);
	d->x = d->mem;
	d->ln = d->x + R * m->C;
	d->qkv = d->ln + R * lnw;
	d->atty = d->qkv + R * (m->NH + 2 * m->NKV) * m->D;
	d->fch = d->atty + R * HD;
	d->att = d->fch + R * 2 * m->I;
	d->rows = R;
	return STATUS_OK;
}

struct decoder_put_job {
	struct decoder *d;
	size_t l, ks;
	const int *seq;
	const float *k, *v;
	void (*before)(void *ctx, size_t r);
	void *ctx;
};

static void decoder_put_part(void *ctx, size_t lo, size_t hi)
{
	const struct decoder_put_job *j = ctx;
	struct decoder *d = j->d;
	size_t D = d->dims.D;
	for (size_t r = lo; r < hi; r++) {
		if (j->before)
			j->before(j->ctx, r);
		for (size_t g = 0; g < d->dims.NKV; g++) {
			size_t at = ((j->l * d->B + (size_t)j->seq[r]) * d->dims.NKV + g) * d->cap * D +
			            (size_t)d->pos[r] * D;
			const float *k = j->k + r * j->ks + g * D, *v = j->v + r * j->ks + g * D;
			if (d->kv_bf16) {
				gemv_bf16_from_f32(d->k16 + at, k, D);
				gemv_bf16_from_f32(d->v16 + at, v, D);
			} else {
				memcpy(d->k + at, k, D * sizeof *d->k);
				memcpy(d->v + at, v, D * sizeof *d->v);
			}
		}
	}
}

#define DECODER_PUT_GRAIN 4 /* rows */

void decoder_cache_put(struct decoder *d, size_t l, const int *seq, size_t R, const float *k,
                       const float *v, size_t ks, void (*before)(void *ctx, size_t r),
                       void *ctx)
{
	struct decoder_put_job j = { .d = d, .l = l, .ks = ks, .seq = seq, .k = k, .v = v,
	                             .before = before, .ctx = ctx };
	pool_for(R, DECODER_PUT_GRAIN, decoder_put_part, &j);
}

struct decoder_norm_job {
	float *out;
	const float *x, *w, *b;
	size_t C;
	double eps;
};

static void decoder_norm_part(void *ctx, size_t lo, size_t hi)
{
	const struct decoder_norm_job *j = ctx;
	size_t at = lo * j->C;
	if (j->b)
		layernorm_forward(j->out + at, NULL, NULL, j->x + at, j->w, j->b, hi - lo, j->C, j->eps);
	else
		rmsnorm_forward(j->out + at, NULL, j->x + at, j->w, hi - lo, j->C, j->eps);
}

#define DECODER_NORM_GRAIN 4 /* rows: fewer are not worth a hand-off */

void decoder_norm_rows(float *out, const float *x, const float *w, const float *b, size_t R,
                       size_t C, double eps)
{
	struct decoder_norm_job j = { .out = out, .x = x, .w = w, .b = b, .C = C, .eps = eps };
	pool_for(R, DECODER_NORM_GRAIN, decoder_norm_part, &j);
}

size_t decoder_norm_kept(struct decoder *d, const float *w, const float *b, size_t R,
                         const unsigned char *keep, double eps)
{
	size_t C = d->dims.C, n = 0;
	for (size_t r = 0; r < R; r++)
		if (!keep || keep[r]) {
			if (n != r)
				memcpy(d->x + n * C, d->x + r * C, C * sizeof *d->x);
			n++;
		}
	decoder_norm_rows(d->ln, d->x, w, b, n, C, eps);
	return n;
}

struct decoder_att_job {
	const struct decoder *d;
	const float *q, *kl, *vl; /* q: rows of qs; kl, vl: the layer's cache */
	const uint16_t *kl16, *vl16; /* or these, with kv_bf16 */
	size_t qs, outs;
	const int *seq;
	float *out;               /* rows of outs */
};

/* Where item it (row r = it / NH, head h) reads: its keys and values at
 * this offset in the layer's cache, n positions of D. */
static size_t decoder_att_at(const struct decoder_att_job *j, size_t it, size_t *n)
{
	const struct decoder *d = j->d;
	size_t NH = d->dims.NH, G = NH / d->dims.NKV, r = it / NH;
	*n = (size_t)d->pos[r] + 1;
	return (size_t)j->seq[r] * d->cap * d->kvw + (it % NH / G) * d->cap * d->dims.D;
}

/* Attention reads each item's keys and values once, from memory at batch
 * 32 (GPT-2 small: 38 MB a step at 32 positions). Zen 4's hardware
 * prefetcher streams them only while one item's block follows the last:
 * a gap of 4 positions of 128 bytes (the cache's free positions between two
 * heads) ends the stream and each item then waits for memory line by line
 * (in the cache's order at 40 of 64 positions, 7 GB/s on one thread where
 * the read rate is 22). So where a gap of DECODER_ATT_GAP bytes or more
 * lies before the next block (a row's KV head), the first item reading a
 * block asks for the next block's lines into L2: the first
 * DECODER_ATT_LEAD bytes of its keys and values at once (its streams start
 * while this item runs), the rest of its keys before this item's scores
 * and the rest of its values before its weighted sum. GPT-2 small's cache
 * at 40 of 64 positions, one thread: 6.1-6.8 -> 3.0-3.3 ms a step (all of
 * the next block's lines at once: 4.4; only its first lines: 6.2); where
 * the stream runs on (no gap), any of these doubled the time, so none is
 * asked for there. With grouped queries (SmolLM2: 3 heads a block) the
 * next block is asked for a group ahead, so it has the group's time to
 * come. */
#define DECODER_ATT_GAP 512
#define DECODER_ATT_LEAD 512

struct decoder_att_next {
	const char *k, *v; /* the next block's keys and values, */
	size_t bytes;      /* this many of each; 0: nothing to ask for */
};

/* Items come in groups of G (the query heads of one KV head: G = NH / NKV),
 * each group reading one block. The first item of a group asks for the
 * next group's block (before hi) when it lies past a gap from this block
 * (at base, n positions): its first DECODER_ATT_LEAD bytes at once here,
 * the rest through decoder_att_rest. Inlined: as a function of its own
 * that only prefetches, GCC takes it for one without effects and drops the
 * call. */
static inline __attribute__((always_inline)) struct decoder_att_next
decoder_att_ahead(const struct decoder_att_job *j, size_t it, size_t hi, size_t base, size_t n)
{
	const struct decoder *d = j->d;
	struct decoder_att_next nx = { NULL, NULL, 0 };
	size_t G = d->dims.NH / d->dims.NKV, to = (it / G + 1) * G;
	if (it % G != 0 || to >= hi)
		return nx;
	size_t esz = d->kv_bf16 ? sizeof *d->k16 : sizeof *d->k, next_n;
	size_t next = decoder_att_at(j, to, &next_n), end = base + n * d->dims.D;
	if (next >= base && next < end + DECODER_ATT_GAP / esz)
		return nx; /* the stream runs on */
	nx.k = d->kv_bf16 ? (const char *)(j->kl16 + next) : (const char *)(j->kl + next);
	nx.v = d->kv_bf16 ? (const char *)(j->vl16 + next) : (const char *)(j->vl + next);
	nx.bytes = next_n * d->dims.D * esz;
	for (size_t b = 0; b < DECODER_ATT_LEAD && b < nx.bytes; b += 64) {
		cpu_prefetch_stream(nx.k + b);
		cpu_prefetch_stream(nx.v + b);
	}
	return nx;
}

/* The rest of one of the next block's arrays (nx.k or nx.v). */
static inline __attribute__((always_inline)) void decoder_att_rest(const char *x, size_t bytes)
{
	for (size_t b = DECODER_ATT_LEAD; b < bytes; b += 64)
		cpu_prefetch_stream(x + b);
}

/* Items r NH + h: row r's head h, over the pos[r] + 1 cached positions of
 * its sequence, with its own scores at att + item * cap. Scores, softmax and
 * the weighted sum of values are vectorised (engine/vmath), each item alone,
 * so neither the threads nor the other rows change a row's result. */
static void decoder_att_part(void *ctx, size_t lo, size_t hi)
{
	const struct decoder_att_job *j = ctx;
	const struct decoder *d = j->d;
	size_t NH = d->dims.NH, hs = d->dims.D;
	float scale = (float)(1.0 / sqrt((double)hs));
	for (size_t it = lo; it < hi; it++) {
		size_t r = it / NH, h = it % NH, n, base = decoder_att_at(j, it, &n);
		struct decoder_att_next nx = decoder_att_ahead(j, it, hi, base, n);
		const float *qh = j->q + r * j->qs + h * hs;
		float *a = d->att + it * d->cap, *o = j->out + r * j->outs + h * hs;
		decoder_att_rest(nx.k, nx.bytes);
		if (d->kv_bf16)
			vmath_dots_bf16(a, qh, j->kl16 + base, hs, n, hs, scale);
		else
			vmath_dots(a, qh, j->kl + base, hs, n, hs, scale);
		float mx = vmath_max(a, n);
		double sum = vmath_exp_sum(a, n, mx);
		vmath_exp_scale(a, n, mx, (float)(1.0 / sum));
		decoder_att_rest(nx.v, nx.bytes);
		if (d->kv_bf16)
			vmath_wsum_bf16(o, a, j->vl16 + base, hs, n, hs);
		else
			vmath_wsum(o, a, j->vl + base, hs, n, hs);
	}
}

void decoder_attend_rows(const struct decoder *d, size_t l, const float *q, size_t qs,
                         const int *seq, size_t R, float *out, size_t outs)
{
	size_t layer = l * d->B * d->cap * d->kvw;
	struct decoder_att_job j = { .d = d, .q = q, .kl = d->k + layer, .vl = d->v + layer,
	                             .kl16 = d->k16 + layer, .vl16 = d->v16 + layer,
	                             .qs = qs, .outs = outs, .seq = seq, .out = out };
	pool_for(R * d->dims.NH, 1, decoder_att_part, &j);
}

enum status_code decoder_step(struct decoder *d, const int *seq, const int *tokens, size_t R,
                              const unsigned char *keep, float *logits, const struct hooks *h,
                              struct status *st)
{
	enum status_code rc = decoder_reserve(d, R, st);
	if (rc != STATUS_OK)
		return rc;
	/* Positions: each row follows the earlier rows of its sequence. */
	for (size_t r = 0; r < R; r++) {
		if (seq[r] < 0 || (size_t)seq[r] >= d->B)
			return status_set(st, STATUS_INVALID, "row %zu names sequence %d of %zu", r, seq[r],
			                  d->B);
		if (tokens[r] < 0 || (size_t)tokens[r] >= d->dims.V)
			return status_set(st, STATUS_INVALID, "token %d is outside the vocabulary of %zu",
			                  tokens[r], d->dims.V);
		d->pos[r] = (int)d->len[seq[r]]++;
		if ((size_t)d->pos[r] >= d->cap) {
			for (size_t u = 0; u <= r; u++)
				d->len[seq[u]]--;
			return status_set(st, STATUS_INVALID, "sequence %d is longer than %zu tokens",
			                  seq[r], d->cap);
		}
	}
	return d->family->decode(d, seq, tokens, R, keep, logits, h, st);
}
