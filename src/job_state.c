#include "config.h"

#include "src/job_state.h"

#include <errno.h>
#include <jansson.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

int job_state_active(const char *state)
{
	return strcmp(state, "running") == 0 || strcmp(state, "queued") == 0;
}

/* A zombie counts as gone: its parent died and nobody has reaped it yet. */
int job_state_pid_alive(int64_t pid)
{
	if (pid <= 0 || (kill((pid_t)pid, 0) != 0 && errno != EPERM))
		return 0;
	char path[64], buf[512];
	snprintf(path, sizeof path, "/proc/%lld/stat", (long long)pid);
	FILE *f = fopen(path, "r");
	if (!f)
		return 1;
	size_t n = fread(buf, 1, sizeof buf - 1, f);
	fclose(f);
	buf[n] = '\0';
	const char *close = strrchr(buf, ')');
	return !(close && close[1] == ' ' && close[2] == 'Z');
}

const char *job_state_shown(const struct store_job *j, const char **why)
{
	*why = NULL;
	if (strcmp(j->state, "running") != 0)
		return j->state;
	if (!job_state_pid_alive(j->pid))
		*why = "stale: its process is gone";
	else if (store_now_ms() - j->heartbeat_ms > JOB_STATE_STALE_MS)
		*why = "stale: no heartbeat for 10 minutes";
	return *why ? "failed" : j->state;
}

void job_state_argv_text(const char *json, char *buf, size_t cap)
{
	json_error_t je;
	json_t *a = json_loads(json, 0, &je);
	size_t used = 0;
	buf[0] = '\0';
	if (!json_is_array(a)) {
		snprintf(buf, cap, "%s", json);
	} else {
		size_t i;
		json_t *v;
		json_array_foreach(a, i, v) {
			if (used < cap)
				used += (size_t)snprintf(buf + used, cap - used, "%s%s", i ? " " : "",
				                         json_string_value(v) ? json_string_value(v) : "?");
		}
	}
	json_decref(a);
}
