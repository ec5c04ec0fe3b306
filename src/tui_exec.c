#include "config.h"

#include "src/tui_app_int.h"

#include "engine/monotonic.h"
#include "ui/layout.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- moving in lists ----------------------------------------------------- */

/* The help pane's width: its texts wrap to it. */
static int tui_exec_help_cols(const struct tui_app *a)
{
	struct layout_opts o = { (int)a->n_obj, a->compare };
	struct layout L = layout_compute(LAYOUT_HELP, a->rows, a->cols, &o);
	return L.too_small ? 0 : L.table.w;
}

static void tui_exec_help_clamp(struct tui_app *a)
{
	int last = view_help_lines(a->keys, tui_exec_help_cols(a)) - tui_app_pane_rows(a);
	if (a->help_scroll > last)
		a->help_scroll = last > 0 ? last : 0;
	if (a->help_scroll < 0)
		a->help_scroll = 0;
}

static void tui_exec_list_action(struct tui_app *a, enum action act)
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
		n = view_help_lines(a->keys, tui_exec_help_cols(a)) - tui_app_pane_rows(a) + 1;
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
		tui_scr_runs_detail(a);
	else if (a->screen == VIEW_JOBS)
		tui_scr_jobs_log(a);
}


static void tui_exec_confirm(struct tui_app *a, int yes)
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
		tui_scr_jobs_cancel(a, a->confirm_id);
	} else if (c == TUI_CONFIRM_RESUME_JOB) {
		tui_scr_jobs_resume_now(a, a->confirm_id, 1);
	}
}


void tui_app_free(struct tui_app *a)
{
	if (!a)
		return;
	tui_gen_close(a->gen);
	tui_app_clear_samples(a);
	tui_scr_runs_free(a);
	tui_scr_front_free(a);
	tui_scr_jobs_free(a);
	if (a->has_store)
		tui_store_close(&a->store);
	keys_map_free(a->keys);
	free(a->ckpt);
	free(a->prompt);
	free(a);
}

void tui_app_reload(struct tui_app *a)
{
	tui_scr_runs_reload(a);
	tui_scr_jobs_reload(a);
	tui_scr_front_reload(a);
	a->stale = 0;
}

/* A running job commits twice a second: reload only what is on screen. */
static void tui_exec_refresh(struct tui_app *a)
{
	if (a->screen == VIEW_RUNS && (a->stale & TUI_STALE_RUNS)) {
		a->stale &= ~TUI_STALE_RUNS;
		tui_scr_runs_reload(a);
	}
	if (a->screen == VIEW_FRONT && (a->stale & TUI_STALE_FRONTS)) {
		a->stale &= ~TUI_STALE_FRONTS;
		tui_scr_front_reload(a);
	}
}

void tui_app_resize(struct tui_app *a, int rows, int cols)
{
	a->rows = rows;
	a->cols = cols;
	tui_exec_help_clamp(a);
}

int tui_app_pane_rows(const struct tui_app *a)
{
	static const enum layout_screen ls[VIEW_SCREEN_COUNT] = {
		[VIEW_STEER] = LAYOUT_STEER, [VIEW_FRONT] = LAYOUT_FRONT, [VIEW_RUNS] = LAYOUT_RUNS,
		[VIEW_JOBS] = LAYOUT_JOBS, [VIEW_HELP] = LAYOUT_HELP,
	};
	struct layout_opts o = { (int)a->n_obj, a->compare };
	struct layout L = layout_compute(ls[a->screen], a->rows, a->cols, &o);
	if (L.too_small)
		return 1;
	return L.table.h > 0 ? L.table.h : 1;
}

void tui_app_tick(struct tui_app *a)
{
	/* A message read once is old news on the next screen. */
	if (a->status[0] && !a->status_error && monotonic_ms() - a->status_ms > TUI_APP_STATUS_MS) {
		a->status[0] = '\0';
		a->dirty = 1;
	}
	tui_jobs_reap();
	if (a->has_store && tui_store_changed(&a->store)) {
		tui_scr_jobs_reload(a);
		a->stale |= TUI_STALE_RUNS | TUI_STALE_FRONTS;
	}
	tui_exec_refresh(a);
}

