/* store/schema: the schema as a list of migration steps, and the upgrade loop.
 *
 * Step N takes a store from version N-1 to N. A released step never changes:
 * a new schema is a new step appended here, STORE_SCHEMA_VERSION goes up, and
 * a dump of a store at the old version (with data) goes to
 * tests/fixtures/store/vN.sql, so test_store_migrate upgrades every old
 * version and checks its data survived.
 */
#include "config.h"

#include "store/internal.h"

#include <stdlib.h>
#include <string.h>

/* 'RiC!' in the database header: tells a ric store from any other SQLite file. */
const int schema_application_id = 0x52694321;

static const char schema_v1[] =
	"PRAGMA application_id = 1382630177;\n"
	"CREATE TABLE runs(\n"
	"  id INTEGER PRIMARY KEY,\n"
	"  name TEXT NOT NULL,\n"
	"  stage TEXT NOT NULL CHECK(stage IN ('import','relabel','pretrain','sft','online',"
	"'eval','rm-train','generate')),\n"
	"  parent_id INTEGER REFERENCES runs(id) ON DELETE SET NULL,\n"
	"  status TEXT NOT NULL DEFAULT 'running'"
	" CHECK(status IN ('running','done','failed','cancelled')),\n"
	"  error TEXT,\n"
	"  created_ms INTEGER NOT NULL,\n"
	"  finished_ms INTEGER\n"
	");\n"
	"CREATE INDEX runs_parent ON runs(parent_id);\n"
	"CREATE INDEX runs_stage ON runs(stage);\n"
	"CREATE INDEX runs_name ON runs(name);\n"
	"CREATE TABLE params(\n"
	"  run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,\n"
	"  key TEXT NOT NULL,\n"
	"  value TEXT NOT NULL,\n"
	"  PRIMARY KEY(run_id, key)\n"
	") WITHOUT ROWID;\n"
	"CREATE TABLE tags(\n"
	"  run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,\n"
	"  tag TEXT NOT NULL CHECK(length(tag) > 0),\n"
	"  PRIMARY KEY(run_id, tag)\n"
	") WITHOUT ROWID;\n"
	"CREATE INDEX tags_tag ON tags(tag);\n"
	"CREATE TABLE notes(\n"
	"  id INTEGER PRIMARY KEY,\n"
	"  run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,\n"
	"  time_ms INTEGER NOT NULL,\n"
	"  text TEXT NOT NULL\n"
	");\n"
	"CREATE INDEX notes_run ON notes(run_id);\n"
	"CREATE TABLE metrics(\n"
	"  run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,\n"
	"  key TEXT NOT NULL,\n"
	"  step INTEGER NOT NULL,\n"
	"  value REAL NOT NULL,\n"
	"  time_ms INTEGER NOT NULL,\n"
	"  PRIMARY KEY(run_id, key, step)\n"
	") WITHOUT ROWID;\n"
	/* What a poller shows: one row per (run, key), kept by the trigger below
	 * so no writer can forget it. */
	"CREATE TABLE metrics_latest(\n"
	"  run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,\n"
	"  key TEXT NOT NULL,\n"
	"  step INTEGER NOT NULL,\n"
	"  value REAL NOT NULL,\n"
	"  time_ms INTEGER NOT NULL,\n"
	"  PRIMARY KEY(run_id, key)\n"
	") WITHOUT ROWID;\n"
	"CREATE TRIGGER metrics_latest_insert AFTER INSERT ON metrics BEGIN\n"
	"  INSERT INTO metrics_latest(run_id, key, step, value, time_ms)\n"
	"  VALUES(NEW.run_id, NEW.key, NEW.step, NEW.value, NEW.time_ms)\n"
	"  ON CONFLICT(run_id, key) DO UPDATE SET step = excluded.step, value = excluded.value,\n"
	"    time_ms = excluded.time_ms WHERE excluded.step >= metrics_latest.step;\n"
	"END;\n"
	"CREATE TRIGGER metrics_latest_update AFTER UPDATE ON metrics BEGIN\n"
	"  UPDATE metrics_latest SET value = NEW.value, time_ms = NEW.time_ms\n"
	"  WHERE run_id = NEW.run_id AND key = NEW.key AND step = NEW.step;\n"
	"END;\n"
	"CREATE TABLE checkpoints(\n"
	"  id INTEGER PRIMARY KEY,\n"
	"  run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,\n"
	"  step INTEGER NOT NULL,\n"
	"  kind TEXT NOT NULL CHECK(kind IN ('policy','reward')),\n"
	"  path TEXT NOT NULL,\n"
	"  sha256 TEXT,\n"
	"  meta TEXT,\n"
	"  created_ms INTEGER NOT NULL\n"
	");\n"
	"CREATE INDEX checkpoints_run ON checkpoints(run_id, step);\n"
	"CREATE TABLE datasets(\n"
	"  id INTEGER PRIMARY KEY,\n"
	"  name TEXT NOT NULL UNIQUE,\n"
	"  source TEXT,\n"
	"  run_id INTEGER REFERENCES runs(id) ON DELETE SET NULL,\n"
	"  created_ms INTEGER NOT NULL\n"
	");\n"
	"CREATE TABLE dataset_rows(\n"
	"  id INTEGER PRIMARY KEY,\n"
	"  dataset_id INTEGER NOT NULL REFERENCES datasets(id) ON DELETE CASCADE,\n"
	"  prompt TEXT NOT NULL,\n"
	"  response TEXT NOT NULL\n"
	");\n"
	"CREATE INDEX dataset_rows_dataset ON dataset_rows(dataset_id, id);\n"
	"CREATE TABLE objectives(\n"
	"  id INTEGER PRIMARY KEY,\n"
	"  dataset_id INTEGER NOT NULL REFERENCES datasets(id) ON DELETE CASCADE,\n"
	"  pos INTEGER NOT NULL CHECK(pos >= 0),\n"
	"  name TEXT NOT NULL,\n"
	"  spec TEXT NOT NULL,\n"
	"  mu REAL, sigma REAL, lo REAL, hi REAL,\n"
	"  UNIQUE(dataset_id, pos),\n"
	"  UNIQUE(dataset_id, name)\n"
	");\n"
	"CREATE TABLE rewards(\n"
	"  row_id INTEGER NOT NULL REFERENCES dataset_rows(id) ON DELETE CASCADE,\n"
	"  objective_id INTEGER NOT NULL REFERENCES objectives(id) ON DELETE CASCADE,\n"
	"  value REAL NOT NULL,\n"
	"  PRIMARY KEY(row_id, objective_id)\n"
	") WITHOUT ROWID;\n"
	"CREATE INDEX rewards_objective ON rewards(objective_id);\n"
	"CREATE TABLE eval_points(\n"
	"  id INTEGER PRIMARY KEY,\n"
	"  run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,\n"
	"  preference TEXT NOT NULL,\n"
	"  raw_mean TEXT NOT NULL,\n"
	"  norm_mean TEXT NOT NULL,\n"
	"  n_samples INTEGER NOT NULL CHECK(n_samples >= 0),\n"
	"  created_ms INTEGER NOT NULL\n"
	");\n"
	"CREATE INDEX eval_points_run ON eval_points(run_id);\n"
	"CREATE TABLE samples(\n"
	"  id INTEGER PRIMARY KEY,\n"
	"  run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,\n"
	"  iteration INTEGER NOT NULL DEFAULT 0,\n"
	"  point_id INTEGER REFERENCES eval_points(id) ON DELETE SET NULL,\n"
	"  prompt TEXT NOT NULL,\n"
	"  response TEXT NOT NULL,\n"
	"  preference TEXT NOT NULL,\n"
	"  desired TEXT NOT NULL,\n"
	"  raw TEXT NOT NULL,\n"
	"  norm TEXT NOT NULL,\n"
	"  kept INTEGER CHECK(kept IN (0, 1)),\n"
	"  time_ms INTEGER NOT NULL\n"
	");\n"
	"CREATE INDEX samples_run ON samples(run_id, id);\n"
	"CREATE INDEX samples_point ON samples(point_id);\n"
	"CREATE TABLE fronts(\n"
	"  id INTEGER PRIMARY KEY,\n"
	"  run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,\n"
	"  name TEXT NOT NULL,\n"
	"  hypervolume REAL NOT NULL,\n"
	"  reference TEXT NOT NULL,\n"
	"  created_ms INTEGER NOT NULL\n"
	");\n"
	"CREATE INDEX fronts_run ON fronts(run_id);\n"
	"CREATE TABLE front_points(\n"
	"  front_id INTEGER NOT NULL REFERENCES fronts(id) ON DELETE CASCADE,\n"
	"  point_id INTEGER NOT NULL REFERENCES eval_points(id) ON DELETE CASCADE,\n"
	"  PRIMARY KEY(front_id, point_id)\n"
	") WITHOUT ROWID;\n"
	"CREATE INDEX front_points_point ON front_points(point_id);\n"
	"CREATE TABLE jobs(\n"
	"  id INTEGER PRIMARY KEY,\n"
	"  run_id INTEGER REFERENCES runs(id) ON DELETE SET NULL,\n"
	"  argv TEXT NOT NULL,\n"
	"  pid INTEGER,\n"
	"  state TEXT NOT NULL DEFAULT 'queued'"
	" CHECK(state IN ('queued','running','done','failed','cancelled')),\n"
	"  step INTEGER NOT NULL DEFAULT 0,\n"
	"  total INTEGER NOT NULL DEFAULT 0,\n"
	"  tokens_per_s REAL NOT NULL DEFAULT 0,\n"
	"  eta_ms INTEGER NOT NULL DEFAULT -1,\n"
	"  heartbeat_ms INTEGER,\n"
	"  error TEXT,\n"
	"  log_path TEXT,\n"
	"  created_ms INTEGER NOT NULL,\n"
	"  started_ms INTEGER,\n"
	"  finished_ms INTEGER\n"
	");\n"
	"CREATE INDEX jobs_state ON jobs(state);\n"
	"CREATE INDEX jobs_run ON jobs(run_id);\n";

