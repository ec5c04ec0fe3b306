/* engine/vmath and the float passes built on it: against libm in double, the
 * fused optimizer step against clip + step + zero, threads changing no bit. */
#include "config.h"

#include "tests/harness.h"
#include "tests/gpt2_util.h"
#include "engine/kernels.h"
#include "engine/optim.h"
#include "engine/pool.h"
#include "engine/vmath.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

enum { N = 1003 }; /* not a multiple of the vector width */

static void vm_fill(float *x, size_t n, double lo, double hi)
{
	for (size_t i = 0; i < n; i++)
		x[i] = (float)(lo + (hi - lo) * (double)((i * 7919) % n) / (double)(n - 1));
}

START_TEST(exp_and_gelu_match_libm)
{
	float x[N], y[N], d[N];
	vm_fill(x, N, -30.0, 12.0);
	ck_assert_float_eq(vmath_max(x, N), 12.0f);
	double want = 0.0;
	for (size_t i = 0; i < N; i++)
		want += exp((double)x[i] - 12.0);
	ck_assert_double_eq_tol(vmath_exp_sum(x, N, 12.0f) / want, 1.0, 1e-6);
	memcpy(y, x, sizeof y);
	vmath_exp_scale(y, N, 3.0f, 0.5f);
	for (size_t i = 0; i < N; i++) {
		/* x - 3 rounds to float first: half an ulp of 32 is 2e-6 */
		double e = 0.5 * exp((double)x[i] - 3.0);
		ck_assert_msg(fabs(y[i] - e) <= 3e-6 * e, "exp at %g: %g vs %g", (double)x[i], (double)y[i], e);
	}
	vm_fill(x, N, -8.0, 8.0);
	vm_fill(d, N, -1.0, 1.0);
	vmath_gelu(y, x, N);
	for (size_t i = 0; i < N; i++) {
		double v = x[i], t = tanh(0.7978845608028654 * (v + 0.044715 * v * v * v));
		ck_assert_msg(fabs(y[i] - 0.5 * v * (1.0 + t)) <= 2e-6 * fmax(1.0, fabs(v)),
		              "gelu at %g", v);
	}
	vmath_gelu_backward(y, x, d, N);
	for (size_t i = 0; i < N; i++) {
		double v = x[i], u = 0.7978845608028654 * (v + 0.044715 * v * v * v), t = tanh(u);
		double g = 0.5 * (1.0 + t) + 0.5 * v * (1.0 - t * t) * 0.7978845608028654 *
		           (1.0 + 3.0 * 0.044715 * v * v);
		ck_assert_msg(fabs(y[i] - g * d[i]) <= 1e-5, "gelu' at %g", v);
	}
	double ss = 0.0;
	for (size_t i = 0; i < N; i++)
		ss += (double)x[i] * x[i];
	ck_assert_double_eq_tol(vmath_sumsq(x, N), ss, 1e-9 * ss);
}
END_TEST

/* Cross-entropy and GELU in float against their double twins. */
START_TEST(float_passes_match_double)
{
	enum { R = 5, V = 77 };
	float l[R * V];
	double l64[R * V];
	int tg[R] = { 3, -100, 76, 0, 40 };
	vm_fill(l, R * V, -6.0, 9.0);
	for (size_t i = 0; i < R * V; i++)
		l64[i] = l[i];
	size_t c32, c64;
	double a = crossentropy_forward(l, tg, R, V, &c32), b = crossentropy_forward_f64(l64, tg, R, V, &c64);
	ck_assert_uint_eq(c32, 4);
	ck_assert_uint_eq(c64, 4);
	ck_assert_double_eq_tol(a, b, 1e-5 * b);
	crossentropy_backward(l, tg, R, V, 0.25f);
	crossentropy_backward_f64(l64, tg, R, V, 0.25);
	for (size_t i = 0; i < R * V; i++)
		ck_assert_msg(fabs(l[i] - l64[i]) <= 1e-7, "dlogit %zu: %g vs %g", i, (double)l[i], l64[i]);
}
END_TEST

