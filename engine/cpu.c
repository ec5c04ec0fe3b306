#include "config.h"

#include "engine/cpu.h"

#include <blis.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#if defined(__x86_64__) && defined(__GNUC__)
#include <cpuid.h>
#define CPU_X86 1
#else
#define CPU_X86 0
#endif

static struct cpu_info cpu;
static pthread_once_t cpu_once = PTHREAD_ONCE_INIT;

/* The contexts RIC_BLIS names (and "auto": ric's choice, as when unset). */
static const struct {
	const char *name;
	arch_t id;
} cpu_blis_archs[] = {
	{ "skx", BLIS_ARCH_SKX },
	{ "zen3", BLIS_ARCH_ZEN3 },
	{ "haswell", BLIS_ARCH_HASWELL },
	{ "generic", BLIS_ARCH_GENERIC },
};
#define CPU_NBLIS ((int)(sizeof cpu_blis_archs / sizeof cpu_blis_archs[0]))

#if CPU_X86
/* xgetbv(0) by its bytes: the assembler need not know the mnemonic and no
 * target flag is needed for the intrinsic. */
static unsigned long long cpu_xcr0(void)
{
	unsigned eax, edx;
	__asm__ volatile(".byte 0x0f, 0x01, 0xd0" : "=a"(eax), "=d"(edx) : "c"(0));
	return ((unsigned long long)edx << 32) | eax;
}

static void cpu_detect(void)
{
	unsigned a = 0, b, c, d, max;
	cpu.vendor_name = "other";
	if (!__get_cpuid(0, &max, &b, &c, &d))
		return;
	if (b == 0x68747541) /* "Auth"enticAMD */
		cpu.vendor_name = "AMD";
	else if (b == 0x756e6547) /* "Genu"ineIntel */
		cpu.vendor_name = "Intel";
	__get_cpuid(1, &a, &b, &c, &d);
	cpu.family = (int)((a >> 8) & 0xf);
	if (cpu.family == 0xf)
		cpu.family += (int)((a >> 20) & 0xff);
	int osxsave = (c >> 27) & 1, avx = (c >> 28) & 1, fma = (c >> 12) & 1;
	if (!osxsave || !avx)
		return;
	/* the OS must save the YMM (bits 1-2) and, for AVX-512, the opmask and
	 * ZMM state (bits 5-7) on a context switch */
	unsigned long long xcr0 = cpu_xcr0();
	int ymm = (xcr0 & 0x6) == 0x6, zmm = ymm && (xcr0 & 0xe0) == 0xe0;
	if (!ymm || max < 7)
		return;
	__cpuid_count(7, 0, a, b, c, d);
	unsigned sub = a;
	cpu.avx2 = (b >> 5) & 1;
	cpu.fma = fma;
	cpu.avx512f = zmm && ((b >> 16) & 1);
	cpu.avx512dq = zmm && ((b >> 17) & 1);
	cpu.avx512bw = zmm && ((b >> 30) & 1);
	cpu.avx512vl = zmm && ((b >> 31) & 1);
	cpu.vnni = zmm && ((c >> 11) & 1);
	if (sub >= 1) {
		__cpuid_count(7, 1, a, b, c, d);
		cpu.bf16 = zmm && ((a >> 5) & 1);
	}
}
#else
static void cpu_detect(void)
{
	cpu.vendor_name = "other";
}
#endif

