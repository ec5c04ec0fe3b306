/* ric job: long stages as detached background jobs, tracked in the store. */
#include "config.h"

#include "src/cli_spec.h"
#include "src/cli_store.h"
#include "src/dist.h"
#include "src/job_state.h"
#include "src/paths.h"
#include "src/stage.h"
#include "src/texttable.h"
#include "src/termtext.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static int job_run(struct cli *cli, int argc, char **argv);

const struct cli_command cmd_job = {
	.name = "job",
	.summary = "run long stages in the background and follow them",
	.usage = "ric job start [--ranks N] STAGE ARGS...\n"
	         "       ric job list\n"
	         "       ric job show ID\n"
	         "       ric job logs ID [-f]\n"
	         "       ric job cancel ID [--timeout S]\n"
	         "       ric job resume ID [--ranks N] [--allow-cmd]\n"
	         "       ric job options STAGE",
	.help = "start   runs `ric STAGE ARGS...` detached (own session); its output goes to\n"
	        "        $XDG_STATE_HOME/ric/jobs/job-ID.log; prints the job id. --ranks N\n"
	        "        runs it as `mpirun -np N ric STAGE ...` (RIC_MPIRUN replaces\n"
	        "        `mpirun`, e.g. \"mpirun --hostfile hosts\"): one job, rank 0 reports\n"
	        "list    every job: state, progress, tokens/s, ETA (a running job whose\n"
	        "        process is gone or whose heartbeat stopped shows as failed)\n"
	        "show    one job in full\n"
	        "logs    its log; -f follows it until the job ends\n"
	        "cancel  SIGTERM: the stage checkpoints and stops; waits up to --timeout\n"
	        "        seconds (default 60) and marks the job cancelled\n"
	        "resume  restarts a cancelled or failed job from its run's last checkpoint\n"
	        "        (relabel: runs again, scoring only the rows still missing; eval:\n"
	        "        starts the evaluation again as a new run); a command line that may\n"
	        "        start a program (--allow-cmd, a cmd: spec) is the store's, not\n"
	        "        yours: it resumes only with --allow-cmd; --ranks N resumes it on\n"
	        "        another number of ranks (1: one process)\n"
	        "options the stage's options as one JSON object (name, arg, required,\n"
	        "        group: one of the group is required, repeat, help, default), read\n"
	        "        from its usage and help; ric-tui's new-job form is built from it\n"
	        "Stages that run as jobs: pretrain rm-train sft online relabel eval.\n",
	.run = job_run,
};

static const char *const job_stages[] = { "pretrain", "rm-train", "sft", "online",
	                                  "relabel", "eval", NULL };

struct job_row {
	int found;
	struct store_job j;
	char *argv, *state, *error, *log_path, *proc_start;
};

static char *job_dup(const char *s) { return s ? strdup(s) : NULL; }

static int job_copy(void *ctx, const struct store_job *j)
{
	struct job_row *r = ctx;
	r->found = 1;
	r->j = *j;
	r->argv = job_dup(j->argv);
	r->state = job_dup(j->state);
	r->error = job_dup(j->error);
	r->log_path = job_dup(j->log_path);
	r->proc_start = job_dup(j->proc_start);
	r->j.proc_start = r->proc_start;
	r->j.argv = r->argv;
	r->j.state = r->state;
	r->j.error = r->error;
	r->j.log_path = r->log_path;
	return 0;
}

static void job_row_free(struct job_row *r)
{
	free(r->argv);
	free(r->state);
	free(r->error);
	free(r->log_path);
	free(r->proc_start);
	memset(r, 0, sizeof *r);
}

static int job_get(struct store *s, store_id id, struct job_row *r)
{
	struct store_err err;
	memset(r, 0, sizeof *r);
	if (store_job_get(s, id, job_copy, r, &err) != STORE_OK) {
		cli_error("%s", err.msg);
		return CLI_FAIL;
	}
	if (!r->found) {
		cli_error("%s: no job %lld (see `ric job list`)", store_path(s), (long long)id);
		return CLI_FAIL;
	}
	return CLI_OK;
}

