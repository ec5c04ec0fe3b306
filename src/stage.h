/* stage: what every long stage (pretrain, rm-train, sft, online) shares: its
 * run in the store with all parameters, metrics in batches, checkpoints with
 * their training state, a progress bar (or plain log lines), SIGTERM/SIGINT
 * handling and, under `ric job start`, progress and heartbeat in the jobs table.
 *
 *   struct stage sg;
 *   if (stage_open(&sg, cli, "pretrain", name, parent, job_id) != CLI_OK) return CLI_FAIL;
 *   stage_param(&sg, "lr", "%g", lr);                    // every parameter, before training
 *   for (long step = 1; step <= total && !stage_stopping(); step++) {
 *       ... train_step ...
 *       stage_metric(&sg, "loss", step, loss);
 *       stage_progress(&sg, step, total, loss, tokens);  // bar / log line / job row
 *   }
 *   stage_checkpoint(&sg, dir, step, "policy", meta);   // sha256 of model.safetensors
 *   return stage_finish(&sg, rc, errmsg);               // done / cancelled / failed
 *
 * stage_hooks() gives the engine an abort hook that polls the signal flag, so
 * a SIGTERM lands within one layer; the stage then checkpoints and finishes
 * as cancelled. Messages go to stderr; the engine's log lines too.
 */
#ifndef RIC_SRC_STAGE_H
#define RIC_SRC_STAGE_H

#include "src/cli.h"
#include "engine/status.h"
#include "store/store.h"

#include <stdint.h>

#define STAGE_METRIC_BATCH 64
#define STAGE_KEY_MAX 48
/* How often a run records that it is alive. */
#define STAGE_BEAT_MS 5000

struct stage {
	struct store *store;
	store_id run;
	store_id job;            /* 0: not a job */
	const char *name;        /* the stage */
	int tty;                 /* stderr is a terminal: draw a bar */
	int64_t start_ms;
	int64_t last_line_ms;    /* last plain progress line */
	int64_t last_job_ms;     /* last jobs-table update */
	int64_t last_beat_ms;    /* last run heartbeat */
	int64_t first_step;      /* step the timer started at (resume) */
	double tokens;           /* tokens since start_ms */
	double tokens_per_s;
	size_t nbuf;
	struct store_metric buf[STAGE_METRIC_BATCH];
	char keys[STAGE_METRIC_BATCH][STAGE_KEY_MAX];
	int bar_drawn;
	int follower;            /* an mpirun rank > 0: reads the store, never writes it */
};

/* Opens the store, creates the run (name NULL: "<stage>-<id>"), installs the
 * SIGTERM/SIGINT/SIGHUP handlers and, with job > 0, marks the job running with this
 * pid and run. Prints the error and returns CLI_FAIL on failure. Under
 * mpirun rank 0 does all that; the other ranks open the store read-only,
 * check it holds rank 0's run and that their arguments and the files they
 * name digest as rank 0's (one clear error when not, recorded in the run). */
int stage_open(struct stage *sg, struct cli *cli, const char *stage, const char *name,
               store_id parent, store_id job);

/* Whether this process writes the store, checkpoints and output files:
 * always, but on an mpirun rank > 0 (src/dist.h). */
int stage_writes(const struct stage *sg);

/* Links the run to the run that saved checkpoint folder dir (--resume DIR),
 * when the store knows it. */
void stage_resumes(struct stage *sg, const char *dir);