/* Version 2: rows know their split (train or eval) and, for preference data,
 * the pair they belong to and their role in it; objectives remember the
 * relabel run that last set their stats and how many rows those came from. */
static const char schema_v2[] =
	"ALTER TABLE dataset_rows ADD COLUMN split TEXT NOT NULL DEFAULT 'train'"
	" CHECK(split IN ('train','eval'));\n"
	"ALTER TABLE dataset_rows ADD COLUMN pair_id INTEGER CHECK(pair_id > 0);\n"
	"ALTER TABLE dataset_rows ADD COLUMN role TEXT"
	" CHECK((role IS NULL) = (pair_id IS NULL) AND (role IS NULL OR role IN ('chosen','rejected')));\n"
	"CREATE INDEX dataset_rows_split ON dataset_rows(dataset_id, split, id);\n"
	"CREATE UNIQUE INDEX dataset_rows_pair ON dataset_rows(dataset_id, pair_id, role)"
	" WHERE pair_id IS NOT NULL;\n"
	"ALTER TABLE objectives ADD COLUMN stats_run_id INTEGER REFERENCES runs(id) ON DELETE SET NULL;\n"
	"ALTER TABLE objectives ADD COLUMN stats_rows INTEGER;\n";

/* Version 3: what tells finished work from interrupted work. A dataset is
 * complete only once its import committed its last row (datasets of older
 * stores were, so the column defaults to 1); runs record the process doing
 * them (pid, and its start time so that a reused pid is told apart), a
 * heartbeat, and the run they continue after a resume; jobs record their
 * process's start time too, which a signal is checked against. */
