#include "config.h"

#include "src/tui_fronts.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/pareto.h"

static int tui_fronts_run(void *ctx, const struct store_run *r)
{
	struct tui_front *f = ctx;
	f->name = strdup(r->name);
	f->status = strdup(r->status);
	return 0;
}

static int tui_fronts_point(void *ctx, const struct store_point *p)
{
	struct tui_front *f = ctx;
	struct tui_front_point *v = realloc(f->pts, (f->n_pts + 1) * sizeof *v);
	if (!v)
		return 1;
	f->pts = v;
	struct tui_front_point *q = &v[f->n_pts++];
	memset(q, 0, sizeof *q);
	q->id = p->id;
	q->n_samples = p->n_samples;
	memcpy(q->pref, p->preference, sizeof q->pref);
	memcpy(q->raw, p->raw_mean, sizeof q->raw);
	memcpy(q->norm, p->norm_mean, sizeof q->norm);
	if (p->n > f->n_obj)
		f->n_obj = p->n;
	return 0;
}

struct tui_fronts_stored {
	struct tui_front *f;
	store_id front;
};

static int tui_fronts_front(void *ctx, const struct store_front *fr)
{
	struct tui_fronts_stored *s = ctx;
	/* The run's own front (a baseline run has one of its own). */
	s->front = fr->id;
	s->f->has_stored = 1;
	s->f->hv_stored = fr->hypervolume;
	memcpy(s->f->reference, fr->reference, sizeof s->f->reference);
	return 1;
}

static int tui_fronts_on(void *ctx, const struct store_point *p)
{
	struct tui_front *f = ctx;
	for (size_t i = 0; i < f->n_pts; i++)
		if (f->pts[i].id == p->id)
			f->pts[i].stored_front = 1;
	return 0;
}

static int tui_fronts_param(void *ctx, const char *key, const char *value)
{
	char **kv = ctx; /* [0]: dataset, [1]: baseline */
	if (strcmp(key, "dataset") == 0 && !kv[0])
		kv[0] = strdup(value);
	else if (strcmp(key, "baseline") == 0 && !kv[1])
		kv[1] = strdup(value);
	return 0;
}

static int tui_fronts_objective(void *ctx, const struct store_objective *o)
{
	struct tui_front *f = ctx;
	if (o->pos >= 0 && o->pos < STORE_MAX_OBJ && !f->obj[o->pos])
		f->obj[o->pos] = strdup(o->name);
	return 0;
}

enum store_code tui_front_load(struct store *s, store_id run, struct tui_front *f,
                               struct store_err *err)
{
	memset(f, 0, sizeof *f);
	f->run = run;
	enum store_code rc = store_run_get(s, run, tui_fronts_run, f, err);
	if (rc == STORE_OK)
		rc = store_points_each(s, run, tui_fronts_point, f, err);
	struct tui_fronts_stored st = { f, 0 };
	if (rc == STORE_OK)
		rc = store_fronts_each(s, run, tui_fronts_front, &st, err);
	if (rc == STORE_OK && st.front)
		rc = store_front_points_each(s, st.front, tui_fronts_on, f, err);
	char *kv[2] = { NULL, NULL };
	if (rc == STORE_OK)
		rc = store_params_each(s, run, tui_fronts_param, kv, err);
	store_id ds;
	/* A dataset deleted since, or renamed: fall back to numbered names. */
	if (rc == STORE_OK && kv[0] && store_dataset_find(s, kv[0], &ds, NULL) == STORE_OK)
		store_objectives_each(s, ds, tui_fronts_objective, f, NULL);
	free(kv[0]);
	f->baseline = kv[1];
	for (int i = 0; i < f->n_obj; i++) {
		if (!f->obj[i]) {
			char name[16];
			snprintf(name, sizeof name, "obj%d", i + 1);
			f->obj[i] = strdup(name);
		}
	}
	if (rc == STORE_OK && (!f->name || !f->status)) {
		if (err) {
			err->code = STORE_EINTERNAL;
			strcpy(err->msg, "out of memory");
		}
		rc = STORE_EINTERNAL;
	}
	if (rc != STORE_OK)
		tui_front_free(f);
	return rc;
}

