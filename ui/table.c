#include "config.h"

#include "ui/table.h"

#include "ui/draw.h"
#include "ui/theme.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define TABLE_MAX_NATURAL 40
#define TABLE_MIN_COL 3
#define TABLE_SHRINK_TO 12

static const char *table_cell(const struct table_look *t, size_t row, size_t col)
{
	const char *c = t->cells ? t->cells[row * t->n_cols + col] : NULL;
	return c ? c : "";
}

/* Takes a column at a time from the widest column wider than `floor`
 * until the total fits; returns the new total. */
static int table_shrink(int *out, size_t n_cols, int total, int avail, int floor)
{
	while (total > avail) {
		size_t widest = 0;
		for (size_t c = 1; c < n_cols; c++)
			if (out[c] > out[widest])
				widest = c;
		if (n_cols == 0 || out[widest] <= floor)
			break;
		out[widest]--;
		total--;
	}
	return total;
}

int table_fit(const struct table_look *t, int avail, int *out)
{
	int total = 0;
	for (size_t c = 0; c < t->n_cols; c++) {
		int wdt = t->widths && t->widths[c] > 0 ? t->widths[c] : 0;
		if (!wdt) {
			/* Room for the sort arrow after the heading. */
			wdt = t->headings ? draw_width(t->headings[c]) + 1 : 1;
			for (size_t r = 0; r < t->n_rows; r++) {
				int cw = draw_width(table_cell(t, r, c));
				if (cw > wdt)
					wdt = cw;
			}
			if (wdt > TABLE_MAX_NATURAL)
				wdt = TABLE_MAX_NATURAL;
		}
		out[c] = wdt;
		total += wdt + (c ? 1 : 0);
	}
	/* Too wide: the widest give way down to TABLE_SHRINK_TO columns; when a
	 * column was longer than that (names, paths), the last columns (the
	 * least telling: dates, tags) are left out next while two stay; then the
	 * widest give way down to TABLE_MIN_COL. A cut cell is shortened in the
	 * middle, so rows that differ at the end still differ. */
	int long_text = 0; /* a column of names or paths, which cuts make alike */
	for (size_t c = 0; c < t->n_cols; c++)
		long_text |= out[c] > TABLE_SHRINK_TO;
	total = table_shrink(out, t->n_cols, total, avail, TABLE_SHRINK_TO);
	for (size_t c = t->n_cols; long_text && c-- > 2 && total > avail;) {
		total -= out[c] + 1;
		out[c] = 0;
	}
	total = table_shrink(out, t->n_cols, total, avail, TABLE_MIN_COL);
	/* Still too wide: leave out the last columns. */
	for (size_t c = t->n_cols; c-- > 0 && total > avail;) {
		total -= out[c] + (c ? 1 : 0);
		out[c] = 0;
	}
	return total < 0 ? 0 : total;
}

int table_scroll(int selected, int scroll, size_t n_rows, int height)
{
	if (height < 1)
		height = 1;
	int n = (int)n_rows;
	if (selected >= n)
		selected = n - 1;
	if (selected >= 0) {
		if (selected < scroll)
			scroll = selected;
		if (selected >= scroll + height)
			scroll = selected - height + 1;
	}
	if (scroll > n - height)
		scroll = n - height;
	return scroll < 0 ? 0 : scroll;
}

static void table_line(WINDOW *w, int y, int x, int width, const struct table_look *t, const int *cw,
                       int mark_w, const char *const *texts, const char *mark)
{
	int col = 0;
	if (mark_w) {
		draw_text(w, y, x, 1, mark);
		col = mark_w;
	}
	for (size_t c = 0; c < t->n_cols && col < width; c++) {
		if (!cw[c])
			continue;
		if (c)
			col++;
		int room = cw[c] < width - col ? cw[c] : width - col;
		char cut[512];
		const char *text = texts[c] ? texts[c] : "";
		if (draw_width(text) > room && room >= 5) /* the middle goes: "demo-…ffline" */
			text = draw_shorten(text, room, cut, sizeof cut);
		draw_text(w, y, x + col, room, text);
		col += cw[c];
	}
}

void table_draw(WINDOW *w, const struct layout_rect *r, const struct table_look *t)
{
	if (r->h <= 0 || r->w <= 0 || t->n_cols == 0)
		return;
	int mark_w = t->marked ? 2 : 0;
	int *cw = calloc(t->n_cols, sizeof *cw);
	const char **texts = calloc(t->n_cols, sizeof *texts);
	if (!cw || !texts) {
		free(cw);
		free(texts);
		return;
	}
	table_fit(t, r->w - mark_w, cw);
	int y = r->y;
	if (t->headings) {
		char *heads = calloc(t->n_cols, 256);
		draw_fill(w, &(struct layout_rect){ r->y, r->x, 1, r->w }, theme_attr(THEME_TABLE_HEADER));
		for (size_t c = 0; c < t->n_cols; c++) {
			if (heads && (int)c == t->sort_col) {
				snprintf(heads + c * 256, 256, "%s%s", t->headings[c],
				         draw_utf8() ? (t->sort_desc ? "\xe2\x96\xbc" : "\xe2\x96\xb2")
				                     : (t->sort_desc ? "v" : "^"));
				texts[c] = heads + c * 256;
			} else {
				texts[c] = t->headings[c];
			}
		}
		table_line(w, y, r->x, r->w, t, cw, mark_w, texts, " ");
		free(heads);
		y++;
	}
	int height = r->y + r->h - y;
	int scroll = table_scroll(t->selected, t->scroll, t->n_rows, height);
	for (int i = 0; i < height; i++) {
		size_t row = (size_t)(scroll + i);
		if (row >= t->n_rows)
			break;
		int sel = (int)row == t->selected;
		int attr = sel ? theme_attr(THEME_SELECTION)
		               : t->marked && t->marked[row] ? theme_attr(THEME_MARKED) : (int)A_NORMAL;
		if (sel)
			draw_fill(w, &(struct layout_rect){ y + i, r->x, 1, r->w }, attr);
		wattrset(w, attr);
		for (size_t c = 0; c < t->n_cols; c++)
			texts[c] = table_cell(t, row, c);
		table_line(w, y + i, r->x, r->w, t, cw, mark_w, texts,
		           t->marked && t->marked[row] ? "*" : " ");
	}
	wattrset(w, A_NORMAL);
	/* Rows above or below the ones shown say so, on the first and last row. */
	if (height > 0) {
		draw_more(w, y, r->x, r->w, scroll > 0, 0);
		draw_more(w, y + height - 1, r->x, r->w, 0, (size_t)(scroll + height) < t->n_rows);
	}
	free(cw);
	free(texts);
}

int table_row_at(const struct layout_rect *r, const struct table_look *t, int y)
{
	int top = r->y + (t->headings ? 1 : 0);
	int height = r->y + r->h - top;
	if (y < top || y >= r->y + r->h)
		return -1;
	int row = table_scroll(t->selected, t->scroll, t->n_rows, height) + (y - top);
	return row < (int)t->n_rows ? row : -1;
}
