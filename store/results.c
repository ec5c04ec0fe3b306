/* store/results: generated samples, evaluation points and Pareto fronts. */
#include "config.h"

#include "store/internal.h"

#include <math.h>
#include <string.h>

/* Enough for STORE_MAX_OBJ values printed with %.17g. */
#define RESULTS_VEC_MAX (STORE_MAX_OBJ * 26 + 4)

static enum store_code results_bind_vec(sqlite3_stmt *st, int i, const double *v, int n,
                                        struct store_err *err)
{
	char buf[RESULTS_VEC_MAX];
	enum store_code rc = store_vec_format(buf, sizeof buf, v, n, err);
	if (rc == STORE_OK)
		sqlite3_bind_text(st, i, buf, -1, SQLITE_TRANSIENT);
	return rc;
}

enum store_code store_samples_add(struct store *s, const struct store_sample *v, size_t n,
                                  store_id *ids_out, struct store_err *err)
{
	for (size_t i = 0; i < n; i++) {
		if (!v[i].prompt || !v[i].response)
			return store_fail(err, STORE_EINVAL, "%s: sample %zu lacks a prompt or a response",
			                  s->path, i);
		if (v[i].n < 1 || v[i].n > STORE_MAX_OBJ)
			return store_fail(err, STORE_EINVAL, "%s: sample %zu has %d objectives (1 to %d)",
			                  s->path, i, v[i].n, STORE_MAX_OBJ);
	}
	enum store_code rc = store_begin(s, err);
	if (rc)
		return rc;
	sqlite3_stmt *st = store_stmt(s, STMT_SAMPLE_ADD, err);
	if (!st)
		rc = STORE_LAST(err);
	store_id checked = 0;
	int64_t now = store_now_ms();
	for (size_t i = 0; i < n && rc == STORE_OK; i++) {
		const struct store_sample *x = &v[i];
		if (x->run != checked && (rc = store_require_run(s, x->run, err)) != STORE_OK)
			break;
		checked = x->run;
		sqlite3_bind_int64(st, 1, x->run);
		sqlite3_bind_int(st, 2, x->iteration);
		store_bind_id(st, 3, x->point);
		sqlite3_bind_text(st, 4, x->prompt, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 5, x->response, -1, SQLITE_STATIC);
		if ((rc = results_bind_vec(st, 6, x->preference, x->n, err)) ||
		    (rc = results_bind_vec(st, 7, x->desired, x->n, err)) ||
		    (rc = results_bind_vec(st, 8, x->raw, x->n, err)) ||
		    (rc = results_bind_vec(st, 9, x->norm, x->n, err))) {
			store_done(st);
			break;
		}
		if (x->kept >= 0)
			sqlite3_bind_int(st, 10, x->kept ? 1 : 0);
		sqlite3_bind_int64(st, 11, x->time_ms ? x->time_ms : now);
		rc = store_step_done(s, st, "adding a sample", err);
		if (ids_out)
			ids_out[i] = sqlite3_last_insert_rowid(s->db);
	}
	return store_end(s, rc, err);
}

struct results_walk {
	void *fn;
	void *ctx;
};

static int results_sample_row(void *ctx, sqlite3_stmt *st)
{
	struct results_walk *w = ctx;
	struct store_sample x = {
		.id = sqlite3_column_int64(st, 0), .run = sqlite3_column_int64(st, 1),
		.iteration = sqlite3_column_int(st, 2), .point = sqlite3_column_int64(st, 3),
		.prompt = store_col_text(st, 4), .response = store_col_text(st, 5),
		.kept = sqlite3_column_type(st, 10) == SQLITE_NULL ? -1 : sqlite3_column_int(st, 10),
		.time_ms = sqlite3_column_int64(st, 11),
	};
	x.n = store_vec_parse(store_col_text(st, 6), x.preference, STORE_MAX_OBJ);
	store_vec_parse(store_col_text(st, 7), x.desired, STORE_MAX_OBJ);
	store_vec_parse(store_col_text(st, 8), x.raw, STORE_MAX_OBJ);
	store_vec_parse(store_col_text(st, 9), x.norm, STORE_MAX_OBJ);
	return ((store_sample_fn)w->fn)(w->ctx, &x);
}

enum store_code store_samples_each(struct store *s, store_id run, store_sample_fn fn, void *ctx,
                                   struct store_err *err)
{
	sqlite3_stmt *st = store_stmt(s, STMT_SAMPLES_LIST, err);
	if (!st)
		return STORE_LAST(err);
	sqlite3_bind_int64(st, 1, run);
	struct results_walk w = { (void *)fn, ctx };
	return store_walk(s, st, results_sample_row, &w, "reading samples", NULL, err);
}

enum store_code store_samples_count(struct store *s, store_id run, int64_t *out,
                                    struct store_err *err)
{
	sqlite3_stmt *st = store_stmt(s, STMT_SAMPLES_COUNT, err);
	if (!st)
		return STORE_LAST(err);
	sqlite3_bind_int64(st, 1, run);
	enum store_code rc = STORE_OK;
	if (sqlite3_step(st) == SQLITE_ROW)
		*out = sqlite3_column_int64(st, 0);
	else
		rc = store_sqlerr(s, err, "counting samples");
	store_done(st);
	return rc;
}

