/* store/data: datasets, their rows, objectives with normalisation stats, rewards. */
#include "config.h"

#include "store/internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static enum store_code data_require(struct store *s, enum store_stmt_id id, store_id key,
                                    const char *what, struct store_err *err)
{
	sqlite3_stmt *st = store_stmt(s, id, err);
	if (!st)
		return STORE_LAST(err);
	sqlite3_bind_int64(st, 1, key);
	int seen;
	enum store_code rc = store_walk(s, st, NULL, NULL, "looking up", &seen, err);
	if (rc == STORE_OK && !seen)
		rc = store_fail(err, STORE_ENOTFOUND, "%s: no %s %lld", s->path, what, (long long)key);
	return rc;
}

/* The dataset of that name, complete or not: *found 0 when there is none;
 * *complete and *importing (its import run still running) describe it. */
static enum store_code data_find_any(struct store *s, const char *name, store_id *found,
                                     int *complete, int *importing, struct store_err *err)
{
	sqlite3_stmt *st = store_stmt(s, STMT_DATASET_FIND_ANY, err);
	if (!st)
		return STORE_LAST(err);
	sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	int rc = sqlite3_step(st);
	enum store_code code = STORE_OK;
	*found = 0;
	if (rc == SQLITE_ROW) {
		*found = sqlite3_column_int64(st, 0);
		*complete = sqlite3_column_int(st, 1);
		*importing = sqlite3_column_int(st, 2);
	} else if (rc != SQLITE_DONE) {
		code = store_sqlerr(s, err, "finding a dataset");
	}
	store_done(st);
	return code;
}

static enum store_code data_create(struct store *s, const char *name, const char *source,
                                   store_id run, int complete, store_id *out, struct store_err *err)
{
	if (!name || !*name)
		return store_fail(err, STORE_EINVAL, "%s: a dataset needs a name", s->path);
	enum store_code rc = store_begin(s, err);
	if (rc)
		return rc;
	if (run)
		rc = store_require_run(s, run, err);
	store_id old = 0;
	int old_complete = 0, importing = 0;
	if (rc == STORE_OK)
		rc = data_find_any(s, name, &old, &old_complete, &importing, err);
	if (rc == STORE_OK && old && old_complete)
		rc = store_fail(err, STORE_EINVAL, "%s: there is already a dataset '%s'", s->path, name);
	else if (rc == STORE_OK && old && importing)
		rc = store_fail(err, STORE_EINVAL, "%s: dataset '%s' is being imported right now", s->path,
		                name);
	else if (rc == STORE_OK && old)
		/* What an import killed outright left behind: never visible, replaced. */
		rc = store_dataset_delete(s, old, err);
	sqlite3_stmt *st = rc ? NULL : store_stmt(s, STMT_DATASET_ADD, err);
	if (st) {
		sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
		if (source)
			sqlite3_bind_text(st, 2, source, -1, SQLITE_STATIC);
		store_bind_id(st, 3, run);
		sqlite3_bind_int64(st, 4, store_now_ms());
		sqlite3_bind_int(st, 5, complete);
		rc = store_step_done(s, st, "creating a dataset", err);
	} else if (!rc) {
		rc = STORE_LAST(err);
	}
	return store_end_insert(s, rc, out, err);
}

enum store_code store_dataset_create(struct store *s, const char *name, const char *source,
                                     store_id run, store_id *out, struct store_err *err)
{
	return data_create(s, name, source, run, 1, out, err);
}

enum store_code store_dataset_start(struct store *s, const char *name, const char *source,
                                    store_id run, store_id *out, struct store_err *err)
{
	return data_create(s, name, source, run, 0, out, err);
}

enum store_code store_dataset_complete(struct store *s, store_id dataset, struct store_err *err)
{
	sqlite3_stmt *st = store_stmt(s, STMT_DATASET_COMPLETE, err);
	if (!st)
		return STORE_LAST(err);
	enum store_code rc = store_begin(s, err);
	if (rc) {
		return rc;
	}
	sqlite3_bind_int64(st, 1, dataset);
	rc = store_step_done(s, st, "completing a dataset", err);
	if (rc == STORE_OK && sqlite3_changes(s->db) == 0)
		rc = store_fail(err, STORE_ENOTFOUND, "%s: no dataset %lld", s->path, (long long)dataset);
	return store_end(s, rc, err);
}