/* SwiGLU's silu(g) u against double, and the same bits for every element
 * wherever a piece of the array ends (the decoder splits gate and up
 * between threads, training takes whole rows). */
START_TEST(silu_mul_matches_double_and_pieces)
{
	float g[N], u[N], out[N], piece[N];
	vm_fill(g, N, -95.0, 40.0);
	vm_fill(u, N, -3.0, 2.0);
	g[5] = 0.0f;
	g[6] = -1e-3f;
	vmath_silu_mul(out, g, u, N);
	for (size_t i = 0; i < N; i++) {
		double want = (double)g[i] * u[i] / (1.0 + exp(-(double)g[i]));
		ck_assert_msg(fabs(out[i] - want) <= 4e-7 * fabs(want) + 1e-30, "silu %zu (%g): %.9g vs %.9g",
		              i, (double)g[i], (double)out[i], want);
	}
	for (size_t at = 0, len = 1; at < N; at += len, len = len % 13 + 1) {
		size_t n = at + len <= N ? len : N - at;
		vmath_silu_mul(piece + at, g + at, u + at, n);
	}
	ck_assert(memcmp(piece, out, sizeof out) == 0);
	memcpy(piece, g, sizeof g); /* in place, as the decoder runs it */
	vmath_silu_mul(piece, piece, u, N);
	ck_assert(memcmp(piece, out, sizeof out) == 0);
}
END_TEST

/* The norms' sums, written out as one chain per row in index order: rows
 * in groups of four (interleaved) and the rest alone must give these bits,
 * as must every row computed on its own (a decoding row's logits do not
 * depend on the other rows of its call). */
static void norms_ref(float *ln, float *mean, float *rstd, float *rms, float *rrstd,
                      const float *x, const float *w, const float *b, size_t C, double eps)
{
	double m = 0.0, v = 0.0, ss = 0.0;
	for (size_t i = 0; i < C; i++)
		m += x[i];
	m /= (double)C;
	for (size_t i = 0; i < C; i++)
		v += ((double)x[i] - m) * ((double)x[i] - m);
	double s = 1.0 / sqrt(v / (double)C + eps);
	for (size_t i = 0; i < C; i++)
		ln[i] = (float)(((double)x[i] - m) * s) * w[i] + b[i];
	*mean = (float)m;
	*rstd = (float)s;
	for (size_t i = 0; i < C; i++)
		ss += (double)x[i] * x[i];
	float r = (float)(1.0 / sqrt(ss / (double)C + eps));
	for (size_t i = 0; i < C; i++)
		rms[i] = w[i] * (x[i] * r);
	*rrstd = r;
}

START_TEST(norms_keep_one_chain_per_row)
{
	enum { NR = 11, C = 77 };
	float x[NR * C], w[C], b[C], ln[NR * C], mean[NR], rstd[NR], rms[NR * C], rr[NR];
	vm_fill(x, NR * C, -3.0, 5.0);
	vm_fill(w, C, 0.5, 1.5);
	vm_fill(b, C, -0.2, 0.3);
	for (size_t i = 0; i < NR * C; i++)
		x[i] += (float)(i % C) * 1e-3f * (float)(i / C); /* rows differ */
	layernorm_forward(ln, mean, rstd, x, w, b, NR, C, 1e-5);
	rmsnorm_forward(rms, rr, x, w, NR, C, 1e-6);
	for (size_t n = 0; n < NR; n++) {
		float eln[C], erms[C], em, es, er, one[C], om, os;
		norms_ref(eln, &em, &es, erms, &er, x + n * C, w, b, C, 1e-5);
		ck_assert_msg(memcmp(eln, ln + n * C, sizeof eln) == 0, "layernorm row %zu", n);
		ck_assert_msg(em == mean[n] && es == rstd[n], "layernorm stats row %zu", n);
		layernorm_forward(one, &om, &os, x + n * C, w, b, 1, C, 1e-5);
		ck_assert_msg(memcmp(one, eln, sizeof one) == 0 && om == em && os == es,
		              "layernorm of row %zu alone", n);
		norms_ref(eln, &em, &es, erms, &er, x + n * C, w, b, C, 1e-6);
		ck_assert_msg(memcmp(erms, rms + n * C, sizeof erms) == 0 && er == rr[n],
		              "rmsnorm row %zu", n);
	}
}
END_TEST

