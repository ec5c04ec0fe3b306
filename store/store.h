/* store: the SQLite experiment store (runs, metrics, checkpoints, data, samples, jobs).
 *
 *   struct store *s;
 *   struct store_err err;
 *   if (store_open("/home/me/.local/share/ric/store.db", STORE_CREATE | STORE_MKDIR, &s, &err) != STORE_OK) {
 *       fprintf(stderr, "ric: %s\n", err.msg);
 *       return 1;
 *   }
 *   store_id run;
 *   store_run_create(s, "sft", "sft-demo", 0, &run, &err);
 *   store_param_set(s, run, "lr", "3e-4", &err);
 *   struct store_metric m[] = { { .key = "loss", .step = 1, .value = 2.31 } };
 *   store_metrics_add(s, run, m, 1, &err);
 *   store_run_finish(s, run, "done", NULL, &err);
 *   store_close(s);
 *
 * Queries call a function once per row; the strings they pass live until that
 * function returns, and a nonzero return stops the walk early:
 *
 *   static int print_run(void *ctx, const struct store_run *r)
 *   { printf("%lld %s\n", (long long)r->id, r->name); return 0; }
 *   struct store_run_filter f = { .stage = "sft" };
 *   store_runs_each(s, &f, print_run, NULL, &err);
 *
 * Every write runs in a transaction of its own; wrap several in
 * store_begin()/store_commit() to make them one (they nest, through SAVEPOINT).
 * The store never prints and never exits; every call returns a code and fills
 * `err` (which may be NULL) with a message naming the file and the problem.
 * Times are INTEGER milliseconds since the epoch. One struct store belongs to
 * one thread at a time; processes share the file safely (WAL, busy timeout).
 */
#ifndef RIC_STORE_STORE_H
#define RIC_STORE_STORE_H

#include <stddef.h>
#include <stdint.h>

enum store_code {
	STORE_OK = 0,
	STORE_EINVAL,   /* bad argument */
	STORE_EIO,      /* the file or its folder cannot be used */
	STORE_ENOTDB,   /* the file is not a SQLite database, or not a ric store */
	STORE_ENEWER,   /* written by a newer ric: refuse rather than guess */
	STORE_EREADONLY,/* a write was needed but the store is read-only */
	STORE_ENOTFOUND,/* no such run, tag, ... */
	STORE_ECORRUPT, /* integrity or invariant check failed */
	STORE_EINTERNAL /* an unexpected SQLite error */
};

#define STORE_ERR_MAX 512
struct store_err {
	enum store_code code;
	char msg[STORE_ERR_MAX];
};

enum store_open_flags {
	STORE_CREATE = 1 << 0,   /* create the file when missing; its folder must exist */
	STORE_READONLY = 1 << 1, /* never write: no migration, no creation */
	STORE_MKDIR = 1 << 2     /* with STORE_CREATE, create missing folders too (for a default
	                          * path, never one the user typed: a typo would go unnoticed) */
};

/* The schema version this build writes; see store/schema.c. */
#define STORE_SCHEMA_VERSION 4
/* Largest image a row may carry, in PNG bytes (a 32x32 PNG is a few KB). */
#define STORE_IMAGE_MAX 1048576
/* Most objectives a vector (preference, scores) may hold. */
#define STORE_MAX_OBJ 16

typedef int64_t store_id;

struct store;

enum store_code store_open(const char *path, int flags, struct store **out, struct store_err *err);
void store_close(struct store *s);
const char *store_path(const struct store *s);
int store_schema_version(const struct store *s);
int64_t store_now_ms(void);
const char *store_code_name(enum store_code code);

/* A number that changes whenever another connection (another process) has
 * committed to the store: a poller compares it and rereads only then. */
enum store_code store_data_version(struct store *s, int64_t *out, struct store_err *err);

/* Transactions: the outermost is BEGIN IMMEDIATE, inner ones SAVEPOINTs. */
enum store_code store_begin(struct store *s, struct store_err *err);
enum store_code store_commit(struct store *s, struct store_err *err);
void store_rollback(struct store *s);

