#include "config.h"

#include "src/stage.h"
#include "src/stopsig.h"
#include "src/cli_store.h"
#include "src/dist.h"
#include "src/sha256.h"
#include "src/stage_state.h"
#include "src/termtext.h"
#include "engine/train.h"

#include <dirent.h>
#include <limits.h>
#include <signal.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static volatile sig_atomic_t stage_stop_flag;

static void stage_on_signal(int sig)
{
	(void)sig;
	stage_stop_flag = 1;
}

int stage_stopping(void) { return stage_stop_flag != 0; }
void stage_request_stop(void) { stage_stop_flag = 1; }

/* The run's sign of life, every few seconds: what tells a run of another
 * machine sharing the store from a dead one (src/job_state.h). */
static void stage_beat(struct stage *sg, int64_t now)
{
	if (now - sg->last_beat_ms >= STAGE_BEAT_MS) {
		store_run_heartbeat(sg->store, sg->run, NULL);
		sg->last_beat_ms = now;
	}
}

/* Polled by the engine many times a second: also keeps a job's heartbeat
 * going through long stretches without steps (generation, validation). */
static int stage_abort(void *ctx)
{
	struct stage *sg = ctx;
	if (sg && sg->store && !sg->follower) {
		int64_t now = store_now_ms();
		if (sg->job > 0 && now - sg->last_job_ms >= 5000) {
			store_job_heartbeat(sg->store, sg->job, NULL);
			sg->last_job_ms = now;
		}
		stage_beat(sg, now);
	}
	return stage_stop_flag != 0;
}

static void stage_clear_bar(struct stage *sg)
{
	if (sg->tty && sg->bar_drawn) {
		fputs("\r\033[K", stderr);
		sg->bar_drawn = 0;
	}
}

void stage_say(struct stage *sg, const char *fmt, ...)
{
	if (sg->follower)
		return;
	stage_clear_bar(sg);
	va_list ap;
	va_start(ap, fmt);
	termtext_printf(stderr, "ric %s: ", sg->name);
	termtext_vprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
}

static void stage_log(void *ctx, enum log_level level, const char *msg)
{
	if (level == LOG_DEBUG)
		return;
	stage_say(ctx, "%s", msg);
}

struct hooks stage_hooks(struct stage *sg)
{
	return (struct hooks){ .log = stage_log, .abort = stage_abort, .ctx = sg };
}

/* Digest of the command line and of the files it names (contents of a
 * file; entry names, sizes and config.json of a folder), so ranks started
 * differently, or seeing other files, are told apart before they train. */
static void stage_digest_path(struct sha256_ctx *c, const char *path)
{
	struct stat sb;
	if (stat(path, &sb) != 0)
		return;
	if (S_ISREG(sb.st_mode)) {
		FILE *f = fopen(path, "rb");
		unsigned char buf[65536];
		size_t n;
		while (f && (n = fread(buf, 1, sizeof buf, f)) > 0)
			sha256_update(c, n, buf);
		if (f)
			fclose(f);
	} else if (S_ISDIR(sb.st_mode)) {
		struct dirent **ents;
		int n = scandir(path, &ents, NULL, alphasort);
		for (int i = 0; i < n; i++) {
			char sub[PATH_MAX];
			snprintf(sub, sizeof sub, "%s/%s", path, ents[i]->d_name);
			struct stat eb;
			if (ents[i]->d_name[0] != '.' && stat(sub, &eb) == 0 && S_ISREG(eb.st_mode)) {
				char line[PATH_MAX + 32];
				int k = snprintf(line, sizeof line, "%s %lld\n", ents[i]->d_name,
				                 (long long)eb.st_size);
				sha256_update(c, (size_t)k, (const uint8_t *)line);
				if (strcmp(ents[i]->d_name, "config.json") == 0)
					stage_digest_path(c, sub);
			}
			free(ents[i]);
		}
		if (n >= 0)
			free(ents);
	}
}

static enum status_code stage_agree(const struct cli *cli, struct status *st)
{
	struct sha256_ctx c;
	unsigned char d[SHA256_DIGEST_SIZE];
	sha256_init(&c);
	for (int i = 0; i < cli->argc; i++)
		sha256_update(&c, strlen(cli->argv[i]) + 1, (const uint8_t *)cli->argv[i]);
	sha256_digest(&c, sizeof d, d);
	enum status_code rc = dist_agree("arguments", d, st);
	if (rc != STATUS_OK)
		return rc;
	sha256_init(&c);
	for (int i = 1; i < cli->argc; i++)
		stage_digest_path(&c, cli->argv[i]);
	sha256_digest(&c, sizeof d, d);
	return dist_agree("input files (named on the command line)", d, st);
}

