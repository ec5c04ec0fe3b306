/* store/jobs: background jobs as the TUI sees them (state, progress, heartbeat). */
#include "config.h"

#include "store/internal.h"

#include <math.h>
#include <string.h>

static const char *const jobs_states[] = { "queued", "running", "done", "failed", "cancelled", NULL };

static int jobs_state_known(const char *state)
{
	for (const char *const *p = jobs_states; state && *p; p++)
		if (strcmp(*p, state) == 0)
			return 1;
	return 0;
}

enum store_code store_job_create(struct store *s, const char *argv, const char *log_path,
                                 store_id *out, struct store_err *err)
{
	if (!argv || !*argv)
		return store_fail(err, STORE_EINVAL, "%s: a job needs a command line", s->path);
	enum store_code rc = store_begin(s, err);
	if (rc)
		return rc;
	sqlite3_stmt *st = store_stmt(s, STMT_JOB_ADD, err);
	if (st) {
		sqlite3_bind_text(st, 1, argv, -1, SQLITE_STATIC);
		if (log_path)
			sqlite3_bind_text(st, 2, log_path, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 3, store_now_ms());
		rc = store_step_done(s, st, "creating a job", err);
	} else {
		rc = STORE_LAST(err);
	}
	return store_end_insert(s, rc, out, err);
}

/* Runs a bound update on one job; no row changed means no such job (or, with
 * `state_hint`, not in the state the update needs). */
static enum store_code jobs_update(struct store *s, sqlite3_stmt *st, store_id job,
                                   const char *what, const char *state_hint, struct store_err *err)
{
	enum store_code rc = store_begin(s, err);
	if (rc) {
		store_done(st);
		return rc;
	}
	rc = store_step_done(s, st, what, err);
	if (rc == STORE_OK && sqlite3_changes(s->db) == 0)
		rc = store_fail(err, STORE_ENOTFOUND, "%s: no job %lld%s%s", s->path, (long long)job,
		                state_hint ? " " : "", state_hint ? state_hint : "");
	return store_end(s, rc, err);
}

enum store_code store_job_start(struct store *s, store_id job, int64_t pid, store_id run,
                                struct store_err *err)
{
	enum store_code rc = store_begin(s, err);
	if (rc)
		return rc;
	/* Before the job forgets it: the run it had is the one the new run continues. */
	sqlite3_stmt *st = run ? store_stmt(s, STMT_JOB_RESUME_LINK, err) : NULL;
	if (st) {
		sqlite3_bind_int64(st, 1, job);
		sqlite3_bind_int64(st, 2, run);
		rc = store_step_done(s, st, "linking a resumed run", err);
	} else if (run) {
		rc = STORE_LAST(err);
	}
	st = rc ? NULL : store_stmt(s, STMT_JOB_START, err);
	if (st) {
		sqlite3_bind_int64(st, 1, job);
		sqlite3_bind_int64(st, 2, pid);
		store_bind_id(st, 3, run);
		sqlite3_bind_int64(st, 4, store_now_ms());
		if (pid == s->proc_pid && s->proc_start)
			sqlite3_bind_text(st, 5, s->proc_start, -1, SQLITE_STATIC);
		rc = jobs_update(s, st, job, "starting a job", "waiting in the queue", err);
	} else if (!rc) {
		rc = STORE_LAST(err);
	}
	return store_end(s, rc, err);
}

enum store_code store_job_progress(struct store *s, store_id job, int64_t step, int64_t total,
                                   double tokens_per_s, int64_t eta_ms, struct store_err *err)
{
	if (step < 0 || total < 0 || !isfinite(tokens_per_s) || tokens_per_s < 0)
		return store_fail(err, STORE_EINVAL, "%s: job %lld: bad progress (step %lld of %lld)",
		                  s->path, (long long)job, (long long)step, (long long)total);
	sqlite3_stmt *st = store_stmt(s, STMT_JOB_PROGRESS, err);
	if (!st)
		return STORE_LAST(err);
	sqlite3_bind_int64(st, 1, job);
	sqlite3_bind_int64(st, 2, step);
	sqlite3_bind_int64(st, 3, total);
	sqlite3_bind_double(st, 4, tokens_per_s);
	sqlite3_bind_int64(st, 5, eta_ms < 0 ? -1 : eta_ms);
	sqlite3_bind_int64(st, 6, store_now_ms());
	return jobs_update(s, st, job, "recording job progress", NULL, err);
}

