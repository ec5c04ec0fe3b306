/* tui_scr_runs: the Runs screen's logic: the table (filter, sort, search),
 * the selected run's details, marks, tags, and what its keys do. Calls go
 * down only: to the Front screen (compare), the app core and the store. */
#include "config.h"

#include "src/tui_app_int.h"
#include "src/tui_view.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- Runs --------------------------------------------------------------- */

const struct tui_run *tui_scr_runs_selected(const struct tui_app *a)
{
	if (a->runs_sel < 0 || (size_t)a->runs_sel >= a->runs_n)
		return NULL;
	return &a->runs.v[a->runs_idx[a->runs_sel]];
}

static int tui_scr_runs_is_marked(const struct tui_app *a, store_id id);

static void tui_scr_runs_chart_free(struct tui_app *a)
{
	for (size_t i = 0; i < a->n_chart; i++)
		tui_series_free(&a->chart[i].s);
	a->n_chart = 0;
}

/* The chart's metric: the one chosen, else loss, else the selected run's
 * first. */
static void tui_scr_runs_chart_metric(struct tui_app *a)
{
	if (*a->chart_metric || !a->has_detail || !a->detail.n_series)
		return;
	const struct tui_series *x = tui_run_detail_series(&a->detail, "loss");
	snprintf(a->chart_metric, sizeof a->chart_metric, "%s", x ? x->key : a->detail.series[0].key);
}

/* The chart's series: the selected run's, then each marked run's that has
 * the metric (the newest first, as listed). */
static void tui_scr_runs_chart_load(struct tui_app *a)
{
	tui_scr_runs_chart_free(a);
	if (!a->runs_chart || !a->has_store)
		return;
	tui_scr_runs_chart_metric(a);
	if (!*a->chart_metric)
		return;
	const struct tui_run *sel = tui_scr_runs_selected(a);
	for (long k = -1; k < (long)a->runs.n && a->n_chart < TUI_APP_CHART_MAX; k++) {
		const struct tui_run *r = k < 0 ? sel : &a->runs.v[k];
		if (!r || (k >= 0 && (r == sel || !tui_scr_runs_is_marked(a, r->id))))
			continue;
		struct tui_chart_run *c = &a->chart[a->n_chart];
		if (tui_run_metric_load(a->store.s, r->id, a->chart_metric, &c->s, NULL) != STORE_OK ||
		    !c->s.n) {
			tui_series_free(&c->s);
			continue;
		}
		c->id = r->id;
		snprintf(c->name, sizeof c->name, "%lld %s", (long long)r->id, r->name);
		a->n_chart++;
	}
}

void tui_scr_runs_detail(struct tui_app *a)
{
	const struct tui_run *r = tui_scr_runs_selected(a);
	if (a->has_detail && r && a->detail.run.id == r->id)
		return;
	if (a->has_detail)
		tui_run_detail_free(&a->detail);
	a->has_detail = 0;
	a->details_scroll = 0; /* another run's details start at their top */
	struct store_err err;
	if (r && a->has_store && tui_run_detail_load(a->store.s, r->id, &a->detail, &err) == STORE_OK)
		a->has_detail = 1;
	tui_scr_runs_chart_load(a);
}

void tui_scr_runs_view(struct tui_app *a)
{
	store_id keep = 0;
	const struct tui_run *r = tui_scr_runs_selected(a);
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
	tui_scr_runs_detail(a);
}

void tui_scr_runs_reload(struct tui_app *a)
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
	const struct tui_run *sel = tui_scr_runs_selected(a);
	store_id keep = sel ? sel->id : 0;
	tui_runs_free(&a->runs);
	a->runs = rs;
	a->runs_sel = -1;
	free(a->runs_idx);
	a->runs_idx = NULL;
	a->runs_n = 0;
	tui_scr_runs_view(a);
	for (size_t i = 0; keep && i < a->runs_n; i++)
		if (a->runs.v[a->runs_idx[i]].id == keep)
			a->runs_sel = (int)i;
	if (a->has_detail)
		tui_run_detail_free(&a->detail);
	a->has_detail = 0;
	tui_scr_runs_detail(a);
}

static int tui_scr_runs_is_marked(const struct tui_app *a, store_id id)
{
	for (size_t i = 0; i < a->n_marked; i++)
		if (a->marked[i] == id)
			return 1;
	return 0;
}

