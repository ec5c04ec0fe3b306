/* store/internal: what the store's own files share; not for callers.
 *
 *   sqlite3_stmt *st = store_stmt(s, STMT_RUN_GET, err);   // prepared once, reset
 *   if (!st) return err->code;
 *   sqlite3_bind_int64(st, 1, id);
 *   int rc = sqlite3_step(st);
 *   ...
 *   store_done(st);                                         // reset, unbind
 *
 * Every statement the store runs is a line in STORE_STMTS: prepared on first
 * use, kept for the life of the connection, finalized in store_close().
 */
#ifndef RIC_STORE_INTERNAL_H
#define RIC_STORE_INTERNAL_H

#include "store/store.h"

#include <sqlite3.h>
#include <stdio.h>

#define RUN_COLS "id, parent_id, name, stage, status, error, created_ms, finished_ms, " \
	"resumed_from, pid, proc_start, heartbeat_ms"
#define JOB_COLS "id, run_id, argv, pid, state, step, total, tokens_per_s, eta_ms, " \
	"heartbeat_ms, error, log_path, created_ms, started_ms, finished_ms, proc_start"
#define POINT_COLS "e.id, e.run_id, e.preference, e.raw_mean, e.norm_mean, e.n_samples, e.created_ms"

#define STORE_STMTS(X) \
	X(BEGIN, "BEGIN IMMEDIATE") \
	X(COMMIT, "COMMIT") \
	X(ROLLBACK, "ROLLBACK") \
	X(SAVEPOINT, "SAVEPOINT sp") \
	X(RELEASE, "RELEASE sp") \
	X(ROLLBACK_TO, "ROLLBACK TO sp") \
	X(DATA_VERSION, "PRAGMA data_version") \
	X(RUN_INSERT, "INSERT INTO runs(name, stage, parent_id, created_ms, pid, proc_start, heartbeat_ms)" \
	  " VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?4)") \
	X(RUN_HEARTBEAT, "UPDATE runs SET heartbeat_ms = ?2 WHERE id = ?1") \
	X(RUN_RESUMED_FROM, "UPDATE runs SET resumed_from = ?2 WHERE id = ?1") \
	X(RUN_FAIL_DEAD, "UPDATE runs SET status = 'failed', error = ?2, finished_ms = ?3" \
	  " WHERE id = ?1 AND status = 'running'") \
	X(JOBS_FAIL_OF_RUN, "UPDATE jobs SET state = 'failed', error = ?2, finished_ms = ?3" \
	  " WHERE run_id = ?1 AND state = 'running'") \
	X(DATASETS_DROP_UNFINISHED, "DELETE FROM datasets WHERE run_id = ?1 AND complete = 0") \
	X(RUN_SET_NAME, "UPDATE runs SET name = ?2 WHERE id = ?1") \
	X(RUN_FINISH, "UPDATE runs SET status = ?2, error = ?3, finished_ms = ?4 WHERE id = ?1") \
	X(RUN_DELETE, "DELETE FROM runs WHERE id = ?1") \
	X(RUN_GET, "SELECT " RUN_COLS " FROM runs WHERE id = ?1") \
	X(RUNS_LIST, "SELECT " RUN_COLS " FROM runs r WHERE (?1 IS NULL OR stage = ?1)" \
	  " AND (?2 IS NULL OR EXISTS(SELECT 1 FROM tags t WHERE t.run_id = r.id AND t.tag = ?2))" \
	  " AND (?3 = 0 OR parent_id = ?3) AND (?5 IS NULL OR status = ?5) ORDER BY id DESC LIMIT ?4") \
	/* A resumed job's new run keeps its name: the name means the newest
	 * attempt, not the runs it continues. */ \
	X(RUN_BY_NAME, "SELECT id FROM runs r WHERE name = ?1 AND NOT EXISTS (SELECT 1 FROM runs n" \
	  " WHERE n.resumed_from = r.id AND n.name = r.name) LIMIT 2") \
	X(RUN_BY_TAG, "SELECT run_id FROM tags WHERE tag = ?1 LIMIT 2") \
	X(RUN_EXISTS, "SELECT 1 FROM runs WHERE id = ?1") \
	X(PARAM_SET, "INSERT INTO params(run_id, key, value) VALUES(?1, ?2, ?3)" \
	  " ON CONFLICT(run_id, key) DO UPDATE SET value = excluded.value") \
	X(PARAMS_LIST, "SELECT key, value FROM params WHERE run_id = ?1 ORDER BY key") \
	X(TAG_ADD, "INSERT OR IGNORE INTO tags(run_id, tag) VALUES(?1, ?2)") \
	X(TAG_REMOVE, "DELETE FROM tags WHERE run_id = ?1 AND tag = ?2") \
	X(TAGS_LIST, "SELECT tag FROM tags WHERE run_id = ?1 ORDER BY tag") \
	X(NOTE_ADD, "INSERT INTO notes(run_id, time_ms, text) VALUES(?1, ?2, ?3)") \
	X(NOTES_LIST, "SELECT id, time_ms, text FROM notes WHERE run_id = ?1 ORDER BY id") \
	X(METRIC_ADD, "INSERT INTO metrics(run_id, key, step, value, time_ms) VALUES(?1, ?2, ?3, ?4, ?5)" \
	  " ON CONFLICT(run_id, key, step) DO UPDATE SET value = excluded.value, time_ms = excluded.time_ms") \
	X(METRICS_LATEST, "SELECT key, step, value, time_ms FROM metrics_latest WHERE run_id = ?1 ORDER BY key") \
	X(METRIC_SERIES, "SELECT key, step, value, time_ms FROM metrics WHERE run_id = ?1" \
	  " AND (?2 IS NULL OR key = ?2) ORDER BY key, step") \
	X(CKPT_ADD, "INSERT INTO checkpoints(run_id, step, kind, path, sha256, meta, created_ms)" \
	  " VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7)") \
	X(CKPT_RUN_OF_PATH, "SELECT run_id FROM checkpoints WHERE path = ?1 ORDER BY id DESC LIMIT 1") \
	X(CKPTS_LIST, "SELECT id, run_id, step, kind, path, sha256, meta, created_ms FROM checkpoints" \
	  " WHERE run_id = ?1 ORDER BY step, id") \
	X(STORE_IN_USE, "SELECT EXISTS(SELECT 1 FROM runs) OR EXISTS(SELECT 1 FROM datasets)") \
	/* a sample naming file ?3 (bare, or as a path's last part) names ?2/?3 */ \
	X(SAMPLES_REPOINT, "UPDATE samples SET response = ?2 || '/' || ?3 WHERE run_id = ?1" \
	  " AND (response = ?3 OR substr(response, -length(?3) - 1) = '/' || ?3)") \
	X(CKPTS_REBASE, "UPDATE checkpoints SET path = ?1 || '/' || path WHERE substr(path, 1, 1) <> '/'") \
	X(DATASET_ADD, "INSERT INTO datasets(name, source, run_id, created_ms, complete)" \
	  " VALUES(?1, ?2, ?3, ?4, ?5)") \
	X(DATASETS_ORPHANED, "SELECT d.id, d.run_id, d.name, d.source, d.created_ms," \
	  " (SELECT count(*) FROM dataset_rows x WHERE x.dataset_id = d.id) FROM datasets d" \
	  " LEFT JOIN runs r ON r.id = d.run_id WHERE d.complete = 0" \
	  " AND coalesce(r.status, '') != 'running' ORDER BY d.id") \
	X(DATASET_COMPLETE, "UPDATE datasets SET complete = 1 WHERE id = ?1") \
	X(DATASET_FIND_ANY, "SELECT d.id, d.complete, coalesce(r.status, '') = 'running' FROM datasets d" \
	  " LEFT JOIN runs r ON r.id = d.run_id WHERE d.name = ?1") \
	X(ROW_SET_TEXT, "UPDATE dataset_rows SET prompt = ?3, response = ?4 WHERE id = ?1 AND dataset_id = ?2") \
	X(DATASET_FIND, "SELECT id FROM datasets WHERE name = ?1 AND complete = 1") \
	X(DATASETS_LIST, "SELECT d.id, d.run_id, d.name, d.source, d.created_ms," \
	  " (SELECT count(*) FROM dataset_rows r WHERE r.dataset_id = d.id) FROM datasets d" \
	  " WHERE d.complete = 1 ORDER BY d.id") \
	X(DATASET_EXISTS, "SELECT 1 FROM datasets WHERE id = ?1") \
	X(DATASET_IMAGES, "SELECT count(image), count(*) FROM dataset_rows WHERE dataset_id = ?1") \
	X(DATASET_DELETE, "DELETE FROM datasets WHERE id = ?1") \
	X(ROW_ADD, "INSERT INTO dataset_rows(dataset_id, prompt, response, split, pair_id, role, image)" \
	  " VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7)") \
	X(ROWS_LIST, "SELECT r.id, r.prompt, r.response, o.pos, w.value, r.split, r.pair_id, r.role, r.image" \
	  " FROM (SELECT * FROM dataset_rows r0 WHERE r0.dataset_id = ?1 AND (?2 IS NULL OR r0.split = ?2)" \
	  " AND r0.id > ?3 AND (?5 = 0 OR NOT EXISTS(SELECT 1 FROM rewards x WHERE x.row_id = r0.id" \
	  " AND x.objective_id = ?5)) ORDER BY r0.id LIMIT ?4) r" \
	  " LEFT JOIN rewards w ON w.row_id = r.id LEFT JOIN objectives o ON o.id = w.objective_id" \
	  " ORDER BY r.id, o.pos") \
	X(ROWS_COUNT, "SELECT count(*) FROM dataset_rows r0 WHERE r0.dataset_id = ?1" \
	  " AND (?2 IS NULL OR r0.split = ?2) AND (?3 = 0 OR NOT EXISTS(SELECT 1 FROM rewards x" \
	  " WHERE x.row_id = r0.id AND x.objective_id = ?3))") \
	X(PAIRS_LIST, "SELECT c.pair_id, c.split, c.prompt, c.id, r.id, c.response, r.response" \
	  " FROM dataset_rows c JOIN dataset_rows r ON r.dataset_id = c.dataset_id" \
	  " AND r.pair_id = c.pair_id AND r.role = 'rejected'" \
	  " WHERE c.dataset_id = ?1 AND c.role = 'chosen' AND (?2 IS NULL OR c.split = ?2)" \
	  " ORDER BY c.pair_id") \
	X(PAIRS_COUNT, "SELECT count(*) FROM dataset_rows c WHERE c.dataset_id = ?1" \
	  " AND c.role = 'chosen' AND (?2 IS NULL OR c.split = ?2)") \
	X(OBJ_FIND, "SELECT id FROM objectives WHERE dataset_id = ?1 AND name = ?2") \
	X(OBJ_WHERE, "SELECT dataset_id, pos FROM objectives WHERE id = ?1") \
	X(OBJ_DELETE, "DELETE FROM objectives WHERE id = ?1") \
	X(OBJ_SHIFT_OUT, "UPDATE objectives SET pos = pos + 1000000 WHERE dataset_id = ?1 AND pos > ?2") \
	X(OBJ_SHIFT_BACK, "UPDATE objectives SET pos = pos - 1000001 WHERE dataset_id = ?1" \
	  " AND pos >= 1000000") \
	X(OBJ_STATS_FROM, "UPDATE objectives SET mu = ?2, sigma = ?3, lo = ?4, hi = ?5," \
	  " stats_run_id = ?6, stats_rows = ?7 WHERE id = ?1") \
	X(REWARDS_LIST, "SELECT w.row_id, w.value FROM rewards w JOIN dataset_rows r ON r.id = w.row_id" \
	  " WHERE w.objective_id = ?1 AND (?2 IS NULL OR r.split = ?2) ORDER BY w.row_id") \
	X(OBJ_ADD, "INSERT INTO objectives(dataset_id, pos, name, spec) VALUES(?1," \
	  " (SELECT coalesce(max(pos) + 1, 0) FROM objectives WHERE dataset_id = ?1), ?2, ?3)") \
	X(OBJ_STATS, "UPDATE objectives SET mu = ?2, sigma = ?3, lo = ?4, hi = ?5 WHERE id = ?1") \
	X(OBJS_LIST, "SELECT id, dataset_id, pos, name, spec, mu, sigma, lo, hi FROM objectives" \
	  " WHERE dataset_id = ?1 ORDER BY pos") \
	X(REWARD_SET, "INSERT INTO rewards(row_id, objective_id, value) VALUES(?1, ?2, ?3)" \
	  " ON CONFLICT(row_id, objective_id) DO UPDATE SET value = excluded.value") \
	X(SAMPLE_ADD, "INSERT INTO samples(run_id, iteration, point_id, prompt, response, preference," \
	  " desired, raw, norm, kept, time_ms) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)") \
	X(SAMPLES_LIST, "SELECT id, run_id, iteration, point_id, prompt, response, preference, desired," \
	  " raw, norm, kept, time_ms FROM samples WHERE run_id = ?1 ORDER BY id") \
	X(SAMPLES_COUNT, "SELECT count(*) FROM samples WHERE run_id = ?1") \
	X(POINT_ADD, "INSERT INTO eval_points(run_id, preference, raw_mean, norm_mean, n_samples," \
	  " created_ms) VALUES(?1, ?2, ?3, ?4, ?5, ?6)") \
	X(POINTS_LIST, "SELECT " POINT_COLS " FROM eval_points e WHERE e.run_id = ?1 ORDER BY e.id") \
	X(FRONT_ADD, "INSERT INTO fronts(run_id, name, hypervolume, reference, created_ms)" \
	  " VALUES(?1, ?2, ?3, ?4, ?5)") \
	X(FRONT_POINT_ADD, "INSERT INTO front_points(front_id, point_id) VALUES(?1, ?2)") \
	X(FRONTS_LIST, "SELECT f.id, f.run_id, f.name, f.hypervolume, f.reference, f.created_ms," \
	  " (SELECT count(*) FROM front_points p WHERE p.front_id = f.id) FROM fronts f" \
	  " WHERE f.run_id = ?1 ORDER BY f.id") \
	X(FRONT_POINTS_LIST, "SELECT " POINT_COLS " FROM front_points fp JOIN eval_points e" \
	  " ON e.id = fp.point_id WHERE fp.front_id = ?1 ORDER BY e.id") \
	X(JOB_ADD, "INSERT INTO jobs(argv, log_path, created_ms) VALUES(?1, ?2, ?3)") \
	X(JOB_START, "UPDATE jobs SET state = 'running', pid = ?2, run_id = ?3, started_ms = ?4," \
	  " heartbeat_ms = ?4, proc_start = ?5 WHERE id = ?1 AND state = 'queued'") \
	X(JOB_RESUME_LINK, "UPDATE runs SET resumed_from = (SELECT j.run_id FROM jobs j WHERE j.id = ?1)" \
	  " WHERE id = ?2 AND (SELECT j.run_id FROM jobs j WHERE j.id = ?1 AND j.state = 'queued')" \
	  " BETWEEN 1 AND ?2 - 1") \
	X(JOB_PROGRESS, "UPDATE jobs SET step = ?2, total = ?3, tokens_per_s = ?4, eta_ms = ?5," \
	  " heartbeat_ms = ?6 WHERE id = ?1") \
	X(JOB_HEARTBEAT, "UPDATE jobs SET heartbeat_ms = ?2 WHERE id = ?1") \
	X(JOB_STATE, "UPDATE jobs SET state = ?2, error = ?3, finished_ms = CASE WHEN ?2 IN" \
	  " ('done', 'failed', 'cancelled') THEN ?4 END WHERE id = ?1") \
	X(JOB_GET, "SELECT " JOB_COLS " FROM jobs WHERE id = ?1") \
	X(JOBS_LIST, "SELECT " JOB_COLS " FROM jobs WHERE (?1 IS NULL OR state = ?1) ORDER BY id DESC")

