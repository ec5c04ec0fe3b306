#include "config.h"

#include "src/tui_fronts.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/image.h"
#include "engine/pareto.h"
#include "engine/stats.h"

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

/* What an eval run's params say about it. */
struct tui_fronts_params {
	char *dataset, *baseline, *model;
	char *obj[STORE_MAX_OBJ];            /* objectiveK: the names its metrics use */
	double mu[STORE_MAX_OBJ], sigma[STORE_MAX_OBJ];
	int has_stats[STORE_MAX_OBJ];
	int raw_units;                       /* units=raw: its curves are in raw rewards */
	store_id online_run;
	int iteration;
};

/* The number after the last " KEY=" in v (objectiveK's "NAME=REWARD mu=..
 * sigma=.."; a reward command may hold spaces, the numbers come last). */
static int tui_fronts_stat(const char *v, const char *key, double *out)
{
	const char *hit = NULL;
	for (const char *p = strstr(v, key); p; p = strstr(p + 1, key))
		hit = p;
	if (!hit)
		return 0;
	char *end;
	*out = strtod(hit + strlen(key), &end);
	return end != hit + strlen(key) && isfinite(*out);
}

static int tui_fronts_param(void *ctx, const char *key, const char *value)
{
	struct tui_fronts_params *p = ctx;
	int k;
	if (strcmp(key, "dataset") == 0 && !p->dataset)
		p->dataset = strdup(value);
	else if (strcmp(key, "baseline") == 0 && !p->baseline)
		p->baseline = strdup(value);
	else if (strcmp(key, "model") == 0 && !p->model)
		p->model = strdup(value);
	else if (strcmp(key, "units") == 0)
		p->raw_units = strcmp(value, "raw") == 0;
	else if (strcmp(key, "online_run") == 0)
		p->online_run = strtoll(value, NULL, 10);
	else if (strcmp(key, "online_iteration") == 0)
		p->iteration = atoi(value);
	else if (sscanf(key, "objective%d", &k) == 1 && k >= 1 && k <= STORE_MAX_OBJ && !p->obj[k - 1]) {
		size_t n = strcspn(value, "=");
		p->obj[k - 1] = strndup(value, n);
		p->has_stats[k - 1] = tui_fronts_stat(value, " mu=", &p->mu[k - 1]) &&
		                      tui_fronts_stat(value, " sigma=", &p->sigma[k - 1]) &&
		                      p->sigma[k - 1] > 0;
	}
	return 0;
}

static void tui_fronts_params_free(struct tui_fronts_params *p)
{
	free(p->dataset);
	free(p->baseline);
	free(p->model);
	for (int i = 0; i < STORE_MAX_OBJ; i++)
		free(p->obj[i]);
}

/* One metric series of a curve into v[step] (the levels ric eval recorded). */
struct tui_fronts_series {
	double *v;
	size_t n;                            /* highest step + 1 */
};

static int tui_fronts_metric(void *ctx, const struct store_metric *m)
{
	struct tui_fronts_series *x = ctx;
	if (m->step >= 0 && m->step < TUI_FRONT_LEVELS) {
		x->v[m->step] = m->value;
		if ((size_t)m->step + 1 > x->n)
			x->n = (size_t)m->step + 1;
	}
	return 0;
}

/* The metrics' prefix: "weight" (the grid) or "desired" (--desired-grid). */
static size_t tui_fronts_series_get(struct store *s, store_id run, const char *prefix,
                                    const char *what, const char *name, double *v)
{
	char key[160];
	snprintf(key, sizeof key, "%s_%s/%s", prefix, what, name);
	for (size_t k = 0; k < TUI_FRONT_LEVELS; k++)
		v[k] = NAN;
	struct tui_fronts_series x = { v, 0 };
	store_metric_series_each(s, run, key, tui_fronts_metric, &x, NULL);
	return x.n;
}

/* Objective j's curve, in the stored unit u (0 z, 1 raw) and converted to
 * the other when the eval recorded its statistics. The weight curves are in
 * the eval's --units; the desired ones in z, against a desired z. */