static void tui_exec_screen(struct tui_app *a, enum view_screen s)
{
	a->screen = s;
	a->dirty = 1;
	/* What another screen changed shows at once, not at the next poll. */
	if (s == VIEW_RUNS || s == VIEW_JOBS || s == VIEW_FRONT)
		tui_app_tick(a);
}

void tui_app_action(struct tui_app *a, enum action act)
{
	/* The last error has been seen once the user acts again. */
	a->status_error = 0;
	if (a->confirm != TUI_CONFIRM_NONE) {
		if (act == ACTION_CONFIRM_YES || act == ACTION_CONFIRM_NO)
			tui_exec_confirm(a, act == ACTION_CONFIRM_YES);
		return;
	}
	switch (act) {
	case ACTION_NONE: return;
	case ACTION_SCREEN_STEER: tui_exec_screen(a, VIEW_STEER); return;
	case ACTION_SCREEN_FRONT: tui_exec_screen(a, VIEW_FRONT); return;
	case ACTION_SCREEN_RUNS: tui_exec_screen(a, VIEW_RUNS); return;
	case ACTION_SCREEN_JOBS: tui_exec_screen(a, VIEW_JOBS); return;
	case ACTION_HELP:
		if (a->screen != VIEW_HELP)
			a->back = a->screen;
		a->screen = VIEW_HELP;
		a->help_scroll = 0;
		a->dirty = 1;
		return;
	case ACTION_HELP_CLOSE:
		a->screen = a->back;
		a->dirty = 1;
		return;
	case ACTION_COMMAND:
		a->want_line = TUI_LINE_COMMAND;
		a->line_init[0] = '\0';
		return;
	case ACTION_REDRAW: a->dirty = 1; return;
	case ACTION_UNITS_TOGGLE:
		a->raw_units = !a->raw_units;
		tui_app_say(a, "scores in %s", a->raw_units ? "raw units" : "normalised z");
		return;
	case ACTION_MOUSE_TOGGLE:
		a->mouse = !a->mouse;
		tui_app_say(a, "mouse %s", a->mouse ? "on" : "off");
		return;
	case ACTION_QUIT: a->quit = 1; return;
	/* Steer and Front step an online run's iterations alike; the run
	 * selected on Runs says which when neither screen shows one. */
	case ACTION_STEER_ITER_NEXT:
	case ACTION_STEER_ITER_PREV:
	case ACTION_ITER_NEXT:
	case ACTION_ITER_PREV: {
		const struct tui_run *sel = tui_scr_runs_selected(a);
		int next = act == ACTION_STEER_ITER_NEXT || act == ACTION_ITER_NEXT;
		tui_scr_front_iteration(a, next ? 1 : -1,
		                        act == ACTION_STEER_ITER_NEXT || act == ACTION_STEER_ITER_PREV,
		                        sel ? sel->id : 0);
		return;
	}
	case ACTION_RESPONSE_SHOW:
		a->response = 1;
		tui_exec_screen(a, VIEW_FRONT);
		tui_app_say(a, "response: obtained vs weight of %s (x picks another objective, R the front)",
		            a->x_axis < (int)a->n_obj ? a->obj_names[a->x_axis] : "the x objective");
		return;
	default: break;
	}
	switch (keys_action_group(act)) {
	case ACTION_GROUP_STEER: tui_scr_steer_action(a, act); return;
	case ACTION_GROUP_FRONT: tui_scr_front_action(a, act); return;
	case ACTION_GROUP_RUNS: tui_scr_runs_action(a, act); return;
	case ACTION_GROUP_JOBS: tui_scr_jobs_action(a, act); return;
	case ACTION_GROUP_FORM: tui_scr_jobs_form_action(a, act); return;
	case ACTION_GROUP_LIST: tui_exec_list_action(a, act); return;
	default: return;
	}
}