enum store_code store_job_heartbeat(struct store *s, store_id job, struct store_err *err)
{
	sqlite3_stmt *st = store_stmt(s, STMT_JOB_HEARTBEAT, err);
	if (!st)
		return STORE_LAST(err);
	sqlite3_bind_int64(st, 1, job);
	sqlite3_bind_int64(st, 2, store_now_ms());
	return jobs_update(s, st, job, "recording a heartbeat", NULL, err);
}

enum store_code store_job_set_state(struct store *s, store_id job, const char *state,
                                    const char *error, struct store_err *err)
{
	if (!jobs_state_known(state) || strcmp(state, "running") == 0)
		return store_fail(err, STORE_EINVAL, "%s: job state '%s' (queued, done, failed or "
		                  "cancelled; store_job_start makes a job running)", s->path,
		                  state ? state : "(null)");
	if (strcmp(state, "failed") == 0 && (!error || !*error))
		return store_fail(err, STORE_EINVAL, "%s: a failed job needs an error message", s->path);
	sqlite3_stmt *st = store_stmt(s, STMT_JOB_STATE, err);
	if (!st)
		return STORE_LAST(err);
	sqlite3_bind_int64(st, 1, job);
	sqlite3_bind_text(st, 2, state, -1, SQLITE_STATIC);
	if (error)
		sqlite3_bind_text(st, 3, error, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 4, store_now_ms());
	return jobs_update(s, st, job, "setting a job state", NULL, err);
}

struct jobs_walk {
	store_job_fn fn;
	void *ctx;
};

static int jobs_row(void *ctx, sqlite3_stmt *st)
{
	struct jobs_walk *w = ctx;
	struct store_job j = {
		.id = sqlite3_column_int64(st, 0), .run = sqlite3_column_int64(st, 1),
		.argv = store_col_text(st, 2), .pid = sqlite3_column_int64(st, 3),
		.state = store_col_text(st, 4), .step = sqlite3_column_int64(st, 5),
		.total = sqlite3_column_int64(st, 6), .tokens_per_s = sqlite3_column_double(st, 7),
		.eta_ms = sqlite3_column_int64(st, 8), .heartbeat_ms = sqlite3_column_int64(st, 9),
		.error = store_col_text(st, 10), .log_path = store_col_text(st, 11),
		.created_ms = sqlite3_column_int64(st, 12), .started_ms = sqlite3_column_int64(st, 13),
		.finished_ms = sqlite3_column_int64(st, 14), .proc_start = store_col_text(st, 15),
	};
	return w->fn(w->ctx, &j);
}

enum store_code store_job_get(struct store *s, store_id job, store_job_fn fn, void *ctx,
                              struct store_err *err)
{
	sqlite3_stmt *st = store_stmt(s, STMT_JOB_GET, err);
	if (!st)
		return STORE_LAST(err);
	sqlite3_bind_int64(st, 1, job);
	struct jobs_walk w = { fn, ctx };
	int seen;
	enum store_code rc = store_walk(s, st, jobs_row, &w, "reading a job", &seen, err);
	if (rc == STORE_OK && !seen)
		rc = store_fail(err, STORE_ENOTFOUND, "%s: no job %lld", s->path, (long long)job);
	return rc;
}

enum store_code store_jobs_each(struct store *s, const char *state, store_job_fn fn, void *ctx,
                                struct store_err *err)
{
	sqlite3_stmt *st = store_stmt(s, STMT_JOBS_LIST, err);
	if (!st)
		return STORE_LAST(err);
	if (state)
		sqlite3_bind_text(st, 1, state, -1, SQLITE_STATIC);
	struct jobs_walk w = { fn, ctx };
	return store_walk(s, st, jobs_row, &w, "reading jobs", NULL, err);
}