/* RoPE's rotation (vectorised in pieces of 8) against the formula per
 * element, forward and inverse, a head size with a piece and a tail. */
START_TEST(rope_keeps_its_formula)
{
	enum { NR = 3, NH = 2, D = 20, H2 = D / 2, P = 7 };
	float x[NR * NH * D], want[NR * NH * D];
	double cs[P * D];
	int pos[NR] = { 6, 0, 3 };
	for (size_t i = 0; i < P * D; i++)
		cs[i] = (i % D < H2 ? cos : sin)(0.37 * (double)(i / D) * (double)(i % H2 + 1));
	for (int inverse = 0; inverse < 2; inverse++) {
		vm_fill(x, NR * NH * D, -2.0, 3.0);
		for (size_t n = 0; n < NR; n++)
			for (size_t h = 0; h < NH; h++)
				for (size_t i = 0; i < H2; i++) {
					const float *v = x + (n * NH + h) * D;
					const double *c = cs + (size_t)pos[n] * D;
					float a = v[i], b = v[i + H2], ci = (float)c[i];
					float si = inverse ? -(float)c[H2 + i] : (float)c[H2 + i];
					want[(n * NH + h) * D + i] = a * ci - b * si;
					want[(n * NH + h) * D + i + H2] = b * ci + a * si;
				}
		rope_rotate(x, NH * D, NR, pos, NH, D, cs, inverse);
		ck_assert_msg(memcmp(x, want, sizeof x) == 0, "rope, inverse %d", inverse);
	}
}
END_TEST

/* Attention's products against double: 8-row blocks, their remainder and
 * widths off the vector width (tests/gemv_levels compares their bits between
 * levels). */
START_TEST(attention_products_match_double)
{
	static const size_t shapes[][2] = { { 21, 64 }, { 8, 128 }, { 5, 37 }, { 17, 72 } };
	for (size_t k = 0; k < sizeof shapes / sizeof shapes[0]; k++) {
		size_t T = shapes[k][0], n = shapes[k][1], ks = n + 3;
		float *q = gpt2_util_uniform(n, 1), *kv = gpt2_util_uniform(T * ks, 2);
		float *p = gpt2_util_uniform(T, 3), s[32], o[128];
		vmath_dots(s, q, kv, ks, T, n, 0.125f);
		vmath_wsum(o, p, kv, ks, T, n);
		for (size_t t = 0; t < T; t++) {
			double want = 0.0, mag = 0.0;
			for (size_t i = 0; i < n; i++) {
				want += (double)q[i] * kv[t * ks + i];
				mag += fabs((double)q[i] * kv[t * ks + i]);
			}
			ck_assert_msg(fabs(s[t] - 0.125 * want) <= 1e-6 * 0.125 * mag, "dots T=%zu n=%zu t=%zu", T,
			              n, t);
		}
		for (size_t i = 0; i < n; i++) {
			double want = 0.0, mag = 0.0;
			for (size_t t = 0; t < T; t++) {
				want += (double)p[t] * kv[t * ks + i];
				mag += fabs((double)p[t] * kv[t * ks + i]);
			}
			ck_assert_msg(fabs(o[i] - want) <= 1e-6 * mag, "wsum T=%zu n=%zu i=%zu", T, n, i);
		}
		/* BF16 keys and values (a BF16 KV cache): the same bits as F32 ones
		 * holding the same values */
		uint16_t *k16 = malloc(T * ks * sizeof *k16);
		float *kw = malloc(T * ks * sizeof *kw), s2[32], o2[128];
		ck_assert(k16 && kw);
		for (size_t i = 0; i < T * ks; i++) {
			uint32_t u;
			memcpy(&u, &kv[i], sizeof u);
			k16[i] = (uint16_t)(u >> 16);
			u = (uint32_t)k16[i] << 16;
			memcpy(&kw[i], &u, sizeof u);
		}
		vmath_dots(s, q, kw, ks, T, n, 0.125f);
		vmath_dots_bf16(s2, q, k16, ks, T, n, 0.125f);
		ck_assert_mem_eq(s, s2, T * sizeof *s);
		vmath_wsum(o, p, kw, ks, T, n);
		vmath_wsum_bf16(o2, p, k16, ks, T, n);
		ck_assert_mem_eq(o, o2, n * sizeof *o);
		free(k16), free(kw);
		free(q), free(kv), free(p);
	}
}
END_TEST

