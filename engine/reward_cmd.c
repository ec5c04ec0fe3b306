/* reward_cmd: cmd:COMMAND, an external scorer kept alive across calls.
 *
 * The command runs under /bin/sh -c in a process group of its own, its stdin
 * and stdout connected to ric through sockets (written with MSG_NOSIGNAL, so a
 * scorer that closes its input gives an error rather than SIGPIPE), its stderr
 * inherited (it is never read, so nothing the scorer logs can block it).
 * Every exchange (one request line out, one reply line back) has env->timeout_s;
 * reads and writes are non-blocking and interleaved through poll(), so a big
 * request and an early reply cannot deadlock. Any failure (exit, hang, garbage,
 * a wrong count) kills the process group, reaps the process and leaves the
 * reward unusable; the message names the command and what happened.
 * The protocol itself: engine/reward_proto.c and man/ric.1 (REWARD PROTOCOL).
 */
#include "config.h"

#include "engine/reward_impl.h"
#include "engine/monotonic.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define CMD_LINE_MAX (64u << 20)

extern char **environ;

struct cmd {
	struct reward base;
	pid_t pid;            /* 0: not running */
	int to, from;         /* its stdin, its stdout */
	char *buf;            /* bytes read and not yet used */
	size_t len, cap;
	size_t requests;      /* exchanges done */
	char *dead;           /* why it can no longer be used, or NULL */
	char *tmpdir;         /* images: the folder their PNG files go to, or NULL */
};

/* "exited with status 3", "was killed by signal 9 (Killed)". */
static void cmd_describe(int status, char *buf, size_t cap)
{
	if (WIFEXITED(status))
		snprintf(buf, cap, "exited with status %d", WEXITSTATUS(status));
	else if (WIFSIGNALED(status))
		snprintf(buf, cap, "was killed by signal %d (%s)", WTERMSIG(status), strsignal(WTERMSIG(status)));
	else
		snprintf(buf, cap, "stopped (wait status %d)", status);
}

/* Waits up to `grace` seconds for the process to end on its own, then kills
 * its group; always reaps. Returns the wait status. */
static int cmd_reap(struct cmd *c, double grace, int *killed)
{
	int status = 0;
	*killed = 0;
	if (c->pid <= 0)
		return 0;
	double until = monotonic_s() + grace;
	for (;;) {
		pid_t w = waitpid(c->pid, &status, WNOHANG);
		if (w == c->pid || (w < 0 && errno != EINTR))
			break;
		if (monotonic_s() >= until) {
			kill(-c->pid, SIGKILL);
			*killed = 1;
			while (waitpid(c->pid, &status, 0) < 0 && errno == EINTR)
				;
			break;
		}
		struct timespec ts = { 0, 5 * 1000 * 1000 };
		nanosleep(&ts, NULL);
	}
	/* What the shell left behind in its group goes too. */
	kill(-c->pid, SIGKILL);
	c->pid = 0;
	return status;
}

static void cmd_close_fds(struct cmd *c)
{
	if (c->to >= 0)
		close(c->to);
	if (c->from >= 0)
		close(c->from);
	c->to = c->from = -1;
}

/* Ends the process after a failure and records `why` (already in st). */
static enum status_code cmd_fail(struct cmd *c, struct status *st)
{
	int killed;
	cmd_close_fds(c);
	cmd_reap(c, 0, &killed);
	free(c->dead);
	c->dead = strdup(st->msg);
	return st->code;
}

/* The process closed its end: say how it ended. */
static enum status_code cmd_gone(struct cmd *c, const char *what, struct status *st)
{
	cmd_close_fds(c);
	int killed;
	int status = cmd_reap(c, 2.0, &killed);
	char how[128];
	if (killed)
		snprintf(how, sizeof how, "closed its %s and was killed after 2 s", what);
	else
		cmd_describe(status, how, sizeof how);
	status_set(st, STATUS_IO, "reward '%s': the scorer %s (request %zu, %zu answered before)",
	           c->base.spec, how, c->requests + 1, c->requests);
	return cmd_fail(c, st);
}

