/* st_compare GOT WANT TOL: every tensor of WANT must be in GOT (and nothing
 * else) with the same shape and a relative error max|got - want| / max|want|
 * (floored at 1e-8) of at most TOL. Prints the worst tensor; exit 0 when all
 * pass, 1 otherwise. */
#include "config.h"

#include "engine/safetensors.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(int argc, char **argv)
{
	if (argc != 4) {
		fprintf(stderr, "usage: st_compare GOT WANT TOL\n");
		return 2;
	}
	double tol = atof(argv[3]);
	struct status st = STATUS_INIT;
	struct safetensors *got, *want;
	if (safetensors_open(argv[1], &got, &st) != STATUS_OK ||
	    safetensors_open(argv[2], &want, &st) != STATUS_OK) {
		fprintf(stderr, "st_compare: %s\n", st.msg);
		return 1;
	}
	int bad = 0;
	double worst = 0.0;
	const char *worst_name = "";
	if (safetensors_count(got) != safetensors_count(want)) {
		fprintf(stderr, "st_compare: %zu tensors, expected %zu\n", safetensors_count(got),
		        safetensors_count(want));
		bad = 1;
	}
	for (size_t i = 0; i < safetensors_count(want); i++) {
		const struct safetensors_tensor *w = safetensors_at(want, i);
		const struct safetensors_tensor *g = safetensors_find(got, w->name);
		if (!g || g->ndim != w->ndim ||
		    memcmp(g->shape, w->shape, (size_t)w->ndim * sizeof w->shape[0]) != 0) {
			fprintf(stderr, "st_compare: %s is %s\n", w->name, g ? "of another shape" : "missing");
			bad = 1;
			continue;
		}
		size_t n = (size_t)safetensors_numel(w);
		float *a = malloc((n ? n : 1) * sizeof *a), *b = malloc((n ? n : 1) * sizeof *b);
		safetensors_to_f32(g, a);
		safetensors_to_f32(w, b);
		double diff = 0.0, big = 0.0;
		for (size_t k = 0; k < n; k++) {
			double d = fabs((double)a[k] - b[k]);
			diff = isnan(d) ? INFINITY : fmax(diff, d);
			big = fmax(big, fabs(b[k]));
		}
		double rel = diff / fmax(big, 1e-8);
		if (rel > tol) {
			fprintf(stderr, "st_compare: %s differs: relative error %.3g > %g\n", w->name, rel, tol);
			bad = 1;
		}
		if (rel >= worst) {
			worst = rel;
			worst_name = w->name;
		}
		free(a);
		free(b);
	}
	printf("worst %.3g %s\n", worst, worst_name);
	safetensors_close(got);
	safetensors_close(want);
	return bad;
}