/* Attention's products keep their stated order bit for bit at whatever
 * level runs them (tests/plain_paths.sh runs this at every RIC_CPU level):
 * the reference is the order itself in plain C, 8 lanes of fmas in index
 * order added ((0+1)+(2+3))+((4+5)+(6+7)), one fma chain over positions.
 * Position counts off every block size, head sizes off every piece width. */
START_TEST(attention_products_keep_their_order)
{
	static const size_t Ts[] = { 1, 2, 3, 4, 5, 7, 8, 9, 12, 17, 100 };
	static const size_t ns[] = { 64, 48, 80, 8, 16, 24, 32, 40, 96, 128, 37 };
	enum { TMAX = 100, NMAX = 128, KS = NMAX + 5 };
	float *q = gpt2_util_uniform(NMAX, 11), *kv = gpt2_util_uniform(TMAX * KS, 12);
	float *p = gpt2_util_uniform(TMAX, 13), s[TMAX], o[NMAX];
	uint16_t *k16 = malloc(TMAX * KS * sizeof *k16);
	float *kw = malloc(TMAX * KS * sizeof *kw); /* k16 widened: the reference's BF16 values */
	ck_assert(k16 && kw);
	for (size_t i = 0; i < TMAX * KS; i++) {
		uint32_t u;
		kv[i] *= (float)(1 + i % 7) * (i % 3 ? 1.0f : 100.0f); /* magnitudes apart: order shows */
		memcpy(&u, &kv[i], sizeof u);
		k16[i] = (uint16_t)(u >> 16);
		u = (uint32_t)k16[i] << 16;
		memcpy(&kw[i], &u, sizeof u);
	}
	for (int bf16 = 0; bf16 < 2; bf16++)
		for (size_t a = 0; a < sizeof Ts / sizeof Ts[0]; a++)
			for (size_t b = 0; b < sizeof ns / sizeof ns[0]; b++) {
				size_t T = Ts[a], n = ns[b], ks = n + 5;
				const float *k = bf16 ? kw : kv;
				if (bf16) {
					vmath_dots_bf16(s, q, k16, ks, T, n, 0.125f);
					vmath_wsum_bf16(o, p, k16, ks, T, n);
				} else {
					vmath_dots(s, q, kv, ks, T, n, 0.125f);
					vmath_wsum(o, p, kv, ks, T, n);
				}
				for (size_t t = 0; t < T; t++) {
					float l[8] = { 0 };
					for (size_t i = 0; i < n; i++)
						l[i % 8] = fmaf(q[i], k[t * ks + i], l[i % 8]);
					float want = (((l[0] + l[1]) + (l[2] + l[3])) + ((l[4] + l[5]) + (l[6] + l[7]))) * 0.125f;
					ck_assert_msg(memcmp(&want, &s[t], sizeof want) == 0,
					              "dots bf16=%d T=%zu n=%zu t=%zu: %a, want %a", bf16, T, n, t,
					              (double)s[t], (double)want);
				}
				for (size_t i = 0; i < n; i++) {
					float want = 0.0f;
					for (size_t t = 0; t < T; t++)
						want = fmaf(p[t], k[t * ks + i], want);
					ck_assert_msg(memcmp(&want, &o[i], sizeof want) == 0,
					              "wsum bf16=%d T=%zu n=%zu i=%zu: %a, want %a", bf16, T, n, i,
					              (double)o[i], (double)want);
				}
			}
	free(k16), free(kw), free(q), free(kv), free(p);
}
END_TEST

