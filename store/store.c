#include "config.h"

#include "store/store.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <sqlite3.h>

struct store {
	sqlite3 *db;
	char *path;
};

static enum store_code store_fail(struct store_err *err, enum store_code code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static enum store_code store_fail(struct store_err *err, enum store_code code, const char *fmt, ...)
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

enum store_code store_open(const char *path, int flags, struct store **out, struct store_err *err)
{
	*out = NULL;
	if (!path || !*path)
		return store_fail(err, STORE_EINVAL, "no store path given");
	struct stat sb;
	int exists = stat(path, &sb) == 0;
	if (!exists && !(flags & STORE_CREATE))
		return store_fail(err, STORE_EIO, "%s: no such store", path);
	if (!exists) {
		int e = store_make_parent(path);
		if (e)
			return store_fail(err, STORE_EIO, "%s: cannot create its folder: %s", path, strerror(e));
	}
	int oflags = (flags & STORE_READONLY) ? SQLITE_OPEN_READONLY
	                                      : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE;
	sqlite3 *db = NULL;
	int rc = sqlite3_open_v2(path, &db, oflags | SQLITE_OPEN_NOMUTEX, NULL);
	if (rc != SQLITE_OK) {
		enum store_code code = STORE_EIO;
		store_fail(err, code, "%s: cannot open: %s", path, db ? sqlite3_errmsg(db) : sqlite3_errstr(rc));
		sqlite3_close(db);
		return code;
	}
	struct store *s = calloc(1, sizeof *s);
	if (!s || !(s->path = strdup(path))) {
		free(s);
		sqlite3_close(db);
		return store_fail(err, STORE_EINTERNAL, "%s: out of memory", path);
	}
	s->db = db;
	*out = s;
	return STORE_OK;
}

void store_close(struct store *s)
{
	if (!s)
		return;
	sqlite3_close(s->db);
	free(s->path);
	free(s);
}

const char *store_path(const struct store *s)
{
	return s->path;
}
