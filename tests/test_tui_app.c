/* src/tui_app and the store queries behind the screens, without a terminal:
 * a RiC checkpoint and a store made here; sliders, commands, saving and
 * exporting samples, runs (filter, sort, tag, delete), fronts of eval runs,
 * jobs and their logs, and live reloads when another connection writes. */
#include "config.h"

#include "tests/harness.h"
#include "tests/tui_fixture.h"
#include "src/tui_app.h"
#include "src/tui_app_int.h"
#include "engine/pareto.h"
#include "src/tui_fronts.h"
#include "src/tui_jobs.h"
#include "src/tui_runs.h"
#include "src/tui_view.h"
#include "src/job_state.h"
#include "src/paths.h"

#include <jansson.h>
#include <math.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char ckpt[4096], db[4096];

static struct tui_app *open_app(int load)
{
	struct status st = STATUS_INIT;
	snprintf(ckpt, sizeof ckpt, "%s/ric", harness_tmpdir());
	snprintf(db, sizeof db, "%s/store.db", harness_tmpdir());
	/* every test starts from an empty store, forked or not */
	const char *ext[] = { "", "-wal", "-shm" };
	for (int i = 0; i < 3; i++) {
		char f[4200];
		snprintf(f, sizeof f, "%s%s", db, ext[i]);
		unlink(f);
	}
	ck_assert_msg(tui_fixture_make(ckpt, harness_srcdir(), 128, 1, &st) == STATUS_OK, "%s", st.msg);
	char err[512];
	struct tui_app *a = tui_app_new(db, 0, err, sizeof err);
	ck_assert_msg(a != NULL, "%s", err);
	a->req.max_new = 16;
	if (load)
		ck_assert_msg(tui_app_load(a, ckpt) == 0, "%s", a->status);
	return a;
}

static void wait_done(struct tui_app *a)
{
	for (int i = 0; a->generating && i < 600; i++) {
		struct pollfd p = { .fd = tui_app_gen_fd(a), .events = POLLIN };
		if (poll(&p, 1, 100) > 0)
			tui_app_gen_events(a);
	}
	ck_assert_msg(!a->generating, "generation did not end: %s", a->status);
}

static char *texts(const struct tui_app *a, int side)
{
	static char buf[2][4096];
	buf[side][0] = '\0';
	for (size_t i = 0; i < a->req.n; i++) {
		strncat(buf[side], a->samples[side][i].text ? a->samples[side][i].text : "",
		        sizeof buf[side] - strlen(buf[side]) - 2);
		strcat(buf[side], "|");
	}
	return buf[side];
}

START_TEST(no_checkpoint_says_how_to_load_one)
{
	struct tui_app *a = open_app(0);
	ck_assert_ptr_nonnull(strstr(a->status, ":load PATH"));
	tui_app_action(a, ACTION_SLIDER_INC); /* nothing to move, nothing breaks */
	ck_assert_int_eq(tui_app_command(a, ":pref 0.5 0.5"), -1);
	ck_assert_ptr_nonnull(strstr(a->status, "no checkpoint loaded"));
	ck_assert_int_eq(tui_app_command(a, ":load /nonexistent/ckpt"), -1);
	ck_assert(a->status_error);
	ck_assert_ptr_nonnull(strstr(a->status, "/nonexistent/ckpt"));
	tui_app_free(a);
}
END_TEST

START_TEST(sliders_rebalance_and_restart_generation)
{
	struct tui_app *a = open_app(1);
	ck_assert_uint_eq(a->n_obj, 2);
	ck_assert_double_eq_tol(a->w[0][0], 0.5, 1e-12);
	wait_done(a);
	for (size_t i = 0; i < a->req.n; i++)
		ck_assert(a->samples[0][i].scored);
	char before[4096];
	snprintf(before, sizeof before, "%s", texts(a, 0));
	unsigned id = a->gen_id;
	tui_app_action(a, ACTION_SLIDER_INC_LARGE);
	ck_assert_double_eq_tol(a->w[0][0], 0.7, 1e-12);
	ck_assert_double_eq_tol(a->w[0][1], 0.3, 1e-12);
	ck_assert_uint_ne(a->gen_id, id);
	ck_assert(a->generating);
	/* the target of objective 1 moved down: linf lo + 2 w (hi - lo) */
	ck_assert_double_eq_tol(a->target[0][1], round((-1.2 + 0.6 * 3.0) * 10) / 10, 1e-9);
	wait_done(a);
	ck_assert_str_ne(texts(a, 0), before);
	/* focus the second slider, lock it: the first can no longer move */
	tui_app_action(a, ACTION_SLIDER_NEXT);
	ck_assert_int_eq(a->focus, 1);
	tui_app_action(a, ACTION_SLIDER_LOCK);
	ck_assert(a->locked[0][1]);
	tui_app_action(a, ACTION_SLIDER_PREV);
	id = a->gen_id;
	tui_app_action(a, ACTION_SLIDER_INC);
	ck_assert_double_eq_tol(a->w[0][0], 0.7, 1e-12);
	ck_assert_uint_eq(a->gen_id, id);
	ck_assert(a->status_error);
	ck_assert_int_eq(tui_app_command(a, ":lock 2"), 0);
	ck_assert(!a->locked[0][1]);
	/* a slider can not go below 0 or above 1 */
	for (int i = 0; i < 10; i++)
		tui_app_set_weight(a, 0, 0, a->w[0][0] + 0.2);
	ck_assert_double_eq_tol(a->w[0][0], 1.0, 1e-12);
	ck_assert_double_eq_tol(a->w[0][1], 0.0, 1e-12);
	wait_done(a);
	tui_app_free(a);
}
END_TEST

/* Issue 18, bug 2: a weight at 0 or 1 is at its end, not locked. */
START_TEST(a_slider_at_its_end_says_so)
{
	struct tui_app *a = open_app(1);
	for (int i = 0; i < 10; i++)
		tui_app_action(a, ACTION_SLIDER_INC_LARGE);
	ck_assert_double_eq_tol(a->w[0][0], 1.0, 1e-12);
	ck_assert_msg(!strstr(a->status, "locked"), "%s", a->status);
	ck_assert_msg(strstr(a->status, "already at 1"), "%s", a->status);
	for (int i = 0; i < 6; i++)
		tui_app_action(a, ACTION_SLIDER_DEC_LARGE);
	ck_assert_double_eq_tol(a->w[0][0], 0.0, 1e-12);
	ck_assert_msg(!strstr(a->status, "locked"), "%s", a->status);
	ck_assert_msg(strstr(a->status, "already at 0"), "%s", a->status);
	wait_done(a);
	tui_app_free(a);
}
END_TEST

/* Issue 18: the samples' mean and standard error beside each target, in
 * the unit shown (z, or raw after u). */
START_TEST(steer_means_beside_targets)
{
	struct tui_app *a = open_app(1);
	wait_done(a);
	const struct ricmeta *m = tui_gen_meta(a->gen);
	for (int raw = 0; raw < 2; raw++) {
		struct tui_view tv;
		tui_view_build(a, &tv);
		ck_assert_int_eq(tv.steer.raw, raw);
		ck_assert_ptr_nonnull(tv.steer.pref[0].obtained);
		for (size_t j = 0; j < a->n_obj; j++) {
			double sum = 0, sq = 0;
			size_t n = a->req.n;
			for (size_t i = 0; i < n; i++) {
				double v = raw ? a->samples[0][i].raw[j] : a->samples[0][i].norm[j];
				sum += v;
				sq += v * v;
			}
			double mean = sum / (double)n, var = (sq - (double)n * mean * mean) / (double)(n - 1);
			ck_assert_double_eq_tol(tv.steer.pref[0].obtained[j], mean, 1e-9);
			ck_assert_double_eq_tol(tv.steer.pref[0].obtained_se[j], sqrt(var > 0 ? var : 0) / sqrt((double)n),
			                        1e-9);
			double t = a->target[0][j];
			ck_assert_double_eq_tol(tv.steer.pref[0].target[j],
			                        raw ? m->obj[j].mu + m->obj[j].sigma * t : t, 1e-9);
		}
		tui_view_free(&tv);
		tui_app_action(a, ACTION_UNITS_TOGGLE);
	}
	tui_app_free(a);
}
END_TEST

/* Issue 18, bug 12: a message times out; it does not linger across screens. */
START_TEST(status_messages_time_out)
{
	struct tui_app *a = open_app(0);
	tui_app_say(a, "hello");
	tui_app_tick(a);
	ck_assert_str_eq(a->status, "hello");
	a->status_ms -= TUI_APP_STATUS_MS + 1;
	tui_app_tick(a);
	ck_assert_str_eq(a->status, "");
	/* An error stays until the user has acted once, then times out too. */
	tui_app_error(a, "bad");
	a->status_ms -= TUI_APP_STATUS_MS + 1;
	tui_app_tick(a);
	ck_assert_str_eq(a->status, "bad");
	tui_app_action(a, ACTION_REDRAW);
	tui_app_tick(a);
	ck_assert_str_eq(a->status, "");
	tui_app_free(a);
}
END_TEST

/* Issue 18, bug 4: the help ends at its last line (G, PgDn), on any size. */
START_TEST(help_scrolls_to_its_real_end)
{
	struct tui_app *a = open_app(0);
	int sizes[][2] = { { 24, 80 }, { 12, 40 }, { 60, 120 } };
	for (int k = 0; k < 3; k++) {
		tui_app_resize(a, sizes[k][0], sizes[k][1]);
		tui_app_action(a, ACTION_HELP);
		int h = tui_app_pane_rows(a);
		int last = view_help_lines(a->keys, sizes[k][1]) - h;
		if (last < 0)
			last = 0;
		tui_app_action(a, ACTION_LIST_BOTTOM);
		ck_assert_int_eq(a->help_scroll, last);
		for (int i = 0; i < 40; i++)
			tui_app_action(a, ACTION_LIST_PAGE_DOWN);
		ck_assert_int_eq(a->help_scroll, last);
		tui_app_action(a, ACTION_LIST_PAGE_UP);
		ck_assert_int_eq(a->help_scroll, last - h + 1 > 0 ? last - h + 1 : 0);
		tui_app_action(a, ACTION_HELP_CLOSE);
	}
	tui_app_free(a);
}
END_TEST

