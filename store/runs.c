/* store/runs: runs and their lineage, parameters, tags and notes. */
#include "config.h"

#include "store/internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *const store_stages[] = {
	"import", "relabel", "pretrain", "sft", "online", "eval", "rm-train", "generate", NULL
};

static int runs_in(const char *const *set, const char *v)
{
	for (; v && *set; set++)
		if (strcmp(*set, v) == 0)
			return 1;
	return 0;
}

static void runs_read(sqlite3_stmt *st, struct store_run *r)
{
	r->id = sqlite3_column_int64(st, 0);
	r->parent = sqlite3_column_int64(st, 1);
	r->name = store_col_text(st, 2);
	r->stage = store_col_text(st, 3);
	r->status = store_col_text(st, 4);
	r->error = store_col_text(st, 5);
	r->created_ms = sqlite3_column_int64(st, 6);
	r->finished_ms = sqlite3_column_int64(st, 7);
	r->resumed_from = sqlite3_column_int64(st, 8);
	r->pid = sqlite3_column_int64(st, 9);
	r->proc_start = store_col_text(st, 10);
	r->heartbeat_ms = sqlite3_column_int64(st, 11);
}

enum store_code store_set_process(struct store *s, int64_t pid, const char *proc_start,
                                  struct store_err *err)
{
	char *copy = proc_start ? strdup(proc_start) : NULL;
	if (proc_start && !copy)
		return store_fail(err, STORE_EINTERNAL, "%s: out of memory", s->path);
	free(s->proc_start);
	s->proc_start = copy;
	s->proc_pid = pid;
	return STORE_OK;
}

enum store_code store_run_create(struct store *s, const char *stage, const char *name,
                                 store_id parent, store_id *out, struct store_err *err)
{
	if (!runs_in(store_stages, stage))
		return store_fail(err, STORE_EINVAL, "%s: unknown stage '%s'", s->path,
		                  stage ? stage : "(null)");
	enum store_code rc = store_begin(s, err);
	if (rc)
		return rc;
	if (parent)
		rc = store_require_run(s, parent, err);
	sqlite3_stmt *st = rc ? NULL : store_stmt(s, STMT_RUN_INSERT, err);
	if (st) {
		/* The default name needs the id: insert the stage, then rename. */
		sqlite3_bind_text(st, 1, name ? name : stage, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 2, stage, -1, SQLITE_STATIC);
		store_bind_id(st, 3, parent);
		sqlite3_bind_int64(st, 4, store_now_ms());
		store_bind_id(st, 5, s->proc_pid);
		if (s->proc_pid && s->proc_start)
			sqlite3_bind_text(st, 6, s->proc_start, -1, SQLITE_STATIC);
		rc = store_step_done(s, st, "creating a run", err);
	} else if (!rc) {
		rc = STORE_LAST(err);
	}
	store_id id = sqlite3_last_insert_rowid(s->db);
	if (rc == STORE_OK && !name) {
		char buf[64];
		snprintf(buf, sizeof buf, "%s-%lld", stage, (long long)id);
		st = store_stmt(s, STMT_RUN_SET_NAME, err);
		if (!st)
			rc = STORE_LAST(err);
		else {
			sqlite3_bind_int64(st, 1, id);
			sqlite3_bind_text(st, 2, buf, -1, SQLITE_TRANSIENT);
			rc = store_step_done(s, st, "naming a run", err);
		}
	}
	rc = store_end(s, rc, err);
	if (rc == STORE_OK && out)
		*out = id;
	return rc;
}

enum store_code store_run_finish(struct store *s, store_id run, const char *status,
                                 const char *error, struct store_err *err)
{
	static const char *const ends[] = { "done", "failed", "cancelled", NULL };
	if (!runs_in(ends, status))
		return store_fail(err, STORE_EINVAL, "%s: a run cannot finish as '%s'", s->path,
		                  status ? status : "(null)");
	if (strcmp(status, "failed") == 0 && (!error || !*error))
		return store_fail(err, STORE_EINVAL, "%s: a failed run needs an error message", s->path);
	enum store_code rc = store_begin(s, err);
	if (rc)
		return rc;
	rc = store_require_run(s, run, err);
	sqlite3_stmt *st = rc ? NULL : store_stmt(s, STMT_RUN_FINISH, err);
	if (st) {
		sqlite3_bind_int64(st, 1, run);
		sqlite3_bind_text(st, 2, status, -1, SQLITE_STATIC);
		if (error)
			sqlite3_bind_text(st, 3, error, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 4, store_now_ms());
		rc = store_step_done(s, st, "finishing a run", err);
	} else if (!rc) {
		rc = STORE_LAST(err);
	}
	return store_end(s, rc, err);
}

