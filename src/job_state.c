#include "config.h"

#include "src/job_state.h"
#include "src/paths.h"

#include <errno.h>
#include <jansson.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

int job_state_active(const char *state)
{
	return strcmp(state, "running") == 0 || strcmp(state, "queued") == 0;
}

/* /proc/PID/stat into buf; a pointer just past the ")" that ends the command
 * name (which may hold spaces and parentheses), or NULL. */
static const char *job_state_stat(int64_t pid, char *buf, size_t cap)
{
	char path[64];
	snprintf(path, sizeof path, "/proc/%lld/stat", (long long)pid);
	FILE *f = fopen(path, "r");
	if (!f)
		return NULL;
	size_t n = fread(buf, 1, cap - 1, f);
	fclose(f);
	buf[n] = '\0';
	const char *close = strrchr(buf, ')');
	return close && close[1] == ' ' ? close + 2 : NULL;
}

/* A zombie counts as gone: its parent died and nobody has reaped it yet. */
int job_state_pid_alive(int64_t pid)
{
	if (pid <= 0 || (kill((pid_t)pid, 0) != 0 && errno != EPERM))
		return 0;
	char buf[1024];
	const char *rest = job_state_stat(pid, buf, sizeof buf);
	return !(rest && rest[0] == 'Z');
}

/* Where pids mean what they say: this boot, and this pid namespace (two
 * containers of one machine share the boot id, not their pids). */
static int job_state_where(char *buf, size_t cap)
{
	char boot[48], ns[64];
	FILE *f = fopen("/proc/sys/kernel/random/boot_id", "r");
	if (!f)
		return -1;
	int ok = fgets(boot, (int)sizeof boot, f) != NULL;
	fclose(f);
	boot[ok ? strcspn(boot, "\n") : 0] = '\0';
	ssize_t n = readlink("/proc/self/ns/pid", ns, sizeof ns - 1);
	ns[n > 0 ? n : 0] = '\0';
	if (!boot[0])
		return -1;
	/* "pid:[4026531836]" -> 4026531836 */
	const char *digits = ns + strcspn(ns, "0123456789");
	int w = snprintf(buf, cap, "%s/%.*s", boot, (int)strspn(digits, "0123456789"), digits);
	return w > 0 && (size_t)w < cap ? 0 : -1;
}

int job_state_identity(int64_t pid, char *buf, size_t cap)
{
	char stat[1024], where[JOB_STATE_ID_MAX];
	if (pid <= 0 || job_state_where(where, sizeof where) != 0)
		return -1;
	const char *p = job_state_stat(pid, stat, sizeof stat);
	if (!p || *p == 'Z' || *p == 'X')
		return -1;
	/* p is at field 3 (state); the start time is field 22. */
	for (int field = 3; field < 22; field++) {
		p = strchr(p, ' ');
		if (!p)
			return -1;
		p++;
	}
	char *end;
	unsigned long long ticks = strtoull(p, &end, 10);
	if (end == p)
		return -1;
	int n = snprintf(buf, cap, "%s:%llu", where, ticks);
	return n > 0 && (size_t)n < cap ? 0 : -1;
}

void job_state_register(struct store *s)
{
	char id[JOB_STATE_ID_MAX];
	int64_t pid = (int64_t)getpid();
	store_set_process(s, pid, job_state_identity(pid, id, sizeof id) == 0 ? id : NULL, NULL);
}

int job_state_alive(int64_t pid, const char *identity, int64_t heartbeat_ms, const char **why)
{
	static char text[160];
	*why = NULL;
	if (pid <= 0)
		return -1;
	if (!identity || !*identity) {
		/* Recorded by an older ric: the pid is all there is. */
		if (job_state_pid_alive(pid))
			return 1;
		snprintf(text, sizeof text, "its process (pid %lld) is gone", (long long)pid);
		*why = text;
		return 0;
	}
	char where[JOB_STATE_ID_MAX];
	const char *colon = strrchr(identity, ':');
	if (job_state_where(where, sizeof where) != 0 || !colon ||
	    strlen(where) != (size_t)(colon - identity) || strncmp(where, identity, strlen(where)) != 0) {
		/* Another boot, container or machine sharing the store: only the
		 * heartbeat can say. */
		if (store_now_ms() - heartbeat_ms <= JOB_STATE_STALE_MS)
			return 1;
		snprintf(text, sizeof text, "its process (pid %lld, of another boot, container or "
		         "machine) sent no heartbeat for 10 minutes", (long long)pid);
		*why = text;
		return 0;
	}
	char now[JOB_STATE_ID_MAX];
	if (job_state_identity(pid, now, sizeof now) != 0)
		snprintf(text, sizeof text, "its process (pid %lld) is gone", (long long)pid);
	else if (strcmp(now, identity) != 0)
		snprintf(text, sizeof text, "its process (pid %lld) is gone; that pid now belongs to "
		         "another process", (long long)pid);
	else
		return 1;
	*why = text;
	return 0;
}