START_TEST(commands_change_settings_and_regenerate)
{
	struct tui_app *a = open_app(1);
	wait_done(a);
	ck_assert_int_eq(tui_app_command(a, ":pref 3 7"), 0);
	ck_assert_double_eq_tol(a->w[0][0], 0.3, 1e-12);
	ck_assert_int_eq(tui_app_command(a, ":pref 1 2 3"), -1);
	ck_assert_ptr_nonnull(strstr(a->status, "wants 2 weights"));
	ck_assert_int_eq(tui_app_command(a, ":set samples 2"), 0);
	ck_assert_uint_eq(a->req.n, 2);
	ck_assert_int_eq(tui_app_command(a, ":set temperature 0"), 0);
	ck_assert_int_eq(tui_app_command(a, ":set mapping l2"), 0);
	ck_assert_int_eq(a->req.mapping, MAPPING_L2);
	ck_assert_int_eq(tui_app_command(a, ":set seed 9"), 0);
	ck_assert_int_eq(tui_app_command(a, ":prompt Hello there"), 0);
	ck_assert_str_eq(a->prompt, "Hello there");
	wait_done(a);
	/* greedy decoding: both samples alike */
	ck_assert_str_eq(a->samples[0][0].text, a->samples[0][1].text);
	ck_assert_int_eq(tui_app_command(a, ":set mouse off"), 0);
	ck_assert(!a->mouse);
	ck_assert_int_eq(tui_app_command(a, ":nonsense"), -1);
	ck_assert(a->status_error);
	ck_assert_int_eq(tui_app_command(a, ":screen-runs"), 0);
	ck_assert_int_eq(a->screen, VIEW_RUNS);
	ck_assert_int_eq(tui_app_command(a, ":quit"), 0);
	ck_assert(a->quit);
	tui_app_free(a);
}
END_TEST

START_TEST(compare_mode_and_export)
{
	struct tui_app *a = open_app(1);
	wait_done(a);
	tui_app_action(a, ACTION_COMPARE_TOGGLE);
	ck_assert(a->compare);
	wait_done(a);
	ck_assert_str_eq(texts(a, 0), texts(a, 1)); /* same weights, same seeds */
	tui_app_action(a, ACTION_COMPARE_SIDE);
	ck_assert_int_eq(a->side, 1);
	tui_app_action(a, ACTION_SLIDER_INC_LARGE);
	ck_assert_double_eq_tol(a->w[1][0], 0.7, 1e-12);
	ck_assert_double_eq_tol(a->w[0][0], 0.5, 1e-12);
	wait_done(a);
	char path[4200];
	snprintf(path, sizeof path, "%s/out.jsonl", harness_tmpdir());
	char cmd[4300];
	snprintf(cmd, sizeof cmd, ":export '%s'", path);
	ck_assert_int_eq(tui_app_command(a, cmd), 0);
	FILE *f = fopen(path, "r");
	ck_assert_ptr_nonnull(f);
	char line[8192];
	int n = 0;
	while (fgets(line, sizeof line, f)) {
		json_error_t je;
		json_t *o = json_loads(line, 0, &je);
		ck_assert_msg(o != NULL, "%s", je.text);
		double w0 = json_real_value(json_array_get(json_object_get(o, "preference"), 0));
		ck_assert_double_eq_tol(w0, n < 4 ? 0.5 : 0.7, 1e-12);
		ck_assert_ptr_nonnull(json_object_get(json_object_get(o, "rewards"), "brevity"));
		ck_assert_str_eq(json_string_value(json_object_get(o, "prompt")), a->prompt);
		json_decref(o);
		n++;
	}
	fclose(f);
	ck_assert_int_eq(n, 8);
	ck_assert_int_eq(tui_app_command(a, ":export /nonexistent/dir/x.jsonl"), -1);
	ck_assert_ptr_nonnull(strstr(a->status, "cannot write /nonexistent/dir/x.jsonl"));
	tui_app_free(a);
}
END_TEST

struct count {
	int n;
	double pref0, raw1;
	char response[1024];
};

static int count_sample(void *ctx, const struct store_sample *s)
{
	struct count *c = ctx;
	c->n++;
	c->pref0 = s->preference[0];
	c->raw1 = s->raw[1];
	snprintf(c->response, sizeof c->response, "%s", s->response);
	return 0;
}

START_TEST(a_saved_sample_lands_in_the_store)
{
	struct tui_app *a = open_app(1);
	wait_done(a);
	tui_app_action(a, ACTION_SAMPLE_NEXT);
	ck_assert_int_eq(a->sample_focus, 1);
	ck_assert_int_eq(tui_app_command(a, ":save"), 0);
	store_id run = a->store.session_run;
	ck_assert_int_gt(run, 0);
	tui_app_action(a, ACTION_SAMPLE_SAVE);
	struct count c = { 0 };
	ck_assert_int_eq(store_samples_each(a->store.s, run, count_sample, &c, NULL), STORE_OK);
	ck_assert_int_eq(c.n, 2);
	ck_assert_double_eq_tol(c.pref0, 0.5, 1e-12);
	ck_assert_double_eq_tol(c.raw1, a->samples[0][1].raw[1], 1e-12);
	ck_assert_str_eq(c.response, a->samples[0][1].text);
	/* the runs screen shows the session's generate run */
	tui_app_reload(a);
	ck_assert_uint_eq(a->runs_n, 1);
	ck_assert_str_eq(a->runs.v[0].stage, "generate");
	tui_app_free(a);
}
END_TEST

static store_id make_run(struct store *s, const char *stage, const char *name, store_id parent)
{
	store_id id;
	ck_assert_int_eq(store_run_create(s, stage, name, parent, &id, NULL), STORE_OK);
	return id;
}

START_TEST(runs_filter_sort_tag_delete)
{
	struct tui_app *a = open_app(0);
	struct store *s = a->store.s;
	store_id sft = make_run(s, "sft", "sft-small", 0);
	store_id ev = make_run(s, "eval", "eval-small", sft);
	make_run(s, "online", "online-a", sft);
	store_param_set(s, sft, "dataset", "toy", NULL);
	struct store_checkpoint ck = { .run = sft, .step = 10, .kind = "policy", .path = ckpt };
	ck_assert_int_eq(store_checkpoint_add(s, &ck, NULL, NULL), STORE_OK);
	struct store_metric m[] = { { "loss", 1, 2.5, 0 }, { "loss", 2, 2.0, 0 }, { "lr", 1, 1e-3, 0 } };
	ck_assert_int_eq(store_metrics_add(s, sft, m, 3, NULL), STORE_OK);
	store_run_finish(s, sft, "done", NULL, NULL);
	tui_app_reload(a);
	ck_assert_uint_eq(a->runs_n, 3);
	/* newest first by id */
	ck_assert_int_eq(a->runs.v[a->runs_idx[0]].id, 3);
	ck_assert_int_eq(tui_app_command(a, ":sort name"), 0);
	ck_assert_str_eq(a->runs.v[a->runs_idx[0]].name, "sft-small"); /* descending */
	tui_app_action(a, ACTION_SORT_REVERSE);
	ck_assert_str_eq(a->runs.v[a->runs_idx[0]].name, "eval-small");
	ck_assert_int_eq(tui_app_command(a, ":filter small"), 0);
	ck_assert_uint_eq(a->runs_n, 2);
	ck_assert_int_eq(tui_app_command(a, ":filter small done"), 0);
	ck_assert_uint_eq(a->runs_n, 1);
	ck_assert_int_eq(a->runs.v[a->runs_idx[0]].id, sft);
	/* details of the selected run */
	ck_assert(a->has_detail);
	ck_assert_str_eq(tui_run_detail_param(&a->detail, "dataset"), "toy");
	const struct tui_series *loss = tui_run_detail_series(&a->detail, "loss");
	ck_assert_ptr_nonnull(loss);
	ck_assert_uint_eq(loss->n, 2);
	ck_assert_double_eq(loss->value[1], 2.0);
	ck_assert_uint_eq(a->detail.n_children, 2);
	ck_assert_str_eq(tui_run_detail_policy(&a->detail), ckpt);
	/* the job form is pre-filled from it: the stage after sft, its
	 * required folder and dataset */
	char ric[4200];
	snprintf(ric, sizeof ric, "%s/src/ric", harness_builddir());
	setenv("RIC_BIN", ric, 1);
	a->screen = VIEW_JOBS;
	tui_app_action(a, ACTION_JOB_NEW);
	ck_assert_ptr_nonnull(a->form);
	ck_assert_str_eq(a->form->stage, "eval");
	ck_assert_str_eq(a->form->f[0].opt->name, "model");
	ck_assert_str_eq(a->form->f[0].value, ckpt);
	ck_assert_str_eq(a->form->f[1].opt->name, "dataset");
	ck_assert_str_eq(a->form->f[1].value, "toy");
	tui_app_action(a, ACTION_FORM_CLOSE);
	ck_assert_ptr_null(a->form);
	ck_assert_int_eq(tui_app_command(a, ":tag best"), 0);
	ck_assert_str_eq(a->runs.v[a->runs_idx[0]].tags, "best");
	ck_assert_int_eq(tui_app_command(a, ":tag small"), 0);
	ck_assert_str_eq(a->runs.v[a->runs_idx[0]].tags, "best small");
	a->screen = VIEW_RUNS;
	struct tui_view tv;
	tui_view_build(a, &tv);
	ck_assert_str_eq(tv.runs.details->tags, "best, small");
	ck_assert_str_eq(tv.runs.cells[1], "sft-small");
	ck_assert_str_eq(tv.runs.details->metrics[0].name, "loss"); /* the loss curve first */
	tui_view_free(&tv);
	ck_assert_int_eq(tui_app_command(a, ":filter"), 0);
	ck_assert_uint_eq(a->runs_n, 3);
	ck_assert_int_eq(tui_app_command(a, ":search eval-small"), 0);
	ck_assert_int_eq(tui_scr_runs_selected(a)->id, ev);
	/* delete asks first; n keeps it, y deletes it */
	a->screen = VIEW_RUNS;
	tui_app_action(a, ACTION_RUN_DELETE);
	ck_assert_int_eq(a->confirm, TUI_CONFIRM_DELETE_RUN);
	ck_assert_ptr_nonnull(strstr(a->confirm_text, "eval-small"));
	tui_app_action(a, ACTION_SLIDER_INC); /* other keys do nothing while asking */
	ck_assert_int_eq(a->confirm, TUI_CONFIRM_DELETE_RUN);
	tui_app_action(a, ACTION_CONFIRM_NO);
	ck_assert_uint_eq(a->runs_n, 3);
	tui_app_action(a, ACTION_RUN_DELETE);
	tui_app_action(a, ACTION_CONFIRM_YES);
	ck_assert_uint_eq(a->runs_n, 2);
	/* loading a run's checkpoint from the Runs screen */
	ck_assert_int_eq(tui_app_command(a, ":search sft-small"), 0);
	tui_app_action(a, ACTION_RUN_LOAD);
	ck_assert_int_eq(a->screen, VIEW_STEER);
	ck_assert_str_eq(a->ckpt, ckpt);
	wait_done(a);
	tui_app_free(a);
}
END_TEST