static int tui_exec_set(struct tui_app *a, const struct tui_cmd *c)
{
	switch (c->setting) {
	case TUI_SET_TEMPERATURE: a->req.temperature = (float)c->number; break;
	case TUI_SET_TOP_P: a->req.top_p = (float)c->number; break;
	case TUI_SET_SAMPLES:
		a->req.n = (size_t)c->number;
		if (a->sample_focus >= (int)a->req.n)
			a->sample_focus = (int)a->req.n - 1;
		break;
	case TUI_SET_MAX_TOKENS: a->req.max_new = (size_t)c->number; break;
	case TUI_SET_SEED: a->req.seed = (uint64_t)c->number; break;
	case TUI_SET_STEPS: a->req.steps = (size_t)c->number; break;
	case TUI_SET_GUIDANCE: a->req.guidance = c->number; break;
	case TUI_SET_MAPPING: {
		struct status st = STATUS_INIT;
		if (mapping_parse(c->text, &a->req.mapping, &st) != STATUS_OK) {
			tui_app_error(a, "%s", st.msg);
			return -1;
		}
		a->mapping_chosen = 1;
		break;
	}
	case TUI_SET_MOUSE:
		a->mouse = c->number != 0;
		tui_app_say(a, "mouse %s", a->mouse ? "on" : "off");
		return 0;
	default: return -1;
	}
	tui_app_say(a, "%s %s", tui_cmd_setting_name(c->setting), c->words[2]);
	if (a->gen)
		tui_app_regenerate(a);
	return 0;
}

int tui_app_setting(struct tui_app *a, const char *name, const char *value, char *err, size_t cap)
{
	/* The same checks and effects as :set NAME VALUE. */
	char line[512];
	snprintf(line, sizeof line, "set '%s' '%s'", name, value);
	struct tui_cmd c;
	if (tui_cmd_parse(line, &c, err, cap) != 0)
		return -1;
	int rc = tui_exec_set(a, &c);
	if (rc != 0)
		snprintf(err, cap, "%s", a->status);
	tui_cmd_free(&c);
	return rc;
}

static int tui_exec_pref(struct tui_app *a, const struct tui_cmd *c)
{
	if (!a->gen) {
		tui_app_error(a, "no checkpoint loaded: :load PATH");
		return -1;
	}
	if (c->n_pref != a->n_obj) {
		tui_app_error(a, ":pref wants %zu weights (one per objective), not %zu", a->n_obj,
		              c->n_pref);
		return -1;
	}
	if (c->side == 1 && !a->compare) {
		a->compare = 1;
		memcpy(a->w[1], a->w[0], sizeof a->w[1]);
	}
	double sum = 0;
	for (size_t i = 0; i < c->n_pref; i++)
		sum += c->pref[i];
	if (!(sum > 0)) {
		tui_app_error(a, "the weights must not all be 0");
		return -1;
	}
	/* 3 7 means 0.3 0.7: the sliders live on the simplex. */
	for (size_t i = 0; i < c->n_pref; i++)
		a->w[c->side][i] = c->pref[i] / sum;
	tui_app_regenerate(a);
	return 0;
}

static int tui_exec_front(struct tui_app *a, const struct tui_cmd *c)
{
	store_id ids[TUI_APP_MAX_FRONTS];
	size_t n = 0;
	if (!a->has_store) {
		tui_app_error(a, "no store open");
		return -1;
	}
	for (size_t i = 1; i < c->n_words; i++) {
		if (n == TUI_APP_MAX_FRONTS) {
			tui_app_error(a, "at most %d runs at once", TUI_APP_MAX_FRONTS);
			return -1;
		}
		struct store_err err;
		if (store_run_resolve(a->store.s, c->words[i], &ids[n], &err) != STORE_OK) {
			tui_app_error(a, "%s", err.msg);
			return -1;
		}
		n++;
	}
	if (tui_scr_front_set(a, ids, n) != 0)
		return -1;
	a->screen = VIEW_FRONT;
	return 0;
}

void tui_app_word_typing(struct tui_app *a, const char *text)
{
	tui_scr_runs_live(a, text ? text : "", text ? 0 : -1);
}

