/* store seed: a fresh store filled from another store file keeps ids and
 * references, rebases relative checkpoint paths and takes row texts shipped
 * apart; a store in use, a file of another schema version and a row of
 * another dataset are refused without changing anything. A seeded run adopts
 * a folder of files (the image demo's pictures): copied beside the store,
 * its samples pointed at the copies, removed with the run while the
 * originals stay; a run that has files already is refused. */
#include "config.h"

#include "tests/harness.h"
#include "store/store.h"

#include <sqlite3.h>
#include <sys/stat.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static struct store *open_at(const char *name)
{
	char path[4096];
	snprintf(path, sizeof path, "%s/%s/store.db", harness_tmpdir(), name);
	struct store *s;
	struct store_err err;
	ck_assert_msg(store_open(path, STORE_CREATE | STORE_MKDIR, &s, &err) == STORE_OK, "%s", err.msg);
	return s;
}

static const char *seed_path(void)
{
	static char path[4096];
	snprintf(path, sizeof path, "%s/seed/store.db", harness_tmpdir());
	return path;
}

/* A run with a metric and a relative checkpoint; a dataset of two rows with a
 * reward; the rows' texts blanked as a shipped seed has them. */
static void make_seed(store_id *run, store_id *dataset, store_id rows[2])
{
	struct store *s = open_at("seed");
	struct store_err err;
	ck_assert(store_run_create(s, "import", "first", 0, run, &err) == STORE_OK);
	store_id second;
	ck_assert(store_run_create(s, "sft", "policy", *run, &second, &err) == STORE_OK);
	ck_assert(store_run_finish(s, second, "done", NULL, &err) == STORE_OK);
	struct store_metric m[2] = { { "loss", 1, 2.5, 0 }, { "loss", 2, 1.5, 0 } };
	ck_assert(store_metrics_add(s, second, m, 2, &err) == STORE_OK);
	struct store_checkpoint c = { .run = second, .step = 2, .kind = "policy", .path = "demo/policy" };
	store_id cid;
	ck_assert(store_checkpoint_add(s, &c, &cid, &err) == STORE_OK);
	struct store_checkpoint a = { .run = second, .step = 1, .kind = "policy", .path = "/abs/ckpt" };
	ck_assert(store_checkpoint_add(s, &a, &cid, &err) == STORE_OK);
	ck_assert(store_dataset_create(s, "demo", "rows.jsonl", *run, dataset, &err) == STORE_OK);
	struct store_row r[2] = { { .prompt = "", .response = "" }, { .prompt = "", .response = "",
	                                                              .split = "eval" } };
	ck_assert(store_rows_add(s, *dataset, r, 2, rows, &err) == STORE_OK);
	store_id obj;
	ck_assert(store_objective_add(s, *dataset, "brevity", "brevity", &obj, &err) == STORE_OK);
	double v[2] = { 0.25, 0.75 };
	ck_assert(store_rewards_add(s, &obj, 1, rows, v, 2, &err) == STORE_OK);
	store_close(s);
}

struct got_row { int n; char text[2][64]; double reward[2]; };

static int take_row(void *ctx, const struct store_row *r)
{
	struct got_row *g = ctx;
	if (g->n < 2) {
		snprintf(g->text[g->n], sizeof g->text[0], "%s|%s", r->prompt, r->response);
		g->reward[g->n] = r->n ? r->reward[0] : -1;
	}
	g->n++;
	return 0;
}

static int take_ckpt(void *ctx, const struct store_checkpoint *c)
{
	char *out = ctx;
	strcat(out, c->path);
	strcat(out, ";");
	return 0;
}

static int take_metric(void *ctx, const struct store_metric *m)
{
	*(double *)ctx = m->value;
	return 0;
}

