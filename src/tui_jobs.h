/* tui_jobs: background jobs for the Jobs screen: the list with progress,
 * ETA, tokens per second, the loss history of each job's run and the tail of
 * its log; starting, cancelling and resuming them through `ric job`, so the
 * jobs are the same ones `ric job list` shows and outlive ric-tui.
 *
 *   struct tui_jobs js;
 *   tui_jobs_load(store, &js, &err);             // newest first, stale ones as failed
 *   ... js.v[i].state, js.v[i].step / js.v[i].total, js.v[i].loss[] ...
 *   char tail[4096]; tui_jobs_log_tail(js.v[i].log_path, 8, tail, sizeof tail);
 *   tui_jobs_free(&js);
 *
 *   char msg[256]; store_id id;
 *   const char *args[] = { "eval", "--model", "m", "--dataset", "toy", NULL };
 *   if (tui_jobs_start(store_file, args, &id, msg, sizeof msg) != 0) show(msg);
 *   pid_t p = tui_jobs_cancel(store_file, id);   // in the background: reap with tui_jobs_reap()
 *
 * The `ric` run is the one beside this executable (the build tree or the
 * install), else the first on PATH; RIC_BIN overrides both.
 */
#ifndef RIC_SRC_TUI_JOBS_H
#define RIC_SRC_TUI_JOBS_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "store/store.h"

#define TUI_JOBS_LOSS_MAX 120   /* loss values kept per job (the newest) */

struct tui_job {
	store_id id, run;
	char *cmd;                  /* "sft --base ... " (without "ric") */
	char *state;                /* as shown: a running job that is stale is failed */
	char *why;                  /* why it is shown failed, or NULL */
	char *error, *log_path;     /* may be NULL */
	int64_t pid, step, total, eta_ms;
	double tokens_per_s;
	int64_t created_ms, started_ms, finished_ms;
	size_t n_loss;
	double loss[TUI_JOBS_LOSS_MAX];
};

struct tui_jobs {
	size_t n;
	struct tui_job *v;
};

enum store_code tui_jobs_load(struct store *s, struct tui_jobs *out, struct store_err *err);
void tui_jobs_free(struct tui_jobs *js);

/* The last `lines` lines of the file into buf (NUL-terminated; carriage
 * returns of progress bars keep only the text after the last one on a line).
 * Returns 0, or -1 with a message in buf when the file cannot be read. */
int tui_jobs_log_tail(const char *path, int lines, char *buf, size_t cap);

/* The ric executable to run (static storage). */
const char *tui_jobs_ric(void);

/* Runs `ric --store STORE job start ARGS...` and waits for it (it returns as
 * soon as the stage is detached). 0 and *id, or -1 and ric's message in msg. */
int tui_jobs_start(const char *store_file, const char *const *args, store_id *id, char *msg,
                   size_t cap);
/* `ric job resume ID`, waited for likewise; with --allow-cmd only when the
 * user agreed to the job's command line (it may start a program). */
int tui_jobs_resume(const char *store_file, store_id id, int allow_cmd, char *msg, size_t cap);
/* `ric job cancel ID` in the background (it waits for the stage to
 * checkpoint); returns its pid, or -1 with errno set. */
pid_t tui_jobs_cancel(const char *store_file, store_id id);
/* `ric job options STAGE`: the stage's options as JSON text into out (0),
 * or ric's message (-1). */
int tui_jobs_options(const char *store_file, const char *stage, char *out, size_t cap);
/* Reaps finished background children; returns how many. */
int tui_jobs_reap(void);


#endif
