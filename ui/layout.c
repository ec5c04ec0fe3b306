#include "config.h"

#include "ui/layout.h"

#include <string.h>

static struct layout_rect layout_rect(int y, int x, int h, int w)
{
	struct layout_rect r = { y, x, h > 0 ? h : 0, w > 0 ? w : 0 };
	if (!r.h || !r.w)
		r.h = r.w = 0;
	return r;
}

/* Two columns with a one-cell gutter between them (drawn as a rule). */
static void layout_split_cols(struct layout_rect r, struct layout_rect *left, struct layout_rect *right)
{
	int lw = (r.w - 1) / 2;
	*left = layout_rect(r.y, r.x, r.h, lw);
	*right = layout_rect(r.y, r.x + lw + 1, r.h, r.w - lw - 1);
}

static void layout_steer(struct layout *L, int y, int h, int cols, const struct layout_opts *o)
{
	int n = o && o->n_sliders > 0 ? o->n_sliders : 2;
	/* The samples are what the user watches: keep at least 3 rows for them and
	 * let the slider pane scroll when objectives do not fit. */
	int hs = n + 1;
	int max_hs = h - 2 - 3;
	if (hs > max_hs)
		hs = max_hs;
	if (hs < 2)
		hs = 2;
	struct layout_rect sl = layout_rect(y, 0, hs, cols);
	L->params = layout_rect(y + hs, 0, 1, cols);
	L->prompt = layout_rect(y + hs + 1, 0, 1, cols);
	struct layout_rect sa = layout_rect(y + hs + 2, 0, h - hs - 2, cols);
	if (o && o->compare) {
		layout_split_cols(sl, &L->sliders[0], &L->sliders[1]);
		layout_split_cols(sa, &L->samples[0], &L->samples[1]);
	} else {
		L->sliders[0] = sl;
		L->samples[0] = sa;
	}
}

static void layout_front(struct layout *L, int y, int h, int cols)
{
	int ph = h >= 16 ? 4 : h >= 12 ? 3 : 2;
	L->point = layout_rect(y + h - ph, 0, ph, cols);
	int rest = h - ph;
	if (cols >= 72) {
		/* The legend grows with the terminal: long run names need room. */
		int lw = cols * 2 / 7;
		lw = lw < 28 ? 28 : lw > 64 ? 64 : lw;
		L->plot = layout_rect(y, 0, rest, cols - lw - 1);
		L->legend = layout_rect(y, cols - lw, rest, lw);
	} else {
		int lh = rest >= 10 ? 3 : 2;
		L->plot = layout_rect(y, 0, rest - lh, cols);
		L->legend = layout_rect(y + rest - lh, 0, lh, cols);
	}
}

/* A table above its details, or beside them when the terminal is wide. */
static void layout_table_details(struct layout *L, int y, int h, int cols, int table_pct)
{
	if (cols >= 130) {
		int tw = cols * 55 / 100;
		L->table = layout_rect(y, 0, h, tw);
		L->details = layout_rect(y, tw + 1, h, cols - tw - 1);
		return;
	}
	int th = h * table_pct / 100;
	if (th < 3)
		th = 3;
	if (th > h - 3)
		th = h - 3;
	L->table = layout_rect(y, 0, th, cols);
	L->details = layout_rect(y + th, 0, h - th, cols);
}

struct layout layout_compute(enum layout_screen s, int rows, int cols, const struct layout_opts *o)
{
	struct layout L;
	memset(&L, 0, sizeof L);
	L.rows = rows;
	L.cols = cols;
	if (rows < LAYOUT_MIN_ROWS || cols < LAYOUT_MIN_COLS) {
		L.too_small = 1;
		return L;
	}
	L.header = layout_rect(0, 0, 1, cols);
	L.hints = layout_rect(rows - 2, 0, 1, cols);
	L.status = layout_rect(rows - 1, 0, 1, cols);
	int y = 1, h = rows - 3;
	switch (s) {
	case LAYOUT_STEER: layout_steer(&L, y, h, cols, o); break;
	case LAYOUT_FRONT: layout_front(&L, y, h, cols); break;
	case LAYOUT_RUNS: layout_table_details(&L, y, h, cols, 50); break;
	case LAYOUT_JOBS: layout_table_details(&L, y, h, cols, 40); break;
	case LAYOUT_HELP: L.table = layout_rect(y, 0, h, cols); break;
	case LAYOUT_SCREEN_COUNT: break;
	}
	return L;
}

int layout_contains(const struct layout_rect *r, int y, int x)
{
	return r->h > 0 && r->w > 0 && y >= r->y && y < r->y + r->h && x >= r->x && x < r->x + r->w;
}
