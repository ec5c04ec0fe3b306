/* layout: where every pane of every screen goes, as a pure function of the
 * terminal size (and a few counts), so it can be tested over many sizes.
 *
 *   struct layout_opts o = { .n_sliders = 3, .compare = 0 };
 *   struct layout L = layout_compute(LAYOUT_STEER, LINES, COLS, &o);
 *   if (L.too_small) { view_too_small_draw(stdscr, LAYOUT_MIN_ROWS, LAYOUT_MIN_COLS); ... }
 *   else mvwaddstr(stdscr, L.status.y, L.status.x, "ready");
 *
 * Every screen has header (tabs and checkpoint, top row), hints (key hints)
 * and status (messages and the `:` command line, bottom row). A rect with
 * h == 0 or w == 0 is absent on that screen. Rects never overlap and stay
 * inside the terminal.
 */
#ifndef RIC_UI_LAYOUT_H
#define RIC_UI_LAYOUT_H

#define LAYOUT_MIN_ROWS 12
#define LAYOUT_MIN_COLS 40

struct layout_rect {
	int y, x, h, w;
};

enum layout_screen {
	LAYOUT_STEER,
	LAYOUT_FRONT,
	LAYOUT_RUNS,
	LAYOUT_JOBS,
	LAYOUT_HELP,
	LAYOUT_SCREEN_COUNT
};

struct layout_opts {
	int n_sliders;   /* Steer: objectives (one row each); 0 means 2 */
	int compare;     /* Steer: A | B columns */
};

struct layout {
	int too_small;               /* below LAYOUT_MIN_ROWS x LAYOUT_MIN_COLS: only this is set */
	int rows, cols;
	struct layout_rect header, hints, status;
	/* Steer: sliders[1] and samples[1] are the B side, present in compare mode. */
	struct layout_rect sliders[2], params, prompt, samples[2];
	/* Front */
	struct layout_rect plot, legend, point;
	/* Runs (table + details), Jobs (table = job list, details = log tail),
	 * Help (table = the key list). */
	struct layout_rect table, details;
};

struct layout layout_compute(enum layout_screen s, int rows, int cols, const struct layout_opts *o);

/* 1 when (y, x) lies in r. */
int layout_contains(const struct layout_rect *r, int y, int x);

#endif