static store_id make_eval_under(struct store *s, const char *name, store_id parent);

/* An eval run with a 3-point front over (length, brevity), as ric eval stores it. */
static store_id make_eval(struct store *s, const char *name)
{
	return make_eval_under(s, name, 0);
}

static store_id make_eval_under(struct store *s, const char *name, store_id parent)
{
	store_id ds, o1, o2;
	if (store_dataset_find(s, "toy", &ds, NULL) != STORE_OK) {
		ck_assert_int_eq(store_dataset_create(s, "toy", NULL, 0, &ds, NULL), STORE_OK);
		ck_assert_int_eq(store_objective_add(s, ds, "length", "length", &o1, NULL), STORE_OK);
		ck_assert_int_eq(store_objective_add(s, ds, "brevity", "brevity:4", &o2, NULL), STORE_OK);
	}
	store_id run = make_run(s, "eval", name, parent);
	store_param_set(s, run, "dataset", "toy", NULL);
	double norm[4][2] = { { 1, -1 }, { 0.5, 0.5 }, { -1, 1 }, { 0, 0 } }; /* the last dominated */
	store_id ids[4];
	for (int i = 0; i < 4; i++) {
		struct store_point p = { .run = run, .n = 2, .n_samples = 1 };
		p.preference[0] = 1 - i / 3.0;
		p.preference[1] = i / 3.0;
		p.norm_mean[0] = norm[i][0];
		p.norm_mean[1] = norm[i][1];
		p.raw_mean[0] = 5 + 3 * norm[i][0];
		ck_assert_int_eq(store_point_add(s, &p, &ids[i], NULL), STORE_OK);
		struct store_sample x = { .run = run, .point = ids[i], .prompt = "W", .n = 2, .kept = -1 };
		char resp[32];
		snprintf(resp, sizeof resp, "response %d", i);
		x.response = resp;
		ck_assert_int_eq(store_samples_add(s, &x, 1, NULL, NULL), STORE_OK);
	}
	struct store_front f = { .run = run, .name = "front", .hypervolume = 3.5, .n = 2,
		                 .reference = { -1.5, -1.2 } };
	ck_assert_int_eq(store_front_add(s, &f, ids, 3, NULL, NULL), STORE_OK);
	store_run_finish(s, run, "done", NULL, NULL);
	return run;
}

START_TEST(fronts_of_eval_runs)
{
	struct tui_app *a = open_app(1);
	wait_done(a);
	make_eval(a->store.s, "eval-a");
	tui_app_action(a, ACTION_SCREEN_FRONT);
	ck_assert_int_eq(a->screen, VIEW_FRONT);
	ck_assert_uint_eq(a->n_fronts, 1);
	struct tui_front *f = &a->fronts[0];
	ck_assert_str_eq(f->obj[0], "length");
	ck_assert_str_eq(f->obj[1], "brevity");
	ck_assert_uint_eq(f->n_pts, 4);
	ck_assert(f->has_stored);
	ck_assert_double_eq(f->hv_stored, 3.5);
	for (int i = 0; i < 4; i++) {
		ck_assert_int_eq(f->pts[i].on_front, i < 3);
		ck_assert_int_eq(f->pts[i].stored_front, i < 3);
	}
	/* hypervolume over the axes from the stored reference (-1.5, -1.2):
	 * boxes (1,-1) -> 2.5 x 0.2, (0.5,0.5) adds 2.0 x 1.5 less the overlap, ... */
	double xy[] = { 1, -1, 0.5, 0.5, -1, 1 };
	double ref[] = { -1.5, -1.2 }, hv;
	struct status st = STATUS_INIT;
	ck_assert_int_eq(pareto_hypervolume(xy, 3, 2, ref, &hv, &st), STATUS_OK);
	ck_assert_double_eq_tol(f->hv_axes, hv, 1e-12);
	/* the cursor starts on the first point and reads its sample */
	ck_assert_int_eq(a->cur_series, 0);
	ck_assert_int_eq(a->cur_point, 0);
	ck_assert_str_eq(a->ptext.response, "response 0");
	tui_app_action(a, ACTION_POINT_UP); /* from (1,-1) up: (0.5, 0.5) */
	ck_assert_int_eq(a->cur_point, 1);
	ck_assert_str_eq(a->ptext.response, "response 1");
	tui_app_action(a, ACTION_POINT_LEFT);
	ck_assert_int_eq(a->cur_point, 3); /* (0, 0) is nearest to the left */
	tui_app_action(a, ACTION_POINT_NEXT);
	ck_assert_int_eq(a->cur_point, 0);
	/* Issue 18, bug 5: x and y never show one objective on both axes (with
	 * two objectives, x swaps them). */
	for (int i = 0; i < 5; i++) {
		tui_app_action(a, i % 2 ? ACTION_AXIS_Y_NEXT : ACTION_AXIS_X_NEXT);
		ck_assert_int_ne(a->x_axis, a->y_axis);
	}
	ck_assert_int_eq(tui_app_command(a, ":axes brevity brevity"), -1);
	ck_assert_int_ne(a->x_axis, a->y_axis);
	a->x_axis = 0;
	a->y_axis = 1;
	/* axes swap */
	ck_assert_int_eq(tui_app_command(a, ":axes brevity length"), 0);
	ck_assert_int_eq(a->x_axis, 1);
	ck_assert_int_eq(tui_app_command(a, ":axes brevity colour"), -1);
	ck_assert_ptr_nonnull(strstr(a->status, "no objective 'colour'"));
	/* the view model: one series of 4 points plus the Steer samples */
	struct tui_view tv;
	tui_view_build(a, &tv);
	ck_assert_uint_eq(tv.front.n_series, 2);
	ck_assert_uint_eq(tv.front.series[0].n_points, 4);
	ck_assert_double_eq(tv.front.series[0].points[0].x, -1); /* x is brevity now */
	ck_assert_int_eq(tv.front.series[1].kind, VIEW_SERIES_SAMPLES);
	ck_assert_ptr_nonnull(strstr(tv.front.point_info, "eval-a"));
	tui_view_free(&tv);
	/* Enter steers with the point's preference */
	tui_app_action(a, ACTION_POINT_NEXT);
	tui_app_action(a, ACTION_POINT_STEER);
	ck_assert_int_eq(a->screen, VIEW_STEER);
	ck_assert_double_eq_tol(a->w[0][0], 2 / 3.0, 1e-12);
	wait_done(a);
	/* a second eval run from another process shows up after the next tick */
	struct store *other;
	ck_assert_int_eq(store_open(db, 0, &other, NULL), STORE_OK);
	store_id b = make_eval(other, "eval-b");
	store_close(other);
	tui_app_tick(a);
	/* read once the Front screen shows, not while Steer does */
	ck_assert_uint_eq(a->n_fronts, 1);
	ck_assert(a->stale & TUI_STALE_FRONTS);
	tui_app_action(a, ACTION_SCREEN_FRONT);
	ck_assert_uint_eq(a->n_fronts, 2);
	/* an eval run without a front (eval --desired-grid's response curves)
	 * is left out of the newest fronts, not plotted empty */
	ck_assert_int_eq(store_open(db, 0, &other, NULL), STORE_OK);
	store_id curves;
	ck_assert_int_eq(store_run_create(other, "eval", "eval-b-desired-grid", b, &curves, NULL),
	                 STORE_OK);
	ck_assert_int_eq(store_param_set(other, curves, "kind", "desired-grid", NULL), STORE_OK);
	store_close(other);
	tui_app_action(a, ACTION_SCREEN_STEER);
	tui_app_tick(a);
	tui_app_action(a, ACTION_SCREEN_FRONT);
	ck_assert_uint_eq(a->n_fronts, 2);
	for (size_t i = 0; i < a->n_fronts; i++)
		ck_assert_int_ne(a->fronts[i].run, curves);
	/* Issue 18, bug 10: run b keeps its colour when shown alone. */
	int colour_b = -1;
	tui_view_build(a, &tv);
	for (size_t i = 0; i < a->n_fronts; i++)
		if (a->fronts[i].run == b)
			colour_b = view_series_colour(&tv.front.series[i], (int)i);
	ck_assert_int_ne(view_series_colour(&tv.front.series[0], 0),
	                 view_series_colour(&tv.front.series[1], 1));
	tui_view_free(&tv);
	/* :front picks the runs shown */
	char cmd[64];
	snprintf(cmd, sizeof cmd, ":front %lld", (long long)b);
	ck_assert_int_eq(tui_app_command(a, cmd), 0);
	ck_assert_uint_eq(a->n_fronts, 1);
	ck_assert_int_eq(a->fronts[0].run, b);
	tui_view_build(a, &tv);
	ck_assert_int_eq(view_series_colour(&tv.front.series[0], 0), colour_b);
	tui_view_free(&tv);
	ck_assert_int_eq(tui_app_command(a, ":front no-such-run"), -1);
	tui_app_free(a);
}
END_TEST