static int job_active(const char *state) { return job_state_active(state); }
static const char *job_shown_state(const struct store_job *j, const char **why)
{
	return job_state_shown(j, why);
}

static void job_argv_text(const char *json, char *buf, size_t cap)
{
	job_state_argv_text(json, buf, cap);
}

static int job_id_arg(const char *arg, store_id *out)
{
	char *end;
	long long v = strtoll(arg, &end, 10);
	if (*arg == '\0' || *end || v <= 0)
		return cli_bad_usage(&cmd_job, "'%s' is not a job id", arg);
	*out = (store_id)v;
	return CLI_OK;
}

/* ---- launching --------------------------------------------------------- */

/* Under mpirun the stage that failed may be any rank: its own last words
 * ("ric: rank 1: ...") or mpirun's ("mpirun noticed that process rank 1 ...
 * exited on signal 9") in the log since offset `from` say which and why. */
static void job_rank_error(const char *log_path, long from, char *why, size_t cap)
{
	FILE *f = fopen(log_path, "r");
	if (!f)
		return;
	char line[1024], found[1024] = "";
	if (fseek(f, from, SEEK_SET) == 0)
		while (fgets(line, sizeof line, f)) {
			const char *p = strstr(line, "ric: rank ");
			if (!p)
				p = strstr(line, "mpirun noticed that process rank ");
			if (p && !*found)
				snprintf(found, sizeof found, "%s", p + (p[0] == 'r' ? 5 : 0));
		}
	fclose(f);
	found[strcspn(found, "\n")] = '\0';
	if (*found)
		snprintf(why, cap, "%s", found);
}

static void job_supervise(const char *store_file, store_id id, pid_t worker, long log_from)
{
	int status = 0;
	while (waitpid(worker, &status, 0) < 0 && errno == EINTR)
		;
	struct store *s;
	if (store_open(store_file, 0, &s, NULL) != STORE_OK)
		return;
	struct job_row r;
	struct store_err err;
	memset(&r, 0, sizeof r);
	if (store_job_get(s, id, job_copy, &r, &err) == STORE_OK && r.found && job_active(r.state)) {
		/* The stage could not mark itself: it crashed, was killed, or exited early. */
		char why[128];
		int sig = WIFSIGNALED(status) ? WTERMSIG(status) : 0;
		int code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
		/* SIGTERM before the stage could handle it (still loading), or its
		 * own exit 130, is a cancel; anything else a failure. */
		int cancelled = sig == SIGTERM || sig == SIGINT || code == 130;
		if (sig)
			snprintf(why, sizeof why, "killed by signal %d (%s)", sig, strsignal(sig));
		else
			snprintf(why, sizeof why, "exited with status %d before finishing", code);
		if (!cancelled && log_from >= 0 && r.log_path)
			job_rank_error(r.log_path, log_from, why, sizeof why);
		const char *state = cancelled ? "cancelled" : "failed";
		store_job_set_state(s, id, state, cancelled ? NULL : why, &err);
		if (r.j.run > 0)
			store_run_finish(s, r.j.run, state, cancelled ? NULL : why, &err);
		FILE *log = r.log_path ? fopen(r.log_path, "a") : NULL;
		if (log) {
			fprintf(log, "ric job: job %lld %s\n", (long long)id, why);
			fclose(log);
		}
	}
	job_row_free(&r);
	store_close(s);
}

static void job_argv_free(char **av)
{
	for (size_t i = 0; av[i]; i++)
		free(av[i]);
	free(av);
}

/* A job's stored command line is [--ranks N] STAGE ARGS...: N (1 without),
 * and the index of STAGE in *first. */
static int job_ranks(const json_t *args, size_t *first)
{
	const char *a0 = json_string_value(json_array_get(args, 0));
	*first = 0;
	if (!a0 || strcmp(a0, "--ranks") != 0 || json_array_size(args) < 3)
		return 1;
	*first = 2;
	return atoi(json_string_value(json_array_get(args, 1)));
}

