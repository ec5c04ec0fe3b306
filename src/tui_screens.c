#include "config.h"

#include "src/tui_app_int.h"
#include "src/job_state.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- Runs --------------------------------------------------------------- */

const struct tui_run *tui_screens_selected_run(const struct tui_app *a)
{
	if (a->runs_sel < 0 || (size_t)a->runs_sel >= a->runs_n)
		return NULL;
	return &a->runs.v[a->runs_idx[a->runs_sel]];
}

void tui_screens_detail(struct tui_app *a)
{
	const struct tui_run *r = tui_screens_selected_run(a);
	if (a->has_detail && r && a->detail.run.id == r->id)
		return;
	if (a->has_detail)
		tui_run_detail_free(&a->detail);
	a->has_detail = 0;
	struct store_err err;
	if (r && a->has_store && tui_run_detail_load(a->store.s, r->id, &a->detail, &err) == STORE_OK)
		a->has_detail = 1;
}

void tui_screens_runs_view(struct tui_app *a)
{
	store_id keep = 0;
	const struct tui_run *r = tui_screens_selected_run(a);
	if (r)
		keep = r->id;
	free(a->runs_idx);
	a->runs_idx = malloc((a->runs.n ? a->runs.n : 1) * sizeof *a->runs_idx);
	a->runs_n = a->runs_idx ? tui_runs_view(&a->runs, a->runs_filter, a->runs_sort, a->runs_desc,
	                                        a->runs_idx)
	                        : 0;
	/* The selection follows its run through reloads and re-sorts. */
	a->runs_sel = a->runs_n ? 0 : -1;
	for (size_t i = 0; keep && i < a->runs_n; i++)
		if (a->runs.v[a->runs_idx[i]].id == keep)
			a->runs_sel = (int)i;
	a->dirty = 1;
	tui_screens_detail(a);
}

void tui_screens_runs_reload(struct tui_app *a)
{
	if (!a->has_store)
		return;
	struct tui_runs rs;
	struct store_err err;
	if (tui_runs_load(a->store.s, &rs, &err) != STORE_OK) {
		tui_app_error(a, "%s", err.msg);
		return;
	}
	/* Keep the selected id across the swap. */
	const struct tui_run *sel = tui_screens_selected_run(a);
	store_id keep = sel ? sel->id : 0;
	tui_runs_free(&a->runs);
	a->runs = rs;
	a->runs_sel = -1;
	free(a->runs_idx);
	a->runs_idx = NULL;
	a->runs_n = 0;
	tui_screens_runs_view(a);
	for (size_t i = 0; keep && i < a->runs_n; i++)
		if (a->runs.v[a->runs_idx[i]].id == keep)
			a->runs_sel = (int)i;
	if (a->has_detail)
		tui_run_detail_free(&a->detail);
	a->has_detail = 0;
	tui_screens_detail(a);
}

static int tui_screens_is_marked(const struct tui_app *a, store_id id)
{
	for (size_t i = 0; i < a->n_marked; i++)
		if (a->marked[i] == id)
			return 1;
	return 0;
}

static void tui_screens_mark(struct tui_app *a, store_id id)
{
	for (size_t i = 0; i < a->n_marked; i++) {
		if (a->marked[i] == id) {
			a->marked[i] = a->marked[--a->n_marked];
			return;
		}
	}
	store_id *m = realloc(a->marked, (a->n_marked + 1) * sizeof *m);
	if (!m)
		return;
	a->marked = m;
	a->marked[a->n_marked++] = id;
}

int tui_screens_tag(struct tui_app *a, const char *tag)
{
	const struct tui_run *r = tui_screens_selected_run(a);
	if (!r) {
		tui_app_error(a, "select a run on the Runs screen first");
		return -1;
	}
	struct store_err err;
	store_id id = r->id;
	if (store_tag_add(a->store.s, id, tag, &err) != STORE_OK) {
		tui_app_error(a, "%s", err.msg);
		return -1;
	}
	tui_app_say(a, "run %lld tagged %s", (long long)id, tag);
	tui_screens_runs_reload(a);
	return 0;
}

