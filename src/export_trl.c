#include "config.h"

#include "src/export_trl.h"
#include "src/stopsig.h"
#include "src/cli_store.h"
#include "engine/atomicfile.h"
#include "engine/checkpoint.h"
#include "engine/tokenizer.h"

#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define EXPORT_TRL_EOS "<|endoftext|>"

struct export_trl {
	const struct ricmeta *m;
	const char *eos;
	FILE *f;
	const char *file;     /* for messages: the name it will have */
	long rows;
	struct status *st;
};

static volatile sig_atomic_t export_trl_stop_sig;

static void export_trl_on_signal(int sig)
{
	export_trl_stop_sig = sig;
}

/* One line: the context and the completion as sft joins them, EOS as text. */
static enum status_code export_trl_line(struct export_trl *x, const char *prompt, const double *z,
                                        const char *response)
{
	if (export_trl_stop_sig)
		return status_set(x->st, STATUS_CANCELLED, "interrupted by signal %d (%s); nothing was "
		                  "exported", (int)export_trl_stop_sig, strsignal(export_trl_stop_sig));
	char *ctx = NULL, *resp = ricmeta_response_join(response);
	enum status_code rc = resp ? ricmeta_context(x->m, prompt, z, &ctx, NULL, x->st)
	                           : status_set(x->st, STATUS_NOMEM, "out of memory");
	size_t nr = resp ? strlen(resp) : 0, ne = strlen(x->eos);
	char *comp = rc == STATUS_OK ? malloc(nr + ne + 1) : NULL;
	if (rc == STATUS_OK && !comp)
		rc = status_set(x->st, STATUS_NOMEM, "out of memory");
	if (rc == STATUS_OK) {
		memcpy(comp, resp, nr);
		memcpy(comp + nr, x->eos, ne + 1);
		json_t *o = json_pack("{s:s, s:s}", "prompt", ctx, "completion", comp);
		if (!o || json_dumpf(o, x->f, JSON_COMPACT | JSON_PRESERVE_ORDER) != 0 ||
		    fputc('\n', x->f) == EOF)
			rc = status_set(x->st, STATUS_IO, "%s: cannot write row %ld", x->file, x->rows + 1);
		json_decref(o);
	}
	if (rc == STATUS_OK)
		x->rows++;
	free(ctx);
	free(resp);
	free(comp);
	return rc;
}

static enum status_code export_trl_row(void *ctx, const struct store_row *r, const double *z)
{
	return export_trl_line(ctx, r->prompt, z, r->response);
}

static int export_trl_sample(void *ctx, const struct store_sample *x)
{
	struct export_trl *e = ctx;
	if (x->kept != 1)
		return 0;
	return export_trl_line(e, x->prompt, x->norm, x->response) != STATUS_OK;
}

struct export_trl_run {
	char stage[32];
	char *meta;   /* ric.json of the run's newest checkpoint that has one */
};

static int export_trl_run_cb(void *ctx, const struct store_run *r)
{
	struct export_trl_run *c = ctx;
	snprintf(c->stage, sizeof c->stage, "%s", r->stage);
	return 0;
}

static int export_trl_ckpt_cb(void *ctx, const struct store_checkpoint *ck)
{
	struct export_trl_run *c = ctx;
	if (ck->meta) {
		free(c->meta);
		c->meta = strdup(ck->meta);
	}
	return 0;
}

/* The EOS text of the model to be trained: --eos, else --base's EOS token. */
static enum status_code export_trl_eos(const struct export_trl_opts *o, char **out,
                                       struct status *st)
{
	*out = NULL;
	if (o->eos || !o->base) {
		*out = strdup(o->eos ? o->eos : EXPORT_TRL_EOS);
		return *out ? STATUS_OK : status_set(st, STATUS_NOMEM, "out of memory");
	}
	struct model_config cfg;
	struct tokenizer *tok = NULL;
	enum status_code rc = checkpoint_config_read(o->base, &cfg, st);
	if (rc == STATUS_OK && cfg.eos_token_id < 0)
		rc = status_set(st, STATUS_INVALID, "%s/config.json: no eos_token_id (give --eos TEXT)",
		                o->base);
	if (rc == STATUS_OK)
		rc = tokenizer_load(o->base, &tok, st);
	if (rc == STATUS_OK) {
		int32_t id = cfg.eos_token_id;
		size_t len;
		rc = tokenizer_decode(tok, &id, 1, out, &len, st);
	}
	if (tok)
		tokenizer_free(tok);
	return rc;
}

