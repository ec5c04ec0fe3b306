#include "config.h"

#include "src/tui_jobs.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "src/paths.h"
#include "src/job_state.h"
#include "src/tui_runs.h"

static char *tui_jobs_dup(const char *s) { return s ? strdup(s) : NULL; }

struct tui_jobs_grow {
	struct tui_job *v;
	size_t n, cap;
};

static int tui_jobs_add(void *ctx, const struct store_job *j)
{
	struct tui_jobs_grow *g = ctx;
	if (g->n == g->cap) {
		size_t cap = g->cap ? 2 * g->cap : 16;
		struct tui_job *v = realloc(g->v, cap * sizeof *v);
		if (!v)
			return 1;
		g->v = v;
		g->cap = cap;
	}
	struct tui_job *d = &g->v[g->n++];
	memset(d, 0, sizeof *d);
	d->id = j->id;
	d->run = j->run;
	d->pid = j->pid;
	d->step = j->step;
	d->total = j->total;
	d->eta_ms = j->eta_ms;
	d->tokens_per_s = j->tokens_per_s;
	d->created_ms = j->created_ms;
	d->started_ms = j->started_ms;
	d->finished_ms = j->finished_ms;
	const char *why;
	d->state = tui_jobs_dup(job_state_shown(j, &why));
	d->why = tui_jobs_dup(why);
	d->error = tui_jobs_dup(j->error);
	d->log_path = tui_jobs_dup(j->log_path);
	char cmd[2048];
	job_state_argv_text(j->argv, cmd, sizeof cmd);
	d->cmd = strdup(cmd);
	return 0;
}

struct tui_jobs_loss {
	struct tui_job *j;
};

static int tui_jobs_loss_add(void *ctx, const struct store_metric *m)
{
	struct tui_job *j = ctx;
	if (j->n_loss == TUI_JOBS_LOSS_MAX) {
		memmove(j->loss, j->loss + 1, (TUI_JOBS_LOSS_MAX - 1) * sizeof *j->loss);
		j->n_loss--;
	}
	j->loss[j->n_loss++] = m->value;
	return 0;
}

enum store_code tui_jobs_load(struct store *s, struct tui_jobs *out, struct store_err *err)
{
	struct tui_jobs_grow g = { 0 };
	job_state_reap(s, NULL, NULL, NULL);
	enum store_code rc = store_jobs_each(s, NULL, tui_jobs_add, &g, err);
	for (size_t i = 0; rc == STORE_OK && i < g.n; i++)
		if (g.v[i].run > 0)
			rc = store_metric_series_each(s, g.v[i].run, "loss", tui_jobs_loss_add, &g.v[i],
			                              err);
	out->v = g.v;
	out->n = g.n;
	if (rc != STORE_OK)
		tui_jobs_free(out);
	return rc;
}

void tui_jobs_free(struct tui_jobs *js)
{
	for (size_t i = 0; i < js->n; i++) {
		free(js->v[i].cmd);
		free(js->v[i].state);
		free(js->v[i].why);
		free(js->v[i].error);
		free(js->v[i].log_path);
	}
	free(js->v);
	memset(js, 0, sizeof *js);
}

int tui_jobs_log_tail(const char *path, int lines, char *buf, size_t cap)
{
	buf[0] = '\0';
	if (job_state_log_allowed(path, buf, cap) != 0)
		return -1;
	FILE *f = fopen(path, "r");
	if (!f) {
		snprintf(buf, cap, "cannot read the log %s: %s", path ? path : "(none)",
		         strerror(path ? errno : ENOENT));
		return -1;
	}
	/* The tail of a long log is in its last few kilobytes. */
	long want = (long)cap * 4 > 65536 ? 65536 : (long)cap * 4;
	fseek(f, 0, SEEK_END);
	long size = ftell(f);
	fseek(f, size > want ? size - want : 0, SEEK_SET);
	char *raw = malloc((size_t)want + 1);
	size_t n = raw ? fread(raw, 1, (size_t)want, f) : 0;
	fclose(f);
	if (!raw)
		return -1;
	raw[n] = '\0';
	/* A progress bar rewrites its line with \r: keep what it shows last. */
	char *clean = malloc(n + 1);
	size_t m = 0, line_start = 0;
	for (size_t i = 0; clean && i < n; i++) {
		if (raw[i] == '\r') {
			if (raw[i + 1] != '\n')
				m = line_start;
			continue;
		}
		clean[m++] = raw[i];
		if (raw[i] == '\n')
			line_start = m;
	}
	if (!clean) {
		free(raw);
		return -1;
	}
	while (m > 0 && clean[m - 1] == '\n')
		m--;
	clean[m] = '\0';
	size_t start = m;
	for (int k = 0; k < lines && start > 0;) {
		start--;
		if (clean[start] == '\n' && ++k == lines) {
			start++;
			break;
		}
	}
	snprintf(buf, cap, "%s", clean + start);
	free(clean);
	free(raw);
	return 0;
}

const char *tui_jobs_ric(void)
{
	static char path[PATH_MAX];
	const char *env = getenv("RIC_BIN");
	if (env && *env)
		return env;
	if (!path[0]) {
		char exe[PATH_MAX - 8];
		if (paths_self_exe(exe, sizeof exe) == 0) {
			char *slash = strrchr(exe, '/');
			if (slash) {
				*slash = '\0';
				snprintf(path, sizeof path, "%s/ric", exe);
			}
		}
		if (!path[0] || access(path, X_OK) != 0)
			snprintf(path, sizeof path, "ric");
	}
	return path;
}

