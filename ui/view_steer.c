#include "config.h"

#include "ui/view.h"

#include "ui/bar.h"
#include "ui/draw.h"
#include "ui/halfblock.h"
#include "ui/slider.h"
#include "ui/table.h"
#include "ui/textview.h"
#include "ui/theme.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define STEER_NAME_MAX 16

static int steer_name_width(const struct view_steer *s)
{
	int w = 4;
	for (size_t i = 0; i < s->n_objectives; i++) {
		int n = draw_width(s->objectives ? s->objectives[i] : NULL);
		if (n > w)
			w = n;
	}
	return w > STEER_NAME_MAX ? STEER_NAME_MAX : w;
}

/* The first slider row shown, keeping the focused one visible. */
static int steer_slider_scroll(const struct layout_rect *r, const struct view_steer *s)
{
	return table_scroll(s->focus, 0, s->n_objectives, r->h - 1);
}

static struct slider_look steer_look(const struct view_steer *s, int side, size_t i)
{
	const struct view_pref *p = &s->pref[side];
	struct slider_look look = {
		.name = s->objectives ? s->objectives[i] : "",
		.weight = p->weight ? p->weight[i] : 0,
		.target = p->target ? p->target[i] : NAN,
		.has_target = p->target != NULL,
		.locked = p->locked ? p->locked[i] : 0,
		.focused = side == s->side && (int)i == s->focus,
		.name_width = steer_name_width(s),
		.has_obtained = p->obtained != NULL,
		.obtained = p->obtained ? p->obtained[i] : NAN,
		.obtained_se = p->obtained_se ? p->obtained_se[i] : NAN,
	};
	return look;
}

static void steer_sliders(WINDOW *w, const struct layout_rect *r, const struct view_steer *s, int side)
{
	if (r->h <= 0)
		return;
	char title[256], iter[96] = "";
	if (s->iteration)
		snprintf(iter, sizeof iter, "  [%s]", s->iteration);
	const char *unit = s->raw ? "raw" : "z", *arrow = draw_utf8() ? "\xe2\x86\x92" : ">";
	const char *mean = s->pref[side].obtained ? ", samples' mean" : "";
	if (s->compare) {
		snprintf(title, sizeof title, "%s%s%s  mapping %s  (%s)", side ? "B" : "A",
		         side == s->side ? " (editing)" : "", iter, s->mapping ? s->mapping : "-", unit);
		if (draw_width(title) + 4 > r->w) /* the unit before the mapping */
			snprintf(title, sizeof title, "%s%s (%s)%s", side ? "B" : "A",
			         side == s->side ? " (editing)" : "", unit, iter);
	} else {
		/* What the numbers and the sample bars mean, in the title: the unit
		 * first, so a narrow terminal still says it. */
		snprintf(title, sizeof title, "Preference%s  mapping %s  weight %s target%s (%s; sample "
		         "bars 0..1 = offline lo..hi)", iter, s->mapping ? s->mapping : "-", arrow, mean,
		         unit);
		if (draw_width(title) + 4 > r->w)
			snprintf(title, sizeof title, "Preference%s  mapping %s  (%s; bars 0..1 = lo..hi)  "
			         "weight %s target%s", iter, s->mapping ? s->mapping : "-", unit, arrow, mean);
		if (draw_width(title) + 4 > r->w) { /* "[iteration 1 of 3]" before the rest */
			const char *it = s->iteration ? s->iteration : "";
			if (strncmp(it, "online ", 7) == 0)
				it += 7;
			snprintf(title, sizeof title, "Preference%s%s%s (%s; bars 0..1 = lo..hi)  weight %s "
			         "target%s", *it ? " [" : "", it, *it ? "]" : "", unit, arrow, mean);
		}
	}
	draw_title(w, r->y, r->x, r->w, title,
	           theme_attr(s->compare && side == s->side ? THEME_SLIDER_FOCUS : THEME_TITLE));
	if (!s->pref[side].weight)
		return;
	int first = steer_slider_scroll(r, s);
	for (int row = 1; row < r->h; row++) {
		size_t i = (size_t)(first + row - 1);
		if (i >= s->n_objectives)
			break;
		struct slider_look look = steer_look(s, side, i);
		slider_draw(w, r->y + row, r->x, r->w, &look);
	}
}

