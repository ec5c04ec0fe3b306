/* job_state: whether the process behind a job or a run is still the one that
 * started it, for `ric job`, `ric runs`, `ric store check` and ric-tui alike.
 *
 *   const char *why;
 *   const char *shown = job_state_shown(&job, &why);   // "failed" when stale
 *   if (why) printf("%s (%s)\n", shown, why);
 *
 *   job_state_reap(store, NULL, NULL);   // dead runs and jobs marked failed
 *
 * A pid alone says little: the kernel hands it to another process after the
 * first one exits, and after a reboot anything may have it. So a process is
 * known by its identity, "BOOT_ID/PID_NAMESPACE:START_TICKS" (the boot and pid
 * namespace it lives in, and its start time, field 22 of /proc/PID/stat),
 * recorded when the work starts and compared before it is judged alive or
 * sent a signal.
 */
#ifndef RIC_SRC_JOB_STATE_H
#define RIC_SRC_JOB_STATE_H

#include <stddef.h>
#include <stdint.h>

#include "store/store.h"

/* A running job is stale when its heartbeat is older than this. */
#define JOB_STATE_STALE_MS (10 * 60 * 1000)
#define JOB_STATE_ID_MAX 64

/* queued or running */
int job_state_active(const char *state);
/* The process exists and is not a zombie. */
int job_state_pid_alive(int64_t pid);
/* The identity of a live process into buf: 0, or -1 when there is no such
 * process (or it is a zombie) or /proc cannot tell. */
int job_state_identity(int64_t pid, char *buf, size_t cap);
/* Tells the store which process this is (store_set_process). */
void job_state_register(struct store *s);

/* Whether the process recorded as (pid, identity, heartbeat) still does the
 * work: 1 yes, 0 no (*why says why), -1 cannot tell (nothing recorded).
 * A process of another boot (or machine) is judged by its heartbeat. */
int job_state_alive(int64_t pid, const char *identity, int64_t heartbeat_ms, const char **why);
/* The state to show; *why says why a running job shows as failed, else NULL. */
const char *job_state_shown(const struct store_job *j, const char **why);

/* Sends sig to pid only when it is still the process of that identity:
 * 0 sent; -1 refused or failed, with the reason in why. */
int job_state_signal(int64_t pid, const char *identity, int sig, char *why, size_t cap);

/* Marks every running run and job whose process is gone as failed, and
 * deletes the incomplete datasets of imports that are no longer running;
 * report (may be NULL) gets one line per run, job or dataset so treated.
 * Returns how many, or -1 when the store failed (err). */
typedef void (*job_state_report_fn)(void *ctx, const char *line);
int job_state_reap(struct store *s, job_state_report_fn report, void *ctx, struct store_err *err);

/* 0 when path is a regular file inside ric's jobs folder (where `ric job
 * start` writes logs); else -1 with the reason in why. */
int job_state_log_allowed(const char *path, char *why, size_t cap);

/* The command line (stored as a JSON array) as one line of text. */
void job_state_argv_text(const char *json, char *buf, size_t cap);

#endif