/* A rank > 0 reads the store rank 0 writes: the run rank 0 just made must be there. */
static int stage_same_run(void *ctx, const struct store_run *r)
{
	*(int *)ctx = 1;
	(void)r;
	return 0;
}

static enum status_code stage_follow(struct stage *sg, struct status *st)
{
	int found = 0;
	struct store_err err;
	if (store_run_get(sg->store, sg->run, stage_same_run, &found, &err) != STORE_OK || !found)
		return status_set(st, STATUS_INVALID,
		                  "rank %d: the store %s is not the one rank 0 writes (no run %lld in "
		                  "it): every rank must see the same store file, on a shared file "
		                  "system (--store PATH)",
		                  dist_rank(), store_path(sg->store), (long long)sg->run);
	return STATUS_OK;
}

int stage_open(struct stage *sg, struct cli *cli, const char *stage, const char *name,
               store_id parent, store_id job)
{
	memset(sg, 0, sizeof *sg);
	sg->name = stage;
	sg->job = job;
	sg->tty = isatty(STDERR_FILENO);
	sg->follower = dist_rank() > 0;
	struct status st = STATUS_INIT;
	int64_t run = 0;
	if (cli_store_open(cli, &sg->store) != CLI_OK) {
		/* rank 0 tells the others there is no run; a follower's failure ends the job */
		if (!sg->follower)
			dist_bcast(&run, sizeof run, &st);
		return CLI_FAIL;
	}
	struct store_err err;
	if (!sg->follower && store_run_create(sg->store, stage, name, parent, &sg->run, &err) != STORE_OK) {
		cli_error("%s", err.msg);
		store_close(sg->store);
		sg->store = NULL;
		dist_bcast(&run, sizeof run, &st);
		return CLI_FAIL;
	}
	if (!sg->follower && job > 0 &&
	    store_job_start(sg->store, job, (int64_t)getpid(), sg->run, &err) != STORE_OK) {
		cli_error("%s", err.msg);
		store_run_finish(sg->store, sg->run, "failed", err.msg, NULL);
		store_close(sg->store);
		sg->store = NULL;
		dist_bcast(&run, sizeof run, &st);
		return CLI_FAIL;
	}
	if (dist_size() > 1) {
		run = sg->run;
		enum status_code rc = dist_bcast(&run, sizeof run, &st);
		if (rc == STATUS_OK && run == 0) {
			store_close(sg->store); /* rank 0 failed and said why */
			sg->store = NULL;
			return CLI_FAIL;
		}
		sg->run = run;
		/* every rank learns the first failure, and rank 0 records it */
		if (rc == STATUS_OK && sg->follower)
			rc = stage_follow(sg, &st);
		rc = dist_first_error(rc, &st);
		if (rc == STATUS_OK)
			rc = stage_agree(cli, &st);
		if (rc != STATUS_OK) {
			if (sg->follower) {
				store_close(sg->store);
				sg->store = NULL;
				return CLI_FAIL;
			}
			stage_finish(sg, rc, st.msg);
			return CLI_FAIL;
		}
	}
	stopsig_catch(stage_on_signal, 0);
	sg->start_ms = store_now_ms();
	sg->last_beat_ms = sg->start_ms;
	if (!sg->follower) {
		if (dist_size() > 1)
			stage_param(sg, "ranks", "%d", dist_size());
		if (dist_size() > 1)
			termtext_printf(stderr, "ric %s: run %lld on %d ranks\n", stage, (long long)sg->run,
			                dist_size());
		else
			termtext_printf(stderr, "ric %s: run %lld\n", stage, (long long)sg->run);
	}
	return CLI_OK;
}

int stage_writes(const struct stage *sg) { return !sg->follower; }

void stage_resumes(struct stage *sg, const char *dir)
{
	if (!dir || !*dir || sg->follower)
		return;
	store_id from;
	struct store_err err;
	char real[PATH_MAX];
	/* Registered as the stage wrote it: as given, else by its full path. */
	if (store_checkpoint_run(sg->store, dir, &from, &err) != STORE_OK &&
	    !(realpath(dir, real) && store_checkpoint_run(sg->store, real, &from, &err) == STORE_OK))
		return;
	if (from != sg->run && store_run_set_resumed_from(sg->store, sg->run, from, &err) != STORE_OK)
		stage_say(sg, "warning: %s", err.msg);
}

void stage_param(struct stage *sg, const char *key, const char *fmt, ...)
{
	if (sg->follower)
		return;
	char value[4096];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(value, sizeof value, fmt, ap);
	va_end(ap);
	struct store_err err;
	if (store_param_set(sg->store, sg->run, key, value, &err) != STORE_OK)
		stage_say(sg, "warning: %s", err.msg);
}