static void steer_params(WINDOW *w, const struct layout_rect *r, const struct view_steer *s)
{
	char line[512];
	int n;
	if (s->images) {
		const char *cterm = getenv("COLORTERM"), *nocol = getenv("NO_COLOR");
		n = snprintf(line, sizeof line, "seed %llu  %zu DDIM steps  guidance %.1f  %zu image%s  %s",
		             s->seed, s->ddim_steps, s->guidance, s->n_samples, s->n_samples == 1 ? "" : "s",
		             halfblock_mode_name(halfblock_mode_pick(cterm, nocol,
		                                                     has_colors() ? COLORS : 0, draw_utf8())));
	} else
		n = snprintf(line, sizeof line, "seed %llu  temp %.2f  top-p %.2f  %d tokens  %zu sample%s",
		             s->seed, s->temperature, s->top_p, s->max_tokens, s->n_samples,
		             s->n_samples == 1 ? "" : "s");
	if (s->generating && n > 0 && (size_t)n < sizeof line)
		n += snprintf(line + n, sizeof line - (size_t)n, "  generating");
	if (!s->images && s->tokens_per_s > 0 && n > 0 && (size_t)n < sizeof line)
		n += snprintf(line + n, sizeof line - (size_t)n, "  %.0f tok/s", s->tokens_per_s);

	wattrset(w, theme_attr(THEME_DIM));
	draw_text(w, r->y, r->x, r->w, line);
	wattrset(w, A_NORMAL);
}

static void steer_prompt(WINDOW *w, const struct layout_rect *r, const struct view_steer *s)
{
	if (s->prompt_editing || s->images)
		return; /* the app's readline draws the line; an image model takes no prompt */
	wattrset(w, theme_attr(THEME_TITLE));
	int x = draw_text(w, r->y, r->x, r->w, "Prompt: ");
	wattrset(w, A_NORMAL);
	draw_text(w, r->y, r->x + x, r->w - x, s->prompt && *s->prompt ? s->prompt : "(empty: e edits)");
}

/* The text as shown: a streaming sample ends in a cursor block (a copy in
 * *owned, for the caller to free). */
static const char *steer_text(const struct view_sample *smp, char **owned)
{
	const char *t = smp->text ? smp->text : "";
	*owned = NULL;
	if (smp->done)
		return t;
	const char *cursor = draw_utf8() ? "\xe2\x96\x8c" : "_";
	size_t n = strlen(t);
	char *s = malloc(n + strlen(cursor) + 1);
	if (!s)
		return t;
	memcpy(s, t, n);
	strcpy(s + n, cursor);
	*owned = s;
	return s;
}

/* The sample's head, "> #2 ✓ ", before its scores. */
static int steer_head(const struct view_steer *s, size_t k, const struct view_sample *smp, char *buf,
                      size_t cap)
{
	snprintf(buf, cap, "%s#%zu %s ", (int)k == s->sample_focus ? ">" : " ", k + 1,
	         smp->done ? (draw_utf8() ? "\xe2\x9c\x93" : "ok") : "...");
	return draw_width(buf);
}

/* How a sample's scores are drawn, most detailed first: names cut to
 * name_w columns, bars bar_w wide (0: none). The first that puts every
 * objective on the head line wins; when none does the last one wraps onto
 * more lines, so no objective is ever left out. */
struct steer_fmt {
	int name_w, bar_w;
};
static const struct steer_fmt steer_fmts[] = { { 8, 12 }, { 8, 8 }, { 8, 5 }, { 5, 3 },
	                                        { 3, 2 }, { 3, 0 } };
#define STEER_NFMT ((int)(sizeof steer_fmts / sizeof steer_fmts[0]))
#define STEER_SEP 2 /* blanks between two objectives' scores */

/* A score's bar over the objective's offline lo..hi; beyond that range it
 * ends in an arrow (full bar and '>' above hi, '<' below lo), so two
 * different scores never draw the same bar only because both are clamped. */
static void steer_bar(double frac, int width, char *bar, size_t cap)
{
	int utf8 = draw_utf8();
	const char *track = utf8 ? "\xc2\xb7" : "-";
	if (!(frac > 1) && !(frac < 0)) {
		bar_render_track(frac, width, utf8, track, bar, cap);
		return;
	}
	char part[128];
	bar_render_track(frac > 1 ? 1 : 0, width - 1, utf8, track, part, sizeof part);
	if (frac > 1)
		snprintf(bar, cap, "%s%s", part, utf8 ? "\xe2\x96\xb6" : ">");
	else
		snprintf(bar, cap, "%s%s", utf8 ? "\xe2\x97\x80" : "<", part);
}

