/* store: opening, connection settings, errors, the statement table, transactions. */
#include "config.h"

#include "store/internal.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* Long enough to outwait any single transaction a job writes. */
#define STORE_BUSY_TIMEOUT_MS 10000

static const char *const store_stmt_sql[STMT_COUNT] = {
#define STORE_STMT_SQL(name, sql) [STMT_##name] = sql,
	STORE_STMTS(STORE_STMT_SQL)
#undef STORE_STMT_SQL
};

enum store_code store_fail(struct store_err *err, enum store_code code, const char *fmt, ...)
{
	va_list ap;
	if (!err)
		return code;
	err->code = code;
	va_start(ap, fmt);
	vsnprintf(err->msg, sizeof err->msg, fmt, ap);
	va_end(ap);
	return code;
}

enum store_code store_code_of(int sqlite_rc)
{
	switch (sqlite_rc & 0xff) {
	case SQLITE_OK: return STORE_OK;
	case SQLITE_NOTADB: return STORE_ENOTDB;
	case SQLITE_READONLY: return STORE_EREADONLY;
	case SQLITE_CORRUPT: return STORE_ECORRUPT;
	case SQLITE_CONSTRAINT: case SQLITE_MISMATCH: case SQLITE_RANGE: case SQLITE_TOOBIG:
		return STORE_EINVAL;
	case SQLITE_CANTOPEN: case SQLITE_IOERR: case SQLITE_FULL: case SQLITE_PERM:
		return STORE_EIO;
	default: return STORE_EINTERNAL;
	}
}

const char *store_code_name(enum store_code code)
{
	static const char *const names[] = {
		"ok", "invalid argument", "i/o error", "not a ric store", "newer store",
		"read-only", "not found", "corrupt", "internal error"
	};
	return (unsigned)code < sizeof names / sizeof names[0] ? names[code] : "unknown";
}

enum store_code store_sqlerr(struct store *s, struct store_err *err, const char *what)
{
	int rc = sqlite3_extended_errcode(s->db);
	enum store_code code = store_code_of(rc);
	if (code == STORE_OK)
		code = STORE_EINTERNAL;
	return store_fail(err, code, "%s: %s: %s", s->path, what, sqlite3_errmsg(s->db));
}

sqlite3_stmt *store_stmt(struct store *s, enum store_stmt_id id, struct store_err *err)
{
	if (!s->stmt[id]) {
		/* PERSISTENT: these live as long as the connection. */
		if (sqlite3_prepare_v3(s->db, store_stmt_sql[id], -1, SQLITE_PREPARE_PERSISTENT,
		                       &s->stmt[id], NULL) != SQLITE_OK) {
			store_sqlerr(s, err, "preparing a statement");
			return NULL;
		}
	}
	return s->stmt[id];
}

void store_done(sqlite3_stmt *st)
{
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
}

enum store_code store_step_done(struct store *s, sqlite3_stmt *st, const char *what,
                                struct store_err *err)
{
	int rc = sqlite3_step(st);
	enum store_code code = STORE_OK;
	if (rc != SQLITE_DONE && rc != SQLITE_ROW)
		code = store_sqlerr(s, err, what);
	store_done(st);
	return code;
}

enum store_code store_walk(struct store *s, sqlite3_stmt *st, int (*row)(void *, sqlite3_stmt *),
                           void *ctx, const char *what, int *seen, struct store_err *err)
{
	int rc, n = 0;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		n++;
		if (row && row(ctx, st))
			break;
	}
	enum store_code code = (rc == SQLITE_ROW || rc == SQLITE_DONE) ? STORE_OK
	                                                                : store_sqlerr(s, err, what);
	store_done(st);
	if (seen)
		*seen = n;
	return code;
}

void store_bind_id(sqlite3_stmt *st, int i, store_id id)
{
	if (id)
		sqlite3_bind_int64(st, i, id);
	else
		sqlite3_bind_null(st, i);
}

const char *store_col_text(sqlite3_stmt *st, int i)
{
	return (const char *)sqlite3_column_text(st, i);
}

enum store_code store_vec_format(char *buf, size_t cap, const double *v, int n,
                                 struct store_err *err)
{
	if (n < 0 || n > STORE_MAX_OBJ)
		return store_fail(err, STORE_EINVAL, "a vector of %d values (at most %d)", n, STORE_MAX_OBJ);
	size_t len = 0;
	buf[len++] = '[';
	for (int i = 0; i < n; i++) {
		if (!isfinite(v[i]))
			return store_fail(err, STORE_EINVAL, "value %d of a vector is not finite", i);
		int w = snprintf(buf + len, cap - len, "%s%.17g", i ? "," : "", v[i]);
		if (w < 0 || (size_t)w >= cap - len)
			return store_fail(err, STORE_EINVAL, "vector too long");
		len += (size_t)w;
	}
	if (len + 2 > cap)
		return store_fail(err, STORE_EINVAL, "vector too long");
	buf[len++] = ']';
	buf[len] = '\0';
	return STORE_OK;
}

