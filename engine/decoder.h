/* decoder: inference with a KV cache for B sequences at once, for any model
 * family (the family computes the layers: model_family.decode).
 *
 *   struct decoder d;
 *   decoder_init(&d, &params, 4, 256, &st);      // 4 sequences of up to 256 tokens
 *   // one call takes any rows: (sequence, token) pairs, each row placed after
 *   // the earlier tokens of its sequence; rows of one sequence in order
 *   int seq[] = { 0, 0, 0, 1 }, tok[] = { 5, 9, 2, 7 };
 *   decoder_step(&d, seq, tok, 4, NULL, logits, &hooks, &st);  // logits [4, V]
 *   decoder_free(&d);
 *
 * All rows of a call go through each weight matrix as one matrix-matrix
 * product, so a prefill of prompts of different lengths and a decoding step of
 * B sequences both read each weight once per call; attention reads each row's
 * own sequence in the cache up to the row's position, so no padding is
 * involved. For a reward model (num_labels > 0) the "logits" of a kept row
 * are its scores [labels]: engine/reward_rm.c scores a row at its last token
 * this way.
 *
 * The products are our own (engine/gemv.h), not BLIS, at every row count:
 * tiles of rows keep their sums in registers and each output is one fixed
 * chain over the inputs, so a row's logits do not depend on the other rows
 * of the call nor on the thread count (a sample's tokens do not depend on
 * its batch). With BF16 or int8 weights set, every call reads the matrices
 * and the head in that form (half or a little over a quarter of the bytes
 * per token):
 *
 *   struct decoder_weights wb;
 *   decoder_weights_init(&wb, &params, DECODER_INT8, &st);  // once per set of weights
 *   decoder_set_weights(&d, &wb);                // NULL: back to F32
 *   ...
 *   decoder_weights_free(&wb);                   // after the decoders using it
 *
 * BF16 rounds each weight to nearest even; int8 keeps one scale per 32
 * inputs of an output and quantizes the activations the same way on each
 * call (engine/gemv_q8.h). tests/test_gemv.c bounds both against F32 logits.
 */
#ifndef RIC_ENGINE_DECODER_H
#define RIC_ENGINE_DECODER_H

#include <stddef.h>
#include <stdint.h>

#include "engine/model.h"
#include "engine/status.h"

struct decoder {
	const struct model_params *p;
	const struct model_family *family;
	struct model_dims dims;
	void *impl;        /* the family's (its layout) */
	size_t B;          /* sequences */
	size_t cap;        /* cache positions per sequence (<= the longest sequence) */
	size_t *len;       /* tokens cached per sequence */
	size_t kvw;        /* cached values per position and layer: NKV * D */
	float *k, *v;      /* [L, B, NKV, cap, D] each: a head's keys one after the
	                    * other, so attention streams them */
	uint16_t *k16, *v16; /* the same in BF16 (the front half of the allocation),
	                      * used instead with BF16 or int8 weights (kv_bf16) */
	int kv_bf16;
	size_t rows;       /* row capacity of the scratch below */
	float *mem;        /* one allocation: */
	float *x;          /* [rows, C] the residual stream */
	float *ln;         /* [rows, max(C, NH*D)] */
	float *qkv;        /* [rows, (NH + 2 NKV) D] */
	float *atty;       /* [rows, NH*D] */
	float *fch;        /* [rows, 2 I] */
	float *att;        /* [rows, NH, cap]: scores, one row per head */
	double *rope;      /* [rows, D] for rotary families: cos | sin of each row's position */
	int *pos;
	const struct decoder_weights *wb; /* BF16 or int8 weights for small calls, or NULL */
};

/* How decoding reads the weight matrices and the head. */
enum decoder_dtype { DECODER_F32, DECODER_BF16, DECODER_INT8 };

/* A reduced-precision copy of a parameter set's matrices and head (a reward
 * model's head is its score). */
struct decoder_weights {
	enum decoder_dtype dtype;
	uint16_t *bf16;    /* BF16: every parameter, at the parameters' offsets */
	int8_t *q8;        /* INT8: the matrices and the head (engine/gemv_q8.h), */
	float *scale;      /* their scales; */
	size_t *q_at;      /* where each starts in q8 and in scale: [4 * layer + k] for */
	size_t *scale_at;  /* attention, projection, MLP in, MLP out; [4 * L] the head */
	/* A checkpoint loaded for decoding only (checkpoint_load_decoding): the
	 * parameters hold only the vectors, the token embedding's rows are read
	 * from these BF16 rows [V, C] (inside bf16, or embed_mem for int8). */
	const uint16_t *embed;
	int embed_panels;  /* BF16, tied: embed is the head's gemv_xw_bf16 panels,
	                    * a row read by gemv_bf16_panel_column */
	uint16_t *embed_mem;
};

