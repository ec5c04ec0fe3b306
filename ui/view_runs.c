#include "config.h"

#include "ui/view.h"

#include "ui/draw.h"
#include "ui/spark.h"
#include "ui/table.h"
#include "ui/theme.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static struct table_look runs_look(const struct view_runs *r)
{
	struct table_look t = {
		.headings = r->columns,
		.cells = r->cells,
		.n_rows = r->n_rows,
		.n_cols = r->n_columns,
		.widths = r->widths,
		.selected = r->selected,
		.scroll = r->scroll,
		.marked = r->marked,
		.sort_col = r->sort_column,
		.sort_desc = r->sort_desc,
	};
	return t;
}

/* The table sits under a one-line title with the count and the filter. */
static struct layout_rect runs_table_rect(const struct layout *L)
{
	struct layout_rect t = L->table;
	t.y++;
	t.h--;
	return t;
}

/* Writes the details' lines top-down: line v shows at row v - first under
 * the title when it falls in the pane; w NULL only counts them. */
struct runs_pen {
	WINDOW *w;
	const struct layout_rect *r;
	int v, first;
};

/* The screen row of the pen's line, or -1 when it is not shown. */
static int runs_row(const struct runs_pen *p)
{
	int row = p->v - p->first;
	return p->w && row >= 0 && row < p->r->h - 1 ? p->r->y + 1 + row : -1;
}

static void runs_line(struct runs_pen *p, int attr, const char *text)
{
	int y = runs_row(p);
	p->v++;
	if (y < 0)
		return;
	wattrset(p->w, attr);
	draw_text(p->w, y, p->r->x, p->r->w, text);
	wattrset(p->w, A_NORMAL);
}

/* A parameter's value with every decimal number in it rounded to 4
 * significant digits ("[-1.6812003598014476,0.4]" -> "[-1.681,0.4]"):
 * integers (steps, seeds, ids) and numbers inside names ("a-1.5.txt",
 * "v1.2.3") stay as they are. */
static void runs_round(const char *in, char *out, size_t cap)
{
	size_t o = 0;
	const char *p = in;
	while (*p && o + 1 < cap) {
		int start = (p == in || !(isalnum((unsigned char)p[-1]) || p[-1] == '.' || p[-1] == '_'));
		const char *q = p;
		if (start && (*q == '-' || *q == '+'))
			q++;
		const char *digits = q;
		while (isdigit((unsigned char)*q))
			q++;
		int is_num = start && q > digits;
		int frac = 0;
		if (is_num && *q == '.' && isdigit((unsigned char)q[1])) {
			frac = 1;
			q++;
			while (isdigit((unsigned char)*q))
				q++;
		}
		if (is_num && (*q == 'e' || *q == 'E')) {
			const char *e = q + 1;
			if (*e == '-' || *e == '+')
				e++;
			if (isdigit((unsigned char)*e)) {
				frac = 1;
				while (isdigit((unsigned char)*e))
					e++;
				q = e;
			}
		}
		/* part of a word or a dotted name: left alone */
		if (is_num && (isalnum((unsigned char)*q) || *q == '_' ||
		               (*q == '.' && isalnum((unsigned char)q[1]))))
			is_num = 0;
		int sig = 0, lead = 1; /* significant digits of the mantissa */
		for (const char *c = digits; is_num && frac && c < q && *c != 'e' && *c != 'E'; c++) {
			if (!isdigit((unsigned char)*c) || (lead && *c == '0'))
				continue;
			lead = 0;
			sig++;
		}
		if (is_num && frac && sig > 4) {
			char num[64];
			size_t n = (size_t)(q - p) < sizeof num ? (size_t)(q - p) : sizeof num - 1;
			memcpy(num, p, n);
			num[n] = '\0';
			int k = snprintf(out + o, cap - o, "%.4g", strtod(num, NULL));
			o = k > 0 && (size_t)k < cap - o ? o + (size_t)k : cap - 1;
			p = q;
			continue;
		}
		if (is_num) { /* an integer, or short enough: copied whole */
			while (p < q && o + 1 < cap)
				out[o++] = *p++;
			continue;
		}
		out[o++] = *p++;
	}
	out[o] = '\0';
}