enum store_code store_dataset_finish(struct store *s, store_id dataset, store_id run,
                                     const struct store_metric *m, size_t n,
                                     struct store_err *err)
{
	enum store_code rc = store_begin(s, err);
	if (rc != STORE_OK)
		return rc;
	rc = store_metrics_add(s, run, m, n, err);
	if (rc == STORE_OK)
		rc = store_dataset_complete(s, dataset, err);
	if (rc == STORE_OK)
		rc = store_run_finish(s, run, "done", NULL, err);
	return store_end(s, rc, err);
}

enum store_code store_dataset_find(struct store *s, const char *name, store_id *out,
                                   struct store_err *err)
{
	sqlite3_stmt *st = store_stmt(s, STMT_DATASET_FIND, err);
	if (!st)
		return STORE_LAST(err);
	sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	int rc = sqlite3_step(st);
	enum store_code code = STORE_OK;
	if (rc == SQLITE_ROW)
		*out = sqlite3_column_int64(st, 0);
	else if (rc == SQLITE_DONE)
		code = store_fail(err, STORE_ENOTFOUND, "%s: no dataset '%s'", s->path, name);
	else
		code = store_sqlerr(s, err, "finding a dataset");
	store_done(st);
	return code;
}

struct data_walk {
	void *fn;
	void *ctx;
	struct store_row row;   /* rows: the one being gathered */
	int have_row;
	int stopped;
	int nomem;
	char *text[5];          /* rows: copies of its texts and image (a row spans several steps) */
	size_t cap[5];
};

/* A copy of p[0..n) in w->text[slot], NUL-terminated, valid until that slot
 * is reused; NULL when out of memory. */
static char *data_keep_bytes(struct data_walk *w, int slot, const void *p, size_t n)
{
	if (n + 1 > w->cap[slot]) {
		char *b = realloc(w->text[slot], n + 1);
		if (!b) {
			w->nomem = 1;
			return NULL;
		}
		w->text[slot] = b;
		w->cap[slot] = n + 1;
	}
	if (n)
		memcpy(w->text[slot], p, n);
	w->text[slot][n] = '\0';
	return w->text[slot];
}

/* A copy of text column i in w->text[slot], or NULL. */
static const char *data_keep(struct data_walk *w, int slot, sqlite3_stmt *st, int i)
{
	const char *t = store_col_text(st, i);
	return t ? data_keep_bytes(w, slot, t, (size_t)sqlite3_column_bytes(st, i)) : NULL;
}

/* A copy of blob column i in w->text[slot] with its length, or NULL. */
static const void *data_keep_blob(struct data_walk *w, int slot, sqlite3_stmt *st, int i, size_t *len)
{
	*len = 0;
	if (sqlite3_column_type(st, i) == SQLITE_NULL)
		return NULL;
	const void *b = sqlite3_column_blob(st, i);
	size_t n = (size_t)sqlite3_column_bytes(st, i);
	const void *kept = data_keep_bytes(w, slot, b, n);
	if (kept)
		*len = n;
	return kept;
}

static int data_dataset_row(void *ctx, sqlite3_stmt *st)
{
	struct data_walk *w = ctx;
	struct store_dataset d = {
		.id = sqlite3_column_int64(st, 0), .run = sqlite3_column_int64(st, 1),
		.name = store_col_text(st, 2), .source = store_col_text(st, 3),
		.created_ms = sqlite3_column_int64(st, 4), .n_rows = sqlite3_column_int64(st, 5),
	};
	return ((store_dataset_fn)w->fn)(w->ctx, &d);
}

enum store_code store_datasets_each(struct store *s, store_dataset_fn fn, void *ctx,
                                    struct store_err *err)
{
	sqlite3_stmt *st = store_stmt(s, STMT_DATASETS_LIST, err);
	if (!st)
		return STORE_LAST(err);
	struct data_walk w = { .fn = (void *)fn, .ctx = ctx };
	return store_walk(s, st, data_dataset_row, &w, "reading datasets", NULL, err);
}

