#include "config.h"

#include "src/tui_fronts.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/pareto.h"
#include "engine/stats.h"

struct tui_fronts_load {
	struct tui_front *f;
	char stage[32];
	int nomem;
};

static int tui_fronts_run(void *ctx, const struct store_run *r)
{
	struct tui_fronts_load *l = ctx;
	l->f->name = strdup(r->name);
	l->f->status = strdup(r->status);
	snprintf(l->stage, sizeof l->stage, "%s", r->stage);
	return 0;
}

/* A new zeroed point at the end of f (NULL: out of memory). */
static struct tui_front_point *tui_fronts_add(struct tui_front *f, store_id id, int n)
{
	struct tui_front_point *v = realloc(f->pts, (f->n_pts + 1) * sizeof *v);
	if (!v)
		return NULL;
	f->pts = v;
	struct tui_front_point *q = &v[f->n_pts++];
	memset(q, 0, sizeof *q);
	q->id = id;
	if (n > f->n_obj)
		f->n_obj = n;
	return q;
}

static int tui_fronts_point(void *ctx, const struct store_point *p)
{
	struct tui_front_point *q = tui_fronts_add(ctx, p->id, p->n);
	if (!q)
		return 1;
	q->n_samples = p->n_samples;
	memcpy(q->pref, p->preference, sizeof q->pref);
	memcpy(q->raw, p->raw_mean, sizeof q->raw);
	memcpy(q->norm, p->norm_mean, sizeof q->norm);
	return 0;
}

/* An online sample is a point of its own: where that preference landed. */
static int tui_fronts_sample_point(void *ctx, const struct store_sample *smp)
{
	struct tui_front_point *q = tui_fronts_add(ctx, smp->id, smp->n);
	if (!q)
		return 1;
	q->n_samples = 1;
	memcpy(q->pref, smp->preference, sizeof q->pref);
	memcpy(q->raw, smp->raw, sizeof q->raw);
	memcpy(q->norm, smp->norm, sizeof q->norm);
	return 0;
}

struct tui_fronts_rows {
	struct tui_front *f;
	int n_obj;
	double mu[STORE_MAX_OBJ], sigma[STORE_MAX_OBJ];
	int has_stats[STORE_MAX_OBJ];
	int nomem;
};

static int tui_fronts_stats(void *ctx, const struct store_objective *o)
{
	struct tui_fronts_rows *r = ctx;
	if (o->pos < 0 || o->pos >= STORE_MAX_OBJ)
		return 0;
	if (o->pos + 1 > r->n_obj)
		r->n_obj = o->pos + 1;
	r->has_stats[o->pos] = o->has_stats;
	r->mu[o->pos] = o->mu;
	r->sigma[o->pos] = o->sigma;
	return 0;
}

/* A row scored for every objective, normalised with the dataset's offline
 * stats as the RiC prompts were. */
static int tui_fronts_row(void *ctx, const struct store_row *row)
{
	struct tui_fronts_rows *r = ctx;
	for (int j = 0; j < r->n_obj; j++)
		if (j >= row->n || !row->has_reward[j] || !r->has_stats[j])
			return 0;
	struct tui_front_point *q = tui_fronts_add(r->f, row->id, r->n_obj);
	if (!q) {
		r->nomem = 1;
		return 1;
	}
	q->n_samples = 1;
	for (int j = 0; j < r->n_obj; j++) {
		q->raw[j] = row->reward[j];
		q->norm[j] = stats_normalise(row->reward[j], r->mu[j], r->sigma[j]);
	}
	return 0;
}