START_TEST(seed_copies_runs_data_and_fixes_paths_and_texts)
{
	store_id run, dataset, rows[2];
	make_seed(&run, &dataset, rows);
	struct store *s = open_at("fresh");
	struct store_err err;
	ck_assert_msg(store_seed(s, seed_path(), &err) == STORE_OK, "%s", err.msg);

	store_id found;
	ck_assert(store_run_resolve(s, "policy", &found, &err) == STORE_OK);
	ck_assert_int_eq(found, run + 1);
	double latest = 0;
	ck_assert(store_metrics_latest_each(s, found, take_metric, &latest, &err) == STORE_OK);
	ck_assert_msg(latest == 1.5, "the trigger-kept latest metric is %g", latest);
	ck_assert(store_dataset_find(s, "demo", &found, &err) == STORE_OK);
	ck_assert_int_eq(found, dataset);

	ck_assert(store_checkpoints_rebase(s, "/usr/share/ric", &err) == STORE_OK);
	char paths[256] = "";
	ck_assert(store_checkpoints_each(s, run + 1, take_ckpt, paths, &err) == STORE_OK);
	ck_assert_str_eq(paths, "/abs/ckpt;/usr/share/ric/demo/policy;");

	struct store_row text[2] = { { .id = rows[0], .prompt = "Say hi.", .response = "Hi!" },
	                             { .id = rows[1], .prompt = "Say bye.", .response = "Bye." } };
	ck_assert_msg(store_rows_set_text(s, dataset, text, 2, &err) == STORE_OK, "%s", err.msg);
	struct got_row g = { 0 };
	ck_assert(store_rows_each(s, dataset, take_row, &g, &err) == STORE_OK);
	ck_assert_int_eq(g.n, 2);
	ck_assert_str_eq(g.text[0], "Say hi.|Hi!");
	ck_assert_str_eq(g.text[1], "Say bye.|Bye.");
	ck_assert(g.reward[0] == 0.25 && g.reward[1] == 0.75);

	/* A row id outside the dataset fails the whole call: nothing changes. */
	struct store_row bad[2] = { { .id = rows[0], .prompt = "x", .response = "y" },
	                            { .id = rows[1] + 100, .prompt = "x", .response = "y" } };
	ck_assert_int_eq(store_rows_set_text(s, dataset, bad, 2, &err), STORE_ENOTFOUND);
	g.n = 0;
	ck_assert(store_rows_each(s, dataset, take_row, &g, &err) == STORE_OK);
	ck_assert_str_eq(g.text[0], "Say hi.|Hi!");

	/* Only a fresh store is seeded. */
	ck_assert_int_eq(store_seed(s, seed_path(), &err), STORE_EINVAL);
	ck_assert_msg(strstr(err.msg, "only a store without runs") != NULL, "%s", err.msg);
	store_close(s);
}
END_TEST

START_TEST(seed_refuses_another_schema_version_and_missing_files)
{
	store_id run, dataset, rows[2];
	make_seed(&run, &dataset, rows);
	sqlite3 *db;
	ck_assert(sqlite3_open(seed_path(), &db) == SQLITE_OK);
	ck_assert(sqlite3_exec(db, "PRAGMA user_version = 1", NULL, NULL, NULL) == SQLITE_OK);
	sqlite3_close(db);
	struct store *s = open_at("fresh2");
	struct store_err err;
	ck_assert_int_eq(store_seed(s, seed_path(), &err), STORE_EINVAL);
	ck_assert_msg(strstr(err.msg, "schema version 1") != NULL, "%s", err.msg);
	store_id none;
	ck_assert_int_eq(store_run_resolve(s, "policy", &none, &err), STORE_ENOTFOUND);
	char missing[4096];
	snprintf(missing, sizeof missing, "%s/no/such/dir/x.db", harness_tmpdir());
	ck_assert_int_ne(store_seed(s, missing, &err), STORE_OK);
	ck_assert_msg(strstr(err.msg, missing) != NULL, "%s", err.msg);
	snprintf(missing, sizeof missing, "%s/absent.db", harness_tmpdir());
	ck_assert_int_eq(store_seed(s, missing, &err), STORE_EIO);
	ck_assert_msg(access(missing, F_OK) != 0, "a missing seed file is not created");
	store_close(s);
}
END_TEST

/* The shipped demo.db is a version 2 store: a seed may be older than the
 * store it fills, its datasets then count as complete. */