enum store_code store_rows_add(struct store *s, store_id dataset, const struct store_row *rows,
                               size_t n, store_id *ids_out, struct store_err *err)
{
	for (size_t i = 0; i < n; i++) {
		const struct store_row *r = &rows[i];
		if (!r->prompt || !r->response)
			return store_fail(err, STORE_EINVAL, "%s: row %zu lacks a prompt or a response",
			                  s->path, i);
		if (r->image && (r->image_len < 8 || r->image_len > STORE_IMAGE_MAX))
			return store_fail(err, STORE_EINVAL, "%s: row %zu: an image of %zu bytes (8 to %d)",
			                  s->path, i, r->image_len, STORE_IMAGE_MAX);
		if (r->split && strcmp(r->split, "train") != 0 && strcmp(r->split, "eval") != 0)
			return store_fail(err, STORE_EINVAL, "%s: row %zu: split '%s' is neither train nor eval",
			                  s->path, i, r->split);
		if ((r->pair != 0) != (r->role != NULL) || r->pair < 0 ||
		    (r->role && strcmp(r->role, "chosen") != 0 && strcmp(r->role, "rejected") != 0))
			return store_fail(err, STORE_EINVAL, "%s: row %zu: a pair id (> 0) goes with a role "
			                  "(chosen or rejected), and neither without the other", s->path, i);
	}
	enum store_code rc = store_begin(s, err);
	if (rc)
		return rc;
	rc = data_require(s, STMT_DATASET_EXISTS, dataset, "dataset", err);
	sqlite3_stmt *st = rc ? NULL : store_stmt(s, STMT_ROW_ADD, err);
	if (!st && !rc)
		rc = STORE_LAST(err);
	for (size_t i = 0; i < n && rc == STORE_OK; i++) {
		sqlite3_bind_int64(st, 1, dataset);
		sqlite3_bind_text(st, 2, rows[i].prompt, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 3, rows[i].response, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 4, rows[i].split ? rows[i].split : "train", -1, SQLITE_STATIC);
		store_bind_id(st, 5, rows[i].pair);
		if (rows[i].role)
			sqlite3_bind_text(st, 6, rows[i].role, -1, SQLITE_STATIC);
		else
			sqlite3_bind_null(st, 6);
		if (rows[i].image)
			sqlite3_bind_blob64(st, 7, rows[i].image, rows[i].image_len, SQLITE_STATIC);
		else
			sqlite3_bind_null(st, 7);
		rc = store_step_done(s, st, "adding a row", err);
		if (ids_out)
			ids_out[i] = sqlite3_last_insert_rowid(s->db);
	}
	return store_end(s, rc, err);
}

enum store_code store_dataset_images(struct store *s, store_id dataset, int64_t *n_image,
                                     int64_t *n_rows, struct store_err *err)
{
	*n_image = *n_rows = 0;
	sqlite3_stmt *st = store_stmt(s, STMT_DATASET_IMAGES, err);
	if (!st)
		return STORE_LAST(err);
	sqlite3_bind_int64(st, 1, dataset);
	enum store_code rc = STORE_OK;
	if (sqlite3_step(st) == SQLITE_ROW) {
		*n_image = sqlite3_column_int64(st, 0);
		*n_rows = sqlite3_column_int64(st, 1);
	} else {
		rc = store_sqlerr(s, err, "counting image rows");
	}
	store_done(st);
	return rc;
}

static int data_rows_flush(struct data_walk *w)
{
	if (!w->have_row)
		return 0;
	w->have_row = 0;
	w->stopped = ((store_row_fn)w->fn)(w->ctx, &w->row);
	return w->stopped;
}

/* The join gives one line per (row, reward); gather a row's rewards first. */
static int data_rows_line(void *ctx, sqlite3_stmt *st)
{
	struct data_walk *w = ctx;
	store_id id = sqlite3_column_int64(st, 0);
	if (w->have_row && w->row.id != id && data_rows_flush(w))
		return 1;
	if (!w->have_row) {
		memset(&w->row, 0, sizeof w->row);
		w->row.id = id;
		w->have_row = 1;
		/* SQLite's text goes at the next step, and the row is handed out only
		 * after the step that shows its last reward: keep copies. */
		w->row.prompt = data_keep(w, 0, st, 1);
		w->row.response = data_keep(w, 1, st, 2);
		w->row.split = data_keep(w, 2, st, 5);
		w->row.pair = sqlite3_column_int64(st, 6);
		w->row.role = data_keep(w, 3, st, 7);
		w->row.image = data_keep_blob(w, 4, st, 8, &w->row.image_len);
		if (w->nomem)
			return 1;
	}
	if (sqlite3_column_type(st, 3) != SQLITE_NULL) {
		int pos = sqlite3_column_int(st, 3);
		if (pos >= 0 && pos < STORE_MAX_OBJ) {
			w->row.reward[pos] = sqlite3_column_double(st, 4);
			w->row.has_reward[pos] = 1;
			if (pos + 1 > w->row.n)
				w->row.n = pos + 1;
		}
	}
	return 0;
}

