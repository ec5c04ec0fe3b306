/* view: the view models ric-tui fills and the functions that draw them.
 *
 *   struct view_steer st = { .checkpoint = "demo", .n_objectives = 2, ... };
 *   struct view v = { .screen = VIEW_STEER, .steer = &st, .keys = km,
 *                     .status = "ready" };
 *   view_draw(stdscr, &v);      // header, tabs, the screen, hints, status
 *   wnoutrefresh(stdscr); ... doupdate();
 *
 *   // mouse: which slider / point / row is under (y, x)?
 *   struct view_hit h;
 *   if (view_hit(&v, LINES, COLS, y, x, &h) && h.kind == VIEW_HIT_SLIDER) ...
 *
 * The models are plain structs of borrowed pointers: the app owns every
 * string and array and keeps them alive during the call; nothing here frees
 * or keeps them. Draw functions never fail; text that does not fit is cut.
 * They draw in monochrome (attributes only) when the terminal has no colors
 * and with ASCII glyphs when screen_utf8() is false.
 * Fields are only ever added to these structs: zero-initialise them
 * (designated initialisers) and new fields keep their neutral value.
 */
#ifndef RIC_UI_VIEW_H
#define RIC_UI_VIEW_H

#include <curses.h>
#include <stddef.h>
#include <stdint.h>

#include "ui/chart.h"
#include "ui/keys.h"
#include "ui/layout.h"

enum view_screen {
	VIEW_STEER,
	VIEW_FRONT,
	VIEW_RUNS,
	VIEW_JOBS,
	VIEW_HELP,
	VIEW_SCREEN_COUNT
};

/* ---- Steer ------------------------------------------------------------- */

/* One preference vector (side A or B); arrays have n_objectives entries. */
struct view_pref {
	const double *weight;     /* on the simplex, sums to 1 */
	const int *locked;        /* 1 = locked; NULL = none locked */
	const double *target;     /* mapped target score per objective; NULL = none */
	/* The mean score of the side's scored samples and its standard error
	 * (NaN with one sample), in the unit of target; NULL = none scored. */
	const double *obtained, *obtained_se;
};

struct view_sample {
	const char *text;         /* the response so far (UTF-8), NULL = "" */
	int done;                 /* 0 while streaming */
	const double *reward;     /* obtained reward per objective (raw); NULL = not scored */
	const double *norm;       /* the same placed in 0..1 (the objective's offline lo..hi)
	                           * for bars, beyond it when out of that range; NULL = no bars */
	const double *z;          /* the normalised score, shown unless view_steer.raw; NULL = raw */
	/* image models: the current x0 estimate, [width][width][3] RGB; NULL = none yet */
	const unsigned char *rgb;
	int width;
	size_t step, steps;       /* after DDIM step `step` of `steps` */
};

struct view_steer {
	const char *checkpoint;           /* name or path shown in the header */
	const char *mapping;              /* the preference -> target mapping in use */
	size_t n_objectives;
	const char *const *objectives;    /* names */
	const double *target_lo, *target_hi; /* range of each target for the marker; NULL = 0..1 */
	/* each objective's sample-bar scale, 0..1 of its offline lo..hi, as a span
	 * in the unit shown (z or raw): a score shows as many decimals as resolve
	 * 1/200 of it, so two scores the bar cannot tell apart still differ;
	 * NULL = unknown (2 decimals) */
	const double *bar_span;
	struct view_pref pref[2];         /* [0] = A (the only one outside compare) */
	int compare;                      /* 1 = two columns A | B */
	int side;                         /* side being edited: 0 = A, 1 = B */
	int focus;                        /* focused slider (objective index) */
	const char *prompt;
	int prompt_editing;               /* the app's readline owns the prompt line */
	size_t n_samples;                 /* per side */
	const struct view_sample *samples[2]; /* [side][n_samples] */
	int sample_focus;                 /* selected sample, -1 none */
	int scroll;                       /* first text row shown in the samples pane */
	/* generation parameters, shown on one line */
	unsigned long long seed;
	double temperature, top_p;
	int max_tokens;
	int generating;                   /* a generation is running */
	double tokens_per_s;              /* last measured; <= 0 unknown */
	int raw;                          /* targets and scores in raw units (else normalised z) */
	int images;                       /* an image model: samples are pictures (half blocks) */
	size_t ddim_steps;                /* image models: DDIM steps per request */
	double guidance;                  /* image models: classifier-free guidance */
	const char *iteration;            /* "online iteration 2 of 3": the checkpoint is that
	                                   * iteration's (stepped to with < >); NULL = none */
};

/* ---- Front ------------------------------------------------------------- */