void stage_flush(struct stage *sg)
{
	if (sg->follower)
		sg->nbuf = 0;
	if (sg->nbuf == 0)
		return;
	struct store_err err;
	if (store_metrics_add(sg->store, sg->run, sg->buf, sg->nbuf, &err) != STORE_OK)
		stage_say(sg, "warning: %s", err.msg);
	sg->nbuf = 0;
}

void stage_metric(struct stage *sg, const char *key, int64_t step, double value)
{
	if (sg->nbuf == STAGE_METRIC_BATCH)
		stage_flush(sg);
	size_t i = sg->nbuf++;
	snprintf(sg->keys[i], STAGE_KEY_MAX, "%s", key);
	sg->buf[i] = (struct store_metric){ .key = sg->keys[i], .step = step, .value = value,
	                                    .time_ms = store_now_ms() };
}

void stage_progress_start(struct stage *sg, int64_t step)
{
	sg->first_step = step;
	sg->start_ms = store_now_ms();
	sg->tokens = 0;
}

static void stage_eta_text(char *buf, size_t cap, int64_t eta_ms)
{
	if (eta_ms < 0) {
		snprintf(buf, cap, "?");
		return;
	}
	int64_t s = eta_ms / 1000;
	if (s >= 3600)
		snprintf(buf, cap, "%lldh%02lldm", (long long)(s / 3600), (long long)(s / 60 % 60));
	else
		snprintf(buf, cap, "%lldm%02llds", (long long)(s / 60), (long long)(s % 60));
}

void stage_progress(struct stage *sg, int64_t step, int64_t total, double loss, double tokens)
{
	if (sg->follower)
		return;
	int64_t now = store_now_ms();
	sg->tokens += tokens;
	double secs = (double)(now - sg->start_ms) / 1000.0;
	sg->tokens_per_s = secs > 0 ? sg->tokens / secs : 0.0;
	int64_t done = step - sg->first_step;
	int64_t eta_ms = -1;
	if (done > 0 && total >= step)
		eta_ms = (int64_t)((double)(now - sg->start_ms) / (double)done * (double)(total - step));
	char eta[32];
	stage_eta_text(eta, sizeof eta, eta_ms);
	/* Stages without a loss (relabel, eval) pass NAN; stages without tokens
	 * show their own rate (rows or samples per second). */
	char rate[64];
	int n = isnan(loss) ? 0 : snprintf(rate, sizeof rate, "loss %.4f ", loss);
	if (sg->tokens > 0)
		snprintf(rate + n, sizeof rate - (size_t)n, "%.0f tok/s", sg->tokens_per_s);
	else
		snprintf(rate + n, sizeof rate - (size_t)n, "%.1f/s", secs > 0 ? (double)done / secs : 0.0);
	int last = step >= total;
	if (sg->tty && (last || now - sg->last_line_ms >= 100)) {
		/* Redrawn at most ten times a second: fast steps must not wait on the terminal. */
		sg->last_line_ms = now;
		int width = 30, fill = total > 0 ? (int)(width * step / total) : 0;
		char bar[64];
		for (int i = 0; i < width; i++)
			bar[i] = i < fill ? '#' : '.';
		bar[width] = '\0';
		fputs("\r\033[K", stderr);
		termtext_printf(stderr, "%s [%s] %lld/%lld %s ETA %s", sg->name, bar,
		                (long long)step, (long long)total, rate, eta);
		sg->bar_drawn = 1;
		if (last) {
			fputc('\n', stderr);
			sg->bar_drawn = 0;
		}
		fflush(stderr);
	} else if (!sg->tty && (last || step == sg->first_step + 1 || now - sg->last_line_ms >= 5000)) {
		termtext_printf(stderr, "ric %s: step %lld/%lld %s ETA %s\n", sg->name,
		        (long long)step, (long long)total, rate, eta);
		sg->last_line_ms = now;
	}
	stage_beat(sg, now);
	if (sg->job > 0 && (last || now - sg->last_job_ms >= 500)) {
		struct store_err err;
		if (store_job_progress(sg->store, sg->job, step, total, sg->tokens_per_s, eta_ms, &err)
		    != STORE_OK)
			stage_say(sg, "warning: %s", err.msg);
		sg->last_job_ms = now;
	}
}