void tui_screens_search(struct tui_app *a, const char *text)
{
	if (!text || !*text || a->runs_n == 0)
		return;
	size_t one[1];
	for (size_t k = 1; k <= a->runs_n; k++) {
		size_t i = ((size_t)(a->runs_sel < 0 ? 0 : a->runs_sel) + k) % a->runs_n;
		struct tui_runs single = { 1, &a->runs.v[a->runs_idx[i]] };
		if (tui_runs_view(&single, text, TUI_RUNS_BY_ID, 0, one) == 1) {
			a->runs_sel = (int)i;
			a->dirty = 1;
			tui_screens_detail(a);
			return;
		}
	}
	tui_app_error(a, "no run matches '%s'", text);
}

/* A line for one command's argument, starting empty (history has the
 * earlier ones). */
static void tui_screens_word_line(struct tui_app *a, const char *word)
{
	a->want_line = TUI_LINE_WORD;
	snprintf(a->line_word, sizeof a->line_word, "%s", word);
	a->line_init[0] = '\0';
}

/* The stage a new job most likely wants after the selected run. */
static const char *tui_screens_next_stage(const char *stage)
{
	if (!stage)
		return "sft";
	if (strcmp(stage, "import") == 0)
		return "relabel";
	if (strcmp(stage, "relabel") == 0 || strcmp(stage, "pretrain") == 0)
		return "sft";
	if (strcmp(stage, "eval") == 0)
		return "online";
	return "eval";
}

/* Runs the Front screen can plot (tui_fronts). */
static int tui_screens_plottable(const char *stage)
{
	return strcmp(stage, "eval") == 0 || strcmp(stage, "online") == 0 ||
	       strcmp(stage, "import") == 0 || strcmp(stage, "relabel") == 0;
}

void tui_screens_runs_action(struct tui_app *a, enum action act)
{
	const struct tui_run *r = tui_screens_selected_run(a);
	switch (act) {
	case ACTION_SORT_NEXT:
		a->runs_sort = (enum tui_runs_sort)((a->runs_sort + 1) % (TUI_RUNS_BY_CREATED + 1));
		tui_screens_runs_view(a);
		return;
	case ACTION_SORT_REVERSE:
		a->runs_desc = !a->runs_desc;
		tui_screens_runs_view(a);
		return;
	case ACTION_SEARCH:
		tui_screens_word_line(a, "search");
		return;
	case ACTION_FILTER:
		tui_screens_word_line(a, "filter");
		return;
	default:
		break;
	}
	if (!r) {
		tui_app_error(a, "no run selected");
		return;
	}
	switch (act) {
	case ACTION_RUN_LOAD: {
		tui_screens_detail(a);
		const char *dir = a->has_detail ? tui_run_detail_policy(&a->detail) : NULL;
		if (!dir) {
			tui_app_error(a, "run %lld has no policy checkpoint to load", (long long)r->id);
			return;
		}
		char *copy = strdup(dir);
		if (copy && tui_app_load(a, copy) == 0)
			a->screen = VIEW_STEER;
		free(copy);
		return;
	}
	case ACTION_RUN_MARK:
		tui_screens_mark(a, r->id);
		a->dirty = 1;
		if (a->runs_sel + 1 < (int)a->runs_n)
			a->runs_sel++;
		tui_screens_detail(a);
		return;
	case ACTION_RUN_COMPARE: {
		store_id ids[TUI_APP_MAX_FRONTS];
		size_t n = 0;
		for (size_t i = 0; i < a->runs_n && n < TUI_APP_MAX_FRONTS; i++) {
			const struct tui_run *x = &a->runs.v[a->runs_idx[i]];
			if (tui_screens_is_marked(a, x->id) && tui_screens_plottable(x->stage))
				ids[n++] = x->id;
		}
		if (n == 0 && tui_screens_plottable(r->stage))
			ids[n++] = r->id;
		if (n == 0) {
			tui_app_error(a, "mark eval, online or dataset runs (Space) to compare them");
			return;
		}
		if (tui_screens_front_set(a, ids, n) == 0)
			a->screen = VIEW_FRONT;
		return;
	}
	case ACTION_RUN_TAG:
		tui_screens_word_line(a, "tag");
		return;
	case ACTION_RUN_DELETE:
		a->confirm = TUI_CONFIRM_DELETE_RUN;
		a->confirm_id = r->id;
		snprintf(a->confirm_text, sizeof a->confirm_text,
		         "Delete run %lld (%s) with its metrics, checkpoint records and samples? y/n",
		         (long long)r->id, r->name);
		a->dirty = 1;
		return;
	default:
		return;
	}
}