void tui_front_free(struct tui_front *f)
{
	free(f->name);
	free(f->status);
	free(f->baseline);
	for (int i = 0; i < STORE_MAX_OBJ; i++)
		free(f->obj[i]);
	free(f->pts);
	memset(f, 0, sizeof *f);
}

int tui_front_axes(struct tui_front *f, int x, int y, const double *ref)
{
	if (x < 0 || y < 0 || x >= f->n_obj || y >= f->n_obj)
		return -1;
	f->hv_axes = 0;
	if (f->n_pts == 0)
		return 0;
	double *xy = malloc(f->n_pts * 2 * sizeof *xy);
	unsigned char *on = malloc(f->n_pts);
	if (!xy || !on) {
		free(xy);
		free(on);
		return 0;
	}
	double r[2];
	if (ref) {
		r[0] = ref[0];
		r[1] = ref[1];
	} else if (f->has_stored) {
		r[0] = f->reference[x];
		r[1] = f->reference[y];
	} else {
		r[0] = r[1] = INFINITY;
	}
	for (size_t i = 0; i < f->n_pts; i++) {
		xy[2 * i] = f->pts[i].norm[x];
		xy[2 * i + 1] = f->pts[i].norm[y];
		if (!ref && !f->has_stored) {
			r[0] = fmin(r[0], xy[2 * i]);
			r[1] = fmin(r[1], xy[2 * i + 1]);
		}
	}
	struct status st = STATUS_INIT;
	if (pareto_front(xy, f->n_pts, 2, on, NULL, &st) == STATUS_OK)
		for (size_t i = 0; i < f->n_pts; i++)
			f->pts[i].on_front = on[i];
	if (pareto_hypervolume(xy, f->n_pts, 2, r, &f->hv_axes, &st) != STATUS_OK)
		f->hv_axes = NAN;
	free(xy);
	free(on);
	return 0;
}

struct tui_fronts_find {
	store_id point;
	struct tui_point_text *t;
};

static int tui_fronts_sample(void *ctx, const struct store_sample *smp)
{
	struct tui_fronts_find *q = ctx;
	if (smp->point != q->point)
		return 0;
	q->t->prompt = strdup(smp->prompt ? smp->prompt : "");
	q->t->response = strdup(smp->response ? smp->response : "");
	q->t->n = smp->n;
	memcpy(q->t->desired, smp->desired, sizeof q->t->desired);
	memcpy(q->t->raw, smp->raw, sizeof q->t->raw);
	memcpy(q->t->norm, smp->norm, sizeof q->t->norm);
	return 1;
}

enum store_code tui_front_point_text(struct store *s, const struct tui_front *f, size_t i,
                                     struct tui_point_text *t, struct store_err *err)
{
	memset(t, 0, sizeof *t);
	if (i >= f->n_pts)
		return STORE_OK;
	t->count = f->pts[i].n_samples;
	struct tui_fronts_find q = { f->pts[i].id, t };
	return store_samples_each(s, f->run, tui_fronts_sample, &q, err);
}

void tui_point_text_free(struct tui_point_text *t)
{
	free(t->prompt);
	free(t->response);
	memset(t, 0, sizeof *t);
}

struct tui_fronts_ids {
	store_id *ids;
	size_t n, cap;
};

static int tui_fronts_id(void *ctx, const struct store_run *r)
{
	struct tui_fronts_ids *v = ctx;
	if (v->n == v->cap)
		return 1;
	v->ids[v->n++] = r->id;
	return 0;
}

size_t tui_fronts_eval_runs(struct store *s, store_id *ids, size_t cap)
{
	struct store_run_filter f = { .stage = "eval" };
	struct tui_fronts_ids v = { ids, 0, cap };
	store_runs_each(s, &f, tui_fronts_id, &v, NULL);
	return v.n;
}