/* Sets the ranks of a stored command line: "--ranks N" in front, none for 1. */
static void job_set_ranks(json_t *args, int ranks)
{
	size_t first;
	if (job_ranks(args, &first) > 1 || first) {
		json_array_remove(args, 0);
		json_array_remove(args, 0);
	}
	if (ranks > 1) {
		char n[32];
		snprintf(n, sizeof n, "%d", ranks);
		json_array_insert_new(args, 0, json_string(n));
		json_array_insert_new(args, 0, json_string("--ranks"));
	}
}

/* --ranks N of job start and resume: CLI_OK and *ranks, or a usage error. */
static int job_ranks_option(const char *arg, int *ranks)
{
	double v;
	if (cli_number(&cmd_job, "--ranks", arg, 1, 4096, &v) != CLI_OK)
		return CLI_USAGE;
	if (v != (double)(int)v)
		return cli_bad_usage(&cmd_job, "--ranks wants a whole number, not '%s'", arg);
	if (v > 1 && !dist_built())
		return cli_bad_usage(&cmd_job, "--ranks %s: this ric was built without MPI "
		                     "(configure --with-mpi, with Open MPI installed)", arg);
	*ranks = (int)v;
	return CLI_OK;
}

/* Forks twice so the stage runs in its own session, reparented to init, with
 * a supervisor that records how it ended. The caller only waits for the
 * short-lived middle process. */
static int job_launch(const char *store_file, store_id id, json_t *args, const char *log_path)
{
	char exe[PATH_MAX];
	if (paths_self_exe(exe, sizeof exe) != 0) {
		cli_error("cannot find the ric executable: %s", strerror(errno));
		return CLI_FAIL;
	}
	size_t nargs = json_array_size(args), first = 0;
	int ranks = job_ranks(args, &first);
	const char *mpirun = getenv("RIC_MPIRUN");
	if (!mpirun || !*mpirun)
		mpirun = "mpirun";
	char *launcher = strdup(mpirun);
	char **av = calloc(nargs + 16 + strlen(mpirun), sizeof *av);
	char idtext[32], ntext[32];
	if (!av || !launcher) {
		free(av);
		free(launcher);
		cli_error("out of memory");
		return CLI_FAIL;
	}
	snprintf(idtext, sizeof idtext, "%lld", (long long)id);
	snprintf(ntext, sizeof ntext, "%d", ranks);
	size_t k = 0;
	if (ranks > 1) {
		/* mpirun -np N ric ...: one job, rank 0 records it (src/dist.h) */
		for (char *w = strtok(launcher, " \t"); w; w = strtok(NULL, " \t"))
			av[k++] = strdup(w);
		av[k++] = strdup("-np");
		av[k++] = strdup(ntext);
		if (geteuid() == 0)
			av[k++] = strdup("--allow-run-as-root");
		av[k++] = strdup(exe);
	} else {
		av[k++] = strdup("ric");
	}
	free(launcher);
	av[k++] = strdup("--store");
	av[k++] = strdup(store_file);
	av[k++] = strdup(json_string_value(json_array_get(args, first)));
	av[k++] = strdup("--job");
	av[k++] = strdup(idtext);
	for (size_t i = first + 1; i < nargs; i++)
		av[k++] = strdup(json_string_value(json_array_get(args, i)));
	for (size_t i = 0; i < k; i++) {
		if (!av[i]) {
			cli_error("out of memory");
			job_argv_free(av);
			return CLI_FAIL;
		}
	}
	av[k] = NULL;
	fflush(NULL);
	pid_t mid = fork();
	if (mid < 0) {
		cli_error("fork: %s", strerror(errno));
		job_argv_free(av);
		return CLI_FAIL;
	}
	if (mid == 0) {
		setsid();
		int fd = open(log_path, O_WRONLY | O_CREAT | O_APPEND, 0666);
		int nul = open("/dev/null", O_RDONLY);
		if (fd < 0 || nul < 0)
			_exit(1);
		dup2(nul, STDIN_FILENO);
		dup2(fd, STDOUT_FILENO);
		dup2(fd, STDERR_FILENO);
		close(fd);
		close(nul);
		pid_t sup = fork();
		if (sup != 0)
			_exit(sup < 0);
		struct stat lb;
		long log_from = fstat(STDOUT_FILENO, &lb) == 0 ? (long)lb.st_size : -1;
		pid_t worker = fork();
		if (worker == 0) {
			if (ranks > 1)
				execvp(av[0], av);
			else
				execv(exe, av);
			fprintf(stderr, "ric job: exec %s: %s\n", ranks > 1 ? av[0] : exe, strerror(errno));
			_exit(127);
		}
		/* The supervisor ignores the signals meant for the stage. */
		signal(SIGINT, SIG_IGN);
		signal(SIGTERM, SIG_IGN);
		signal(SIGHUP, SIG_IGN);
		if (worker > 0)
			job_supervise(store_file, id, worker, log_from);
		_exit(0);
	}
	int status = 0;
	while (waitpid(mid, &status, 0) < 0 && errno == EINTR)
		;
	job_argv_free(av);
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		cli_error("could not start the job (see %s)", log_path);
		return CLI_FAIL;
	}
	return CLI_OK;
}

