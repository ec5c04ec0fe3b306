/* store: schema versions: fresh stores, every old version upgraded with its data,
 * and atomic steps (a failing step leaves the old version whole). */
#include "config.h"

#include "tests/harness.h"
#include "store/internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static char *fixture_sql(int version)
{
	char path[4096];
	snprintf(path, sizeof path, "%s/tests/fixtures/store/v%d.sql", harness_srcdir(), version);
	FILE *f = fopen(path, "rb");
	ck_assert_msg(f != NULL, "no fixture %s: every schema version needs one", path);
	fseek(f, 0, SEEK_END);
	long n = ftell(f);
	fseek(f, 0, SEEK_SET);
	char *b = malloc((size_t)n + 1);
	ck_assert_uint_eq(fread(b, 1, (size_t)n, f), (size_t)n);
	b[n] = '\0';
	fclose(f);
	return b;
}

/* A store file made from fixture vN.sql; returns its path (static buffer). */
static const char *load_fixture(int version, const char *name)
{
	static char path[4096];
	snprintf(path, sizeof path, "%s/%s.db", harness_tmpdir(), name);
	remove(path);
	char *sql = fixture_sql(version);
	sqlite3 *db;
	ck_assert_int_eq(sqlite3_open(path, &db), SQLITE_OK);
	ck_assert_msg(sqlite3_exec(db, sql, NULL, NULL, NULL) == SQLITE_OK, "%s", sqlite3_errmsg(db));
	sqlite3_close(db);
	free(sql);
	return path;
}