/* The details' lines from `first` on; returns how many there are in all. */
static int runs_details_lines(WINDOW *w, const struct layout_rect *r, const struct view_run_details *d,
                              int first)
{
	struct runs_pen p = { w, r, 0, first };
	char line[1024];
	if (!d) {
		runs_line(&p, theme_attr(THEME_DIM), "No run selected.");
		return p.v;
	}
	/* Parameters flow as "key=value" words across the width. */
	if (d->n_params) {
		int x = r->x;
		for (size_t i = 0; i < d->n_params; i++) {
			char val[768];
			runs_round(d->param_values[i] ? d->param_values[i] : "", val, sizeof val);
			snprintf(line, sizeof line, "%s=%s", d->param_keys[i] ? d->param_keys[i] : "", val);
			int wdt = draw_width(line);
			if (x > r->x && x + wdt > r->x + r->w) {
				p.v++;
				x = r->x;
			}
			int y = runs_row(&p);
			x += (y >= 0 ? draw_text(w, y, x, r->x + r->w - x, line) : wdt) + 2;
		}
		p.v++;
	}
	int name_w = 8;
	for (size_t i = 0; i < d->n_metrics; i++) {
		int nw = draw_width(d->metrics[i].name);
		if (nw > name_w)
			name_w = nw > 16 ? 16 : nw;
	}
	for (size_t i = 0; i < d->n_metrics; i++, p.v++) {
		const struct view_metric *m = &d->metrics[i];
		int y = runs_row(&p);
		if (y < 0)
			continue;
		char spark[512], last[32];
		snprintf(last, sizeof last, m->n ? "%.4g" : "-", m->n ? m->values[m->n - 1] : 0.0);
		int sw = r->w - name_w - 2 - 12;
		spark_render(m->values, m->n, sw > 0 ? sw : 0, draw_utf8(), spark, sizeof spark);
		draw_text(w, y, r->x, name_w, m->name);
		wattrset(w, theme_attr(THEME_SPARKLINE));
		int x = r->x + name_w + 1;
		x += draw_text(w, y, x, r->w - name_w - 1, spark);
		wattrset(w, A_NORMAL);
		draw_text(w, y, x + 1, r->x + r->w - x - 1, last);
	}
	for (size_t i = 0; i < d->n_checkpoints; i++) {
		snprintf(line, sizeof line, "%s %s", i ? "           " : "checkpoint", d->checkpoints[i]);
		runs_line(&p, A_NORMAL, line);
	}
	if (d->lineage) {
		runs_line(&p, theme_attr(THEME_DIM), "lineage");
		for (size_t i = 0; i < d->n_lineage; i++) {
			int here = (int)i == d->lineage_focus;
			snprintf(line, sizeof line, "  %s%s", d->lineage[i] ? d->lineage[i] : "",
			         here ? (draw_utf8() ? "  \xe2\x86\x90 this run" : "  <- this run") : "");
			runs_line(&p, here ? (int)A_BOLD : (int)A_NORMAL, line);
		}
	}
	if (d->parent && !d->lineage) {
		snprintf(line, sizeof line, "parent     %s", d->parent);
		runs_line(&p, A_NORMAL, line);
	}
	for (size_t i = 0; !d->lineage && i < d->n_children; i++) {
		snprintf(line, sizeof line, "%s %s", i ? "           " : "children  ", d->children[i]);
		runs_line(&p, A_NORMAL, line);
	}
	if (d->tags && *d->tags) {
		snprintf(line, sizeof line, "tags       %s", d->tags);
		runs_line(&p, A_NORMAL, line);
	}
	return p.v;
}

/* The first details line shown: the asked one, never past the last page. */
static int runs_details_first(const struct layout_rect *r, const struct view_run_details *d, int scroll)
{
	int total = runs_details_lines(NULL, r, d, 0), last = total - (r->h - 1);
	if (scroll > last)
		scroll = last;
	return scroll > 0 ? scroll : 0;
}

int view_runs_details_last(const struct layout *L, const struct view_runs *r)
{
	return runs_details_first(&L->details, r->details, 1 << 30);
}

static void runs_details(WINDOW *w, const struct layout_rect *r, const struct view_run_details *d)
{
	if (r->h <= 0)
		return;
	draw_title(w, r->y, r->x, r->w, d && d->title ? d->title : "Details", theme_attr(THEME_TITLE));
	int first = runs_details_first(r, d, d ? d->scroll : 0);
	int total = runs_details_lines(w, r, d, first);
	draw_more(w, r->y, r->x, r->w, first > 0, total - first > r->h - 1);
}

void view_runs_draw(WINDOW *w, const struct layout *L, const struct view_runs *r)
{
	char title[512];
	int n = snprintf(title, sizeof title, "Runs (%zu)", r->n_rows);
	if (r->filter && *r->filter && n > 0 && (size_t)n < sizeof title)
		snprintf(title + n, sizeof title - (size_t)n, "  filter: %s", r->filter);
	draw_title(w, L->table.y, L->table.x, L->table.w, title, theme_attr(THEME_TITLE));
	struct layout_rect tr = runs_table_rect(L);
	struct table_look t = runs_look(r);
	if (r->n_rows == 0) {
		wattrset(w, theme_attr(THEME_DIM));
		draw_text(w, tr.y + 1, tr.x + 2, tr.w - 2,
		          r->filter && *r->filter ? "No run matches the filter." : "No runs in the store yet.");
		wattrset(w, A_NORMAL);
		t.n_rows = 0;
	}
	table_draw(w, &tr, &t);
	if (L->details.y == L->table.y && L->details.x > 0)
		draw_vrule(w, L->details.y, L->details.x - 1, L->details.h);
	if (r->chart)
		chart_draw(w, &L->details, r->chart);
	else
		runs_details(w, &L->details, r->details);
}

int view_runs_hit(const struct layout *L, const struct view_runs *r, int y, int x, struct view_hit *h)
{
	memset(h, 0, sizeof *h);
	h->kind = VIEW_HIT_NONE;
	struct layout_rect tr = runs_table_rect(L);
	if (!layout_contains(&tr, y, x))
		return 0;
	struct table_look t = runs_look(r);
	int row = table_row_at(&tr, &t, y);
	if (row < 0)
		return 0;
	h->kind = VIEW_HIT_ROW;
	h->index = row;
	return 1;
}
