/* slider: preference weights on the simplex, and the slider that shows one.
 *
 *   double w[3] = { 0.5, 0.3, 0.2 };
 *   int locked[3] = { 0, 0, 1 };
 *   slider_set(w, locked, 3, 0, 0.7);   // w = { 0.7, 0.1, 0.2 }: the free ones
 *                                      // give in proportion, locked ones never move
 *   slider_step(w, locked, 3, 1, +SLIDER_STEP);
 *
 *   char line[256];
 *   struct slider_look s = { .name = "humor", .weight = w[0], .target = 0.8,
 *                            .has_target = 1, .focused = 1 };
 *   slider_render(&s, 60, 1, line, sizeof line);   // "humor  ████▌   0.70 → 0.80"
 *   // with .has_obtained: "... 0.70 →  0.80 got  0.62±0.10▼" (below the target)
 *
 * The weights always sum to 1 (within 1e-9) once a set or step has run, and
 * a weight never exceeds 1 minus the locked ones.
 */
#ifndef RIC_UI_SLIDER_H
#define RIC_UI_SLIDER_H

#include <curses.h>
#include <stddef.h>

#define SLIDER_STEP 0.05
#define SLIDER_STEP_LARGE 0.20

/* The most weight i can take: 1 minus the other locked weights (>= 0). */
double slider_max(const double *w, const int *locked, size_t n, size_t i);

/* Set w[i] to v (clamped to [0, slider_max]) and re-balance the other
 * unlocked weights in proportion to their values (equally when they are all
 * 0). `locked` may be NULL. When i is locked, or is the only unlocked weight,
 * nothing can move: w[i] is left as the remainder and -1 is returned. Returns
 * 0 when the vector changed as asked (possibly clamped). */
int slider_set(double *w, const int *locked, size_t n, size_t i, double v);
int slider_step(double *w, const int *locked, size_t n, size_t i, double delta);

/* Make any vector a valid preference: negatives and NaN become 0, then scale
 * to sum 1 (equal weights when all are 0). */
void slider_normalize(double *w, size_t n);

struct slider_look {
	const char *name;
	double weight;
	double target;        /* mapped target score, shown after the value */
	int has_target;
	int locked, focused;
	int name_width;       /* columns for the name; 0 = 12 */
	/* What the samples got: their mean score and its standard error, in the
	 * unit of target (NaN se: one sample); shown after the target with a
	 * mark above / below / within one standard error of it. */
	int has_obtained;
	double obtained, obtained_se;
};

/* Columns of the bar inside a slider `width` wide (the rest is name, value,
 * target) and its first column; for mouse dragging. */
void slider_bar_span(const struct slider_look *s, int width, int *bar_x, int *bar_w);
/* The weight at column x of a bar (clamped to 0..1). */
double slider_value_at(int bar_w, int x);

/* The slider as one line of UTF-8 (utf8 = 1) or ASCII, `width` columns. */
void slider_render(const struct slider_look *s, int width, int utf8, char *buf, size_t len);
void slider_draw(WINDOW *w, int y, int x, int width, const struct slider_look *s);

#endif