/* ---- runs ---------------------------------------------------------------- */
/* NULL-terminated: import relabel pretrain sft online eval rm-train generate. */
extern const char *const store_stages[];
/* Status: running done failed cancelled. */
struct store_run {
	store_id id;
	store_id parent;        /* 0: none */
	const char *name;
	const char *stage;
	const char *status;
	const char *error;      /* NULL unless failed */
	int64_t created_ms;
	int64_t finished_ms;    /* 0 while running */
	store_id resumed_from;  /* the run this one continues (a resume), 0: none */
	int64_t pid;            /* the process doing it, 0: not recorded */
	const char *proc_start; /* that process's identity (store_set_process), may be NULL */
	int64_t heartbeat_ms;   /* last sign of life, 0: none */
};

struct store_run_filter {
	const char *stage;      /* NULL: any */
	const char *tag;        /* NULL: any */
	store_id parent;        /* 0: any; runs whose parent is this run */
	int limit;              /* 0: all */
	const char *status;     /* NULL: any */
};

typedef int (*store_run_fn)(void *ctx, const struct store_run *run);

/* The process this connection works for: every run it creates and every job
 * it starts with this pid record it, with `proc_start` (an opaque text that
 * tells this process from a later one given the same pid; may be NULL), so a
 * run whose process died can be told from one still going. */
enum store_code store_set_process(struct store *s, int64_t pid, const char *proc_start,
                                  struct store_err *err);

/* name NULL: "<stage>-<id>". parent 0: none. */
enum store_code store_run_create(struct store *s, const char *stage, const char *name,
                                 store_id parent, store_id *out, struct store_err *err);
enum store_code store_run_finish(struct store *s, store_id run, const char *status,
                                 const char *error, struct store_err *err);
/* Records a sign of life of a running run. */
enum store_code store_run_heartbeat(struct store *s, store_id run, struct store_err *err);
/* The run that `run` continues (from must be older). */
enum store_code store_run_set_resumed_from(struct store *s, store_id run, store_id from,
                                           struct store_err *err);
/* A running run whose process is gone: failed with `error`, with its running
 * jobs, and the datasets it had not finished importing deleted, in one
 * transaction. *changed (may be NULL) is 0 when the run was no longer running. */
enum store_code store_run_fail_dead(struct store *s, store_id run, const char *error,
                                    int *changed, struct store_err *err);
/* Deletes the run with everything it owns, its files beside the store
 * (store_run_files_dir) included; its children lose their parent. */
enum store_code store_run_delete(struct store *s, store_id run, struct store_err *err);
/* The folder beside the store where a run keeps files the database names by
 * path (the PNG images `ric eval` draws from an image model):
 * "STORE.files/run-ID". 0 when it fits in cap (an in-memory store has none:
 * -1). The caller makes it; store_run_delete removes it. */
int store_run_files_dir(const struct store *s, store_id run, char *buf, size_t cap);
/* That folder into buf, made (with STORE.files) if missing, for a stage
 * that writes files there. */
enum store_code store_run_files_make(const struct store *s, store_id run, char *buf, size_t cap,
                                     struct store_err *err);
/* Copies the plain files of the folder `from` into the run's files folder,
 * which must hold none yet (a run just seeded from another store file), and
 * points the run's samples that name one of them (the whole name, or a
 * path's last part) at its copy; *n_files says how many. All or nothing: on
 * an error no copy stays. `from` is only read: store_run_delete removes the
 * copies, never the originals. */
enum store_code store_run_files_adopt(struct store *s, store_id run, const char *from,
                                      size_t *n_files, struct store_err *err);
enum store_code store_run_get(struct store *s, store_id run, store_run_fn fn, void *ctx,
                              struct store_err *err);
/* Newest first. */
enum store_code store_runs_each(struct store *s, const struct store_run_filter *f,
                                store_run_fn fn, void *ctx, struct store_err *err);
/* A run id, else a unique run name, else a tag held by exactly one run. */
enum store_code store_run_resolve(struct store *s, const char *ref, store_id *out,
                                  struct store_err *err);