static void tui_scr_runs_mark(struct tui_app *a, store_id id)
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

int tui_scr_runs_tag(struct tui_app *a, const char *tag)
{
	const struct tui_run *r = tui_scr_runs_selected(a);
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
	tui_scr_runs_reload(a);
	return 0;
}

void tui_scr_runs_search(struct tui_app *a, const char *text)
{
	if (text && *text && text != a->runs_search) {
		free(a->runs_search);
		a->runs_search = strdup(text);
	}
	tui_scr_runs_find(a, text, a->runs_sel, 1, 1);
}

void tui_scr_runs_find(struct tui_app *a, const char *text, int from, int dir, int skip)
{
	if (!text || !*text || a->runs_n == 0)
		return;
	size_t one[1];
	size_t n = a->runs_n;
	for (size_t k = skip ? 1 : 0; k <= n; k++) {
		size_t base = (size_t)(from < 0 ? 0 : from);
		size_t i = dir > 0 ? (base + k) % n : (base + n - k % n) % n;
		struct tui_runs single = { 1, &a->runs.v[a->runs_idx[i]] };
		if (tui_runs_view(&single, text, TUI_RUNS_BY_ID, 0, one) == 1) {
			a->runs_sel = (int)i;
			a->dirty = 1;
			tui_scr_runs_detail(a);
			return;
		}
	}
	tui_app_error(a, "no run matches '%s'", text);
}

/* A line for one command's argument, starting empty (history has the
 * earlier ones). */
static void tui_scr_runs_word_line(struct tui_app *a, const char *word)
{
	a->want_line = TUI_LINE_WORD;
	snprintf(a->line_word, sizeof a->line_word, "%s", word);
	a->line_init[0] = '\0';
	/* What typing changes live, to restore if the line is cancelled. */
	a->live_from = a->runs_sel;
	free(a->live_filter);
	a->live_filter = a->runs_filter ? strdup(a->runs_filter) : NULL;
}

/* Runs the Front screen can plot (tui_fronts). */
static int tui_scr_runs_plottable(const char *stage)
{
	return strcmp(stage, "eval") == 0 || strcmp(stage, "online") == 0 ||
	       strcmp(stage, "import") == 0 || strcmp(stage, "relabel") == 0;
}

void tui_scr_runs_live(struct tui_app *a, const char *text, int done)
{
	if (strcmp(a->line_word, "filter") == 0) {
		const char *f = done < 0 ? a->live_filter : text;
		free(a->runs_filter);
		a->runs_filter = f && *f ? strdup(f) : NULL;
		tui_scr_runs_view(a);
		/* A field that does not exist says so while it is typed. */
		char err[256];
		if (tui_runs_filter_check(a->runs_filter, err, sizeof err) != 0)
			tui_app_error(a, "%s", err);
		else if (a->status_error)
			tui_app_say(a, "%zu of %zu runs", a->runs_n, a->runs.n);
	} else if (strcmp(a->line_word, "search") == 0) {
		/* From where the search started, the row itself first: typing more
		 * letters stays on a run that still matches. */
		if (done < 0 || !*text) {
			a->runs_sel = a->live_from < (int)a->runs_n ? a->live_from : (int)a->runs_n - 1;
			tui_scr_runs_detail(a);
			a->dirty = 1;
		} else {
			tui_scr_runs_find(a, text, a->live_from, 1, 0);
		}
	}
}

/* A page of the details down (+1) or up (-1), never past their last page. */
static void tui_scr_runs_details_page(struct tui_app *a, int dir)
{
	struct tui_view tv;
	tui_view_build(a, &tv);
	struct layout L = layout_compute(LAYOUT_RUNS, a->rows, a->cols, &(struct layout_opts){ 0, 0 });
	int page = L.details.h > 2 ? L.details.h - 2 : 1;
	int last = L.too_small ? 0 : view_runs_details_last(&L, &tv.runs);
	tui_view_free(&tv);
	a->details_scroll += dir * page;
	if (a->details_scroll > last)
		a->details_scroll = last;
	if (a->details_scroll < 0)
		a->details_scroll = 0;
	a->dirty = 1;
}