/* Decimals of objective i's scores: one unit of the last is at most 1/200
 * of the bar's span, so scores 1/200 of lo..hi apart always read apart even
 * where their bars (40 to 96 steps) are the same; 2 at least, 6 at most. */
static int steer_decimals(const struct view_steer *s, size_t i)
{
	double span = s->bar_span ? fabs(s->bar_span[i]) : 0;
	if (!(span > 0) || !isfinite(span))
		return 2;
	int d = (int)ceil(log10(200.0 / span) - 1e-9);
	return d < 2 ? 2 : d > 6 ? 6 : d;
}

/* One objective's score: its name, the value ("--" while not scored). */
static int steer_cell(const struct view_steer *s, const struct view_sample *smp, size_t i,
                      const struct steer_fmt *f, char *name, size_t nl, char *val, size_t vl)
{
	const char *full = s->objectives ? s->objectives[i] : "";
	size_t nb = draw_fit(full, strlen(full), f->name_w, NULL);
	snprintf(name, nl, "%.*s", (int)nb, full);
	const double *v = smp->z && !s->raw ? smp->z : smp->reward;
	if (!isnan(v[i]))
		snprintf(val, vl, " %.*f", steer_decimals(s, i), v[i]);
	else
		snprintf(val, vl, " --"); /* not scored: see the status line */
	return draw_width(name) + (f->bar_w ? 1 + f->bar_w : 0) + draw_width(val);
}

/* Lays the scores out from the head line (first_w columns) on, in rows of
 * w columns; draws them when w_out is a window. Returns the rows taken. */
static int steer_scores(WINDOW *w_out, int y, int x_first, int first_w, int x_rest, int w,
                        const struct view_steer *s, const struct view_sample *smp)
{
	if (!smp->reward || !s->n_objectives)
		return 1;
	char name[64], val[32], bar[160];
	int fi = 0;
	for (; fi < STEER_NFMT - 1; fi++) {
		int total = 0;
		for (size_t i = 0; i < s->n_objectives; i++)
			total += (i ? STEER_SEP : 0) +
			         steer_cell(s, smp, i, &steer_fmts[fi], name, sizeof name, val, sizeof val);
		if (total <= first_w)
			break;
	}
	const struct steer_fmt *f = &steer_fmts[fi];
	int row = 0, col = 0, x0 = x_first, width = first_w;
	for (size_t i = 0; i < s->n_objectives; i++) {
		int cw = steer_cell(s, smp, i, f, name, sizeof name, val, sizeof val);
		int need = (col ? STEER_SEP : 0) + cw;
		if (col && col + need > width) {
			row++;
			col = 0;
			x0 = x_rest;
			width = w;
			need = cw;
		}
		if (!w_out) {
			col += need;
			continue;
		}
		int yy = y + row, xx = x0 + col + (col ? STEER_SEP : 0);
		wattrset(w_out, A_NORMAL);
		xx += draw_text(w_out, yy, xx, x0 + width - xx, name);
		if (f->bar_w) {
			xx += draw_text(w_out, yy, xx, x0 + width - xx, " ");
			wattrset(w_out, theme_attr(theme_series((int)i)));
			steer_bar(smp->norm && !isnan(smp->reward[i]) ? smp->norm[i] : 0, f->bar_w, bar,
			          sizeof bar);
			xx += draw_text(w_out, yy, xx, x0 + width - xx, bar);
			wattrset(w_out, A_NORMAL);
		}
		draw_text(w_out, yy, xx, x0 + width - xx, val);
		col += need;
	}
	return row + 1;
}

/* Rows of one sample block: the head with its scores (one line or more),
 * the wrapped text, a blank line. */
static int steer_sample_rows(const struct view_steer *s, size_t k, const struct view_sample *smp,
                             int width)
{
	char *owned, head[64];
	int hw = steer_head(s, k, smp, head, sizeof head);
	const char *t = steer_text(smp, &owned);
	int rows = steer_scores(NULL, 0, 0, width + 2 - hw, 0, width, s, smp) +
	           (int)textview_wrap(t, width, NULL, 0) + 1;
	free(owned);
	return rows;
}

/* The image grid of an image model: the largest scale (1 pixel a column
 * and half a row, else every 2nd, 3rd ... pixel) at which all n images and
 * their label rows fit the pane; columns of images as many as fit. */
struct steer_grid {
	int scale, cols, cw, ch; /* cell width and height of one image, label row included */
};

