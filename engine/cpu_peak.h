/* cpu_peak: the arithmetic ceilings of the kernels engine/cpu chose,
 * measured on this machine now, for benchmarks to state figures against.
 *
 *   struct cpu_peak pk;
 *   cpu_peak_measure(&pk);              // about 0.5 s on the pool's threads
 *   printf("%.0f GFLOP/s BF16 (%s)\n", pk.bf16, pk.bf16_how);
 *
 * Each figure is the best rate of a loop of the instruction that serves
 * that product at the chosen level (engine/cpu), many independent
 * accumulators deep, every pool thread running it at once: what no kernel
 * of that kind can exceed, whatever its data. Operations count a multiply
 * and an add as two, so 2 x weights x rows per product, for every type.
 */
#ifndef RIC_ENGINE_CPU_PEAK_H
#define RIC_ENGINE_CPU_PEAK_H

struct cpu_peak {
	double f32;          /* GFLOP/s of F32 fmas (vfmadd 512 or 256 bits; plain: 0) */
	double bf16;         /* BF16 products: vdpbf16ps, else the F32 fmas they convert to */
	double int8;         /* GOP/s of int8 products: vpdpbusd, else vpmaddubsw + vpmaddwd */
	const char *f32_how, *bf16_how, *int8_how;
	int threads;
};

void cpu_peak_measure(struct cpu_peak *pk);

#endif