static int data_rows_last(void *ctx, sqlite3_stmt *st)
{
	(void)st;
	return data_rows_flush(ctx);
}

enum store_code store_rows_each(struct store *s, store_id dataset, store_row_fn fn, void *ctx,
                                struct store_err *err)
{
	return store_rows_query(s, dataset, NULL, fn, ctx, err);
}

/* Statement `which` with ?1 = id (a dataset or objective) and ?2 = split
 * (NULL: every split), or NULL with err set. */
static sqlite3_stmt *data_split_stmt(struct store *s, enum store_stmt_id which, store_id id,
                                     const char *split, struct store_err *err)
{
	sqlite3_stmt *st = store_stmt(s, which, err);
	if (!st)
		return NULL;
	sqlite3_bind_int64(st, 1, id);
	if (split)
		sqlite3_bind_text(st, 2, split, -1, SQLITE_STATIC);
	else
		sqlite3_bind_null(st, 2);
	return st;
}

enum store_code store_rows_query(struct store *s, store_id dataset, const struct store_row_query *q,
                                 store_row_fn fn, void *ctx, struct store_err *err)
{
	static const struct store_row_query all;
	if (!q)
		q = &all;
	sqlite3_stmt *st = data_split_stmt(s, STMT_ROWS_LIST, dataset, q->split, err);
	if (!st)
		return STORE_LAST(err);
	sqlite3_bind_int64(st, 3, q->after);
	sqlite3_bind_int64(st, 4, q->limit > 0 ? q->limit : -1);
	sqlite3_bind_int64(st, 5, q->lacking);
	struct data_walk w = { .fn = (void *)fn, .ctx = ctx };
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		if (data_rows_line(&w, st))
			break;
	enum store_code code = STORE_OK;
	if (w.nomem)
		code = store_fail(err, STORE_EINTERNAL, "%s: reading rows: out of memory", s->path);
	else if (rc == SQLITE_DONE || rc == SQLITE_ROW) {
		if (!w.stopped && rc == SQLITE_DONE)
			data_rows_last(&w, st);
	} else {
		code = store_sqlerr(s, err, "reading rows");
	}
	store_done(st);
	for (int i = 0; i < 5; i++)
		free(w.text[i]);
	return code;
}

enum store_code store_objective_add(struct store *s, store_id dataset, const char *name,
                                    const char *spec, store_id *out, struct store_err *err)
{
	if (!name || !*name || !spec || !*spec)
		return store_fail(err, STORE_EINVAL, "%s: an objective needs a name and a reward spec",
		                  s->path);
	enum store_code rc = store_begin(s, err);
	if (rc)
		return rc;
	rc = data_require(s, STMT_DATASET_EXISTS, dataset, "dataset", err);
	sqlite3_stmt *st = rc ? NULL : store_stmt(s, STMT_OBJ_ADD, err);
	if (st) {
		sqlite3_bind_int64(st, 1, dataset);
		sqlite3_bind_text(st, 2, name, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 3, spec, -1, SQLITE_STATIC);
		rc = store_step_done(s, st, "adding an objective", err);
	} else if (!rc) {
		rc = STORE_LAST(err);
	}
	return store_end_insert(s, rc, out, err);
}