enum view_series_kind {
	VIEW_SERIES_SAMPLES,      /* the Steer screen's samples */
	VIEW_SERIES_EVAL,         /* evaluation points of the loaded run */
	VIEW_SERIES_OFFLINE,
	VIEW_SERIES_ONLINE,       /* an online iteration */
	VIEW_SERIES_BASELINE,
	VIEW_SERIES_CURVE,        /* a response curve ric eval stored: mean +- SE per level */
	VIEW_SERIES_KIND_COUNT
};

struct view_point {
	double x, y;              /* NaN = not drawn */
	int on_front;             /* on the series' Pareto front (for the x/y axes) */
};

struct view_series {
	const char *name;
	enum view_series_kind kind;
	size_t n_points;
	const struct view_point *points;
	double hypervolume;       /* over the two axes shown; NaN = unknown */
	int hidden;               /* overlay switched off */
	double hypervolume_all;   /* over every objective, as stored; 0 or NaN = unknown */
	int colour;               /* 1 + its palette index, kept by the app for the run
	                           * whatever its place in the list; 0 = by position */
	int joined;               /* the points in order joined by lines (a curve) */
	const double *err;        /* per point: an error bar y +- err[i]; NULL = none */
	const char *note;         /* shown after the kind in the legend; NULL = none */
};

struct view_front {
	size_t n_objectives;
	const char *const *objectives;
	int x_axis, y_axis;               /* objective indexes */
	size_t n_series;
	const struct view_series *series;
	int cursor_series, cursor_point;  /* -1 = no cursor */
	const char *point_text;           /* selected point's response */
	const uint8_t *point_rgb;         /* its picture (image models), [side][side][3]; NULL = none */
	int point_side;
	const double *point_pref;         /* its preference (n_objectives); NULL = none */
	const char *point_info;           /* e.g. "run 12 step 400 prompt 7" */
	int live;                         /* an eval job is adding points */
	int raw;                          /* points in raw units (else normalised z) */
	int response;                     /* x = the weight of objective x_axis, y = its
	                                   * obtained score: how it follows its slider */
	int response_desired;             /* response: x = the desired score asked for, not
	                                   * the weight */
	const char *iteration;            /* "iteration 2 of 3 of on": the online iteration
	                                   * whose eval is shown; NULL = none */
};

/* The palette index (theme_series, plot series) of s, listed at `position`. */
int view_series_colour(const struct view_series *s, int position);

/* ---- Runs -------------------------------------------------------------- */

struct view_metric {
	const char *name;
	size_t n;
	const double *values;             /* in step order; the last is printed */
};

struct view_run_details {
	const char *title;                /* "run 12 sft done" */
	size_t n_params;
	const char *const *param_keys, *const *param_values;
	size_t n_metrics;
	const struct view_metric *metrics; /* loss curve and metrics: sparklines */
	size_t n_checkpoints;
	const char *const *checkpoints;
	const char *parent;               /* NULL = none */
	size_t n_children;
	const char *const *children;
	const char *tags;                 /* comma-separated; NULL = none */
	int scroll;                       /* first line shown (clamped to the last page) */
	/* The lineage as a tree (ui/tree lines, root first), in place of the
	 * parent and children lines; NULL = those lines. */
	size_t n_lineage;
	const char *const *lineage;
	int lineage_focus;                /* the line of this run */
};

struct view_runs {
	size_t n_columns;
	const char *const *columns;       /* headings */
	const int *widths;                /* per column; NULL or 0 = fit the contents */
	size_t n_rows;
	const char *const *cells;         /* n_rows * n_columns, row-major */
	const unsigned char *marked;      /* n_rows; NULL = none marked */
	int sort_column, sort_desc;       /* -1 = unsorted */
	const char *filter;               /* NULL or "" = none */
	int selected, scroll;             /* selected row; first row shown */
	const struct view_run_details *details; /* of the selected row; NULL = none */
	const struct chart *chart;        /* non-NULL: the details pane shows this chart */
};

/* The largest useful view_run_details.scroll for r laid out in L (0 when
 * the details fit). */
int view_runs_details_last(const struct layout *L, const struct view_runs *r);

/* ---- Jobs -------------------------------------------------------------- */

struct view_job {
	long long id;
	const char *stage;                /* "sft" */
	const char *state;                /* "running", "done", "failed", "cancelled" */
	const char *run;                  /* its run, NULL = none yet */
	double progress;                  /* 0..1; < 0 = unknown */
	double eta_s;                     /* < 0 = unknown */
	double tokens_per_s;              /* <= 0 = unknown */
	size_t n_loss;
	const double *loss;               /* loss history for the sparkline */
	const char *error;                /* NULL = none */
};

struct view_jobs {
	size_t n_jobs;
	const struct view_job *jobs;
	int selected, scroll;
	const char *log_title;            /* "job 3 log (/path)" */
	size_t n_log;
	const char *const *log;           /* tail lines of the selected job */
};