enum store_stmt_id {
#define STORE_STMT_ENUM(name, sql) STMT_##name,
	STORE_STMTS(STORE_STMT_ENUM)
#undef STORE_STMT_ENUM
	STMT_COUNT
};

struct store {
	sqlite3 *db;
	char *path;
	int version;
	int depth;              /* open store_begin() levels */
	int64_t proc_pid;       /* the process runs and jobs are recorded for (store_set_process) */
	char *proc_start;
	sqlite3_stmt *stmt[STMT_COUNT];
};

enum store_code store_fail(struct store_err *err, enum store_code code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
enum store_code store_code_of(int sqlite_rc);
/* "PATH: what: sqlite message", with the code that fits the SQLite error. */
enum store_code store_sqlerr(struct store *s, struct store_err *err, const char *what);

sqlite3_stmt *store_stmt(struct store *s, enum store_stmt_id id, struct store_err *err);
void store_done(sqlite3_stmt *st);
/* Steps a statement that returns no rows, then store_done(). */
enum store_code store_step_done(struct store *s, sqlite3_stmt *st, const char *what,
                                struct store_err *err);

/* Steps a bound query, calling row(ctx, st) per row until it returns nonzero;
 * seen (may be NULL) counts the rows. Resets the statement. */
enum store_code store_walk(struct store *s, sqlite3_stmt *st, int (*row)(void *, sqlite3_stmt *),
                           void *ctx, const char *what, int *seen, struct store_err *err);
/* The code of the last failure, for calls whose err may be NULL. */
#define STORE_LAST(err) ((err) ? (err)->code : STORE_EINTERNAL)

/* id 0 binds NULL; a NULL column reads as 0. */
void store_bind_id(sqlite3_stmt *st, int i, store_id id);
const char *store_col_text(sqlite3_stmt *st, int i);

/* Vectors are stored as JSON arrays of numbers ("[0.5,-1.25]"). */
enum store_code store_vec_format(char *buf, size_t cap, const double *v, int n,
                                 struct store_err *err);
int store_vec_parse(const char *text, double *v, int max);

enum store_code store_require_run(struct store *s, store_id run, struct store_err *err);
/* The run's files folder and what is in it, once its rows are gone (run_files.c). */
void store_run_files_remove(const struct store *s, store_id run);
/* Ends a write begun with store_begin(): commit on success, else rollback. */
enum store_code store_end(struct store *s, enum store_code rc, struct store_err *err);
/* store_end for a write that inserted a row: once committed, *out (if not
 * NULL) is the id of the last row inserted. */
enum store_code store_end_insert(struct store *s, enum store_code rc, store_id *out,
                                 struct store_err *err);

/* schema.c */
extern const int schema_application_id;
int schema_latest(void);
enum store_code schema_migrate(struct store *s, int from, struct store_err *err);
/* Tests only: one more step, to version STORE_SCHEMA_VERSION + 1 (NULL: none). */
void schema_test_set_extra_step(const char *sql);

#endif
