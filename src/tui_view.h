/* tui_view: the view models of ui/view.h filled from the app state, for one
 * frame. The buffer owns every string and array the models point to.
 *
 *   struct tui_view tv;
 *   tui_view_build(app, &tv);
 *   view_draw(stdscr, &tv.v);
 *   tui_view_free(&tv);
 */
#ifndef RIC_SRC_TUI_VIEW_H
#define RIC_SRC_TUI_VIEW_H

#include "src/tui_app.h"
#include "ui/view.h"

struct tui_view {
	struct view v;
	struct view_steer steer;
	struct view_front front;
	struct view_runs runs;
	struct view_jobs jobs;
	struct view_help help;
	/* storage */
	struct view_sample samples[2][TUI_GEN_MAX_SAMPLES];
	double target[2][TUI_GEN_MAX_OBJ];           /* in the unit shown */
	double bar_span[TUI_GEN_MAX_OBJ];            /* lo..hi in the unit shown */
	double obtained[2][TUI_GEN_MAX_OBJ], obtained_se[2][TUI_GEN_MAX_OBJ];
	const struct view_sample *sample_rows[2];
	/* the fronts, their response curves (response view) and the samples */
	struct view_series series[2 * TUI_APP_MAX_FRONTS + 1];
	struct view_point *points[2 * TUI_APP_MAX_FRONTS + 1];
	char series_names[2 * TUI_APP_MAX_FRONTS + 1][96];
	double curve_err[TUI_APP_MAX_FRONTS][TUI_FRONT_LEVELS];
	char curve_notes[TUI_APP_MAX_FRONTS][64];
	char iteration[64], steer_iteration[64];
	char point_info[512];
	char **cells;                /* runs: n_rows * 6 strings */
	size_t n_cells;
	unsigned char *marked;
	struct view_run_details details;
	char title[256];
	const char **param_keys, **param_values;
	struct view_metric *metrics;
	char **ckpt_lines, **child_lines;
	char parent[160];
	char tags[512];
	char **lineage;              /* tree lines of the selected run's lineage */
	size_t n_lineage;
	struct chart chart;          /* Runs: the metric chart */
	struct chart_series chart_series[TUI_APP_CHART_MAX];
	double *chart_x[TUI_APP_CHART_MAX];
	char chart_title[192];
	struct view_job *job_rows;
	char **job_stage, **job_run;
	char log_title[256];
	char *log_copy;
	const char **log_lines;
	char status[600];
	struct view_form form;
	struct view_form_row form_rows[TUI_FORM_MAX + 3];
	char form_labels[TUI_FORM_MAX + 3][112];
	char form_title[96];
	char checkpoint[1200];       /* "A | B DIR" when side B is another adapter */
};

void tui_view_build(const struct tui_app *a, struct tui_view *tv);
void tui_view_free(struct tui_view *tv);

/* Frame pacing while samples stream: the first token of a request is drawn
 * at once (that is the latency a slider move shows), the rest at most every
 * TUI_VIEW_FRAME_MS, so drawing does not take the CPU the worker needs. */
#define TUI_VIEW_FRAME_MS 20
struct tui_frame {
	int64_t last_ms;          /* when the last frame was drawn */
	unsigned first_gen;       /* the request whose first token was drawn */
};
/* 0: draw now (and it is recorded as drawn at now_ms); else the ms to wait. */
int tui_view_due(const struct tui_app *a, struct tui_frame *f, int64_t now_ms);

#endif