void tui_app_field_line(struct tui_app *a, const char *text)
{
	tui_scr_jobs_form_field(a, text);
}

void tui_app_word_line(struct tui_app *a, const char *text)
{
	/* A search typed live already stands on its match: Enter keeps it. */
	if (strcmp(a->line_word, "search") == 0 && *text) {
		free(a->runs_search);
		a->runs_search = strdup(text);
		if (a->runs_sel >= 0 && (size_t)a->runs_sel < a->runs_n) {
			size_t one[1];
			struct tui_runs single = { 1, &a->runs.v[a->runs_idx[a->runs_sel]] };
			if (tui_runs_view(&single, text, TUI_RUNS_BY_ID, 0, one) == 1) {
				tui_app_say(a, "run %lld matches '%s' (n next, N previous)",
				            (long long)single.v[0].id, text);
				return;
			}
		}
	}
	/* An empty search looks for nothing; an empty filter shows every run. */
	if (!*text && strcmp(a->line_word, "filter") != 0)
		return;
	char line[sizeof a->line_word + 1200];
	snprintf(line, sizeof line, "%s %s", a->line_word, text);
	tui_app_command(a, line);
}

int tui_app_command(struct tui_app *a, const char *line)
{
	struct tui_cmd c;
	char err[512];
	a->status_error = 0;
	if (tui_cmd_parse(line, &c, err, sizeof err) != 0) {
		tui_app_error(a, "%s", err);
		return -1;
	}
	int rc = 0;
	switch (c.kind) {
	case TUI_CMD_LOAD:
		rc = c.side ? tui_app_load_b(a, c.path) : tui_app_load(a, c.path);
		if (rc == 0)
			a->screen = VIEW_STEER;
		break;
	case TUI_CMD_PREF: rc = tui_exec_pref(a, &c); break;
	case TUI_CMD_LOCK:
		if (!a->gen || (size_t)c.index >= a->n_obj) {
			tui_app_error(a, "no objective %d (there are %zu)", c.index + 1, a->n_obj);
			rc = -1;
		} else {
			a->focus = c.index;
			tui_scr_steer_action(a, ACTION_SLIDER_LOCK);
		}
		break;
	case TUI_CMD_SET: rc = tui_exec_set(a, &c); break;
	case TUI_CMD_PROMPT: tui_app_set_prompt(a, c.text); break;
	case TUI_CMD_JOB: rc = tui_scr_jobs_start(a, c.words + 1, c.n_words - 1); break;
	case TUI_CMD_CANCEL: tui_scr_jobs_cancel(a, c.id); break;
	case TUI_CMD_RESUME: tui_scr_jobs_resume(a, c.id); break;
	case TUI_CMD_EXPORT: rc = tui_scr_steer_export(a, c.path); break;
	case TUI_CMD_SAVE: rc = tui_scr_steer_save(a); break;
	case TUI_CMD_FRONT: rc = tui_exec_front(a, &c); break;
	case TUI_CMD_TAG: rc = tui_scr_runs_tag(a, c.text); break;
	case TUI_CMD_FILTER:
		free(a->runs_filter);
		a->runs_filter = c.text && *c.text ? strdup(c.text) : NULL;
		tui_scr_runs_view(a);
		a->screen = VIEW_RUNS;
		if (tui_runs_filter_check(a->runs_filter, err, sizeof err) != 0) {
			tui_app_error(a, "%s", err);
			rc = -1;
			break;
		}
		tui_app_say(a, "%zu of %zu runs%s%s", a->runs_n, a->runs.n,
		            a->runs_filter ? " match " : "", a->runs_filter ? a->runs_filter : "");
		break;
	case TUI_CMD_SEARCH:
		a->screen = VIEW_RUNS;
		tui_scr_runs_search(a, c.text);
		break;
	case TUI_CMD_SORT:
		if (tui_runs_sort_parse(c.text, &a->runs_sort) != 0) {
			tui_app_error(a, "sort by id, name, stage, status or created, not '%s'", c.text);
			rc = -1;
		} else {
			tui_scr_runs_view(a);
			a->screen = VIEW_RUNS;
		}
		break;
	case TUI_CMD_AXES:
		rc = tui_scr_front_axes(a, c.words[1], c.words[2]);
		if (rc == 0)
			a->screen = VIEW_FRONT;
		break;
	case TUI_CMD_QUIT: a->quit = 1; break;
	case TUI_CMD_HELP: tui_app_action(a, ACTION_HELP); break;
	case TUI_CMD_ACTION: tui_app_action(a, c.action); break;
	}
	tui_cmd_free(&c);
	a->dirty = 1;
	return rc;
}