/* Sends `req` and reads one reply line into *line (within c->buf). */
static enum status_code cmd_exchange(struct cmd *c, const char *req, size_t reqlen, char **line,
                                     size_t *linelen, struct status *st)
{
	double timeout = c->base.env.timeout_s > 0 ? c->base.env.timeout_s : 60;
	double deadline = monotonic_s() + timeout;
	size_t sent = 0, scan = 0;
	/* blank lines before the reply are skipped */
	for (;;) {
		char *nl = memchr(c->buf + scan, '\n', c->len - scan);
		if (nl) {
			size_t l = (size_t)(nl - c->buf);
			size_t b = 0;
			while (b < l && (c->buf[b] == ' ' || c->buf[b] == '\t' || c->buf[b] == '\r'))
				b++;
			if (b == l) {
				memmove(c->buf, nl + 1, c->len - l - 1);
				c->len -= l + 1;
				scan = 0;
				continue;
			}
			if (sent < reqlen) {
				status_set(st, STATUS_FORMAT, "reward '%s': the scorer replied before reading the "
				           "whole request (request %zu)", c->base.spec, c->requests + 1);
				return cmd_fail(c, st);
			}
			if (l + 1 < c->len) {
				status_set(st, STATUS_FORMAT, "reward '%s': the scorer wrote more than one line for "
				           "request %zu", c->base.spec, c->requests + 1);
				return cmd_fail(c, st);
			}
			*line = c->buf;
			*linelen = l;
			c->len = 0;    /* consumed by the caller before the next exchange */
			return STATUS_OK;
		}
		scan = c->len;
		if (hooks_aborted(c->base.env.hooks)) {
			status_set(st, STATUS_CANCELLED, "reward '%s': cancelled", c->base.spec);
			return cmd_fail(c, st);
		}
		double left = deadline - monotonic_s();
		if (left <= 0) {
			status_set(st, STATUS_IO, "reward '%s': no reply within %g s (request %zu); the scorer "
			           "was killed", c->base.spec, timeout, c->requests + 1);
			return cmd_fail(c, st);
		}
		struct pollfd pf[2] = { { .fd = c->from, .events = POLLIN },
		                        { .fd = c->to, .events = POLLOUT } };
		int npf = sent < reqlen ? 2 : 1;
		int ms = left > 0.05 ? 50 : (int)(left * 1000) + 1;
		int pr = poll(pf, (nfds_t)npf, ms);
		if (pr < 0 && errno != EINTR) {
			status_errno(st, STATUS_IO, errno, "reward '%s': poll", c->base.spec);
			return cmd_fail(c, st);
		}
		if (pr <= 0)
			continue;
		if (npf == 2 && (pf[1].revents & (POLLOUT | POLLERR | POLLHUP))) {
			ssize_t w = send(c->to, req + sent, reqlen - sent, MSG_NOSIGNAL | MSG_DONTWAIT);
			if (w > 0)
				sent += (size_t)w;
			else if (w < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
				return cmd_gone(c, "input", st);
		}
		if (pf[0].revents & (POLLIN | POLLERR | POLLHUP)) {
			if (c->len + 65536 > c->cap) {
				if (c->len > CMD_LINE_MAX) {
					status_set(st, STATUS_FORMAT, "reward '%s': a reply line longer than %u bytes "
					           "(request %zu)", c->base.spec, CMD_LINE_MAX, c->requests + 1);
					return cmd_fail(c, st);
				}
				size_t cap = c->cap * 2 + 65536;
				char *b = realloc(c->buf, cap);
				if (!b) {
					status_set(st, STATUS_NOMEM, "out of memory");
					return cmd_fail(c, st);
				}
				c->buf = b;
				c->cap = cap;
			}
			ssize_t r = recv(c->from, c->buf + c->len, c->cap - c->len, MSG_DONTWAIT);
			if (r > 0)
				c->len += (size_t)r;
			else if (r == 0 || (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR))
				return cmd_gone(c, "output", st);
		}
	}
}

/* Output nobody asked for is garbage, even between requests. */
static enum status_code cmd_unasked(struct cmd *c, struct status *st)
{
	if (c->len == 0) {
		ssize_t r = recv(c->from, c->buf, c->cap, MSG_DONTWAIT);
		if (r > 0)
			c->len = (size_t)r;
		else if (r == 0)
			return cmd_gone(c, "output", st);
	}
	if (c->len > 0) {
		char q[64];
		size_t l = c->len < 40 ? c->len : 40;
		for (size_t i = 0; i < l; i++)
			q[i] = c->buf[i] >= 0x20 && c->buf[i] < 0x7f ? c->buf[i] : '?';
		q[l] = '\0';
		status_set(st, STATUS_FORMAT, "reward '%s': the scorer wrote output nobody asked for "
		           "before request %zu: '%s'", c->base.spec, c->requests + 1, q);
		return cmd_fail(c, st);
	}
	return STATUS_OK;
}

/* One request line (freed here) for k rows, and its reply into out. */
static enum status_code cmd_request(struct cmd *c, char *req, size_t reqlen, size_t k, int as_batch,
                                    double *out, struct status *st)
{
	if (!req) {
		status_prefix(st, "reward '%s'", c->base.spec);
		return st->code;
	}
	char *line = NULL;
	size_t linelen = 0;
	enum status_code rc = cmd_exchange(c, req, reqlen, &line, &linelen, st);
	free(req);
	if (rc)
		return rc;
	rc = reward_proto_reply(line, linelen, k, as_batch, out, st);
	if (rc) {
		status_prefix(st, "reward '%s': request %zu", c->base.spec, c->requests + 1);
		return cmd_fail(c, st);
	}
	c->requests++;
	return STATUS_OK;
}

static enum status_code cmd_score(struct reward *base, size_t n, const char *const *prompts,
                                  const char *const *responses, double *out, struct status *st)
{
	struct cmd *c = (struct cmd *)base;
	if (c->dead)
		return status_set(st, STATUS_IO, "%s", c->dead);
	size_t batch = base->env.batch ? base->env.batch : 16;
	for (size_t from = 0; from < n; from += batch) {
		size_t k = n - from < batch ? n - from : batch;
		int as_batch = batch > 1;
		size_t reqlen = 0;
		if (cmd_unasked(c, st) != STATUS_OK)
			return st->code;
		char *req = reward_proto_request(k, as_batch, prompts ? prompts + from : NULL,
		                                 responses + from, &reqlen, st);
		if (cmd_request(c, req, reqlen, k, as_batch, out + from, st) != STATUS_OK)
			return st->code;
	}
	return STATUS_OK;
}

/* Pictures go to the scorer as PNG files in a private folder (mode 0700)
 * made on first use; each request's files are removed after its reply. */
static enum status_code cmd_score_images(struct reward *base, size_t n, const struct image *im,
                                         double *out, struct status *st)
{
	struct cmd *c = (struct cmd *)base;
	if (c->dead)
		return status_set(st, STATUS_IO, "%s", c->dead);
	if (!c->tmpdir) {
		const char *t = getenv("TMPDIR");
		size_t l = strlen(t && *t ? t : "/tmp") + 32;
		c->tmpdir = malloc(l);
		if (!c->tmpdir)
			return status_set(st, STATUS_NOMEM, "out of memory");
		snprintf(c->tmpdir, l, "%s/ric-images-XXXXXX", t && *t ? t : "/tmp");
		if (!mkdtemp(c->tmpdir)) {
			status_errno(st, STATUS_IO, errno, "reward '%s': making a folder %s", base->spec, c->tmpdir);
			free(c->tmpdir);
			c->tmpdir = NULL;
			return st->code;
		}
	}
	size_t batch = base->env.batch ? base->env.batch : 16;
	size_t plen = strlen(c->tmpdir) + 32;
	char **paths = calloc(batch, sizeof *paths);
	if (!paths)
		return status_set(st, STATUS_NOMEM, "out of memory");
	enum status_code rc = STATUS_OK;
	for (size_t from = 0; rc == STATUS_OK && from < n; from += batch) {
		size_t k = n - from < batch ? n - from : batch, made = 0;
		int as_batch = batch > 1;
		for (; rc == STATUS_OK && made < k; made++) {
			if (!(paths[made] = malloc(plen))) {
				rc = status_set(st, STATUS_NOMEM, "out of memory");
				break;
			}
			snprintf(paths[made], plen, "%s/%zu.png", c->tmpdir, made);
			rc = image_save_png(&im[from + made], paths[made], st);
		}
		if (rc == STATUS_OK)
			rc = cmd_unasked(c, st);
		if (rc == STATUS_OK) {
			size_t reqlen = 0;
			char *req = reward_proto_request_images(k, as_batch, (const char *const *)paths, &reqlen, st);
			rc = cmd_request(c, req, reqlen, k, as_batch, out + from, st);
		}
		for (size_t i = 0; i < made && i < k; i++) {
			if (paths[i])
				unlink(paths[i]);
			free(paths[i]);
			paths[i] = NULL;
		}
	}
	free(paths);
	return rc;
}

static void cmd_close(struct reward *base)
{
	struct cmd *c = (struct cmd *)base;
	/* EOF on its input asks the scorer to finish; then it gets 2 s. */
	cmd_close_fds(c);
	int killed;
	cmd_reap(c, 2.0, &killed);
	free(c->buf);
	free(c->dead);
	if (c->tmpdir)
		rmdir(c->tmpdir);
	free(c->tmpdir);
}

static const struct reward_ops cmd_ops = { .score = cmd_score, .close = cmd_close, .score_images = cmd_score_images };

enum status_code reward_cmd_open(const char *spec, const char *arg, const struct reward_env *env,
                                 struct reward **out, struct status *st)
{
	struct cmd *c = (struct cmd *)reward_new(&cmd_ops, spec, env, sizeof *c, st);
	if (!c)
		return st->code;
	c->to = c->from = -1;
	c->cap = 65536;
	c->buf = malloc(c->cap);
	int in[2] = { -1, -1 }, outp[2] = { -1, -1 };
	enum status_code rc = STATUS_OK;
	if (!c->buf)
		rc = status_set(st, STATUS_NOMEM, "out of memory");
	else if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, in) < 0 ||
	         socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, outp) < 0)
		rc = status_errno(st, STATUS_IO, errno, "reward '%s': socketpair", spec);
	if (rc == STATUS_OK) {
		posix_spawn_file_actions_t fa;
		posix_spawnattr_t at;
		sigset_t all, none;
		sigfillset(&all);
		sigemptyset(&none);
		posix_spawn_file_actions_init(&fa);
		posix_spawn_file_actions_adddup2(&fa, in[1], 0);
		posix_spawn_file_actions_adddup2(&fa, outp[1], 1);
		posix_spawnattr_init(&at);
		/* its own group (so a timeout kills what the shell started), default
		 * signal dispositions (ric may ignore SIGPIPE) and no blocked signals */
		posix_spawnattr_setflags(&at, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGDEF |
		                              POSIX_SPAWN_SETSIGMASK);
		posix_spawnattr_setpgroup(&at, 0);
		posix_spawnattr_setsigdefault(&at, &all);
		posix_spawnattr_setsigmask(&at, &none);
		char sh[] = "sh", dash_c[] = "-c";
		char *command = strdup(arg);
		char *argv[] = { sh, dash_c, command, NULL };
		int e = command ? posix_spawn(&c->pid, "/bin/sh", &fa, &at, argv, environ) : ENOMEM;
		free(command);
		posix_spawn_file_actions_destroy(&fa);
		posix_spawnattr_destroy(&at);
		if (e) {
			c->pid = 0;
			rc = status_errno(st, STATUS_IO, e, "reward '%s': starting /bin/sh", spec);
		}
	}
	if (in[1] >= 0)
		close(in[1]);
	if (outp[1] >= 0)
		close(outp[1]);
	c->to = in[0];
	c->from = outp[0];
	if (rc) {
		reward_close(&c->base);
		return rc;
	}
	*out = &c->base;
	return STATUS_OK;
}
