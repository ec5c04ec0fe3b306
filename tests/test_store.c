/* store: the API end to end on a fresh store: runs, metrics, data, results, jobs, check. */
#include "config.h"

#include "tests/harness.h"
#include "store/store.h"

#include <math.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static struct store *fresh(const char *name)
{
	char path[4096];
	snprintf(path, sizeof path, "%s/%s/store.db", harness_tmpdir(), name);
	struct store *s;
	struct store_err err;
	ck_assert_msg(store_open(path, STORE_CREATE | STORE_MKDIR, &s, &err) == STORE_OK, "%s", err.msg);
	return s;
}

static int count_run(void *ctx, const struct store_run *r)
{
	(void)r;
	(*(int *)ctx)++;
	return 0;
}

static int count_front(void *ctx, const struct store_front *f)
{
	(void)f;
	(*(int *)ctx)++;
	return 0;
}

static int count_job(void *ctx, const struct store_job *j)
{
	(void)j;
	(*(int *)ctx)++;
	return 0;
}

START_TEST(fresh_store_is_created_at_the_current_version)
{
	struct store *s = fresh("a/b/c");
	ck_assert_int_eq(store_schema_version(s), STORE_SCHEMA_VERSION);
	struct stat sb;
	ck_assert_int_eq(stat(store_path(s), &sb), 0);
	int n = 0;
	struct store_err err;
	ck_assert_int_eq(store_runs_each(s, NULL, count_run, &n, &err), STORE_OK);
	ck_assert_int_eq(n, 0);
	int64_t bad = 0;
	ck_assert_int_eq(store_check(s, NULL, NULL, &bad, &err), STORE_OK);
	ck_assert_int_eq(bad, 0);
	store_close(s);
	/* Without STORE_CREATE a missing store is an error naming the file. */
	char path[4096];
	snprintf(path, sizeof path, "%s/none/store.db", harness_tmpdir());
	ck_assert_int_eq(store_open(path, 0, &s, &err), STORE_EIO);
	ck_assert_ptr_null(s);
	ck_assert_ptr_nonnull(strstr(err.msg, path));
}
END_TEST

START_TEST(missing_folders_are_made_only_when_asked)
{
	/* A path the user typed: a missing folder is most likely a typo. */
	char path[4200], dir[4096];
	snprintf(dir, sizeof dir, "%s/typo", harness_tmpdir());
	snprintf(path, sizeof path, "%s/sub/store.db", dir);
	struct store *s;
	struct store_err err;
	ck_assert_int_eq(store_open(path, STORE_CREATE, &s, &err), STORE_EIO);
	ck_assert_ptr_null(s);
	ck_assert_msg(strstr(err.msg, path) && strstr(err.msg, "its folder") &&
	              strstr(err.msg, "No such file or directory"), "%s", err.msg);
	struct stat sb;
	ck_assert_int_ne(stat(dir, &sb), 0);
	/* a file where the folder should be */
	FILE *f = fopen(dir, "w");
	fclose(f);
	ck_assert_int_eq(store_open(path, STORE_CREATE, &s, &err), STORE_EIO);
	ck_assert_msg(strstr(err.msg, "Not a directory"), "%s", err.msg);
	unlink(dir);
	/* The default store's folders are made. */
	ck_assert_msg(store_open(path, STORE_CREATE | STORE_MKDIR, &s, &err) == STORE_OK, "%s", err.msg);
	store_close(s);
	ck_assert_int_eq(stat(path, &sb), 0);
	/* and a folder that exists is fine without */
	snprintf(path, sizeof path, "%s/sub/two.db", dir);
	ck_assert_msg(store_open(path, STORE_CREATE, &s, &err) == STORE_OK, "%s", err.msg);
	store_close(s);
}
END_TEST

struct run_copy {
	store_id id, parent;
	char name[64], stage[16], status[16], error[64], proc[64];
	int64_t finished, pid, heartbeat;
	store_id resumed_from;
};

static int copy_run(void *ctx, const struct store_run *r)
{
	struct run_copy *c = ctx;
	c->id = r->id;
	c->parent = r->parent;
	snprintf(c->name, sizeof c->name, "%s", r->name);
	snprintf(c->stage, sizeof c->stage, "%s", r->stage);
	snprintf(c->status, sizeof c->status, "%s", r->status);
	snprintf(c->error, sizeof c->error, "%s", r->error ? r->error : "");
	c->finished = r->finished_ms;
	snprintf(c->proc, sizeof c->proc, "%s", r->proc_start ? r->proc_start : "");
	c->pid = r->pid;
	c->heartbeat = r->heartbeat_ms;
	c->resumed_from = r->resumed_from;
	return 0;
}

static int join_kv(void *ctx, const char *k, const char *v)
{
	char *b = ctx;
	strcat(b, k);
	strcat(b, "=");
	strcat(b, v);
	strcat(b, ";");
	return 0;
}

static int join_tag(void *ctx, const char *t)
{
	strcat(ctx, t);
	strcat(ctx, ",");
	return 0;
}

