#include "config.h"

#include "ui/view.h"

#include "ui/draw.h"
#include "ui/theme.h"

#include <stdio.h>
#include <string.h>

/* The new-job form, over the Jobs screen's panes: a title, one row per
 * field ("* --base DIR   value   error"), the selected row's help and the
 * last check's message below. Rows scroll to keep the selection shown. */
/* Where the form goes: its pane, the rows shown and the first of them. */
struct form_geom {
	struct layout_rect r;
	int foot, shown, first;
};

static int form_geom(const struct layout *L, const struct view_form *f, struct form_geom *g)
{
	g->r = L->table;
	if (L->details.h > 0)
		g->r.h = L->details.y + L->details.h - g->r.y;
	if (g->r.h < 3 || g->r.w < 10)
		return -1;
	/* Room: title, rows, a blank, help (2 lines), message. */
	g->foot = g->r.h >= 10 ? 4 : 1;
	g->shown = g->r.h - 1 - g->foot;
	if (g->shown < 1)
		g->shown = 1;
	g->first = f->selected >= g->shown ? f->selected - g->shown + 1 : 0;
	return 0;
}

int view_form_hit(const struct layout *L, const struct view_form *f, int y, int x, struct view_hit *h)
{
	struct form_geom g;
	if (form_geom(L, f, &g) != 0 || x < g.r.x || x >= g.r.x + g.r.w)
		return 0;
	int k = y - g.r.y - 1;
	if (k < 0 || k >= g.shown || g.first + k >= (int)f->n_rows)
		return 0;
	h->kind = VIEW_HIT_ROW;
	h->index = g.first + k;
	return 1;
}

void view_form_draw(WINDOW *w, const struct layout *L, const struct view_form *f)
{
	struct form_geom g;
	if (form_geom(L, f, &g) != 0)
		return;
	struct layout_rect r = g.r;
	draw_title(w, r.y, r.x, r.w, f->title ? f->title : "New job", theme_attr(THEME_TITLE));
	int foot = g.foot, shown = g.shown;
	int label_w = 8;
	for (size_t i = 0; i < f->n_rows; i++) {
		int lw = draw_width(f->rows[i].label ? f->rows[i].label : "") + 2;
		if (lw > label_w)
			label_w = lw;
	}
	if (label_w > r.w / 2)
		label_w = r.w / 2;
	int first = g.first;
	for (int k = 0; k < shown && first + k < (int)f->n_rows; k++) {
		const struct view_form_row *row = &f->rows[first + k];
		int y = r.y + 1 + k, sel = first + k == f->selected;
		struct layout_rect line = { y, r.x, 1, r.w };
		if (sel)
			draw_fill(w, &line, theme_attr(THEME_SELECTION));
		wattrset(w, sel ? theme_attr(THEME_SELECTION) : (int)A_NORMAL);
		/* '*' marks what must be filled; '>' the selection without colour. */
		char mark[3] = { sel ? '>' : ' ', row->required ? '*' : ' ', '\0' };
		draw_text(w, y, r.x, 2, mark);
		draw_text(w, y, r.x + 2, label_w - 1, row->label ? row->label : "");
		if (row->action)
			continue;
		int x = r.x + 2 + label_w;
		int room = r.x + r.w - x;
		if (room <= 0)
			continue;
		const char *v = row->value && *row->value ? row->value : "(empty)";
		if (!(row->value && *row->value) && !sel)
			wattrset(w, theme_attr(THEME_DIM));
		int used = draw_text(w, y, x, room, v);
		if (row->error && *row->error && used + 2 < room) {
			wattrset(w, theme_attr(THEME_ERROR));
			draw_text(w, y, x + used + 2, room - used - 2, row->error);
		}
		wattrset(w, A_NORMAL);
	}
	wattrset(w, A_NORMAL);
	draw_more(w, r.y, r.x, r.w, first > 0, first + shown < (int)f->n_rows);
	int y = r.y + 1 + shown;
	if (foot >= 4 && f->selected >= 0 && (size_t)f->selected < f->n_rows) {
		const char *help = f->rows[f->selected].help;
		/* The selected field's help, wrapped onto two rows. */
		if (help && *help) {
			wattrset(w, theme_attr(THEME_DIM));
			size_t len = strlen(help), at = 0;
			for (int k = 0; k < 2 && at < len; k++) {
				size_t n = draw_fit(help + at, len - at, r.w - 2, NULL);
				if (!n)
					break;
				draw_textn(w, y + 1 + k, r.x + 2, r.w - 2, help + at, n);
				at += n;
			}
		}
		y += 3;
	}
	if (f->message && *f->message && y < r.y + r.h) {
		int err = strstr(f->message, "to fix") != NULL;
		wattrset(w, err ? theme_attr(THEME_ERROR) : theme_attr(THEME_TITLE));
		draw_text(w, y, r.x, r.w, f->message);
	}
	wattrset(w, A_NORMAL);
}
