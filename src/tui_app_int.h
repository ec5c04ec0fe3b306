/* tui_app_int: what the parts of tui_app share; not for other modules.
 *
 * Calls go one way, top to bottom, never back up:
 *   tui_exec.c       actions, `:` commands, questions, ticks, mouse, free:
 *                    picks the screen and calls into it
 *   tui_scr_jobs.c   the Jobs screen (uses the Runs screen's selection)
 *   tui_scr_runs.c   the Runs screen (Compare shows fronts on Front)
 *   tui_scr_front.c  the Front screen (Enter steers with a point)
 *   tui_scr_steer.c  the Steer screen
 *   tui_app.c        the core: state, status line, checkpoint, generation
 * as ui/view_*.c draw one screen each. */
#ifndef RIC_SRC_TUI_APP_INT_H
#define RIC_SRC_TUI_APP_INT_H

#include "src/tui_app.h"

/* tui_app.c */
void tui_app_clear_samples(struct tui_app *a);

/* tui_scr_steer.c */
void tui_scr_steer_action(struct tui_app *a, enum action act);
int tui_scr_steer_save(struct tui_app *a);
int tui_scr_steer_export(struct tui_app *a, const char *path);
/* Uses the preference of a Front point for side A and goes to Steer. */
void tui_scr_steer_with(struct tui_app *a, const double *pref, int n);

/* tui_scr_front.c */
void tui_scr_front_reload(struct tui_app *a);
int tui_scr_front_set(struct tui_app *a, const store_id *ids, size_t n);
void tui_scr_front_point_text(struct tui_app *a);
void tui_scr_front_action(struct tui_app *a, enum action act);
int tui_scr_front_axes(struct tui_app *a, const char *x, const char *y);
void tui_scr_front_free(struct tui_app *a);
/* The next (dir 1) or previous (-1) iteration of an online run with
 * per-iteration evals: on Front its eval's front replaces the shown one,
 * on Steer (steer 1) its checkpoint is loaded with the sliders kept. The
 * online run: the one stepped last, the shown fronts', else hint's (the
 * run selected on Runs). */
void tui_scr_front_iteration(struct tui_app *a, int dir, int steer, store_id hint);

/* tui_scr_runs.c */
void tui_scr_runs_reload(struct tui_app *a);
void tui_scr_runs_view(struct tui_app *a);
void tui_scr_runs_detail(struct tui_app *a);
void tui_scr_runs_action(struct tui_app *a, enum action act);
void tui_scr_runs_search(struct tui_app *a, const char *text);
/* The next (dir 1) or previous (-1) run matching text from row `from`,
 * that row itself first unless skip. */
void tui_scr_runs_find(struct tui_app *a, const char *text, int from, int dir, int skip);
/* The filter or search line as typed so far (done 0), or cancelled (done
 * -1: the filter and selection from before the line come back). */
void tui_scr_runs_live(struct tui_app *a, const char *text, int done);
int tui_scr_runs_tag(struct tui_app *a, const char *tag);
/* The run selected on the Runs screen, or NULL. */
const struct tui_run *tui_scr_runs_selected(const struct tui_app *a);
void tui_scr_runs_free(struct tui_app *a);

/* tui_scr_jobs.c */
void tui_scr_jobs_reload(struct tui_app *a);
/* Reads the selected job's log tail. */
void tui_scr_jobs_log(struct tui_app *a);
void tui_scr_jobs_action(struct tui_app *a, enum action act);
int tui_scr_jobs_start(struct tui_app *a, char *const *words, size_t n);
void tui_scr_jobs_cancel(struct tui_app *a, store_id id);
/* Resumes after the question about its command line (or without one). */
void tui_scr_jobs_resume(struct tui_app *a, store_id id);
void tui_scr_jobs_resume_now(struct tui_app *a, store_id id, int allow_cmd);
void tui_scr_jobs_free(struct tui_app *a);
/* The new-job form: its keys, and a field's typed value. */
void tui_scr_jobs_form_action(struct tui_app *a, enum action act);
void tui_scr_jobs_form_field(struct tui_app *a, const char *text);
/* What the form's checks ask the store. */
struct tui_form_env tui_scr_jobs_form_env(struct tui_app *a);

#endif
