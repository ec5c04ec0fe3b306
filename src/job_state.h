/* job_state: what a job's state really is, for `ric job` and ric-tui alike.
 *
 *   const char *why;
 *   const char *shown = job_state_shown(&job, &why);   // "failed" when stale
 *   if (why) printf("%s (%s)\n", shown, why);
 *
 * A job the store calls running may have lost its process (killed with its
 * supervisor, machine rebooted) or stopped beating; both show as failed.
 */
#ifndef RIC_SRC_JOB_STATE_H
#define RIC_SRC_JOB_STATE_H

#include <stddef.h>
#include <stdint.h>

#include "store/store.h"

/* A running job is stale when its heartbeat is older than this. */
#define JOB_STATE_STALE_MS (10 * 60 * 1000)

/* queued or running */
int job_state_active(const char *state);
/* The process exists and is not a zombie. */
int job_state_pid_alive(int64_t pid);
/* The state to show; *why says why a running job shows as failed, else NULL. */
const char *job_state_shown(const struct store_job *j, const char **why);

/* The command line (stored as a JSON array) as one line of text. */
void job_state_argv_text(const char *json, char *buf, size_t cap);

#endif