int store_vec_parse(const char *text, double *v, int max)
{
	int n = 0;
	if (!text || *text != '[')
		return 0;
	const char *p = text + 1;
	while (*p && *p != ']' && n < max) {
		char *end;
		v[n] = strtod(p, &end);
		if (end == p)
			break;
		n++;
		p = end;
		if (*p == ',')
			p++;
	}
	return n;
}

enum store_code store_require_run(struct store *s, store_id run, struct store_err *err)
{
	sqlite3_stmt *st = store_stmt(s, STMT_RUN_EXISTS, err);
	if (!st)
		return STORE_LAST(err);
	sqlite3_bind_int64(st, 1, run);
	int rc = sqlite3_step(st);
	store_done(st);
	if (rc == SQLITE_ROW)
		return STORE_OK;
	if (rc == SQLITE_DONE)
		return store_fail(err, STORE_ENOTFOUND, "%s: no run %lld", s->path, (long long)run);
	return store_sqlerr(s, err, "looking up a run");
}

int64_t store_now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

enum store_code store_data_version(struct store *s, int64_t *out, struct store_err *err)
{
	sqlite3_stmt *st = store_stmt(s, STMT_DATA_VERSION, err);
	if (!st)
		return STORE_LAST(err);
	enum store_code rc = STORE_OK;
	if (sqlite3_step(st) == SQLITE_ROW)
		*out = sqlite3_column_int64(st, 0);
	else
		rc = store_sqlerr(s, err, "reading the data version");
	store_done(st);
	return rc;
}

/* ---- transactions ------------------------------------------------------ */

enum store_code store_begin(struct store *s, struct store_err *err)
{
	sqlite3_stmt *st = store_stmt(s, s->depth ? STMT_SAVEPOINT : STMT_BEGIN, err);
	if (!st)
		return STORE_LAST(err);
	enum store_code rc = store_step_done(s, st, "starting a transaction", err);
	if (rc == STORE_OK)
		s->depth++;
	return rc;
}

enum store_code store_commit(struct store *s, struct store_err *err)
{
	if (s->depth == 0)
		return store_fail(err, STORE_EINVAL, "%s: commit without a transaction", s->path);
	sqlite3_stmt *st = store_stmt(s, s->depth > 1 ? STMT_RELEASE : STMT_COMMIT, err);
	if (!st)
		return STORE_LAST(err);
	enum store_code rc = store_step_done(s, st, "committing", err);
	if (rc != STORE_OK) {
		store_rollback(s);
		return rc;
	}
	s->depth--;
	return STORE_OK;
}

void store_rollback(struct store *s)
{
	if (s->depth == 0)
		return;
	if (s->depth > 1) {
		sqlite3_stmt *st = store_stmt(s, STMT_ROLLBACK_TO, NULL);
		if (st)
			store_step_done(s, st, "rolling back", NULL);
		st = store_stmt(s, STMT_RELEASE, NULL);
		if (st)
			store_step_done(s, st, "rolling back", NULL);
	} else if (!sqlite3_get_autocommit(s->db)) {
		/* SQLite may already have rolled back by itself (SQLITE_FULL, ...). */
		sqlite3_stmt *st = store_stmt(s, STMT_ROLLBACK, NULL);
		if (st)
			store_step_done(s, st, "rolling back", NULL);
	}
	s->depth--;
}

enum store_code store_end(struct store *s, enum store_code rc, struct store_err *err)
{
	if (rc != STORE_OK) {
		store_rollback(s);
		return rc;
	}
	return store_commit(s, err);
}

enum store_code store_end_insert(struct store *s, enum store_code rc, store_id *out,
                                 struct store_err *err)
{
	/* Read before the commit: the id belongs to this connection's last insert. */
	store_id id = sqlite3_last_insert_rowid(s->db);
	rc = store_end(s, rc, err);
	if (rc == STORE_OK && out)
		*out = id;
	return rc;
}

/* ---- opening ------------------------------------------------------------- */

/* mkdir -p for the folder that holds `path`. */
static int store_make_parent(const char *path)
{
	char *dir = strdup(path);
	if (!dir)
		return ENOMEM;
	char *slash = strrchr(dir, '/');
	if (!slash || slash == dir) {
		free(dir);
		return 0;
	}
	*slash = '\0';
	for (char *p = dir + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(dir, 0700) != 0 && errno != EEXIST) {
			int e = errno;
			free(dir);
			return e;
		}
		*p = '/';
	}
	int rc = (mkdir(dir, 0700) != 0 && errno != EEXIST) ? errno : 0;
	free(dir);
	return rc;
}