enum store_code store_point_add(struct store *s, const struct store_point *p, store_id *out,
                                struct store_err *err)
{
	if (p->n < 1 || p->n > STORE_MAX_OBJ || p->n_samples < 0)
		return store_fail(err, STORE_EINVAL, "%s: an evaluation point needs 1 to %d objectives "
		                  "and a sample count >= 0", s->path, STORE_MAX_OBJ);
	enum store_code rc = store_begin(s, err);
	if (rc)
		return rc;
	rc = store_require_run(s, p->run, err);
	sqlite3_stmt *st = rc ? NULL : store_stmt(s, STMT_POINT_ADD, err);
	if (st) {
		sqlite3_bind_int64(st, 1, p->run);
		if (!(rc = results_bind_vec(st, 2, p->preference, p->n, err)) &&
		    !(rc = results_bind_vec(st, 3, p->raw_mean, p->n, err)) &&
		    !(rc = results_bind_vec(st, 4, p->norm_mean, p->n, err))) {
			sqlite3_bind_int64(st, 5, p->n_samples);
			sqlite3_bind_int64(st, 6, p->created_ms ? p->created_ms : store_now_ms());
			rc = store_step_done(s, st, "adding an evaluation point", err);
		} else {
			store_done(st);
		}
	} else if (!rc) {
		rc = STORE_LAST(err);
	}
	return store_end_insert(s, rc, out, err);
}

static int results_point_row(void *ctx, sqlite3_stmt *st)
{
	struct results_walk *w = ctx;
	struct store_point p = {
		.id = sqlite3_column_int64(st, 0), .run = sqlite3_column_int64(st, 1),
		.n_samples = sqlite3_column_int64(st, 5), .created_ms = sqlite3_column_int64(st, 6),
	};
	p.n = store_vec_parse(store_col_text(st, 2), p.preference, STORE_MAX_OBJ);
	store_vec_parse(store_col_text(st, 3), p.raw_mean, STORE_MAX_OBJ);
	store_vec_parse(store_col_text(st, 4), p.norm_mean, STORE_MAX_OBJ);
	return ((store_point_fn)w->fn)(w->ctx, &p);
}

static enum store_code results_points(struct store *s, enum store_stmt_id id, store_id key,
                                      store_point_fn fn, void *ctx, struct store_err *err)
{
	sqlite3_stmt *st = store_stmt(s, id, err);
	if (!st)
		return STORE_LAST(err);
	sqlite3_bind_int64(st, 1, key);
	struct results_walk w = { (void *)fn, ctx };
	return store_walk(s, st, results_point_row, &w, "reading evaluation points", NULL, err);
}

enum store_code store_points_each(struct store *s, store_id run, store_point_fn fn, void *ctx,
                                  struct store_err *err)
{
	return results_points(s, STMT_POINTS_LIST, run, fn, ctx, err);
}

enum store_code store_front_points_each(struct store *s, store_id front, store_point_fn fn,
                                        void *ctx, struct store_err *err)
{
	return results_points(s, STMT_FRONT_POINTS_LIST, front, fn, ctx, err);
}

enum store_code store_front_add(struct store *s, const struct store_front *f,
                                const store_id *points, size_t n_points, store_id *out,
                                struct store_err *err)
{
	if (!f->name || !*f->name || !isfinite(f->hypervolume) || f->hypervolume < 0)
		return store_fail(err, STORE_EINVAL, "%s: a front needs a name and a hypervolume >= 0",
		                  s->path);
	enum store_code rc = store_begin(s, err);
	if (rc)
		return rc;
	rc = store_require_run(s, f->run, err);
	sqlite3_stmt *st = rc ? NULL : store_stmt(s, STMT_FRONT_ADD, err);
	if (st) {
		sqlite3_bind_int64(st, 1, f->run);
		sqlite3_bind_text(st, 2, f->name, -1, SQLITE_STATIC);
		sqlite3_bind_double(st, 3, f->hypervolume);
		if (!(rc = results_bind_vec(st, 4, f->reference, f->n, err))) {
			sqlite3_bind_int64(st, 5, f->created_ms ? f->created_ms : store_now_ms());
			rc = store_step_done(s, st, "adding a front", err);
		} else {
			store_done(st);
		}
	} else if (!rc) {
		rc = STORE_LAST(err);
	}
	store_id id = sqlite3_last_insert_rowid(s->db);
	st = rc ? NULL : store_stmt(s, STMT_FRONT_POINT_ADD, err);
	if (!st && !rc)
		rc = STORE_LAST(err);
	for (size_t i = 0; i < n_points && rc == STORE_OK; i++) {
		sqlite3_bind_int64(st, 1, id);
		sqlite3_bind_int64(st, 2, points[i]);
		rc = store_step_done(s, st, "adding a point to a front", err);
	}
	rc = store_end(s, rc, err);
	if (rc == STORE_OK && out)
		*out = id;
	return rc;
}

static int results_front_row(void *ctx, sqlite3_stmt *st)
{
	struct results_walk *w = ctx;
	struct store_front f = {
		.id = sqlite3_column_int64(st, 0), .run = sqlite3_column_int64(st, 1),
		.name = store_col_text(st, 2), .hypervolume = sqlite3_column_double(st, 3),
		.created_ms = sqlite3_column_int64(st, 5), .n_points = sqlite3_column_int64(st, 6),
	};
	f.n = store_vec_parse(store_col_text(st, 4), f.reference, STORE_MAX_OBJ);
	return ((store_front_fn)w->fn)(w->ctx, &f);
}

enum store_code store_fronts_each(struct store *s, store_id run, store_front_fn fn, void *ctx,
                                  struct store_err *err)
{
	sqlite3_stmt *st = store_stmt(s, STMT_FRONTS_LIST, err);
	if (!st)
		return STORE_LAST(err);
	sqlite3_bind_int64(st, 1, run);
	struct results_walk w = { (void *)fn, ctx };
	return store_walk(s, st, results_front_row, &w, "reading fronts", NULL, err);
}