START_TEST(seed_from_an_older_schema_version)
{
	char sqlpath[4096], dbpath[4096];
	snprintf(sqlpath, sizeof sqlpath, "%s/tests/fixtures/store/v2.sql", harness_srcdir());
	snprintf(dbpath, sizeof dbpath, "%s/v2seed.db", harness_tmpdir());
	FILE *f = fopen(sqlpath, "rb");
	ck_assert_ptr_nonnull(f);
	static char sql[1 << 16];
	size_t n = fread(sql, 1, sizeof sql - 1, f);
	fclose(f);
	sql[n] = '\0';
	sqlite3 *db;
	ck_assert(sqlite3_open(dbpath, &db) == SQLITE_OK);
	ck_assert_msg(sqlite3_exec(db, sql, NULL, NULL, NULL) == SQLITE_OK, "%s", sqlite3_errmsg(db));
	sqlite3_close(db);
	struct store *s = open_at("fresh3");
	struct store_err err;
	ck_assert_msg(store_seed(s, dbpath, &err) == STORE_OK, "%s", err.msg);
	store_id found;
	ck_assert_msg(store_dataset_find(s, "fortunes", &found, &err) == STORE_OK, "%s", err.msg);
	ck_assert_int_eq(store_check(s, NULL, NULL, NULL, &err), STORE_OK);
	store_close(s);
}
END_TEST

static int take_parent(void *ctx, const struct store_run *r)
{
	*(store_id *)ctx = r->parent;
	return 0;
}

/* A second demo goes into a store that has runs: its ids move past the
 * store's own per table, with every reference (parent, metrics, checkpoints,
 * rows, objectives, rewards), and the store's own data stays as it was. */
START_TEST(seed_add_moves_ids_past_the_stores_own)
{
	store_id run, dataset, rows[2];
	make_seed(&run, &dataset, rows);
	struct store *s = open_at("added");
	struct store_err err;
	store_id mine, own, own_rows[3], own_obj;
	ck_assert(store_run_create(s, "import", "mine", 0, &mine, &err) == STORE_OK);
	ck_assert(store_run_create(s, "sft", "mine-2", mine, &own, &err) == STORE_OK);
	ck_assert(store_run_create(s, "sft", "mine-3", mine, &own, &err) == STORE_OK);
	ck_assert(store_dataset_create(s, "own", "x.jsonl", mine, &own, &err) == STORE_OK);
	struct store_row r[3] = { { .prompt = "a", .response = "b" }, { .prompt = "c", .response = "d" },
	                          { .prompt = "e", .response = "f" } };
	ck_assert(store_rows_add(s, own, r, 3, own_rows, &err) == STORE_OK);
	ck_assert(store_objective_add(s, own, "length", "length", &own_obj, &err) == STORE_OK);
	double v[3] = { 1, 2, 3 };
	ck_assert(store_rewards_add(s, &own_obj, 1, own_rows, v, 3, &err) == STORE_OK);

	ck_assert_msg(store_seed_add(s, seed_path(), &err) == STORE_OK, "%s", err.msg);
	store_id policy, first, parent = 0;
	ck_assert(store_run_resolve(s, "policy", &policy, &err) == STORE_OK);
	ck_assert(store_run_resolve(s, "first", &first, &err) == STORE_OK);
	ck_assert_int_eq(first, run + 3);
	ck_assert_int_eq(policy, run + 4);
	ck_assert(store_run_get(s, policy, take_parent, &parent, &err) == STORE_OK);
	ck_assert_int_eq(parent, first);
	double latest = 0;
	ck_assert(store_metrics_latest_each(s, policy, take_metric, &latest, &err) == STORE_OK);
	ck_assert_msg(latest == 1.5, "the latest metric is %g", latest);
	char paths[256] = "";
	ck_assert(store_checkpoints_each(s, policy, take_ckpt, paths, &err) == STORE_OK);
	ck_assert_str_eq(paths, "/abs/ckpt;demo/policy;");
	store_id found;
	ck_assert(store_dataset_find(s, "demo", &found, &err) == STORE_OK);
	ck_assert_int_eq(found, dataset + 1);
	struct got_row g = { 0 };
	ck_assert(store_rows_each(s, found, take_row, &g, &err) == STORE_OK);
	ck_assert_int_eq(g.n, 2);
	ck_assert(g.reward[0] == 0.25 && g.reward[1] == 0.75);
	g.n = 0;
	ck_assert(store_rows_each(s, own, take_row, &g, &err) == STORE_OK);
	ck_assert_int_eq(g.n, 3);
	ck_assert_str_eq(g.text[0], "a|b");
	ck_assert(g.reward[0] == 1 && g.reward[1] == 2);
	int64_t problems = -1;
	ck_assert_int_eq(store_check(s, NULL, NULL, &problems, &err), STORE_OK);
	ck_assert_int_eq(problems, 0);

	/* Into a fresh store it keeps the ids, as store_seed does. */
	struct store *f = open_at("added-fresh");
	ck_assert_msg(store_seed_add(f, seed_path(), &err) == STORE_OK, "%s", err.msg);
	ck_assert(store_run_resolve(f, "policy", &found, &err) == STORE_OK);
	ck_assert_int_eq(found, run + 1);
	store_close(f);
	store_close(s);
}
END_TEST

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");
	ck_assert_msg(f != NULL, "%s", path);
	fputs(text, f);
	fclose(f);
}

