#include "config.h"

#include "engine/kernels.h"
#include "engine/pool.h"

#include <blis.h>
#include <math.h>
#include <stdint.h>
#include <string.h>

/* The same source, once per element type. */
#define KERNELS_REAL float
#define KERNELS_SUF(x) x
#define KERNELS_GEMM bli_sgemm
#include "engine/kernels_impl.h"
#undef KERNELS_REAL
#undef KERNELS_SUF
#undef KERNELS_GEMM

#define KERNELS_REAL double
#define KERNELS_SUF(x) x##_f64
#define KERNELS_GEMM bli_dgemm
#include "engine/kernels_impl.h"
#undef KERNELS_REAL
#undef KERNELS_SUF
#undef KERNELS_GEMM

void kernels_set_threads(int n)
{
	if (n > 0) {
		bli_thread_set_num_threads(n);
		pool_set_threads(n);
	}
}