/* DIR may be missing or an empty folder (rename replaces that), nothing else. */
static int export_trl_free_dir(const char *dir)
{
	DIR *d = opendir(dir);
	if (!d)
		return errno == ENOENT;
	struct dirent *e;
	int empty = 1;
	while (empty && (e = readdir(d)))
		empty = strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0;
	closedir(d);
	return empty;
}

static void export_trl_rmdir(const char *dir)
{
	char path[4096];
	snprintf(path, sizeof path, "%s/train.jsonl", dir);
	unlink(path);
	snprintf(path, sizeof path, "%s/ric.json", dir);
	unlink(path);
	rmdir(dir);
}

/* The rows of a dataset (sft's) or an online run (its kept samples) into
 * tmp/train.jsonl; m is filled with the ric.json they go with. */
static enum status_code export_trl_rows(struct store *s, const char *name,
                                        struct export_trl_opts *o, struct export_trl *x,
                                        struct ricmeta *m, struct ricdata *rd, int *is_dataset,
                                        struct status *st)
{
	store_id ds, run;
	struct store_err err;
	*is_dataset = store_dataset_find(s, name, &ds, &err) == STORE_OK;
	if (*is_dataset) {
		enum status_code rc = ricdata_open(rd, s, name, &o->r, o->base, st);
		x->m = &rd->m;
		if (rc == STATUS_OK)
			rc = ricdata_each(rd, s, export_trl_row, x, st);
		return rc;
	}
	if (store_run_resolve(s, name, &run, &err) != STORE_OK)
		return status_set(st, STATUS_INVALID, "%s: neither a dataset nor a run", name);
	struct export_trl_run c = { .stage = "" };
	store_run_get(s, run, export_trl_run_cb, &c, NULL);
	if (strcmp(c.stage, "online") != 0)
		return status_set(st, STATUS_INVALID, "%s is a run of stage %s: --format trl exports a "
		                  "relabelled dataset or an online run's kept samples", name, c.stage);
	if (o->r_given)
		return status_set(st, STATUS_INVALID, "%s: an online run's samples go with its policy's "
		                  "ric.json; --objective, --template, --marker, --mapping, "
		                  "--unconditioned and --pair-responses are for datasets", name);
	store_checkpoints_each(s, run, export_trl_ckpt_cb, &c, NULL);
	if (!c.meta)
		return status_set(st, STATUS_INVALID, "%s: no checkpoint with RiC metadata (did the run "
		                  "finish an iteration?)", name);
	json_error_t je;
	json_t *j = json_loads(c.meta, 0, &je);
	char where[128];
	snprintf(where, sizeof where, "run %s: ric.json", name);
	enum status_code rc = j ? ricmeta_from_json(j, where, m, st)
	                        : status_set(st, STATUS_FORMAT, "%s: %s", where, je.text);
	json_decref(j);
	free(c.meta);
	x->m = m;
	if (rc == STATUS_OK && store_samples_each(s, run, export_trl_sample, x, &err) != STORE_OK &&
	    x->st->code == STATUS_OK)
		rc = status_set(st, STATUS_IO, "%s", err.msg);
	if (rc == STATUS_OK && x->st->code != STATUS_OK)
		rc = x->st->code;
	return rc;
}