/* Records a parameter (printf-style value). */
void stage_param(struct stage *sg, const char *key, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Buffers a metric; flushed every STAGE_METRIC_BATCH and at finish. */
void stage_metric(struct stage *sg, const char *key, int64_t step, double value);
void stage_flush(struct stage *sg);

/* Progress after `step` of `total` with `tokens` processed in this step:
 * redraws the bar (terminal), prints a line every few seconds (no terminal),
 * updates the job row and heartbeat (at most twice a second). A stage
 * without a loss passes NAN; one without tokens passes 0 and is shown its
 * steps per second. */
void stage_progress(struct stage *sg, int64_t step, int64_t total, double loss, double tokens);
/* Starts the ETA clock at `step` (after a resume). */
void stage_progress_start(struct stage *sg, int64_t step);

/* Registers a checkpoint folder (sha256 of its model.safetensors); meta may be NULL. */
void stage_checkpoint(struct stage *sg, const char *dir, int64_t step, const char *kind,
                      const char *meta);

/* Ends the run: done when rc == STATUS_OK, cancelled when STATUS_CANCELLED,
 * failed with `error` otherwise (printed); the job row
 * follows. Closes the store. Returns the exit status. */
int stage_finish(struct stage *sg, enum status_code rc, const char *error);

/* The signal flag: set by SIGTERM/SIGINT, or by stage_request_stop(). */
int stage_stopping(void);
void stage_request_stop(void);
/* Hooks whose abort polls the flag and whose log prints to stderr. */
struct hooks stage_hooks(struct stage *sg);
/* Prints a message line, clearing the bar first. */
void stage_say(struct stage *sg, const char *fmt, ...) __attribute__((format(printf, 2, 3)));


/* The options the training stages share, embedded in each stage's own:
 *
 *   struct sft_opts { ...; struct stage_train_opts t; };
 *   static const struct option opts[] = { { "base", ... }, STAGE_TRAIN_OPTIONS,
 *                                         STAGE_SCHEDULE_OPTIONS, { NULL, 0, NULL, 0 } };
 *   switch (c) {
 *   case 'B': o->base = optarg; break;
 *   ...
 *   default: rc = stage_train_option(cmd, c, optarg, 4096, &o->t); break;
 *   }
 *
 * Their characters (n b l c s N r j w W K S) are free for no other option. */
struct stage_train_opts {
	const char *name, *resume;
	double steps, batch, lr, warmup, wd, clip, save_every, seed, stop_at, job;
	/* LoRA (src/stage_lora.h): rank 0 trains every weight */
	double lora_rank, lora_alpha, lora_dropout;
	const char *lora_targets;
};

/* getopt values of the LoRA options, past every character */
enum { STAGE_OPT_LORA_RANK = 0x4c00, STAGE_OPT_LORA_ALPHA, STAGE_OPT_LORA_TARGETS,
       STAGE_OPT_LORA_DROPOUT };

#define STAGE_TRAIN_OPTIONS                                                                      \
	{ "lora-rank", required_argument, NULL, STAGE_OPT_LORA_RANK },                           \
	{ "lora-alpha", required_argument, NULL, STAGE_OPT_LORA_ALPHA },                         \
	{ "lora-targets", required_argument, NULL, STAGE_OPT_LORA_TARGETS },                     \
	{ "lora-dropout", required_argument, NULL, STAGE_OPT_LORA_DROPOUT },                     \
	{ "steps", required_argument, NULL, 'n' }, { "batch", required_argument, NULL, 'b' },    \
	{ "lr", required_argument, NULL, 'l' }, { "clip", required_argument, NULL, 'c' },        \
	{ "seed", required_argument, NULL, 's' }, { "name", required_argument, NULL, 'N' },      \
	{ "resume", required_argument, NULL, 'r' }, { "job", required_argument, NULL, 'j' },     \
	{ "help", no_argument, NULL, 'h' }

/* The stages that warm up, decay weights and checkpoint by steps (all but online). */
#define STAGE_SCHEDULE_OPTIONS                                                                   \
	{ "warmup", required_argument, NULL, 'w' },                                              \
	{ "weight-decay", required_argument, NULL, 'W' },                                        \
	{ "save-every", required_argument, NULL, 'K' }, { "stop-at", required_argument, NULL, 'S' }

/* Parses shared option c of the tables above into *t, --batch up to max_batch:
 * CLI_OK, or a usage error naming the option. Other characters are left alone.
 * Call stage_train_check after the options. */
int stage_train_option(const struct cli_command *cmd, int c, const char *arg, double max_batch,
                       struct stage_train_opts *t);

/* Records batch, lr, warmup, the linear schedule, weight_decay and clip. */
void stage_train_params(struct stage *sg, const struct stage_train_opts *t);
/* What the options say together (the LoRA ones go with --lora-rank):
 * CLI_OK or a usage error. */
int stage_train_check(const struct cli_command *cmd, struct stage_train_opts *t);

/* The newest checkpoint folder of a run that holds training state, malloc'd, or NULL. */
char *stage_last_state(struct store *s, store_id run);

struct model_params;
struct checkpoint_save_opts;
struct optim;
struct stage_state;
/* Saves OUT/checkpoint-STEP with its training state (src/stage_state.h) and
 * registers it as `kind` with `meta` (ric.json text, may be NULL). */
enum status_code stage_save(struct stage *sg, const char *out, long step, const char *kind, const char *meta,
                            const struct model_params *p, const struct checkpoint_save_opts *so,
                            const struct optim *opt, struct stage_state *ss, struct status *st);

/* The end of one optimizer step, as every training stage does it: the
 * metrics loss, lr, grad_norm and tokens_per_s, the progress line (tokens
 * read this step), a checkpoint every save_every steps (not at the last step)
 * and at stop_at, where the stage is asked to stop and STATUS_CANCELLED comes
 * back. When the run was cancelled, stage_save_reached checkpoints the step
 * it reached unless that one is saved already, so resume loses nothing.
 *
 *   struct stage_saving sv = { .out = out, .kind = "policy", .p = &p, .so = &so,
 *                              .opt = &t.opt, .ss = &ss, .save_every = K, .saved = step };
 *   rc = stage_step_done(&sg, &sv, &t, step, total, loss, tokens, &st);
 *   ...
 *   if (rc == STATUS_CANCELLED) stage_save_reached(&sg, &sv, step);
 */
struct train;
struct stage_saving {
	const char *out, *kind, *meta;     /* as stage_save's */
	const struct model_params *p;
	const struct checkpoint_save_opts *so;
	const struct optim *opt;
	struct stage_state *ss;
	double save_every, stop_at;        /* 0: never */
	long saved;                        /* the last step checkpointed */
	/* called on every rank before opt is saved (NULL: none): a sharded
	 * optimizer (src/train_loop.c) makes its moments whole first */
	enum status_code (*whole)(void *ctx, struct status *st);
	void *whole_ctx;
};
enum status_code stage_step_done(struct stage *sg, struct stage_saving *sv, const struct train *t,
                                 long step, long total, double loss, double tokens, struct status *st);
void stage_save_reached(struct stage *sg, struct stage_saving *sv, long step);

#endif