START_TEST(runs_params_tags_notes_and_lineage)
{
	struct store *s = fresh("runs");
	struct store_err err;
	store_id a, b, c;
	ck_assert_int_eq(store_run_create(s, "import", NULL, 0, &a, &err), STORE_OK);
	ck_assert_int_eq(store_run_create(s, "sft", "sft-demo", a, &b, &err), STORE_OK);
	ck_assert_int_eq(store_run_create(s, "online", NULL, b, &c, &err), STORE_OK);
	ck_assert_int_eq(store_run_create(s, "bogus", NULL, 0, NULL, &err), STORE_EINVAL);
	ck_assert_ptr_nonnull(strstr(err.msg, "bogus"));
	ck_assert_int_eq(store_run_create(s, "sft", NULL, 999, NULL, &err), STORE_ENOTFOUND);

	struct run_copy rc = { 0 };
	ck_assert_int_eq(store_run_get(s, a, copy_run, &rc, &err), STORE_OK);
	char want[64];
	snprintf(want, sizeof want, "import-%lld", (long long)a);
	ck_assert_str_eq(rc.name, want);
	ck_assert_str_eq(rc.status, "running");
	ck_assert_int_eq(store_run_get(s, 999, copy_run, &rc, &err), STORE_ENOTFOUND);

	ck_assert_int_eq(store_run_finish(s, a, "done", NULL, &err), STORE_OK);
	ck_assert_int_eq(store_run_finish(s, b, "failed", NULL, &err), STORE_EINVAL);
	ck_assert_int_eq(store_run_finish(s, b, "failed", "out of memory", &err), STORE_OK);
	ck_assert_int_eq(store_run_get(s, b, copy_run, &rc, &err), STORE_OK);
	ck_assert_str_eq(rc.status, "failed");
	ck_assert_str_eq(rc.error, "out of memory");
	ck_assert_int_gt(rc.finished, 0);
	ck_assert_int_eq(rc.parent, a);

	ck_assert_int_eq(store_param_set(s, b, "lr", "1e-4", &err), STORE_OK);
	ck_assert_int_eq(store_param_set(s, b, "lr", "3e-4", &err), STORE_OK);
	ck_assert_int_eq(store_param_set(s, b, "batch", "8", &err), STORE_OK);
	char buf[256] = "";
	ck_assert_int_eq(store_params_each(s, b, join_kv, buf, &err), STORE_OK);
	ck_assert_str_eq(buf, "batch=8;lr=3e-4;");

	ck_assert_int_eq(store_tag_add(s, b, "best", &err), STORE_OK);
	ck_assert_int_eq(store_tag_add(s, b, "best", &err), STORE_OK);
	ck_assert_int_eq(store_tag_add(s, c, "paper", &err), STORE_OK);
	ck_assert_int_eq(store_tag_add(s, a, "paper", &err), STORE_OK);
	buf[0] = '\0';
	ck_assert_int_eq(store_tags_each(s, b, join_tag, buf, &err), STORE_OK);
	ck_assert_str_eq(buf, "best,");
	ck_assert_int_eq(store_tag_remove(s, b, "nope", &err), STORE_ENOTFOUND);

	store_id note;
	ck_assert_int_eq(store_note_add(s, b, "diverged at step 300", &note, &err), STORE_OK);
	ck_assert_int_gt(note, 0);

	/* Filters: stage, tag, children. */
	int n = 0;
	struct store_run_filter f = { .stage = "sft" };
	ck_assert_int_eq(store_runs_each(s, &f, count_run, &n, &err), STORE_OK);
	ck_assert_int_eq(n, 1);
	n = 0;
	f = (struct store_run_filter){ .tag = "paper" };
	ck_assert_int_eq(store_runs_each(s, &f, count_run, &n, &err), STORE_OK);
	ck_assert_int_eq(n, 2);
	f = (struct store_run_filter){ .parent = b };
	ck_assert_int_eq(store_runs_each(s, &f, copy_run, &rc, &err), STORE_OK);
	ck_assert_int_eq(rc.id, c);
	n = 0;
	f = (struct store_run_filter){ .limit = 2 };
	ck_assert_int_eq(store_runs_each(s, &f, count_run, &n, &err), STORE_OK);
	ck_assert_int_eq(n, 2);

	/* References: id, unique name, unique tag; ambiguity is an error. */
	store_id got;
	char ref[32];
	snprintf(ref, sizeof ref, "%lld", (long long)c);
	ck_assert_int_eq(store_run_resolve(s, ref, &got, &err), STORE_OK);
	ck_assert_int_eq(got, c);
	ck_assert_int_eq(store_run_resolve(s, "sft-demo", &got, &err), STORE_OK);
	ck_assert_int_eq(got, b);
	ck_assert_int_eq(store_run_resolve(s, "best", &got, &err), STORE_OK);
	ck_assert_int_eq(got, b);
	ck_assert_int_eq(store_run_resolve(s, "paper", &got, &err), STORE_EINVAL);
	ck_assert_int_eq(store_run_resolve(s, "nothing", &got, &err), STORE_ENOTFOUND);
	ck_assert_int_eq(store_run_resolve(s, "999", &got, &err), STORE_ENOTFOUND);
	/* Issue 18, bug 7: a resumed job's new run keeps the name; the name
	 * means the newest attempt, not two runs. Two unrelated runs of one
	 * name stay ambiguous. */
	store_id t1, t2, u1, u2;
	ck_assert_int_eq(store_run_create(s, "eval", "twice", 0, &t1, &err), STORE_OK);
	ck_assert_int_eq(store_run_create(s, "eval", "twice", 0, &t2, &err), STORE_OK);
	ck_assert_int_eq(store_run_resolve(s, "twice", &got, &err), STORE_EINVAL);
	ck_assert_int_eq(store_run_set_resumed_from(s, t2, t1, &err), STORE_OK);
	ck_assert_int_eq(store_run_resolve(s, "twice", &got, &err), STORE_OK);
	ck_assert_int_eq(got, t2);
	ck_assert_int_eq(store_run_create(s, "eval", "same", 0, &u1, &err), STORE_OK);
	ck_assert_int_eq(store_run_create(s, "eval", "same", 0, &u2, &err), STORE_OK);
	ck_assert_int_eq(store_run_set_resumed_from(s, u2, t1, &err), STORE_OK);
	ck_assert_int_eq(store_run_resolve(s, "same", &got, &err), STORE_EINVAL);
	ck_assert_int_eq(store_run_delete(s, t1, &err), STORE_OK);
	ck_assert_int_eq(store_run_delete(s, t2, &err), STORE_OK);
	ck_assert_int_eq(store_run_delete(s, u1, &err), STORE_OK);
	ck_assert_int_eq(store_run_delete(s, u2, &err), STORE_OK);

	/* Deleting a run takes what it owns; its child loses its parent. */
	ck_assert_int_eq(store_run_delete(s, b, &err), STORE_OK);
	ck_assert_int_eq(store_run_get(s, c, copy_run, &rc, &err), STORE_OK);
	ck_assert_int_eq(rc.parent, 0);
	buf[0] = '\0';
	ck_assert_int_eq(store_params_each(s, b, join_kv, buf, &err), STORE_OK);
	ck_assert_str_eq(buf, "");
	ck_assert_int_eq(store_run_delete(s, b, &err), STORE_ENOTFOUND);
	ck_assert_int_eq(store_check(s, NULL, NULL, NULL, &err), STORE_OK);
	store_close(s);
}
END_TEST

struct series {
	int n;
	char keys[8][16];
	int64_t step[8];
	double value[8];
};

static int add_point(void *ctx, const struct store_metric *m)
{
	struct series *x = ctx;
	if (x->n < 8) {
		snprintf(x->keys[x->n], 16, "%s", m->key);
		x->step[x->n] = m->step;
		x->value[x->n] = m->value;
	}
	x->n++;
	return 0;
}

