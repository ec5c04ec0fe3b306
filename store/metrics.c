/* store/metrics: metric series with their latest values, and checkpoints. */
#include "config.h"

#include "store/internal.h"

#include <string.h>

enum store_code store_metrics_add(struct store *s, store_id run, const struct store_metric *m,
                                  size_t n, struct store_err *err)
{
	for (size_t i = 0; i < n; i++)
		if (!m[i].key || !*m[i].key)
			return store_fail(err, STORE_EINVAL, "%s: metric %zu has no key", s->path, i);
	enum store_code rc = store_begin(s, err);
	if (rc)
		return rc;
	rc = store_require_run(s, run, err);
	sqlite3_stmt *st = rc ? NULL : store_stmt(s, STMT_METRIC_ADD, err);
	if (!st && !rc)
		rc = STORE_LAST(err);
	int64_t now = store_now_ms();
	for (size_t i = 0; i < n && rc == STORE_OK; i++) {
		sqlite3_bind_int64(st, 1, run);
		sqlite3_bind_text(st, 2, m[i].key, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 3, m[i].step);
		sqlite3_bind_double(st, 4, m[i].value);
		sqlite3_bind_int64(st, 5, m[i].time_ms ? m[i].time_ms : now);
		rc = store_step_done(s, st, "adding a metric", err);
	}
	return store_end(s, rc, err);
}

struct metrics_walk {
	store_metric_fn fn;
	void *ctx;
};

static int metrics_row(void *ctx, sqlite3_stmt *st)
{
	struct metrics_walk *w = ctx;
	struct store_metric m = { store_col_text(st, 0), sqlite3_column_int64(st, 1),
	                          sqlite3_column_double(st, 2), sqlite3_column_int64(st, 3) };
	return w->fn(w->ctx, &m);
}

enum store_code store_metrics_latest_each(struct store *s, store_id run, store_metric_fn fn,
                                          void *ctx, struct store_err *err)
{
	sqlite3_stmt *st = store_stmt(s, STMT_METRICS_LATEST, err);
	if (!st)
		return STORE_LAST(err);
	sqlite3_bind_int64(st, 1, run);
	struct metrics_walk w = { fn, ctx };
	return store_walk(s, st, metrics_row, &w, "reading metrics", NULL, err);
}

enum store_code store_metric_series_each(struct store *s, store_id run, const char *key,
                                         store_metric_fn fn, void *ctx, struct store_err *err)
{
	sqlite3_stmt *st = store_stmt(s, STMT_METRIC_SERIES, err);
	if (!st)
		return STORE_LAST(err);
	sqlite3_bind_int64(st, 1, run);
	if (key)
		sqlite3_bind_text(st, 2, key, -1, SQLITE_STATIC);
	struct metrics_walk w = { fn, ctx };
	return store_walk(s, st, metrics_row, &w, "reading metrics", NULL, err);
}

enum store_code store_checkpoint_add(struct store *s, const struct store_checkpoint *c,
                                     store_id *out, struct store_err *err)
{
	if (!c->path || !*c->path)
		return store_fail(err, STORE_EINVAL, "%s: a checkpoint needs a path", s->path);
	if (!c->kind || (strcmp(c->kind, "policy") != 0 && strcmp(c->kind, "reward") != 0))
		return store_fail(err, STORE_EINVAL, "%s: checkpoint kind '%s' (policy or reward)",
		                  s->path, c->kind ? c->kind : "(null)");
	enum store_code rc = store_begin(s, err);
	if (rc)
		return rc;
	rc = store_require_run(s, c->run, err);
	sqlite3_stmt *st = rc ? NULL : store_stmt(s, STMT_CKPT_ADD, err);
	if (st) {
		sqlite3_bind_int64(st, 1, c->run);
		sqlite3_bind_int64(st, 2, c->step);
		sqlite3_bind_text(st, 3, c->kind, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 4, c->path, -1, SQLITE_STATIC);
		if (c->sha256)
			sqlite3_bind_text(st, 5, c->sha256, -1, SQLITE_STATIC);
		if (c->meta)
			sqlite3_bind_text(st, 6, c->meta, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 7, c->created_ms ? c->created_ms : store_now_ms());
		rc = store_step_done(s, st, "adding a checkpoint", err);
	} else if (!rc) {
		rc = STORE_LAST(err);
	}
	return store_end_insert(s, rc, out, err);
}

struct checkpoints_walk {
	store_checkpoint_fn fn;
	void *ctx;
};

static int checkpoints_row(void *ctx, sqlite3_stmt *st)
{
	struct checkpoints_walk *w = ctx;
	struct store_checkpoint c = {
		.id = sqlite3_column_int64(st, 0), .run = sqlite3_column_int64(st, 1),
		.step = sqlite3_column_int64(st, 2), .kind = store_col_text(st, 3),
		.path = store_col_text(st, 4), .sha256 = store_col_text(st, 5),
		.meta = store_col_text(st, 6), .created_ms = sqlite3_column_int64(st, 7),
	};
	return w->fn(w->ctx, &c);
}

enum store_code store_checkpoints_each(struct store *s, store_id run, store_checkpoint_fn fn,
                                       void *ctx, struct store_err *err)
{
	sqlite3_stmt *st = store_stmt(s, STMT_CKPTS_LIST, err);
	if (!st)
		return STORE_LAST(err);
	sqlite3_bind_int64(st, 1, run);
	struct checkpoints_walk w = { fn, ctx };
	return store_walk(s, st, checkpoints_row, &w, "reading checkpoints", NULL, err);
}

enum store_code store_checkpoint_run(struct store *s, const char *path, store_id *run,
                                     struct store_err *err)
{
	sqlite3_stmt *st = store_stmt(s, STMT_CKPT_RUN_OF_PATH, err);
	if (!st)
		return STORE_LAST(err);
	sqlite3_bind_text(st, 1, path, -1, SQLITE_STATIC);
	int rc = sqlite3_step(st);
	enum store_code code = STORE_OK;
	if (rc == SQLITE_ROW)
		*run = sqlite3_column_int64(st, 0);
	else if (rc == SQLITE_DONE)
		code = store_fail(err, STORE_ENOTFOUND, "%s: no checkpoint %s", s->path, path);
	else
		code = store_sqlerr(s, err, "finding a checkpoint");
	store_done(st);
	return code;
}