/* Issue 18: the response view: each objective's obtained score against its
 * weight, from every sample scored so far and the eval points. */
START_TEST(response_view_plots_score_against_weight)
{
	struct tui_app *a = open_app(1);
	wait_done(a);
	tui_app_action(a, ACTION_SLIDER_INC_LARGE);
	wait_done(a);
	size_t want = 2 * a->req.n;
	ck_assert_uint_eq(a->n_resp, want);
	make_eval(a->store.s, "eval-r");
	tui_app_action(a, ACTION_SCREEN_FRONT);
	tui_app_action(a, ACTION_RESPONSE_TOGGLE);
	ck_assert(a->response);
	for (int obj = 0; obj < 2; obj++) {
		struct tui_view tv;
		tui_view_build(a, &tv);
		ck_assert(tv.front.response);
		ck_assert_int_eq(tv.front.x_axis, obj);
		const struct view_series *smp = &tv.front.series[tv.front.n_series - 1];
		ck_assert_int_eq(smp->kind, VIEW_SERIES_SAMPLES);
		ck_assert_uint_eq(smp->n_points, want);
		for (size_t i = 0; i < want; i++) {
			ck_assert_double_eq_tol(smp->points[i].x, a->resp[i].w[obj], 1e-12);
			ck_assert_double_eq_tol(smp->points[i].y, a->resp[i].z[obj], 1e-12);
		}
		/* the first half at the start weights, the second after L */
		ck_assert_double_eq_tol(smp->points[0].x, obj ? 0.5 : 0.5, 1e-12);
		ck_assert_double_eq_tol(smp->points[want - 1].x, obj ? 0.3 : 0.7, 1e-12);
		/* eval points: x = the point's weight for the objective */
		const struct tui_front *f = &a->fronts[0];
		for (size_t k = 0; k < f->n_pts; k++) {
			ck_assert_double_eq_tol(tv.front.series[0].points[k].x, f->pts[k].pref[obj], 1e-12);
			ck_assert_double_eq_tol(tv.front.series[0].points[k].y, f->pts[k].norm[obj], 1e-12);
		}
		ck_assert(isnan(tv.front.series[0].hypervolume));
		tui_view_free(&tv);
		tui_app_action(a, ACTION_AXIS_X_NEXT);
	}
	tui_app_free(a);
}
END_TEST

/* The curves ric eval records (eval_curves_record) for length, in z, with
 * the statistics it records (params objectiveK). */
static void add_curve(struct store *s, store_id run)
{
	store_param_set(s, run, "objective1", "length=length mu=5 sigma=3 lo=-1.5 hi=1.5", NULL);
	store_param_set(s, run, "objective2", "brevity=brevity:4 mu=0.4 sigma=0.3 lo=-1 hi=1", NULL);
	store_param_set(s, run, "units", "normalised", NULL);
	/* levels 0, 0.5, 1 (0.5 had no sample: not stored) */
	struct store_metric m[] = {
		{ "weight_level/length", 0, 0, 0 },   { "weight_mean/length", 0, -1, 0 },
		{ "weight_se/length", 0, 0.1, 0 },    { "weight_count/length", 0, 4, 0 },
		{ "weight_level/length", 2, 1, 0 },   { "weight_mean/length", 2, 0.8, 0 },
		{ "weight_se/length", 2, 0.2, 0 },    { "weight_count/length", 2, 4, 0 },
		{ "weight_rise/length", 0, 1.8, 0 },  { "weight_rise_se/length", 0, 0.2236, 0 },
		{ "weight_monotone/length", 0, 1, 0 }, { "weight_follows/length", 0, 1, 0 },
	};
	ck_assert_int_eq(store_metrics_add(s, run, m, sizeof m / sizeof m[0], NULL), STORE_OK);
}

START_TEST(stored_response_curves_in_both_units)
{
	struct tui_app *a = open_app(1);
	wait_done(a);
	store_id run = make_eval(a->store.s, "eval-c");
	add_curve(a->store.s, run);
	make_eval(a->store.s, "eval-none"); /* no curves: none drawn */
	tui_app_action(a, ACTION_SCREEN_FRONT);
	ck_assert_uint_eq(a->n_fronts, 2);
	const struct tui_front *f = a->fronts[0].run == run ? &a->fronts[0] : &a->fronts[1];
	const struct tui_front *g = f == &a->fronts[0] ? &a->fronts[1] : &a->fronts[0];
	ck_assert_ptr_null(g->curves);
	ck_assert_ptr_nonnull(f->curves);
	const struct tui_front_curve *c = &f->curves[0];
	ck_assert_uint_eq(c->n, 2);
	ck_assert_uint_eq(f->curves[1].n, 0);
	ck_assert_double_eq(c->level[0][0], 0);
	ck_assert_double_eq(c->level[0][1], 1);
	ck_assert_double_eq(c->level[1][1], 1); /* a weight is a weight in raw units too */
	ck_assert_double_eq_tol(c->mean[0][1], 0.8, 1e-12);
	ck_assert_double_eq_tol(c->se[0][1], 0.2, 1e-12);
	ck_assert_double_eq_tol(c->mean[1][0], 5 - 3, 1e-12);   /* raw = mu + sigma z */
	ck_assert_double_eq_tol(c->mean[1][1], 5 + 3 * 0.8, 1e-12);
	ck_assert_double_eq_tol(c->se[1][1], 3 * 0.2, 1e-12);
	ck_assert(c->has_verdict && c->follows && c->monotone);
	ck_assert_double_eq_tol(c->rise[1], 3 * 1.8, 1e-12);
	/* the response view: the curve beside the points, in the unit shown */
	tui_app_action(a, ACTION_RESPONSE_TOGGLE);
	for (int raw = 0; raw < 2; raw++) {
		struct tui_view tv;
		tui_view_build(a, &tv);
		const struct view_series *cs = NULL;
		size_t curves = 0;
		for (size_t i = 0; i < tv.front.n_series; i++)
			if (tv.front.series[i].kind == VIEW_SERIES_CURVE) {
				cs = &tv.front.series[i];
				curves++;
			}
		ck_assert_uint_eq(curves, 1);
		ck_assert(cs->joined);
		ck_assert_uint_eq(cs->n_points, 2);
		ck_assert_double_eq(cs->points[1].x, 1);
		ck_assert_double_eq_tol(cs->points[1].y, raw ? 7.4 : 0.8, 1e-12);
		ck_assert_double_eq_tol(cs->err[1], raw ? 0.6 : 0.2, 1e-12);
		ck_assert_msg(strstr(cs->note, "follows: rise") && strstr(cs->note, raw ? "5.4" : "1.8"),
		              "%s", cs->note);
		/* in its run's colour */
		ck_assert_int_eq(cs->colour, tv.front.series[f - a->fronts].colour);
		tui_view_free(&tv);
		tui_app_action(a, ACTION_UNITS_TOGGLE);
	}
	/* brevity has no curve: none drawn */
	tui_app_action(a, ACTION_AXIS_X_NEXT);
	struct tui_view tv;
	tui_view_build(a, &tv);
	for (size_t i = 0; i < tv.front.n_series; i++)
		ck_assert_int_ne(tv.front.series[i].kind, VIEW_SERIES_CURVE);
	tui_view_free(&tv);
	tui_app_action(a, ACTION_AXIS_X_NEXT);
	/* --desired-grid: a child run of kind desired-grid with desired_* metrics,
	 * obtained z against desired z (levels lo..hi) */
	store_id dg = make_run(a->store.s, "eval", "eval-c-desired-grid", run);
	store_param_set(a->store.s, dg, "kind", "desired-grid", NULL);
	store_param_set(a->store.s, dg, "units", "raw", NULL); /* desired curves are z all the same */
	store_param_set(a->store.s, dg, "objective1", "length=length mu=5 sigma=3 lo=-1.5 hi=1.5", NULL);
	struct store_metric dm[] = {
		{ "desired_level/length", 0, -1.5, 0 }, { "desired_mean/length", 0, -1.2, 0 },
		{ "desired_se/length", 0, 0.1, 0 },     { "desired_level/length", 1, 0, 0 },
		{ "desired_mean/length", 1, 0.1, 0 },   { "desired_se/length", 1, 0.1, 0 },
		{ "desired_level/length", 2, 1.5, 0 },  { "desired_mean/length", 2, 1.1, 0 },
		{ "desired_se/length", 2, 0.1, 0 },     { "desired_rise/length", 0, 2.3, 0 },
		{ "desired_rise_se/length", 0, 0.14, 0 }, { "desired_follows/length", 0, 1, 0 },
	};
	ck_assert_int_eq(store_metrics_add(a->store.s, dg, dm, sizeof dm / sizeof dm[0], NULL), STORE_OK);
	store_run_finish(a->store.s, dg, "done", NULL, NULL);
	tui_app_reload(a);
	f = a->fronts[0].run == run ? &a->fronts[0] : &a->fronts[1];
	ck_assert_ptr_nonnull(f->desired);
	ck_assert_uint_eq(f->desired[0].n, 3);
	ck_assert_double_eq_tol(f->desired[0].level[1][2], 5 + 3 * 1.5, 1e-12);
	ck_assert_double_eq_tol(f->desired[0].mean[0][2], 1.1, 1e-12);
	ck_assert_double_eq_tol(f->desired[0].mean[1][2], 5 + 3 * 1.1, 1e-12);
	tui_app_action(a, ACTION_RESPONSE_DESIRED);
	ck_assert(a->response && a->response_desired);
	for (int raw = 0; raw < 2; raw++) {
		tui_view_build(a, &tv);
		ck_assert(tv.front.response_desired);
		const struct view_series *cs = NULL;
		for (size_t i = 0; i < tv.front.n_series; i++) {
			const struct view_series *x = &tv.front.series[i];
			if (x->kind == VIEW_SERIES_CURVE)
				cs = x;
			/* eval points have no desired score of their own: not drawn */
			if (x->kind == VIEW_SERIES_EVAL)
				for (size_t k = 0; k < x->n_points; k++)
					ck_assert(isnan(x->points[k].x));
			/* the samples: at the target they were asked for */
			if (x->kind == VIEW_SERIES_SAMPLES) {
				const struct ricmeta *m = tui_gen_meta(a->gen);
				double t = a->resp[0].t[0];
				ck_assert_double_eq_tol(x->points[0].x,
				                        raw ? m->obj[0].mu + m->obj[0].sigma * t : t, 1e-9);
			}
		}
		ck_assert_ptr_nonnull(cs);
		ck_assert_uint_eq(cs->n_points, 3);
		ck_assert_double_eq_tol(cs->points[0].x, raw ? 5 - 4.5 : -1.5, 1e-12);
		ck_assert_double_eq_tol(cs->points[2].y, raw ? 8.3 : 1.1, 1e-12);
		tui_view_free(&tv);
		tui_app_action(a, ACTION_UNITS_TOGGLE);
	}
	tui_app_free(a);
}
END_TEST

