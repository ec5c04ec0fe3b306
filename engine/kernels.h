/* kernels: the GPT-2 building blocks, forward and backward, in float and double.
 *
 *   layernorm_forward(out, mean, rstd, x, w, b, N, C, 1e-5f);   // float
 *   matmul_forward(y, x, W, bias, N, C, 3 * C);                 // y = x W + bias
 *   matmul_forward_f64(...);                                    // the same in double
 *
 * Every matrix product goes through BLIS's native gemm with row/column
 * strides (no transposed copies). Weights are GPT-2 Conv1D [in, out]. Names
 * without a suffix are float; the `_f64` twins exist so the gradient check can
 * run the very same code in double precision. Backward kernels overwrite
 * `dinp` and add into parameter gradients, except layernorm_backward, which
 * adds into `dinp` (the residual stream's gradient flows through it).
 */
#ifndef RIC_ENGINE_KERNELS_H
#define RIC_ENGINE_KERNELS_H

#include <stddef.h>
#include <stdint.h>

/* Elements of the scratch the BF16 kernels widen a frozen weight into, a
 * panel of its rows at a time (8 MB in float): never the whole matrix. */
#define KERNELS_BF16_PANEL ((size_t)1 << 21)

#define KERNELS_REAL float
#define KERNELS_SUF(x) x
#include "engine/kernels_decl.h"
#undef KERNELS_REAL
#undef KERNELS_SUF

#define KERNELS_REAL double
#define KERNELS_SUF(x) x##_f64
#include "engine/kernels_decl.h"
#undef KERNELS_REAL
#undef KERNELS_SUF

/* Set from tests and benchmarks: BLIS threads for every product, and the
 * threads of engine/pool.h for the loops around them. */
void kernels_set_threads(int n);

/* c[m, n] = a[m, k] b[k, n] (row-major) on the given BLIS context rather
 * than engine/cpu's choice: cpu_blis_lookup(i), or NULL for BLIS's own
 * (ric bench blas compares them). */
void kernels_sgemm_on(void *blis_cntx, size_t m, size_t n, size_t k, const float *a,
                      const float *b, float *c);

#endif