const char *job_state_shown(const struct store_job *j, const char **why)
{
	*why = NULL;
	if (strcmp(j->state, "running") != 0)
		return j->state;
	const char *gone;
	if (job_state_alive(j->pid, j->proc_start, j->heartbeat_ms, &gone) == 0)
		*why = "stale: its process is gone";
	else if (store_now_ms() - j->heartbeat_ms > JOB_STATE_STALE_MS)
		*why = "stale: no heartbeat for 10 minutes";
	return *why ? "failed" : j->state;
}

int job_state_signal(int64_t pid, const char *identity, int sig, char *why, size_t cap)
{
	if (pid <= 0) {
		snprintf(why, cap, "no process recorded");
		return -1;
	}
	if (!identity || !*identity) {
		snprintf(why, cap, "pid %lld was recorded without its start time (by an older ric), so "
		         "it cannot be told from another process that got the same pid; not "
		         "signalling it", (long long)pid);
		return -1;
	}
	/* A pidfd pins the process: once it is checked, the signal cannot reach a
	 * newcomer that took the pid in between. */
	int fd = -1;
#ifdef SYS_pidfd_open
	fd = (int)syscall(SYS_pidfd_open, (pid_t)pid, 0);
#endif
	/* A heartbeat from the distant past: a process of another boot is never
	 * signalled, only one of this boot whose start time matches. */
	const char *dead;
	if (job_state_alive(pid, identity, INT64_MIN / 2, &dead) != 1) {
		snprintf(why, cap, "%s; not signalling pid %lld", dead ? dead : "its process is gone",
		         (long long)pid);
		if (fd >= 0)
			close(fd);
		return -1;
	}
	int rc;
#ifdef SYS_pidfd_send_signal
	if (fd >= 0) {
		rc = (int)syscall(SYS_pidfd_send_signal, fd, sig, NULL, 0);
		close(fd);
	} else
#endif
	{
		if (fd >= 0)
			close(fd);
		rc = kill((pid_t)pid, sig);
	}
	if (rc != 0) {
		snprintf(why, cap, "signal to pid %lld: %s", (long long)pid, strerror(errno));
		return -1;
	}
	return 0;
}

/* ---- reaping --------------------------------------------------------------- */

struct job_state_dead {
	store_id id, run;
	char why[200];
};

struct job_state_sweep {
	struct job_state_dead *v;
	size_t n, cap;
	int nomem;
};

static void job_state_note(struct job_state_sweep *w, store_id id, store_id run, const char *why)
{
	if (w->n == w->cap) {
		size_t cap = w->cap ? 2 * w->cap : 8;
		struct job_state_dead *v = realloc(w->v, cap * sizeof *v);
		if (!v) {
			w->nomem = 1;
			return;
		}
		w->v = v;
		w->cap = cap;
	}
	struct job_state_dead *d = &w->v[w->n++];
	d->id = id;
	d->run = run;
	snprintf(d->why, sizeof d->why, "%s", why);
}

static int job_state_run_seen(void *ctx, const struct store_run *r)
{
	const char *why;
	if (job_state_alive(r->pid, r->proc_start, r->heartbeat_ms, &why) == 0)
		job_state_note(ctx, r->id, r->id, why);
	return 0;
}

static int job_state_job_seen(void *ctx, const struct store_job *j)
{
	const char *why;
	if (job_state_alive(j->pid, j->proc_start, j->heartbeat_ms, &why) == 0)
		job_state_note(ctx, j->id, j->run, why);
	return 0;
}