/* "f32", "bf16" or "int8" (NULL names it for messages); -1 if unknown. */
int decoder_dtype_parse(const char *name);
const char *decoder_dtype_name(enum decoder_dtype t);
/* DECODER_F32 allocates nothing (decoding uses the parameters themselves).
 * Fails on weights that are not finite: they have no int8 scale. */
enum status_code decoder_weights_init(struct decoder_weights *wb, const struct model_params *p,
                                      enum decoder_dtype dtype, struct status *st);
void decoder_weights_free(struct decoder_weights *wb);
/* wb must come from the decoder's own parameters and outlive its use; set
 * it before the first step (it also picks the KV cache's type). */
void decoder_set_weights(struct decoder *d, const struct decoder_weights *wb);
/* Whether decoding with weights of this type keeps a BF16 KV cache (int8;
 * BF16 where the products round the activations to BF16 too). */
int decoder_kv_bf16(enum decoder_dtype dtype);

enum status_code decoder_init(struct decoder *d, const struct model_params *p, size_t B,
                              size_t cap, struct status *st);
void decoder_free(struct decoder *d);
/* Forgets every sequence's tokens. */
void decoder_reset(struct decoder *d);
/* Makes sequence `to` hold what sequence `from` holds (its cached tokens), so
 * several sequences that start from one prompt prefill it once. */
void decoder_copy(struct decoder *d, size_t from, size_t to);

/* Runs R rows. keep (R flags, NULL = all) picks the rows whose logits are
 * written, compacted in row order into logits [kept, V]. */
enum status_code decoder_step(struct decoder *d, const int *seq, const int *tokens, size_t R,
                              const unsigned char *keep, float *logits, const struct hooks *h,
                              struct status *st);

/* For the families' decode_weights: wb's int8 arrays for n matrices, one
 * after the other (q_at, scale_at, q8, scale), matrix m of the shape
 * shape(ctx, m, &IC, &OC) says. */
enum status_code decoder_q8_alloc(struct decoder_weights *wb, size_t n,
                                  void (*shape)(const void *ctx, size_t m, size_t *IC,
                                                size_t *OC),
                                  const void *ctx, struct status *st);

/* For the families' decode: memory for weights every step streams through
 * (free() frees it): large ones 2 MiB aligned and, where the system has
 * transparent huge pages on request (madvise), in huge pages, so that a
 * TLB entry covers 2 MiB of the stream, not 4 KiB. */
void *decoder_weights_alloc(size_t bytes);
/* For the families' decode: row r's keys and values (NKV heads of D, at
 * k + r ks and v + r ks) into layer l's cache at its sequence and position,
 * on the pool's threads (each row its own positions). before (NULL: none)
 * runs on row r first, on the same thread: work on the row's own values
 * that would otherwise run serially between two pool calls (RoPE). */
void decoder_cache_put(struct decoder *d, size_t l, const int *seq, size_t R, const float *k,
                       const float *v, size_t ks, void (*before)(void *ctx, size_t r),
                       void *ctx);
/* For the families' decode: LayerNorm (b set) or RMSNorm (b NULL) of R rows
 * of C, on the pool's threads. Each row alone, the kernels' own function on
 * a slice of rows, so the split changes no bit; serial, the double-precision
 * sums took about 60 us of a 32-row GPT-2 small step's layer norm, while the
 * other thread waited. */
void decoder_norm_rows(float *out, const float *x, const float *w, const float *b, size_t R,
                       size_t C, double eps);
/* For the families' decode, after the last layer: the rows keep picks (NULL:
 * all) moved to the front of x in order, and their LayerNorm (b set) or
 * RMSNorm into ln as decoder_norm_rows (so on the pool's threads); returns
 * how many. x is the residual stream, which the step needs no more. */
size_t decoder_norm_kept(struct decoder *d, const float *w, const float *b, size_t R,
                         const unsigned char *keep, double eps);
/* Causal attention of R rows in layer l, every query head, on the pool's
 * threads. Row r's queries at q + r qs, its sequence seq[r]'s pos[r] + 1
 * cached positions, its output at out + r outs. */
void decoder_attend_rows(const struct decoder *d, size_t l, const float *q, size_t qs,
                         const int *seq, size_t R, float *out, size_t outs);

#endif