void tui_scr_runs_action(struct tui_app *a, enum action act)
{
	const struct tui_run *r = tui_scr_runs_selected(a);
	switch (act) {
	case ACTION_SORT_NEXT:
		a->runs_sort = (enum tui_runs_sort)((a->runs_sort + 1) % (TUI_RUNS_BY_CREATED + 1));
		tui_scr_runs_view(a);
		return;
	case ACTION_SORT_REVERSE:
		a->runs_desc = !a->runs_desc;
		tui_scr_runs_view(a);
		return;
	case ACTION_SEARCH:
		tui_scr_runs_word_line(a, "search");
		return;
	case ACTION_FILTER:
		tui_scr_runs_word_line(a, "filter");
		return;
	case ACTION_SEARCH_NEXT:
	case ACTION_SEARCH_PREV:
		if (!a->runs_search) {
			tui_app_error(a, "no search yet: / searches");
			return;
		}
		tui_scr_runs_find(a, a->runs_search, a->runs_sel, act == ACTION_SEARCH_NEXT ? 1 : -1, 1);
		return;
	default:
		break;
	}
	if (!r) {
		tui_app_error(a, "no run selected");
		return;
	}
	switch (act) {
	case ACTION_DETAILS_DOWN:
	case ACTION_DETAILS_UP:
		tui_scr_runs_details_page(a, act == ACTION_DETAILS_DOWN ? 1 : -1);
		return;
	case ACTION_RUN_LOAD: {
		tui_scr_runs_detail(a);
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
		tui_scr_runs_mark(a, r->id);
		a->dirty = 1;
		if (a->runs_sel + 1 < (int)a->runs_n)
			a->runs_sel++;
		tui_scr_runs_detail(a);
		tui_scr_runs_chart_load(a); /* the marks are what it overlays */
		return;
	case ACTION_CHART_TOGGLE:
		a->runs_chart = !a->runs_chart;
		tui_scr_runs_chart_load(a);
		a->dirty = 1;
		if (a->runs_chart)
			tui_app_say(a, "chart of %s: m picks another metric, Space marks runs to overlay",
			            *a->chart_metric ? a->chart_metric : "(no metric)");
		return;
	case ACTION_CHART_METRIC_NEXT: {
		if (!a->has_detail || !a->detail.n_series) {
			tui_app_error(a, "run %lld has no metrics", (long long)r->id);
			return;
		}
		size_t i = 0;
		while (i < a->detail.n_series && strcmp(a->detail.series[i].key, a->chart_metric) != 0)
			i++;
		i = i < a->detail.n_series ? (i + 1) % a->detail.n_series : 0;
		snprintf(a->chart_metric, sizeof a->chart_metric, "%s", a->detail.series[i].key);
		if (!a->runs_chart)
			a->runs_chart = 1; /* picking a metric is asking to see it */
		tui_scr_runs_chart_load(a);
		tui_app_say(a, "chart of %s", a->chart_metric);
		a->dirty = 1;
		return;
	}
	case ACTION_RUN_COMPARE: {
		store_id ids[TUI_APP_MAX_FRONTS];
		size_t n = 0;
		for (size_t i = 0; i < a->runs_n && n < TUI_APP_MAX_FRONTS; i++) {
			const struct tui_run *x = &a->runs.v[a->runs_idx[i]];
			if (tui_scr_runs_is_marked(a, x->id) && tui_scr_runs_plottable(x->stage))
				ids[n++] = x->id;
		}
		if (n == 0 && tui_scr_runs_plottable(r->stage))
			ids[n++] = r->id;
		if (n == 0) {
			tui_app_error(a, "mark eval, online or dataset runs (Space) to compare them");
			return;
		}
		if (tui_scr_front_set(a, ids, n) == 0)
			a->screen = VIEW_FRONT;
		return;
	}
	case ACTION_RUN_TAG:
		tui_scr_runs_word_line(a, "tag");
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

void tui_scr_runs_free(struct tui_app *a)
{
	tui_runs_free(&a->runs);
	free(a->runs_idx);
	a->runs_idx = NULL;
	free(a->runs_filter);
	free(a->runs_search);
	free(a->live_filter);
	free(a->marked);
	if (a->has_detail)
		tui_run_detail_free(&a->detail);
	a->has_detail = 0;
	tui_scr_runs_chart_free(a);
}
