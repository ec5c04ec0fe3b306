/* tui_app_int: what the parts of tui_app (tui_app.c: checkpoint, sliders,
 * generation; tui_screens.c: Runs, Front and Jobs data; tui_exec.c: actions
 * and commands) share. Not for other modules. */
#ifndef RIC_SRC_TUI_APP_INT_H
#define RIC_SRC_TUI_APP_INT_H

#include "src/tui_app.h"

/* tui_app.c */
void tui_app_clear_samples(struct tui_app *a);
int tui_app_save_sample(struct tui_app *a);
int tui_app_export(struct tui_app *a, const char *path);
void tui_app_steer_action(struct tui_app *a, enum action act);
/* Uses the preference of a Front point for side A and goes to Steer. */
void tui_app_steer_with(struct tui_app *a, const double *pref, int n);

/* tui_screens.c */
void tui_screens_runs_reload(struct tui_app *a);
void tui_screens_runs_view(struct tui_app *a);
void tui_screens_detail(struct tui_app *a);
void tui_screens_jobs_reload(struct tui_app *a);
/* Reads the selected job's log tail. */
void tui_screens_log(struct tui_app *a);
void tui_screens_fronts_reload(struct tui_app *a);
int tui_screens_front_set(struct tui_app *a, const store_id *ids, size_t n);
void tui_screens_point_text(struct tui_app *a);
void tui_screens_front_action(struct tui_app *a, enum action act);
void tui_screens_runs_action(struct tui_app *a, enum action act);
void tui_screens_jobs_action(struct tui_app *a, enum action act);
void tui_screens_list_action(struct tui_app *a, enum action act);
/* Keeps the help's scroll between its first and last page. */
void tui_screens_help_clamp(struct tui_app *a);
int tui_screens_axes(struct tui_app *a, const char *x, const char *y);
void tui_screens_search(struct tui_app *a, const char *text);
void tui_screens_confirm(struct tui_app *a, int yes);
int tui_screens_job_start(struct tui_app *a, char *const *words, size_t n);
void tui_screens_job_cancel(struct tui_app *a, store_id id);
void tui_screens_job_resume(struct tui_app *a, store_id id);
int tui_screens_tag(struct tui_app *a, const char *tag);
/* The run selected on the Runs screen, or NULL. */
const struct tui_run *tui_screens_selected_run(const struct tui_app *a);
void tui_screens_free(struct tui_app *a);

#endif