/* One bound update of an existing run, in a transaction. */
static enum store_code runs_update(struct store *s, store_id run, sqlite3_stmt *st,
                                   const char *what, struct store_err *err)
{
	enum store_code rc = store_begin(s, err);
	if (rc) {
		store_done(st);
		return rc;
	}
	rc = store_require_run(s, run, err);
	if (rc == STORE_OK)
		rc = store_step_done(s, st, what, err);
	else
		store_done(st);
	return store_end(s, rc, err);
}

enum store_code store_run_heartbeat(struct store *s, store_id run, struct store_err *err)
{
	sqlite3_stmt *st = store_stmt(s, STMT_RUN_HEARTBEAT, err);
	if (!st)
		return STORE_LAST(err);
	sqlite3_bind_int64(st, 1, run);
	sqlite3_bind_int64(st, 2, store_now_ms());
	return runs_update(s, run, st, "recording a heartbeat", err);
}

enum store_code store_run_set_resumed_from(struct store *s, store_id run, store_id from,
                                           struct store_err *err)
{
	if (from <= 0 || from >= run)
		return store_fail(err, STORE_EINVAL, "%s: run %lld cannot continue run %lld (not an "
		                  "older run)", s->path, (long long)run, (long long)from);
	enum store_code rc = store_begin(s, err);
	if (rc)
		return rc;
	rc = store_require_run(s, from, err);
	sqlite3_stmt *st = rc ? NULL : store_stmt(s, STMT_RUN_RESUMED_FROM, err);
	if (st) {
		sqlite3_bind_int64(st, 1, run);
		sqlite3_bind_int64(st, 2, from);
		rc = runs_update(s, run, st, "linking a resumed run", err);
	} else if (!rc) {
		rc = STORE_LAST(err);
	}
	return store_end(s, rc, err);
}

/* Runs statement `id` bound to (run, error, now). */
static enum store_code runs_fail_step(struct store *s, enum store_stmt_id id, store_id run,
                                      const char *error, int64_t now, int *changed,
                                      struct store_err *err)
{
	sqlite3_stmt *st = store_stmt(s, id, err);
	if (!st)
		return STORE_LAST(err);
	sqlite3_bind_int64(st, 1, run);
	if (error)
		sqlite3_bind_text(st, 2, error, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, now);
	enum store_code rc = store_step_done(s, st, "marking a dead run failed", err);
	if (rc == STORE_OK && changed)
		*changed = sqlite3_changes(s->db) > 0;
	return rc;
}

enum store_code store_run_fail_dead(struct store *s, store_id run, const char *error,
                                    int *changed, struct store_err *err)
{
	if (!error || !*error)
		return store_fail(err, STORE_EINVAL, "%s: a failed run needs an error message", s->path);
	int64_t now = store_now_ms();
	int did = 0;
	enum store_code rc = store_begin(s, err);
	if (rc)
		return rc;
	rc = runs_fail_step(s, STMT_RUN_FAIL_DEAD, run, error, now, &did, err);
	/* Only what this call found running: a run finished meanwhile keeps its end. */
	if (rc == STORE_OK && did)
		rc = runs_fail_step(s, STMT_JOBS_FAIL_OF_RUN, run, error, now, NULL, err);
	if (rc == STORE_OK && did)
		rc = runs_fail_step(s, STMT_DATASETS_DROP_UNFINISHED, run, NULL, now, NULL, err);
	rc = store_end(s, rc, err);
	if (changed)
		*changed = rc == STORE_OK && did;
	return rc;
}

enum store_code store_run_delete(struct store *s, store_id run, struct store_err *err)
{
	enum store_code rc = store_begin(s, err);
	if (rc)
		return rc;
	rc = store_require_run(s, run, err);
	sqlite3_stmt *st = rc ? NULL : store_stmt(s, STMT_RUN_DELETE, err);
	if (st) {
		sqlite3_bind_int64(st, 1, run);
		rc = store_step_done(s, st, "deleting a run", err);
	} else if (!rc) {
		rc = STORE_LAST(err);
	}
	rc = store_end(s, rc, err);
	if (rc == STORE_OK && s->depth == 0) /* committed, not inside a caller's transaction */
		store_run_files_remove(s, run);
	return rc;
}

struct runs_walk {
	void *fn;
	void *ctx;
};