static void job_mkdirs(char *dir)
{
	for (char *p = dir + 1; *p; p++) {
		if (*p == '/') {
			*p = '\0';
			mkdir(dir, 0777);
			*p = '/';
		}
	}
	mkdir(dir, 0777);
}

static char *job_log_path(void)
{
	char *dir = paths_state_file("jobs");
	if (!dir)
		return NULL;
	job_mkdirs(dir);
	size_t n = strlen(dir) + 64;
	char *path = malloc(n);
	if (path)
		snprintf(path, n, "%s/job-%lld-%d.log", dir, (long long)store_now_ms(), (int)getpid());
	free(dir);
	return path;
}

/* A job that never got going must not stay queued forever. */
static void job_launch_failed(const char *store_file, store_id id)
{
	struct store *s;
	if (store_open(store_file, 0, &s, NULL) != STORE_OK)
		return;
	store_job_set_state(s, id, "failed", "could not start the stage process", NULL);
	store_close(s);
}

static int job_start(struct cli *cli, int argc, char **argv)
{
	int ranks = 1;
	if (argc >= 2 && strcmp(argv[1], "--ranks") == 0) {
		if (argc < 3)
			return cli_bad_usage(&cmd_job, "--ranks wants a number");
		int rrc = job_ranks_option(argv[2], &ranks);
		if (rrc != CLI_OK)
			return rrc;
		argc -= 2;
		argv += 2;
	}
	if (argc < 2)
		return cli_bad_usage(&cmd_job, "job start wants a STAGE and its arguments");
	int known = 0;
	for (size_t i = 0; job_stages[i]; i++)
		known |= strcmp(argv[1], job_stages[i]) == 0;
	if (!known || !cli_find(argv[1]))
		return cli_bad_usage(&cmd_job, "'%s' is not a stage that runs as a job", argv[1]);
	for (int i = 2; i < argc; i++)
		if (strcmp(argv[i], "--job") == 0 || strncmp(argv[i], "--job=", 6) == 0)
			return cli_bad_usage(&cmd_job, "--job is set by `ric job start` itself");
	json_t *args = json_array();
	for (int i = 1; i < argc; i++)
		json_array_append_new(args, json_string(argv[i]));
	job_set_ranks(args, ranks);
	char *text = json_dumps(args, JSON_COMPACT);
	char *log_path = job_log_path();
	struct store *s;
	int rc = CLI_FAIL;
	if (!text || !log_path) {
		cli_error("no state folder for the job log: set HOME or XDG_STATE_HOME");
	} else if (cli_store_open(cli, &s) == CLI_OK) {
		char store_file[PATH_MAX];
		if (!realpath(store_path(s), store_file))
			snprintf(store_file, sizeof store_file, "%s", store_path(s));
		store_id id;
		struct store_err err;
		if (store_job_create(s, text, log_path, &id, &err) != STORE_OK) {
			cli_error("%s", err.msg);
		} else {
			store_close(s);
			s = NULL;
			rc = job_launch(store_file, id, args, log_path);
			if (rc == CLI_OK)
				printf("%lld\n", (long long)id);
			else
				job_launch_failed(store_file, id);
			termtext_printf(stderr, "ric job: job %lld, log %s\n", (long long)id, log_path);
		}
		if (s)
			store_close(s);
	}
	free(text);
	free(log_path);
	json_decref(args);
	return rc;
}