/* The sampler's passes: the first of the largest (NaNs passed over, -inf
 * a value), and exp((x - sub) mul) within a few ulps of libm's with 0 for
 * -inf and NaN, summed. */
START_TEST(argmax_and_exp_store)
{
	enum { NX = 203 };
	float *x = gpt2_util_uniform(NX, 9), e[NX];
	ck_assert_int_eq((int)vmath_argmax(x, 0), -1);
	x[0] = NAN;
	x[77] = 5.0f;
	x[150] = 5.0f;
	x[40] = NAN;
	ck_assert_int_eq((int)vmath_argmax(x, NX), 77);
	ck_assert_int_eq((int)vmath_argmax(x + 100, NX - 100), 50);
	float z[11];
	for (int i = 0; i < 11; i++)
		z[i] = i == 3 ? NAN : -INFINITY;
	ck_assert_int_eq((int)vmath_argmax(z, 11), 0);
	const float nans[3] = { NAN, NAN, NAN };
	ck_assert_int_eq((int)vmath_argmax(nans, 3), -1);
	x[5] = -INFINITY;
	double sum = vmath_exp_store(e, x, NX, 5.0f, 0.7f), want = 0.0;
	for (int i = 0; i < NX; i++) {
		double w = x[i] == x[i] ? exp(((double)x[i] - 5.0) * 0.7) : 0.0;
		ck_assert_msg(fabs(e[i] - w) <= 4e-7 * w, "exp_store %d: %g vs %g", i, e[i], w);
		want += e[i];
	}
	ck_assert(e[0] == 0.0f && e[40] == 0.0f && e[5] == 0.0f && e[77] == 1.0f);
	ck_assert_double_eq_tol(sum, want, 1e-12 * want);
	free(x);
}
END_TEST

START_TEST(threads_change_no_bit)
{
	enum { R = 9, V = 3001, E = 50000 };
	float *l = malloc(2 * R * V * sizeof *l), *x = malloc(3 * E * sizeof *x);
	int tg[R] = { 1, 2, 3, -100, 5, 6, 7, 8, 3000 };
	vm_fill(l, R * V, -5.0, 5.0);
	memcpy(l + R * V, l, R * V * sizeof *l);
	vm_fill(x, E, -4.0, 4.0);
	size_t c;
	pool_set_threads(1);
	double one = crossentropy_forward(l, tg, R, V, &c);
	crossentropy_backward(l, tg, R, V, 0.1f);
	gelu_forward(x + E, x, E);
	pool_set_threads(2);
	ck_assert(crossentropy_forward(l + R * V, tg, R, V, &c) == one);
	crossentropy_backward(l + R * V, tg, R, V, 0.1f);
	ck_assert_mem_eq(l, l + R * V, R * V * sizeof *l);
	gelu_forward(x + 2 * E, x, E);
	ck_assert_mem_eq(x + E, x + 2 * E, E * sizeof *x);
	pool_set_threads(1);
	free(l);
	free(x);
}
END_TEST