/* The folder part of path ("." when there is none); malloc'd. */
static char *store_dirname(const char *path)
{
	const char *slash = strrchr(path, '/');
	if (!slash)
		return strdup(".");
	if (slash == path)
		return strdup("/");
	return strndup(path, (size_t)(slash - path));
}

/* Writable for this process and meant to be: the mode bits count too, so a
 * file made read-only with chmod stays untouched even for root. */
static int store_writable(const char *path)
{
	struct stat sb;
	if (stat(path, &sb) != 0)
		return 0;
	return (sb.st_mode & (S_IWUSR | S_IWGRP | S_IWOTH)) && access(path, W_OK) == 0;
}

static enum store_code store_check_writable(const char *path, struct store_err *err)
{
	if (!store_writable(path))
		return store_fail(err, STORE_EREADONLY, "%s: the store file is read-only; ric needs "
		                  "to write to it (open it with write permission, or copy it)", path);
	char *dir = store_dirname(path);
	if (!dir)
		return store_fail(err, STORE_EINTERNAL, "%s: out of memory", path);
	enum store_code rc = STORE_OK;
	if (!store_writable(dir))
		rc = store_fail(err, STORE_EREADONLY, "%s: its folder %s is read-only; the store "
		                "keeps its write-ahead log next to it", path, dir);
	free(dir);
	return rc;
}

/* Reads up to three integer columns of one row; a single statement sees one
 * snapshot of the file, so a store another process is creating right now looks
 * either empty or whole, never half made. */
static enum store_code store_read_ints(struct store *s, const char *sql, int *out, int n,
                                       struct store_err *err)
{
	sqlite3_stmt *st = NULL;
	int rc = sqlite3_prepare_v2(s->db, sql, -1, &st, NULL);
	if (rc == SQLITE_OK) {
		rc = sqlite3_step(st);
		if (rc == SQLITE_ROW) {
			for (int i = 0; i < n; i++)
				out[i] = sqlite3_column_int(st, i);
			rc = SQLITE_OK;
		}
	}
	sqlite3_finalize(st);
	if (rc == SQLITE_OK)
		return STORE_OK;
	if ((sqlite3_extended_errcode(s->db) & 0xff) == SQLITE_NOTADB)
		return store_fail(err, STORE_ENOTDB, "%s: not a SQLite database (so not a ric store)",
		                  s->path);
	return store_sqlerr(s, err, "reading the header");
}

static enum store_code store_exec(struct store *s, const char *sql, struct store_err *err)
{
	if (sqlite3_exec(s->db, sql, NULL, NULL, NULL) != SQLITE_OK)
		return store_sqlerr(s, err, sql);
	return STORE_OK;
}

/* Reads the header and refuses what this ric must not touch; writes nothing. */
static enum store_code store_identify(struct store *s, struct store_err *err)
{
	int v[3];
	enum store_code rc = store_read_ints(s,
		"SELECT (SELECT application_id FROM pragma_application_id),"
		" (SELECT user_version FROM pragma_user_version),"
		" (SELECT count(*) FROM sqlite_master)", v, 3, err);
	if (rc)
		return rc;
	int app = v[0], objects = v[2];
	s->version = v[1];
	if (app != schema_application_id && (app != 0 || objects > 0))
		return store_fail(err, STORE_ENOTDB, "%s: a SQLite database, but not a ric store", s->path);
	if (s->version > schema_latest())
		return store_fail(err, STORE_ENEWER, "%s: written by a newer ric (schema version %d; "
		                  "this ric knows up to %d); upgrade ric to use it", s->path,
		                  s->version, schema_latest());
	return STORE_OK;
}

/* WAL is a property of the file, set once by whoever creates it. Switching
 * needs the file to itself, and SQLite does not wait for that through the busy
 * handler, so several processes opening a new store at once retry here. */
static enum store_code store_use_wal(struct store *s, struct store_err *err)
{
	for (int waited = 0;; waited += 10) {
		sqlite3_stmt *st = NULL;
		int wal = 0, rc = sqlite3_prepare_v2(s->db, "PRAGMA journal_mode = WAL", -1, &st, NULL);
		if (rc == SQLITE_OK && (rc = sqlite3_step(st)) == SQLITE_ROW)
			wal = sqlite3_stricmp(store_col_text(st, 0), "wal") == 0;
		sqlite3_finalize(st);
		if (wal)
			return STORE_OK;
		int code = sqlite3_extended_errcode(s->db) & 0xff;
		if ((code != SQLITE_BUSY && code != SQLITE_LOCKED) || waited >= STORE_BUSY_TIMEOUT_MS)
			return store_sqlerr(s, err, "switching to write-ahead logging");
		sqlite3_sleep(10);
	}
}