/* The job that idarg names, in the store opened into *s: CLI_OK, or the exit
 * status after the message (nothing left open). */
static int job_open(struct cli *cli, const char *idarg, store_id *id, struct store **s,
                    struct job_row *r)
{
	if (job_id_arg(idarg, id) != CLI_OK)
		return CLI_USAGE;
	if (cli_store_open(cli, s) != CLI_OK)
		return CLI_FAIL;
	if (job_get(*s, *id, r) != CLI_OK) {
		store_close(*s);
		return CLI_FAIL;
	}
	return CLI_OK;
}

/* ---- resume ------------------------------------------------------------ */

/* The store may be someone else's: its command lines are files too. */
static int job_argv_runs_cmd(const json_t *args)
{
	for (size_t i = 0; i < json_array_size(args); i++) {
		const char *a = json_string_value(json_array_get(args, i));
		if (a && (strcmp(a, "--allow-cmd") == 0 || strstr(a, "cmd:")))
			return 1;
	}
	return 0;
}

static int job_resume(struct cli *cli, const char *idarg, int allow_cmd, int ranks)
{
	store_id id;
	struct store *s;
	struct job_row r;
	int open_rc = job_open(cli, idarg, &id, &s, &r);
	if (open_rc != CLI_OK)
		return open_rc;
	const char *why;
	const char *shown = job_shown_state(&r.j, &why);
	int rc = CLI_FAIL;
	struct store_err err;
	json_error_t je;
	json_t *args = json_loads(r.argv, 0, &je);
	if (job_active(shown) || strcmp(shown, "done") == 0) {
		cli_error("job %lld is %s; only a cancelled or failed job resumes", (long long)id, shown);
	} else if (!json_is_array(args) || json_array_size(args) < 1) {
		cli_error("job %lld: its command line is not readable: %s", (long long)id, r.argv);
	} else if (!allow_cmd && job_argv_runs_cmd(args)) {
		char cmd[2048];
		job_argv_text(r.argv, cmd, sizeof cmd);
		cli_error("job %lld: its stored command line may start a program: ric %s (%s: "
		          "ric job resume %lld --allow-cmd)", (long long)id, cmd, CLI_ALLOW_CMD_HINT,
		          (long long)id);
	} else {
		/* The previous --resume gives way to the newest checkpoint. */
		for (size_t i = 1; i + 1 < json_array_size(args);) {
			if (strcmp(json_string_value(json_array_get(args, i)), "--resume") == 0) {
				json_array_remove(args, i);
				json_array_remove(args, i);
			} else {
				i++;
			}
		}
		char *dir = r.j.run > 0 ? stage_last_state(s, r.j.run) : NULL;
		if (dir) {
			json_array_append_new(args, json_string("--resume"));
			json_array_append_new(args, json_string(dir));
			termtext_printf(stderr, "ric job: resuming job %lld from %s\n", (long long)id, dir);
		} else {
			termtext_printf(stderr, "ric job: job %lld has no checkpoint; starting it again\n",
			        (long long)id);
		}
		free(dir);
		if (ranks > 0) /* the data position is the step: any number of ranks continues it */
			job_set_ranks(args, ranks);
		if (strcmp(r.state, "running") == 0)
			store_job_set_state(s, id, "failed", why ? why : "stale", &err);
		char store_file[PATH_MAX];
		if (!realpath(store_path(s), store_file))
			snprintf(store_file, sizeof store_file, "%s", store_path(s));
		if (store_job_set_state(s, id, "queued", NULL, &err) != STORE_OK) {
			cli_error("%s", err.msg);
		} else {
			store_close(s);
			s = NULL;
			rc = job_launch(store_file, id, args, r.log_path);
			if (rc == CLI_OK)
				printf("%lld\n", (long long)id);
			else
				job_launch_failed(store_file, id);
		}
	}
	json_decref(args);
	job_row_free(&r);
	if (s)
		store_close(s);
	return rc;
}

/* ---- cancel ------------------------------------------------------------ */