/* An online run with an eval of each of its 3 iterations, as
 * `ric online --eval-each` leaves them, each of its own checkpoint. */
static store_id make_online_evals(struct store *s, store_id *evals)
{
	store_id onl = make_run(s, "online", "on", 0);
	for (int k = 1; k <= 3; k++) {
		char name[32], v[32], dir[4200];
		struct status st = STATUS_INIT;
		snprintf(dir, sizeof dir, "%s-%d", ckpt, k);
		ck_assert_msg(tui_fixture_make(dir, harness_srcdir(), 128, 1, &st) == STATUS_OK, "%s", st.msg);
		snprintf(name, sizeof name, "on-eval-%d", k);
		evals[k - 1] = make_eval_under(s, name, onl);
		snprintf(v, sizeof v, "%lld", (long long)onl);
		store_param_set(s, evals[k - 1], "online_run", v, NULL);
		snprintf(v, sizeof v, "%d", k);
		store_param_set(s, evals[k - 1], "online_iteration", v, NULL);
		store_param_set(s, evals[k - 1], "model", dir, NULL);
	}
	return onl;
}

START_TEST(online_iterations_step_on_front_and_steer)
{
	struct tui_app *a = open_app(1);
	wait_done(a);
	store_id ev[3];
	store_id onl = make_online_evals(a->store.s, ev);
	make_eval(a->store.s, "unrelated");
	store_id ids[8];
	int it[8];
	ck_assert_uint_eq(tui_fronts_iterations(a->store.s, onl, ids, it, 8), 3);
	ck_assert(ids[0] == ev[0] && ids[2] == ev[2] && it[0] == 1 && it[2] == 3);
	/* Front: the online run's evals replace each other, in order */
	ck_assert_int_eq(tui_scr_front_set(a, &ev[1], 1), 0);
	a->screen = VIEW_FRONT;
	ck_assert_int_eq(a->fronts[0].iteration, 2);
	ck_assert_int_eq(a->fronts[0].iterations, 3);
	tui_app_action(a, ACTION_ITER_NEXT);
	ck_assert_uint_eq(a->n_fronts, 1);
	ck_assert(a->fronts[0].run == ev[2]);
	struct tui_view tv;
	tui_view_build(a, &tv);
	ck_assert_str_eq(tv.front.iteration, "online iteration 3 of 3");
	tui_view_free(&tv);
	tui_app_action(a, ACTION_ITER_NEXT);
	ck_assert_msg(strstr(a->status, "iteration 3 is the last of 3"), "%s", a->status);
	ck_assert(a->fronts[0].run == ev[2]);
	tui_app_action(a, ACTION_ITER_PREV);
	tui_app_action(a, ACTION_ITER_PREV);
	ck_assert(a->fronts[0].run == ev[0]);
	/* the other runs shown stay */
	store_id two[2] = { ev[0], 0 };
	ck_assert_int_eq(store_run_resolve(a->store.s, "unrelated", &two[1], NULL), STORE_OK);
	ck_assert_int_eq(tui_scr_front_set(a, two, 2), 0);
	tui_app_action(a, ACTION_ITER_NEXT);
	ck_assert_uint_eq(a->n_fronts, 2);
	ck_assert(a->fronts[0].run == ev[1] && a->fronts[1].run == two[1]);
	ck_assert(a->fronts[a->cur_series].run == ev[1]);
	/* Steer: the iterations' checkpoints, from the first on (the one
	 * loaded is none of them) */
	a->screen = VIEW_STEER;
	tui_app_action(a, ACTION_STEER_ITER_NEXT);
	ck_assert_int_eq(a->steer_online, onl);
	ck_assert_int_eq(a->steer_iter, 1);
	ck_assert_msg(strstr(a->ckpt, "ric-1"), "%s", a->ckpt);
	tui_app_action(a, ACTION_SLIDER_INC_LARGE); /* the sliders stay across a step */
	double w0 = a->w[0][0];
	tui_app_action(a, ACTION_STEER_ITER_NEXT);
	ck_assert_int_eq(a->steer_iter, 2);
	ck_assert_double_eq_tol(a->w[0][0], w0, 1e-12);
	tui_view_build(a, &tv);
	ck_assert_str_eq(tv.steer.iteration, "online iteration 2 of 3");
	tui_view_free(&tv);
	wait_done(a);
	tui_app_action(a, ACTION_STEER_ITER_PREV);
	tui_app_action(a, ACTION_STEER_ITER_PREV);
	ck_assert_int_eq(a->steer_iter, 1);
	ck_assert_msg(strstr(a->status, "first of 3"), "%s", a->status);
	/* another load is no iteration */
	ck_assert_int_eq(tui_app_load(a, ckpt), 0);
	ck_assert_int_eq(a->steer_online, 0);
	wait_done(a);
	tui_app_free(a);
}
END_TEST

START_TEST(runs_lineage_tree_and_metric_charts)
{
	struct tui_app *a = open_app(0);
	struct store *s = a->store.s;
	store_id base = make_run(s, "pretrain", "base", 0);
	store_id sft = make_run(s, "sft", "sft-a", base);
	store_id sft2 = make_run(s, "sft", "sft-b", base);
	store_id onl = make_run(s, "online", "on", sft);
	store_id ev = make_run(s, "eval", "ev", onl);
	make_run(s, "import", "elsewhere", 0);
	for (int step = 1; step <= 5; step++) {
		struct store_metric m[] = { { "loss", step, 4.0 - step * 0.5, 0 }, { "lr", step, 1e-4, 0 } };
		ck_assert_int_eq(store_metrics_add(s, sft, m, 2, NULL), STORE_OK);
		m[0].value = 3.0 - step * 0.1;
		ck_assert_int_eq(store_metrics_add(s, sft2, m, 1, NULL), STORE_OK);
	}
	tui_app_action(a, ACTION_SCREEN_RUNS);
	/* select sft-a (runs are listed newest first) */
	while (tui_scr_runs_selected(a)->id != sft)
		tui_app_action(a, ACTION_LIST_DOWN);
	struct tui_view tv;
	tui_view_build(a, &tv);
	const struct view_run_details *d = tv.runs.details;
	ck_assert_uint_eq(d->n_lineage, 5);
	ck_assert_str_eq(d->lineage[0], "1 base (pretrain, running)");
	ck_assert_int_eq(d->lineage_focus, 1);
	ck_assert_ptr_null(tv.runs.chart);
	char want[64];
	snprintf(want, sizeof want, "%lld ev (eval, running)", (long long)ev);
	ck_assert_msg(strstr(d->lineage[3], want), "%s", d->lineage[3]);
	tui_view_free(&tv);
	/* v: its loss against step */
	tui_app_action(a, ACTION_CHART_TOGGLE);
	ck_assert_str_eq(a->chart_metric, "loss");
	ck_assert_uint_eq(a->n_chart, 1);
	tui_view_build(a, &tv);
	ck_assert_ptr_nonnull(tv.runs.chart);
	ck_assert_uint_eq(tv.runs.chart->n_series, 1);
	ck_assert_uint_eq(tv.runs.chart->series[0].n, 5);
	ck_assert_double_eq(tv.runs.chart->series[0].x[4], 5);
	ck_assert_double_eq_tol(tv.runs.chart->series[0].y[4], 1.5, 1e-12);
	tui_view_free(&tv);
	/* marking sft-b overlays it, in another colour */
	while (tui_scr_runs_selected(a)->id != sft2)
		tui_app_action(a, ACTION_LIST_UP);
	tui_app_action(a, ACTION_RUN_MARK);
	while (tui_scr_runs_selected(a)->id != sft)
		tui_app_action(a, ACTION_LIST_DOWN);
	ck_assert_uint_eq(a->n_chart, 2);
	ck_assert(a->chart[0].id == sft && a->chart[1].id == sft2);
	tui_view_build(a, &tv);
	ck_assert_uint_eq(tv.runs.chart->n_series, 2);
	ck_assert_int_ne(tv.runs.chart->series[0].colour, tv.runs.chart->series[1].colour);
	ck_assert_double_eq_tol(tv.runs.chart->series[1].y[0], 2.9, 1e-12);
	tui_view_free(&tv);
	/* m: the next metric; sft-b has no lr: only sft-a is charted */
	tui_app_action(a, ACTION_CHART_METRIC_NEXT);
	ck_assert_str_eq(a->chart_metric, "lr");
	ck_assert_uint_eq(a->n_chart, 1);
	tui_app_action(a, ACTION_CHART_TOGGLE);
	ck_assert_uint_eq(a->n_chart, 0);
	tui_app_free(a);
}
END_TEST