/* ric --store STORE ARGS..., stdout and stderr into out (trimmed), waited for. */
static int tui_jobs_run(const char *store_file, const char *const *args, char *out, size_t cap)
{
	/* execvp's argv is char *const[]: the strings are not written to. */
	char *av[64];
	size_t k = 0;
	const char *fixed[] = { tui_jobs_ric(), "--store", store_file };
	for (size_t i = 0; i < 3; i++)
		memcpy(&av[k++], &fixed[i], sizeof av[0]);
	for (size_t i = 0; args[i] && k < 63; i++)
		memcpy(&av[k++], &args[i], sizeof av[0]);
	av[k] = NULL;
	int fd[2];
	out[0] = '\0';
	if (pipe(fd) != 0) {
		snprintf(out, cap, "pipe: %s", strerror(errno));
		return -1;
	}
	pid_t pid = fork();
	if (pid < 0) {
		snprintf(out, cap, "fork: %s", strerror(errno));
		close(fd[0]);
		close(fd[1]);
		return -1;
	}
	if (pid == 0) {
		int nul = open("/dev/null", O_RDONLY);
		if (nul >= 0)
			dup2(nul, STDIN_FILENO);
		dup2(fd[1], STDOUT_FILENO);
		dup2(fd[1], STDERR_FILENO);
		close(fd[0]);
		close(fd[1]);
		execvp(av[0], av);
		fprintf(stderr, "cannot run %s: %s", av[0], strerror(errno));
		_exit(127);
	}
	close(fd[1]);
	size_t used = 0;
	char tmp[512];
	ssize_t r;
	/* The detached stage keeps no copy of this pipe (its output goes to the
	 * log), so end of file comes when `ric job` itself exits. */
	while ((r = read(fd[0], tmp, sizeof tmp)) != 0) {
		if (r < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		size_t take = (size_t)r < cap - 1 - used ? (size_t)r : cap - 1 - used;
		memcpy(out + used, tmp, take);
		used += take;
	}
	out[used] = '\0';
	close(fd[0]);
	int status = 0;
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	while (used > 0 && (out[used - 1] == '\n' || out[used - 1] == ' '))
		out[--used] = '\0';
	return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -1;
}

/* What ric said went wrong: its first "ric: ..." or "ric job: ..." line
 * without the prefix (a usage error's synopsis follows it), else its last line. */
int tui_jobs_options(const char *store_file, const char *stage, char *out, size_t cap)
{
	const char *args[] = { "job", "options", stage, NULL };
	return tui_jobs_run(store_file, args, out, cap);
}

static void tui_jobs_message(const char *text, char *msg, size_t cap)
{
	const char *last = text;
	for (const char *line = text; *line;) {
		size_t len = strcspn(line, "\n");
		const char *colon = memchr(line, ':', len);
		if (strncmp(line, "ric", 3) == 0 && colon && colon[1] == ' ' &&
		    strspn(line + 3, " abcdefghijklmnopqrstuvwxyz-") == (size_t)(colon - line - 3)) {
			snprintf(msg, cap, "%.*s", (int)(len - (size_t)(colon + 2 - line)), colon + 2);
			return;
		}
		if (len > 0)
			last = line;
		line += len + (line[len] == '\n');
	}
	snprintf(msg, cap, "%.*s", (int)strcspn(last, "\n"), last);
}

int tui_jobs_start(const char *store_file, const char *const *args, store_id *id, char *msg,
                   size_t cap)
{
	const char *av[64] = { "job", "start" };
	size_t k = 2;
	for (size_t i = 0; args[i] && k < 63; i++)
		av[k++] = args[i];
	av[k] = NULL;
	char out[4096];
	int rc = tui_jobs_run(store_file, av, out, sizeof out);
	/* stdout: the id on a line of its own; stderr: "ric job: job N, log PATH" */
	long long v = 0;
	for (const char *p = out; rc == 0 && *p; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : "") {
		char *end;
		long long x = strtoll(p, &end, 10);
		if (end != p && (*end == '\n' || *end == '\0'))
			v = x;
	}
	if (rc == 0 && v > 0) {
		*id = (store_id)v;
		snprintf(msg, cap, "job %lld started", v);
		return 0;
	}
	tui_jobs_message(out, msg, cap);
	return -1;
}

int tui_jobs_resume(const char *store_file, store_id id, int allow_cmd, char *msg, size_t cap)
{
	char idtext[32], out[4096];
	snprintf(idtext, sizeof idtext, "%lld", (long long)id);
	const char *av[] = { "job", "resume", idtext, allow_cmd ? "--allow-cmd" : NULL, NULL };
	int rc = tui_jobs_run(store_file, av, out, sizeof out);
	if (rc == 0)
		snprintf(msg, cap, "job %lld resumed", (long long)id);
	else
		tui_jobs_message(out, msg, cap);
	return rc;
}

pid_t tui_jobs_cancel(const char *store_file, store_id id)
{
	char idtext[32];
	snprintf(idtext, sizeof idtext, "%lld", (long long)id);
	const char *ric = tui_jobs_ric();
	pid_t pid = fork();
	if (pid == 0) {
		int nul = open("/dev/null", O_RDWR);
		if (nul >= 0) {
			dup2(nul, STDIN_FILENO);
			dup2(nul, STDOUT_FILENO);
			dup2(nul, STDERR_FILENO);
		}
		execlp(ric, ric, "--store", store_file, "job", "cancel", idtext, (char *)NULL);
		_exit(127);
	}
	return pid;
}

int tui_jobs_reap(void)
{
	int n = 0, status;
	while (waitpid(-1, &status, WNOHANG) > 0)
		n++;
	return n;
}