static void cpu_choose_level(void)
{
	int has512 = cpu.avx512f && cpu.avx512bw && cpu.avx512vl && cpu.fma && cpu.avx2;
	int has2 = cpu.avx2 && cpu.fma;
	enum cpu_level best = has512 ? CPU_AVX512 : has2 ? CPU_AVX2 : CPU_PLAIN;
	const char *env = getenv("RIC_CPU");
	cpu.level = best;
	cpu.use_vnni = best == CPU_AVX512 && cpu.vnni;
	cpu.use_bf16 = best == CPU_AVX512 && cpu.bf16;
	if (env && *env) {
		/* a level as `ric info --cpu` names it; "avx512" alone is AVX-512
		 * without the VNNI and BF16 kernels */
		static const struct {
			const char *name;
			enum cpu_level level;
			int vnni, bf16;
		} names[] = {
			{ "avx512+vnni+bf16", CPU_AVX512, 1, 1 }, { "avx512+vnni", CPU_AVX512, 1, 0 },
			{ "avx512+bf16", CPU_AVX512, 0, 1 },      { "avx512", CPU_AVX512, 0, 0 },
			{ "avx2", CPU_AVX2, 0, 0 },               { "plain", CPU_PLAIN, 0, 0 },
		};
		size_t k = 0, nn = sizeof names / sizeof names[0];
		while (k < nn && strcmp(env, names[k].name) != 0)
			k++;
		if (k == nn)
			status_set(&cpu.error, STATUS_INVALID,
			           "RIC_CPU='%s': say avx512+vnni+bf16, avx512+vnni, avx512+bf16, avx512, "
			           "avx2 or plain", env);
		else if (names[k].level > best || (names[k].vnni && !cpu.vnni) ||
		         (names[k].bf16 && !cpu.bf16))
			status_set(&cpu.error, STATUS_UNSUPPORTED, "RIC_CPU=%s: this CPU lacks %s", env,
			           names[k].level > best
			               ? names[k].level == CPU_AVX512 ? "AVX-512 F/BW/VL (with AVX2 and FMA)"
			                                              : "AVX2 and FMA"
			           : names[k].vnni && !cpu.vnni ? "AVX512_VNNI" : "AVX512_BF16");
		else {
			cpu.level = names[k].level;
			cpu.use_vnni = names[k].vnni;
			cpu.use_bf16 = names[k].bf16;
			snprintf(cpu.level_why, sizeof cpu.level_why, "forced by RIC_CPU=%s", env);
		}
	}
	cpu.level_name = cpu.level == CPU_PLAIN ? "plain"
	               : cpu.level == CPU_AVX2 ? "avx2"
	               : cpu.use_vnni && cpu.use_bf16 ? "avx512+vnni+bf16"
	               : cpu.use_vnni ? "avx512+vnni"
	               : cpu.use_bf16 ? "avx512+bf16" : "avx512";
	if (!cpu.level_why[0])
		snprintf(cpu.level_why, sizeof cpu.level_why, "%s%s%s",
		         best == CPU_AVX512 ? "AVX-512 F/BW/VL present" : "",
		         best == CPU_AVX512 && cpu.vnni ? ", VNNI (vpdpbusd for int8)" : "",
		         best == CPU_AVX512 && cpu.bf16 ? ", BF16 (vdpbf16ps for BF16)" : "");
	if (!cpu.level_why[0])
		snprintf(cpu.level_why, sizeof cpu.level_why, "%s",
		         best == CPU_AVX512 ? "AVX-512 F/BW/VL present"
		         : best == CPU_AVX2 ? "AVX2 and FMA present, no AVX-512"
		                            : "no AVX2 with FMA");
}

#ifdef HAVE_BLIS_GKS
/* The context of RIC_BLIS name i, NULL when this BLIS lacks it; *runs says
 * whether this CPU has its instructions. */
static void *cpu_blis_ctx(int i, int *runs)
{
	arch_t id = cpu_blis_archs[i].id;
	int avx512 = cpu.avx512f && cpu.avx512dq && cpu.avx512bw && cpu.avx512vl;
	*runs = id == BLIS_ARCH_SKX ? avx512
	      : id == BLIS_ARCH_ZEN3 || id == BLIS_ARCH_HASWELL ? cpu.avx2 && cpu.fma : 1;
	cntx_t **c = bli_gks_lookup_id(id);
	return c ? c[BLIS_NAT] : NULL;
}
#endif

static int cpu_blis_index(const char *name)
{
	for (int i = 0; i < CPU_NBLIS; i++)
		if (strcmp(cpu_blis_archs[i].name, name) == 0)
			return i;
	return -1;
}