START_TEST(online_samples_and_dataset_rows_as_series)
{
	struct tui_app *a = open_app(0);
	struct store *s = a->store.s;
	store_id imp = make_run(s, "import", "import-toy", 0);
	store_id ds, obj[2], rows[3];
	ck_assert_int_eq(store_dataset_create(s, "toy", "rows.jsonl", imp, &ds, NULL), STORE_OK);
	ck_assert_int_eq(store_objective_add(s, ds, "length", "length", &obj[0], NULL), STORE_OK);
	ck_assert_int_eq(store_objective_add(s, ds, "brevity", "brevity:4", &obj[1], NULL), STORE_OK);
	struct store_row r[3] = { { .prompt = "W", .response = "ab" },
		                  { .prompt = "V", .response = "ab cd ef" },
		                  { .prompt = "X", .response = "unscored" } };
	ck_assert_int_eq(store_rows_add(s, ds, r, 3, rows, NULL), STORE_OK);
	double v[4] = { 1, 0.8, 3, 0.5 }; /* rows 1 and 2; row 3 has no rewards */
	ck_assert_int_eq(store_rewards_add(s, obj, 2, rows, v, 2, NULL), STORE_OK);
	ck_assert_int_eq(store_objective_set_stats(s, obj[0], 2, 1, -1, 1, NULL), STORE_OK);
	ck_assert_int_eq(store_objective_set_stats(s, obj[1], 0.6, 0.1, -1, 2, NULL), STORE_OK);
	store_id rel = make_run(s, "relabel", "relabel-toy", imp);
	store_param_set(s, rel, "dataset", "toy", NULL);
	store_id onl = make_run(s, "online", "online-toy", 0);
	store_param_set(s, onl, "dataset", "toy", NULL);
	struct store_sample x = { .run = onl, .iteration = 1, .prompt = "W", .response = "ab ab",
		                  .n = 2, .preference = { 0.25, 0.75 }, .norm = { 0.5, -0.5 },
		                  .kept = 1 };
	ck_assert_int_eq(store_samples_add(s, &x, 1, NULL, NULL), STORE_OK);
	store_id sft = make_run(s, "sft", "sft-toy", 0);

	char cmd[128];
	snprintf(cmd, sizeof cmd, ":front relabel-toy online-toy %lld", (long long)imp);
	ck_assert_int_eq(tui_app_command(a, cmd), 0);
	ck_assert_uint_eq(a->n_fronts, 3);
	struct tui_front *off = &a->fronts[0], *on = &a->fronts[1];
	ck_assert_int_eq(off->kind, TUI_FRONT_OFFLINE);
	ck_assert_uint_eq(off->n_pts, 2); /* the unscored row is left out */
	ck_assert_double_eq_tol(off->pts[1].norm[0], (3 - 2) / 1.0, 1e-12);
	ck_assert_double_eq_tol(off->pts[1].norm[1], (0.5 - 0.6) / 0.1, 1e-9);
	ck_assert_str_eq(off->obj[1], "brevity");
	ck_assert_uint_eq(a->fronts[2].n_pts, 2); /* the import run shows the same rows */
	ck_assert_int_eq(on->kind, TUI_FRONT_ONLINE);
	ck_assert_uint_eq(on->n_pts, 1);
	ck_assert_double_eq(on->pts[0].norm[1], -0.5);
	/* the cursor reads the row's and the sample's own text */
	ck_assert_int_eq(a->cur_series, 0);
	tui_app_action(a, ACTION_POINT_NEXT);
	ck_assert_str_eq(a->ptext.response, "ab cd ef");
	ck_assert_str_eq(a->ptext.prompt, "V");
	tui_app_action(a, ACTION_POINT_STEER);
	ck_assert(a->status_error);
	ck_assert_ptr_nonnull(strstr(a->status, "no preference"));
	tui_app_action(a, ACTION_SERIES_NEXT);
	ck_assert_int_eq(a->cur_series, 1);
	ck_assert_str_eq(a->ptext.response, "ab ab");
	struct tui_view tv;
	tui_view_build(a, &tv);
	ck_assert_int_eq(tv.front.series[0].kind, VIEW_SERIES_OFFLINE);
	ck_assert_int_eq(tv.front.series[1].kind, VIEW_SERIES_ONLINE);
	ck_assert_ptr_nonnull(strstr(tv.front.point_info, "sample 1 of 1"));
	tui_view_free(&tv);
	/* a training run has nothing to plot, and says so */
	snprintf(cmd, sizeof cmd, ":front %lld", (long long)sft);
	ck_assert_int_eq(tui_app_command(a, cmd), -1);
	ck_assert_ptr_nonnull(strstr(a->status, "is a sft run"));
	tui_app_free(a);
}
END_TEST

START_TEST(jobs_and_their_logs)
{
	struct tui_app *a = open_app(0);
	char log[4200];
	/* Logs are read only from ric's jobs folder. */
	snprintf(log, sizeof log, "%s/state", harness_tmpdir());
	setenv("XDG_STATE_HOME", log, 1);
	mkdir(log, 0700);
	snprintf(log, sizeof log, "%s/state/ric", harness_tmpdir());
	mkdir(log, 0700);
	snprintf(log, sizeof log, "%s/state/ric/jobs", harness_tmpdir());
	mkdir(log, 0700);
	snprintf(log, sizeof log, "%s/state/ric/jobs/job.log", harness_tmpdir());
	FILE *f = fopen(log, "w");
	ck_assert_ptr_nonnull(f);
	fprintf(f, "line 1\nline 2\nstep 1/10\rstep 5/10\rstep 9/10\nline 4\n");
	fclose(f);
	store_id job, run = make_run(a->store.s, "sft", "sft-job", 0);
	ck_assert_int_eq(store_job_create(a->store.s, "[\"sft\",\"--out\",\"x\"]", log, &job, NULL),
	                 STORE_OK);
	/* our own pid: alive, so the running job is not stale */
	ck_assert_int_eq(store_job_start(a->store.s, job, (int64_t)getpid(), run, NULL), STORE_OK);
	ck_assert_int_eq(store_job_progress(a->store.s, job, 25, 100, 1234.5, 60000, NULL), STORE_OK);
	struct store_metric m[] = { { "loss", 1, 3.0, 0 }, { "loss", 2, 2.5, 0 } };
	store_metrics_add(a->store.s, run, m, 2, NULL);
	tui_app_action(a, ACTION_SCREEN_JOBS);
	ck_assert_uint_eq(a->jobs.n, 1);
	const struct tui_job *j = &a->jobs.v[0];
	ck_assert_str_eq(j->state, "running");
	ck_assert_str_eq(j->cmd, "sft --out x");
	ck_assert_uint_eq(j->n_loss, 2);
	ck_assert_double_eq(j->loss[1], 2.5);
	ck_assert_str_eq(a->log, "line 1\nline 2\nstep 9/10\nline 4");
	char tail[512];
	ck_assert_int_eq(tui_jobs_log_tail(log, 2, tail, sizeof tail), 0);
	ck_assert_str_eq(tail, "step 9/10\nline 4");
	struct tui_view tv;
	tui_view_build(a, &tv);
	ck_assert_uint_eq(tv.jobs.n_jobs, 1);
	ck_assert_double_eq_tol(tv.jobs.jobs[0].progress, 0.25, 1e-12);
	ck_assert_double_eq_tol(tv.jobs.jobs[0].eta_s, 60, 1e-12);
	ck_assert_str_eq(tv.jobs.jobs[0].stage, "sft");
	ck_assert_uint_eq(tv.jobs.n_log, 4);
	ck_assert_int_eq(tv.v.jobs_running, 1);
	tui_view_free(&tv);
	/* a job whose process is gone is failed, with why, in the store too */
	ck_assert_int_eq(store_job_set_state(a->store.s, job, "queued", NULL, NULL), STORE_OK);
	ck_assert_int_eq(store_job_start(a->store.s, job, 999999999, run, NULL), STORE_OK);
	tui_app_reload(a);
	ck_assert_str_eq(a->jobs.v[0].state, "failed");
	ck_assert_ptr_nonnull(a->jobs.v[0].error);
	ck_assert_ptr_nonnull(strstr(a->jobs.v[0].error, "(pid 999999999) is gone"));
	ck_assert_int_eq(tui_jobs_log_tail("/nonexistent.log", 3, tail, sizeof tail), -1);
	ck_assert_ptr_nonnull(strstr(tail, "/nonexistent.log"));
	/* a log path outside the jobs folder is not read, even when it exists */
	snprintf(log, sizeof log, "%s/outside.log", harness_tmpdir());
	f = fopen(log, "w");
	ck_assert_ptr_nonnull(f);
	fprintf(f, "secret\n");
	fclose(f);
	ck_assert_int_eq(tui_jobs_log_tail(log, 3, tail, sizeof tail), -1);
	ck_assert_ptr_null(strstr(tail, "secret"));
	ck_assert_ptr_nonnull(strstr(tail, "not a file in ric's jobs folder"));
	/* A stored command line that would start a program is asked about first,
	 * shown whole; no leaves the job as it was. */
	store_id risky;
	ck_assert_int_eq(store_job_create(a->store.s, "[\"relabel\",\"--dataset\",\"d\",\"--allow-cmd\"]",
	                                  log, &risky, NULL), STORE_OK);
	ck_assert_int_eq(store_job_set_state(a->store.s, risky, "failed", "died", NULL), STORE_OK);
	char cmd[64];
	snprintf(cmd, sizeof cmd, ":resume %lld", (long long)risky);
	tui_app_command(a, cmd);
	ck_assert_int_eq(a->confirm, TUI_CONFIRM_RESUME_JOB);
	ck_assert_ptr_nonnull(strstr(a->confirm_text, "ric relabel --dataset d --allow-cmd"));
	tui_app_action(a, ACTION_CONFIRM_NO);
	ck_assert_int_eq(a->confirm, TUI_CONFIRM_NONE);
	tui_app_reload(a);
	for (size_t i = 0; i < a->jobs.n; i++)
		if (a->jobs.v[i].id == risky)
			ck_assert_str_eq(a->jobs.v[i].state, "failed");
	tui_app_free(a);
}
END_TEST