static enum store_code store_configure(struct store *s, int flags, struct store_err *err)
{
	sqlite3_extended_result_codes(s->db, 1);
	/* Defensive: no writable_schema, no journal_mode=OFF tricks from SQL. */
	sqlite3_db_config(s->db, SQLITE_DBCONFIG_DEFENSIVE, 1, (int *)NULL);
	sqlite3_db_config(s->db, SQLITE_DBCONFIG_TRUSTED_SCHEMA, 0, (int *)NULL);
	sqlite3_busy_timeout(s->db, STORE_BUSY_TIMEOUT_MS);
	enum store_code rc = store_exec(s, "PRAGMA foreign_keys = ON", err);
	if (rc == STORE_OK)
		rc = store_identify(s, err);
	if (rc || (flags & STORE_READONLY)) {
		if (rc == STORE_OK && s->version < schema_latest())
			rc = store_fail(err, STORE_EREADONLY, "%s: schema version %d needs an upgrade "
			                "to %d, which a read-only open cannot do", s->path, s->version,
			                schema_latest());
		return rc;
	}
	rc = store_use_wal(s, err);
	if (rc == STORE_OK)
		rc = store_exec(s, "PRAGMA synchronous = NORMAL", err);
	if (rc == STORE_OK && s->version < schema_latest()) {
		rc = schema_migrate(s, s->version, err);
		if (rc == STORE_OK)
			s->version = schema_latest();
	}
	return rc;
}

enum store_code store_open(const char *path, int flags, struct store **out, struct store_err *err)
{
	*out = NULL;
	if (!path || !*path)
		return store_fail(err, STORE_EINVAL, "no store path given");
	struct stat sb;
	int exists = stat(path, &sb) == 0;
	if (!exists && (!(flags & STORE_CREATE) || (flags & STORE_READONLY)))
		return store_fail(err, STORE_EIO, "%s: no such store", path);
	if (exists && !S_ISREG(sb.st_mode))
		return store_fail(err, STORE_EIO, "%s: not a regular file", path);
	if (!exists && (flags & STORE_MKDIR)) {
		int e = store_make_parent(path);
		if (e)
			return store_fail(err, STORE_EIO, "%s: cannot create its folder: %s", path, strerror(e));
	} else if (!exists) {
		char *dir = store_dirname(path);
		struct stat db;
		int e = !dir ? ENOMEM : stat(dir, &db) != 0 ? errno : !S_ISDIR(db.st_mode) ? ENOTDIR : 0;
		enum store_code rc = e ? store_fail(err, STORE_EIO, "%s: cannot create the store: its "
		                                    "folder %s: %s", path, dir ? dir : "", strerror(e))
		                       : STORE_OK;
		free(dir);
		if (rc)
			return rc;
	}
	if (!(flags & STORE_READONLY)) {
		enum store_code rc = exists ? store_check_writable(path, err) : STORE_OK;
		if (rc == STORE_OK && !exists) {
			char *dir = store_dirname(path);
			if (dir && !store_writable(dir))
				rc = store_fail(err, STORE_EREADONLY, "%s: cannot create the store: its folder "
				                "%s is read-only", path, dir);
			free(dir);
		}
		if (rc)
			return rc;
	}
	struct store *s = calloc(1, sizeof *s);
	if (!s || !(s->path = strdup(path))) {
		free(s);
		return store_fail(err, STORE_EINTERNAL, "%s: out of memory", path);
	}
	int oflags = (flags & STORE_READONLY) ? SQLITE_OPEN_READONLY
	                                      : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE;
	int rc = sqlite3_open_v2(path, &s->db, oflags | SQLITE_OPEN_NOMUTEX, NULL);
	enum store_code code;
	if (rc != SQLITE_OK)
		code = store_fail(err, STORE_EIO, "%s: cannot open: %s", path,
		                  s->db ? sqlite3_errmsg(s->db) : sqlite3_errstr(rc));
	else
		code = store_configure(s, flags, err);
	if (code != STORE_OK) {
		store_close(s);
		return code;
	}
	*out = s;
	return STORE_OK;
}

void store_close(struct store *s)
{
	if (!s)
		return;
	while (s->depth)
		store_rollback(s);
	for (int i = 0; i < STMT_COUNT; i++)
		sqlite3_finalize(s->stmt[i]);
	sqlite3_close(s->db);
	free(s->proc_start);
	free(s->path);
	free(s);
}

const char *store_path(const struct store *s)
{
	return s->path;
}

int store_schema_version(const struct store *s)
{
	return s->version;
}
