/* table: a list/table widget with a heading, a selection and scrolling.
 *
 *   const char *head[] = { "id", "stage", "status" };
 *   const char *cells[] = { "1", "sft", "done",   "2", "online", "running" };
 *   struct table_look t = { .headings = head, .cells = cells, .n_rows = 2,
 *                           .n_cols = 3, .selected = 1, .sort_col = -1 };
 *   t.scroll = table_scroll(t.selected, t.scroll, t.n_rows, rect.h - 1);
 *   table_draw(w, &rect, &t);
 *   int row = table_row_at(&rect, &t, mouse_y);     // -1 outside the rows
 *
 * Columns fit their contents; when the pane is too narrow the widest give
 * way first, down to 3 columns, and what still does not fit is left out.
 */
#ifndef RIC_UI_TABLE_H
#define RIC_UI_TABLE_H

#include <curses.h>
#include <stddef.h>

#include "ui/layout.h"

struct table_look {
	const char *const *headings;     /* n_cols; NULL = no heading row */
	const char *const *cells;        /* n_rows * n_cols, row-major; NULL cell = "" */
	size_t n_rows, n_cols;
	const int *widths;               /* per column, 0 = fit; NULL = all fit */
	int selected;                    /* -1 = none */
	int scroll;                      /* first row shown */
	const unsigned char *marked;     /* n_rows; NULL = no mark column */
	int sort_col, sort_desc;         /* -1 = unsorted */
};

/* Column widths for `avail` columns (one space between columns); returns
 * the width used. */
int table_fit(const struct table_look *t, int avail, int *out);

/* The first row to show so that `selected` is visible in `height` rows,
 * moving as little as possible from `scroll`, never past the end. */
int table_scroll(int selected, int scroll, size_t n_rows, int height);

void table_draw(WINDOW *w, const struct layout_rect *r, const struct table_look *t);

/* The row under screen line y, or -1. */
int table_row_at(const struct layout_rect *r, const struct table_look *t, int y);

#endif