enum store_code store_objective_set_stats(struct store *s, store_id objective, double mu,
                                          double sigma, double lo, double hi,
                                          struct store_err *err)
{
	if (!isfinite(mu) || !isfinite(sigma) || !isfinite(lo) || !isfinite(hi) || sigma <= 0 || lo > hi)
		return store_fail(err, STORE_EINVAL, "%s: objective %lld: bad stats (mu %g, sigma %g, "
		                  "lo %g, hi %g): sigma must be > 0 and lo <= hi", s->path,
		                  (long long)objective, mu, sigma, lo, hi);
	enum store_code rc = store_begin(s, err);
	if (rc)
		return rc;
	sqlite3_stmt *st = store_stmt(s, STMT_OBJ_STATS, err);
	if (st) {
		sqlite3_bind_int64(st, 1, objective);
		sqlite3_bind_double(st, 2, mu);
		sqlite3_bind_double(st, 3, sigma);
		sqlite3_bind_double(st, 4, lo);
		sqlite3_bind_double(st, 5, hi);
		rc = store_step_done(s, st, "setting objective stats", err);
		if (rc == STORE_OK && sqlite3_changes(s->db) == 0)
			rc = store_fail(err, STORE_ENOTFOUND, "%s: no objective %lld", s->path,
			                (long long)objective);
	} else {
		rc = STORE_LAST(err);
	}
	return store_end(s, rc, err);
}

static int data_objective_row(void *ctx, sqlite3_stmt *st)
{
	struct data_walk *w = ctx;
	struct store_objective o = {
		.id = sqlite3_column_int64(st, 0), .dataset = sqlite3_column_int64(st, 1),
		.pos = sqlite3_column_int(st, 2), .name = store_col_text(st, 3),
		.spec = store_col_text(st, 4), .has_stats = sqlite3_column_type(st, 5) != SQLITE_NULL,
		.mu = sqlite3_column_double(st, 5), .sigma = sqlite3_column_double(st, 6),
		.lo = sqlite3_column_double(st, 7), .hi = sqlite3_column_double(st, 8),
	};
	return ((store_objective_fn)w->fn)(w->ctx, &o);
}

enum store_code store_objectives_each(struct store *s, store_id dataset, store_objective_fn fn,
                                      void *ctx, struct store_err *err)
{
	sqlite3_stmt *st = store_stmt(s, STMT_OBJS_LIST, err);
	if (!st)
		return STORE_LAST(err);
	sqlite3_bind_int64(st, 1, dataset);
	struct data_walk w = { .fn = (void *)fn, .ctx = ctx };
	return store_walk(s, st, data_objective_row, &w, "reading objectives", NULL, err);
}

enum store_code store_rewards_add(struct store *s, const store_id *objectives, int n_obj,
                                  const store_id *rows, const double *values, size_t n,
                                  struct store_err *err)
{
	if (n_obj < 1 || n_obj > STORE_MAX_OBJ)
		return store_fail(err, STORE_EINVAL, "%s: %d objectives (1 to %d)", s->path, n_obj,
		                  STORE_MAX_OBJ);
	for (size_t i = 0; i < n * (size_t)n_obj; i++)
		if (!isfinite(values[i]))
			return store_fail(err, STORE_EINVAL, "%s: reward %zu of row %lld is not finite",
			                  s->path, i % (size_t)n_obj, (long long)rows[i / (size_t)n_obj]);
	enum store_code rc = store_begin(s, err);
	if (rc)
		return rc;
	sqlite3_stmt *st = store_stmt(s, STMT_REWARD_SET, err);
	if (!st)
		rc = STORE_LAST(err);
	for (size_t i = 0; i < n && rc == STORE_OK; i++)
		for (int j = 0; j < n_obj && rc == STORE_OK; j++) {
			sqlite3_bind_int64(st, 1, rows[i]);
			sqlite3_bind_int64(st, 2, objectives[j]);
			sqlite3_bind_double(st, 3, values[i * (size_t)n_obj + (size_t)j]);
			rc = store_step_done(s, st, "adding a reward", err);
		}
	return store_end(s, rc, err);
}

static enum store_code data_count(struct store *s, sqlite3_stmt *st, int64_t *out,
                                  struct store_err *err)
{
	int rc = sqlite3_step(st);
	enum store_code code = STORE_OK;
	if (rc == SQLITE_ROW)
		*out = sqlite3_column_int64(st, 0);
	else
		code = store_sqlerr(s, err, "counting rows");
	store_done(st);
	return code;
}

enum store_code store_rows_count(struct store *s, store_id dataset, const struct store_row_query *q,
                                 int64_t *out, struct store_err *err)
{
	static const struct store_row_query all;
	if (!q)
		q = &all;
	sqlite3_stmt *st = data_split_stmt(s, STMT_ROWS_COUNT, dataset, q->split, err);
	if (!st)
		return STORE_LAST(err);
	sqlite3_bind_int64(st, 3, q->lacking);
	return data_count(s, st, out, err);
}