static const char schema_v3[] =
	"ALTER TABLE datasets ADD COLUMN complete INTEGER NOT NULL DEFAULT 1 CHECK(complete IN (0, 1));\n"
	"ALTER TABLE runs ADD COLUMN resumed_from INTEGER REFERENCES runs(id) ON DELETE SET NULL;\n"
	"ALTER TABLE runs ADD COLUMN pid INTEGER;\n"
	"ALTER TABLE runs ADD COLUMN proc_start TEXT;\n"
	"ALTER TABLE runs ADD COLUMN heartbeat_ms INTEGER;\n"
	"ALTER TABLE jobs ADD COLUMN proc_start TEXT;\n"
	"CREATE INDEX runs_status ON runs(status);\n";

/* Version 4: image rows (ric dataset import-images) carry their 32x32
 * picture as PNG bytes, a few KB each, so a row and its picture commit,
 * roll back and cascade away together; text rows keep NULL. */
static const char schema_v4[] =
	"ALTER TABLE dataset_rows ADD COLUMN image BLOB"
	" CHECK(image IS NULL OR length(image) BETWEEN 8 AND 1048576);\n";

static const char *const schema_steps_builtin[] = {
	schema_v1,
	schema_v2,
	schema_v3,
	schema_v4,
};

/* A test may append one step past the built-in ones (see store/internal.h). */
static const char *schema_extra_step;

