/* tui_scr_jobs: the Jobs screen's logic: the job list and its log tail,
 * starting, cancelling and resuming jobs. Calls go down only: to the Runs
 * screen (a new job is filled from the selected run), the app core, the
 * store and `ric job`. */
#include "config.h"

#include "src/tui_app_int.h"
#include "src/job_state.h"
#include "src/tui_form.h"

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

/* ---- the new-job form ---------------------------------------------------- */

static int tui_scr_jobs_dataset_exists(void *ctx, const char *name)
{
	struct tui_app *a = ctx;
	store_id id;
	return a->has_store && store_dataset_find(a->store.s, name, &id, NULL) == STORE_OK;
}

/* A run named `name` (or "#ID") with a policy checkpoint: its folder. */
static const char *tui_scr_jobs_run_policy(void *ctx, const char *name)
{
	struct tui_app *a = ctx;
	store_id id;
	if (!a->has_store || store_run_resolve(a->store.s, name, &id, NULL) != STORE_OK)
		return NULL;
	struct tui_run_detail d;
	struct store_err err;
	if (tui_run_detail_load(a->store.s, id, &d, &err) != STORE_OK)
		return NULL;
	const char *dir = tui_run_detail_policy(&d);
	if (dir)
		snprintf(a->form_policy, sizeof a->form_policy, "%s", dir);
	tui_run_detail_free(&d);
	return dir ? a->form_policy : NULL;
}

struct tui_form_env tui_scr_jobs_form_env(struct tui_app *a)
{
	return (struct tui_form_env){ a, tui_scr_jobs_dataset_exists, tui_scr_jobs_run_policy };
}

/* Opens the form of `stage` (its fields from `ric job options`), filled
 * from the selected run's details when prefill. */
static int tui_scr_jobs_form_open(struct tui_app *a, const char *stage, int prefill)
{
	if (!a->has_store) {
		tui_app_error(a, "no store open");
		return -1;
	}
	char file[PATH_MAX], err[256];
	static char json[65536];
	tui_scr_jobs_store_file(a, file, sizeof file);
	struct tui_form *f = malloc(sizeof *f);
	if (!f) {
		tui_app_error(a, "out of memory");
		return -1;
	}
	int known = 0;
	for (size_t i = 0; tui_form_stages[i]; i++)
		known |= strcmp(stage, tui_form_stages[i]) == 0;
	if (!known) {
		tui_app_error(a, "no stage '%s' runs as a job: sft, eval, online, relabel, rm-train, pretrain",
		              stage);
		free(f);
		return -1;
	}
	if (tui_jobs_options(file, stage, json, sizeof json) != 0 ||
	    tui_form_load(f, stage, json, err, sizeof err) != 0) {
		/* ric's first line says why (the usage follows it) */
		const char *why = json[0] ? json : err;
		tui_app_error(a, "cannot build the %s form: %.*s", stage, (int)strcspn(why, "\n"), why);
		free(f);
		return -1;
	}
	/* Another stage keeps the folder and dataset typed for the last one. */
	if (prefill && a->form)
		for (size_t i = 0; i < a->form->n; i++)
			if (a->form->f[i].opt && a->form->f[i].value[0])
				tui_form_prefill(f, a->form->f[i].kind == TUI_FORM_FOLDER ? a->form->f[i].value : NULL,
				                 a->form->f[i].kind == TUI_FORM_DATASET ? a->form->f[i].value : NULL);
	if (prefill && a->has_detail)
		tui_form_prefill(f, tui_run_detail_policy(&a->detail),
		                 tui_run_detail_param(&a->detail, "dataset"));
	snprintf(f->message, sizeof f->message, "%s: %s", stage,
	         "Enter edits a field, + adds an option, s checks and starts, Esc closes");
	free(a->form);
	a->form = f;
	a->screen = VIEW_JOBS;
	a->dirty = 1;
	return 0;
}

/* A line for the selected row: its value to edit (Tab completes). */
static void tui_scr_jobs_form_edit(struct tui_app *a)
{
	struct tui_form *f = a->form;
	int n = (int)f->n;
	a->line_init[0] = '\0';
	if (f->sel == 0) {
		a->form_field = TUI_FORM_STAGE;
		snprintf(a->line_word, sizeof a->line_word, "stage");
		snprintf(a->line_init, sizeof a->line_init, "%s", f->stage);
	} else if (f->sel <= n) {
		struct tui_form_field *x = &f->f[f->sel - 1];
		if (x->kind == TUI_FORM_FLAG) {
			tui_app_say(a, "--%s takes no value: d removes it", x->opt->name);
			return;
		}
		a->form_field = f->sel - 1;
		snprintf(a->line_word, sizeof a->line_word, "%.13s", x->opt ? x->opt->name : "files");
		snprintf(a->line_init, sizeof a->line_init, "%s", x->value);
	} else if (f->sel == n + 1) {
		a->form_field = TUI_FORM_ADD;
		snprintf(a->line_word, sizeof a->line_word, "add option");
	} else {
		tui_scr_jobs_form_action(a, ACTION_FORM_START);
		return;
	}
	a->want_line = TUI_LINE_FIELD;
}