/* "run 7: running, but WHY: marked failed" */
static void job_state_say(job_state_report_fn report, void *ctx, const char *what,
                          long long id, const char *why)
{
	char line[320];
	if (!report)
		return;
	snprintf(line, sizeof line, "%s %lld: running, but %s: marked failed", what, id, why);
	report(ctx, line);
}

struct job_state_said {
	job_state_report_fn report;
	void *ctx;
	int n;
};

static int job_state_dropped(void *ctx, const struct store_dataset *d)
{
	struct job_state_said *said = ctx;
	char line[400];
	said->n++;
	snprintf(line, sizeof line, "dataset %lld (%s): incomplete, its import (run %lld) ended "
	         "without finishing it: removed", (long long)d->id, d->name, (long long)d->run);
	if (said->report)
		said->report(said->ctx, line);
	return 0;
}

int job_state_reap(struct store *s, job_state_report_fn report, void *ctx, struct store_err *err)
{
	/* Gathered first, written after: no write while a walk is open. */
	struct job_state_sweep runs = { 0 }, jobs = { 0 };
	struct store_run_filter f = { .status = "running" };
	int n = 0;
	if (store_runs_each(s, &f, job_state_run_seen, &runs, err) != STORE_OK ||
	    store_jobs_each(s, "running", job_state_job_seen, &jobs, err) != STORE_OK)
		n = -1;
	if (n == 0 && (runs.nomem || jobs.nomem)) {
		if (err)
		{
			err->code = STORE_EINTERNAL;
			snprintf(err->msg, sizeof err->msg, "out of memory");
		}
		n = -1;
	}
	for (size_t i = 0; n >= 0 && i < jobs.n; i++) {
		char msg[240];
		snprintf(msg, sizeof msg, "stale: %s", jobs.v[i].why);
		if (store_job_set_state(s, jobs.v[i].id, "failed", msg, err) != STORE_OK) {
			n = -1;
			break;
		}
		n++;
		job_state_say(report, ctx, "job",
		              (long long)jobs.v[i].id, jobs.v[i].why);
		/* The job's run is done by the same process. */
		if (jobs.v[i].run > 0)
			job_state_note(&runs, jobs.v[i].run, jobs.v[i].run, jobs.v[i].why);
	}
	for (size_t i = 0; n >= 0 && i < runs.n; i++) {
		char msg[240];
		int changed = 0;
		snprintf(msg, sizeof msg, "stale: %s", runs.v[i].why);
		if (store_run_fail_dead(s, runs.v[i].id, msg, &changed, err) != STORE_OK) {
			n = -1;
			break;
		}
		if (changed) {
			n++;
			job_state_say(report, ctx, "run",
			              (long long)runs.v[i].id, runs.v[i].why);
		}
	}
	free(runs.v);
	free(jobs.v);
	/* An import that could not remove its own rows (the disk still full)
	 * leaves an incomplete dataset: never shown, never usable; it goes. */
	struct job_state_said said = { report, ctx, 0 };
	if (n >= 0 && store_datasets_drop_unfinished(s, job_state_dropped, &said, err) != STORE_OK)
		n = -1;
	return n < 0 ? n : n + said.n;
}

/* ---- logs ------------------------------------------------------------------ */

int job_state_log_allowed(const char *path, char *why, size_t cap)
{
	if (!path || !*path) {
		snprintf(why, cap, "no log recorded");
		return -1;
	}
	char *dir = paths_state_file("jobs");
	char real_dir[PATH_MAX], real[PATH_MAX];
	int ok = dir && realpath(dir, real_dir) && realpath(path, real);
	if (!ok) {
		snprintf(why, cap, "cannot read its log %s: %s", path, strerror(errno));
		free(dir);
		return -1;
	}
	size_t n = strlen(real_dir);
	struct stat sb;
	/* Only a log `ric job start` could have made: a store row naming any
	 * other file (its own, or /etc/shadow) is not read out. */
	if (strncmp(real, real_dir, n) != 0 || real[n] != '/' || strchr(real + n + 1, '/') ||
	    stat(real, &sb) != 0 || !S_ISREG(sb.st_mode)) {
		snprintf(why, cap, "its log path %s is not a file in ric's jobs folder %s; not "
		         "reading it", path, dir);
		free(dir);
		return -1;
	}
	free(dir);
	return 0;
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