static int64_t query_int(const char *path, const char *sql)
{
	sqlite3 *db;
	sqlite3_stmt *st;
	ck_assert_int_eq(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
	ck_assert_msg(sqlite3_prepare_v2(db, sql, -1, &st, NULL) == SQLITE_OK, "%s", sqlite3_errmsg(db));
	ck_assert_int_eq(sqlite3_step(st), SQLITE_ROW);
	int64_t n = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	sqlite3_close(db);
	return n;
}

/* "table=count;..." for every table: what must survive an upgrade. */
static char *table_counts(const char *path)
{
	sqlite3 *db;
	sqlite3_stmt *st;
	ck_assert_int_eq(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
	ck_assert_int_eq(sqlite3_prepare_v2(db, "SELECT name FROM sqlite_master WHERE type = 'table'"
	                                    " ORDER BY name", -1, &st, NULL), SQLITE_OK);
	char *out = calloc(1, 8192);
	while (sqlite3_step(st) == SQLITE_ROW) {
		char sql[256];
		snprintf(sql, sizeof sql, "SELECT count(*) FROM \"%s\"", sqlite3_column_text(st, 0));
		sqlite3_stmt *c;
		ck_assert_int_eq(sqlite3_prepare_v2(db, sql, -1, &c, NULL), SQLITE_OK);
		ck_assert_int_eq(sqlite3_step(c), SQLITE_ROW);
		size_t len = strlen(out);
		snprintf(out + len, 8192 - len, "%s=%lld;", sqlite3_column_text(st, 0),
		         (long long)sqlite3_column_int64(c, 0));
		sqlite3_finalize(c);
	}
	sqlite3_finalize(st);
	sqlite3_close(db);
	return out;
}

static char *schema_text(const char *path)
{
	sqlite3 *db;
	sqlite3_stmt *st;
	ck_assert_int_eq(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
	ck_assert_int_eq(sqlite3_prepare_v2(db, "SELECT type, name, sql FROM sqlite_master"
	                                    " ORDER BY type, name", -1, &st, NULL), SQLITE_OK);
	size_t cap = 65536;
	char *out = calloc(1, cap);
	while (sqlite3_step(st) == SQLITE_ROW) {
		size_t len = strlen(out);
		const unsigned char *sql = sqlite3_column_text(st, 2);
		snprintf(out + len, cap - len, "%s %s: %s\n", sqlite3_column_text(st, 0),
		         sqlite3_column_text(st, 1), sql ? (const char *)sql : "");
	}
	sqlite3_finalize(st);
	sqlite3_close(db);
	return out;
}

struct latest {
	int64_t step;
	double value;
};

static int find_loss(void *ctx, const struct store_metric *m)
{
	if (strcmp(m->key, "loss") == 0) {
		struct latest *l = ctx;
		l->step = m->step;
		l->value = m->value;
	}
	return 0;
}

/* The fixture's data as the API sees it after an upgrade. */
static void assert_fixture_data(struct store *s)
{
	struct store_err err;
	store_id sft;
	ck_assert_msg(store_run_resolve(s, "sft-demo", &sft, &err) == STORE_OK, "%s", err.msg);
	struct latest l = { -1, 0 };
	ck_assert_int_eq(store_metrics_latest_each(s, sft, find_loss, &l, &err), STORE_OK);
	ck_assert_int_eq(l.step, 50);
	ck_assert(l.value == 4.0 - 50 * 0.05);
	store_id ev;
	ck_assert_int_eq(store_run_resolve(s, "paper", &ev, &err), STORE_OK);
	int64_t n;
	ck_assert_int_eq(store_samples_count(s, ev, &n, &err), STORE_OK);
	ck_assert_int_eq(n, 3);
	int64_t problems = -1;
	ck_assert_msg(store_check(s, NULL, NULL, &problems, &err) == STORE_OK, "%s", err.msg);
}

START_TEST(a_fresh_store_gets_the_current_version)
{
	char path[4096];
	snprintf(path, sizeof path, "%s/fresh.db", harness_tmpdir());
	struct store *s;
	struct store_err err;
	ck_assert_int_eq(store_open(path, STORE_CREATE, &s, &err), STORE_OK);
	ck_assert_int_eq(store_schema_version(s), STORE_SCHEMA_VERSION);
	store_close(s);
	ck_assert_int_eq(query_int(path, "PRAGMA user_version"), STORE_SCHEMA_VERSION);
	ck_assert_int_eq(query_int(path, "PRAGMA application_id"), schema_application_id);
	/* journal_mode = 'wal' is stored in the header (bytes 18 and 19 are 2). */
	FILE *f = fopen(path, "rb");
	unsigned char hdr[20];
	ck_assert_uint_eq(fread(hdr, 1, sizeof hdr, f), sizeof hdr);
	fclose(f);
	ck_assert_int_eq(hdr[18], 2);
	ck_assert_int_eq(hdr[19], 2);
	/* An empty file (touch) is a fresh store too. */
	snprintf(path, sizeof path, "%s/empty.db", harness_tmpdir());
	fclose(fopen(path, "w"));
	ck_assert_int_eq(store_open(path, 0, &s, &err), STORE_OK);
	ck_assert_int_eq(store_schema_version(s), STORE_SCHEMA_VERSION);
	store_close(s);
}
END_TEST

START_TEST(every_old_version_upgrades_with_its_data)
{
	/* Version 1 is the first; each later one keeps a fixture of the one before. */
	for (int v = 1; v <= STORE_SCHEMA_VERSION; v++) {
		char name[32];
		snprintf(name, sizeof name, "old-v%d", v);
		const char *path = load_fixture(v, name);
		ck_assert_int_eq(query_int(path, "PRAGMA user_version"), v);
		char *before = table_counts(path);
		struct store *s;
		struct store_err err;
		ck_assert_msg(store_open(path, 0, &s, &err) == STORE_OK, "v%d: %s", v, err.msg);
		ck_assert_int_eq(store_schema_version(s), STORE_SCHEMA_VERSION);
		assert_fixture_data(s);
		store_close(s);
		char *after = table_counts(path);
		/* Tables may be added by later versions; none may lose rows. */
		for (char *t = strtok(before, ";"); t; t = strtok(NULL, ";"))
			ck_assert_msg(strstr(after, t) != NULL, "v%d: %s changed (now %s)", v, t, after);
		free(before);
		free(after);
	}
}
END_TEST

START_TEST(the_current_fixture_has_the_current_schema)
{
	/* A released step must never change: the fixture records what it made. */
	const char *old = load_fixture(STORE_SCHEMA_VERSION, "current");
	char *want = schema_text(old);
	char path[4096];
	snprintf(path, sizeof path, "%s/fresh-schema.db", harness_tmpdir());
	struct store *s;
	struct store_err err;
	ck_assert_int_eq(store_open(path, STORE_CREATE, &s, &err), STORE_OK);
	store_close(s);
	char *got = schema_text(path);
	ck_assert_str_eq(got, want);
	free(want);
	free(got);
}
END_TEST

START_TEST(a_future_step_upgrades_with_the_data_intact)
{
	const char *path = load_fixture(STORE_SCHEMA_VERSION, "future");
	char *before = table_counts(path);
	schema_test_set_extra_step("ALTER TABLE runs ADD COLUMN host TEXT;"
	                           "UPDATE runs SET host = 'box';"
	                           "CREATE TABLE future_things(x);");
	struct store *s;
	struct store_err err;
	ck_assert_msg(store_open(path, 0, &s, &err) == STORE_OK, "%s", err.msg);
	ck_assert_int_eq(store_schema_version(s), STORE_SCHEMA_VERSION + 1);
	assert_fixture_data(s);
	store_close(s);
	schema_test_set_extra_step(NULL);
	ck_assert_int_eq(query_int(path, "PRAGMA user_version"), STORE_SCHEMA_VERSION + 1);
	ck_assert_int_eq(query_int(path, "SELECT count(*) FROM runs WHERE host = 'box'"),
	                 query_int(path, "SELECT count(*) FROM runs"));
	char *after = table_counts(path);
	for (char *t = strtok(before, ";"); t; t = strtok(NULL, ";"))
		ck_assert_msg(strstr(after, t) != NULL, "%s changed (now %s)", t, after);
	free(before);
	free(after);
	/* And this build now refuses the upgraded file as newer. */
	ck_assert_int_eq(store_open(path, 0, &s, &err), STORE_ENEWER);
}
END_TEST

START_TEST(a_failing_step_leaves_the_old_version_whole)
{
	const char *path = load_fixture(STORE_SCHEMA_VERSION, "failing");
	char *before = table_counts(path);
	schema_test_set_extra_step("CREATE TABLE half_done(x);"
	                           "DELETE FROM samples;"
	                           "INSERT INTO no_such_table VALUES(1);");
	struct store *s;
	struct store_err err;
	enum store_code rc = store_open(path, 0, &s, &err);
	schema_test_set_extra_step(NULL);
	ck_assert_int_ne(rc, STORE_OK);
	ck_assert_ptr_null(s);
	ck_assert_ptr_nonnull(strstr(err.msg, path));
	ck_assert_msg(strstr(err.msg, "upgrade to schema version") != NULL, "%s", err.msg);
	ck_assert_msg(strstr(err.msg, "no_such_table") != NULL, "%s", err.msg);
	ck_assert_int_eq(query_int(path, "PRAGMA user_version"), STORE_SCHEMA_VERSION);
	ck_assert_int_eq(query_int(path, "SELECT count(*) FROM sqlite_master WHERE name = 'half_done'"), 0);
	char *after = table_counts(path);
	ck_assert_str_eq(after, before);
	free(before);
	free(after);
	/* Without the bad step the same file opens normally. */
	ck_assert_int_eq(store_open(path, 0, &s, &err), STORE_OK);
	assert_fixture_data(s);
	store_close(s);
}
END_TEST

START_TEST(version_1_rows_become_plain_training_rows)
{
	const char *path = load_fixture(1, "v1-rows");
	struct store *s;
	struct store_err err;
	ck_assert_msg(store_open(path, 0, &s, &err) == STORE_OK, "%s", err.msg);
	store_id d;
	ck_assert_int_eq(store_dataset_find(s, "fortunes", &d, &err), STORE_OK);
	int64_t n;
	struct store_row_query q = { .split = "train" };
	ck_assert_int_eq(store_rows_count(s, d, &q, &n, &err), STORE_OK);
	ck_assert_int_eq(n, 4);
	ck_assert_int_eq(store_pairs_count(s, d, NULL, &n, &err), STORE_OK);
	ck_assert_int_eq(n, 0);
	/* Their rewards and stats are still there. */
	store_id o;
	ck_assert_int_eq(store_objective_find(s, d, "brevity", &o, &err), STORE_OK);
	q = (struct store_row_query){ .lacking = o };
	ck_assert_int_eq(store_rows_count(s, d, &q, &n, &err), STORE_OK);
	ck_assert_int_eq(n, 0);
	store_close(s);
	ck_assert_int_eq(query_int(path, "SELECT count(*) FROM dataset_rows WHERE split = 'train'"
	                           " AND pair_id IS NULL AND role IS NULL"), 4);
	ck_assert_int_eq(query_int(path, "SELECT count(*) FROM objectives WHERE mu IS NOT NULL"
	                           " AND stats_run_id IS NULL"), 2);
}
END_TEST

static int image_row_seen(void *ctx, const struct store_row *r)
{
	int *seen = ctx;
	if (r->image) {
		ck_assert_uint_eq(r->image_len, 12);
		ck_assert_mem_eq(r->image, "\x89PNG\r\n\x1a\n\0\0\0\0", 12);
		ck_assert_str_eq(r->response, "icons/a.png");
		seen[0]++;
	} else {
		seen[1]++;
	}
	return 0;
}

START_TEST(version_3_rows_stay_text_and_image_rows_follow)
{
	const char *path = load_fixture(3, "v3-images");
	struct store *s;
	struct store_err err;
	ck_assert_msg(store_open(path, 0, &s, &err) == STORE_OK, "%s", err.msg);
	store_id d;
	ck_assert_int_eq(store_dataset_find(s, "fortunes", &d, &err), STORE_OK);
	int64_t n_image, n_rows;
	ck_assert_int_eq(store_dataset_images(s, d, &n_image, &n_rows, &err), STORE_OK);
	ck_assert_int_eq(n_image, 0);
	ck_assert_int_gt(n_rows, 0);
	/* An upgraded store takes image rows, bytes intact (NULs included). */
	struct store_row r = { .prompt = "", .response = "icons/a.png",
	                       .image = "\x89PNG\r\n\x1a\n\0\0\0\0", .image_len = 12 };
	ck_assert_msg(store_rows_add(s, d, &r, 1, NULL, &err) == STORE_OK, "%s", err.msg);
	r.image_len = 3;
	ck_assert_int_eq(store_rows_add(s, d, &r, 1, NULL, &err), STORE_EINVAL);
	ck_assert_int_eq(store_dataset_images(s, d, &n_image, &n_rows, &err), STORE_OK);
	ck_assert_int_eq(n_image, 1);
	int seen[2] = { 0, 0 };
	ck_assert_int_eq(store_rows_each(s, d, image_row_seen, seen, &err), STORE_OK);
	ck_assert_int_eq(seen[0], 1);
	ck_assert_int_eq(seen[1], n_rows - 1);
	store_close(s);
}
END_TEST

Suite *harness_suite(void)
{
	Suite *s = suite_create("store_migrate");
	harness_add(s, "versions",
	            a_fresh_store_gets_the_current_version,
	            every_old_version_upgrades_with_its_data,
	            the_current_fixture_has_the_current_schema,
	            a_future_step_upgrades_with_the_data_intact,
	            a_failing_step_leaves_the_old_version_whole,
	            version_1_rows_become_plain_training_rows,
	            version_3_rows_stay_text_and_image_rows_follow,
	            NULL);
	return s;
}