/* The backward products side by side on two threads equal them in turn. */
START_TEST(threaded_matmul_backward_matches)
{
	enum { BN = 37, IN = 70, OUT = 90 };
	float *inp = malloc(BN * IN * sizeof *inp), *w = malloc(IN * OUT * sizeof *w);
	float *dout = malloc(BN * OUT * sizeof *dout);
	float *dinp[2], *dw[2], *db[2];
	vm_fill(inp, BN * IN, -1.0, 1.0);
	vm_fill(w, IN * OUT, -0.5, 0.5);
	vm_fill(dout, BN * OUT, -2.0, 2.0);
	for (int k = 0; k < 2; k++) {
		dinp[k] = malloc(BN * IN * sizeof(float));
		dw[k] = calloc(IN * OUT, sizeof(float));
		db[k] = calloc(OUT, sizeof(float));
		pool_set_threads(k + 1);
		matmul_backward(dinp[k], dw[k], db[k], dout, inp, w, BN, IN, OUT);
		matmul_backward(dinp[k], dw[k], db[k], dout, inp, w, BN, IN, OUT); /* dw adds up */
	}
	pool_set_threads(1);
	double e1 = 0.0, e2 = 0.0, big1 = 0.0, big2 = 0.0;
	for (size_t i = 0; i < BN * IN; i++) {
		e1 = fmax(e1, fabs(dinp[0][i] - dinp[1][i]));
		big1 = fmax(big1, fabs(dinp[0][i]));
	}
	for (size_t i = 0; i < IN * OUT; i++) {
		e2 = fmax(e2, fabs(dw[0][i] - dw[1][i]));
		big2 = fmax(big2, fabs(dw[0][i]));
	}
	ck_assert(big1 > 0.1 && big2 > 0.1);
	ck_assert_msg(e1 <= 1e-6 * big1 && e2 <= 1e-6 * big2, "dinp %g, dw %g", e1, e2);
	ck_assert_mem_eq(db[0], db[1], OUT * sizeof(float));
	for (int k = 0; k < 2; k++) {
		free(dinp[k]);
		free(dw[k]);
		free(db[k]);
	}
	free(inp);
	free(w);
	free(dout);
}
END_TEST

/* optim_step_zero(g, coef) == optim_clip + optim_step + zeroing, bit for bit. */
START_TEST(fused_step_equals_clip_step_zero)
{
	struct status st = STATUS_INIT;
	struct model_config mc = gpt2_util_tiny(0);
	struct model_params p[2];
	struct optim o[2];
	struct optim_config c = OPTIM_DEFAULTS;
	c.lr = 0.01f;
	c.weight_decay = 0.1f;
	for (int k = 0; k < 2; k++) {
		ck_assert_int_eq(model_params_alloc(&p[k], &mc, &st), STATUS_OK);
		gpt2_util_randomize(&p[k], 3);
		ck_assert_int_eq(optim_init(&o[k], &p[k], &c, &st), STATUS_OK);
	}
	size_t n = p[0].count;
	float *g0 = malloc(n * sizeof *g0), *g1 = malloc(n * sizeof *g1);
	pool_set_threads(2);
	for (int step = 0; step < 3; step++) {
		for (size_t i = 0; i < n; i++)
			g0[i] = g1[i] = (float)(0.05 * ((double)((i * 13 + (size_t)step) % 17) - 8.0));
		float norm = optim_norm(&o[1], g1);
		ck_assert_float_eq(optim_clip(&o[0], g0, 1.0f), norm);
		ck_assert(norm > 1.0f);
		optim_step(&o[0], p[0].mem, g0);
		optim_step_zero(&o[1], p[1].mem, g1, (float)(1.0 / ((double)norm + 1e-6)), NULL);
		ck_assert_mem_eq(p[0].mem, p[1].mem, n * sizeof *p[0].mem);
		ck_assert_mem_eq(o[0].m, o[1].m, 2 * n * sizeof *o[0].m);
		for (size_t i = 0; i < n; i++)
			ck_assert(g1[i] == 0.0f);
	}
	pool_set_threads(1);
	free(g0);
	free(g1);
	for (int k = 0; k < 2; k++) {
		optim_free(&o[k]);
		model_params_free(&p[k]);
	}
}
END_TEST

Suite *harness_suite(void)
{
	Suite *s = suite_create("vmath");
	harness_add(s, "vmath",
	            exp_and_gelu_match_libm,
	            float_passes_match_double,
	            norms_keep_one_chain_per_row,
	            silu_mul_matches_double_and_pieces,
	            rope_keeps_its_formula,
	            attention_products_match_double,
	            attention_products_keep_their_order,
	            argmax_and_exp_store,
	            threads_change_no_bit,
	            threaded_matmul_backward_matches,
	            fused_step_equals_clip_step_zero,
	            NULL);
	return s;
}