START_TEST(metrics_keep_their_latest_value)
{
	struct store *s = fresh("metrics");
	struct store_err err;
	store_id r;
	ck_assert_int_eq(store_run_create(s, "sft", NULL, 0, &r, &err), STORE_OK);
	struct store_metric m[] = {
		{ "loss", 2, 2.5, 0 }, { "loss", 1, 3.0, 0 }, { "lr", 1, 1e-4, 0 }, { "loss", 3, 2.0, 0 },
	};
	ck_assert_int_eq(store_metrics_add(s, r, m, 4, &err), STORE_OK);
	struct series x = { 0 };
	ck_assert_int_eq(store_metric_series_each(s, r, "loss", add_point, &x, &err), STORE_OK);
	ck_assert_int_eq(x.n, 3);
	ck_assert_int_eq(x.step[0], 1);
	ck_assert_int_eq(x.step[2], 3);
	memset(&x, 0, sizeof x);
	ck_assert_int_eq(store_metrics_latest_each(s, r, add_point, &x, &err), STORE_OK);
	ck_assert_int_eq(x.n, 2);
	ck_assert_str_eq(x.keys[0], "loss");
	ck_assert_int_eq(x.step[0], 3);
	ck_assert(x.value[0] == 2.0);
	/* A step logged again (a resumed job) replaces the value, also the latest. */
	struct store_metric again = { "loss", 3, 1.75, 0 };
	ck_assert_int_eq(store_metrics_add(s, r, &again, 1, &err), STORE_OK);
	memset(&x, 0, sizeof x);
	ck_assert_int_eq(store_metrics_latest_each(s, r, add_point, &x, &err), STORE_OK);
	ck_assert(x.value[0] == 1.75);
	/* An older step logged late does not move the latest value. */
	struct store_metric late = { "loss", 0, 9.0, 0 };
	ck_assert_int_eq(store_metrics_add(s, r, &late, 1, &err), STORE_OK);
	memset(&x, 0, sizeof x);
	ck_assert_int_eq(store_metrics_latest_each(s, r, add_point, &x, &err), STORE_OK);
	ck_assert_int_eq(x.step[0], 3);
	/* A bad batch writes nothing. */
	struct store_metric bad[] = { { "loss", 10, 1.0, 0 }, { NULL, 11, 1.0, 0 } };
	ck_assert_int_eq(store_metrics_add(s, r, bad, 2, &err), STORE_EINVAL);
	ck_assert_int_eq(store_metrics_add(s, 999, m, 1, &err), STORE_ENOTFOUND);
	memset(&x, 0, sizeof x);
	ck_assert_int_eq(store_metric_series_each(s, r, NULL, add_point, &x, &err), STORE_OK);
	ck_assert_int_eq(x.n, 5);

	struct store_checkpoint ck = { .run = r, .step = 100, .kind = "policy",
	                               .path = "/tmp/x.safetensors", .meta = "{\"template\":1}" };
	store_id cid;
	ck_assert_int_eq(store_checkpoint_add(s, &ck, &cid, &err), STORE_OK);
	ck.kind = "weights";
	ck_assert_int_eq(store_checkpoint_add(s, &ck, NULL, &err), STORE_EINVAL);
	ck_assert_int_eq(store_check(s, NULL, NULL, NULL, &err), STORE_OK);
	store_close(s);
}
END_TEST

struct rows_seen {
	int n;
	double sum;
	int with_all;
};

static int see_row(void *ctx, const struct store_row *r)
{
	struct rows_seen *x = ctx;
	x->n++;
	if (r->n == 3 && r->has_reward[0] && r->has_reward[1] && r->has_reward[2])
		x->with_all++;
	for (int i = 0; i < r->n; i++)
		x->sum += r->reward[i];
	ck_assert_ptr_nonnull(r->prompt);
	return 0;
}

static int see_objective(void *ctx, const struct store_objective *o)
{
	int *n = ctx;
	ck_assert_int_eq(o->pos, *n);
	if (o->pos == 0) {
		ck_assert(o->has_stats);
		ck_assert(o->sigma == 2.0);
	}
	(*n)++;
	return 0;
}

START_TEST(datasets_rows_objectives_rewards)
{
	struct store *s = fresh("data");
	struct store_err err;
	store_id d, o[3];
	ck_assert_int_eq(store_dataset_create(s, "fortunes", "share/fortunes.jsonl", 0, &d, &err), STORE_OK);
	ck_assert_int_eq(store_dataset_create(s, "fortunes", NULL, 0, NULL, &err), STORE_EINVAL);
	static const char *const names[] = { "positivity", "brevity", "informativeness" };
	for (int i = 0; i < 3; i++) {
		char spec[64];
		snprintf(spec, sizeof spec, "rule:%s", names[i]);
		ck_assert_int_eq(store_objective_add(s, d, names[i], spec, &o[i], &err), STORE_OK);
	}
	struct store_row rows[50];
	char text[50][32];
	for (int i = 0; i < 50; i++) {
		snprintf(text[i], sizeof text[i], "prompt %d", i);
		rows[i] = (struct store_row){ .prompt = text[i], .response = "a, \"quoted\" answer" };
	}
	store_id ids[50];
	ck_assert_int_eq(store_rows_add(s, d, rows, 50, ids, &err), STORE_OK);
	double v[40 * 3];
	double sum = 0;
	for (int i = 0; i < 40 * 3; i++)
		sum += v[i] = i * 0.5;
	ck_assert_int_eq(store_rewards_add(s, o, 3, ids, v, 40, &err), STORE_OK);
	ck_assert_int_eq(store_objective_set_stats(s, o[0], 1.0, 2.0, -1.5, 2.5, &err), STORE_OK);
	ck_assert_int_eq(store_objective_set_stats(s, o[1], 1.0, 0.0, -1.5, 2.5, &err), STORE_EINVAL);
	double nan = NAN;
	ck_assert_int_eq(store_rewards_add(s, o, 1, ids, &nan, 1, &err), STORE_EINVAL);
	struct rows_seen seen = { 0 };
	ck_assert_int_eq(store_rows_each(s, d, see_row, &seen, &err), STORE_OK);
	ck_assert_int_eq(seen.n, 50);
	ck_assert_int_eq(seen.with_all, 40);
	ck_assert(fabs(seen.sum - sum) < 1e-9);
	int n = 0;
	ck_assert_int_eq(store_objectives_each(s, d, see_objective, &n, &err), STORE_OK);
	ck_assert_int_eq(n, 3);
	store_id found;
	ck_assert_int_eq(store_dataset_find(s, "fortunes", &found, &err), STORE_OK);
	ck_assert_int_eq(found, d);
	ck_assert_int_eq(store_rows_add(s, 999, rows, 1, NULL, &err), STORE_ENOTFOUND);
	ck_assert_int_eq(store_check(s, NULL, NULL, NULL, &err), STORE_OK);
	store_close(s);
}
END_TEST

