#include "config.h"

#include "src/tui_view.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "src/job_state.h"
#include "ui/draw.h"
#include "ui/theme.h"
#include "ui/tree.h"

/* BASE (the base an adapter run adapts) shows only when a listed run has one. */
static const char *const tui_view_columns[] = { "ID", "NAME", "STAGE", "STATUS", "TAGS",
	                                        "CREATED", "BASE" };
static const char *const tui_view_columns_base[] = { "ID", "NAME", "STAGE", "STATUS", "TAGS",
	                                             "BASE", "CREATED" };
#define TUI_VIEW_NCOL 7

static char *tui_view_fmt(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static char *tui_view_fmt(const char *fmt, ...)
{
	char buf[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	return strdup(buf);
}

/* Short local time for a table cell: the date only matters when it is not today. */
static char *tui_view_when(int64_t ms)
{
	if (ms <= 0)
		return strdup("-");
	time_t t = (time_t)(ms / 1000), now = time(NULL);
	struct tm tm, tn;
	localtime_r(&t, &tm);
	localtime_r(&now, &tn);
	char buf[32];
	strftime(buf, sizeof buf,
	         tm.tm_year == tn.tm_year && tm.tm_yday == tn.tm_yday ? "%H:%M:%S" : "%Y-%m-%d", &tm);
	return strdup(buf);
}

static void tui_view_steer(const struct tui_app *a, struct tui_view *tv)
{
	struct view_steer *s = &tv->steer;
	s->checkpoint = a->ckpt;
	s->mapping = mapping_name(a->req.mapping);
	s->n_objectives = a->n_obj;
	s->objectives = a->obj_names;
	s->target_lo = a->lo;
	s->target_hi = a->hi;
	const struct ricmeta *m = a->gen ? tui_gen_meta(a->gen) : NULL;
	/* the bars' 0..1 is lo..hi in z; raw scores span sigma times that */
	for (size_t j = 0; j < a->n_obj; j++)
		tv->bar_span[j] = (a->hi[j] - a->lo[j]) * (a->raw_units && m ? m->obj[j].sigma : 1.0);
	s->bar_span = tv->bar_span;
	for (int k = 0; k < 2; k++) {
		s->pref[k].weight = a->w[k];
		s->pref[k].locked = a->locked[k];
		s->pref[k].target = a->target[k];
		/* Target and the samples' mean in one unit: z, or raw (r = mu + sigma z). */
		size_t n = 0;
		for (size_t i = 0; i < a->req.n; i++)
			n += a->samples[k][i].scored;
		for (size_t j = 0; m && j < a->n_obj; j++) {
			double t = a->target[k][j];
			tv->target[k][j] = a->raw_units ? m->obj[j].mu + m->obj[j].sigma * t : t;
			double sum = 0, sq = 0;
			size_t got = 0;
			for (size_t i = 0; i < a->req.n; i++) {
				const struct tui_sample *x = &a->samples[k][i];
				double v = a->raw_units ? x->raw[j] : x->norm[j];
				if (!x->scored || isnan(v))
					continue;
				sum += v;
				sq += v * v;
				got++;
			}
			double mean = got ? sum / (double)got : NAN;
			double var = got > 1 ? (sq - (double)got * mean * mean) / (double)(got - 1) : NAN;
			tv->obtained[k][j] = mean;
			tv->obtained_se[k][j] = got > 1 ? sqrt(var > 0 ? var : 0) / sqrt((double)got) : NAN;
		}
		if (m) {
			s->pref[k].target = tv->target[k];
			s->pref[k].obtained = n ? tv->obtained[k] : NULL;
			s->pref[k].obtained_se = n ? tv->obtained_se[k] : NULL;
		}
		for (size_t i = 0; i < a->req.n; i++) {
			const struct tui_sample *x = &a->samples[k][i];
			struct view_sample *v = &tv->samples[k][i];
			v->text = x->text;
			v->done = x->done;
			v->reward = x->scored ? x->raw : NULL;
			v->norm = x->scored ? x->bar : NULL;
			v->z = x->scored ? x->norm : NULL;
			v->rgb = x->rgb;
			v->width = x->width;
			v->step = x->step;
			v->steps = x->steps;
		}
		tv->sample_rows[k] = tv->samples[k];
		s->samples[k] = tv->samples[k];
	}
	s->compare = a->compare;
	s->side = a->side;
	s->focus = a->focus;
	s->prompt = a->prompt;
	s->n_samples = a->gen ? a->req.n : 0;
	s->sample_focus = a->sample_focus;
	s->scroll = a->steer_scroll;
	s->seed = (unsigned long long)a->req.seed;
	s->temperature = a->req.temperature;
	s->top_p = a->req.top_p;
	s->max_tokens = (int)a->req.max_new;
	s->generating = a->generating;
	s->tokens_per_s = a->tokens_per_s;
	s->raw = a->raw_units;
	s->images = a->gen && tui_gen_is_image(a->gen);
	s->ddim_steps = a->req.steps;
	s->guidance = a->req.guidance;
	if (a->steer_online > 0) {
		snprintf(tv->steer_iteration, sizeof tv->steer_iteration, "online iteration %d of %d",
		         a->steer_iter, a->steer_iters);
		s->iteration = tv->steer_iteration;
	}
}

/* The Steer samples keep the last palette entry; runs share the others. */
#define TUI_VIEW_SAMPLES_COLOUR (THEME_SERIES_COUNT - 1)

/* A run's colour follows its id, so it keeps it whichever runs are shown
 * beside it; only a clash with one already listed moves it on. */
static int tui_view_run_colour(store_id run, const struct view_series *listed, size_t n)
{
	int c = (int)(run % TUI_VIEW_SAMPLES_COLOUR);
	for (int tries = 0; tries < TUI_VIEW_SAMPLES_COLOUR; tries++, c = (c + 1) % TUI_VIEW_SAMPLES_COLOUR) {
		size_t i = 0;
		while (i < n && listed[i].colour != c + 1)
			i++;
		if (i == n)
			break;
	}
	return c + 1;
}

static void tui_view_front(const struct tui_app *a, struct tui_view *tv)
{
	struct view_front *f = &tv->front;
	size_t n = 0;
	int max_obj = 0;
	const struct tui_front *widest = NULL;
	for (size_t i = 0; i < a->n_fronts; i++) {
		const struct tui_front *fr = &a->fronts[i];
		if (fr->n_obj > max_obj) {
			max_obj = fr->n_obj;
			widest = fr;
		}
		struct view_point *p = calloc(fr->n_pts ? fr->n_pts : 1, sizeof *p);
		tv->points[n] = p;
		for (size_t k = 0; p && k < fr->n_pts; k++) {
			const double *v = a->raw_units ? fr->pts[k].raw : fr->pts[k].norm;
			p[k].x = a->x_axis < fr->n_obj ? v[a->x_axis] : NAN;
			p[k].y = a->y_axis < fr->n_obj ? v[a->y_axis] : NAN;
			p[k].on_front = fr->pts[k].on_front;
			if (a->response) {
				/* A dataset row has no weight: it is left out; so are the
				 * points against the desired score (their curves show it). */
				int has_w = fr->kind != TUI_FRONT_OFFLINE && a->x_axis < fr->n_obj &&
				            !a->response_desired;
				p[k].x = has_w ? fr->pts[k].pref[a->x_axis] : NAN;
				p[k].y = a->x_axis < fr->n_obj ? v[a->x_axis] : NAN;
				p[k].on_front = 0;
			}
		}
		snprintf(tv->series_names[n], sizeof tv->series_names[n], "%s%s%s", fr->name,
		         strcmp(fr->status, "running") == 0 ? " (running)" : "",
		         strcmp(fr->status, "done") != 0 && strcmp(fr->status, "running") != 0 ? " (" : "");
		if (strcmp(fr->status, "done") != 0 && strcmp(fr->status, "running") != 0)
			snprintf(tv->series_names[n] + strlen(tv->series_names[n]),
			         sizeof tv->series_names[n] - strlen(tv->series_names[n]), "%s)", fr->status);
		struct view_series *s = &tv->series[n];
		s->name = tv->series_names[n];
		static const enum view_series_kind kinds[] = {
			[TUI_FRONT_EVAL] = VIEW_SERIES_EVAL, [TUI_FRONT_BASELINE] = VIEW_SERIES_BASELINE,
			[TUI_FRONT_ONLINE] = VIEW_SERIES_ONLINE, [TUI_FRONT_OFFLINE] = VIEW_SERIES_OFFLINE,
		};
		s->kind = kinds[fr->kind];
		s->n_points = p ? fr->n_pts : 0;
		s->points = p;
		s->hypervolume = fr->n_pts && !a->response ? fr->hv_axes : NAN;
		s->hypervolume_all = fr->hv_stored;
		s->hidden = !a->overlay && (int)i != a->cur_series;
		s->colour = tui_view_run_colour(fr->run, tv->series, n);
		n++;
	}
	/* The response curves ric eval stored for the x objective, each in its
	 * run's colour: mean +- SE at every weight, joined. */
	for (size_t i = 0, c = 0; a->response && i < a->n_fronts; i++) {
		const struct tui_front *fr = &a->fronts[i];
		const struct tui_front_curve *all = a->response_desired ? fr->desired : fr->curves;
		const struct tui_front_curve *cv = all && a->x_axis < fr->n_obj ? &all[a->x_axis] : NULL;
		if (!cv || !cv->n)
			continue;
		int u = a->raw_units ? 1 : 0;
		struct view_point *p = calloc(cv->n, sizeof *p);
		if (!p)
			continue;
		for (size_t k = 0; k < cv->n; k++) {
			p[k].x = cv->level[u][k];
			p[k].y = cv->mean[u][k];
			tv->curve_err[c][k] = cv->se[u][k];
		}
		if (cv->has_verdict && isfinite(cv->rise[u]))
			snprintf(tv->curve_notes[c], sizeof tv->curve_notes[c], "%s: rise %.3g%s%.2g",
			         cv->follows ? "follows" : "doesn't follow", cv->rise[u],
			         draw_utf8() ? "\xc2\xb1" : "+-", cv->rise_se[u]);
		else
			snprintf(tv->curve_notes[c], sizeof tv->curve_notes[c], "mean%sSE",
			         draw_utf8() ? "\xc2\xb1" : "+-");
		tv->points[n] = p;
		/* "NAME curve": the legend then leaves the kind out (room for the verdict). */
		snprintf(tv->series_names[n], sizeof tv->series_names[n], "%s curve", fr->name);
		tv->series[n] = (struct view_series){ .name = tv->series_names[n],
			                              .kind = VIEW_SERIES_CURVE,
			                              .n_points = cv->n, .points = p,
			                              .hypervolume = NAN,
			                              .hidden = tv->series[i].hidden,
			                              .colour = tv->series[i].colour,
			                              .joined = 1, .err = tv->curve_err[c],
			                              .note = tv->curve_notes[c] };
		n++;
		c++;
	}
	/* The Steer screen's scored samples, where they fall among the fronts. */
	size_t scored = 0;
	for (int k = 0; k < (a->compare ? 2 : 1); k++)
		for (size_t i = 0; i < a->req.n; i++)
			scored += a->samples[k][i].scored;
	if (a->response && a->gen && a->n_resp && (int)a->n_obj > a->x_axis) {
		/* Every sample scored so far: the x objective's score at its weight. */
		size_t m = a->n_resp < TUI_APP_RESP_MAX ? a->n_resp : TUI_APP_RESP_MAX;
		struct view_point *p = calloc(m, sizeof *p);
		const struct ricmeta *meta = tui_gen_meta(a->gen);
		int j = a->x_axis;
		for (size_t i = 0; p && i < m; i++) {
			const struct tui_resp *r = &a->resp[i];
			p[i].x = !a->response_desired ? r->w[j]
			         : a->raw_units ? meta->obj[j].mu + meta->obj[j].sigma * r->t[j] : r->t[j];
			p[i].y = a->raw_units ? r->raw[a->x_axis] : r->z[a->x_axis];
		}
		tv->points[n] = p;
		snprintf(tv->series_names[n], sizeof tv->series_names[n], "steer samples (%zu)", m);
		tv->series[n] = (struct view_series){ .name = tv->series_names[n],
			                              .kind = VIEW_SERIES_SAMPLES,
			                              .n_points = p ? m : 0, .points = p,
			                              .hypervolume = NAN,
			                              .colour = TUI_VIEW_SAMPLES_COLOUR + 1 };
		n++;
	} else if (!a->response && a->gen && scored && (int)a->n_obj > a->x_axis && (int)a->n_obj > a->y_axis) {
		struct view_point *p = calloc(scored, sizeof *p);
		size_t m = 0;
		for (int k = 0; p && k < (a->compare ? 2 : 1); k++)
			for (size_t i = 0; i < a->req.n; i++)
				if (a->samples[k][i].scored) {
					const double *v = a->raw_units ? a->samples[k][i].raw : a->samples[k][i].norm;
					p[m].x = v[a->x_axis];
					p[m].y = v[a->y_axis];
					m++;
				}
		tv->points[n] = p;
		snprintf(tv->series_names[n], sizeof tv->series_names[n], "steer samples");
		tv->series[n] = (struct view_series){ .name = tv->series_names[n],
			                              .kind = VIEW_SERIES_SAMPLES,
			                              .n_points = p ? m : 0, .points = p,
			                              .hypervolume = NAN,
			                              .colour = TUI_VIEW_SAMPLES_COLOUR + 1 };
		n++;
	}
	f->n_series = n;
	f->series = tv->series;
	if (widest) {
		f->n_objectives = (size_t)widest->n_obj;
		f->objectives = (const char *const *)widest->obj;
	} else {
		f->n_objectives = a->n_obj;
		f->objectives = a->obj_names;
	}
	f->x_axis = a->x_axis;
	f->y_axis = a->y_axis;
	f->raw = a->raw_units;
	f->response = a->response;
	f->response_desired = a->response && a->response_desired;
	f->cursor_series = a->cur_series;
	f->cursor_point = a->cur_point;
	f->live = 0;
	for (size_t i = 0; i < a->n_fronts; i++)
		f->live |= strcmp(a->fronts[i].status, "running") == 0;
	/* The online iteration shown: the cursor's run's, else the first shown. */
	const struct tui_front *it = NULL;
	for (size_t i = 0; i < a->n_fronts; i++)
		if (a->fronts[i].online_run > 0 && (!it || (int)i == a->cur_series))
			it = &a->fronts[i];
	if (it) {
		snprintf(tv->iteration, sizeof tv->iteration, "online iteration %d of %d", it->iteration,
		         it->iterations);
		f->iteration = tv->iteration;
	}
	if (a->cur_series >= 0 && (size_t)a->cur_series < a->n_fronts) {
		const struct tui_front *fr = &a->fronts[a->cur_series];
		const struct tui_front_point *pt = &fr->pts[a->cur_point];
		f->point_text = a->ptext.response;
		f->point_rgb = a->ptext.rgb;
		f->point_side = a->ptext.side;
		f->point_pref = fr->kind == TUI_FRONT_OFFLINE ? NULL : pt->pref;
		static const char *const what[] = { "point", "point", "sample", "row" };
		int mean = fr->kind == TUI_FRONT_EVAL || fr->kind == TUI_FRONT_BASELINE;
		size_t used = (size_t)snprintf(tv->point_info, sizeof tv->point_info,
		                               "run %lld %s, %s %d of %zu%s", (long long)fr->run,
		                               fr->name, what[fr->kind], a->cur_point + 1, fr->n_pts,
		                               mean ? "" : ":");
		if (mean && used < sizeof tv->point_info)
			used += (size_t)snprintf(tv->point_info + used, sizeof tv->point_info - used,
			                         ", %lld samples, mean", (long long)pt->n_samples);
		for (int j = 0; j < fr->n_obj && used < sizeof tv->point_info; j++)
			used += (size_t)snprintf(tv->point_info + used, sizeof tv->point_info - used,
			                         " %s %.4g (z %.4g)", fr->obj[j], pt->raw[j], pt->norm[j]);
		if (a->ptext.prompt && used < sizeof tv->point_info)
			snprintf(tv->point_info + used, sizeof tv->point_info - used, "; prompt: %s",
			         a->ptext.prompt);
		f->point_info = tv->point_info;
	}
}

/* The tree of runs that holds the selected one, from its root down, by id. */
#define TUI_VIEW_LINEAGE_MAX 200
static void tui_view_lineage(const struct tui_app *a, struct tui_view *tv, store_id focus)
{
	size_t n = a->runs.n;
	struct tree_node *v = calloc(n ? n : 1, sizeof *v);
	char **labels = calloc(n ? n : 1, sizeof *labels);
	tv->lineage = calloc(TUI_VIEW_LINEAGE_MAX, sizeof *tv->lineage);
	if (!v || !labels || !tv->lineage) {
		free(v);
		free(labels);
		free(tv->lineage);
		tv->lineage = NULL;
		return;
	}
	/* The store lists the newest first: oldest first reads down the lineage. */
	for (size_t i = 0; i < n; i++) {
		const struct tui_run *r = &a->runs.v[n - 1 - i];
		labels[i] = tui_view_fmt("%lld %s (%s%s%s)", (long long)r->id, r->name, r->stage,
		                         strcmp(r->status, "done") ? ", " : "",
		                         strcmp(r->status, "done") ? r->status : "");
		v[i] = (struct tree_node){ r->id, r->parent, labels[i] };
	}
	int focus_line = -1;
	tv->n_lineage = tree_lines(v, n, focus, draw_utf8(), tv->lineage, TUI_VIEW_LINEAGE_MAX,
	                           &focus_line);
	tv->details.n_lineage = tv->n_lineage;
	tv->details.lineage = (const char *const *)tv->lineage;
	tv->details.lineage_focus = focus_line;
	for (size_t i = 0; i < n; i++)
		free(labels[i]);
	free(labels);
	free(v);
}

/* The metric chart of the selected run and the marked ones, each in its
 * run's colour. */
static void tui_view_chart(const struct tui_app *a, struct tui_view *tv)
{
	struct chart *c = &tv->chart;
	size_t n = 0;
	for (size_t i = 0; i < a->n_chart; i++) {
		const struct tui_chart_run *r = &a->chart[i];
		double *x = malloc(r->s.n * sizeof *x);
		if (!x)
			continue;
		for (size_t k = 0; k < r->s.n; k++)
			x[k] = (double)r->s.step[k];
		tv->chart_x[n] = x;
		int colour = (int)(r->id % THEME_SERIES_COUNT);
		for (int tries = 0; tries < THEME_SERIES_COUNT; tries++) {
			size_t k = 0;
			while (k < n && tv->chart_series[k].colour != colour)
				k++;
			if (k == n)
				break;
			colour = (colour + 1) % THEME_SERIES_COUNT;
		}
		tv->chart_series[n] = (struct chart_series){ r->name, r->s.n, x, r->s.value, colour };
		n++;
	}
	snprintf(tv->chart_title, sizeof tv->chart_title, "%s vs step: %zu run%s%s",
	         *a->chart_metric ? a->chart_metric : "(no metric)", n, n == 1 ? "" : "s",
	         a->n_marked ? "" : " (Space marks runs to overlay)");
	c->title = tv->chart_title;
	c->n_series = n;
	c->series = tv->chart_series;
	tv->runs.chart = c;
}

static void tui_view_runs(const struct tui_app *a, struct tui_view *tv)
{
	struct view_runs *r = &tv->runs;
	int adapters = 0;
	for (size_t i = 0; i < a->runs_n; i++)
		adapters |= a->runs.v[a->runs_idx[i]].base != NULL;
	size_t ncol = adapters ? TUI_VIEW_NCOL : TUI_VIEW_NCOL - 1;
	r->n_columns = ncol;
	r->columns = adapters ? tui_view_columns_base : tui_view_columns;
	tv->n_cells = a->runs_n * ncol;
	tv->cells = calloc(tv->n_cells ? tv->n_cells : 1, sizeof *tv->cells);
	tv->marked = calloc(a->runs_n ? a->runs_n : 1, 1);
	if (!tv->cells || !tv->marked) {
		tv->n_cells = 0;
		return;
	}
	for (size_t i = 0; i < a->runs_n; i++) {
		const struct tui_run *x = &a->runs.v[a->runs_idx[i]];
		char **c = tv->cells + i * ncol;
		c[0] = tui_view_fmt("%lld", (long long)x->id);
		c[1] = strdup(x->name);
		c[2] = strdup(x->stage);
		c[3] = strdup(x->status);
		c[4] = strdup(x->tags);
		if (adapters)
			c[5] = strdup(x->base ? x->base : "");
		c[ncol - 1] = tui_view_when(x->created_ms);
		for (size_t k = 0; k < a->n_marked; k++)
			tv->marked[i] |= a->marked[k] == x->id;
	}
	r->n_rows = a->runs_n;
	r->cells = (const char *const *)tv->cells;
	r->marked = tv->marked;
	static const int sort_col[] = { 0, 1, 2, 3, 5 };
	r->sort_column = a->runs_sort == TUI_RUNS_BY_CREATED ? (int)ncol - 1 : sort_col[a->runs_sort];
	r->sort_desc = a->runs_desc;
	r->filter = a->runs_filter;
	r->selected = a->runs_sel;
	r->scroll = a->runs_scroll;
	if (!a->has_detail)
		return;
	const struct tui_run_detail *d = &a->detail;
	struct view_run_details *v = &tv->details;
	snprintf(tv->title, sizeof tv->title, "run %lld %s  %s %s%s%s", (long long)d->run.id,
	         d->run.name, d->run.stage, d->run.status, d->run.error ? ": " : "",
	         d->run.error ? d->run.error : "");
	v->title = tv->title;
	tv->param_keys = calloc(d->n_params + 1, sizeof *tv->param_keys);
	tv->param_values = calloc(d->n_params + 1, sizeof *tv->param_values);
	if (tv->param_keys && tv->param_values) {
		for (size_t i = 0; i < d->n_params; i++) {
			tv->param_keys[i] = d->params[i].key;
			tv->param_values[i] = d->params[i].value;
		}
		v->n_params = d->n_params;
		v->param_keys = tv->param_keys;
		v->param_values = tv->param_values;
	}
	tv->metrics = calloc(d->n_series + 1, sizeof *tv->metrics);
	if (tv->metrics) {
		/* The loss curve first: it is what a training run is judged by. */
		size_t m = 0;
		for (int pass = 0; pass < 2; pass++)
			for (size_t i = 0; i < d->n_series; i++) {
				int is_loss = strcmp(d->series[i].key, "loss") == 0;
				if (pass == 0 ? !is_loss : is_loss)
					continue;
				tv->metrics[m++] = (struct view_metric){ d->series[i].key, d->series[i].n,
					                                 d->series[i].value };
			}
		v->n_metrics = m;
		v->metrics = tv->metrics;
	}
	tv->ckpt_lines = calloc(d->n_ckpts + 1, sizeof *tv->ckpt_lines);
	for (size_t i = 0; tv->ckpt_lines && i < d->n_ckpts; i++)
		tv->ckpt_lines[i] = tui_view_fmt("step %lld %s %s", (long long)d->ckpts[i].step,
		                                 d->ckpts[i].kind, d->ckpts[i].path);
	if (tv->ckpt_lines) {
		v->n_checkpoints = d->n_ckpts;
		v->checkpoints = (const char *const *)tv->ckpt_lines;
	}
	tv->child_lines = calloc(d->n_children + 1, sizeof *tv->child_lines);
	for (size_t i = 0; tv->child_lines && i < d->n_children; i++)
		tv->child_lines[i] = tui_view_fmt("%lld %s (%s, %s)", (long long)d->children[i].id,
		                                  d->children[i].name, d->children[i].stage,
		                                  d->children[i].status);
	if (tv->child_lines) {
		v->n_children = d->n_children;
		v->children = (const char *const *)tv->child_lines;
	}
	if (d->run.parent > 0) {
		snprintf(tv->parent, sizeof tv->parent, "%lld %s", (long long)d->run.parent,
		         d->parent_name ? d->parent_name : "(deleted)");
		v->parent = tv->parent;
	}
	/* the store's tags come space-separated; the details list them with commas */
	if (d->run.tags && *d->run.tags) {
		size_t k = 0;
		for (const char *p = d->run.tags; *p && k + 3 < sizeof tv->tags; p++) {
			if (*p == ' ') {
				tv->tags[k++] = ',';
				tv->tags[k++] = ' ';
			} else {
				tv->tags[k++] = *p;
			}
		}
		tv->tags[k] = '\0';
		v->tags = tv->tags;
	}
	v->scroll = a->details_scroll;
	tui_view_lineage(a, tv, d->run.id);
	r->details = v;
	if (a->runs_chart)
		tui_view_chart(a, tv);
}

static void tui_view_jobs(const struct tui_app *a, struct tui_view *tv)
{
	struct view_jobs *j = &tv->jobs;
	size_t n = a->jobs.n;
	tv->job_rows = calloc(n ? n : 1, sizeof *tv->job_rows);
	tv->job_stage = calloc(n ? n : 1, sizeof *tv->job_stage);
	tv->job_run = calloc(n ? n : 1, sizeof *tv->job_run);
	if (!tv->job_rows || !tv->job_stage || !tv->job_run)
		return;
	for (size_t i = 0; i < n; i++) {
		const struct tui_job *x = &a->jobs.v[i];
		struct view_job *v = &tv->job_rows[i];
		size_t w = strcspn(x->cmd, " ");
		tv->job_stage[i] = tui_view_fmt("%.*s", (int)w, x->cmd);
		if (x->run > 0)
			tv->job_run[i] = tui_view_fmt("%lld", (long long)x->run);
		v->id = x->id;
		v->stage = tv->job_stage[i];
		v->state = x->state;
		v->run = tv->job_run[i];
		v->progress = x->total > 0 ? (double)x->step / (double)x->total : -1;
		int active = job_state_active(x->state);
		v->eta_s = active && x->eta_ms >= 0 ? (double)x->eta_ms / 1000.0 : -1;
		v->tokens_per_s = x->tokens_per_s;
		v->n_loss = x->n_loss;
		v->loss = x->loss;
		v->error = x->error ? x->error : x->why;
	}
	j->n_jobs = n;
	j->jobs = tv->job_rows;
	j->selected = a->jobs_sel;
	j->scroll = a->jobs_scroll;
	if (a->jobs_sel >= 0 && (size_t)a->jobs_sel < n) {
		const struct tui_job *x = &a->jobs.v[a->jobs_sel];
		snprintf(tv->log_title, sizeof tv->log_title, "job %lld: ric %s  (log %s)",
		         (long long)x->id, x->cmd, x->log_path ? x->log_path : "-");
		j->log_title = tv->log_title;
		tv->log_copy = strdup(a->log);
		size_t lines = 1;
		for (const char *p = a->log; *p; p++)
			lines += *p == '\n';
		tv->log_lines = calloc(lines + 1, sizeof *tv->log_lines);
		if (tv->log_copy && tv->log_lines) {
			size_t k = 0;
			for (char *p = tv->log_copy, *nl; p; p = nl ? nl + 1 : NULL) {
				nl = strchr(p, '\n');
				if (nl)
					*nl = '\0';
				tv->log_lines[k++] = p;
			}
			j->n_log = *a->log ? k : 0;
			j->log = tv->log_lines;
		}
	}
}

/* The new-job form: the stage, its fields, "add an option", "start". */
static void tui_view_form(const struct tui_form *f, struct tui_view *tv)
{
	size_t n = 0;
	struct view_form_row *r = tv->form_rows;
	snprintf(tv->form_labels[n], sizeof tv->form_labels[n], "stage");
	r[n++] = (struct view_form_row){ .label = tv->form_labels[0], .value = f->stage, .required = 1,
		                         .help = "The stage to run (Enter, then Tab lists them): the form follows its options." };
	for (size_t i = 0; i < f->n; i++, n++) {
		const struct tui_form_field *x = &f->f[i];
		if (x->opt)
			snprintf(tv->form_labels[n], sizeof tv->form_labels[n], "--%s%s%s", x->opt->name,
			         x->opt->arg[0] ? " " : "", x->opt->arg);
		else
			snprintf(tv->form_labels[n], sizeof tv->form_labels[n], "%s", f->spec.positional);
		r[n] = (struct view_form_row){ .label = tv->form_labels[n],
			                       .value = x->kind == TUI_FORM_FLAG ? "on" : x->value,
			                       .error = x->error,
			                       .help = x->opt ? x->opt->help : "files, separated by blanks",
			                       .required = x->opt ? x->opt->required || x->opt->group > 0
			                                          : f->spec.positional_required };
	}
	snprintf(tv->form_labels[n], sizeof tv->form_labels[n], "+ add an option");
	r[n] = (struct view_form_row){ .label = tv->form_labels[n], .action = 1,
		                       .help = "Another of the stage's options (Tab completes their names)." };
	n++;
	snprintf(tv->form_labels[n], sizeof tv->form_labels[n], "[ start the job ]");
	r[n] = (struct view_form_row){ .label = tv->form_labels[n], .action = 1,
		                       .help = "Checks every field, then runs it as `ric job start`." };
	n++;
	snprintf(tv->form_title, sizeof tv->form_title, "New job: %s", f->stage);
	tv->form = (struct view_form){ .title = tv->form_title, .n_rows = n, .rows = r,
		                       .selected = f->sel, .message = f->message };
}

void tui_view_build(const struct tui_app *a, struct tui_view *tv)
{
	memset(tv, 0, sizeof *tv);
	struct view *v = &tv->v;
	v->screen = a->screen;
	v->keys = a->keys;
	v->checkpoint = a->ckpt;
	const char *b = a->gen ? tui_gen_b_dir(a->gen) : NULL;
	if (b && a->ckpt) {
		snprintf(tv->checkpoint, sizeof tv->checkpoint, "A %.580s | B %.580s", a->ckpt, b);
		v->checkpoint = tv->checkpoint;
	}
	v->status = a->status;
	v->status_error = a->status_error;
	v->confirm = a->confirm != TUI_CONFIRM_NONE ? a->confirm_text : NULL;
	v->mouse = a->mouse;
	for (size_t i = 0; i < a->jobs.n; i++)
		v->jobs_running += job_state_active(a->jobs.v[i].state);
	tui_view_steer(a, tv);
	v->steer = &tv->steer;
	switch (a->screen) {
	case VIEW_FRONT:
		tui_view_front(a, tv);
		v->front = &tv->front;
		break;
	case VIEW_RUNS:
		tui_view_runs(a, tv);
		v->runs = &tv->runs;
		break;
	case VIEW_JOBS:
		tui_view_jobs(a, tv);
		v->jobs = &tv->jobs;
		if (a->form) {
			tui_view_form(a->form, tv);
			v->form = &tv->form;
		}
		break;
	case VIEW_HELP:
		tv->help.scroll = a->help_scroll;
		v->help = &tv->help;
		break;
	default:
		break;
	}
}

void tui_view_free(struct tui_view *tv)
{
	for (size_t i = 0; i < 2 * TUI_APP_MAX_FRONTS + 1; i++)
		free(tv->points[i]);
	for (size_t i = 0; tv->cells && i < tv->n_cells; i++)
		free(tv->cells[i]);
	free(tv->cells);
	free(tv->marked);
	free(tv->param_keys);
	free(tv->param_values);
	free(tv->metrics);
	for (size_t i = 0; tv->ckpt_lines && tv->ckpt_lines[i]; i++)
		free(tv->ckpt_lines[i]);
	free(tv->ckpt_lines);
	for (size_t i = 0; tv->child_lines && tv->child_lines[i]; i++)
		free(tv->child_lines[i]);
	free(tv->child_lines);
	for (size_t i = 0; tv->job_stage && i < tv->jobs.n_jobs; i++) {
		free(tv->job_stage[i]);
		free(tv->job_run[i]);
	}
	for (size_t i = 0; tv->lineage && i < tv->n_lineage; i++)
		free(tv->lineage[i]);
	free(tv->lineage);
	for (size_t i = 0; i < TUI_APP_CHART_MAX; i++)
		free(tv->chart_x[i]);
	free(tv->job_rows);
	free(tv->job_stage);
	free(tv->job_run);
	free(tv->log_copy);
	free(tv->log_lines);
	memset(tv, 0, sizeof *tv);
}

int tui_view_due(const struct tui_app *a, struct tui_frame *f, int64_t now_ms)
{
	int first = a->first_token_ms >= 0 && f->first_gen != a->gen_id;
	int64_t wait = f->last_ms + TUI_VIEW_FRAME_MS - now_ms;
	if (a->generating && !first && wait > 0)
		return (int)wait;
	if (first)
		f->first_gen = a->gen_id;
	f->last_ms = now_ms;
	return 0;
}
