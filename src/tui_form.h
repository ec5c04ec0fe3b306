/* tui_form: ric-tui's new-job form, without a terminal: the fields of a
 * stage built from its own option definitions (`ric job options STAGE`,
 * src/cli_spec.h: never a second list), filled, checked and turned into
 * the words of `ric job start`.
 *
 *   struct tui_form *f = calloc(1, sizeof *f);
 *   if (tui_form_load(f, "sft", json_text, err, sizeof err) != 0) ...  // required fields
 *   tui_form_prefill(f, "runs/base/final", "toy");   // the selected run's policy, dataset
 *   tui_form_set(f, 2, "toy");                        // field 2 (see f->f[i].opt->name)
 *   tui_form_add(f, "steps", err, sizeof err);         // one of the other options
 *   if (tui_form_check(f, &env) == 0) {                // errors land in f->f[i].error
 *       char *words[TUI_FORM_WORDS]; size_t n = tui_form_words(f, &env, words, TUI_FORM_WORDS);
 *       ... `ric job start` words ... free each
 *   }
 *
 * A folder field (DIR) takes a folder or the name of a run with a policy
 * checkpoint (env.run_policy resolves it); a dataset field a dataset of the
 * store; FILE|NAME either. --out is only checked for being given.
 */
#ifndef RIC_SRC_TUI_FORM_H
#define RIC_SRC_TUI_FORM_H

#include <stddef.h>

#include "src/cli_spec.h"

#define TUI_FORM_MAX 32
#define TUI_FORM_WORDS 70

enum tui_form_kind {
	TUI_FORM_TEXT,
	TUI_FORM_FLAG,        /* no value: on when in the form */
	TUI_FORM_FOLDER,      /* DIR to read: a folder, or a run name */
	TUI_FORM_OUT,         /* --out: written */
	TUI_FORM_FILE,        /* FILE to read */
	TUI_FORM_DATASET,     /* a store dataset */
	TUI_FORM_FILE_OR_DATASET,
	TUI_FORM_FILES        /* the positional FILES...: blank-separated files */
};

struct tui_form_field {
	const struct cli_spec_opt *opt;  /* into the form's spec; NULL: the positional */
	enum tui_form_kind kind;
	char value[1024];
	char error[200];                 /* the last check's complaint, "" when none */
};

struct tui_form {
	char stage[16];
	struct cli_spec spec;
	size_t n;
	struct tui_form_field f[TUI_FORM_MAX];
	int sel;               /* 0: the stage, 1..n: field sel-1, n+1: add an option, n+2: start */
	char message[256];     /* what the last check said */
};

/* What the checks ask the store about (either may be NULL: not checked). */
struct tui_form_env {
	void *ctx;
	int (*dataset_exists)(void *ctx, const char *name);
	/* The policy folder of run `name`, or NULL when there is no such run
	 * with a policy checkpoint (static or owned by ctx). */
	const char *(*run_policy)(void *ctx, const char *name);
};

/* The stages a job runs (NULL-terminated). */
extern const char *const tui_form_stages[];

/* Builds the form of `stage` from `ric job options` JSON: one field per
 * required option (and the first of each required group), the positional
 * when the stage takes one. 0, or -1 with a message in err. */
int tui_form_load(struct tui_form *f, const char *stage, const char *json, char *err, size_t cap);
/* The kind of value an option takes (from its name and argument). */
enum tui_form_kind tui_form_kind_of(const struct cli_spec_opt *o);
/* Fills the first empty folder field that is read (not --out, --resume,
 * --data) with policy and the dataset field with dataset (either NULL). */
void tui_form_prefill(struct tui_form *f, const char *policy, const char *dataset);
/* Field i's value (copied; cut at its size). */
void tui_form_set(struct tui_form *f, size_t i, const char *value);
/* Adds option name ("--steps" or "steps") as a field; 0, or -1 with err
 * (unknown, or in the form already and not repeatable). Selects it. */
int tui_form_add(struct tui_form *f, const char *name, char *err, size_t cap);
/* Removes field i unless it is required: 0, or -1. */
int tui_form_remove(struct tui_form *f, size_t i);
/* The options not in the form yet starting with prefix, one per call
 * (readline's generator protocol: state 0 first); "--name" strings. */
const char *tui_form_complete_option(const struct tui_form *f, const char *prefix, int *state);
/* Checks every field; returns how many are wrong (their error set, the
 * message says what to fix), 0 when the job can start. */
int tui_form_check(struct tui_form *f, const struct tui_form_env *env);
/* Checks field i alone: 0, or 1 with its error set. */
int tui_form_check_field(struct tui_form *f, size_t i, const struct tui_form_env *env);
/* The words of the job: STAGE --opt value ... FILES (run names given for
 * folders replaced by their policy folder). malloc'd; returns how many. */
size_t tui_form_words(const struct tui_form *f, const struct tui_form_env *env, char **out,
                      size_t max);
/* The same as one line for `:job`, quoted for tui_cmd's splitter. */
void tui_form_line(const struct tui_form *f, const struct tui_form_env *env, char *buf, size_t cap);

#endif