START_TEST(a_job_started_from_the_command_line)
{
	char ric[4200];
	snprintf(ric, sizeof ric, "%s/src/ric", harness_builddir());
	setenv("RIC_BIN", ric, 1);
	struct tui_app *a = open_app(0);
	store_id ds;
	ck_assert_int_eq(store_dataset_create(a->store.s, "toy", NULL, 0, &ds, NULL), STORE_OK);
	struct store_row r[2] = { { .prompt = "W", .response = "ab", .split = "eval" },
		                  { .prompt = "V", .response = "cd", .split = "eval" } };
	ck_assert_int_eq(store_rows_add(a->store.s, ds, r, 2, NULL, NULL), STORE_OK);
	/* ric's own usage error comes back as one line */
	ck_assert_int_eq(tui_app_command(a, ":job eval --job 3"), -1);
	ck_assert_ptr_nonnull(strstr(a->status, "--job is set by `ric job start` itself"));
	ck_assert_ptr_null(strchr(a->status, '\n'));
	char cmd[4400];
	snprintf(cmd, sizeof cmd, ":job eval --model '%s' --dataset toy --prompts 2 --step 0.5 "
	         "--max-tokens 4 --name from-tui", ckpt);
	ck_assert_int_eq(tui_app_command(a, cmd), 0);
	ck_assert_int_eq(a->screen, VIEW_JOBS);
	ck_assert_ptr_nonnull(strstr(a->status, "job 1 started"));
	ck_assert_uint_eq(a->jobs.n, 1);
	for (int i = 0; i < 600 && (!a->jobs.n || strcmp(a->jobs.v[0].state, "done") != 0); i++) {
		usleep(100000);
		tui_app_tick(a);
	}
	ck_assert_msg(strcmp(a->jobs.v[0].state, "done") == 0, "job %s: %s", a->jobs.v[0].state,
	              a->log);
	ck_assert_ptr_nonnull(strstr(a->jobs.v[0].cmd, "eval --model"));
	/* its run is on the Front screen with its three points */
	tui_app_action(a, ACTION_SCREEN_FRONT);
	ck_assert_uint_eq(a->n_fronts, 1);
	ck_assert_str_eq(a->fronts[0].name, "from-tui");
	ck_assert_uint_eq(a->fronts[0].n_pts, 3);
	ck_assert(a->fronts[0].has_stored);
	tui_app_free(a);
}
END_TEST

/* An adapter folder over `base` (adapter_config.json is what marks one). */
static void make_adapter(const char *dir, const char *base)
{
	mkdir(dir, 0777);
	char f[4300];
	snprintf(f, sizeof f, "%s/adapter_config.json", dir);
	FILE *fp = fopen(f, "w");
	ck_assert_ptr_nonnull(fp);
	fprintf(fp, "{\"peft_type\": \"LORA\", \"r\": 2, \"lora_alpha\": 4, "
	            "\"target_modules\": [\"c_attn\"], \"base_model_name_or_path\": \"%s\"}\n", base);
	fclose(fp);
}

START_TEST(adapter_runs_show_their_base)
{
	struct tui_app *a = open_app(0);
	struct store *s = a->store.s;
	store_id base = make_run(s, "pretrain", "tiny-base", 0);
	struct store_checkpoint bc = { .run = base, .step = 1, .kind = "policy", .path = ckpt };
	ck_assert_int_eq(store_checkpoint_add(s, &bc, NULL, NULL), STORE_OK);
	char ad[4200], ad2[4200];
	snprintf(ad, sizeof ad, "%s/adapter-a", harness_tmpdir());
	snprintf(ad2, sizeof ad2, "%s/adapter-b", harness_tmpdir());
	make_adapter(ad, ckpt);
	make_adapter(ad2, "/nowhere/base"); /* a base not here: named as the adapter says */
	store_id la = make_run(s, "sft", "lora-a", base);
	struct store_checkpoint ac = { .run = la, .step = 5, .kind = "policy", .path = ad };
	ck_assert_int_eq(store_checkpoint_add(s, &ac, NULL, NULL), STORE_OK);
	store_id ev = make_run(s, "eval", "eval-of-b", 0); /* an eval of an adapter: its model param */
	store_param_set(s, ev, "model", ad2, NULL);
	tui_app_reload(a);
	ck_assert_uint_eq(a->runs_n, 3);
	const struct tui_run *r = &a->runs.v[tui_runs_find(&a->runs, la)];
	ck_assert_str_eq(r->base, "tiny-base");
	ck_assert_str_eq(a->runs.v[tui_runs_find(&a->runs, ev)].base, "/nowhere/base");
	ck_assert_ptr_null(a->runs.v[tui_runs_find(&a->runs, base)].base);
	/* the list's BASE column, before CREATED */
	a->screen = VIEW_RUNS;
	struct tui_view tv;
	tui_view_build(a, &tv);
	ck_assert_uint_eq(tv.runs.n_columns, 7);
	ck_assert_str_eq(tv.runs.columns[5], "BASE");
	int found = 0;
	for (size_t i = 0; i < tv.runs.n_rows; i++)
		found |= strcmp(tv.runs.cells[i * 7 + 1], "lora-a") == 0 &&
		         strcmp(tv.runs.cells[i * 7 + 5], "tiny-base") == 0;
	ck_assert(found);
	tui_view_free(&tv);
	/* and the filter knows it */
	ck_assert_int_eq(tui_app_command(a, ":filter base=tiny-base"), 0);
	ck_assert_uint_eq(a->runs_n, 1);
	ck_assert_int_eq(tui_app_command(a, ":filter base!="), 0);
	ck_assert_uint_eq(a->runs_n, 2);
	ck_assert_int_eq(tui_app_command(a, ":filter base="), 0);
	ck_assert_uint_eq(a->runs_n, 1);
	ck_assert_int_eq(tui_app_command(a, ":filter colour=red"), -1);
	ck_assert_ptr_nonnull(strstr(a->status, "no field 'colour'"));
	/* no adapter shown: no BASE column */
	ck_assert_int_eq(tui_app_command(a, ":filter stage=pretrain"), 0);
	tui_view_build(a, &tv);
	ck_assert_uint_eq(tv.runs.n_columns, 6);
	ck_assert_str_eq(tv.runs.columns[5], "CREATED");
	tui_view_free(&tv);
	tui_app_free(a);
}
END_TEST

/* The new-job form: fields from `ric job options`, checked before a job starts. */
START_TEST(the_job_form_checks_before_it_starts)
{
	char ric[4200];
	snprintf(ric, sizeof ric, "%s/src/ric", harness_builddir());
	setenv("RIC_BIN", ric, 1);
	struct tui_app *a = open_app(0);
	struct store *s = a->store.s;
	store_id ds;
	ck_assert_int_eq(store_dataset_create(s, "toy", NULL, 0, &ds, NULL), STORE_OK);
	store_id pre = make_run(s, "pretrain", "small-base", 0);
	struct store_checkpoint bc = { .run = pre, .step = 1, .kind = "policy", .path = ckpt };
	ck_assert_int_eq(store_checkpoint_add(s, &bc, NULL, NULL), STORE_OK);
	store_run_finish(s, pre, "done", NULL, NULL);
	tui_app_reload(a);
	/* from a pretrain run: sft, its base filled in, its dataset not */
	a->screen = VIEW_JOBS;
	tui_app_action(a, ACTION_JOB_NEW);
	struct tui_form *f = a->form;
	ck_assert_ptr_nonnull(f);
	ck_assert_str_eq(f->stage, "sft");
	ck_assert_uint_eq(f->n, 3);
	ck_assert_str_eq(f->f[0].opt->name, "base");
	ck_assert_str_eq(f->f[0].value, ckpt);
	ck_assert_str_eq(f->f[1].opt->name, "dataset"); /* --dataset NAME|--data DIR: one of them */
	ck_assert_int_eq(f->f[1].opt->group, 1);
	ck_assert_str_eq(f->f[2].opt->name, "out");
	ck_assert_ptr_nonnull(strstr(f->f[1].opt->help, "relabelled"));
	/* start without a dataset: refused, the error beside the field */
	tui_app_action(a, ACTION_FORM_START);
	ck_assert_ptr_nonnull(a->form);
	ck_assert_uint_eq(a->jobs.n, 0);
	ck_assert_ptr_nonnull(strstr(f->f[1].error, "required"));
	ck_assert_ptr_nonnull(strstr(f->f[2].error, "required"));
	ck_assert_ptr_nonnull(strstr(f->message, "2 fields to fix; --dataset: required"));
	ck_assert(a->status_error);
	ck_assert_int_eq(f->sel, 2); /* on the first field to fix */
	/* a click picks a row, a second click on it edits it; nothing behind the form is hit */
	struct view_hit hit = { .kind = VIEW_HIT_ROW, .index = 3 };
	tui_app_click(a, &hit, 0);
	ck_assert_int_eq(f->sel, 3);
	ck_assert_int_eq(a->want_line, TUI_LINE_NONE);
	hit.index = 2;
	tui_app_click(a, &hit, 0);
	ck_assert_int_eq(f->sel, 2);
	struct view_hit tab = { .kind = VIEW_HIT_TAB, .index = VIEW_STEER };
	tui_app_click(a, &tab, 0);
	ck_assert_int_eq(a->screen, VIEW_JOBS);
	/* a dataset the store lacks; then one it has, typed on the field's line */
	tui_app_action(a, ACTION_FORM_EDIT);
	ck_assert_int_eq(a->want_line, TUI_LINE_FIELD);
	ck_assert_str_eq(a->line_word, "dataset");
	a->want_line = TUI_LINE_NONE;
	tui_app_field_line(a, "nosuch");
	ck_assert_ptr_nonnull(strstr(f->f[1].error, "no dataset 'nosuch'"));
	tui_app_field_line(a, "toy");
	ck_assert_str_eq(f->f[1].error, "");
	ck_assert_int_eq(f->sel, 3); /* on to the next field */
	/* a folder field takes a run's name for its policy */
	a->form_field = 0;
	tui_app_field_line(a, "small-base");
	ck_assert_str_eq(f->f[0].error, "");
	a->form_field = 0;
	tui_app_field_line(a, "no-such-run");
	ck_assert_ptr_nonnull(strstr(f->f[0].error, "no folder or run"));
	a->form_field = 0;
	tui_app_field_line(a, "small-base");
	/* one more option, by name; unknown ones are refused */
	char err[256];
	ck_assert_int_eq(tui_form_add(f, "--colour", err, sizeof err), -1);
	ck_assert_ptr_nonnull(strstr(err, "no option --colour"));
	int st = 0;
	ck_assert_str_eq(tui_form_complete_option(f, "ste", &st), "--steps");
	a->form_field = TUI_FORM_ADD;
	tui_app_field_line(a, "--steps");
	ck_assert_int_eq(a->want_line, TUI_LINE_FIELD); /* straight on to its value */
	ck_assert_str_eq(f->f[a->form_field].opt->name, "steps");
	tui_app_field_line(a, "2");
	a->form_field = 2;
	char out[4300];
	snprintf(out, sizeof out, "%s/sft-out", harness_tmpdir());
	tui_app_field_line(a, out);
	/* the :job line for experts says the same job, the run resolved */
	tui_app_action(a, ACTION_FORM_EXPERT);
	ck_assert_ptr_null(a->form);
	ck_assert_int_eq(a->want_line, TUI_LINE_COMMAND);
	char want[9000];
	snprintf(want, sizeof want, "job sft --base %s --dataset toy --out %s --steps 2", ckpt, out);
	ck_assert_str_eq(a->line_init, want);
	/* the relabel form from scratch: start runs `ric job start` */
	a->want_line = TUI_LINE_NONE;
	tui_app_action(a, ACTION_JOB_NEW);
	a->form_field = TUI_FORM_STAGE;
	tui_app_field_line(a, "frobnicate");
	ck_assert_ptr_nonnull(strstr(a->status, "no stage 'frobnicate' runs as a job"));
	ck_assert_str_eq(a->form->stage, "sft"); /* the form stays as it was */
	tui_app_action(a, ACTION_FORM_CLOSE);
	a->want_line = TUI_LINE_NONE;
	tui_app_action(a, ACTION_JOB_NEW);
	f = a->form;
	a->form_field = TUI_FORM_STAGE;
	tui_app_field_line(a, "relabel");
	f = a->form;
	ck_assert_str_eq(f->stage, "relabel");
	ck_assert_str_eq(f->f[0].opt->name, "dataset");
	a->form_field = 0;
	tui_app_field_line(a, "toy");
	tui_app_action(a, ACTION_FORM_START);
	ck_assert_msg(a->form == NULL, "%s", a->status);
	ck_assert_ptr_nonnull(strstr(a->status, "started"));
	ck_assert_uint_eq(a->jobs.n, 1);
	ck_assert_ptr_nonnull(strstr(a->jobs.v[0].cmd, "relabel --dataset toy"));
	for (int i = 0; i < 300 && job_state_active(a->jobs.v[0].state); i++) {
		usleep(100000);
		tui_app_tick(a);
	}
	tui_app_free(a);
}
END_TEST

