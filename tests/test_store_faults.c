/* store: bad files refused untouched, a killed writer, and processes sharing a store. */
#include "config.h"

#include "tests/harness.h"
#include "store/store.h"

#include <errno.h>
#include <signal.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static char *path_in(const char *dir, const char *name)
{
	static char buf[4][4096];
	static int k;
	char *p = buf[k++ % 4];
	snprintf(p, 4096, "%s/%s/%s", harness_tmpdir(), dir, name);
	char d[4096];
	snprintf(d, sizeof d, "%s/%s", harness_tmpdir(), dir);
	mkdir(d, 0755);
	return p;
}

static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	ck_assert_ptr_nonnull(f);
	fseek(f, 0, SEEK_END);
	long n = ftell(f);
	fseek(f, 0, SEEK_SET);
	char *b = malloc((size_t)n + 1);
	ck_assert_uint_eq(fread(b, 1, (size_t)n, f), (size_t)n);
	fclose(f);
	*len = (size_t)n;
	return b;
}

static void assert_same_bytes(const char *path, const char *before, size_t len)
{
	size_t n;
	char *now = slurp(path, &n);
	ck_assert_uint_eq(n, len);
	ck_assert_msg(memcmp(now, before, len) == 0, "%s changed", path);
	free(now);
}

static int exists(const char *path)
{
	struct stat sb;
	return stat(path, &sb) == 0;
}

/* A ric store holding one finished run, closed (its log folded back in). */
static void make_store(const char *path)
{
	struct store *s;
	struct store_err err;
	ck_assert_msg(store_open(path, STORE_CREATE, &s, &err) == STORE_OK, "%s", err.msg);
	store_id r;
	ck_assert_int_eq(store_run_create(s, "sft", "kept", 0, &r, &err), STORE_OK);
	ck_assert_int_eq(store_run_finish(s, r, "done", NULL, &err), STORE_OK);
	store_close(s);
}

