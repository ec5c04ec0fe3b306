/* store/check: integrity, foreign keys and the store's own invariants; vacuum. */
#include "config.h"

#include "store/internal.h"

#include <stdio.h>
#include <string.h>

/* Each query returns the things that break one rule; the message names them. */
static const struct {
	const char *noun;     /* "run", then the ids the query returns */
	const char *problem;
	const char *sql;
} check_rules[] = {
	{ "run", "its status and its finish time disagree",
	  "SELECT id FROM runs WHERE (status = 'running') != (finished_ms IS NULL)" },
	{ "run", "failed without an error message",
	  "SELECT id FROM runs WHERE status = 'failed' AND coalesce(error, '') = ''" },
	{ "run", "its parent is not an older run",
	  "SELECT id FROM runs WHERE parent_id IS NOT NULL AND parent_id >= id" },
	{ "run", "it continues a run that is not older",
	  "SELECT id FROM runs WHERE resumed_from IS NOT NULL AND resumed_from >= id" },
	{ "dataset", "incomplete: its import stopped before the end (importing it again"
	  " under the same name replaces it)",
	  "SELECT d.id || ' (' || d.name || ')' FROM datasets d LEFT JOIN runs r ON r.id = d.run_id"
	  " WHERE d.complete = 0 AND coalesce(r.status, '') != 'running'" },
	{ "metric", "the latest-value table disagrees with the series",
	  "SELECT l.run_id || '/' || l.key FROM metrics_latest l WHERE NOT EXISTS("
	  "SELECT 1 FROM metrics m WHERE m.run_id = l.run_id AND m.key = l.key AND m.step = l.step"
	  " AND m.value IS l.value) OR l.step != (SELECT max(step) FROM metrics m"
	  " WHERE m.run_id = l.run_id AND m.key = l.key)" },
	{ "metric", "missing from the latest-value table",
	  "SELECT DISTINCT m.run_id || '/' || m.key FROM metrics m WHERE NOT EXISTS("
	  "SELECT 1 FROM metrics_latest l WHERE l.run_id = m.run_id AND l.key = m.key)" },
	{ "reward (row/objective)", "the row and the objective belong to different datasets",
	  "SELECT w.row_id || '/' || w.objective_id FROM rewards w"
	  " JOIN dataset_rows r ON r.id = w.row_id JOIN objectives o ON o.id = w.objective_id"
	  " WHERE r.dataset_id != o.dataset_id" },
	{ "pair (dataset/pair)", "not one chosen and one rejected row of one prompt and split",
	  "SELECT dataset_id || '/' || pair_id FROM dataset_rows WHERE pair_id IS NOT NULL"
	  " GROUP BY dataset_id, pair_id HAVING count(*) != 2 OR count(DISTINCT role) != 2"
	  " OR count(DISTINCT split) != 1 OR count(DISTINCT prompt) != 1" },
	{ "objective", "its position leaves a gap",
	  "SELECT o.id FROM objectives o WHERE o.pos >= (SELECT count(*) FROM objectives p"
	  " WHERE p.dataset_id = o.dataset_id)" },
	{ "objective", "bad normalisation stats (sigma <= 0, lo > hi or partly set)",
	  "SELECT id FROM objectives WHERE (mu IS NULL) != (sigma IS NULL) OR (mu IS NULL) != (lo IS NULL)"
	  " OR (mu IS NULL) != (hi IS NULL) OR sigma <= 0 OR lo > hi" },
	{ "job", "its state and its finish time disagree",
	  "SELECT id FROM jobs WHERE (state IN ('done', 'failed', 'cancelled')) != (finished_ms IS NOT NULL)" },
	{ "job", "running without a pid or a start time",
	  "SELECT id FROM jobs WHERE state = 'running' AND (pid IS NULL OR started_ms IS NULL)" },
	{ "job", "failed without an error message",
	  "SELECT id FROM jobs WHERE state = 'failed' AND coalesce(error, '') = ''" },
	{ "job", "step past the total",
	  "SELECT id FROM jobs WHERE total > 0 AND step > total" },
	{ "sample", "its vectors are not arrays of one length",
	  "SELECT id FROM samples WHERE NOT (json_valid(preference) AND json_valid(desired)"
	  " AND json_valid(raw) AND json_valid(norm)) OR json_array_length(preference)"
	  " != json_array_length(desired) OR json_array_length(preference) != json_array_length(raw)"
	  " OR json_array_length(preference) != json_array_length(norm) OR json_array_length(preference) < 1" },
	{ "sample", "its evaluation point belongs to another run",
	  "SELECT s.id FROM samples s JOIN eval_points e ON e.id = s.point_id WHERE e.run_id != s.run_id" },
	{ "evaluation point", "its vectors are not arrays of one length",
	  "SELECT id FROM eval_points WHERE NOT (json_valid(preference) AND json_valid(raw_mean)"
	  " AND json_valid(norm_mean)) OR json_array_length(preference) != json_array_length(raw_mean)"
	  " OR json_array_length(preference) != json_array_length(norm_mean)"
	  " OR json_array_length(preference) < 1" },
	{ "front", "its reference point is not an array",
	  "SELECT id FROM fronts WHERE NOT json_valid(reference) OR json_type(reference) != 'array'"
	  " OR hypervolume < 0" },
};