/* ---- params, tags, notes ----------------------------------------------- */
typedef int (*store_kv_fn)(void *ctx, const char *key, const char *value);
enum store_code store_param_set(struct store *s, store_id run, const char *key,
                                const char *value, struct store_err *err);
enum store_code store_params_each(struct store *s, store_id run, store_kv_fn fn, void *ctx,
                                  struct store_err *err);

typedef int (*store_tag_fn)(void *ctx, const char *tag);
/* Adding a tag the run already has is not an error. */
enum store_code store_tag_add(struct store *s, store_id run, const char *tag, struct store_err *err);
enum store_code store_tag_remove(struct store *s, store_id run, const char *tag, struct store_err *err);
enum store_code store_tags_each(struct store *s, store_id run, store_tag_fn fn, void *ctx,
                                struct store_err *err);

struct store_note {
	store_id id;
	int64_t time_ms;
	const char *text;
};
typedef int (*store_note_fn)(void *ctx, const struct store_note *note);
enum store_code store_note_add(struct store *s, store_id run, const char *text, store_id *out,
                               struct store_err *err);
enum store_code store_notes_each(struct store *s, store_id run, store_note_fn fn, void *ctx,
                                 struct store_err *err);

/* ---- metrics ------------------------------------------------------------- */
struct store_metric {
	const char *key;        /* loss, lr, tokens_per_s, reward/helpful, ... */
	int64_t step;
	double value;
	int64_t time_ms;        /* 0 on input: now */
};
typedef int (*store_metric_fn)(void *ctx, const struct store_metric *m);
/* One transaction for the batch; a (key, step) logged again replaces the old value. */
enum store_code store_metrics_add(struct store *s, store_id run, const struct store_metric *m,
                                  size_t n, struct store_err *err);
/* The value at the highest step of every key, by key. */
enum store_code store_metrics_latest_each(struct store *s, store_id run, store_metric_fn fn,
                                          void *ctx, struct store_err *err);
/* All keys when key is NULL; by key, then step. */
enum store_code store_metric_series_each(struct store *s, store_id run, const char *key,
                                         store_metric_fn fn, void *ctx, struct store_err *err);

/* ---- checkpoints --------------------------------------------------------- */
struct store_checkpoint {
	store_id id;
	store_id run;
	int64_t step;
	const char *kind;       /* policy | reward */
	const char *path;       /* the tensors stay in this file */
	const char *sha256;     /* may be NULL */
	const char *meta;       /* RiC metadata the file carries (JSON text), may be NULL */
	int64_t created_ms;
};
typedef int (*store_checkpoint_fn)(void *ctx, const struct store_checkpoint *c);
enum store_code store_checkpoint_add(struct store *s, const struct store_checkpoint *c,
                                     store_id *out, struct store_err *err);
/* By step. */
enum store_code store_checkpoints_each(struct store *s, store_id run, store_checkpoint_fn fn,
                                       void *ctx, struct store_err *err);
/* The run that registered the checkpoint folder `path` (the newest such), or STORE_ENOTFOUND. */
enum store_code store_checkpoint_run(struct store *s, const char *path, store_id *run,
                                     struct store_err *err);

/* ---- datasets, rows, objectives, rewards --------------------------------- */
struct store_dataset {
	store_id id;
	store_id run;           /* the run that imported it, 0: none */
	const char *name;       /* unique */
	const char *source;     /* file or spec it came from, may be NULL */
	int64_t created_ms;
	int64_t n_rows;
};
typedef int (*store_dataset_fn)(void *ctx, const struct store_dataset *d);
enum store_code store_dataset_create(struct store *s, const char *name, const char *source,
                                     store_id run, store_id *out, struct store_err *err);
/* An import: like store_dataset_create, but the dataset stays incomplete --
 * left out of store_dataset_find and store_datasets_each, yet open to
 * store_rows_add and store_objective_add -- until store_dataset_complete.
 * An incomplete dataset of the same name whose import run is no longer
 * running (an import killed outright) is deleted first; one whose import is
 * still running makes it fail. */