static int data_pair_row(void *ctx, sqlite3_stmt *st)
{
	struct data_walk *w = ctx;
	struct store_pair p = {
		.pair = sqlite3_column_int64(st, 0), .split = store_col_text(st, 1),
		.prompt = store_col_text(st, 2), .chosen_row = sqlite3_column_int64(st, 3),
		.rejected_row = sqlite3_column_int64(st, 4), .chosen = store_col_text(st, 5),
		.rejected = store_col_text(st, 6),
	};
	return ((store_pair_fn)w->fn)(w->ctx, &p);
}

enum store_code store_pairs_each(struct store *s, store_id dataset, const char *split,
                                 store_pair_fn fn, void *ctx, struct store_err *err)
{
	sqlite3_stmt *st = data_split_stmt(s, STMT_PAIRS_LIST, dataset, split, err);
	if (!st)
		return STORE_LAST(err);
	struct data_walk w = { .fn = (void *)fn, .ctx = ctx };
	return store_walk(s, st, data_pair_row, &w, "reading pairs", NULL, err);
}

enum store_code store_pairs_count(struct store *s, store_id dataset, const char *split,
                                  int64_t *out, struct store_err *err)
{
	sqlite3_stmt *st = data_split_stmt(s, STMT_PAIRS_COUNT, dataset, split, err);
	if (!st)
		return STORE_LAST(err);
	return data_count(s, st, out, err);
}

enum store_code store_objective_find(struct store *s, store_id dataset, const char *name,
                                     store_id *out, struct store_err *err)
{
	sqlite3_stmt *st = store_stmt(s, STMT_OBJ_FIND, err);
	if (!st)
		return STORE_LAST(err);
	sqlite3_bind_int64(st, 1, dataset);
	sqlite3_bind_text(st, 2, name, -1, SQLITE_STATIC);
	int rc = sqlite3_step(st);
	enum store_code code = STORE_OK;
	if (rc == SQLITE_ROW)
		*out = sqlite3_column_int64(st, 0);
	else if (rc == SQLITE_DONE)
		code = store_fail(err, STORE_ENOTFOUND, "%s: dataset %lld has no objective '%s'", s->path,
		                  (long long)dataset, name);
	else
		code = store_sqlerr(s, err, "finding an objective");
	store_done(st);
	return code;
}

enum store_code store_objective_set_stats_from(struct store *s, store_id objective, double mu,
                                               double sigma, double lo, double hi, store_id run,
                                               int64_t n_rows, struct store_err *err)
{
	enum store_code rc = store_begin(s, err);
	if (rc)
		return rc;
	rc = store_objective_set_stats(s, objective, mu, sigma, lo, hi, err);
	if (rc == STORE_OK && run)
		rc = store_require_run(s, run, err);
	sqlite3_stmt *st = rc ? NULL : store_stmt(s, STMT_OBJ_STATS_FROM, err);
	if (st) {
		sqlite3_bind_int64(st, 1, objective);
		sqlite3_bind_double(st, 2, mu);
		sqlite3_bind_double(st, 3, sigma);
		sqlite3_bind_double(st, 4, lo);
		sqlite3_bind_double(st, 5, hi);
		store_bind_id(st, 6, run);
		sqlite3_bind_int64(st, 7, n_rows);
		rc = store_step_done(s, st, "setting objective stats", err);
	} else if (!rc) {
		rc = STORE_LAST(err);
	}
	return store_end(s, rc, err);
}

static int data_reward_row(void *ctx, sqlite3_stmt *st)
{
	struct data_walk *w = ctx;
	return ((store_reward_fn)w->fn)(w->ctx, sqlite3_column_int64(st, 0),
	                                 sqlite3_column_double(st, 1));
}

enum store_code store_rewards_each(struct store *s, store_id objective, const char *split,
                                   store_reward_fn fn, void *ctx, struct store_err *err)
{
	sqlite3_stmt *st = data_split_stmt(s, STMT_REWARDS_LIST, objective, split, err);
	if (!st)
		return STORE_LAST(err);
	struct data_walk w = { .fn = (void *)fn, .ctx = ctx };
	return store_walk(s, st, data_reward_row, &w, "reading rewards", NULL, err);
}