static void tui_screens_job_resume_now(struct tui_app *a, store_id id, int allow_cmd);

void tui_screens_confirm(struct tui_app *a, int yes)
{
	enum tui_confirm c = a->confirm;
	if (c == TUI_CONFIRM_ALLOW_CMD) {
		tui_app_consent(a, yes);
		return;
	}
	a->confirm = TUI_CONFIRM_NONE;
	a->dirty = 1;
	if (!yes) {
		tui_app_say(a, "nothing done");
		return;
	}
	struct store_err err;
	if (c == TUI_CONFIRM_DELETE_RUN) {
		if (store_run_delete(a->store.s, a->confirm_id, &err) != STORE_OK) {
			tui_app_error(a, "%s", err.msg);
			return;
		}
		tui_app_say(a, "run %lld deleted (its files stay on disk)", (long long)a->confirm_id);
		tui_app_reload(a);
	} else if (c == TUI_CONFIRM_CANCEL_JOB) {
		tui_screens_job_cancel(a, a->confirm_id);
	} else if (c == TUI_CONFIRM_RESUME_JOB) {
		tui_screens_job_resume_now(a, a->confirm_id, 1);
	}
}

/* ---- Front -------------------------------------------------------------- */

void tui_screens_point_text(struct tui_app *a)
{
	tui_point_text_free(&a->ptext);
	if (a->cur_series < 0 || (size_t)a->cur_series >= a->n_fronts || a->cur_point < 0)
		return;
	struct store_err err;
	tui_front_point_text(a->store.s, &a->fronts[a->cur_series], (size_t)a->cur_point, &a->ptext,
	                     &err);
}

static void tui_screens_fronts_free(struct tui_app *a)
{
	for (size_t i = 0; i < a->n_fronts; i++)
		tui_front_free(&a->fronts[i]);
	a->n_fronts = 0;
	tui_point_text_free(&a->ptext);
}

static void tui_screens_fronts_axes(struct tui_app *a)
{
	for (size_t i = 0; i < a->n_fronts; i++)
		tui_front_axes(&a->fronts[i], a->x_axis, a->y_axis, NULL);
}

