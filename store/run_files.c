/* run_files: the folder beside the store where a run keeps the files its
 * rows name by path (the PNGs an image model's eval or online stage draws),
 * STORE.files/run-ID. The store owns it as it owns the rows: made for the
 * stage that writes there, filled from another folder for a seeded run (the
 * bundled image demo's evaluation pictures), removed with the run. Plain
 * files only, one level: nothing here follows a name out of the folder.
 */
#include "config.h"

#include "store/internal.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

int store_run_files_dir(const struct store *s, store_id run, char *buf, size_t cap)
{
	if (!s->path || !s->path[0] || strcmp(s->path, ":memory:") == 0)
		return -1;
	int n = snprintf(buf, cap, "%s.files/run-%lld", s->path, (long long)run);
	return n > 0 && (size_t)n < cap ? 0 : -1;
}

enum store_code store_run_files_make(const struct store *s, store_id run, char *buf, size_t cap,
                                     struct store_err *err)
{
	if (store_run_files_dir(s, run, buf, cap) != 0)
		return store_fail(err, STORE_EINVAL, "%s: an in-memory store keeps no files",
		                  s->path ? s->path : ":memory:");
	/* STORE.files, then STORE.files/run-ID (every rank makes its own share) */
	char *slash = strrchr(buf, '/');
	*slash = '\0';
	int bad = mkdir(buf, 0777) != 0 && errno != EEXIST;
	*slash = '/';
	if (bad || (mkdir(buf, 0777) != 0 && errno != EEXIST))
		return store_fail(err, STORE_EIO, "%s: %s", buf, strerror(errno));
	return STORE_OK;
}

/* Once its rows are gone: one level of unlink, then rmdir. A file that will
 * not go stays, as the folder then does: the rows are what count, and a
 * stray PNG harms nothing. */
void store_run_files_remove(const struct store *s, store_id run)
{
	char dir[4096], file[4608];
	if (store_run_files_dir(s, run, dir, sizeof dir) != 0)
		return;
	DIR *d = opendir(dir);
	if (!d)
		return;
	struct dirent *e;
	while ((e = readdir(d)) != NULL) {
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		if (snprintf(file, sizeof file, "%s/%s", dir, e->d_name) < (int)sizeof file)
			remove(file);
	}
	closedir(d);
	remove(dir);
}

/* from into to, whole or not at all (a partial copy is removed). */
static enum store_code run_files_copy(const char *from, const char *to, struct store_err *err)
{
	FILE *in = fopen(from, "rb");
	if (!in)
		return store_fail(err, STORE_EIO, "%s: %s", from, strerror(errno));
	FILE *out = fopen(to, "wb");
	if (!out) {
		int e = errno;
		fclose(in);
		return store_fail(err, STORE_EIO, "%s: %s", to, strerror(e));
	}
	char buf[16384];
	size_t n;
	int bad = 0;
	while (!bad && (n = fread(buf, 1, sizeof buf, in)) > 0)
		bad = fwrite(buf, 1, n, out) != n;
	int e = errno;
	bad |= ferror(in) != 0;
	fclose(in);
	if (fclose(out) != 0 && !bad) {
		bad = 1;
		e = errno;
	}
	if (bad) {
		remove(to);
		return store_fail(err, STORE_EIO, "%s: %s", to, e ? strerror(e) : "copy failed");
	}
	return STORE_OK;
}

/* The run's samples that name the file `base` (the whole name, or its last
 * component) name its copy dir/base instead. */
static enum store_code run_files_point(struct store *s, store_id run, const char *dir,
                                       const char *base, struct store_err *err)
{
	sqlite3_stmt *st = store_stmt(s, STMT_SAMPLES_REPOINT, err);
	if (!st)
		return STORE_LAST(err);
	sqlite3_bind_int64(st, 1, run);
	sqlite3_bind_text(st, 2, dir, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, base, -1, SQLITE_STATIC);
	return store_step_done(s, st, "pointing samples at their files", err);
}

enum store_code store_run_files_adopt(struct store *s, store_id run, const char *from,
                                      size_t *n_files, struct store_err *err)
{
	char dir[4096], src[4608], dst[4608];
	*n_files = 0;
	enum store_code rc = store_require_run(s, run, err);
	if (rc)
		return rc;
	DIR *d = opendir(from);
	if (!d)
		return store_fail(err, STORE_EIO, "%s: %s", from, strerror(errno));
	rc = store_run_files_make(s, run, dir, sizeof dir, err);
	DIR *had = rc ? NULL : opendir(dir);
	struct dirent *e;
	int used = 0;
	while (had && !used && (e = readdir(had)) != NULL)
		used = strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0;
	if (had)
		closedir(had);
	if (rc == STORE_OK && used) /* a failure below would take its files with it */
		rc = store_fail(err, STORE_EINVAL, "%s: the run has files already", dir);
	if (rc == STORE_OK)
		rc = store_begin(s, err);
	if (rc) {
		closedir(d);
		return rc;
	}
	while (rc == STORE_OK && (e = readdir(d)) != NULL) {
		struct stat sb;
		if (e->d_name[0] == '.')
			continue;
		if (snprintf(src, sizeof src, "%s/%s", from, e->d_name) >= (int)sizeof src ||
		    snprintf(dst, sizeof dst, "%s/%s", dir, e->d_name) >= (int)sizeof dst) {
			rc = store_fail(err, STORE_EINVAL, "%s/%s: the name is too long", from, e->d_name);
			break;
		}
		if (stat(src, &sb) != 0 || !S_ISREG(sb.st_mode))
			continue;
		rc = run_files_copy(src, dst, err);
		if (rc == STORE_OK)
			rc = run_files_point(s, run, dir, e->d_name, err);
		if (rc == STORE_OK)
			++*n_files;
	}
	closedir(d);
	rc = store_end(s, rc, err);
	if (rc != STORE_OK) { /* no rows point at them: the copies go */
		store_run_files_remove(s, run);
		*n_files = 0;
	}
	return rc;
}