struct check_state {
	struct store *s;
	store_problem_fn fn;
	void *ctx;
	int64_t n;
};

static void check_report(struct check_state *c, const char *line)
{
	c->n++;
	if (c->fn)
		c->fn(c->ctx, line);
}

/* Runs one query and reports each row (columns joined by spaces) as
 * "noun COLUMNS: problem", or "noun: COLUMNS" without a problem; ok_text is a single-row answer that means "no problem". */
static enum store_code check_query(struct check_state *c, const char *sql, const char *noun,
                                   const char *problem, const char *ok_text, struct store_err *err)
{
	sqlite3_stmt *st = NULL;
	if (sqlite3_prepare_v2(c->s->db, sql, -1, &st, NULL) != SQLITE_OK)
		return store_sqlerr(c->s, err, "checking");
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		char cols[512] = "";
		size_t len = 0;
		for (int i = 0; i < sqlite3_column_count(st) && len < sizeof cols - 1; i++) {
			const char *t = store_col_text(st, i);
			int w = snprintf(cols + len, sizeof cols - len, "%s%s", i ? " " : "", t ? t : "NULL");
			if (w > 0)
				len += (size_t)w;
		}
		if (len >= sizeof cols)
			len = sizeof cols - 1;
		if (ok_text && strcmp(cols, ok_text) == 0)
			continue;
		char line[700];
		if (problem)
			snprintf(line, sizeof line, "%s %s: %s", noun, cols, problem);
		else
			snprintf(line, sizeof line, "%s: %s", noun, cols);
		check_report(c, line);
	}
	enum store_code code = rc == SQLITE_DONE ? STORE_OK : store_sqlerr(c->s, err, "checking");
	sqlite3_finalize(st);
	return code;
}

enum store_code store_check(struct store *s, store_problem_fn fn, void *ctx, int64_t *n_problems,
                            struct store_err *err)
{
	if (s->depth)
		return store_fail(err, STORE_EINVAL, "%s: cannot check inside a transaction", s->path);
	struct check_state c = { s, fn, ctx, 0 };
	/* One read transaction: every rule sees the same snapshot. */
	enum store_code rc = sqlite3_exec(s->db, "BEGIN", NULL, NULL, NULL) == SQLITE_OK
	                     ? STORE_OK : store_sqlerr(s, err, "starting the check");
	if (rc == STORE_OK)
		rc = check_query(&c, "PRAGMA integrity_check", "integrity check", NULL, "ok", err);
	if (rc == STORE_OK)
		rc = check_query(&c, "PRAGMA foreign_key_check",
		                 "foreign key pointing nowhere (table rowid parent key)", NULL, NULL, err);
	for (size_t i = 0; rc == STORE_OK && i < sizeof check_rules / sizeof check_rules[0]; i++)
		rc = check_query(&c, check_rules[i].sql, check_rules[i].noun, check_rules[i].problem,
		                 NULL, err);
	if (rc == STORE_OK && s->version != schema_latest()) {
		char line[128];
		snprintf(line, sizeof line, "schema version %d, expected %d", s->version, schema_latest());
		check_report(&c, line);
	}
	sqlite3_exec(s->db, "COMMIT", NULL, NULL, NULL);
	if (n_problems)
		*n_problems = c.n;
	if (rc == STORE_OK && c.n)
		rc = store_fail(err, STORE_ECORRUPT, "%s: %lld problem%s found", s->path,
		                (long long)c.n, c.n == 1 ? "" : "s");
	return rc;
}

enum store_code store_vacuum(struct store *s, struct store_err *err)
{
	if (s->depth)
		return store_fail(err, STORE_EINVAL, "%s: cannot vacuum inside a transaction", s->path);
	if (sqlite3_exec(s->db, "VACUUM", NULL, NULL, NULL) != SQLITE_OK)
		return store_sqlerr(s, err, "vacuuming");
	if (sqlite3_exec(s->db, "PRAGMA wal_checkpoint(TRUNCATE)", NULL, NULL, NULL) != SQLITE_OK)
		return store_sqlerr(s, err, "checkpointing the write-ahead log");
	return STORE_OK;
}
