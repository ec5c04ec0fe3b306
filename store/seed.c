/* seed: filling a fresh store from another store file (the bundled demo's
 * runs and results), and the two fix-ups that follow such a copy: checkpoint
 * paths that were relative to the file's folder, and row texts that travel
 * apart from the file.
 *
 * The copy goes table by table in creation order inside one transaction with
 * foreign keys deferred, so ids are kept and references stay intact; tables a
 * trigger maintains (metrics_latest) fill themselves, and jobs (processes of
 * another machine) are left behind. Statements naming the attached file are
 * prepared here rather than in STORE_STMTS: they are valid only while it is
 * attached.
 */
#include "config.h"

#include "store/internal.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

/* The oldest schema a seed file may have. */
#define SEED_OLDEST 2

static enum store_code seed_exec(struct store *s, const char *sql, const char *what,
                                 struct store_err *err)
{
	if (sqlite3_exec(s->db, sql, NULL, NULL, NULL) != SQLITE_OK)
		return store_sqlerr(s, err, what);
	return STORE_OK;
}

static enum store_code seed_int(struct store *s, const char *sql, int64_t *out, struct store_err *err)
{
	sqlite3_stmt *st;
	if (sqlite3_prepare_v2(s->db, sql, -1, &st, NULL) != SQLITE_OK)
		return store_sqlerr(s, err, "reading the seed file");
	int rc = sqlite3_step(st);
	*out = rc == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
	sqlite3_finalize(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return store_sqlerr(s, err, "reading the seed file");
	return STORE_OK;
}

/* The largest id of main.table, 0 when it has none or no id column. */
static int64_t seed_max_id(struct store *s, const char *table)
{
	int64_t v = 0;
	struct store_err ignored;
	char *sql = sqlite3_mprintf("SELECT coalesce(max(\"id\"), 0) FROM main.\"%w\" WHERE EXISTS "
	                            "(SELECT 1 FROM pragma_table_info(%Q, 'main') WHERE name = 'id' "
	                            "AND pk = 1)", table, table);
	if (sql && seed_int(s, sql, &v, &ignored) != STORE_OK)
		v = 0;
	sqlite3_free(sql);
	return v;
}

/* Each table's shift, read before anything is copied. */
#define SEED_TABLES_MAX 64
struct seed_shifts {
	size_t n;
	char table[SEED_TABLES_MAX][64];
	int64_t by[SEED_TABLES_MAX];
};

/* The column list of seed.table, quoted and comma-separated (sqlite3_free
 * it). With shifts, what to select for them when ids are shifted (an add):
 * its own id plus its table's shift, and every column that refers to
 * another table's id plus that table's shift. */
static enum store_code seed_columns(struct store *s, const char *table,
                                    const struct seed_shifts *shifts, char **out,
                                    struct store_err *err)
{
	sqlite3_stmt *st;
	char *sql = sqlite3_mprintf(
		"SELECT c.name, CASE WHEN c.name = 'id' AND c.pk = 1 THEN %Q ELSE "
		"(SELECT f.\"table\" FROM pragma_foreign_key_list(%Q, 'seed') f WHERE f.\"from\" = c.name "
		"AND f.\"to\" = 'id') END FROM pragma_table_info(%Q, 'seed') c ORDER BY c.cid",
		table, table, table);
	if (!sql)
		return store_fail(err, STORE_EINTERNAL, "out of memory");
	int prc = sqlite3_prepare_v2(s->db, sql, -1, &st, NULL);
	sqlite3_free(sql);
	if (prc != SQLITE_OK)
		return store_sqlerr(s, err, "reading the seed file's columns");
	char *cols = NULL;
	int step;
	while ((step = sqlite3_step(st)) == SQLITE_ROW) {
		const char *name = (const char *)sqlite3_column_text(st, 0);
		const char *ref = (const char *)sqlite3_column_text(st, 1);
		int64_t shift = 0;
		for (size_t i = 0; shifts && ref && i < shifts->n; i++)
			if (strcmp(shifts->table[i], ref) == 0)
				shift = shifts->by[i];
		char *more = shift ? sqlite3_mprintf("%z%s\"%w\" + %lld", cols, cols ? ", " : "", name,
		                                     (long long)shift)
		                   : sqlite3_mprintf("%z%s\"%w\"", cols, cols ? ", " : "", name);
		if (!more) {
			sqlite3_finalize(st);
			return store_fail(err, STORE_EINTERNAL, "out of memory");
		}
		cols = more;
	}
	sqlite3_finalize(st);
	if (step != SQLITE_DONE || !cols) {
		sqlite3_free(cols);
		return store_sqlerr(s, err, "reading the seed file's columns");
	}
	*out = cols;
	return STORE_OK;
}

/* The store's largest id of every table, before the copy begins. */
static enum store_code seed_read_shifts(struct store *s, struct seed_shifts *out,
                                        struct store_err *err)
{
	sqlite3_stmt *st;
	if (sqlite3_prepare_v2(s->db, "SELECT name FROM main.sqlite_schema WHERE type = 'table'"
	                       " AND name NOT LIKE 'sqlite%'", -1, &st, NULL) != SQLITE_OK)
		return store_sqlerr(s, err, "listing the store's tables");
	out->n = 0;
	int step;
	while ((step = sqlite3_step(st)) == SQLITE_ROW && out->n < SEED_TABLES_MAX) {
		const char *name = (const char *)sqlite3_column_text(st, 0);
		snprintf(out->table[out->n], sizeof out->table[out->n], "%s", name);
		out->by[out->n++] = seed_max_id(s, name);
	}
	sqlite3_finalize(st);
	if (step != SQLITE_DONE)
		return store_fail(err, STORE_EINTERNAL, "the store has more than %d tables",
		                  SEED_TABLES_MAX);
	return STORE_OK;
}

/* Copies every table of the attached "seed" database in creation order;
 * with shift, its ids move past the store's own (seed_columns). */
static enum store_code seed_tables(struct store *s, int shift, struct store_err *err)
{
	struct seed_shifts shifts;
	if (shift) {
		enum store_code src = seed_read_shifts(s, &shifts, err);
		if (src)
			return src;
	}
	sqlite3_stmt *st;
	if (sqlite3_prepare_v2(s->db, "SELECT name FROM seed.sqlite_schema WHERE type = 'table'"
	                       " AND name NOT LIKE 'sqlite%' AND name NOT IN ('metrics_latest', 'jobs')"
	                       " ORDER BY rowid", -1, &st, NULL) != SQLITE_OK)
		return store_sqlerr(s, err, "listing the seed file's tables");
	enum store_code rc = STORE_OK;
	int step;
	while (rc == STORE_OK && (step = sqlite3_step(st)) == SQLITE_ROW) {
		const char *table = (const char *)sqlite3_column_text(st, 0);
		/* By the seed's columns: ones a later version added take their defaults. */
		char *cols = NULL, *what = NULL;
		rc = seed_columns(s, table, NULL, &cols, err);
		if (rc == STORE_OK && shift)
			rc = seed_columns(s, table, &shifts, &what, err);
		if (rc) {
			sqlite3_free(cols);
			break;
		}
		char *sql = sqlite3_mprintf("INSERT INTO main.\"%w\"(%s) SELECT %s FROM seed.\"%w\"",
		                            table, cols, what ? what : cols, table);
		sqlite3_free(cols);
		sqlite3_free(what);
		if (!sql)
			rc = store_fail(err, STORE_EINTERNAL, "out of memory");
		else
			rc = seed_exec(s, sql, "copying the seed file", err);
		sqlite3_free(sql);
	}
	if (rc == STORE_OK && step != SQLITE_DONE)
		rc = store_sqlerr(s, err, "listing the seed file's tables");
	sqlite3_finalize(st);
	return rc;
}

static enum store_code seed_file(struct store *s, const char *path, int add, struct store_err *err);

enum store_code store_seed(struct store *s, const char *path, struct store_err *err)
{
	return seed_file(s, path, 0, err);
}

enum store_code store_seed_add(struct store *s, const char *path, struct store_err *err)
{
	return seed_file(s, path, 1, err);
}

static enum store_code seed_file(struct store *s, const char *path, int add, struct store_err *err)
{
	int64_t version;
	sqlite3_stmt *used = store_stmt(s, STMT_STORE_IN_USE, err);
	if (!used)
		return STORE_LAST(err);
	int step = sqlite3_step(used), in_use = step == SQLITE_ROW && sqlite3_column_int(used, 0);
	store_done(used);
	if (step != SQLITE_ROW)
		return store_sqlerr(s, err, "reading the store");
	enum store_code rc;
	if (in_use && !add)
		return store_fail(err, STORE_EINVAL, "%s: only a store without runs or datasets can be "
		                  "seeded", s->path);
	/* ATTACH would create a missing file. */
	if (access(path, R_OK) != 0)
		return store_fail(err, STORE_EIO, "%s: %s", path, strerror(errno));
	char *attach = sqlite3_mprintf("ATTACH %Q AS seed", path);
	if (!attach)
		return store_fail(err, STORE_EINTERNAL, "out of memory");
	rc = seed_exec(s, attach, "opening the seed file", err);
	sqlite3_free(attach);
	if (rc) {
		char why[STORE_ERR_MAX];
		snprintf(why, sizeof why, "%s", err->msg);
		return store_fail(err, rc, "%s: %s", path, why);
	}
	rc = seed_int(s, "PRAGMA seed.user_version", &version, err);
	/* From version 2 on, a later version only added columns with defaults. */
	if (rc == STORE_OK && (version < SEED_OLDEST || version > store_schema_version(s)))
		rc = store_fail(err, STORE_EINVAL, "%s: schema version %lld, this store has %d (a "
		                "seed may be from version %d to it)", path, (long long)version,
		                store_schema_version(s), SEED_OLDEST);
	if (rc == STORE_OK && (rc = store_begin(s, err)) == STORE_OK) {
		rc = seed_exec(s, "PRAGMA defer_foreign_keys = ON", "deferring foreign keys", err);
		if (rc == STORE_OK)
			rc = seed_tables(s, add, err);
		rc = store_end(s, rc, err);
	}
	sqlite3_exec(s->db, "DETACH seed", NULL, NULL, NULL);
	return rc;
}

enum store_code store_checkpoints_rebase(struct store *s, const char *dir, struct store_err *err)
{
	enum store_code rc = store_begin(s, err);
	if (rc)
		return rc;
	sqlite3_stmt *st = store_stmt(s, STMT_CKPTS_REBASE, err);
	if (!st)
		return store_end(s, STORE_LAST(err), err);
	sqlite3_bind_text(st, 1, dir, -1, SQLITE_STATIC);
	return store_end(s, store_step_done(s, st, "rebasing checkpoint paths", err), err);
}

enum store_code store_rows_set_text(struct store *s, store_id dataset, const struct store_row *rows,
                                    size_t n, struct store_err *err)
{
	enum store_code rc = store_begin(s, err);
	if (rc)
		return rc;
	for (size_t i = 0; i < n && rc == STORE_OK; i++) {
		sqlite3_stmt *st = store_stmt(s, STMT_ROW_SET_TEXT, err);
		if (!st) {
			rc = STORE_LAST(err);
			break;
		}
		sqlite3_bind_int64(st, 1, rows[i].id);
		sqlite3_bind_int64(st, 2, dataset);
		sqlite3_bind_text(st, 3, rows[i].prompt, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 4, rows[i].response, -1, SQLITE_STATIC);
		rc = store_step_done(s, st, "setting row texts", err);
		if (rc == STORE_OK && sqlite3_changes(s->db) != 1)
			rc = store_fail(err, STORE_ENOTFOUND, "%s: row %lld is not in dataset %lld", s->path,
			                (long long)rows[i].id, (long long)dataset);
	}
	return store_end(s, rc, err);
}