static void cpu_choose_blis(void)
{
	bli_init();
	cpu.blis_own = bli_arch_string(bli_arch_query_id());
	cpu.blis_name = "auto";
	const char *env = getenv("RIC_BLIS");
	int forced = env && *env && strcmp(env, "auto") != 0;
	if (forced && cpu_blis_index(env) < 0) {
		if (cpu.error.code == STATUS_OK)
			status_set(&cpu.error, STATUS_INVALID,
			           "RIC_BLIS='%s': say skx, zen3, haswell, generic or auto", env);
		forced = 0;
	}
#ifdef HAVE_BLIS_GKS
	cpu.blis_static = 1;
	const char *pick = NULL, *why = NULL;
	int runs;
	if (forced) {
		pick = env;
		why = "forced by RIC_BLIS";
		void *ctx = cpu_blis_ctx(cpu_blis_index(env), &runs);
		if (!ctx || !runs) {
			if (cpu.error.code == STATUS_OK)
				status_set(&cpu.error, STATUS_UNSUPPORTED,
				           ctx ? "RIC_BLIS=%s: this CPU lacks the instructions of that context"
				               : "RIC_BLIS=%s: this BLIS was built without that context",
				           env);
			pick = NULL;
		}
	}
	if (!pick) {
		int amd = strcmp(cpu.vendor_name, "AMD") == 0;
		int has512 = cpu.avx512f && cpu.avx512dq && cpu.avx512bw && cpu.avx512vl;
		/* AMD family 25 with AVX-512 is Zen 4, which runs each 512-bit
		 * operation on two 256-bit halves: skx's kernels do no more
		 * arithmetic there than the AVX2 ones, and this BLIS's skx
		 * context packs its operands with reference code, which products
		 * of few rows pay for on every call. haswell's blocking measured
		 * best or near it on both (one thread, GFLOP/s: 256 rows, a
		 * training step's products, haswell 84-89, zen3 68-85, skx 78-85;
		 * 32 rows, batch-32 decoding, 45-53, 51-57, 37-39) */
		if (has512 && amd && cpu.family == 25)
			pick = "haswell", why = "Zen 4 (AMD family 25) runs AVX-512 on 256-bit halves";
		else if (has512)
			pick = "skx", why = "AVX-512 F/DQ/BW/VL present";
		else if (cpu.avx2 && cpu.fma)
			pick = amd ? "zen3" : "haswell", why = amd ? "AVX2 and FMA on AMD" : "AVX2 and FMA";
		/* the context must exist in this BLIS; else BLIS's own */
		if (pick && !cpu_blis_ctx(cpu_blis_index(pick), &runs))
			pick = NULL;
	}
	if (pick) {
		cpu.blis_name = cpu_blis_archs[cpu_blis_index(pick)].name;
		cpu.blis_cntx = cpu_blis_ctx(cpu_blis_index(pick), &runs);
		snprintf(cpu.blis_why, sizeof cpu.blis_why, "%s; BLIS alone picks %s", why,
		         cpu.blis_own);
	} else {
		cpu.blis_name = cpu.blis_own;
		snprintf(cpu.blis_why, sizeof cpu.blis_why,
		         "BLIS's own choice: no better context for this CPU in this BLIS");
	}
#else
	if (forced && cpu.error.code == STATUS_OK)
		status_set(&cpu.error, STATUS_UNSUPPORTED,
		           "RIC_BLIS=%s: this ric links the shared BLIS library, which keeps its own "
		           "choice (%s); build with BLIS's static libblis.a to choose", env,
		           cpu.blis_own);
	cpu.blis_name = cpu.blis_own;
	snprintf(cpu.blis_why, sizeof cpu.blis_why,
	         "BLIS's own choice (shared library: contexts cannot be chosen)");
#endif
}

static void cpu_once_init(void)
{
	cpu.error = (struct status)STATUS_INIT;
	cpu_detect();
	cpu_choose_level();
	cpu_choose_blis();
}

const struct cpu_info *cpu_info(void)
{
	pthread_once(&cpu_once, cpu_once_init);
	return &cpu;
}

enum status_code cpu_init(struct status *st)
{
	const struct cpu_info *c = cpu_info();
	if (c->error.code != STATUS_OK)
		return status_set(st, c->error.code, "%s", c->error.msg);
	return STATUS_OK;
}

enum cpu_level cpu_level(void)
{
	return cpu_info()->level;
}

int cpu_has_vnni(void)
{
	return cpu_info()->use_vnni;
}

int cpu_has_bf16(void)
{
	return cpu_info()->use_bf16;
}

void *cpu_blis_cntx(void)
{
	return cpu_info()->blis_cntx;
}

int cpu_blis_count(void)
{
	return CPU_NBLIS;
}

const char *cpu_blis_name(int i)
{
	return i >= 0 && i < CPU_NBLIS ? cpu_blis_archs[i].name : NULL;
}

void *cpu_blis_lookup(int i)
{
	cpu_info();
#ifdef HAVE_BLIS_GKS
	int runs;
	void *ctx = i >= 0 && i < CPU_NBLIS ? cpu_blis_ctx(i, &runs) : NULL;
	if (ctx && runs)
		return ctx;
#else
	(void)i;
#endif
	return NULL;
}