void tui_scr_jobs_form_field(struct tui_app *a, const char *text)
{
	struct tui_form *f = a->form;
	if (!f || !text)
		return;
	char err[256], value[1024];
	/* Blanks around it are not part of it (readline adds one after a completion). */
	while (*text == ' ')
		text++;
	snprintf(value, sizeof value, "%s", text);
	for (size_t n = strlen(value); n > 0 && value[n - 1] == ' ';)
		value[--n] = '\0';
	text = value;
	if (a->form_field == TUI_FORM_STAGE) {
		if (*text && strcmp(text, f->stage) != 0)
			tui_scr_jobs_form_open(a, text, 1);
	} else if (a->form_field == TUI_FORM_ADD) {
		if (*text && tui_form_add(f, text, err, sizeof err) != 0)
			tui_app_error(a, "%s", err);
		else if (*text)
			tui_scr_jobs_form_edit(a); /* straight on to its value */
	} else if (a->form_field >= 0 && (size_t)a->form_field < f->n) {
		tui_form_set(f, (size_t)a->form_field, text);
		/* Checked at once, so a bad folder or dataset says so by its field. */
		struct tui_form_env env = tui_scr_jobs_form_env(a);
		if (tui_form_check_field(f, (size_t)a->form_field, &env) == 0)
			f->sel = a->form_field + 2; /* on to the next row */
		else
			f->sel = a->form_field + 1;
	}
	a->dirty = 1;
}

void tui_scr_jobs_form_action(struct tui_app *a, enum action act)
{
	struct tui_form *f = a->form;
	if (!f) {
		tui_app_error(a, "no form open: n on Jobs opens one");
		return;
	}
	int rows = (int)f->n + 3;
	struct tui_form_env env = tui_scr_jobs_form_env(a);
	char line[2048];
	switch (act) {
	case ACTION_FORM_NEXT: f->sel = (f->sel + 1) % rows; break;
	case ACTION_FORM_PREV: f->sel = (f->sel + rows - 1) % rows; break;
	case ACTION_FORM_EDIT: tui_scr_jobs_form_edit(a); break;
	case ACTION_FORM_ADD:
		f->sel = (int)f->n + 1;
		tui_scr_jobs_form_edit(a);
		break;
	case ACTION_FORM_REMOVE:
		if (f->sel < 1 || f->sel > (int)f->n || tui_form_remove(f, (size_t)f->sel - 1) != 0)
			tui_app_error(a, "only an added option can be removed");
		break;
	case ACTION_FORM_START: {
		if (tui_form_check(f, &env) != 0) {
			tui_app_error(a, "%s", f->message);
			break;
		}
		char *words[TUI_FORM_WORDS];
		size_t n = tui_form_words(f, &env, words, TUI_FORM_WORDS);
		int rc = tui_scr_jobs_start(a, words, n);
		for (size_t i = 0; i < n; i++)
			free(words[i]);
		if (rc == 0) {
			free(a->form);
			a->form = NULL;
		} else {
			snprintf(f->message, sizeof f->message, "%.250s", a->status);
		}
		break;
	}
	case ACTION_FORM_EXPERT:
		/* The same job as a :job line, for what the form does not offer. */
		tui_form_line(f, &env, line, sizeof line);
		a->want_line = TUI_LINE_COMMAND;
		snprintf(a->line_init, sizeof a->line_init, "job %.1010s", line);
		free(a->form);
		a->form = NULL;
		break;
	case ACTION_FORM_CLOSE:
		free(a->form);
		a->form = NULL;
		tui_app_say(a, "no job started");
		break;
	default: break;
	}
	a->dirty = 1;
}

void tui_scr_jobs_action(struct tui_app *a, enum action act)
{
	const struct tui_job *j = a->jobs_sel >= 0 && (size_t)a->jobs_sel < a->jobs.n
	                                  ? &a->jobs.v[a->jobs_sel]
	                                  : NULL;
	switch (act) {
	case ACTION_JOB_NEW: {
		/* The form of the stage most likely next, filled from the run
		 * selected on the Runs screen. */
		const struct tui_run *r = tui_scr_runs_selected(a);
		tui_scr_runs_detail(a);
		tui_scr_jobs_form_open(a, tui_scr_jobs_next_stage(r ? r->stage : NULL), 1);
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
	free(a->form);
	a->form = NULL;
}