void schema_test_set_extra_step(const char *sql)
{
	schema_extra_step = sql;
}

int schema_latest(void)
{
	return STORE_SCHEMA_VERSION + (schema_extra_step != NULL);
}

static const char *schema_step(int to_version)
{
	if (to_version >= 1 && to_version <= STORE_SCHEMA_VERSION)
		return schema_steps_builtin[to_version - 1];
	if (to_version == STORE_SCHEMA_VERSION + 1)
		return schema_extra_step;
	return NULL;
}

/* One step in one BEGIN IMMEDIATE: a step that fails leaves the old version
 * whole. The version is read again inside the transaction, since another
 * process may have upgraded the file while this one waited for the lock. */
static enum store_code schema_step_run(struct store *s, int to, struct store_err *err)
{
	char sql[64];
	snprintf(sql, sizeof sql, "PRAGMA user_version = %d", to);
	int rc = sqlite3_exec(s->db, "BEGIN IMMEDIATE", NULL, NULL, NULL);
	if (rc == SQLITE_OK) {
		int now = -1;
		sqlite3_stmt *st = NULL;
		rc = sqlite3_prepare_v2(s->db, "PRAGMA user_version", -1, &st, NULL);
		if (rc == SQLITE_OK && (rc = sqlite3_step(st)) == SQLITE_ROW) {
			now = sqlite3_column_int(st, 0);
			rc = SQLITE_OK;
		}
		sqlite3_finalize(st);
		if (rc == SQLITE_OK && now == to - 1) {
			rc = sqlite3_exec(s->db, schema_step(to), NULL, NULL, NULL);
			if (rc == SQLITE_OK)
				rc = sqlite3_exec(s->db, sql, NULL, NULL, NULL);
		}
		if (rc == SQLITE_OK)
			rc = sqlite3_exec(s->db, "COMMIT", NULL, NULL, NULL);
	}
	if (rc == SQLITE_OK)
		return STORE_OK;
	enum store_code code = store_code_of(rc);
	store_fail(err, code, "%s: upgrade to schema version %d failed, the store stays at "
	           "version %d: %s", s->path, to, to - 1, sqlite3_errmsg(s->db));
	if (!sqlite3_get_autocommit(s->db))
		sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
	return code;
}

enum store_code schema_migrate(struct store *s, int from, struct store_err *err)
{
	for (int v = from + 1; v <= schema_latest(); v++) {
		enum store_code rc = schema_step_run(s, v, err);
		if (rc)
			return rc;
	}
	return STORE_OK;
}