enum store_code store_dataset_delete(struct store *s, store_id dataset, struct store_err *err)
{
	enum store_code rc = store_begin(s, err);
	if (rc)
		return rc;
	rc = data_require(s, STMT_DATASET_EXISTS, dataset, "dataset", err);
	sqlite3_stmt *st = rc ? NULL : store_stmt(s, STMT_DATASET_DELETE, err);
	if (st) {
		sqlite3_bind_int64(st, 1, dataset);
		rc = store_step_done(s, st, "deleting a dataset", err);
	} else if (!rc) {
		rc = STORE_LAST(err);
	}
	return store_end(s, rc, err);
}

enum store_code store_objective_delete(struct store *s, store_id objective, struct store_err *err)
{
	enum store_code rc = store_begin(s, err);
	if (rc)
		return rc;
	sqlite3_stmt *st = store_stmt(s, STMT_OBJ_WHERE, err);
	store_id dataset = 0;
	int pos = 0;
	if (!st) {
		rc = STORE_LAST(err);
	} else {
		sqlite3_bind_int64(st, 1, objective);
		int step = sqlite3_step(st);
		if (step == SQLITE_ROW) {
			dataset = sqlite3_column_int64(st, 0);
			pos = sqlite3_column_int(st, 1);
		} else if (step == SQLITE_DONE) {
			rc = store_fail(err, STORE_ENOTFOUND, "%s: no objective %lld", s->path,
			                (long long)objective);
		} else {
			rc = store_sqlerr(s, err, "finding an objective");
		}
		store_done(st);
	}
	/* Positions stay 0..n-1 without a gap; UNIQUE(dataset, pos) holds at every
	 * row of an UPDATE, so the later ones step out of the way and come back. */
	static const enum store_stmt_id steps[] = { STMT_OBJ_DELETE, STMT_OBJ_SHIFT_OUT,
	                                            STMT_OBJ_SHIFT_BACK };
	for (size_t i = 0; rc == STORE_OK && i < sizeof steps / sizeof steps[0]; i++) {
		st = store_stmt(s, steps[i], err);
		if (!st) {
			rc = STORE_LAST(err);
			break;
		}
		sqlite3_bind_int64(st, 1, i == 0 ? objective : dataset);
		if (i == 1)
			sqlite3_bind_int(st, 2, pos);
		rc = store_step_done(s, st, "deleting an objective", err);
	}
	return store_end(s, rc, err);
}

struct data_orphans {
	struct store_dataset *v;
	char **names;           /* v[i].name, owned */
	size_t n, cap;
	int nomem;
};

static int data_orphan(void *ctx, const struct store_dataset *d)
{
	struct data_orphans *o = ctx;
	if (o->n == o->cap) {
		size_t cap = o->cap ? 2 * o->cap : 4;
		struct store_dataset *v = realloc(o->v, cap * sizeof *v);
		if (v)
			o->v = v;
		char **names = realloc(o->names, cap * sizeof *names);
		if (names)
			o->names = names;
		if (!v || !names) {
			o->nomem = 1;
			return 1;
		}
		o->cap = cap;
	}
	o->v[o->n] = *d;
	o->names[o->n] = strdup(d->name);
	o->v[o->n].name = o->names[o->n];
	o->v[o->n].source = NULL;
	if (!o->names[o->n]) {
		o->nomem = 1;
		return 1;
	}
	o->n++;
	return 0;
}

enum store_code store_datasets_drop_unfinished(struct store *s, store_dataset_fn fn, void *ctx,
                                               struct store_err *err)
{
	sqlite3_stmt *st = store_stmt(s, STMT_DATASETS_ORPHANED, err);
	if (!st)
		return STORE_LAST(err);
	/* Gathered first: no delete while the walk is open. */
	struct data_orphans o = { 0 };
	struct data_walk w = { .fn = (void *)data_orphan, .ctx = &o };
	enum store_code rc = store_walk(s, st, data_dataset_row, &w, "reading datasets", NULL, err);
	if (rc == STORE_OK && o.nomem)
		rc = store_fail(err, STORE_EINTERNAL, "%s: out of memory", s->path);
	for (size_t i = 0; rc == STORE_OK && i < o.n; i++) {
		rc = store_dataset_delete(s, o.v[i].id, err);
		if (rc == STORE_OK && fn)
			fn(ctx, &o.v[i]);
	}
	for (size_t i = 0; i < o.n; i++)
		free(o.names[i]);
	free(o.names);
	free(o.v);
	return rc;
}