struct samples_seen {
	int n, kept;
	double pref1;
};

static int see_sample(void *ctx, const struct store_sample *x)
{
	struct samples_seen *c = ctx;
	c->n++;
	c->kept += x->kept == 1;
	ck_assert_int_eq(x->n, 2);
	c->pref1 += x->preference[1];
	return 0;
}

static int see_point(void *ctx, const struct store_point *p)
{
	int *n = ctx;
	ck_assert_int_eq(p->n, 2);
	ck_assert(p->raw_mean[0] == 0.25 * (*n));
	(*n)++;
	return 0;
}

static int see_front(void *ctx, const struct store_front *f)
{
	ck_assert_int_eq(f->n_points, 2);
	ck_assert(f->reference[0] == -2.0);
	ck_assert(fabs(f->hypervolume - 1.5) < 1e-12);
	*(store_id *)ctx = f->id;
	return 0;
}

START_TEST(samples_points_fronts)
{
	struct store *s = fresh("results");
	struct store_err err;
	store_id r;
	ck_assert_int_eq(store_run_create(s, "eval", NULL, 0, &r, &err), STORE_OK);
	store_id pts[3];
	for (int i = 0; i < 3; i++) {
		struct store_point p = { .run = r, .n = 2, .preference = { 0.5 * i, 1 - 0.5 * i },
		                         .raw_mean = { 0.25 * i, 0.1 }, .norm_mean = { 0.3, -0.1 },
		                         .n_samples = 4 };
		ck_assert_int_eq(store_point_add(s, &p, &pts[i], &err), STORE_OK);
	}
	struct store_sample v[6];
	for (int i = 0; i < 6; i++)
		v[i] = (struct store_sample){ .run = r, .iteration = 1, .point = pts[i % 3],
		                              .prompt = "p", .response = "r", .n = 2,
		                              .preference = { 0.3, 0.7 }, .desired = { 1.2, -0.3 },
		                              .raw = { 0.1, 0.2 }, .norm = { -0.5, 1e-300 },
		                              .kept = i % 2 ? 1 : -1 };
	ck_assert_int_eq(store_samples_add(s, v, 6, NULL, &err), STORE_OK);
	v[0].n = 0;
	ck_assert_int_eq(store_samples_add(s, v, 1, NULL, &err), STORE_EINVAL);
	v[0].n = 2;
	v[0].raw[0] = INFINITY;
	ck_assert_int_eq(store_samples_add(s, v, 1, NULL, &err), STORE_EINVAL);
	struct samples_seen seen = { 0 };
	ck_assert_int_eq(store_samples_each(s, r, see_sample, &seen, &err), STORE_OK);
	ck_assert_int_eq(seen.n, 6);
	ck_assert_int_eq(seen.kept, 3);
	ck_assert(fabs(seen.pref1 - 4.2) < 1e-12);
	int64_t count;
	ck_assert_int_eq(store_samples_count(s, r, &count, &err), STORE_OK);
	ck_assert_int_eq(count, 6);
	int n = 0;
	ck_assert_int_eq(store_points_each(s, r, see_point, &n, &err), STORE_OK);
	ck_assert_int_eq(n, 3);
	struct store_front f = { .run = r, .name = "linf", .hypervolume = 1.5, .n = 2,
	                         .reference = { -2.0, -2.0 } };
	ck_assert_int_eq(store_front_add(s, &f, pts, 2, NULL, &err), STORE_OK);
	store_id fid = 0;
	ck_assert_int_eq(store_fronts_each(s, r, see_front, &fid, &err), STORE_OK);
	ck_assert_int_gt(fid, 0);
	n = 0;
	ck_assert_int_eq(store_front_points_each(s, fid, see_point, &n, &err), STORE_OK);
	ck_assert_int_eq(n, 2);
	/* A front naming a point that does not exist writes nothing. */
	store_id ghost[] = { pts[0], 12345 };
	ck_assert_int_ne(store_front_add(s, &f, ghost, 2, NULL, &err), STORE_OK);
	fid = 0;
	int fronts = 0;
	ck_assert_int_eq(store_fronts_each(s, r, count_front, &fronts, &err), STORE_OK);
	ck_assert_int_eq(fronts, 1);
	ck_assert_int_eq(store_check(s, NULL, NULL, NULL, &err), STORE_OK);
	store_close(s);
}
END_TEST

struct job_copy {
	char state[16], error[64], proc[64];
	int64_t step, total, heartbeat, pid, finished;
	store_id run;
};

static int copy_job(void *ctx, const struct store_job *j)
{
	struct job_copy *c = ctx;
	snprintf(c->state, sizeof c->state, "%s", j->state);
	snprintf(c->error, sizeof c->error, "%s", j->error ? j->error : "");
	c->step = j->step;
	c->total = j->total;
	c->heartbeat = j->heartbeat_ms;
	c->pid = j->pid;
	c->finished = j->finished_ms;
	c->run = j->run;
	snprintf(c->proc, sizeof c->proc, "%s", j->proc_start ? j->proc_start : "");
	return 0;
}

