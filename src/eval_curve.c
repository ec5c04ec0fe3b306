/* eval_curve: response curves and whether an objective follows them. */
#include "config.h"

#include "src/eval_curve.h"

#include "src/eval.h"
#include "src/termtext.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int eval_curve_init(struct eval_curve *c, size_t n)
{
	memset(c, 0, sizeof *c);
	c->n = n;
	size_t k = n ? n : 1;
	c->level = calloc(k, sizeof *c->level);
	c->mean = calloc(k, sizeof *c->mean);
	c->se = calloc(k, sizeof *c->se);
	c->sum = calloc(k, sizeof *c->sum);
	c->sumsq = calloc(k, sizeof *c->sumsq);
	c->count = calloc(k, sizeof *c->count);
	return c->level && c->mean && c->se && c->sum && c->sumsq && c->count;
}

void eval_curve_free(struct eval_curve *c)
{
	free(c->level);
	free(c->mean);
	free(c->se);
	free(c->sum);
	free(c->sumsq);
	free(c->count);
	memset(c, 0, sizeof *c);
}

void eval_curve_add(struct eval_curve *c, size_t k, double v)
{
	if (k >= c->n || !isfinite(v))
		return;
	c->sum[k] += v;
	c->sumsq[k] += v * v;
	c->count[k]++;
}

void eval_curve_finish(struct eval_curve *c)
{
	for (size_t k = 0; k < c->n; k++) {
		double m = c->count[k] ? c->sum[k] / (double)c->count[k] : NAN;
		double var = c->count[k] > 1
		             ? fmax(0.0, (c->sumsq[k] - (double)c->count[k] * m * m) /
		                         (double)(c->count[k] - 1))
		             : 0.0;
		c->mean[k] = m;
		c->se[k] = c->count[k] ? sqrt(var / (double)c->count[k]) : NAN;
	}
	/* The ends are the first and last levels that have samples. */
	size_t a = 0, b = c->n;
	while (a < c->n && !c->count[a])
		a++;
	while (b > a && !c->count[b - 1])
		b--;
	c->rise = c->rise_se = NAN;
	c->rises = c->monotone = c->follows = 0;
	if (b - a < 2)
		return;
	c->rise = c->mean[b - 1] - c->mean[a];
	c->rise_se = hypot(c->se[b - 1], c->se[a]);
	c->rises = c->rise > 2.0 * c->rise_se;
	c->monotone = 1;
	for (size_t i = a; i < b; i++)
		for (size_t j = i + 1; j < b; j++)
			if (c->count[i] && c->count[j] &&
			    c->mean[j] < c->mean[i] - 2.0 * hypot(c->se[i], c->se[j]))
				c->monotone = 0;
	c->follows = c->rises && c->monotone;
}

enum status_code eval_weight_curves(const struct eval_result *r, double step,
                                    struct eval_curve *curves, struct status *st)
{
	size_t N = r->N, P = r->n_prompts, n = (size_t)lround(1.0 / step) + 1;
	const double *v = r->raw_units ? r->raw : r->norm;
	for (size_t j = 0; j < N; j++) {
		if (!eval_curve_init(&curves[j], n)) {
			for (size_t i = 0; i <= j; i++)
				eval_curve_free(&curves[i]);
			return status_set(st, STATUS_NOMEM, "out of memory");
		}
		for (size_t k = 0; k < n; k++)
			curves[j].level[k] = fmin(1.0, (double)k * step);
		for (size_t p = 0; p < r->n_pts; p++) {
			size_t k = (size_t)lround(r->pref[p * N + j] / step);
			for (size_t i = 0; i < P; i++)
				eval_curve_add(&curves[j], k, v[(p * P + i) * N + j]);
		}
		eval_curve_finish(&curves[j]);
	}
	return STATUS_OK;
}

void eval_curves_print(const char *title, const char *const *names, const struct eval_curve *c,
                       size_t N)
{
	termtext_printf(stdout, "%s\n", title);
	for (size_t j = 0; j < N; j++) {
		termtext_printf(stdout, "  %-12.12s", names[j]);
		for (size_t k = 0; k < c[j].n; k++)
			if (c[j].count[k])
				termtext_printf(stdout, " %g:%.3f+-%.3f", c[j].level[k], c[j].mean[k],
				                c[j].se[k]);
		if (isnan(c[j].rise))
			termtext_printf(stdout, "  (fewer than two levels)\n");
		else
			termtext_printf(stdout, "  rise %.3f+-%.3f, %s, %s: %s\n", c[j].rise, c[j].rise_se,
			                c[j].rises ? "> 2 SE" : "not > 2 SE",
			                c[j].monotone ? "monotone within 2 SE" : "not monotone",
			                c[j].follows ? "follows" : "does not follow");
	}
}

enum status_code eval_curves_record(struct store *s, store_id run, const char *prefix,
                                    const char *const *names, const struct eval_curve *c,
                                    size_t N, struct status *st)
{
	enum { PER_LEVEL = 4, SUMMARY = 4 };
	size_t cap = 0;
	for (size_t j = 0; j < N; j++)
		cap += PER_LEVEL * c[j].n + SUMMARY;
	struct store_metric *m = calloc(cap ? cap : 1, sizeof *m);
	char (*keys)[96] = calloc(cap ? cap : 1, sizeof *keys);
	if (!m || !keys) {
		free(m);
		free(keys);
		return status_set(st, STATUS_NOMEM, "out of memory");
	}
	size_t n = 0;
#define EVAL_CURVE_METRIC(what, stp, val)                                                      \
	do {                                                                                   \
		snprintf(keys[n], sizeof keys[n], "%s_%s/%s", prefix, what, names[j]);          \
		m[n] = (struct store_metric){ .key = keys[n], .step = (int64_t)(stp), .value = (val) }; \
		n++;                                                                           \
	} while (0)
	for (size_t j = 0; j < N; j++) {
		for (size_t k = 0; k < c[j].n; k++) {
			if (!c[j].count[k])
				continue;
			EVAL_CURVE_METRIC("level", k, c[j].level[k]);
			EVAL_CURVE_METRIC("mean", k, c[j].mean[k]);
			EVAL_CURVE_METRIC("se", k, c[j].se[k]);
			EVAL_CURVE_METRIC("count", k, (double)c[j].count[k]);
		}
		if (isnan(c[j].rise))
			continue;
		EVAL_CURVE_METRIC("rise", 0, c[j].rise);
		EVAL_CURVE_METRIC("rise_se", 0, c[j].rise_se);
		EVAL_CURVE_METRIC("monotone", 0, c[j].monotone);
		EVAL_CURVE_METRIC("follows", 0, c[j].follows);
	}
#undef EVAL_CURVE_METRIC
	struct store_err e;
	enum status_code rc = STATUS_OK;
	if (n && store_metrics_add(s, run, m, n, &e) != STORE_OK)
		rc = status_set(st, STATUS_IO, "%s", e.msg);
	free(m);
	free(keys);
	return rc;
}
