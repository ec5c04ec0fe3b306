/* tui_runs: the store's runs for the Runs screen: the table (filter, sort)
 * and one run's details (parameters, metric series, checkpoints, lineage).
 *
 *   struct tui_runs rs;
 *   if (tui_runs_load(store, &rs, &err) != STORE_OK) ...
 *   size_t idx[rs.n], n = tui_runs_view(&rs, "sft", TUI_RUNS_BY_CREATED, 1, idx);
 *   ... rs.v[idx[i]] for the n shown rows ...
 *   struct tui_run_detail d;
 *   tui_run_detail_load(store, rs.v[idx[0]].id, &d, &err);
 *   ... d.params, d.series (loss curve), d.checkpoints, d.children ...
 *   tui_run_detail_free(&d);
 *   tui_runs_free(&rs);
 *
 * Everything is copied out of the store, so the screens hold it across
 * queries; reload when store_data_version changes.
 */
#ifndef RIC_SRC_TUI_RUNS_H
#define RIC_SRC_TUI_RUNS_H

#include <stddef.h>
#include <stdint.h>

#include "store/store.h"

struct tui_run {
	store_id id, parent;
	char *name, *stage, *status, *error; /* error NULL unless failed */
	char *tags;                          /* space-separated, "" when none */
	char *base;                          /* an adapter run (its policy a PEFT adapter
	                                      * folder): the base's run name or folder;
	                                      * NULL otherwise (and in details' children) */
	int64_t created_ms, finished_ms;
};

struct tui_runs {
	size_t n;
	struct tui_run *v;                   /* newest first, as the store gives them */
};

enum tui_runs_sort { TUI_RUNS_BY_ID, TUI_RUNS_BY_NAME, TUI_RUNS_BY_STAGE, TUI_RUNS_BY_STATUS,
	             TUI_RUNS_BY_CREATED };

enum store_code tui_runs_load(struct store *s, struct tui_runs *out, struct store_err *err);
void tui_runs_free(struct tui_runs *rs);

/* The rows to show: those that match every space-separated word of
 * `filter` (case-insensitive; NULL or "": all), ordered by `by` (ties by
 * id), descending when desc. A word is
 *   WORD          name, stage, status, tags or base contain it ("12", "#12": run 12)
 *   FIELD=VALUE   the field is VALUE (tag=best: one of the tags is; base=: no base)
 *   FIELD~VALUE   the field contains VALUE
 *   FIELD!=VALUE, FIELD!~VALUE   the opposite
 * with FIELD one of id, name, stage, status, tag, base (a word naming
 * another field matches nothing: tui_runs_filter_check says why).
 * Writes their indices into idx (rs->n entries) and returns how many. */
size_t tui_runs_view(const struct tui_runs *rs, const char *filter, enum tui_runs_sort by, int desc,
                     size_t *idx);
/* 0, or -1 with a message in err when a word names no field. */
int tui_runs_filter_check(const char *filter, char *err, size_t cap);
/* "id", "name", "stage", "status", "created": 0, else -1. */
int tui_runs_sort_parse(const char *name, enum tui_runs_sort *out);
/* Index of the run with this id, or -1. */
long tui_runs_find(const struct tui_runs *rs, store_id id);

struct tui_kv {
	char *key, *value;
};

struct tui_series {
	char *key;                /* loss, lr, reward/length, ... */
	size_t n;
	int64_t *step;
	double *value;
};

struct tui_ckpt {
	int64_t step;
	char *kind, *path;
};

struct tui_run_detail {
	struct tui_run run;
	char *parent_name;        /* NULL without a parent */
	size_t n_params, n_series, n_ckpts, n_children;
	struct tui_kv *params;
	struct tui_series *series;
	struct tui_ckpt *ckpts;   /* by step */
	struct tui_run *children; /* only id, name, stage, status set */
};

/* STORE_ENOTFOUND when there is no such run. */
enum store_code tui_run_detail_load(struct store *s, store_id run, struct tui_run_detail *d,
                                    struct store_err *err);
void tui_run_detail_free(struct tui_run_detail *d);
/* The value of a parameter, or NULL. */
const char *tui_run_detail_param(const struct tui_run_detail *d, const char *key);
/* The series of a metric, or NULL. */
const struct tui_series *tui_run_detail_series(const struct tui_run_detail *d, const char *key);
/* One metric series of a run (out->n 0 when it has none); free with
 * tui_series_free. */
enum store_code tui_run_metric_load(struct store *s, store_id run, const char *key,
                                    struct tui_series *out, struct store_err *err);
void tui_series_free(struct tui_series *x);

/* The checkpoint folder a run's policy lives in: its last policy checkpoint,
 * else its "model" parameter (eval runs), else NULL. */
const char *tui_run_detail_policy(const struct tui_run_detail *d);

#endif