enum store_code store_dataset_start(struct store *s, const char *name, const char *source,
                                    store_id run, store_id *out, struct store_err *err);
enum store_code store_dataset_complete(struct store *s, store_id dataset, struct store_err *err);
/* The end of an import, as one commit: the run's metrics m[0..n), the
 * dataset completed (so shown) and the run "done" -- or none of them. */
enum store_code store_dataset_finish(struct store *s, store_id dataset, store_id run,
                                     const struct store_metric *m, size_t n,
                                     struct store_err *err);
/* Deletes every incomplete dataset whose import run is no longer running
 * (one that could not clean up after itself: a full disk, a kill); fn (may
 * be NULL) sees each one as it goes. */
enum store_code store_datasets_drop_unfinished(struct store *s, store_dataset_fn fn, void *ctx,
                                               struct store_err *err);
enum store_code store_dataset_find(struct store *s, const char *name, store_id *out,
                                   struct store_err *err);
enum store_code store_datasets_each(struct store *s, store_dataset_fn fn, void *ctx,
                                    struct store_err *err);
/* Seeding a fresh store (no runs, no datasets) with every run, dataset,
 * result and checkpoint record of the store file `path` (schema version 2 up to this one),
 * ids kept; its jobs are not copied. */
enum store_code store_seed(struct store *s, const char *path, struct store_err *err);
/* The same into a store that may have runs already (a second bundled demo):
 * the file's ids are moved past the store's largest per table, references
 * with them. */
enum store_code store_seed_add(struct store *s, const char *path, struct store_err *err);
/* Checkpoint paths that are relative become dir/path. */
enum store_code store_checkpoints_rebase(struct store *s, const char *dir, struct store_err *err);

/* Deletes a dataset with its rows, objectives and rewards (an import that failed). */
enum store_code store_dataset_delete(struct store *s, store_id dataset, struct store_err *err);

struct store_row {
	store_id id;
	const char *prompt;
	const char *response;
	int n;                  /* rewards below, in objective order; on output only */
	double reward[STORE_MAX_OBJ];
	int has_reward[STORE_MAX_OBJ];
	const char *split;      /* "train" or "eval"; NULL on input: "train" */
	store_id pair;          /* preference pair within the dataset (> 0), 0: a plain row */
	const char *role;       /* "chosen" or "rejected" when pair is set, else NULL */
	const void *image;      /* an image row's picture as PNG bytes (ric dataset
	                         * import-images), else NULL; response then holds the
	                         * file it came from and prompt "" */
	size_t image_len;
};
typedef int (*store_row_fn)(void *ctx, const struct store_row *r);
/* How many of a dataset's rows are image rows, out of how many: a dataset
 * is an image dataset when every row is (import-images makes no mixed ones). */
enum store_code store_dataset_images(struct store *s, store_id dataset, int64_t *n_image,
                                     int64_t *n_rows, struct store_err *err);
/* Appends rows in one transaction; ids_out (may be NULL) gets n ids. Both rows
 * of a pair share its prompt and split; give them in the same call. */
enum store_code store_rows_add(struct store *s, store_id dataset, const struct store_row *rows,
                               size_t n, store_id *ids_out, struct store_err *err);
/* By id, each with its rewards. */
enum store_code store_rows_each(struct store *s, store_id dataset, store_row_fn fn, void *ctx,
                                struct store_err *err);
/* Sets prompt and response of rows given by id (all of the dataset's, or it
 * fails as a whole), in one transaction: texts shipped apart from a seed. */
enum store_code store_rows_set_text(struct store *s, store_id dataset, const struct store_row *rows,
                                    size_t n, struct store_err *err);

/* Which rows store_rows_query walks (by id, each with its rewards). Zeroed: all.
 * Relabel resumes with .lacking: rows scored in an earlier, interrupted run
 * are skipped, so pages of .limit rows after .after continue the work. */
