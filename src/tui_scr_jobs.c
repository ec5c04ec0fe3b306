/* tui_scr_jobs: the Jobs screen's logic: the job list and its log tail,
 * starting, cancelling and resuming jobs. Calls go down only: to the Runs
 * screen (a new job is filled from the selected run), the app core, the
 * store and `ric job`. */
#include "config.h"

#include "src/tui_app_int.h"
#include "src/job_state.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- Jobs --------------------------------------------------------------- */

/* The stage a new job most likely wants after the selected run. */
static const char *tui_scr_jobs_next_stage(const char *stage)
{
	if (!stage)
		return "sft";
	if (strcmp(stage, "import") == 0)
		return "relabel";
	if (strcmp(stage, "relabel") == 0 || strcmp(stage, "pretrain") == 0)
		return "sft";
	if (strcmp(stage, "eval") == 0)
		return "online";
	return "eval";
}


void tui_scr_jobs_log(struct tui_app *a)
{
	a->log[0] = '\0';
	if (a->jobs_sel >= 0 && (size_t)a->jobs_sel < a->jobs.n)
		tui_jobs_log_tail(a->jobs.v[a->jobs_sel].log_path, a->log_lines, a->log, sizeof a->log);
}

void tui_scr_jobs_reload(struct tui_app *a)
{
	if (!a->has_store)
		return;
	store_id keep = a->jobs_sel >= 0 && (size_t)a->jobs_sel < a->jobs.n ? a->jobs.v[a->jobs_sel].id : 0;
	struct tui_jobs js;
	struct store_err err;
	if (tui_jobs_load(a->store.s, &js, &err) != STORE_OK) {
		tui_app_error(a, "%s", err.msg);
		return;
	}
	tui_jobs_free(&a->jobs);
	a->jobs = js;
	a->jobs_sel = js.n ? 0 : -1;
	for (size_t i = 0; keep && i < js.n; i++)
		if (js.v[i].id == keep)
			a->jobs_sel = (int)i;
	tui_scr_jobs_log(a);
	a->dirty = 1;
}

static int tui_scr_jobs_store_file(struct tui_app *a, char *buf, size_t cap)
{
	/* The job runs in its own session from any folder: give it an absolute path. */
	char abs[PATH_MAX];
	if (realpath(a->store.path, abs))
		snprintf(buf, cap, "%s", abs);
	else
		snprintf(buf, cap, "%s", a->store.path);
	return 0;
}

int tui_scr_jobs_start(struct tui_app *a, char *const *words, size_t n)
{
	if (!a->has_store) {
		tui_app_error(a, "no store open");
		return -1;
	}
	const char *args[TUI_CMD_MAX_WORDS + 1];
	for (size_t i = 0; i < n && i < TUI_CMD_MAX_WORDS; i++)
		args[i] = words[i];
	args[n < TUI_CMD_MAX_WORDS ? n : TUI_CMD_MAX_WORDS] = NULL;
	char file[PATH_MAX], msg[512];
	tui_scr_jobs_store_file(a, file, sizeof file);
	store_id id;
	if (tui_jobs_start(file, args, &id, msg, sizeof msg) != 0) {
		tui_app_error(a, "%s", msg);
		return -1;
	}
	tui_app_say(a, "%s (ric job logs %lld)", msg, (long long)id);
	tui_store_touch(&a->store);
	tui_scr_jobs_reload(a);
	for (size_t i = 0; i < a->jobs.n; i++)
		if (a->jobs.v[i].id == id)
			a->jobs_sel = (int)i;
	a->screen = VIEW_JOBS;
	return 0;
}

void tui_scr_jobs_cancel(struct tui_app *a, store_id id)
{
	char file[PATH_MAX];
	tui_scr_jobs_store_file(a, file, sizeof file);
	if (tui_jobs_cancel(file, id) < 0)
		tui_app_error(a, "cannot run ric job cancel: %s", strerror(errno));
	else
		tui_app_say(a, "cancelling job %lld: it checkpoints and stops", (long long)id);
}

void tui_scr_jobs_resume_now(struct tui_app *a, store_id id, int allow_cmd)
{
	char file[PATH_MAX], msg[512];
	tui_scr_jobs_store_file(a, file, sizeof file);
	if (tui_jobs_resume(file, id, allow_cmd, msg, sizeof msg) != 0)
		tui_app_error(a, "%s", msg);
	else
		tui_app_say(a, "%s", msg);
	tui_scr_jobs_reload(a);
}

/* A job's command line comes from the store, which may be someone else's:
 * one that would start a program (a cmd: spec, --allow-cmd) is shown whole
 * and asked about before it runs again. */
void tui_scr_jobs_resume(struct tui_app *a, store_id id)
{
	tui_scr_jobs_reload(a);
	for (size_t i = 0; i < a->jobs.n; i++) {
		const struct tui_job *j = &a->jobs.v[i];
		if (j->id != id || !j->cmd || (!strstr(j->cmd, "--allow-cmd") && !strstr(j->cmd, "cmd:")))
			continue;
		a->confirm = TUI_CONFIRM_RESUME_JOB;
		a->confirm_id = id;
		snprintf(a->confirm_text, sizeof a->confirm_text,
		         "Resume job %lld? Its command line may start a program: ric %s -- y/n",
		         (long long)id, j->cmd);
		a->dirty = 1;
		return;
	}
	tui_scr_jobs_resume_now(a, id, 0);
}

void tui_scr_jobs_action(struct tui_app *a, enum action act)
{
	const struct tui_job *j = a->jobs_sel >= 0 && (size_t)a->jobs_sel < a->jobs.n
	                                  ? &a->jobs.v[a->jobs_sel]
	                                  : NULL;
	switch (act) {
	case ACTION_JOB_NEW: {
		/* The form: a command line filled from the run selected on the Runs screen. */
		const struct tui_run *r = tui_scr_runs_selected(a);
		tui_scr_runs_detail(a);
		char line[900];
		tui_jobs_prefill(tui_scr_jobs_next_stage(r ? r->stage : NULL),
		                 a->has_detail ? &a->detail : NULL, line, sizeof line);
		a->want_line = TUI_LINE_COMMAND;
		snprintf(a->line_init, sizeof a->line_init, "job %s", line);
		return;
	}
	case ACTION_JOB_CANCEL:
		if (!j || !job_state_active(j->state)) {
			tui_app_error(a, "select a running job to cancel");
			return;
		}
		a->confirm = TUI_CONFIRM_CANCEL_JOB;
		a->confirm_id = j->id;
		snprintf(a->confirm_text, sizeof a->confirm_text,
		         "Cancel job %lld (%s)? It checkpoints and stops. y/n", (long long)j->id, j->cmd);
		a->dirty = 1;
		return;
	case ACTION_JOB_RESUME:
		if (!j) {
			tui_app_error(a, "no job selected");
			return;
		}
		tui_scr_jobs_resume(a, j->id);
		return;
	case ACTION_JOB_LOG:
		a->log_lines = a->log_lines == 8 ? 40 : 8;
		tui_scr_jobs_log(a);
		a->dirty = 1;
		return;
	default:
		return;
	}
}

void tui_scr_jobs_free(struct tui_app *a)
{
	tui_jobs_free(&a->jobs);
}