static void tui_fronts_curve(struct store *s, store_id run, const char *prefix,
                             const struct tui_fronts_params *p, int j, struct tui_front_curve *c)
{
	double lv[TUI_FRONT_LEVELS], mv[TUI_FRONT_LEVELS], sv[TUI_FRONT_LEVELS], one[TUI_FRONT_LEVELS];
	memset(c, 0, sizeof *c);
	size_t n = tui_fronts_series_get(s, run, prefix, "level", p->obj[j], lv);
	tui_fronts_series_get(s, run, prefix, "mean", p->obj[j], mv);
	tui_fronts_series_get(s, run, prefix, "se", p->obj[j], sv);
	int desired = strcmp(prefix, "desired") == 0;
	int u = desired ? 0 : p->raw_units, o = !u, conv = p->has_stats[j];
	double mu = p->mu[j], sg = p->sigma[j];
	for (size_t k = 0; k < n; k++) {
		if (!isfinite(lv[k]) || !isfinite(mv[k]))
			continue; /* a level without samples */
		size_t i = c->n++;
		c->level[0][i] = c->level[1][i] = lv[k];
		if (desired) /* a desired z: raw is mu + sigma z */
			c->level[1][i] = conv ? mu + sg * lv[k] : NAN;
		c->mean[u][i] = mv[k];
		c->se[u][i] = isfinite(sv[k]) ? sv[k] : 0;
		c->mean[o][i] = !conv ? NAN : u ? (mv[k] - mu) / sg : mu + sg * mv[k];
		c->se[o][i] = !conv ? NAN : u ? c->se[u][i] / sg : sg * c->se[u][i];
	}
	double rise = NAN, rise_se = NAN, fol = NAN, mono = NAN;
	if (tui_fronts_series_get(s, run, prefix, "rise", p->obj[j], one))
		rise = one[0];
	if (tui_fronts_series_get(s, run, prefix, "rise_se", p->obj[j], one))
		rise_se = one[0];
	if (tui_fronts_series_get(s, run, prefix, "follows", p->obj[j], one))
		fol = one[0];
	if (tui_fronts_series_get(s, run, prefix, "monotone", p->obj[j], one))
		mono = one[0];
	c->has_verdict = isfinite(rise) && isfinite(fol);
	c->follows = fol == 1;
	c->monotone = mono == 1;
	c->rise[u] = rise;
	c->rise_se[u] = rise_se;
	c->rise[o] = conv ? (u ? rise / sg : sg * rise) : NAN;
	c->rise_se[o] = conv ? (u ? rise_se / sg : sg * rise_se) : NAN;
}

/* The curves of an eval run, when it stored any (NULL otherwise). */
static struct tui_front_curve *tui_fronts_curves_load(struct store *s, store_id run,
                                                      const char *prefix,
                                                      const struct tui_fronts_params *p, int n_obj)
{
	struct tui_front_curve *c = calloc((size_t)(n_obj > 0 ? n_obj : 1), sizeof *c);
	int any = 0;
	for (int j = 0; c && j < n_obj; j++) {
		if (p->obj[j])
			tui_fronts_curve(s, run, prefix, p, j, &c[j]);
		any |= c[j].n > 0;
	}
	if (!any) {
		free(c);
		return NULL;
	}
	return c;
}

static int tui_fronts_kind(void *ctx, const char *key, const char *value)
{
	if (strcmp(key, "kind") == 0 && strcmp(value, "desired-grid") == 0)
		*(int *)ctx = 1;
	return 0;
}

/* The desired-grid curves of an eval run: its newest finished child of
 * kind desired-grid (ric eval --desired-grid), or NULL. */