void stage_checkpoint(struct stage *sg, const char *dir, int64_t step, const char *kind,
                      const char *meta)
{
	if (sg->follower)
		return;
	size_t n = strlen(dir) + 32;
	char *file = malloc(n);
	char hex[SHA256_HEX_SIZE];
	int have_sha = 0;
	if (file) {
		snprintf(file, n, "%s/model.safetensors", dir);
		have_sha = sha256_file(file, hex) == 0;
		if (!have_sha) { /* a LoRA adapter's folder */
			snprintf(file, n, "%s/adapter_model.safetensors", dir);
			have_sha = sha256_file(file, hex) == 0;
		}
		free(file);
	}
	struct store_checkpoint c = { .run = sg->run, .step = step, .kind = kind, .path = dir,
	                              .sha256 = have_sha ? hex : NULL, .meta = meta };
	struct store_err err;
	if (store_checkpoint_add(sg->store, &c, NULL, &err) != STORE_OK)
		stage_say(sg, "warning: %s", err.msg);
}

int stage_finish(struct stage *sg, enum status_code rc, const char *error)
{
	if (sg->follower) {
		/* rank 0 records the run; a rank's own error ends the job (src/dist.h) */
		if (rc != STATUS_OK && rc != STATUS_CANCELLED)
			cli_error("rank %d: %s", dist_rank(), error && *error ? error : "failed");
		store_close(sg->store);
		sg->store = NULL;
		return rc == STATUS_OK ? CLI_OK : rc == STATUS_CANCELLED ? 130 : CLI_FAIL;
	}
	stage_clear_bar(sg);
	stage_flush(sg);
	const char *status = "done";
	if (rc == STATUS_CANCELLED)
		status = "cancelled";
	else if (rc != STATUS_OK)
		status = "failed";
	const char *msg = strcmp(status, "failed") == 0 ? (error && *error ? error : "failed") : NULL;
	if (msg)
		cli_error("%s", msg);
	struct store_err err;
	/* Run and job end together: no reader sees one finished and the other running. */
	enum store_code sc = store_begin(sg->store, &err);
	if (sc == STORE_OK)
		sc = store_run_finish(sg->store, sg->run, status, msg, &err);
	if (sc == STORE_OK && sg->job > 0)
		sc = store_job_set_state(sg->store, sg->job, status, msg, &err);
	if (sc == STORE_OK)
		sc = store_commit(sg->store, &err);
	else
		store_rollback(sg->store);
	if (sc != STORE_OK)
		cli_error("%s", err.msg);
	if (strcmp(status, "cancelled") == 0)
		termtext_printf(stderr, "ric %s: stopped; run %lld cancelled\n", sg->name, (long long)sg->run);
	store_close(sg->store);
	sg->store = NULL;
	if (strcmp(status, "done") == 0)
		return CLI_OK;
	/* 130 like a shell for an interrupted command, so `ric job` can tell it from a crash. */
	return strcmp(status, "cancelled") == 0 ? 130 : CLI_FAIL;
}

int stage_train_option(const struct cli_command *cmd, int c, const char *arg, double max_batch,
                       struct stage_train_opts *t)
{
	switch (c) {
	case 'N': t->name = arg; break;
	case 'r': t->resume = arg; break;
	case 'n': return cli_number(cmd, "--steps", arg, 1, 1e12, &t->steps);
	case 'b': return cli_number(cmd, "--batch", arg, 1, max_batch, &t->batch);
	case 'l': return cli_number(cmd, "--lr", arg, 0, 10, &t->lr);
	case 'w': return cli_number(cmd, "--warmup", arg, 0, 1e12, &t->warmup);
	case 'W': return cli_number(cmd, "--weight-decay", arg, 0, 10, &t->wd);
	case 'c': return cli_number(cmd, "--clip", arg, 0, 1e9, &t->clip);
	case 'K': return cli_number(cmd, "--save-every", arg, 0, 1e12, &t->save_every);
	case 's': return cli_number(cmd, "--seed", arg, 0, 9e15, &t->seed);
	case 'S': return cli_number(cmd, "--stop-at", arg, 1, 1e12, &t->stop_at);
	case 'j': return cli_number(cmd, "--job", arg, 1, 9e15, &t->job);
	case STAGE_OPT_LORA_RANK: return cli_number(cmd, "--lora-rank", arg, 1, 65536, &t->lora_rank);
	case STAGE_OPT_LORA_ALPHA:
		if (cli_number(cmd, "--lora-alpha", arg, 0, 1e9, &t->lora_alpha) != CLI_OK)
			return CLI_USAGE;
		if (!(t->lora_alpha > 0))
			return cli_bad_usage(cmd, "--lora-alpha %s: the scale must be above 0", arg);
		return CLI_OK;
	case STAGE_OPT_LORA_DROPOUT:
		if (cli_number(cmd, "--lora-dropout", arg, 0, 1, &t->lora_dropout) != CLI_OK)
			return CLI_USAGE;
		if (t->lora_dropout >= 1)
			return cli_bad_usage(cmd, "--lora-dropout %s: must be below 1", arg);
		return CLI_OK;
	case STAGE_OPT_LORA_TARGETS:
		if (!*arg)
			return cli_bad_usage(cmd, "--lora-targets: give all-linear or module names");
		t->lora_targets = arg;
		return CLI_OK;
	}
	return CLI_OK;
}