void tui_screens_fronts_reload(struct tui_app *a)
{
	if (!a->has_store)
		return;
	store_id ids[TUI_APP_MAX_FRONTS];
	size_t n;
	if (a->fronts_auto) {
		n = tui_fronts_eval_runs(a->store.s, ids, 4);
	} else {
		n = a->n_fronts;
		for (size_t i = 0; i < n; i++)
			ids[i] = a->front_ids[i];
	}
	int cs = a->cur_series, cp = a->cur_point;
	store_id cur_run = cs >= 0 && (size_t)cs < a->n_fronts ? a->fronts[cs].run : 0;
	tui_screens_fronts_free(a);
	char why[STORE_ERR_MAX] = "";
	for (size_t i = 0; i < n; i++) {
		struct store_err err;
		if (tui_front_load(a->store.s, ids[i], &a->fronts[a->n_fronts], &err) == STORE_OK)
			a->front_ids[a->n_fronts++] = ids[i];
		else
			snprintf(why, sizeof why, "%s", err.msg);
	}
	if (*why)
		tui_app_error(a, "%s", why);
	tui_screens_fronts_axes(a);
	/* The cursor stays on its run's point when the run is still shown. */
	a->cur_series = a->cur_point = -1;
	for (size_t i = 0; i < a->n_fronts; i++) {
		if (a->fronts[i].run == cur_run && cp >= 0 && (size_t)cp < a->fronts[i].n_pts) {
			a->cur_series = (int)i;
			a->cur_point = cp;
		}
	}
	if (a->cur_series < 0) {
		for (size_t i = 0; i < a->n_fronts && a->cur_series < 0; i++)
			if (a->fronts[i].n_pts) {
				a->cur_series = (int)i;
				a->cur_point = 0;
			}
	}
	int max_obj = 0;
	for (size_t i = 0; i < a->n_fronts; i++)
		if (a->fronts[i].n_obj > max_obj)
			max_obj = a->fronts[i].n_obj;
	if (max_obj > 0 && (a->x_axis >= max_obj || a->y_axis >= max_obj)) {
		a->x_axis = 0;
		a->y_axis = max_obj > 1 ? 1 : 0;
		tui_screens_fronts_axes(a);
	}
	tui_screens_point_text(a);
	a->dirty = 1;
}

int tui_screens_front_set(struct tui_app *a, const store_id *ids, size_t n)
{
	if (n > TUI_APP_MAX_FRONTS)
		n = TUI_APP_MAX_FRONTS;
	tui_screens_fronts_free(a);
	a->fronts_auto = 0;
	for (size_t i = 0; i < n; i++)
		a->front_ids[i] = ids[i];
	a->n_fronts = n;
	a->cur_series = a->cur_point = -1;
	tui_screens_fronts_reload(a);
	if (a->n_fronts < n) /* the reload said why */
		return a->n_fronts ? 0 : -1;
	tui_app_say(a, "front of %zu run%s", n, n == 1 ? "" : "s");
	return 0;
}

/* Name or 1-based number of an objective of the shown fronts. */
static int tui_screens_axis(const struct tui_app *a, const char *s)
{
	char *end;
	long v = strtol(s, &end, 10);
	int max_obj = 0;
	for (size_t i = 0; i < a->n_fronts; i++)
		if (a->fronts[i].n_obj > max_obj)
			max_obj = a->fronts[i].n_obj;
	if (*s && !*end)
		return v >= 1 && v <= max_obj ? (int)v - 1 : -1;
	for (size_t i = 0; i < a->n_fronts; i++)
		for (int j = 0; j < a->fronts[i].n_obj; j++)
			if (strcmp(a->fronts[i].obj[j], s) == 0)
				return j;
	return -1;
}

int tui_screens_axes(struct tui_app *a, const char *x, const char *y)
{
	int ix = tui_screens_axis(a, x), iy = tui_screens_axis(a, y);
	if (ix < 0 || iy < 0) {
		tui_app_error(a, "no objective '%s' among the shown runs", ix < 0 ? x : y);
		return -1;
	}
	if (ix == iy) {
		tui_app_error(a, "x and y want two different objectives, not %s twice", x);
		return -1;
	}
	a->x_axis = ix;
	a->y_axis = iy;
	tui_screens_fronts_axes(a);
	a->dirty = 1;
	return 0;
}

/* The nearest point in direction (dx, dy) from the cursor, over every shown
 * series: distance along the direction counts once, across it twice. */
static void tui_screens_point_move(struct tui_app *a, int dx, int dy)
{
	if (a->cur_series < 0)
		return;
	const struct tui_front_point *c = &a->fronts[a->cur_series].pts[a->cur_point];
	double cx = c->norm[a->x_axis], cy = c->norm[a->y_axis];
	double best = INFINITY;
	int bs = -1, bp = -1;
	for (size_t s = 0; s < a->n_fronts; s++) {
		if (!a->overlay && (int)s != a->cur_series)
			continue;
		for (size_t p = 0; p < a->fronts[s].n_pts; p++) {
			const struct tui_front_point *q = &a->fronts[s].pts[p];
			double ex = q->norm[a->x_axis] - cx, ey = q->norm[a->y_axis] - cy;
			double along = ex * dx + ey * dy, across = fabs(ex * dy - ey * dx);
			if (along <= 1e-12)
				continue;
			double d = along + 2 * across;
			if (d < best) {
				best = d;
				bs = (int)s;
				bp = (int)p;
			}
		}
	}
	if (bs >= 0) {
		a->cur_series = bs;
		a->cur_point = bp;
		tui_screens_point_text(a);
	}
}