void tui_app_click(struct tui_app *a, const struct view_hit *h, int drag)
{
	if (a->form) {
		/* The form is modal: a click picks a row, a second one edits it. */
		if (h->kind == VIEW_HIT_ROW && !drag && h->index >= 0 && h->index < (int)a->form->n + 3) {
			int again = a->form->sel == h->index;
			a->form->sel = h->index;
			a->dirty = 1;
			if (again) /* may start the job and close the form */
				tui_scr_jobs_form_action(a, ACTION_FORM_EDIT);
		}
		return;
	}
	switch (h->kind) {
	case VIEW_HIT_TAB:
		if (!drag && h->index >= 0 && h->index < VIEW_HELP)
			tui_exec_screen(a, (enum view_screen)h->index);
		return;
	case VIEW_HIT_SLIDER:
		if (a->compare)
			a->side = h->side;
		a->focus = h->index;
		tui_app_set_weight(a, a->compare ? h->side : 0, h->index, h->value);
		return;
	case VIEW_HIT_SAMPLE:
		if (!drag) {
			a->sample_focus = h->index;
			if (a->compare)
				a->side = h->side;
			a->dirty = 1;
		}
		return;
	case VIEW_HIT_POINT:
		if (h->series >= 0 && (size_t)h->series < a->n_fronts && h->index >= 0 &&
		    (size_t)h->index < a->fronts[h->series].n_pts) {
			a->cur_series = h->series;
			a->cur_point = h->index;
			tui_scr_front_point_text(a);
			a->dirty = 1;
		}
		return;
	case VIEW_HIT_ROW:
		if (a->screen == VIEW_RUNS && h->index >= 0 && (size_t)h->index < a->runs_n) {
			a->runs_sel = h->index;
			tui_scr_runs_detail(a);
		} else if (a->screen == VIEW_JOBS && h->index >= 0 && (size_t)h->index < a->jobs.n) {
			a->jobs_sel = h->index;
			tui_scr_jobs_log(a);
		}
		a->dirty = 1;
		return;
	case VIEW_HIT_PROMPT:
		if (!drag)
			tui_app_action(a, ACTION_PROMPT_EDIT);
		return;
	case VIEW_HIT_STATUS:
		if (!drag)
			tui_app_action(a, ACTION_COMMAND);
		return;
	default:
		return;
	}
}

void tui_app_wheel(struct tui_app *a, int dir)
{
	switch (a->screen) {
	case VIEW_STEER: {
		/* Scroll the samples pane; a rough upper bound on its rows keeps the
		 * wheel from running far past the last line. */
		int rows = 0;
		for (int k = 0; k < (a->compare ? 2 : 1); k++)
			for (size_t i = 0; i < a->req.n; i++)
				rows += 3 + (int)(a->samples[k][i].len / 40);
		a->steer_scroll += 3 * dir;
		if (a->steer_scroll > rows)
			a->steer_scroll = rows;
		if (a->steer_scroll < 0)
			a->steer_scroll = 0;
		a->dirty = 1;
		return;
	}
	case VIEW_FRONT:
		tui_scr_front_action(a, dir > 0 ? ACTION_POINT_NEXT : ACTION_POINT_PREV);
		return;
	default:
		tui_exec_list_action(a, dir > 0 ? ACTION_LIST_DOWN : ACTION_LIST_UP);
		return;
	}
}