START_TEST(jobs_move_through_their_states)
{
	struct store *s = fresh("jobs");
	struct store_err err;
	store_id j, r;
	ck_assert_int_eq(store_job_create(s, "ric sft --job 1", "/tmp/sft.log", &j, &err), STORE_OK);
	ck_assert_int_eq(store_run_create(s, "sft", NULL, 0, &r, &err), STORE_OK);
	struct job_copy c;
	ck_assert_int_eq(store_job_get(s, j, copy_job, &c, &err), STORE_OK);
	ck_assert_str_eq(c.state, "queued");
	ck_assert_int_eq(store_job_start(s, j, 4242, r, &err), STORE_OK);
	ck_assert_int_eq(store_job_start(s, j, 4242, r, &err), STORE_ENOTFOUND);
	ck_assert_int_eq(store_job_progress(s, j, 10, 100, 512.5, 9000, &err), STORE_OK);
	ck_assert_int_eq(store_job_heartbeat(s, j, &err), STORE_OK);
	ck_assert_int_eq(store_job_get(s, j, copy_job, &c, &err), STORE_OK);
	ck_assert_str_eq(c.state, "running");
	ck_assert_int_eq(c.step, 10);
	ck_assert_int_eq(c.total, 100);
	ck_assert_int_eq(c.pid, 4242);
	ck_assert_int_eq(c.run, r);
	ck_assert_int_gt(c.heartbeat, 0);
	ck_assert_int_eq(store_job_set_state(s, j, "failed", NULL, &err), STORE_EINVAL);
	ck_assert_int_eq(store_job_set_state(s, j, "exploded", "x", &err), STORE_EINVAL);
	ck_assert_int_eq(store_job_set_state(s, j, "failed", "killed by SIGKILL", &err), STORE_OK);
	ck_assert_int_eq(store_job_get(s, j, copy_job, &c, &err), STORE_OK);
	ck_assert_str_eq(c.state, "failed");
	ck_assert_str_eq(c.error, "killed by SIGKILL");
	ck_assert_int_gt(c.finished, 0);
	ck_assert_int_eq(store_job_heartbeat(s, 999, &err), STORE_ENOTFOUND);
	int n = 0;
	ck_assert_int_eq(store_jobs_each(s, "failed", count_job, &n, &err), STORE_OK);
	ck_assert_int_eq(n, 1);
	ck_assert_int_eq(store_check(s, NULL, NULL, NULL, &err), STORE_OK);
	store_close(s);
}
END_TEST

START_TEST(nested_transactions_roll_back_inner_work_only)
{
	struct store *s = fresh("nested");
	struct store_err err;
	store_id a, b;
	ck_assert_int_eq(store_begin(s, &err), STORE_OK);
	ck_assert_int_eq(store_run_create(s, "sft", "outer", 0, &a, &err), STORE_OK);
	ck_assert_int_eq(store_begin(s, &err), STORE_OK);
	ck_assert_int_eq(store_run_create(s, "sft", "inner", 0, &b, &err), STORE_OK);
	store_rollback(s);
	ck_assert_int_eq(store_commit(s, &err), STORE_OK);
	ck_assert_int_eq(store_commit(s, &err), STORE_EINVAL);
	store_id got;
	ck_assert_int_eq(store_run_resolve(s, "outer", &got, &err), STORE_OK);
	ck_assert_int_eq(store_run_resolve(s, "inner", &got, &err), STORE_ENOTFOUND);
	store_close(s);
}
END_TEST

START_TEST(data_version_tells_a_poller_of_other_writers)
{
	struct store *a = fresh("poll");
	struct store *b;
	struct store_err err;
	ck_assert_int_eq(store_open(store_path(a), 0, &b, &err), STORE_OK);
	int64_t v0, v1, v2;
	ck_assert_int_eq(store_data_version(a, &v0, &err), STORE_OK);
	ck_assert_int_eq(store_data_version(a, &v1, &err), STORE_OK);
	ck_assert_int_eq(v0, v1);
	ck_assert_int_eq(store_run_create(b, "sft", NULL, 0, NULL, &err), STORE_OK);
	ck_assert_int_eq(store_data_version(a, &v2, &err), STORE_OK);
	ck_assert_int_ne(v2, v1);
	store_close(b);
	store_close(a);
}
END_TEST

/* Closes *s, runs sql on its file with plain SQLite (breaking rules behind
 * the store's back) and opens it again. */
