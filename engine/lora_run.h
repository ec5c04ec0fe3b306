/* lora_run: LoRA adapters inside a training pass, for every model family:
 * after the base product y = x W of an adapted linear layer the family calls
 * lora_run_forward, which adds s (drop(x) A^T) B^T; after that layer's
 * backward, lora_run_backward adds dA, dB and the adapter's share of dx.
 * The merged weight W + s B A is never formed: the base stays as loaded
 * (no gradient, no optimizer state) and only the r-wide products run.
 *
 *   struct lora_view v;                 // engine/lora.h: lora_view_init(&v, &l, &base, ...)
 *   model_pass_set_lora(pass, &v, l.mem, grads);   // engine/model.h
 *   model_forward(pass, base.mem, ...); model_backward(pass, base.mem, NULL, ...);
 *
 * Modules are found by the offset of their base weight in the parameter
 * layout, which both families already compute, so a family adds one call
 * after each linear product and nothing else. Dropout (PEFT's lora_dropout,
 * on the adapter's input only) draws its mask from a hash of (seed, module,
 * element): backward recomputes it instead of keeping a copy of x, and a
 * resumed run draws the same masks. The `_f64` twins serve the gradient check.
 */
#ifndef RIC_ENGINE_LORA_RUN_H
#define RIC_ENGINE_LORA_RUN_H

#include <stddef.h>
#include <stdint.h>

#include "engine/status.h"

struct lora_view_module {
	size_t woff;      /* the base weight's offset in the model's parameter layout */
	size_t in, out;
	size_t a, b;      /* offsets of A [r, in] and B [out, r] in the adapter's values */
};

struct lora_view {
	size_t n;                        /* adapted modules */
	struct lora_view_module *m;      /* [n] */
	size_t r;
	double scale;                    /* lora_alpha / r */
	double dropout;                  /* probability of dropping an input of A */
	uint64_t seed;                   /* dropout masks; set per step by the trainer */
	size_t row0;                     /* the first row's place in the whole batch (a rank
	                                  * of several takes rows from row0 on): masks
	                                  * follow the row, not the rank */
	size_t split, gap;               /* rows from `split` on are `gap` rows further in
	                                  * the whole batch (a rank's chosen rows, then its
	                                  * rejected ones, in rm-train); gap 0: contiguous */
	size_t score;                    /* offset of a trained reward head [labels, C] in the
	                                  * adapter's values (modules_to_save), or LORA_RUN_NONE */
	size_t score_numel;
};

#define LORA_RUN_NONE ((size_t)-1)

/* Whether input `i` of module `k` is kept under seed (dropout p). */
int lora_run_keep(uint64_t seed, size_t k, size_t i, double p);
/* Row n of a pass is row lora_run_row(v, n) of the step's whole batch. */
size_t lora_run_row(const struct lora_view *v, size_t n);

#define LORA_RUN_REAL float
#define LORA_RUN_SUF(x) x
#include "engine/lora_run_decl.h"
#undef LORA_RUN_REAL
#undef LORA_RUN_SUF

#define LORA_RUN_REAL double
#define LORA_RUN_SUF(x) x##_f64
#include "engine/lora_run_decl.h"
#undef LORA_RUN_REAL
#undef LORA_RUN_SUF

#endif