static int job_cancel(struct cli *cli, const char *idarg, double timeout_s)
{
	store_id id;
	struct store *s;
	struct job_row r;
	int open_rc = job_open(cli, idarg, &id, &s, &r);
	if (open_rc != CLI_OK)
		return open_rc;
	struct store_err err;
	int rc = CLI_OK;
	const char *gone = NULL;
	char refused[400];
	if (!job_active(r.state)) {
		cli_error("job %lld is already %s", (long long)id, r.state);
		rc = CLI_FAIL;
	} else if (strcmp(r.state, "queued") == 0 ||
	           job_state_alive(r.j.pid, r.j.proc_start, r.j.heartbeat_ms, &gone) == 0) {
		/* Queued and not yet started (it will refuse to start), or gone: its
		 * pid may be another process's by now, which is not signalled. */
		store_job_set_state(s, id, "cancelled", NULL, &err);
		if (r.j.run > 0)
			store_run_fail_dead(s, r.j.run, gone ? gone : "cancelled before it started", NULL, &err);
		termtext_printf(stdout, "job %lld cancelled%s%s\n", (long long)id, gone ? "; " : "", gone ? gone : "");
	} else if (job_state_signal(r.j.pid, r.j.proc_start, SIGTERM, refused, sizeof refused) != 0) {
		cli_error("job %lld: %s", (long long)id, refused);
		rc = CLI_FAIL;
	} else {
		int64_t until = store_now_ms() + (int64_t)(timeout_s * 1000);
		int ended = 0;
		while (!ended && store_now_ms() < until) {
			struct timespec ts = { 0, 100 * 1000 * 1000 };
			nanosleep(&ts, NULL);
			struct job_row now;
			if (job_get(s, id, &now) != CLI_OK)
				break;
			ended = !job_active(now.state) ||
			        job_state_alive(now.j.pid, now.j.proc_start, now.j.heartbeat_ms, &gone) == 0;
			job_row_free(&now);
		}
		struct job_row now;
		if (job_get(s, id, &now) == CLI_OK) {
			if (job_active(now.state))
				store_job_set_state(s, id, "cancelled", NULL, &err);
			termtext_printf(stdout, "job %lld %s\n", (long long)id,
			       ended ? (job_active(now.state) ? "cancelled" : now.state)
			             : "cancelled (its process did not stop in time)");
			job_row_free(&now);
		}
		if (!ended)
			rc = CLI_FAIL;
	}
	job_row_free(&r);
	store_close(s);
	return rc;
}

/* ---- list, show, logs -------------------------------------------------- */

static int job_list_row(void *ctx, const struct store_job *j)
{
	struct texttable *t = ctx;
	const char *why;
	char id[24], pid[24], run[24], prog[48], tps[32], eta[32], cmd[512];
	snprintf(id, sizeof id, "%lld", (long long)j->id);
	snprintf(pid, sizeof pid, "%lld", (long long)j->pid);
	snprintf(run, sizeof run, "%lld", (long long)j->run);
	snprintf(prog, sizeof prog, "%lld/%lld", (long long)j->step, (long long)j->total);
	snprintf(tps, sizeof tps, "%.0f", j->tokens_per_s);
	cli_store_duration(eta, sizeof eta, job_active(j->state) ? j->eta_ms : -1);
	job_argv_text(j->argv, cmd, sizeof cmd);
	texttable_add(t, id, job_shown_state(j, &why), prog, tps, eta, pid, j->run ? run : NULL, cmd);
	return 0;
}

static int job_list(struct cli *cli)
{
	struct store *s;
	if (cli_store_open(cli, &s) != CLI_OK)
		return CLI_FAIL;
	struct store_err err;
	if (job_state_reap(s, NULL, NULL, &err) < 0)
		cli_error("warning: %s", err.msg);
	struct texttable *t = texttable_new(8, "ID", "STATE", "STEP", "TOK/S", "ETA", "PID", "RUN", "COMMAND");
	texttable_right(t, 0);
	texttable_right(t, 2);
	texttable_right(t, 3);
	int rc = CLI_OK;
	if (store_jobs_each(s, NULL, job_list_row, t, &err) != STORE_OK) {
		cli_error("%s", err.msg);
		rc = CLI_FAIL;
	} else {
		texttable_print(t, stdout);
	}
	texttable_free(t);
	store_close(s);
	return rc;
}