static void tamper(struct store **s, const char *sql)
{
	char path[4096];
	snprintf(path, sizeof path, "%s", store_path(*s));
	store_close(*s);
	sqlite3 *db;
	ck_assert_int_eq(sqlite3_open(path, &db), SQLITE_OK);
	ck_assert_int_eq(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
	struct store_err err;
	ck_assert_msg(store_open(path, 0, s, &err) == STORE_OK, "%s", err.msg);
}

static int collect_problem(void *ctx, const char *line)
{
	strncat(ctx, line, 200);
	strcat(ctx, "\n");
	return 0;
}

START_TEST(check_finds_broken_invariants)
{
	struct store *s = fresh("broken");
	struct store_err err;
	store_id r;
	ck_assert_int_eq(store_run_create(s, "sft", NULL, 0, &r, &err), STORE_OK);
	struct store_metric m = { "loss", 5, 1.0, 0 };
	ck_assert_int_eq(store_metrics_add(s, r, &m, 1, &err), STORE_OK);
	/* Break two rules. */
	tamper(&s, "UPDATE runs SET status = 'done'; UPDATE metrics_latest SET value = 7;");
	char lines[2048] = "";
	int64_t n;
	ck_assert_int_eq(store_check(s, collect_problem, lines, &n, &err), STORE_ECORRUPT);
	ck_assert_int_eq(n, 2);
	ck_assert_ptr_nonnull(strstr(lines, "status and its finish time"));
	ck_assert_ptr_nonnull(strstr(lines, "latest-value table disagrees"));
	ck_assert_int_eq(store_vacuum(s, &err), STORE_OK);
	store_close(s);
}
END_TEST

struct split_seen {
	int n, eval, paired;
	store_id last;
};

static int see_split_row(void *ctx, const struct store_row *r)
{
	struct split_seen *c = ctx;
	ck_assert_int_gt(r->id, c->last);
	c->last = r->id;
	c->n++;
	c->eval += strcmp(r->split, "eval") == 0;
	c->paired += r->pair != 0;
	ck_assert((r->pair != 0) == (r->role != NULL));
	return 0;
}

static int see_pair(void *ctx, const struct store_pair *p)
{
	int *n = ctx;
	ck_assert_str_eq(p->prompt, "which?");
	ck_assert_str_eq(p->chosen, "this one");
	ck_assert_str_eq(p->rejected, "that one");
	ck_assert_int_eq(p->pair, *n + 1);
	ck_assert_int_lt(p->chosen_row, p->rejected_row);
	(*n)++;
	return 0;
}

struct rewards_seen {
	int n;
	double sum;
};

static int see_reward(void *ctx, store_id row, double v)
{
	struct rewards_seen *c = ctx;
	(void)row;
	c->n++;
	c->sum += v;
	return 0;
}

static int see_stats(void *ctx, const struct store_objective *o)
{
	if (o->pos == 0) {
		ck_assert(o->has_stats);
		ck_assert(o->mu == 0.5 && o->sigma == 2.0 && o->lo == -1.0 && o->hi == 3.0);
		(*(int *)ctx)++;
	}
	return 0;
}

static int see_own_text(void *ctx, const struct store_row *r)
{
	store_id first = *(store_id *)ctx;
	if (r->pair == 0) {
		char want[8];
		snprintf(want, sizeof want, "r%d", (int)(r->id - first));
		ck_assert_str_eq(r->response, want);
		ck_assert_str_eq(r->split, (r->id - first) % 3 == 0 ? "eval" : "train");
	} else {
		ck_assert_str_eq(r->response, strcmp(r->role, "chosen") == 0 ? "this one" : "that one");
	}
	return 0;
}

static int count_dataset(void *ctx, const struct store_dataset *d)
{
	(void)d;
	(*(int *)ctx)++;
	return 0;
}

START_TEST(an_import_shows_only_once_complete)
{
	struct store *s = fresh("complete");
	struct store_err err;
	store_id run, d, d2, found;
	ck_assert_int_eq(store_run_create(s, "import", NULL, 0, &run, &err), STORE_OK);
	ck_assert_int_eq(store_dataset_start(s, "big", NULL, run, &d, &err), STORE_OK);
	struct store_row r = { .prompt = "p", .response = "r" };
	ck_assert_int_eq(store_rows_add(s, d, &r, 1, NULL, &err), STORE_OK);
	/* hidden while it is being imported, and its name is taken meanwhile */
	ck_assert_int_eq(store_dataset_find(s, "big", &found, &err), STORE_ENOTFOUND);
	int n = 0;
	ck_assert_int_eq(store_datasets_each(s, count_dataset, &n, &err), STORE_OK);
	ck_assert_int_eq(n, 0);
	ck_assert_int_eq(store_dataset_start(s, "big", NULL, 0, &d2, &err), STORE_EINVAL);
	ck_assert_ptr_nonnull(strstr(err.msg, "being imported"));
	ck_assert_int_eq(store_check(s, NULL, NULL, NULL, &err), STORE_OK);
	ck_assert_int_eq(store_dataset_complete(s, d, &err), STORE_OK);
	ck_assert_int_eq(store_dataset_find(s, "big", &found, &err), STORE_OK);
	ck_assert_int_eq(found, d);
	ck_assert_int_eq(store_dataset_start(s, "big", NULL, 0, &d2, &err), STORE_EINVAL);
	ck_assert_ptr_nonnull(strstr(err.msg, "already a dataset"));

	/* an import whose run died: store check reports the dataset; a new
	 * import of the name replaces it; the dead run's rows go with it */
	store_id run2, half;
	ck_assert_int_eq(store_run_create(s, "import", NULL, 0, &run2, &err), STORE_OK);
	ck_assert_int_eq(store_dataset_start(s, "half", NULL, run2, &half, &err), STORE_OK);
	ck_assert_int_eq(store_rows_add(s, half, &r, 1, NULL, &err), STORE_OK);
	ck_assert_int_eq(store_run_finish(s, run2, "failed", "disk full", &err), STORE_OK);
	char lines[2048] = "";
	ck_assert_int_eq(store_check(s, collect_problem, lines, NULL, &err), STORE_ECORRUPT);
	ck_assert_ptr_nonnull(strstr(lines, "(half): incomplete"));
	n = 0;
	ck_assert_int_eq(store_datasets_drop_unfinished(s, count_dataset, &n, &err), STORE_OK);
	ck_assert_int_eq(n, 1);
	ck_assert_int_eq(store_check(s, NULL, NULL, NULL, &err), STORE_OK);
	ck_assert_int_eq(store_dataset_start(s, "half", NULL, run2, &half, &err), STORE_OK);
	ck_assert_int_eq(store_run_create(s, "import", NULL, 0, &run2, &err), STORE_OK);
	ck_assert_int_eq(store_dataset_start(s, "gone", NULL, run2, &d2, &err), STORE_OK);
	ck_assert_int_eq(store_rows_add(s, d2, &r, 1, NULL, &err), STORE_OK);
	int changed = 0;
	ck_assert_int_eq(store_run_fail_dead(s, run2, "its process is gone", &changed, &err), STORE_OK);
	ck_assert_int_eq(changed, 1);
	ck_assert_int_eq(store_run_fail_dead(s, run2, "again", &changed, &err), STORE_OK);
	ck_assert_int_eq(changed, 0);
	ck_assert_int_eq(store_dataset_start(s, "gone", NULL, 0, &d2, &err), STORE_OK);
	store_close(s);
}
END_TEST

/* An import's end is one commit: metrics, the dataset shown, the run done --
 * or, when any part fails, none of them. */
START_TEST(an_import_finishes_in_one_commit)
{
	struct store *s = fresh("finish");
	struct store_err err;
	store_id run, d, found;
	ck_assert_int_eq(store_run_create(s, "import", NULL, 0, &run, &err), STORE_OK);
	ck_assert_int_eq(store_dataset_start(s, "set", NULL, run, &d, &err), STORE_OK);
	struct store_metric m[] = { { "rows", 0, 3, 0 }, { "train", 0, 2, 0 } };
	ck_assert_int_eq(store_dataset_finish(s, d + 100, run, m, 2, &err), STORE_ENOTFOUND);
	struct series x = { 0 };
	ck_assert_int_eq(store_metrics_latest_each(s, run, add_point, &x, &err), STORE_OK);
	ck_assert_int_eq(x.n, 0);
	struct run_copy c;
	ck_assert_int_eq(store_run_get(s, run, copy_run, &c, &err), STORE_OK);
	ck_assert_str_eq(c.status, "running");
	ck_assert_int_eq(store_dataset_find(s, "set", &found, &err), STORE_ENOTFOUND);

	ck_assert_int_eq(store_dataset_finish(s, d, run, m, 2, &err), STORE_OK);
	ck_assert_int_eq(store_metrics_latest_each(s, run, add_point, &x, &err), STORE_OK);
	ck_assert_int_eq(x.n, 2);
	ck_assert_int_eq(store_run_get(s, run, copy_run, &c, &err), STORE_OK);
	ck_assert_str_eq(c.status, "done");
	ck_assert_int_eq(store_dataset_find(s, "set", &found, &err), STORE_OK);
	ck_assert_int_eq(found, d);
	store_close(s);
}
END_TEST

START_TEST(runs_record_their_process_and_die_in_both_tables)
{
	struct store *s = fresh("liveness");
	struct store_err err;
	ck_assert_int_eq(store_set_process(s, 4242, "boot:77", &err), STORE_OK);
	store_id r, j;
	ck_assert_int_eq(store_run_create(s, "relabel", NULL, 0, &r, &err), STORE_OK);
	struct run_copy c;
	ck_assert_int_eq(store_run_get(s, r, copy_run, &c, &err), STORE_OK);
	ck_assert_int_eq(c.pid, 4242);
	ck_assert_str_eq(c.proc, "boot:77");
	ck_assert_int_gt(c.heartbeat, 0);
	ck_assert_int_eq(store_run_heartbeat(s, r, &err), STORE_OK);
	ck_assert_int_eq(store_run_heartbeat(s, r + 100, &err), STORE_ENOTFOUND);
	ck_assert_int_eq(store_job_create(s, "[\"relabel\"]", NULL, &j, &err), STORE_OK);
	ck_assert_int_eq(store_job_start(s, j, 4242, r, &err), STORE_OK);
	struct job_copy jc;
	ck_assert_int_eq(store_job_get(s, j, copy_job, &jc, &err), STORE_OK);
	ck_assert_str_eq(jc.proc, "boot:77");
	/* a dead run fails with its job, in one go */
	int changed;
	ck_assert_int_eq(store_run_fail_dead(s, r, "stale: its process is gone", &changed, &err), STORE_OK);
	ck_assert_int_eq(store_run_get(s, r, copy_run, &c, &err), STORE_OK);
	ck_assert_str_eq(c.status, "failed");
	ck_assert_int_eq(store_job_get(s, j, copy_job, &jc, &err), STORE_OK);
	ck_assert_str_eq(jc.state, "failed");
	ck_assert_str_eq(jc.error, "stale: its process is gone");
	/* the job resumed: its new run continues the old one */
	store_id r2;
	ck_assert_int_eq(store_job_set_state(s, j, "queued", NULL, &err), STORE_OK);
	ck_assert_int_eq(store_run_create(s, "relabel", NULL, 0, &r2, &err), STORE_OK);
	ck_assert_int_eq(store_job_start(s, j, 4243, r2, &err), STORE_OK);
	ck_assert_int_eq(store_run_get(s, r2, copy_run, &c, &err), STORE_OK);
	ck_assert_int_eq(c.resumed_from, r);
	ck_assert_int_eq(store_job_get(s, j, copy_job, &jc, &err), STORE_OK);
	ck_assert_str_eq(jc.proc, "");     /* pid 4243 is not this connection's process */
	ck_assert_int_eq(store_run_set_resumed_from(s, r, r2, &err), STORE_EINVAL);
	ck_assert_int_eq(store_check(s, NULL, NULL, NULL, &err), STORE_OK);
	/* a resumed_from that is not older breaks a rule */
	char lines[2048] = "";
	tamper(&s, "UPDATE runs SET resumed_from = id WHERE id = 1;");
	ck_assert_int_eq(store_check(s, collect_problem, lines, NULL, &err), STORE_ECORRUPT);
	ck_assert_ptr_nonnull(strstr(lines, "continues a run that is not older"));
	store_close(s);
}
END_TEST

START_TEST(an_objective_goes_with_its_scores)
{
	struct store *s = fresh("rmobj");
	struct store_err err;
	store_id d, o[3], rows[2];
	ck_assert_int_eq(store_dataset_create(s, "d", NULL, 0, &d, &err), STORE_OK);
	struct store_row r[2] = { { .prompt = "a", .response = "b" }, { .prompt = "c", .response = "d" } };
	ck_assert_int_eq(store_rows_add(s, d, r, 2, rows, &err), STORE_OK);
	const char *names[3] = { "x", "y", "z" };
	for (int i = 0; i < 3; i++)
		ck_assert_int_eq(store_objective_add(s, d, names[i], "length", &o[i], &err), STORE_OK);
	double v[6] = { 1, 2, 3, 4, 5, 6 };
	ck_assert_int_eq(store_rewards_add(s, o, 3, rows, v, 2, &err), STORE_OK);
	ck_assert_int_eq(store_objective_delete(s, o[1], &err), STORE_OK);
	ck_assert_int_eq(store_objective_delete(s, o[1], &err), STORE_ENOTFOUND);
	store_id found;
	ck_assert_int_eq(store_objective_find(s, d, "y", &found, &err), STORE_ENOTFOUND);
	struct rewards_seen seen = { 0 };
	ck_assert_int_eq(store_rewards_each(s, o[1], NULL, see_reward, &seen, &err), STORE_OK);
	ck_assert_int_eq(seen.n, 0);
	/* z moved up to position 1; its scores stay */
	seen = (struct rewards_seen){ 0 };
	ck_assert_int_eq(store_rewards_each(s, o[2], NULL, see_reward, &seen, &err), STORE_OK);
	ck_assert_int_eq(seen.n, 2);
	ck_assert(seen.sum == 3 + 6);
	ck_assert_int_eq(store_check(s, NULL, NULL, NULL, &err), STORE_OK);
	store_id again;
	ck_assert_int_eq(store_objective_add(s, d, "w", "length", &again, &err), STORE_OK);
	ck_assert_int_eq(store_check(s, NULL, NULL, NULL, &err), STORE_OK);
	store_close(s);
}
END_TEST

START_TEST(splits_pairs_and_resumable_queries)
{
	struct store *s = fresh("splits");
	struct store_err err;
	store_id d, o, run;
	ck_assert_int_eq(store_dataset_create(s, "hh", NULL, 0, &d, &err), STORE_OK);
	ck_assert_int_eq(store_objective_add(s, d, "len", "length", &o, &err), STORE_OK);
	/* 10 plain rows (every third held out) and 4 pairs (the last one held out). */
	struct store_row rows[18];
	static char text[10][8];
	for (int i = 0; i < 10; i++) {
		snprintf(text[i], sizeof text[i], "r%d", i);
		rows[i] = (struct store_row){ .prompt = "p", .response = text[i],
		                              .split = i % 3 == 0 ? "eval" : NULL };
	}
	for (int k = 0; k < 4; k++) {
		const char *split = k == 3 ? "eval" : "train";
		rows[10 + 2 * k] = (struct store_row){ .prompt = "which?", .response = "this one",
		                                       .split = split, .pair = k + 1, .role = "chosen" };
		rows[11 + 2 * k] = (struct store_row){ .prompt = "which?", .response = "that one",
		                                       .split = split, .pair = k + 1, .role = "rejected" };
	}
	store_id ids[18];
	ck_assert_int_eq(store_rows_add(s, d, rows, 18, ids, &err), STORE_OK);
	/* A bad split, a role without a pair, the same role twice in a pair: refused. */
	struct store_row bad = { .prompt = "p", .response = "r", .split = "test" };
	ck_assert_int_eq(store_rows_add(s, d, &bad, 1, NULL, &err), STORE_EINVAL);
	ck_assert_ptr_nonnull(strstr(err.msg, "split 'test'"));
	bad = (struct store_row){ .prompt = "p", .response = "r", .role = "chosen" };
	ck_assert_int_eq(store_rows_add(s, d, &bad, 1, NULL, &err), STORE_EINVAL);
	bad = (struct store_row){ .prompt = "which?", .response = "r", .pair = 1, .role = "chosen" };
	ck_assert_int_ne(store_rows_add(s, d, &bad, 1, NULL, &err), STORE_OK);

	struct store_row_query q = { .split = "eval" };
	struct split_seen seen = { 0 };
	ck_assert_int_eq(store_rows_query(s, d, &q, see_split_row, &seen, &err), STORE_OK);
	ck_assert_int_eq(seen.n, 4 + 2);
	ck_assert_int_eq(seen.eval, 6);
	ck_assert_int_eq(seen.paired, 2);
	int64_t n;
	ck_assert_int_eq(store_rows_count(s, d, &q, &n, &err), STORE_OK);
	ck_assert_int_eq(n, 6);
	q.split = "train";
	ck_assert_int_eq(store_rows_count(s, d, &q, &n, &err), STORE_OK);
	ck_assert_int_eq(n, 12);
	int np = 0;
	ck_assert_int_eq(store_pairs_each(s, d, "train", see_pair, &np, &err), STORE_OK);
	ck_assert_int_eq(np, 3);
	ck_assert_int_eq(store_pairs_count(s, d, NULL, &n, &err), STORE_OK);
	ck_assert_int_eq(n, 4);

	/* Score 5 rows, then page through the rest with .lacking and .after. */
	double v[5] = { 1, 2, 3, 4, 5 };
	ck_assert_int_eq(store_rewards_add(s, &o, 1, ids + 2, v, 5, &err), STORE_OK);
	q = (struct store_row_query){ .lacking = o };
	ck_assert_int_eq(store_rows_count(s, d, &q, &n, &err), STORE_OK);
	ck_assert_int_eq(n, 13);
	q.limit = 4;
	int pages = 0, total = 0;
	for (;;) {
		struct split_seen page = { 0 };
		ck_assert_int_eq(store_rows_query(s, d, &q, see_split_row, &page, &err), STORE_OK);
		if (page.n == 0)
			break;
		ck_assert_int_le(page.n, 4);
		total += page.n;
		pages++;
		q.after = page.last;
	}
	ck_assert_int_eq(total, 13);
	ck_assert_int_eq(pages, 4);

	/* Each row comes with its own text, also when rewards make it span several steps. */
	store_id first = ids[0];
	ck_assert_int_eq(store_rows_each(s, d, see_own_text, &first, &err), STORE_OK);
	struct rewards_seen rs = { 0 };
	ck_assert_int_eq(store_rewards_each(s, o, "train", see_reward, &rs, &err), STORE_OK);
	/* ids[2..6] hold 1..5; ids[3] and ids[6] are eval rows (3, 6 are multiples of 3). */
	ck_assert_int_eq(rs.n, 3);
	ck_assert(rs.sum == 1 + 3 + 4);
	store_id found;
	ck_assert_int_eq(store_objective_find(s, d, "len", &found, &err), STORE_OK);
	ck_assert_int_eq(found, o);
	ck_assert_int_eq(store_objective_find(s, d, "nope", &found, &err), STORE_ENOTFOUND);
	ck_assert_ptr_nonnull(strstr(err.msg, "'nope'"));
	ck_assert_int_eq(store_run_create(s, "relabel", NULL, 0, &run, &err), STORE_OK);
	ck_assert_int_eq(store_objective_set_stats_from(s, o, 0.5, 2.0, -1.0, 3.0, run, 3, &err),
	                 STORE_OK);
	ck_assert_int_eq(store_objective_set_stats_from(s, o, 0.5, -2.0, -1.0, 3.0, run, 3, &err),
	                 STORE_EINVAL);
	int ok = 0;
	ck_assert_int_eq(store_objectives_each(s, d, see_stats, &ok, &err), STORE_OK);
	ck_assert_int_eq(ok, 1);
	ck_assert_int_eq(store_check(s, NULL, NULL, NULL, &err), STORE_OK);
	/* A pair whose rows disagree on the split is found by the check. */
	tamper(&s, "UPDATE dataset_rows SET split = 'eval' WHERE pair_id = 2 AND role = 'chosen'");
	char lines[2048] = "";
	ck_assert_int_eq(store_check(s, collect_problem, lines, &n, &err), STORE_ECORRUPT);
	ck_assert_int_eq(n, 1);
	ck_assert_msg(strstr(lines, "pair (dataset/pair) 1/2") != NULL, "%s", lines);
	store_close(s);
}
END_TEST

Suite *harness_suite(void)
{
	Suite *s = suite_create("store");
	harness_add(s, "api",
	            fresh_store_is_created_at_the_current_version, missing_folders_are_made_only_when_asked,
	            runs_params_tags_notes_and_lineage,
	            metrics_keep_their_latest_value,
	            datasets_rows_objectives_rewards,
	            samples_points_fronts,
	            jobs_move_through_their_states,
	            nested_transactions_roll_back_inner_work_only,
	            check_finds_broken_invariants,
	            data_version_tells_a_poller_of_other_writers,
	            splits_pairs_and_resumable_queries,
	            an_import_shows_only_once_complete,
	            an_import_finishes_in_one_commit,
	            runs_record_their_process_and_die_in_both_tables,
	            an_objective_goes_with_its_scores,
	            NULL);
	return s;
}
