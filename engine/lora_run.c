#include "config.h"

#include "engine/lora_run.h"
#include "engine/kernels.h"

#include <stdlib.h>
#include <string.h>

/* splitmix64 of the three: a counter-based draw, the same in forward,
 * backward and after a resume. */
int lora_run_keep(uint64_t seed, size_t k, size_t i, double p)
{
	uint64_t z = seed ^ ((uint64_t)k * 0x9e3779b97f4a7c15ULL) ^ ((uint64_t)i * 0xd1b54a32d192ed03ULL);
	z += 0x9e3779b97f4a7c15ULL;
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	z ^= z >> 31;
	return (double)(z >> 11) * 0x1.0p-53 >= p;
}

size_t lora_run_row(const struct lora_view *v, size_t n)
{
	return v->row0 + n + (n >= v->split ? v->gap : 0);
}

#define LORA_RUN_REAL float
#define LORA_RUN_SUF(x) x
#define KS(x) x
#include "engine/lora_run_impl.h"
#undef LORA_RUN_REAL
#undef LORA_RUN_SUF
#undef KS

#define LORA_RUN_REAL double
#define LORA_RUN_SUF(x) x##_f64
#define KS(x) x##_f64
#include "engine/lora_run_impl.h"
#undef LORA_RUN_REAL
#undef LORA_RUN_SUF
#undef KS