static int runs_row(void *ctx, sqlite3_stmt *st)
{
	struct runs_walk *w = ctx;
	struct store_run r;
	runs_read(st, &r);
	return ((store_run_fn)w->fn)(w->ctx, &r);
}

enum store_code store_run_get(struct store *s, store_id run, store_run_fn fn, void *ctx,
                              struct store_err *err)
{
	sqlite3_stmt *st = store_stmt(s, STMT_RUN_GET, err);
	if (!st)
		return STORE_LAST(err);
	sqlite3_bind_int64(st, 1, run);
	struct runs_walk w = { (void *)fn, ctx };
	int seen;
	enum store_code rc = store_walk(s, st, runs_row, &w, "reading a run", &seen, err);
	if (rc == STORE_OK && !seen)
		rc = store_fail(err, STORE_ENOTFOUND, "%s: no run %lld", s->path, (long long)run);
	return rc;
}

enum store_code store_runs_each(struct store *s, const struct store_run_filter *f,
                                store_run_fn fn, void *ctx, struct store_err *err)
{
	static const struct store_run_filter all = { 0 };
	if (!f)
		f = &all;
	sqlite3_stmt *st = store_stmt(s, STMT_RUNS_LIST, err);
	if (!st)
		return STORE_LAST(err);
	if (f->stage)
		sqlite3_bind_text(st, 1, f->stage, -1, SQLITE_STATIC);
	if (f->tag)
		sqlite3_bind_text(st, 2, f->tag, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, f->parent);
	sqlite3_bind_int64(st, 4, f->limit > 0 ? f->limit : -1);
	if (f->status)
		sqlite3_bind_text(st, 5, f->status, -1, SQLITE_STATIC);
	struct runs_walk w = { (void *)fn, ctx };
	return store_walk(s, st, runs_row, &w, "reading runs", NULL, err);
}

/* The ids a one-text-parameter query returns (at most two are asked for). */
static enum store_code runs_lookup(struct store *s, enum store_stmt_id id, const char *text,
                                   store_id found[2], int *n, struct store_err *err)
{
	sqlite3_stmt *st = store_stmt(s, id, err);
	if (!st)
		return STORE_LAST(err);
	sqlite3_bind_text(st, 1, text, -1, SQLITE_STATIC);
	int rc;
	*n = 0;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW && *n < 2)
		found[(*n)++] = sqlite3_column_int64(st, 0);
	enum store_code code = (rc == SQLITE_ROW || rc == SQLITE_DONE) ? STORE_OK
	                                                                : store_sqlerr(s, err, "finding a run");
	store_done(st);
	return code;
}

enum store_code store_run_resolve(struct store *s, const char *ref, store_id *out,
                                  struct store_err *err)
{
	if (!ref || !*ref)
		return store_fail(err, STORE_EINVAL, "%s: empty run reference", s->path);
	char *end;
	long long v = strtoll(ref, &end, 10);
	if (*end == '\0' && v > 0) {
		enum store_code rc = store_require_run(s, v, err);
		if (rc == STORE_OK)
			*out = v;
		return rc;
	}
	static const enum store_stmt_id ways[] = { STMT_RUN_BY_NAME, STMT_RUN_BY_TAG };
	static const char *const what[] = { "name", "tag" };
	for (int w = 0; w < 2; w++) {
		store_id found[2];
		int n = 0;
		enum store_code rc = runs_lookup(s, ways[w], ref, found, &n, err);
		if (rc)
			return rc;
		if (n > 1)
			return store_fail(err, STORE_EINVAL, "%s: several runs have the %s '%s'; "
			                  "name the run by its id", s->path, what[w], ref);
		if (n == 1) {
			*out = found[0];
			return STORE_OK;
		}
	}
	return store_fail(err, STORE_ENOTFOUND, "%s: no run with the id, name or tag '%s'",
	                  s->path, ref);
}

/* ---- params, tags, notes ----------------------------------------------- */

/* One write statement bound by `bind`, in a transaction, for an existing run. */
static enum store_code runs_write(struct store *s, store_id run, enum store_stmt_id id,
                                  const char *a, const char *b, const char *what,
                                  struct store_err *err)
{
	enum store_code rc = store_begin(s, err);
	if (rc)
		return rc;
	rc = store_require_run(s, run, err);
	sqlite3_stmt *st = rc ? NULL : store_stmt(s, id, err);
	if (st) {
		sqlite3_bind_int64(st, 1, run);
		sqlite3_bind_text(st, 2, a, -1, SQLITE_STATIC);
		if (b)
			sqlite3_bind_text(st, 3, b, -1, SQLITE_STATIC);
		rc = store_step_done(s, st, what, err);
	} else if (!rc) {
		rc = STORE_LAST(err);
	}
	return store_end(s, rc, err);
}