static int tui_fronts_dataset_of_run(void *ctx, const struct store_dataset *d)
{
	store_id *io = ctx; /* [0]: the run in, [1]: the dataset out */
	if (d->run == io[0] && !io[1])
		io[1] = d->id;
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

static enum store_code tui_fronts_fail(struct store_err *err, enum store_code code, const char *msg)
{
	if (err) {
		err->code = code;
		snprintf(err->msg, sizeof err->msg, "%s", msg);
	}
	return code;
}

enum store_code tui_front_load(struct store *s, store_id run, struct tui_front *f,
                               struct store_err *err)
{
	memset(f, 0, sizeof *f);
	f->run = run;
	struct tui_fronts_load l = { .f = f };
	enum store_code rc = store_run_get(s, run, tui_fronts_run, &l, err);
	char *kv[2] = { NULL, NULL };
	if (rc == STORE_OK)
		rc = store_params_each(s, run, tui_fronts_param, kv, err);
	f->baseline = kv[1];
	store_id ds = 0;
	if (rc == STORE_OK && kv[0] && store_dataset_find(s, kv[0], &ds, NULL) != STORE_OK)
		ds = 0; /* deleted or renamed since: numbered objective names */
	if (rc == STORE_OK && strcmp(l.stage, "import") == 0) {
		store_id io[2] = { run, 0 };
		store_datasets_each(s, tui_fronts_dataset_of_run, io, NULL);
		ds = io[1];
	}
	free(kv[0]);
	if (rc == STORE_OK && strcmp(l.stage, "eval") == 0) {
		f->kind = f->baseline ? TUI_FRONT_BASELINE : TUI_FRONT_EVAL;
		rc = store_points_each(s, run, tui_fronts_point, f, err);
		struct tui_fronts_stored st = { f, 0 };
		if (rc == STORE_OK)
			rc = store_fronts_each(s, run, tui_fronts_front, &st, err);
		if (rc == STORE_OK && st.front)
			rc = store_front_points_each(s, st.front, tui_fronts_on, f, err);
	} else if (rc == STORE_OK && strcmp(l.stage, "online") == 0) {
		f->kind = TUI_FRONT_ONLINE;
		rc = store_samples_each(s, run, tui_fronts_sample_point, f, err);
	} else if (rc == STORE_OK && ds &&
	           (strcmp(l.stage, "import") == 0 || strcmp(l.stage, "relabel") == 0)) {
		f->kind = TUI_FRONT_OFFLINE;
		struct tui_fronts_rows r = { .f = f };
		struct store_row_query q = { .split = "train", .limit = TUI_FRONTS_ROWS_MAX };
		rc = store_objectives_each(s, ds, tui_fronts_stats, &r, err);
		if (rc == STORE_OK && r.n_obj > 0)
			rc = store_rows_query(s, ds, &q, tui_fronts_row, &r, err);
		if (rc == STORE_OK && r.nomem)
			rc = tui_fronts_fail(err, STORE_EINTERNAL, "out of memory");
	} else if (rc == STORE_OK) {
		char msg[256];
		snprintf(msg, sizeof msg,
		         "run %lld is a %s run: the Front screen plots eval, online and dataset "
		         "(import, relabel) runs", (long long)run, l.stage);
		rc = tui_fronts_fail(err, STORE_EINVAL, msg);
	}
	if (rc == STORE_OK && ds)
		store_objectives_each(s, ds, tui_fronts_objective, f, NULL);
	for (int i = 0; i < f->n_obj; i++) {
		if (!f->obj[i]) {
			char name[16];
			snprintf(name, sizeof name, "obj%d", i + 1);
			f->obj[i] = strdup(name);
		}
	}
	if (rc == STORE_OK && (!f->name || !f->status))
		rc = tui_fronts_fail(err, STORE_EINTERNAL, "out of memory");
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
	store_id id;
	int by_sample;           /* match the sample's own id, not its point */
	struct tui_point_text *t;
};

static int tui_fronts_sample(void *ctx, const struct store_sample *smp)
{
	struct tui_fronts_find *q = ctx;
	if ((q->by_sample ? smp->id : smp->point) != q->id)
		return 0;
	q->t->prompt = strdup(smp->prompt ? smp->prompt : "");
	q->t->response = strdup(smp->response ? smp->response : "");
	q->t->n = smp->n;
	memcpy(q->t->desired, smp->desired, sizeof q->t->desired);
	memcpy(q->t->raw, smp->raw, sizeof q->t->raw);
	memcpy(q->t->norm, smp->norm, sizeof q->t->norm);
	return 1;
}

static int tui_fronts_row_text(void *ctx, const struct store_row *row)
{
	struct tui_fronts_find *q = ctx;
	if (row->id != q->id)
		return 1;
	q->t->prompt = strdup(row->prompt ? row->prompt : "");
	q->t->response = strdup(row->response ? row->response : "");
	return 1;
}

static int tui_fronts_dataset_id(void *ctx, const char *key, const char *value)
{
	char **name = ctx;
	if (strcmp(key, "dataset") == 0 && !*name)
		*name = strdup(value);
	return 0;
}

enum store_code tui_front_point_text(struct store *s, const struct tui_front *f, size_t i,
                                     struct tui_point_text *t, struct store_err *err)
{
	memset(t, 0, sizeof *t);
	if (i >= f->n_pts)
		return STORE_OK;
	t->count = f->pts[i].n_samples;
	struct tui_fronts_find q = { f->pts[i].id, f->kind == TUI_FRONT_ONLINE, t };
	if (f->kind != TUI_FRONT_OFFLINE)
		return store_samples_each(s, f->run, tui_fronts_sample, &q, err);
	/* The row itself: the dataset of the relabel run, or the import run's own. */
	char *name = NULL;
	store_id ds = 0;
	store_params_each(s, f->run, tui_fronts_dataset_id, &name, NULL);
	if (!name || store_dataset_find(s, name, &ds, NULL) != STORE_OK) {
		store_id io[2] = { f->run, 0 };
		store_datasets_each(s, tui_fronts_dataset_of_run, io, NULL);
		ds = io[1];
	}
	free(name);
	if (!ds)
		return STORE_OK;
	struct store_row_query rq = { .after = f->pts[i].id - 1, .limit = 1 };
	return store_rows_query(s, ds, &rq, tui_fronts_row_text, &q, err);
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

static int tui_fronts_curves(void *ctx, const char *key, const char *value)
{
	if (strcmp(key, "kind") == 0 && strcmp(value, "desired-grid") == 0)
		*(int *)ctx = 1;
	return 0;
}

/* The newest eval runs that measure a front: an eval's --desired-grid child
 * (param kind) holds response curves, no points, and would plot empty. */
size_t tui_fronts_eval_runs(struct store *s, store_id *ids, size_t cap)
{
	enum { LOOK = 64 };
	store_id seen[LOOK];
	struct store_run_filter f = { .stage = "eval" };
	struct tui_fronts_ids v = { seen, 0, LOOK };
	store_runs_each(s, &f, tui_fronts_id, &v, NULL);
	size_t n = 0;
	for (size_t i = 0; i < v.n && n < cap; i++) {
		int curves = 0;
		store_params_each(s, seen[i], tui_fronts_curves, &curves, NULL);
		if (!curves)
			ids[n++] = seen[i];
	}
	return n;
}