int stage_train_check(const struct cli_command *cmd, struct stage_train_opts *t)
{
	if (t->lora_rank > 0) {
		if (!(t->lora_alpha > 0))
			t->lora_alpha = 2 * t->lora_rank;
		if (!t->lora_targets)
			t->lora_targets = "all-linear";
		return CLI_OK;
	}
	if (t->lora_alpha > 0 || t->lora_targets || t->lora_dropout > 0)
		return cli_bad_usage(cmd, "--lora-alpha, --lora-targets and --lora-dropout go with "
		                     "--lora-rank R");
	return CLI_OK;
}

void stage_train_params(struct stage *sg, const struct stage_train_opts *t)
{
	stage_param(sg, "batch", "%g", t->batch);
	stage_param(sg, "lr", "%g", t->lr);
	stage_param(sg, "warmup", "%g", t->warmup);
	stage_param(sg, "schedule", "linear");
	stage_param(sg, "weight_decay", "%g", t->wd);
	stage_param(sg, "clip", "%g", t->clip);
}

static int stage_last_one(void *ctx, const struct store_checkpoint *c)
{
	char **best = ctx;
	size_t n = strlen(c->path) + 32;
	char *p = malloc(n);
	if (!p)
		return 0;
	snprintf(p, n, "%s/trainer_state.json", c->path);
	if (access(p, R_OK) == 0) {
		free(*best);
		*best = strdup(c->path);
	}
	free(p);
	return 0;
}

char *stage_last_state(struct store *s, store_id run)
{
	char *best = NULL;
	store_checkpoints_each(s, run, stage_last_one, &best, NULL);
	return best;
}

enum status_code stage_save(struct stage *sg, const char *out, long step, const char *kind, const char *meta,
                            const struct model_params *p, const struct checkpoint_save_opts *so,
                            const struct optim *opt, struct stage_state *ss, struct status *st)
{
	size_t n = strlen(out) + 48;
	char *dir = malloc(n);
	if (!dir)
		return status_set(st, STATUS_NOMEM, "out of memory");
	snprintf(dir, n, "%s/checkpoint-%ld", out, step);
	ss->step = step;
	if (sg->follower) { /* rank 0 alone writes */
		free(dir);
		return STATUS_OK;
	}
	enum status_code rc = stage_state_save(dir, p, so, opt, ss, st);
	if (rc == STATUS_OK)
		stage_checkpoint(sg, dir, step, kind, meta);
	free(dir);
	return rc;
}

enum status_code stage_step_done(struct stage *sg, struct stage_saving *sv, const struct train *t,
                                 long step, long total, double loss, double tokens, struct status *st)
{
	enum status_code rc = STATUS_OK;
	stage_metric(sg, "loss", step, loss);
	stage_metric(sg, "lr", step, t->last_lr);
	stage_metric(sg, "grad_norm", step, t->last_norm);
	stage_progress(sg, step, total, loss, tokens);
	stage_metric(sg, "tokens_per_s", step, sg->tokens_per_s);
	int stop_here = sv->stop_at > 0 && step == (long)sv->stop_at && step < total;
	if ((sv->save_every > 0 && step % (long)sv->save_every == 0 && step < total) || stop_here) {
		if (sv->whole)
			rc = sv->whole(sv->whole_ctx, st);
		if (rc == STATUS_OK)
			rc = stage_save(sg, sv->out, step, sv->kind, sv->meta, sv->p, sv->so, sv->opt,
			                sv->ss, st);
		sv->saved = step;
	}
	if (stop_here) {
		stage_request_stop();
		rc = STATUS_CANCELLED;
	}
	return rc;
}

void stage_save_reached(struct stage *sg, struct stage_saving *sv, long step)
{
	if (step <= sv->saved)
		return;
	struct status st = STATUS_INIT;
	if ((sv->whole && sv->whole(sv->whole_ctx, &st) != STATUS_OK) ||
	    stage_save(sg, sv->out, step, sv->kind, sv->meta, sv->p, sv->so, sv->opt, sv->ss, &st) != STATUS_OK)
		stage_say(sg, "could not save the checkpoint: %s", st.msg);
}