enum store_code store_param_set(struct store *s, store_id run, const char *key,
                                const char *value, struct store_err *err)
{
	if (!key || !*key || !value)
		return store_fail(err, STORE_EINVAL, "%s: a parameter needs a key and a value", s->path);
	return runs_write(s, run, STMT_PARAM_SET, key, value, "setting a parameter", err);
}

enum store_code store_tag_add(struct store *s, store_id run, const char *tag, struct store_err *err)
{
	if (!tag || !*tag)
		return store_fail(err, STORE_EINVAL, "%s: empty tag", s->path);
	return runs_write(s, run, STMT_TAG_ADD, tag, NULL, "tagging a run", err);
}

enum store_code store_tag_remove(struct store *s, store_id run, const char *tag, struct store_err *err)
{
	if (!tag)
		return store_fail(err, STORE_EINVAL, "%s: no tag given", s->path);
	enum store_code rc = runs_write(s, run, STMT_TAG_REMOVE, tag, NULL, "untagging a run", err);
	if (rc == STORE_OK && sqlite3_changes(s->db) == 0)
		rc = store_fail(err, STORE_ENOTFOUND, "%s: run %lld has no tag '%s'", s->path,
		                (long long)run, tag);
	return rc;
}

enum store_code store_note_add(struct store *s, store_id run, const char *text, store_id *out,
                               struct store_err *err)
{
	if (!text)
		return store_fail(err, STORE_EINVAL, "%s: no note text", s->path);
	enum store_code rc = store_begin(s, err);
	if (rc)
		return rc;
	rc = store_require_run(s, run, err);
	sqlite3_stmt *st = rc ? NULL : store_stmt(s, STMT_NOTE_ADD, err);
	if (st) {
		sqlite3_bind_int64(st, 1, run);
		sqlite3_bind_int64(st, 2, store_now_ms());
		sqlite3_bind_text(st, 3, text, -1, SQLITE_STATIC);
		rc = store_step_done(s, st, "adding a note", err);
	} else if (!rc) {
		rc = STORE_LAST(err);
	}
	return store_end_insert(s, rc, out, err);
}

static int runs_param_row(void *ctx, sqlite3_stmt *st)
{
	struct runs_walk *w = ctx;
	return ((store_kv_fn)w->fn)(w->ctx, store_col_text(st, 0), store_col_text(st, 1));
}

static int runs_tag_row(void *ctx, sqlite3_stmt *st)
{
	struct runs_walk *w = ctx;
	return ((store_tag_fn)w->fn)(w->ctx, store_col_text(st, 0));
}

static int runs_note_row(void *ctx, sqlite3_stmt *st)
{
	struct runs_walk *w = ctx;
	struct store_note n = { sqlite3_column_int64(st, 0), sqlite3_column_int64(st, 1),
	                        store_col_text(st, 2) };
	return ((store_note_fn)w->fn)(w->ctx, &n);
}

/* One run's rows of a per-run list through a row adapter. */
static enum store_code runs_list(struct store *s, enum store_stmt_id id, store_id run,
                                 int (*row)(void *, sqlite3_stmt *), void *fn, void *ctx,
                                 const char *what, struct store_err *err)
{
	sqlite3_stmt *st = store_stmt(s, id, err);
	if (!st)
		return STORE_LAST(err);
	sqlite3_bind_int64(st, 1, run);
	struct runs_walk w = { fn, ctx };
	return store_walk(s, st, row, &w, what, NULL, err);
}

enum store_code store_params_each(struct store *s, store_id run, store_kv_fn fn, void *ctx,
                                  struct store_err *err)
{
	return runs_list(s, STMT_PARAMS_LIST, run, runs_param_row, (void *)fn, ctx,
	                 "reading parameters", err);
}

enum store_code store_tags_each(struct store *s, store_id run, store_tag_fn fn, void *ctx,
                                struct store_err *err)
{
	return runs_list(s, STMT_TAGS_LIST, run, runs_tag_row, (void *)fn, ctx, "reading tags", err);
}

enum store_code store_notes_each(struct store *s, store_id run, store_note_fn fn, void *ctx,
                                 struct store_err *err)
{
	return runs_list(s, STMT_NOTES_LIST, run, runs_note_row, (void *)fn, ctx, "reading notes", err);
}