static int job_show(struct cli *cli, const char *idarg)
{
	store_id id;
	struct store *s;
	struct job_row r;
	int open_rc = job_open(cli, idarg, &id, &s, &r);
	if (open_rc != CLI_OK)
		return open_rc;
	const struct store_job *j = &r.j;
	const char *why;
	char cmd[4096], t1[32], t2[32], t3[32], t4[32], eta[32];
	job_argv_text(j->argv, cmd, sizeof cmd);
	cli_store_time(t1, sizeof t1, j->created_ms);
	cli_store_time(t2, sizeof t2, j->started_ms);
	cli_store_time(t3, sizeof t3, j->finished_ms);
	cli_store_time(t4, sizeof t4, j->heartbeat_ms);
	cli_store_duration(eta, sizeof eta, job_active(j->state) ? j->eta_ms : -1);
	termtext_printf(stdout, "job        %lld\n", (long long)j->id);
	termtext_printf(stdout, "state      %s\n", job_shown_state(j, &why));
	if (why)
		termtext_printf(stdout, "why        %s (stored state: %s)\n", why, j->state);
	if (j->error)
		termtext_printf(stdout, "error      %s\n", j->error);
	termtext_printf(stdout, "command    ric %s\n", cmd);
	termtext_printf(stdout, "run        %lld\n", (long long)j->run);
	termtext_printf(stdout, "pid        %lld\n", (long long)j->pid);
	termtext_printf(stdout, "progress   %lld/%lld\n", (long long)j->step, (long long)j->total);
	termtext_printf(stdout, "tokens/s   %.1f\n", j->tokens_per_s);
	termtext_printf(stdout, "eta        %s\n", eta);
	termtext_printf(stdout, "created    %s\nstarted    %s\nfinished   %s\nheartbeat  %s\n", t1, t2, t3, t4);
	termtext_printf(stdout, "log        %s\n", j->log_path ? j->log_path : "-");
	job_row_free(&r);
	store_close(s);
	return CLI_OK;
}

static int job_logs(struct cli *cli, const char *idarg, int follow)
{
	store_id id;
	struct store *s;
	struct job_row r;
	int open_rc = job_open(cli, idarg, &id, &s, &r);
	if (open_rc != CLI_OK)
		return open_rc;
	char why[PATH_MAX + 200];
	FILE *f = NULL;
	int rc = CLI_OK;
	if (job_state_log_allowed(r.log_path, why, sizeof why) != 0) {
		cli_error("job %lld: %s", (long long)id, why);
		rc = CLI_FAIL;
	} else if (!(f = fopen(r.log_path, "r"))) {
		cli_error("job %lld: cannot read its log %s: %s", (long long)id, r.log_path,
		          strerror(errno));
		rc = CLI_FAIL;
	}
	char buf[65536];
	while (f) {
		size_t n;
		while ((n = fread(buf, 1, sizeof buf, f)) > 0)
			fwrite(buf, 1, n, stdout);
		fflush(stdout);
		if (!follow)
			break;
		struct job_row now;
		if (job_get(s, id, &now) != CLI_OK)
			break;
		const char *stale;
		int active = job_active(job_shown_state(&now.j, &stale));
		job_row_free(&now);
		if (!active) {
			clearerr(f);
			while ((n = fread(buf, 1, sizeof buf, f)) > 0)
				fwrite(buf, 1, n, stdout);
			break;
		}
		clearerr(f);
		struct timespec ts = { 0, 200 * 1000 * 1000 };
		nanosleep(&ts, NULL);
	}
	if (f)
		fclose(f);
	job_row_free(&r);
	store_close(s);
	return rc;
}