/* Runs sql on path with plain SQLite, as another program would. */
static void exec_sql(const char *path, const char *sql)
{
	sqlite3 *db;
	ck_assert_int_eq(sqlite3_open(path, &db), SQLITE_OK);
	ck_assert_int_eq(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
}

/* Opening path for writing fails with code and a message that names the file
 * and says why; the file keeps every byte. */
static void assert_refused_untouched(const char *path, enum store_code code, const char *why)
{
	size_t len;
	char *before = slurp(path, &len);
	struct store *s;
	struct store_err err;
	ck_assert_int_eq(store_open(path, STORE_CREATE, &s, &err), code);
	ck_assert_ptr_null(s);
	ck_assert_ptr_nonnull(strstr(err.msg, path));
	ck_assert_ptr_nonnull(strstr(err.msg, why));
	assert_same_bytes(path, before, len);
	free(before);
}

START_TEST(a_file_that_is_not_a_database_is_refused_untouched)
{
	char *path = path_in("notdb", "store.db");
	FILE *f = fopen(path, "w");
	for (int i = 0; i < 200; i++)
		fputs("this is a text file, not a database\n", f);
	fclose(f);
	assert_refused_untouched(path, STORE_ENOTDB, "not a SQLite database");
	char side[4200];
	snprintf(side, sizeof side, "%s-wal", path);
	ck_assert(!exists(side));
}
END_TEST

START_TEST(another_programs_database_is_refused_untouched)
{
	char *path = path_in("other", "app.db");
	exec_sql(path, "CREATE TABLE contacts(name); INSERT INTO contacts VALUES('x')");
	assert_refused_untouched(path, STORE_ENOTDB, "not a ric store");
}
END_TEST

START_TEST(a_store_from_a_newer_ric_is_refused_untouched)
{
	char *path = path_in("newer", "store.db");
	make_store(path);
	exec_sql(path, "PRAGMA user_version = 99");
	assert_refused_untouched(path, STORE_ENEWER, "version 99");
}
END_TEST

START_TEST(a_read_only_file_is_refused_untouched)
{
	char *path = path_in("rofile", "store.db");
	make_store(path);
	ck_assert_int_eq(chmod(path, 0444), 0);
	assert_refused_untouched(path, STORE_EREADONLY, "read-only");
	chmod(path, 0644);
}
END_TEST

static int count_runs(void *ctx, const struct store_run *r)
{
	(void)r;
	(*(int *)ctx)++;
	return 0;
}

START_TEST(a_read_only_store_can_still_be_read_when_asked_so)
{
	char *path = path_in("roread", "store.db");
	make_store(path);
	ck_assert_int_eq(chmod(path, 0444), 0);
	size_t len;
	char *before = slurp(path, &len);
	struct store *s;
	struct store_err err;
	ck_assert_msg(store_open(path, STORE_READONLY, &s, &err) == STORE_OK, "%s", err.msg);
	int n = 0;
	ck_assert_int_eq(store_runs_each(s, NULL, count_runs, &n, &err), STORE_OK);
	ck_assert_int_eq(n, 1);
	ck_assert_int_eq(store_run_create(s, "sft", NULL, 0, NULL, &err), STORE_EREADONLY);
	ck_assert_ptr_nonnull(strstr(err.msg, path));
	store_close(s);
	assert_same_bytes(path, before, len);
	chmod(path, 0644);
	free(before);
}
END_TEST

START_TEST(a_read_only_folder_is_refused_untouched)
{
	char *path = path_in("rodir", "store.db");
	make_store(path);
	char dir[4096];
	snprintf(dir, sizeof dir, "%s/rodir", harness_tmpdir());
	size_t len;
	char *before = slurp(path, &len);
	ck_assert_int_eq(chmod(dir, 0555), 0);
	struct store *s;
	struct store_err err;
	ck_assert_int_eq(store_open(path, STORE_CREATE, &s, &err), STORE_EREADONLY);
	ck_assert_ptr_nonnull(strstr(err.msg, path));
	ck_assert_ptr_nonnull(strstr(err.msg, "folder"));
	/* Creating a new store there is refused the same way. */
	char *fresh = path_in("rodir", "new.db");
	ck_assert_int_eq(store_open(fresh, STORE_CREATE, &s, &err), STORE_EREADONLY);
	ck_assert(!exists(fresh));
	chmod(dir, 0755);
	assert_same_bytes(path, before, len);
	free(before);
}
END_TEST

static int add_line(void *ctx, const char *line)
{
	(void)line;
	(*(int *)ctx)++;
	return 0;
}

START_TEST(a_damaged_file_fails_the_check)
{
	char *path = path_in("damaged", "store.db");
	struct store *s;
	struct store_err err;
	ck_assert_int_eq(store_open(path, STORE_CREATE, &s, &err), STORE_OK);
	store_id d;
	ck_assert_int_eq(store_dataset_create(s, "d", NULL, 0, &d, &err), STORE_OK);
	static struct store_row rows[3000];
	for (int i = 0; i < 3000; i++)
		rows[i] = (struct store_row){ .prompt = "a prompt of some length to fill pages",
		                              .response = "and a response of some length as well" };
	ck_assert_int_eq(store_rows_add(s, d, rows, 3000, NULL, &err), STORE_OK);
	store_close(s);
	/* Scribble over the middle of the file, leaving the header alone. */
	FILE *f = fopen(path, "r+b");
	ck_assert_ptr_nonnull(f);
	fseek(f, 0, SEEK_END);
	long size = ftell(f);
	ck_assert_int_gt(size, 16 * 4096);
	fseek(f, size / 2 - (size / 2) % 4096, SEEK_SET);
	for (int i = 0; i < 4096; i++)
		fputc(i * 37 % 251, f);
	fclose(f);
	enum store_code rc = store_open(path, 0, &s, &err);
	if (rc == STORE_OK) {
		int lines = 0;
		rc = store_check(s, add_line, &lines, NULL, &err);
		ck_assert_int_eq(rc, STORE_ECORRUPT);
		store_close(s);
	} else {
		ck_assert_int_eq(rc, STORE_ECORRUPT);
	}
	ck_assert_ptr_nonnull(strstr(err.msg, path));
}
END_TEST

static int64_t count_rows(const char *path, const char *sql)
{
	sqlite3 *db;
	sqlite3_stmt *st;
	ck_assert_int_eq(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
	ck_assert_int_eq(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
	ck_assert_int_eq(sqlite3_step(st), SQLITE_ROW);
	int64_t n = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	sqlite3_close(db);
	return n;
}

static void child_fail(const char *what, const struct store_err *err)
{
	fprintf(stderr, "# child %d: %s: %s\n", (int)getpid(), what, err ? err->msg : "");
	_exit(1);
}

START_TEST(a_writer_killed_mid_transaction_leaves_no_trace)
{
	char *path = path_in("killed", "store.db");
	int fds[2];
	ck_assert_int_eq(pipe(fds), 0);
	pid_t pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		struct store *s;
		struct store_err err;
		if (store_open(path, STORE_CREATE, &s, &err))
			child_fail("open", &err);
		store_id r;
		struct store_metric m[100];
		for (int i = 0; i < 100; i++)
			m[i] = (struct store_metric){ "loss", i, 1.0 / (i + 1), 0 };
		if (store_run_create(s, "sft", "committed", 0, &r, &err) ||
		    store_metrics_add(s, r, m, 100, &err))
			child_fail("committed part", &err);
		if (store_begin(s, &err) || store_run_create(s, "online", "partial", r, &r, &err))
			child_fail("partial part", &err);
		for (int k = 0; k < 50; k++) {
			for (int i = 0; i < 100; i++)
				m[i].step = k * 100 + i;
			if (store_metrics_add(s, r, m, 100, &err))
				child_fail("partial metrics", &err);
		}
		struct store_sample x = { .run = r, .prompt = "p", .response = "r", .n = 1, .kept = 1 };
		if (store_samples_add(s, &x, 1, NULL, &err))
			child_fail("partial sample", &err);
		if (write(fds[1], "x", 1) != 1)
			_exit(1);
		for (;;)
			pause();
	}
	close(fds[1]);
	char c;
	ck_assert_int_eq(read(fds[0], &c, 1), 1);
	close(fds[0]);
	kill(pid, SIGKILL);
	int status;
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);

	struct store *s;
	struct store_err err;
	ck_assert_msg(store_open(path, 0, &s, &err) == STORE_OK, "%s", err.msg);
	int64_t problems = -1;
	ck_assert_msg(store_check(s, NULL, NULL, &problems, &err) == STORE_OK, "%s", err.msg);
	ck_assert_int_eq(problems, 0);
	store_id got;
	ck_assert_int_eq(store_run_resolve(s, "committed", &got, &err), STORE_OK);
	ck_assert_int_eq(store_run_resolve(s, "partial", &got, &err), STORE_ENOTFOUND);
	store_close(s);
	ck_assert_int_eq(count_rows(path, "SELECT count(*) FROM runs"), 1);
	ck_assert_int_eq(count_rows(path, "SELECT count(*) FROM metrics"), 100);
	ck_assert_int_eq(count_rows(path, "SELECT count(*) FROM samples"), 0);
}
END_TEST

START_TEST(processes_creating_the_store_at_once_all_succeed)
{
	char *path = path_in("race", "new/store.db");
	pid_t pids[4];
	for (int i = 0; i < 4; i++) {
		pids[i] = fork();
		ck_assert_int_ge(pids[i], 0);
		if (pids[i] == 0) {
			struct store *s;
			struct store_err err;
			char name[16];
			snprintf(name, sizeof name, "racer-%d", i);
			if (store_open(path, STORE_CREATE | STORE_MKDIR, &s, &err) ||
			    store_run_create(s, "import", name, 0, NULL, &err))
				child_fail("racing open", &err);
			store_close(s);
			_exit(0);
		}
	}
	for (int i = 0; i < 4; i++) {
		int status;
		ck_assert_int_eq(waitpid(pids[i], &status, 0), pids[i]);
		ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0, "racer %d failed", i);
	}
	ck_assert_int_eq(count_rows(path, "SELECT count(*) FROM runs"), 4);
	ck_assert_int_eq(count_rows(path, "PRAGMA user_version"), STORE_SCHEMA_VERSION);
}
END_TEST