static struct steer_grid steer_grid_of(const struct layout_rect *r, const struct view_steer *s)
{
	struct steer_grid gr = { 1, 1, 1, 1 };
	int side = 1;
	for (size_t k = 0; k < s->n_samples; k++)
		if (s->samples[0] && s->samples[0][k].width > side)
			side = s->samples[0][k].width;
	for (int scale = 1; scale <= 8; scale++) {
		int iw, ih;
		halfblock_cells(side, side, scale, &iw, &ih);
		gr.scale = scale;
		gr.cw = iw + 2;
		gr.ch = ih + 1;
		gr.cols = r->w / gr.cw > 0 ? r->w / gr.cw : 1;
		int rows = (int)((s->n_samples + (size_t)gr.cols - 1) / (size_t)gr.cols);
		if (rows * gr.ch <= r->h && gr.cw <= r->w)
			break;
	}
	return gr;
}

static void steer_images(WINDOW *w, const struct layout_rect *r, const struct view_steer *s, int side)
{
	const struct view_sample *samples = s->samples[side];
	struct steer_grid gr = steer_grid_of(r, s);
	const char *cterm = getenv("COLORTERM"), *nocol = getenv("NO_COLOR");
	enum halfblock_mode mode = halfblock_mode_pick(cterm, nocol, has_colors() ? COLORS : 0,
	                                               draw_utf8());
	for (size_t k = 0; k < s->n_samples; k++) {
		const struct view_sample *smp = &samples[k];
		int y = r->y + (int)(k / (size_t)gr.cols) * gr.ch, x = r->x + (int)(k % (size_t)gr.cols) * gr.cw;
		if (y + gr.ch > r->y + r->h)
			break;
		char label[64];
		if (!smp->rgb)
			snprintf(label, sizeof label, "#%zu ...", k + 1);
		else if (smp->done)
			snprintf(label, sizeof label, "#%zu %s", k + 1, draw_utf8() ? "\xe2\x9c\x93" : "ok");
		else
			snprintf(label, sizeof label, "#%zu step %zu/%zu", k + 1, smp->step, smp->steps);
		/* A finished image's scores (z, or raw), as many as fit its width. */
		const double *v = smp->z && !s->raw ? smp->z : smp->reward;
		for (size_t i = 0; smp->done && v && i < s->n_objectives; i++) {
			size_t n = strlen(label);
			if (isnan(v[i]))
				snprintf(label + n, sizeof label - n, " --");
			else
				snprintf(label + n, sizeof label - n, " %.1f", v[i]);
		}
		wattrset(w, theme_attr((int)k == s->sample_focus ? THEME_SAMPLE_FOCUS : THEME_TITLE));
		draw_text(w, y, x, gr.cw - 1, label);
		wattrset(w, A_NORMAL);
		if (smp->rgb) {
			halfblock_draw(w, y + 1, x, smp->rgb, smp->width, smp->width, gr.scale, mode);
		}
	}
	wattrset(w, A_NORMAL);
}

static void steer_samples(WINDOW *w, const struct layout_rect *r, const struct view_steer *s, int side)
{
	if (s->images && r->h > 0 && s->samples[side]) {
		steer_images(w, r, s, side);
		return;
	}
	const struct view_sample *samples = s->samples[side];
	if (r->h <= 0 || !samples)
		return;
	int line = -(s->scroll > 0 ? s->scroll : 0); /* virtual row of the block's top */
	for (size_t k = 0; k < s->n_samples && line < r->h; k++) {
		const struct view_sample *smp = &samples[k];
		int rows = steer_sample_rows(s, k, smp, r->w - 2);
		if (line + rows <= 0) {
			line += rows;
			continue;
		}
		int focused = (int)k == s->sample_focus;
		char head[64];
		int hw = steer_head(s, k, smp, head, sizeof head);
		int score_rows = steer_scores(NULL, 0, 0, r->w - hw, 0, r->w - 2, s, smp);
		if (line >= 0) {
			wattrset(w, theme_attr(focused ? THEME_SAMPLE_FOCUS : THEME_TITLE));
			draw_text(w, r->y + line, r->x, r->w, head);
			/* Score rows past the pane's bottom are not drawn. */
			if (line + score_rows <= r->h)
				steer_scores(w, r->y + line, r->x + hw, r->w - hw, r->x + 2, r->w - 2, s, smp);
		}
		/* The text, clipped at the pane's top and bottom. */
		int top = line + score_rows;
		struct layout_rect tr = { r->y + (top > 0 ? top : 0), r->x + 2, 0, r->w - 2 };
		int bottom = line + rows - 1;
		if (bottom > r->h)
			bottom = r->h;
		tr.h = bottom - (top > 0 ? top : 0);
		if (tr.h > 0 && tr.w > 0) {
			char *owned;
			const char *t = steer_text(smp, &owned);
			wattrset(w, A_NORMAL);
			textview_draw(w, &tr, t, top < 0 ? -top : 0);
			free(owned);
		}
		line += rows;
	}
	wattrset(w, A_NORMAL);
}

