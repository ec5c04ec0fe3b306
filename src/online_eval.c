/* online_eval: an eval of every online iteration's checkpoint. */
#include "config.h"

#include "src/online_eval.h"
#include "src/paths.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define ONLINE_EVAL_ARGS (40 + 2 * RICGEN_MAX_STOP)

/* Runs cav (NULL-terminated) to its end; a stop request (SIGTERM) is passed
 * on to it once. */
static int online_eval_child(const char *exe, const char *const *cav, int *status,
                             struct status *st)
{
	/* execv's argv is char *const[]: the strings are not written to. */
	char *av[ONLINE_EVAL_ARGS];
	size_t n = 0;
	for (; cav[n] && n + 1 < ONLINE_EVAL_ARGS; n++)
		memcpy(&av[n], &cav[n], sizeof av[0]);
	av[n] = NULL;
	fflush(NULL);
	pid_t pid = fork();
	if (pid < 0)
		return status_set(st, STATUS_IO, "fork: %s", strerror(errno));
	if (pid == 0) {
		execv(exe, av);
		fprintf(stderr, "ric online: exec %s: %s\n", exe, strerror(errno));
		_exit(127);
	}
	int passed = 0;
	for (;;) {
		if (waitpid(pid, status, 0) == pid)
			break;
		if (errno != EINTR)
			return status_set(st, STATUS_IO, "waiting for ric eval: %s", strerror(errno));
		if (stage_stopping() && !passed) {
			kill(pid, SIGTERM);
			passed = 1;
		}
	}
	return STATUS_OK;
}

static int online_eval_name(void *ctx, const struct store_run *r)
{
	snprintf(ctx, 128, "%s", r->name);
	return 0;
}

static int online_eval_front(void *ctx, const struct store_front *f)
{
	*(double *)ctx = f->hypervolume;
	return 1;
}

enum status_code online_eval_run(struct stage *sg, const struct online_eval *e, struct status *st)
{
	char exe[PATH_MAX];
	if (paths_self_exe(exe, sizeof exe) != 0)
		return status_set(st, STATUS_IO, "cannot find the ric executable: %s", strerror(errno));
	char name[256], num[8][32];
	struct store_err err;
	/* Named after the online run, so its evals list together. */
	char online[128] = "";
	store_run_get(sg->store, sg->run, online_eval_name, online, NULL);
	snprintf(name, sizeof name, "%s-eval-%d", online[0] ? online : "online", e->iteration);
	snprintf(num[0], sizeof num[0], "%g", e->prompts);
	snprintf(num[1], sizeof num[1], "%g", e->step);
	snprintf(num[2], sizeof num[2], "%g", e->max_tokens);
	snprintf(num[3], sizeof num[3], "%g", e->temperature);
	snprintf(num[4], sizeof num[4], "%g", e->top_p);
	snprintf(num[5], sizeof num[5], "%.0f", e->seed);
	const char *av[ONLINE_EVAL_ARGS];
	size_t k = 0;
	av[k++] = "ric";
	av[k++] = "--store";
	av[k++] = store_path(sg->store);
	av[k++] = "eval";
	av[k++] = "--model";
	av[k++] = e->dir;
	av[k++] = "--dataset";
	av[k++] = e->dataset;
	av[k++] = "--prompts";
	av[k++] = num[0];
	av[k++] = "--step";
	av[k++] = num[1];
	if (e->image) {
		snprintf(num[2], sizeof num[2], "%g", e->ddim_steps);
		snprintf(num[3], sizeof num[3], "%g", e->guidance);
		av[k++] = "--ddim-steps";
		av[k++] = num[2];
		av[k++] = "--guidance";
		av[k++] = num[3];
		av[k++] = "--seed";
		av[k++] = num[5];
	} else {
		av[k++] = "--max-tokens";
		av[k++] = num[2];
		av[k++] = "--temperature";
		av[k++] = num[3];
		av[k++] = "--top-p";
		av[k++] = num[4];
		av[k++] = "--seed";
		av[k++] = num[5];
		av[k++] = "--weights";
		av[k++] = e->weights;
	}
	av[k++] = "--name";
	av[k++] = name;
	if (e->allow_cmd)
		av[k++] = "--allow-cmd";
	if (!e->image && e->stops->none)
		av[k++] = "--no-stop";
	/* The online stage's resolved stops are what its samples ended at. */
	for (size_t i = 0; !e->image && !e->stops->none && i < e->stops->n; i++) {
		av[k++] = "--stop";
		av[k++] = e->stops->s[i];
	}
	av[k] = NULL;
	stage_say(sg, "iteration %d: ric eval %s (run %s)", e->iteration, e->dir, name);
	int status = 0;
	enum status_code c = online_eval_child(exe, av, &status, st);
	if (c != STATUS_OK)
		return c;
	if (stage_stopping())
		return status_set(st, STATUS_CANCELLED, "stopped during the eval of iteration %d",
		                  e->iteration);
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		return status_set(st, STATUS_IO, "the eval of iteration %d failed (%s %d); its "
		                  "checkpoint %s is saved: --resume %s goes on from there", e->iteration,
		                  WIFEXITED(status) ? "exit status" : "signal",
		                  WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status), e->dir,
		                  e->dir);
	store_id run;
	if (store_run_resolve(sg->store, name, &run, &err) != STORE_OK)
		return status_set(st, STATUS_IO, "%s", err.msg);
	char v[32];
	snprintf(v, sizeof v, "%lld", (long long)sg->run);
	store_param_set(sg->store, run, "online_run", v, NULL);
	snprintf(v, sizeof v, "%d", e->iteration);
	store_param_set(sg->store, run, "online_iteration", v, NULL);
	double hv = NAN;
	store_fronts_each(sg->store, run, online_eval_front, &hv, NULL);
	stage_metric(sg, "eval_run", e->iteration, (double)run);
	stage_metric(sg, "eval_hypervolume", e->iteration, hv);
	return STATUS_OK;
}