struct store_row_query {
	const char *split;      /* "train" or "eval"; NULL: both */
	store_id after;         /* only rows with a larger id */
	int64_t limit;          /* at most this many rows; 0: no limit */
	store_id lacking;       /* an objective: only rows without a reward for it; 0: any */
};
enum store_code store_rows_query(struct store *s, store_id dataset, const struct store_row_query *q,
                                 store_row_fn fn, void *ctx, struct store_err *err);
/* How many rows store_rows_query would walk (ignoring .after and .limit). */
enum store_code store_rows_count(struct store *s, store_id dataset, const struct store_row_query *q,
                                 int64_t *out, struct store_err *err);

/* A preference pair: two rows of one prompt, the chosen one preferred. */
struct store_pair {
	store_id pair;
	const char *split;
	const char *prompt;
	store_id chosen_row, rejected_row;
	const char *chosen, *rejected;   /* the two responses */
};
typedef int (*store_pair_fn)(void *ctx, const struct store_pair *p);
/* By pair id; split NULL: both. */
enum store_code store_pairs_each(struct store *s, store_id dataset, const char *split,
                                 store_pair_fn fn, void *ctx, struct store_err *err);
enum store_code store_pairs_count(struct store *s, store_id dataset, const char *split,
                                  int64_t *out, struct store_err *err);

struct store_objective {
	store_id id;
	store_id dataset;
	int pos;                /* 0-based order in prompts and vectors */
	const char *name;
	const char *spec;       /* reward spec: "rule:positivity", "rm:/path", "cmd:..." */
	int has_stats;          /* mu..hi below are set */
	double mu, sigma, lo, hi;
};
typedef int (*store_objective_fn)(void *ctx, const struct store_objective *o);
/* Takes the next position. */
enum store_code store_objective_add(struct store *s, store_id dataset, const char *name,
                                    const char *spec, store_id *out, struct store_err *err);
enum store_code store_objective_set_stats(struct store *s, store_id objective, double mu,
                                          double sigma, double lo, double hi,
                                          struct store_err *err);
enum store_code store_objectives_each(struct store *s, store_id dataset, store_objective_fn fn,
                                      void *ctx, struct store_err *err);
/* STORE_ENOTFOUND when the dataset has no objective of that name. */
enum store_code store_objective_find(struct store *s, store_id dataset, const char *name,
                                     store_id *out, struct store_err *err);
/* Deletes an objective with its scores; the objectives after it move up one
 * position. */
enum store_code store_objective_delete(struct store *s, store_id objective, struct store_err *err);
/* Also records which run computed the stats and over how many rows (run 0: none). */
enum store_code store_objective_set_stats_from(struct store *s, store_id objective, double mu,
                                               double sigma, double lo, double hi, store_id run,
                                               int64_t n_rows, struct store_err *err);
/* Every stored value of one objective over the rows of a split (NULL: both), by row id. */
typedef int (*store_reward_fn)(void *ctx, store_id row, double value);
enum store_code store_rewards_each(struct store *s, store_id objective, const char *split,
                                   store_reward_fn fn, void *ctx, struct store_err *err);
/* values is n rows x n_obj, row-major; a value given again replaces the old one. */
enum store_code store_rewards_add(struct store *s, const store_id *objectives, int n_obj,
                                  const store_id *rows, const double *values, size_t n,
                                  struct store_err *err);

/* ---- samples, evaluation points, fronts -------------------------------- */
struct store_sample {
	store_id id;
	store_id run;
	int iteration;          /* online iteration, 0 for evaluation */
	store_id point;         /* evaluation point it belongs to, 0: none */
	const char *prompt;
	const char *response;
	int n;                  /* objectives in the vectors below */
	double preference[STORE_MAX_OBJ];
	double desired[STORE_MAX_OBJ];   /* normalised target scores */
	double raw[STORE_MAX_OBJ];       /* obtained raw scores */
	double norm[STORE_MAX_OBJ];      /* obtained normalised scores */
	int kept;               /* -1 not decided, 0 dropped, 1 kept by rejection sampling */
	int64_t time_ms;
};
typedef int (*store_sample_fn)(void *ctx, const struct store_sample *smp);
/* One transaction for the batch; ids_out may be NULL. */
enum store_code store_samples_add(struct store *s, const struct store_sample *v, size_t n,
                                  store_id *ids_out, struct store_err *err);