void view_steer_draw(WINDOW *w, const struct layout *L, const struct view_steer *s)
{
	int sides = s->compare ? 2 : 1;
	for (int side = 0; side < sides; side++) {
		const struct layout_rect *r = &L->samples[side];
		steer_sliders(w, &L->sliders[side], s, side);
		steer_samples(w, r, s, side);
		/* Samples above or below the pane say so. */
		if (r->h > 0 && s->samples[side]) {
			int scroll = s->scroll > 0 ? s->scroll : 0;
			draw_more(w, r->y, r->x, r->w, scroll > 0, 0);
			draw_more(w, r->y + r->h - 1, r->x, r->w, 0,
			          view_steer_lines(L, s, side) - 1 - scroll > r->h);
		}
	}
	if (s->compare) {
		draw_vrule(w, L->sliders[0].y, L->sliders[0].x + L->sliders[0].w, L->sliders[0].h);
		draw_vrule(w, L->samples[0].y, L->samples[0].x + L->samples[0].w, L->samples[0].h);
	}
	steer_params(w, &L->params, s);
	steer_prompt(w, &L->prompt, s);
}

int view_steer_hit(const struct layout *L, const struct view_steer *s, int y, int x, struct view_hit *h)
{
	memset(h, 0, sizeof *h);
	h->kind = VIEW_HIT_NONE;
	if (layout_contains(&L->prompt, y, x)) {
		h->kind = VIEW_HIT_PROMPT;
		return 1;
	}
	for (int side = 0; side < (s->compare ? 2 : 1); side++) {
		const struct layout_rect *r = &L->sliders[side];
		if (layout_contains(r, y, x) && y > r->y) {
			size_t i = (size_t)(steer_slider_scroll(r, s) + y - r->y - 1);
			if (i >= s->n_objectives)
				return 0;
			struct slider_look look = steer_look(s, side, i);
			int bx, bw;
			slider_bar_span(&look, r->w, &bx, &bw);
			h->kind = VIEW_HIT_SLIDER;
			h->index = (int)i;
			h->side = side;
			/* no bar (a narrow pane): a click focuses, the weight stays */
			h->value = bw > 1 ? slider_value_at(bw, x - r->x - bx) : look.weight;
			return 1;
		}
		r = &L->samples[side];
		if (layout_contains(r, y, x) && s->samples[side]) {
			int line = -(s->scroll > 0 ? s->scroll : 0);
			for (size_t k = 0; k < s->n_samples; k++) {
				int rows = steer_sample_rows(s, k, &s->samples[side][k], r->w - 2);
				if (y - r->y >= line && y - r->y < line + rows) {
					h->kind = VIEW_HIT_SAMPLE;
					h->index = (int)k;
					h->side = side;
					return 1;
				}
				line += rows;
			}
		}
	}
	return 0;
}

int view_steer_lines(const struct layout *L, const struct view_steer *s, int side)
{
	int total = 0;
	if (s->images)
		return 0; /* the grid fits the pane: no scrolling */
	const struct layout_rect *r = &L->samples[side ? 1 : 0];
	if (!s->samples[side ? 1 : 0] || r->w <= 2)
		return 0;
	for (size_t k = 0; k < s->n_samples; k++)
		total += steer_sample_rows(s, k, &s->samples[side ? 1 : 0][k], r->w - 2);
	return total;
}

int view_steer_sample_line(const struct layout *L, const struct view_steer *s, int side, int k)
{
	int line = 0;
	const struct layout_rect *r = &L->samples[side ? 1 : 0];
	if (!s->samples[side ? 1 : 0] || r->w <= 2)
		return 0;
	for (size_t i = 0; i < s->n_samples && (int)i < k; i++)
		line += steer_sample_rows(s, i, &s->samples[side ? 1 : 0][i], r->w - 2);
	return line;
}