/* ---- The new-job form (over the Jobs screen) ----------------------------- */

struct view_form_row {
	const char *label;                /* "--dataset NAME" */
	const char *value;                /* "" = empty */
	const char *error;                /* NULL or "" = none */
	const char *help;                 /* shown under the form for the selected row */
	int required;                     /* marked '*' */
	int action;                       /* a row to press (add an option, start) */
};

struct view_form {
	const char *title;                /* "New job: sft" */
	size_t n_rows;
	const struct view_form_row *rows;
	int selected;
	const char *message;              /* what the last check said */
};

/* ---- Help -------------------------------------------------------------- */

struct view_help {
	int scroll;                       /* first line shown */
};

/* ---- The whole screen --------------------------------------------------- */

struct view {
	enum view_screen screen;
	const struct keys_map *keys;      /* for the hints bar and the help */
	const char *checkpoint;           /* header; NULL = none loaded */
	const char *status;               /* bottom line (unless cmdline) */
	int status_error;                 /* status is an error: highlighted */
	const char *confirm;              /* a yes/no question replaces the status */
	int cmdline;                      /* the app's readline owns the status line */
	int mouse;                        /* mouse on: shown in the header */
	int jobs_running;                 /* count shown on the Jobs tab */
	const struct view_steer *steer;
	const struct view_front *front;
	const struct view_runs *runs;
	const struct view_jobs *jobs;
	const struct view_help *help;
	const struct view_form *form;     /* open: drawn in place of the Jobs screen */
};

/* The layout_opts view_draw uses for v (slider count, compare mode). */
struct layout_opts view_layout_opts(const struct view *v);

/* Erase w and draw everything, or the "terminal too small" screen. */
void view_draw(WINDOW *w, const struct view *v);

/* The bodies, each into its panes of L (view_draw calls them). */
void view_steer_draw(WINDOW *w, const struct layout *L, const struct view_steer *s);
void view_front_draw(WINDOW *w, const struct layout *L, const struct view_front *f);
void view_runs_draw(WINDOW *w, const struct layout *L, const struct view_runs *r);
void view_jobs_draw(WINDOW *w, const struct layout *L, const struct view_jobs *j);
void view_form_draw(WINDOW *w, const struct layout *L, const struct view_form *f);
void view_help_draw(WINDOW *w, const struct layout *L, const struct keys_map *km,
                    const struct view_help *h);
void view_too_small_draw(WINDOW *w, int rows, int cols);

/* Steer scrolling: rows all samples of a side take in the samples pane, and
 * the row where sample k starts (to bring the focused sample into view). */
int view_steer_lines(const struct layout *L, const struct view_steer *s, int side);
int view_steer_sample_line(const struct layout *L, const struct view_steer *s, int side, int k);

/* Number of lines of the help text in a pane `width` columns wide (its
 * texts wrap; 0: unwrapped), to clamp view_help.scroll. */
int view_help_lines(const struct keys_map *km, int width);

/* ---- Mouse -------------------------------------------------------------- */

enum view_hit_kind {
	VIEW_HIT_NONE,
	VIEW_HIT_TAB,          /* index = enum view_screen */
	VIEW_HIT_SLIDER,       /* index = objective, side, value = weight under x (0..1) */
	VIEW_HIT_SAMPLE,       /* index = sample, side */
	VIEW_HIT_POINT,        /* series, index = point nearest the click */
	VIEW_HIT_ROW,          /* index = row of the Runs or Jobs table, or of the form */
	VIEW_HIT_PROMPT,
	VIEW_HIT_STATUS
};

struct view_hit {
	enum view_hit_kind kind;
	int index, side, series;
	double value;
};

/* What is under cell (y, x) of a rows x cols screen drawn from v. 1 when
 * something is, 0 otherwise (h->kind = VIEW_HIT_NONE). */
int view_hit(const struct view *v, int rows, int cols, int y, int x, struct view_hit *h);

/* The same for one screen's body laid out in L (view_hit calls them). */
int view_steer_hit(const struct layout *L, const struct view_steer *s, int y, int x, struct view_hit *h);
int view_front_hit(const struct layout *L, const struct view_front *f, int y, int x, struct view_hit *h);
int view_runs_hit(const struct layout *L, const struct view_runs *r, int y, int x, struct view_hit *h);
int view_jobs_hit(const struct layout *L, const struct view_jobs *j, int y, int x, struct view_hit *h);
/* The new-job form: VIEW_HIT_ROW, index = its row (0: the stage). */
int view_form_hit(const struct layout *L, const struct view_form *f, int y, int x, struct view_hit *h);

#endif