static int take_response(void *ctx, const struct store_sample *smp)
{
	char *out = ctx;
	size_t n = strlen(out);
	snprintf(out + n, 1024 - n, "%s;", smp->response);
	return 0;
}

START_TEST(seeded_run_adopts_files_and_removes_only_the_copies)
{
	char from[4096], file[4200], dir[4096], copy[4200];
	snprintf(from, sizeof from, "%s/shipped", harness_tmpdir());
	ck_assert(mkdir(from, 0777) == 0);
	snprintf(file, sizeof file, "%s/000000.png", from);
	write_file(file, "png 0");
	snprintf(file, sizeof file, "%s/000001.png", from);
	write_file(file, "png 1");
	struct store *s = open_at("adopt");
	struct store_err err;
	store_id run, other;
	ck_assert(store_run_create(s, "eval", "eval", 0, &run, &err) == STORE_OK);
	ck_assert(store_run_create(s, "eval", "other", 0, &other, &err) == STORE_OK);
	struct store_sample v[3] = {
		{ .run = run, .prompt = "", .response = "work/store.db.files/run-6/000001.png", .n = 1,
		  .kept = -1 },
		{ .run = run, .prompt = "", .response = "000000.png", .n = 1, .kept = -1 },
		{ .run = other, .prompt = "", .response = "x/000000.png", .n = 1, .kept = -1 },
	};
	ck_assert_msg(store_samples_add(s, v, 3, NULL, &err) == STORE_OK, "%s", err.msg);
	size_t n = 9;
	ck_assert_msg(store_run_files_adopt(s, run, from, &n, &err) == STORE_OK, "%s", err.msg);
	ck_assert_uint_eq(n, 2);
	ck_assert(store_run_files_dir(s, run, dir, sizeof dir) == 0);
	snprintf(copy, sizeof copy, "%s/000001.png", dir);
	ck_assert(access(copy, R_OK) == 0);
	char got[1024] = "", want[8400];
	ck_assert(store_samples_each(s, run, take_response, got, &err) == STORE_OK);
	snprintf(want, sizeof want, "%s/000001.png;%s/000000.png;", dir, dir);
	ck_assert_str_eq(got, want);
	got[0] = '\0';
	ck_assert(store_samples_each(s, other, take_response, got, &err) == STORE_OK);
	ck_assert_str_eq(got, "x/000000.png;"); /* another run's samples stay as they were */
	/* Again into the same run: refused, its copies kept. */
	ck_assert_int_eq(store_run_files_adopt(s, run, from, &n, &err), STORE_EINVAL);
	ck_assert_msg(strstr(err.msg, "has files already") != NULL, "%s", err.msg);
	ck_assert(access(copy, R_OK) == 0);
	/* A folder that is not there: one error naming it, nothing left behind. */
	snprintf(file, sizeof file, "%s/missing", harness_tmpdir());
	ck_assert_int_eq(store_run_files_adopt(s, other, file, &n, &err), STORE_EIO);
	ck_assert_msg(strstr(err.msg, file) != NULL, "%s", err.msg);
	ck_assert(store_run_delete(s, run, &err) == STORE_OK);
	ck_assert(access(dir, F_OK) != 0);
	snprintf(file, sizeof file, "%s/000001.png", from);
	ck_assert(access(file, R_OK) == 0);
	store_close(s);
}
END_TEST

Suite *harness_suite(void)
{
	Suite *s = suite_create("store_seed");
	harness_add(s, "seed", seed_copies_runs_data_and_fixes_paths_and_texts,
	            seed_refuses_another_schema_version_and_missing_files,
	            seed_from_an_older_schema_version, seed_add_moves_ids_past_the_stores_own,
	            seeded_run_adopts_files_and_removes_only_the_copies, NULL);
	return s;
}