void tui_screens_front_action(struct tui_app *a, enum action act)
{
	int max_obj = 0;
	for (size_t i = 0; i < a->n_fronts; i++)
		if (a->fronts[i].n_obj > max_obj)
			max_obj = a->fronts[i].n_obj;
	a->dirty = 1;
	switch (act) {
	case ACTION_AXIS_X_NEXT:
	case ACTION_AXIS_Y_NEXT:
		if (max_obj < 2) {
			tui_app_error(a, "only one objective");
			return;
		}
		{
			/* One objective never takes both axes: the next one skips the
			 * other axis, and with two objectives the axes swap. */
			int *move = act == ACTION_AXIS_X_NEXT ? &a->x_axis : &a->y_axis;
			int *other = act == ACTION_AXIS_X_NEXT ? &a->y_axis : &a->x_axis;
			int next = (*move + 1) % max_obj;
			if (next == *other && max_obj > 2)
				next = (next + 1) % max_obj;
			if (next == *other)
				*other = *move;
			*move = next;
		}
		tui_screens_fronts_axes(a);
		return;
	case ACTION_OVERLAY_TOGGLE:
		a->overlay = !a->overlay;
		return;
	case ACTION_SERIES_NEXT:
		for (size_t k = 1; k <= a->n_fronts; k++) {
			size_t s = ((size_t)(a->cur_series < 0 ? 0 : a->cur_series) + k) % a->n_fronts;
			if (a->fronts[s].n_pts) {
				a->cur_series = (int)s;
				a->cur_point = 0;
				tui_screens_point_text(a);
				return;
			}
		}
		return;
	default:
		break;
	}
	if (a->cur_series < 0) {
		tui_app_error(a, "no evaluation points: run ric eval (or :job eval ...) first");
		return;
	}
	struct tui_front *f = &a->fronts[a->cur_series];
	int n = (int)f->n_pts;
	switch (act) {
	case ACTION_POINT_NEXT: a->cur_point = (a->cur_point + 1) % n; break;
	case ACTION_POINT_PREV: a->cur_point = (a->cur_point + n - 1) % n; break;
	case ACTION_POINT_LEFT: tui_screens_point_move(a, -1, 0); return;
	case ACTION_POINT_RIGHT: tui_screens_point_move(a, 1, 0); return;
	case ACTION_POINT_UP: tui_screens_point_move(a, 0, 1); return;
	case ACTION_POINT_DOWN: tui_screens_point_move(a, 0, -1); return;
	case ACTION_POINT_STEER:
		if (f->kind == TUI_FRONT_OFFLINE) {
			tui_app_error(a, "a dataset row has no preference to steer with");
			return;
		}
		tui_app_steer_with(a, f->pts[a->cur_point].pref, f->n_obj);
		return;
	default: return;
	}
	tui_screens_point_text(a);
}

/* ---- Jobs --------------------------------------------------------------- */

void tui_screens_log(struct tui_app *a)
{
	a->log[0] = '\0';
	if (a->jobs_sel >= 0 && (size_t)a->jobs_sel < a->jobs.n)
		tui_jobs_log_tail(a->jobs.v[a->jobs_sel].log_path, a->log_lines, a->log, sizeof a->log);
}