static struct tui_front_curve *tui_fronts_desired_load(struct store *s, store_id run, int n_obj)
{
	store_id kids[16];
	struct store_run_filter rf = { .stage = "eval", .parent = run };
	struct tui_fronts_ids v = { kids, 0, 16 };
	store_runs_each(s, &rf, tui_fronts_id, &v, NULL);
	store_id best = 0;
	for (size_t i = 0; i < v.n; i++) {
		int grid = 0;
		store_params_each(s, kids[i], tui_fronts_kind, &grid, NULL);
		if (grid && kids[i] > best)
			best = kids[i];
	}
	if (!best)
		return NULL;
	struct tui_fronts_params p = { 0 };
	store_params_each(s, best, tui_fronts_param, &p, NULL);
	struct tui_front_curve *c = tui_fronts_curves_load(s, best, "desired", &p, n_obj);
	tui_fronts_params_free(&p);
	return c;
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
	struct tui_fronts_params kv = { 0 };
	if (rc == STORE_OK)
		rc = store_params_each(s, run, tui_fronts_param, &kv, err);
	f->baseline = kv.baseline;
	kv.baseline = NULL;
	store_id ds = 0;
	if (rc == STORE_OK && kv.dataset && store_dataset_find(s, kv.dataset, &ds, NULL) != STORE_OK)
		ds = 0; /* deleted or renamed since: numbered objective names */
	if (rc == STORE_OK && strcmp(l.stage, "import") == 0) {
		store_id io[2] = { run, 0 };
		store_datasets_each(s, tui_fronts_dataset_of_run, io, NULL);
		ds = io[1];
	}
	if (rc == STORE_OK && strcmp(l.stage, "eval") == 0) {
		f->kind = f->baseline ? TUI_FRONT_BASELINE : TUI_FRONT_EVAL;
		rc = store_points_each(s, run, tui_fronts_point, f, err);
		struct tui_fronts_stored st = { f, 0 };
		if (rc == STORE_OK)
			rc = store_fronts_each(s, run, tui_fronts_front, &st, err);
		if (rc == STORE_OK && st.front)
			rc = store_front_points_each(s, st.front, tui_fronts_on, f, err);
		if (rc == STORE_OK) {
			int n_obj = f->n_obj;
			for (int j = 0; j < STORE_MAX_OBJ; j++)
				if (kv.obj[j] && j + 1 > n_obj)
					n_obj = j + 1;
			f->curves = tui_fronts_curves_load(s, run, "weight", &kv, n_obj);
			f->desired = tui_fronts_desired_load(s, run, n_obj);
			if (n_obj > f->n_obj && (f->curves || f->desired))
				f->n_obj = n_obj;
		}
		if (rc == STORE_OK && kv.online_run > 0) {
			store_id ids[256];
			int iters[256];
			f->online_run = kv.online_run;
			f->iteration = kv.iteration;
			f->iterations = (int)tui_fronts_iterations(s, kv.online_run, ids, iters, 256);
		}
		f->model = kv.model;
		kv.model = NULL;
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
	/* Without the dataset, the names the eval recorded. */
	for (int i = 0; i < f->n_obj; i++)
		if (!f->obj[i] && kv.obj[i])
			f->obj[i] = strdup(kv.obj[i]);
	tui_fronts_params_free(&kv);
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
	free(f->curves);
	free(f->desired);
	free(f->model);
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

/* A decoded picture into t (a bad or missing one leaves t without). */
static void tui_fronts_picture(struct tui_point_text *t, const struct image *im)
{
	size_t n = (size_t)im->w * (size_t)im->h * 3;
	if (im->w != im->h || !(t->rgb = malloc(n)))
		return;
	memcpy(t->rgb, im->px, n);
	t->side = im->w;
}

static int tui_fronts_row_text(void *ctx, const struct store_row *row)
{
	static const uint8_t white[3] = { 255, 255, 255 };
	struct tui_fronts_find *q = ctx;
	if (row->id != q->id)
		return 1;
	q->t->prompt = strdup(row->prompt ? row->prompt : "");
	q->t->response = strdup(row->response ? row->response : "");
	struct image im, fit;
	struct status st = STATUS_INIT;
	if (row->image && image_decode_png(row->image, row->image_len, "row", white, &im, &st) ==
	    STATUS_OK) {
		if (image_fit(&im, IMAGE_SIDE, white, &fit, &st) == STATUS_OK) {
			tui_fronts_picture(q->t, &fit);
			image_free(&fit);
		}
		image_free(&im);
	}
	return 1;
}

/* An image sample's PNG: its file name in the run's own files folder, so a
 * store moved with its folder still shows them, and a name from the store
 * reads nothing elsewhere. */
static void tui_fronts_sample_picture(struct store *s, store_id run, struct tui_point_text *t)
{
	static const uint8_t white[3] = { 255, 255, 255 };
	const char *resp = t->response, *base;
	size_t n = resp ? strlen(resp) : 0;
	if (n < 5 || strcmp(resp + n - 4, ".png") != 0)
		return;
	base = strrchr(resp, '/');
	base = base ? base + 1 : resp;
	char dir[4096], path[4400];
	if (store_run_files_dir(s, run, dir, sizeof dir) != 0)
		return;
	snprintf(path, sizeof path, "%s/%s", dir, base);
	struct image im;
	struct status st = STATUS_INIT;
	if (image_load_png(path, white, &im, &st) != STATUS_OK)
		return;
	tui_fronts_picture(t, &im);
	image_free(&im);
}

struct tui_fronts_iter {
	store_id online, *ids;
	int *iters;
	size_t n, cap;
	struct store *s;
};

static int tui_fronts_iter_run(void *ctx, const struct store_run *r)
{
	struct tui_fronts_iter *it = ctx;
	if (it->n == it->cap)
		return 1;
	it->ids[it->n++] = r->id;
	return 0;
}

size_t tui_fronts_iterations(struct store *s, store_id online, store_id *ids, int *iters,
                             size_t cap)
{
	/* ric online --eval-each makes them its children. */
	struct store_run_filter rf = { .stage = "eval", .parent = online };
	struct tui_fronts_iter it = { online, ids, iters, 0, cap, s };
	if (online <= 0 || store_runs_each(s, &rf, tui_fronts_iter_run, &it, NULL) != STORE_OK)
		return 0;
	size_t n = 0;
	for (size_t i = 0; i < it.n; i++) {
		struct tui_fronts_params p = { 0 };
		store_params_each(s, ids[i], tui_fronts_param, &p, NULL);
		tui_fronts_params_free(&p);
		if (p.online_run != online || p.iteration <= 0)
			continue;
		/* One per iteration (a resumed eval: the newest), in order. */
		size_t k = 0;
		while (k < n && iters[k] < p.iteration)
			k++;
		if (k < n && iters[k] == p.iteration) {
			if (ids[i] > ids[k])
				ids[k] = ids[i];
			continue;
		}
		store_id id = ids[i];
		memmove(&ids[k + 1], &ids[k], (n - k) * sizeof *ids);
		memmove(&iters[k + 1], &iters[k], (n - k) * sizeof *iters);
		ids[k] = id;
		iters[k] = p.iteration;
		n++;
	}
	return n;
}

static int tui_fronts_stage(void *ctx, const struct store_run *r)
{
	snprintf(ctx, 32, "%s", r->stage);
	return 0;
}

int tui_fronts_online_of(struct store *s, store_id run, store_id *online, int *iter)
{
	char stage[32] = "";
	if (run <= 0 || store_run_get(s, run, tui_fronts_stage, stage, NULL) != STORE_OK)
		return 0;
	if (strcmp(stage, "online") == 0) {
		*online = run;
		*iter = 0;
		return 1;
	}
	struct tui_fronts_params p = { 0 };
	if (strcmp(stage, "eval") == 0)
		store_params_each(s, run, tui_fronts_param, &p, NULL);
	tui_fronts_params_free(&p);
	if (p.online_run <= 0)
		return 0;
	*online = p.online_run;
	*iter = p.iteration;
	return 1;
}

store_id tui_fronts_newest_online(struct store *s)
{
	enum { LOOK = 64 };
	store_id ids[LOOK], evals[LOOK];
	int iters[LOOK];
	struct store_run_filter f = { .stage = "online", .limit = LOOK };
	struct tui_fronts_ids v = { ids, 0, LOOK };
	store_runs_each(s, &f, tui_fronts_id, &v, NULL);
	for (size_t i = 0; i < v.n; i++)
		if (tui_fronts_iterations(s, ids[i], evals, iters, LOOK))
			return ids[i];
	return 0;
}

int tui_fronts_iteration_step(struct store *s, store_id online, int iter, int dir, store_id *eval,
                              int *to, int *n_iters, char **model)
{
	enum { CAP = 256 };
	store_id ids[CAP];
	int iters[CAP];
	size_t n = tui_fronts_iterations(s, online, ids, iters, CAP);
	*n_iters = (int)n;
	*model = NULL;
	if (n == 0)
		return -2;
	long k;
	if (iter <= 0) {
		k = dir > 0 ? 0 : (long)n - 1;
	} else {
		/* The nearest iteration beyond iter in that direction. */
		k = dir > 0 ? 0 : (long)n - 1;
		while (k >= 0 && k < (long)n && (dir > 0 ? iters[k] <= iter : iters[k] >= iter))
			k += dir > 0 ? 1 : -1;
		if (k < 0 || k >= (long)n)
			return -1;
	}
	*eval = ids[k];
	*to = iters[k];
	struct tui_fronts_params p = { 0 };
	store_params_each(s, ids[k], tui_fronts_param, &p, NULL);
	*model = p.model;
	p.model = NULL;
	tui_fronts_params_free(&p);
	return 0;
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
	if (f->kind != TUI_FRONT_OFFLINE) {
		enum store_code c = store_samples_each(s, f->run, tui_fronts_sample, &q, err);
		if (c == STORE_OK)
			tui_fronts_sample_picture(s, f->run, t);
		return c;
	}
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
	free(t->rgb);
	memset(t, 0, sizeof *t);
}

static int tui_fronts_curves(void *ctx, const char *key, const char *value)
{
	if (strcmp(key, "kind") == 0 && strcmp(value, "desired-grid") == 0)
		*(int *)ctx = 1;
	return 0;
}

/* Eval runs newest first, leaving out a run that a newer one resumed (an
 * interrupted eval job's partial run: the resumed run holds its points). */
struct tui_fronts_evals {
	struct tui_fronts_ids v;
	store_id resumed[64];
	size_t n_resumed;
};

static int tui_fronts_eval_id(void *ctx, const struct store_run *r)
{
	struct tui_fronts_evals *e = ctx;
	for (size_t i = 0; i < e->n_resumed; i++)
		if (e->resumed[i] == r->id)
			return 0;
	if (r->resumed_from > 0 && e->n_resumed < sizeof e->resumed / sizeof e->resumed[0])
		e->resumed[e->n_resumed++] = r->resumed_from;
	return tui_fronts_id(&e->v, r);
}

/* The eval runs that measure a front, newest first, of the children of
 * `parent` (0: of the whole store), appended to ids[*n..cap). An eval's
 * --desired-grid child (param kind) holds response curves, no points, and
 * would plot empty. */
static void tui_fronts_evals_of(struct store *s, store_id parent, store_id *ids, size_t *n,
                                size_t cap)
{
	enum { LOOK = 64 };
	store_id seen[LOOK];
	struct store_run_filter f = { .stage = "eval", .parent = parent };
	struct tui_fronts_evals e = { .v = { seen, 0, LOOK } };
	store_runs_each(s, &f, tui_fronts_eval_id, &e, NULL);
	for (size_t i = 0; i < e.v.n && *n < cap; i++) {
		int curves = 0;
		store_params_each(s, seen[i], tui_fronts_curves, &curves, NULL);
		if (!curves)
			ids[(*n)++] = seen[i];
	}
}

static int tui_fronts_parent(void *ctx, const struct store_run *r)
{
	*(store_id *)ctx = r->parent;
	return 0;
}

size_t tui_fronts_eval_runs(struct store *s, const char *model, store_id *ids, size_t cap)
{
	enum { DEPTH = 16 };
	store_id run = 0;
	char real[4096];
	size_t n = 0;
	if (model && store_checkpoint_run(s, model, &run, NULL) != STORE_OK &&
	    !(realpath(model, real) && store_checkpoint_run(s, real, &run, NULL) == STORE_OK))
		run = 0;
	/* The open model's: the evals of the run that made it and of the runs
	 * it stands on (online's offline RiC, ...), nearest first, then the
	 * baselines measured beside them (an eval's children). */
	for (int d = 0; run > 0 && d < DEPTH; d++) {
		tui_fronts_evals_of(s, run, ids, &n, cap);
		store_id up = 0;
		if (store_run_get(s, run, tui_fronts_parent, &up, NULL) != STORE_OK)
			break;
		run = up;
	}
	for (size_t i = 0, own = n; i < own; i++)
		tui_fronts_evals_of(s, ids[i], ids, &n, cap);
	/* No model, or none of its own: the newest of the store. */
	if (n == 0)
		tui_fronts_evals_of(s, 0, ids, &n, cap);
	return n;
}