enum store_code store_samples_each(struct store *s, store_id run, store_sample_fn fn, void *ctx,
                                   struct store_err *err);
enum store_code store_samples_count(struct store *s, store_id run, int64_t *out,
                                    struct store_err *err);

struct store_point {
	store_id id;
	store_id run;
	int n;
	double preference[STORE_MAX_OBJ];
	double raw_mean[STORE_MAX_OBJ];
	double norm_mean[STORE_MAX_OBJ];
	int64_t n_samples;
	int64_t created_ms;
};
typedef int (*store_point_fn)(void *ctx, const struct store_point *p);
enum store_code store_point_add(struct store *s, const struct store_point *p, store_id *out,
                                struct store_err *err);
enum store_code store_points_each(struct store *s, store_id run, store_point_fn fn, void *ctx,
                                  struct store_err *err);

struct store_front {
	store_id id;
	store_id run;
	const char *name;
	double hypervolume;
	int n;
	double reference[STORE_MAX_OBJ];
	int64_t n_points;
	int64_t created_ms;
};
typedef int (*store_front_fn)(void *ctx, const struct store_front *f);
/* points: ids of evaluation points on the front. */
enum store_code store_front_add(struct store *s, const struct store_front *f,
                                const store_id *points, size_t n_points, store_id *out,
                                struct store_err *err);
enum store_code store_fronts_each(struct store *s, store_id run, store_front_fn fn, void *ctx,
                                  struct store_err *err);
enum store_code store_front_points_each(struct store *s, store_id front, store_point_fn fn,
                                        void *ctx, struct store_err *err);

/* ---- jobs ---------------------------------------------------------------- */
/* States: queued running done failed cancelled. */
struct store_job {
	store_id id;
	store_id run;           /* 0 until the job has made its run */
	const char *argv;       /* the command line */
	int64_t pid;            /* 0 before it starts */
	const char *state;
	int64_t step, total;
	double tokens_per_s;
	int64_t eta_ms;         /* -1: unknown */
	int64_t heartbeat_ms;
	const char *error;
	const char *log_path;
	int64_t created_ms, started_ms, finished_ms;
	const char *proc_start; /* its process's identity (store_set_process), may be NULL */
};
typedef int (*store_job_fn)(void *ctx, const struct store_job *j);
enum store_code store_job_create(struct store *s, const char *argv, const char *log_path,
                                 store_id *out, struct store_err *err);
/* queued -> running, with the pid of the process doing the work (and its
 * identity when that is the connection's process, see store_set_process).
 * The new run continues the run the job had before (a resume). */
enum store_code store_job_start(struct store *s, store_id job, int64_t pid, store_id run,
                                struct store_err *err);
/* Also beats the heart. eta_ms -1: unknown. */
enum store_code store_job_progress(struct store *s, store_id job, int64_t step, int64_t total,
                                   double tokens_per_s, int64_t eta_ms, struct store_err *err);
enum store_code store_job_heartbeat(struct store *s, store_id job, struct store_err *err);
/* done, failed (error says why), cancelled; or back to queued. */
enum store_code store_job_set_state(struct store *s, store_id job, const char *state,
                                    const char *error, struct store_err *err);
enum store_code store_job_get(struct store *s, store_id job, store_job_fn fn, void *ctx,
                              struct store_err *err);
/* Newest first; state NULL: any. */
enum store_code store_jobs_each(struct store *s, const char *state, store_job_fn fn, void *ctx,
                                struct store_err *err);

/* ---- maintenance --------------------------------------------------------- */
/* Calls fn with one line per problem found (integrity_check, foreign_key_check,
 * the store's own invariants); returns STORE_ECORRUPT when there was any. */
typedef int (*store_problem_fn)(void *ctx, const char *problem);
enum store_code store_check(struct store *s, store_problem_fn fn, void *ctx, int64_t *n_problems,
                            struct store_err *err);
enum store_code store_vacuum(struct store *s, struct store_err *err);

#endif