/* `ric job options STAGE`: the stage's options, for forms. */
static int job_options(const char *stage)
{
	int known = 0;
	for (size_t i = 0; job_stages[i]; i++)
		known |= strcmp(stage, job_stages[i]) == 0;
	const struct cli_command *c = known ? cli_find(stage) : NULL;
	if (!c)
		return cli_bad_usage(&cmd_job, "'%s' is not a stage that runs as a job (pretrain rm-train "
		                               "sft online relabel eval)", stage);
	struct cli_spec *sp = malloc(sizeof *sp);
	if (!sp) {
		cli_error("out of memory");
		return CLI_FAIL;
	}
	cli_spec_parse(c->usage, c->help, sp);
	json_t *opts = json_array();
	for (size_t i = 0; i < sp->n; i++) {
		const struct cli_spec_opt *o = &sp->opt[i];
		json_array_append_new(opts, json_pack("{s:s, s:s, s:b, s:i, s:b, s:s, s:s}", "name", o->name,
		                                      "arg", o->arg, "required", o->required, "group",
		                                      o->group, "repeat", o->repeat, "help", o->help,
		                                      "default", o->def));
	}
	json_t *root = json_pack("{s:s, s:s, s:s, s:b, s:o}", "stage", c->name, "summary", c->summary,
	                         "positional", sp->positional, "positional_required",
	                         sp->positional_required, "options", opts);
	char *text = root ? json_dumps(root, JSON_COMPACT) : NULL;
	json_decref(root);
	free(sp);
	if (!text) {
		cli_error("out of memory");
		return CLI_FAIL;
	}
	puts(text);
	free(text);
	return CLI_OK;
}

static int job_run(struct cli *cli, int argc, char **argv)
{
	if (argc < 2) {
		cli_print_help(&cmd_job, stderr);
		return CLI_USAGE;
	}
	/* `ric job SUB --help` is help too, not an unknown command; after `start
	 * STAGE` the flags are the stage's own. */
	for (int i = 1; i < argc && !(i > 2 && strcmp(argv[1], "start") == 0); i++) {
		if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
			cli_print_help(&cmd_job, stdout);
			return CLI_OK;
		}
	}
	const char *sub = argv[1];
	if (strcmp(sub, "start") == 0)
		return job_start(cli, argc - 1, argv + 1);
	if (strcmp(sub, "options") == 0 && argc == 3)
		return job_options(argv[2]);
	if (strcmp(sub, "list") == 0 && argc == 2)
		return job_list(cli);
	if (strcmp(sub, "show") == 0 && argc == 3)
		return job_show(cli, argv[2]);
	if (strcmp(sub, "resume") == 0 && argc >= 3) {
		int allow = 0, ranks = 0;
		for (int i = 3; i < argc; i++) {
			if (strcmp(argv[i], "--allow-cmd") == 0) {
				allow = 1;
			} else if (strcmp(argv[i], "--ranks") == 0 && i + 1 < argc) {
				int rrc = job_ranks_option(argv[++i], &ranks);
				if (rrc != CLI_OK)
					return rrc;
			} else {
				return cli_bad_usage(&cmd_job, "job resume ID [--ranks N] [--allow-cmd]");
			}
		}
		return job_resume(cli, argv[2], allow, ranks);
	}
	if (strcmp(sub, "logs") == 0 && (argc == 3 || argc == 4)) {
		int follow = 0;
		const char *id = NULL;
		for (int i = 2; i < argc; i++) {
			if (strcmp(argv[i], "-f") == 0 || strcmp(argv[i], "--follow") == 0)
				follow = 1;
			else
				id = argv[i];
		}
		if (!id)
			return cli_bad_usage(&cmd_job, "job logs wants an ID");
		return job_logs(cli, id, follow);
	}
	if (strcmp(sub, "cancel") == 0 && (argc == 3 || argc == 5)) {
		double timeout = 60;
		const char *id = argv[2];
		if (argc == 5) {
			int a = strcmp(argv[2], "--timeout") == 0 ? 2 : 3;
			if (strcmp(argv[a], "--timeout") != 0)
				return cli_bad_usage(&cmd_job, "job cancel ID [--timeout S]");
			if (cli_number(&cmd_job, "--timeout", argv[a + 1], 0, 86400, &timeout) != CLI_OK)
				return CLI_USAGE;
			id = argv[a == 2 ? 4 : 2];
		}
		return job_cancel(cli, id, timeout);
	}
	return cli_bad_usage(&cmd_job, "unknown or incomplete job command '%s'", sub);
}
