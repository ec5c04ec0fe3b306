/* cpu: what this CPU runs, found once, and the kernels chosen from it. The
 * one place that tests CPU features: our own kernels (gemv, int8, BF16,
 * elementwise) ask cpu_level() and cpu_has_vnni()/cpu_has_bf16(), and every
 * BLIS product passes cpu_blis_cntx() to BLIS's expert API.
 *
 *   struct status st = STATUS_INIT;
 *   if (cpu_init(&st) != STATUS_OK)            // RIC_CPU / RIC_BLIS not usable
 *       fprintf(stderr, "ric: %s\n", st.msg);
 *   if (cpu_level() >= CPU_AVX512 && cpu_has_vnni())
 *       ...                                     // vpdpbusd
 *   bli_sgemm_ex(..., cpu_blis_cntx(), &rntm);  // NULL: BLIS's own choice
 *   const struct cpu_info *ci = cpu_info();     // names and reasons, to print
 *   printf("kernels %s: %s\n", ci->level_name, ci->level_why);
 *
 * RIC_CPU=avx512|avx2|plain forces our level (not above what the CPU has);
 * RIC_BLIS=skx|zen3|haswell|generic forces BLIS's context (auto: ric's
 * choice, as unset), which needs
 * BLIS linked statically (configure says so): the shared library hides the
 * lookup of a context by name and keeps its own choice. A value that cannot be
 * honoured is an error of cpu_init(); the kernels meanwhile use the automatic
 * choice, so a library caller that never calls cpu_init() still works.
 */
#ifndef RIC_ENGINE_CPU_H
#define RIC_ENGINE_CPU_H

#include "engine/status.h"

/* Software prefetch of a weight stream's next lines, for the decoding
 * kernels that read each weight once. Into L2, not L1 (prefetcht1, not t0):
 * L1's few miss buffers fill with lines the kernel reaches only after a
 * block of arithmetic, and the loads then wait on them; on a Zen 4 this one
 * hint took batch-1 int8 decoding of GPT-2 small from 72 to 131 tok/s on
 * one thread (42 MB head: 7 to 18 GB/s, the plain read rate 23). */
#define cpu_prefetch_stream(p) __builtin_prefetch((p), 0, 2)

enum cpu_level { CPU_PLAIN = 0, CPU_AVX2 = 1, CPU_AVX512 = 2 };

struct cpu_info {
	/* what the CPU and the OS offer */
	int avx2, fma, avx512f, avx512dq, avx512bw, avx512vl, vnni, bf16;
	const char *vendor_name;        /* "AMD", "Intel" or "other" */
	int family;                     /* display family (AMD 25: Zen 3 and Zen 4) */
	/* our kernels */
	enum cpu_level level;
	int use_vnni, use_bf16;         /* within CPU_AVX512 */
	const char *level_name;         /* "avx512+vnni+bf16", "avx2", "plain" */
	char level_why[160];
	/* BLIS */
	int blis_static;                /* contexts can be looked up by name */
	const char *blis_name;          /* the context in use: "skx", ... */
	const char *blis_own;           /* what BLIS itself picks on this CPU */
	char blis_why[200];
	void *blis_cntx;                /* cntx_t *, NULL = BLIS's own */
	/* an unusable RIC_CPU / RIC_BLIS, for cpu_init() */
	struct status error;
};

/* Detect once (thread-safe) and report an environment setting that cannot be honoured. */
enum status_code cpu_init(struct status *st);
const struct cpu_info *cpu_info(void);
enum cpu_level cpu_level(void);
int cpu_has_vnni(void);
int cpu_has_bf16(void);
/* The BLIS context (a cntx_t *) every product passes, NULL for BLIS's own. */
void *cpu_blis_cntx(void);

/* The contexts RIC_BLIS can name (for ric bench blas): count, then the i-th
 * name and its context, NULL when this BLIS lacks it, cannot look it up
 * (shared library) or this CPU cannot run it. NULL passed to the expert API
 * is BLIS's own choice. */
int cpu_blis_count(void);
const char *cpu_blis_name(int i);
void *cpu_blis_lookup(int i);

#endif