#define SHARE_SECONDS 3

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* A job-like writer: metrics and samples in small transactions until time is
 * up; reports what it committed on fd. */
static void share_writer(const char *path, const char *name, int fd)
{
	struct store *s;
	struct store_err err;
	if (store_open(path, STORE_CREATE, &s, &err))
		child_fail("writer open", &err);
	store_id r;
	if (store_run_create(s, "online", name, 0, &r, &err))
		child_fail("writer run", &err);
	long long metrics = 0, samples = 0;
	double end = now_s() + SHARE_SECONDS;
	for (int step = 0; now_s() < end; step++) {
		struct store_metric m[3] = { { "loss", step, 1.0, 0 }, { "lr", step, 1e-4, 0 },
		                             { "tokens_per_s", step, 900, 0 } };
		if (store_metrics_add(s, r, m, 3, &err))
			child_fail("writer metrics", &err);
		metrics += 3;
		struct store_sample x[2];
		for (int i = 0; i < 2; i++)
			x[i] = (struct store_sample){ .run = r, .iteration = 1, .prompt = "p",
			                              .response = "r", .n = 2,
			                              .preference = { 0.5, 0.5 }, .kept = -1 };
		if (store_samples_add(s, x, 2, NULL, &err))
			child_fail("writer samples", &err);
		samples += 2;
	}
	store_close(s);
	char line[64];
	int n = snprintf(line, sizeof line, "%lld %lld\n", metrics, samples);
	if (write(fd, line, (size_t)n) != n)
		_exit(1);
	_exit(0);
}