void tui_screens_jobs_reload(struct tui_app *a)
{
	if (!a->has_store)
		return;
	store_id keep = a->jobs_sel >= 0 && (size_t)a->jobs_sel < a->jobs.n ? a->jobs.v[a->jobs_sel].id : 0;
	struct tui_jobs js;
	struct store_err err;
	if (tui_jobs_load(a->store.s, &js, &err) != STORE_OK) {
		tui_app_error(a, "%s", err.msg);
		return;
	}
	tui_jobs_free(&a->jobs);
	a->jobs = js;
	a->jobs_sel = js.n ? 0 : -1;
	for (size_t i = 0; keep && i < js.n; i++)
		if (js.v[i].id == keep)
			a->jobs_sel = (int)i;
	tui_screens_log(a);
	a->dirty = 1;
}

static int tui_screens_store_file(struct tui_app *a, char *buf, size_t cap)
{
	/* The job runs in its own session from any folder: give it an absolute path. */
	char abs[PATH_MAX];
	if (realpath(a->store.path, abs))
		snprintf(buf, cap, "%s", abs);
	else
		snprintf(buf, cap, "%s", a->store.path);
	return 0;
}

int tui_screens_job_start(struct tui_app *a, char *const *words, size_t n)
{
	if (!a->has_store) {
		tui_app_error(a, "no store open");
		return -1;
	}
	const char *args[TUI_CMD_MAX_WORDS + 1];
	for (size_t i = 0; i < n && i < TUI_CMD_MAX_WORDS; i++)
		args[i] = words[i];
	args[n < TUI_CMD_MAX_WORDS ? n : TUI_CMD_MAX_WORDS] = NULL;
	char file[PATH_MAX], msg[512];
	tui_screens_store_file(a, file, sizeof file);
	store_id id;
	if (tui_jobs_start(file, args, &id, msg, sizeof msg) != 0) {
		tui_app_error(a, "%s", msg);
		return -1;
	}
	tui_app_say(a, "%s (ric job logs %lld)", msg, (long long)id);
	tui_store_touch(&a->store);
	tui_screens_jobs_reload(a);
	for (size_t i = 0; i < a->jobs.n; i++)
		if (a->jobs.v[i].id == id)
			a->jobs_sel = (int)i;
	a->screen = VIEW_JOBS;
	return 0;
}

void tui_screens_job_cancel(struct tui_app *a, store_id id)
{
	char file[PATH_MAX];
	tui_screens_store_file(a, file, sizeof file);
	if (tui_jobs_cancel(file, id) < 0)
		tui_app_error(a, "cannot run ric job cancel: %s", strerror(errno));
	else
		tui_app_say(a, "cancelling job %lld: it checkpoints and stops", (long long)id);
}

static void tui_screens_job_resume_now(struct tui_app *a, store_id id, int allow_cmd)
{
	char file[PATH_MAX], msg[512];
	tui_screens_store_file(a, file, sizeof file);
	if (tui_jobs_resume(file, id, allow_cmd, msg, sizeof msg) != 0)
		tui_app_error(a, "%s", msg);
	else
		tui_app_say(a, "%s", msg);
	tui_screens_jobs_reload(a);
}

/* A job's command line comes from the store, which may be someone else's:
 * one that would start a program (a cmd: spec, --allow-cmd) is shown whole
 * and asked about before it runs again. */
void tui_screens_job_resume(struct tui_app *a, store_id id)
{
	tui_screens_jobs_reload(a);
	for (size_t i = 0; i < a->jobs.n; i++) {
		const struct tui_job *j = &a->jobs.v[i];
		if (j->id != id || !j->cmd || (!strstr(j->cmd, "--allow-cmd") && !strstr(j->cmd, "cmd:")))
			continue;
		a->confirm = TUI_CONFIRM_RESUME_JOB;
		a->confirm_id = id;
		snprintf(a->confirm_text, sizeof a->confirm_text,
		         "Resume job %lld? Its command line may start a program: ric %s -- y/n",
		         (long long)id, j->cmd);
		a->dirty = 1;
		return;
	}
	tui_screens_job_resume_now(a, id, 0);
}