int export_trl(struct cli *cli, const struct cli_command *cmd, const char *name,
               struct export_trl_opts *o)
{
	if (!o->out)
		return cli_bad_usage(cmd, "--format trl writes a folder: -o DIR is required");
	o->r_given = ricdata_opts_given(&o->r);
	ricdata_opts_done(&o->r);
	if (!export_trl_free_dir(o->out)) {
		cli_error("%s exists and is not empty (remove it or choose another -o)", o->out);
		return CLI_FAIL;
	}
	struct status st = STATUS_INIT;
	char *eos = NULL;
	if (export_trl_eos(o, &eos, &st) != STATUS_OK) {
		cli_error("%s", st.msg);
		return CLI_FAIL;
	}
	struct store *s;
	if (cli_store_open(cli, &s) != CLI_OK) {
		free(eos);
		return CLI_FAIL;
	}
	size_t n = strlen(o->out) + 64;
	char *tmp = malloc(n), *file = malloc(n + 16), *shown = malloc(n + 16);
	struct ricmeta m;
	struct ricdata rd;
	ricmeta_init(&m);
	memset(&rd, 0, sizeof rd);
	ricmeta_init(&rd.m);
	struct export_trl x = { .eos = eos, .st = &st };
	int is_dataset = 0;
	enum status_code rc = STATUS_OK;
	if (!tmp || !file || !shown) {
		rc = status_set(&st, STATUS_NOMEM, "out of memory");
	} else {
		snprintf(tmp, n, "%s.partial.%ld", o->out, (long)getpid());
		snprintf(file, n + 16, "%s/train.jsonl", tmp);
		snprintf(shown, n + 16, "%s/train.jsonl", o->out);
		x.file = shown;
		if (mkdir(tmp, 0777) != 0)
			rc = status_errno(&st, STATUS_IO, errno, "create %s", tmp);
		else if (!(x.f = fopen(file, "w")))
			rc = status_errno(&st, STATUS_IO, errno, "create %s", file);
	}
	export_trl_stop_sig = 0;
	/* stop between rows, so the partial folder goes as after a write error */
	stopsig_catch(export_trl_on_signal, 1);
	if (rc == STATUS_OK)
		rc = export_trl_rows(s, name, o, &x, &m, &rd, &is_dataset, &st);
	if (x.f && fclose(x.f) != 0 && rc == STATUS_OK)
		rc = status_errno(&st, STATUS_IO, errno, "write %s", file);
	if (rc == STATUS_OK && x.rows == 0)
		rc = status_set(&st, STATUS_INVALID, is_dataset
		                ? "dataset %s: no training row has every objective's score"
		                : "run %s: no kept sample", name);
	if (rc == STATUS_OK) {
		json_t *j = ricdata_meta_json(x.m, is_dataset && o->r.unconditioned);
		char *text = j ? json_dumps(j, JSON_INDENT(2) | JSON_SORT_KEYS | JSON_REAL_PRECISION(17))
		               : NULL;
		snprintf(file, n + 16, "%s/ric.json", tmp);
		rc = text ? atomicfile_save(file, text, strlen(text), &st)
		          : status_set(&st, STATUS_NOMEM, "out of memory");
		free(text);
		json_decref(j);
	}
	if (rc == STATUS_OK && rename(tmp, o->out) != 0)
		rc = status_errno(&st, STATUS_IO, errno, "rename %s to %s", tmp, o->out);
	if (rc != STATUS_OK && tmp)
		export_trl_rmdir(tmp);
	stopsig_catch(SIG_DFL, 0);
	int ret = CLI_OK;
	if (rc != STATUS_OK) {
		cli_error("%s", st.msg);
		ret = export_trl_stop_sig ? 130 : CLI_FAIL;
	} else {
		fprintf(stderr, "ric: wrote %ld rows to %s/train.jsonl and %s/ric.json", x.rows, o->out,
		        o->out);
		if (is_dataset && (rd.skipped_unscored || rd.skipped_rejected))
			fprintf(stderr, " (left out: %zu without every score, %zu rejected answers)",
			        rd.skipped_unscored, rd.skipped_rejected);
		fputc('\n', stderr);
	}
	ricdata_close(&rd);
	ricmeta_free(&m);
	store_close(s);
	free(tmp);
	free(file);
	free(shown);
	free(eos);
	return ret;
}