static int poll_metric(void *ctx, const struct store_metric *m)
{
	(void)m;
	(*(int *)ctx)++;
	return 0;
}

static int poll_run(void *ctx, const struct store_run *r)
{
	struct store *s = ctx;
	int n = 0;
	struct store_err err;
	if (store_metrics_latest_each(s, r->id, poll_metric, &n, &err))
		child_fail("reader metrics", &err);
	int64_t k;
	if (store_samples_count(s, r->id, &k, &err))
		child_fail("reader samples", &err);
	return 0;
}

/* A TUI-like poller: lists runs and their latest metrics every few ms. */
static void share_reader(const char *path, int fd)
{
	struct store *s;
	struct store_err err;
	if (store_open(path, STORE_CREATE, &s, &err))
		child_fail("reader open", &err);
	long long polls = 0;
	double end = now_s() + SHARE_SECONDS;
	while (now_s() < end) {
		if (store_runs_each(s, NULL, poll_run, s, &err))
			child_fail("reader runs", &err);
		polls++;
		usleep(2000);
	}
	store_close(s);
	char line[64];
	int n = snprintf(line, sizeof line, "%lld\n", polls);
	if (write(fd, line, (size_t)n) != n)
		_exit(1);
	_exit(0);
}

START_TEST(one_reader_and_two_writers_share_a_store)
{
	char *path = path_in("shared", "store.db");
	make_store(path);   /* created up front, so no process races to create it */
	int fds[3][2];
	pid_t pids[3];
	for (int i = 0; i < 3; i++) {
		ck_assert_int_eq(pipe(fds[i]), 0);
		pids[i] = fork();
		ck_assert_int_ge(pids[i], 0);
		if (pids[i] == 0) {
			close(fds[i][0]);
			if (i == 0)
				share_reader(path, fds[i][1]);
			share_writer(path, i == 1 ? "writer-a" : "writer-b", fds[i][1]);
		}
		close(fds[i][1]);
	}
	long long metrics = 0, samples = 0, polls = 0;
	for (int i = 0; i < 3; i++) {
		char line[64] = "";
		ssize_t n = read(fds[i][0], line, sizeof line - 1);
		close(fds[i][0]);
		int status;
		ck_assert_int_eq(waitpid(pids[i], &status, 0), pids[i]);
		ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0, "process %d failed", i);
		ck_assert_int_gt(n, 0);
		long long a = 0, b = 0;
		if (i == 0) {
			ck_assert_int_eq(sscanf(line, "%lld", &polls), 1);
		} else {
			ck_assert_int_eq(sscanf(line, "%lld %lld", &a, &b), 2);
			metrics += a;
			samples += b;
		}
	}
	ck_assert_int_gt(polls, 10);
	ck_assert_int_gt(samples, 20);
	fprintf(stderr, "# %lld polls, %lld metrics, %lld samples\n", polls, metrics, samples);
	ck_assert_int_eq(count_rows(path, "SELECT count(*) FROM metrics"), metrics);
	ck_assert_int_eq(count_rows(path, "SELECT count(*) FROM samples"), samples);
	struct store *s;
	struct store_err err;
	ck_assert_int_eq(store_open(path, 0, &s, &err), STORE_OK);
	ck_assert_int_eq(store_check(s, NULL, NULL, NULL, &err), STORE_OK);
	store_close(s);
}
END_TEST

Suite *harness_suite(void)
{
	Suite *s = suite_create("store_faults");
	harness_add(s, "files",
	            a_file_that_is_not_a_database_is_refused_untouched,
	            another_programs_database_is_refused_untouched,
	            a_store_from_a_newer_ric_is_refused_untouched,
	            a_read_only_file_is_refused_untouched,
	            a_read_only_store_can_still_be_read_when_asked_so,
	            a_read_only_folder_is_refused_untouched,
	            a_damaged_file_fails_the_check,
	            NULL);
	TCase *tc = harness_add(s, "processes",
	                        a_writer_killed_mid_transaction_leaves_no_trace,
	                        processes_creating_the_store_at_once_all_succeed,
	                        one_reader_and_two_writers_share_a_store,
	                        NULL);
	tcase_set_timeout(tc, 60);
	return s;
}