void tui_screens_jobs_action(struct tui_app *a, enum action act)
{
	const struct tui_job *j = a->jobs_sel >= 0 && (size_t)a->jobs_sel < a->jobs.n
	                                  ? &a->jobs.v[a->jobs_sel]
	                                  : NULL;
	switch (act) {
	case ACTION_JOB_NEW: {
		/* The form: a command line filled from the run selected on the Runs screen. */
		const struct tui_run *r = tui_screens_selected_run(a);
		tui_screens_detail(a);
		char line[900];
		tui_jobs_prefill(tui_screens_next_stage(r ? r->stage : NULL),
		                 a->has_detail ? &a->detail : NULL, line, sizeof line);
		a->want_line = TUI_LINE_COMMAND;
		snprintf(a->line_init, sizeof a->line_init, "job %s", line);
		return;
	}
	case ACTION_JOB_CANCEL:
		if (!j || !job_state_active(j->state)) {
			tui_app_error(a, "select a running job to cancel");
			return;
		}
		a->confirm = TUI_CONFIRM_CANCEL_JOB;
		a->confirm_id = j->id;
		snprintf(a->confirm_text, sizeof a->confirm_text,
		         "Cancel job %lld (%s)? It checkpoints and stops. y/n", (long long)j->id, j->cmd);
		a->dirty = 1;
		return;
	case ACTION_JOB_RESUME:
		if (!j) {
			tui_app_error(a, "no job selected");
			return;
		}
		tui_screens_job_resume(a, j->id);
		return;
	case ACTION_JOB_LOG:
		a->log_lines = a->log_lines == 8 ? 40 : 8;
		tui_screens_log(a);
		a->dirty = 1;
		return;
	default:
		return;
	}
}

/* ---- moving in lists ----------------------------------------------------- */

void tui_screens_help_clamp(struct tui_app *a)
{
	int last = view_help_lines(a->keys) - tui_app_pane_rows(a);
	if (a->help_scroll > last)
		a->help_scroll = last > 0 ? last : 0;
	if (a->help_scroll < 0)
		a->help_scroll = 0;
}

void tui_screens_list_action(struct tui_app *a, enum action act)
{
	int *sel, n;
	if (a->screen == VIEW_RUNS) {
		sel = &a->runs_sel;
		n = (int)a->runs_n;
	} else if (a->screen == VIEW_JOBS) {
		sel = &a->jobs_sel;
		n = (int)a->jobs.n;
	} else if (a->screen == VIEW_HELP) {
		/* The help scrolls by its top line, up to where its last line shows. */
		sel = &a->help_scroll;
		n = view_help_lines(a->keys) - tui_app_pane_rows(a) + 1;
		if (n < 1)
			n = 1;
	} else {
		return;
	}
	if (n == 0)
		return;
	int page = tui_app_pane_rows(a) > 2 ? tui_app_pane_rows(a) - 1 : 1;
	switch (act) {
	case ACTION_LIST_DOWN: (*sel)++; break;
	case ACTION_LIST_UP: (*sel)--; break;
	case ACTION_LIST_PAGE_DOWN: *sel += page; break;
	case ACTION_LIST_PAGE_UP: *sel -= page; break;
	case ACTION_LIST_TOP: *sel = 0; break;
	case ACTION_LIST_BOTTOM: *sel = n - 1; break;
	default: return;
	}
	if (*sel < 0)
		*sel = 0;
	if (*sel >= n)
		*sel = n - 1;
	a->dirty = 1;
	if (a->screen == VIEW_RUNS)
		tui_screens_detail(a);
	else if (a->screen == VIEW_JOBS)
		tui_screens_log(a);
}

void tui_screens_free(struct tui_app *a)
{
	tui_runs_free(&a->runs);
	free(a->runs_idx);
	a->runs_idx = NULL;
	free(a->runs_filter);
	free(a->marked);
	if (a->has_detail)
		tui_run_detail_free(&a->detail);
	a->has_detail = 0;
	tui_screens_fronts_free(a);
	tui_jobs_free(&a->jobs);
}