START_TEST(runs_view_is_a_pure_filter_and_sort)
{
	char names[3][2] = { "b", "a", "c" }, stages[3][8] = { "sft", "eval", "sft" };
	char status[3][8] = { "done", "failed", "running" }, tags[3][8] = { "best", "", "" };
	int64_t created[3] = { 30, 10, 20 };
	struct tui_run v[3];
	for (int i = 0; i < 3; i++)
		v[i] = (struct tui_run){ .id = i + 1, .name = names[i], .stage = stages[i],
			                 .status = status[i], .tags = tags[i], .created_ms = created[i] };
	struct tui_runs rs = { 3, v };
	size_t idx[3];
	ck_assert_uint_eq(tui_runs_view(&rs, NULL, TUI_RUNS_BY_NAME, 0, idx), 3);
	ck_assert_uint_eq(idx[0], 1);
	ck_assert_uint_eq(tui_runs_view(&rs, "SFT", TUI_RUNS_BY_CREATED, 1, idx), 2);
	ck_assert_uint_eq(idx[0], 0);
	ck_assert_uint_eq(idx[1], 2);
	ck_assert_uint_eq(tui_runs_view(&rs, "sft best", TUI_RUNS_BY_ID, 0, idx), 1);
	ck_assert_uint_eq(tui_runs_view(&rs, "#2", TUI_RUNS_BY_ID, 0, idx), 1);
	ck_assert_uint_eq(idx[0], 1);
	ck_assert_uint_eq(tui_runs_view(&rs, "nothing", TUI_RUNS_BY_ID, 0, idx), 0);
	/* filter fields: = is, ~ contains, != and !~ the opposite */
	ck_assert_uint_eq(tui_runs_view(&rs, "stage=sft", TUI_RUNS_BY_ID, 0, idx), 2);
	ck_assert_uint_eq(tui_runs_view(&rs, "stage=sf", TUI_RUNS_BY_ID, 0, idx), 0);
	ck_assert_uint_eq(tui_runs_view(&rs, "stage~sf", TUI_RUNS_BY_ID, 0, idx), 2);
	ck_assert_uint_eq(tui_runs_view(&rs, "stage!=sft", TUI_RUNS_BY_ID, 0, idx), 1);
	ck_assert_uint_eq(idx[0], 1);
	ck_assert_uint_eq(tui_runs_view(&rs, "STAGE=SFT tag=best", TUI_RUNS_BY_ID, 0, idx), 1);
	ck_assert_uint_eq(idx[0], 0);
	ck_assert_uint_eq(tui_runs_view(&rs, "tag=", TUI_RUNS_BY_ID, 0, idx), 2);  /* no tags */
	ck_assert_uint_eq(tui_runs_view(&rs, "name~c status!~fail", TUI_RUNS_BY_ID, 0, idx), 1);
	ck_assert_uint_eq(idx[0], 2);
	ck_assert_uint_eq(tui_runs_view(&rs, "id=2", TUI_RUNS_BY_ID, 0, idx), 1);
	ck_assert_uint_eq(tui_runs_view(&rs, "base!=", TUI_RUNS_BY_ID, 0, idx), 0); /* no adapters */
	char err[256];
	ck_assert_int_eq(tui_runs_filter_check("stage=sft name~b", err, sizeof err), 0);
	ck_assert_uint_eq(tui_runs_view(&rs, "colour=red", TUI_RUNS_BY_ID, 0, idx), 0);
	ck_assert_int_eq(tui_runs_filter_check("sft colour=red", err, sizeof err), -1);
	ck_assert_ptr_nonnull(strstr(err, "no field 'colour'"));
	ck_assert_ptr_nonnull(strstr(err, "stage"));
	enum tui_runs_sort by;
	ck_assert_int_eq(tui_runs_sort_parse("status", &by), 0);
	ck_assert_int_eq(by, TUI_RUNS_BY_STATUS);
	ck_assert_int_eq(tui_runs_sort_parse("size", &by), -1);
}
END_TEST

START_TEST(frames_are_paced_but_the_first_token_is_not)
{
	struct tui_app *a = open_app(0);
	struct tui_frame f = { 0 };
	a->generating = 1;
	a->gen_id = 7;
	a->first_token_ms = -1;
	ck_assert_int_eq(tui_view_due(a, &f, 1000), 0);      /* a frame now */
	ck_assert_int_eq(tui_view_due(a, &f, 1005), 15);     /* then wait out the frame */
	a->first_token_ms = 3;                               /* the request's first token */
	ck_assert_int_eq(tui_view_due(a, &f, 1006), 0);      /* drawn at once */
	ck_assert_int_eq(tui_view_due(a, &f, 1010), 16);     /* later tokens are paced */
	ck_assert_int_eq(tui_view_due(a, &f, 1026), 0);
	a->generating = 0;                                   /* idle: every change at once */
	ck_assert_int_eq(tui_view_due(a, &f, 1027), 0);
	tui_app_free(a);
}
END_TEST

/* The jobs these tests start log under the harness's own HOME, not the user's. */
START_TEST(jobs_log_under_a_private_home)
{
	const char *home = getenv("HOME");
	char tests[4200];
	snprintf(tests, sizeof tests, "%s/tests/home.", harness_builddir());
	ck_assert_msg(home && strncmp(home, tests, strlen(tests)) == 0, "HOME is %s", home ? home : "unset");
	ck_assert_str_eq(home, harness_home_dir());
	char *files[] = { paths_state_file("jobs"), paths_config_file("ricrc"), paths_store(NULL) };
	for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
		ck_assert_msg(files[i] && strncmp(files[i], home, strlen(home)) == 0 &&
		              files[i][strlen(home)] == '/', "%s is outside HOME %s", files[i], home);
		free(files[i]);
	}
	struct stat sb;
	ck_assert_int_eq(stat(home, &sb), 0);
	ck_assert(S_ISDIR(sb.st_mode));
	ck_assert_ptr_null(getenv("RIC_STORE"));
}
END_TEST

Suite *harness_suite(void)
{
	Suite *s = suite_create("tui_app");
	TCase *tc = harness_add(s, "steer", no_checkpoint_says_how_to_load_one,
	                        sliders_rebalance_and_restart_generation, a_slider_at_its_end_says_so,
	                        status_messages_time_out, help_scrolls_to_its_real_end, steer_means_beside_targets,
	                        commands_change_settings_and_regenerate, compare_mode_and_export,
	                        a_saved_sample_lands_in_the_store, NULL);
	tcase_set_timeout(tc, 120);
	tc = harness_add(s, "screens", runs_filter_sort_tag_delete, fronts_of_eval_runs,
	                 response_view_plots_score_against_weight,
	                 stored_response_curves_in_both_units, online_iterations_step_on_front_and_steer,
	                 runs_lineage_tree_and_metric_charts,
	                 online_samples_and_dataset_rows_as_series,
	                 jobs_and_their_logs, runs_view_is_a_pure_filter_and_sort,
	                 frames_are_paced_but_the_first_token_is_not,
	                 a_job_started_from_the_command_line, adapter_runs_show_their_base,
	                 the_job_form_checks_before_it_starts, jobs_log_under_a_private_home, NULL);
	tcase_set_timeout(tc, 120);
	return s;
}
