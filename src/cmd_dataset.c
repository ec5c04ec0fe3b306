/* ric dataset: import data files into the store, list datasets, show one. */
#include "config.h"

#include "src/cli_store.h"
#include "src/stopsig.h"
#include "src/cmd_dataset_images.h"
#include "src/job_state.h"
#include "src/paths.h"
#include "src/texttable.h"
#include "src/termtext.h"
#include "engine/dataset.h"
#include "engine/rng.h"
#include "engine/tokenizer.h"
#include "engine/monotonic.h"

#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static int dataset_run(struct cli *cli, int argc, char **argv);

const struct cli_command cmd_dataset = {
	.name = "dataset",
	.summary = "import data files into the store; list datasets; show one",
	.usage = "ric dataset import FILE... [--format auto|jsonl|pairs|hh-rlhf] [--name N]\n"
	         "       [--eval-fraction F | --split train|eval] [--seed S] [--skip-bad]\n"
	         "       [--tokenizer DIR [--min-tokens A] [--max-tokens B]]\n"
	         "ric dataset import-images DIR|FILE... [--background COLOR] [--name N]\n"
	         "       [--eval-fraction F] [--seed S] [--skip-bad]\n"
	         "ric dataset import-image-pairs FILE.jsonl [--background COLOR] [--name N]\n"
	         "       [--eval-fraction F] [--seed S]\n"
	         "ric dataset pair-images DATASET --by OBJECTIVE --name N [--pairs P] [--margin M]\n"
	         "       [--seed S]\n"
	         "ric dataset list [--json]\n"
	         "ric dataset show NAME [--json]",
	.help = "import reads JSON Lines files (plain or .gz), one object per line:\n"
	        "  jsonl    {\"prompt\", \"response\"} with optional \"rewards\": {\"name\": number}\n"
	        "  pairs    {\"prompt\", \"chosen\", \"rejected\"}: two rows sharing a pair id\n"
	        "  hh-rlhf  {\"chosen\", \"rejected\"} dialogues, split after the last\n"
	        "           \"\\n\\nAssistant:\" (the prompt) and the rest (the response)\n"
	        "Any line may carry \"split\": \"train\" or \"eval\" (the file's own split).\n"
	        "and stores them as a new dataset, recorded as a run of stage import.\n\n"
	        "Options (import):\n"
	        "  --format F         auto (default: from each file's first valid line), jsonl,\n"
	        "                     pairs or hh-rlhf\n"
	        "  --name N           the dataset's name (default: the first file's name\n"
	        "                     without .gz/.jsonl/.json)\n"
	        "  --eval-fraction F  hold out this fraction of rows or pairs for evaluation,\n"
	        "                     drawn with --seed for rows without \"split\" (default 0.05)\n"
	        "  --split S          put every row in split S (train or eval) instead\n"
	        "  --seed S           seed of the split draw (default 0)\n"
	        "  --skip-bad         skip bad lines (counted) instead of failing\n"
	        "  --tokenizer DIR    count tokens with this tokenizer for the filters below\n"
	        "  --min-tokens A     drop rows whose prompt + response has fewer than A tokens\n"
	        "  --max-tokens B     drop rows whose prompt + response has more than B tokens\n"
	        "                     (a pair is dropped when either of its rows is)\n"
	        "Imported rewards become objectives with spec \"given\".\n"
	        "The dataset appears only when the import has stored its last row. SIGINT,\n"
	        "SIGTERM, SIGHUP or a write error (disk full) stop it and remove what it\n"
	        "stored; an import killed outright leaves an invisible, incomplete dataset\n"
	        "that `ric store check` reports and removes, and that a new import of the\n"
	        "same name replaces.\n\n"
	        "import-images reads PNG files (a folder: every *.png in it, every level\n"
	        "down, sorted), fits each into 32x32 with its aspect ratio kept (area filter)\n"
	        "on the --background colour (white, black, grey or #rrggbb; default white),\n"
	        "which also shows through transparent pixels, and stores it as PNG bytes in\n"
	        "its row, with the file's path as the row's response and an empty prompt.\n"
	        "--eval-fraction, --seed and --skip-bad (bad PNGs) work as for import.\n\n"
	        "import-image-pairs reads human preference pairs of pictures (Pick-a-Pic\n"
	        "style): one JSON object a line, {\"chosen\": PNG, \"rejected\": PNG} with an\n"
	        "optional \"prompt\" (the condition) and \"split\", the PNG paths relative to\n"
	        "the file's folder. Each picture is fitted as import-images fits it, and the\n"
	        "pairs are stored as dataset N (default: the file's name) for ric rm-train;\n"
	        "--eval-fraction holds out whole pairs. A missing or corrupt PNG, a bad line\n"
	        "or a pair whose chosen and rejected are one file stops the import with the\n"
	        "file and line, and nothing is stored.\n\n"
	        "pair-images draws --pairs P (default 1000) preference pairs of an image\n"
	        "dataset's rows scored by OBJECTIVE (ric relabel), two rows of one split whose\n"
	        "scores differ by more than --margin M (default 0), the higher one chosen, and\n"
	        "stores them (their pictures copied) as dataset N for ric rm-train; eval rows\n"
	        "make eval pairs in their share. --seed S draws them (default 0).\n\n"
	        "rm-objective deletes one objective of a dataset with all its scores (one a\n"
	        "failed or unwanted relabel left); the objectives after it move up.\n",
	.run = dataset_run,
};

#define IMPORT_BATCH 512

static volatile sig_atomic_t import_stop_sig;

static void import_on_signal(int sig)
{
	import_stop_sig = sig;
}

/* INT, TERM and HUP stop the import between rows; a file grown past the
 * size limit (ulimit -f) fails its write instead of killing the process, so
 * the import can clean up as after any other write error. */
static void import_signals(void)
{
	stopsig_catch(import_on_signal, 1);
	signal(SIGXFSZ, SIG_IGN);
}

struct import {
	struct store *s;
	store_id run, dataset;
	struct tokenizer *tok;
	struct tokenizer_ids ids;
	long min_tokens, max_tokens;
	double eval_fraction;
	const char *split;
	struct rng rng;
	int skip_bad;
	/* the batch being gathered */
	struct store_row rows[IMPORT_BATCH];
	char *owned[2 * IMPORT_BATCH];
	size_t n, n_owned;
	/* imported rewards: objective names, and (row in batch, objective, value) */
	char *obj_name[STORE_MAX_OBJ];
	store_id obj_id[STORE_MAX_OBJ];
	int n_obj;
	struct { size_t row; int obj; double value; } pend[IMPORT_BATCH * STORE_MAX_OBJ];
	size_t n_pend;
	int64_t n_rows, n_pairs, n_train, n_eval, n_filtered, n_skipped, next_pair;
	int64_t last_beat_ms;
	char err[1024];
};

static int import_fail(struct import *im, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int import_fail(struct import *im, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(im->err, sizeof im->err, fmt, ap);
	va_end(ap);
	return CLI_FAIL;
}

static int import_flush(struct import *im)
{
	if (im->n == 0)
		return CLI_OK;
	struct store_err err;
	store_id ids[IMPORT_BATCH];
	enum store_code rc = store_begin(im->s, &err);
	if (rc == STORE_OK)
		rc = store_rows_add(im->s, im->dataset, im->rows, im->n, ids, &err);
	for (int j = 0; rc == STORE_OK && j < im->n_obj; j++) {
		store_id rid[IMPORT_BATCH];
		double val[IMPORT_BATCH];
		size_t m = 0;
		for (size_t k = 0; k < im->n_pend; k++)
			if (im->pend[k].obj == j) {
				rid[m] = ids[im->pend[k].row];
				val[m++] = im->pend[k].value;
			}
		if (m)
			rc = store_rewards_add(im->s, &im->obj_id[j], 1, rid, val, m, &err);
	}
	if (rc == STORE_OK)
		rc = store_commit(im->s, &err);
	else
		store_rollback(im->s);
	for (size_t i = 0; i < im->n_owned; i++)
		free(im->owned[i]);
	im->n = im->n_owned = im->n_pend = 0;
	if (rc != STORE_OK)
		return import_fail(im, "%s", err.msg);
	int64_t now = store_now_ms();
	if (now - im->last_beat_ms >= 5000) {
		store_run_heartbeat(im->s, im->run, NULL);
		im->last_beat_ms = now;
	}
	return CLI_OK;
}

static char *import_own(struct import *im, const char *text)
{
	char *c = strdup(text);
	if (c)
		im->owned[im->n_owned++] = c;
	return c;
}

/* Whether prompt + response passes the token filters. */
static int import_keep(struct import *im, const char *prompt, const char *response, int *keep)
{
	*keep = 1;
	if (!im->tok)
		return CLI_OK;
	struct status st = STATUS_INIT;
	size_t pl = strlen(prompt), rl = strlen(response);
	char *text = malloc(pl + rl + 1);
	if (!text)
		return import_fail(im, "out of memory");
	memcpy(text, prompt, pl);
	memcpy(text + pl, response, rl + 1);
	im->ids.n = 0;
	enum status_code rc = tokenizer_encode(im->tok, text, pl + rl, 0, &im->ids, &st);
	free(text);
	if (rc)
		return import_fail(im, "%s", st.msg);
	long n = (long)im->ids.n;
	*keep = n >= im->min_tokens && (im->max_tokens < 0 || n <= im->max_tokens);
	return CLI_OK;
}

static int import_objective(struct import *im, const char *name, int *out)
{
	for (int j = 0; j < im->n_obj; j++)
		if (strcmp(im->obj_name[j], name) == 0) {
			*out = j;
			return CLI_OK;
		}
	if (im->n_obj == STORE_MAX_OBJ)
		return import_fail(im, "more than %d reward names", STORE_MAX_OBJ);
	struct store_err err;
	store_id id;
	if (store_objective_add(im->s, im->dataset, name, "given", &id, &err) != STORE_OK)
		return import_fail(im, "%s", err.msg);
	im->obj_name[im->n_obj] = strdup(name);
	im->obj_id[im->n_obj] = id;
	*out = im->n_obj++;
	return CLI_OK;
}

/* --split, then the row's own "split", then the --eval-fraction draw. */
static const char *import_draw_split(struct import *im, const struct dataset_record *rec)
{
	if (im->split)
		return im->split;
	if (rec->split)
		return strcmp(rec->split, "eval") == 0 ? "eval" : "train";
	return rng_uniform_double(&im->rng) < im->eval_fraction ? "eval" : "train";
}

static int import_record(struct import *im, const struct dataset_record *rec)
{
	int keep, keep2 = 1;
	if (rec->kind == DATASET_JSONL) {
		if (import_keep(im, rec->prompt, rec->response, &keep))
			return CLI_FAIL;
		if (!keep) {
			im->n_filtered++;
			return CLI_OK;
		}
		if (im->n + 1 > IMPORT_BATCH && import_flush(im))
			return CLI_FAIL;
		const char *split = import_draw_split(im, rec);
		struct store_row *r = &im->rows[im->n];
		*r = (struct store_row){ .prompt = import_own(im, rec->prompt),
		                         .response = import_own(im, rec->response), .split = split };
		if (!r->prompt || !r->response)
			return import_fail(im, "out of memory");
		for (size_t k = 0; k < rec->n_rewards; k++) {
			int j = 0;
			if (import_objective(im, rec->reward_name[k], &j))
				return CLI_FAIL;
			im->pend[im->n_pend].row = im->n;
			im->pend[im->n_pend].obj = j;
			im->pend[im->n_pend++].value = rec->reward_value[k];
		}
		im->n++;
		im->n_rows++;
		*(strcmp(split, "eval") == 0 ? &im->n_eval : &im->n_train) += 1;
		return CLI_OK;
	}
	if (import_keep(im, rec->prompt, rec->chosen, &keep) ||
	    import_keep(im, rec->prompt, rec->rejected, &keep2))
		return CLI_FAIL;
	if (!keep || !keep2) {
		im->n_filtered += 2;
		return CLI_OK;
	}
	if (im->n + 2 > IMPORT_BATCH && import_flush(im))
		return CLI_FAIL;
	const char *split = import_draw_split(im, rec);
	const char *prompt = import_own(im, rec->prompt);
	store_id pair = ++im->next_pair;
	im->rows[im->n] = (struct store_row){ .prompt = prompt, .response = import_own(im, rec->chosen),
	                                      .split = split, .pair = pair, .role = "chosen" };
	im->rows[im->n + 1] = (struct store_row){ .prompt = prompt,
	                                          .response = import_own(im, rec->rejected),
	                                          .split = split, .pair = pair, .role = "rejected" };
	if (!prompt || !im->rows[im->n].response || !im->rows[im->n + 1].response)
		return import_fail(im, "out of memory");
	im->n += 2;
	im->n_rows += 2;
	im->n_pairs++;
	*(strcmp(split, "eval") == 0 ? &im->n_eval : &im->n_train) += 2;
	return CLI_OK;
}

static int import_file(struct import *im, const char *path, enum dataset_format format)
{
	struct dataset_reader *r;
	struct status st = STATUS_INIT;
	if (dataset_open(path, format, &r, &st))
		return import_fail(im, "%s", st.msg);
	int status = CLI_OK;
	for (;;) {
		struct dataset_record rec;
		int got;
		if (import_stop_sig) {
			status = import_fail(im, "interrupted by signal %d (%s)", (int)import_stop_sig,
			                     strsignal(import_stop_sig));
			break;
		}
		status_clear(&st);
		enum status_code rc = dataset_next(r, &rec, &got, &st);
		if (rc == STATUS_FORMAT && im->skip_bad) {
			im->n_skipped++;
			if (im->n_skipped <= 10)
				termtext_printf(stderr, "ric: skipped %s\n", st.msg);
			continue;
		}
		if (rc) {
			status = import_fail(im, "%s%s", st.msg,
			                     rc == STATUS_FORMAT ? " (--skip-bad skips bad lines)" : "");
			break;
		}
		if (!got)
			break;
		if ((status = import_record(im, &rec)) != CLI_OK)
			break;
	}
	dataset_close(r);
	return status;
}

static const char *import_default_name(const char *path, char *buf, size_t cap)
{
	const char *base = strrchr(path, '/');
	snprintf(buf, cap, "%s", base ? base + 1 : path);
	static const char *const ext[] = { ".gz", ".jsonl", ".json", ".txt", NULL };
	for (int i = 0; ext[i]; i++) {
		size_t l = strlen(buf), e = strlen(ext[i]);
		if (l > e && strcmp(buf + l - e, ext[i]) == 0)
			buf[l - e] = '\0';
	}
	return buf;
}

static int dataset_import(struct cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "format", required_argument, NULL, 'f' },
		{ "name", required_argument, NULL, 'n' },
		{ "eval-fraction", required_argument, NULL, 'e' },
		{ "split", required_argument, NULL, 'S' },
		{ "seed", required_argument, NULL, 's' },
		{ "skip-bad", no_argument, NULL, 'k' },
		{ "tokenizer", required_argument, NULL, 't' },
		{ "min-tokens", required_argument, NULL, 'a' },
		{ "max-tokens", required_argument, NULL, 'b' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	const char *format_arg = "auto", *name = NULL, *split = NULL, *tokdir = NULL;
	const char *eval_arg = NULL, *seed_arg = "0", *min_arg = NULL, *max_arg = NULL;
	double eval_fraction = 0.05, seed = 0, min_tokens = 0, max_tokens = -1;
	int skip_bad = 0, c, rc, exit_rc;
	enum dataset_format format;
	while ((c = cli_next_option(&cmd_dataset, argc, argv, "h", opts, &exit_rc)) != -1) {
		rc = CLI_OK;
		switch (c) {
		case 'f': format_arg = optarg; break;
		case 'n': name = optarg; break;
		case 'e': eval_arg = optarg; rc = cli_number(&cmd_dataset, "--eval-fraction", optarg, 0, 1, &eval_fraction); break;
		case 'S': split = optarg; break;
		case 's': seed_arg = optarg; rc = cli_number(&cmd_dataset, "--seed", optarg, 0, 9e15, &seed); break;
		case 'k': skip_bad = 1; break;
		case 't': tokdir = optarg; break;
		case 'a': min_arg = optarg; rc = cli_number(&cmd_dataset, "--min-tokens", optarg, 0, 1e9, &min_tokens); break;
		case 'b': max_arg = optarg; rc = cli_number(&cmd_dataset, "--max-tokens", optarg, 0, 1e9, &max_tokens); break;
		case CLI_OPT_EXIT: return exit_rc;
		}
		if (rc != CLI_OK)
			return rc;
	}
	if (optind >= argc)
		return cli_bad_usage(&cmd_dataset, "import wants at least one FILE");
	if (!dataset_format_parse(format_arg, &format))
		return cli_bad_usage(&cmd_dataset, "--format is auto, jsonl, pairs or hh-rlhf, not '%s'",
		                     format_arg);
	if (split && strcmp(split, "train") != 0 && strcmp(split, "eval") != 0)
		return cli_bad_usage(&cmd_dataset, "--split is train or eval, not '%s'", split);
	if (split && eval_arg)
		return cli_bad_usage(&cmd_dataset, "--split and --eval-fraction exclude each other");
	if ((min_arg || max_arg) && !tokdir)
		return cli_bad_usage(&cmd_dataset, "--min-tokens and --max-tokens need --tokenizer");
	if (max_arg && max_tokens < min_tokens)
		return cli_bad_usage(&cmd_dataset, "--max-tokens is below --min-tokens");
	char namebuf[256];
	if (!name)
		name = import_default_name(argv[optind], namebuf, sizeof namebuf);
	if (!*name)
		return cli_bad_usage(&cmd_dataset, "the dataset name is empty");

	struct import *im = calloc(1, sizeof *im);
	if (!im) {
		cli_error("out of memory");
		return CLI_FAIL;
	}
	im->min_tokens = (long)min_tokens;
	im->max_tokens = (long)max_tokens;
	im->eval_fraction = eval_fraction;
	im->split = split;
	im->skip_bad = skip_bad;
	rng_seed(&im->rng, (uint64_t)seed);
	struct status st = STATUS_INIT;
	if (tokdir && tokenizer_load(tokdir, &im->tok, &st) != STATUS_OK) {
		cli_error("%s", st.msg);
		free(im);
		return CLI_FAIL;
	}
	if (cli_store_open(cli, &im->s) != CLI_OK) {
		tokenizer_free(im->tok);
		free(im);
		return CLI_FAIL;
	}
	/* The source: the files, space-separated. */
	size_t srclen = 1;
	for (int i = optind; i < argc; i++)
		srclen += strlen(argv[i]) + 1;
	char *source = calloc(1, srclen);
	for (int i = optind; source && i < argc; i++) {
		if (i > optind)
			strcat(source, " ");
		strcat(source, argv[i]);
	}
	struct store_err err;
	int status = CLI_OK;
	char num[32];
	if (!source)
		status = import_fail(im, "out of memory");
	/* An import killed outright is put right first, so its name is free again. */
	if (job_state_reap(im->s, NULL, NULL, &err) < 0)
		cli_error("warning: %s", err.msg);
	import_signals();
	if (status == CLI_OK && store_run_create(im->s, "import", NULL, 0, &im->run, &err) != STORE_OK)
		status = import_fail(im, "%s", err.msg);
	const char *const params[][2] = {
		{ "files", source }, { "format", format_arg }, { "name", name },
		{ "eval_fraction", split ? NULL : (eval_arg ? eval_arg : "0.05") }, { "split", split },
		{ "seed", seed_arg }, { "skip_bad", skip_bad ? "1" : "0" }, { "tokenizer", tokdir },
		{ "min_tokens", min_arg }, { "max_tokens", max_arg },
	};
	for (size_t i = 0; status == CLI_OK && i < sizeof params / sizeof params[0]; i++)
		if (params[i][1] && store_param_set(im->s, im->run, params[i][0], params[i][1], &err) != STORE_OK)
			status = import_fail(im, "%s", err.msg);
	if (status == CLI_OK &&
	    store_dataset_start(im->s, name, source, im->run, &im->dataset, &err) != STORE_OK)
		status = import_fail(im, "%s", err.msg);
	double t0 = monotonic_s();
	for (int i = optind; status == CLI_OK && i < argc; i++)
		status = import_file(im, argv[i], format);
	if (status == CLI_OK)
		status = import_flush(im);
	double secs = monotonic_s() - t0;
	if (status == CLI_OK) {
		struct store_metric m[] = {
			{ "rows", 0, (double)im->n_rows, 0 }, { "pairs", 0, (double)im->n_pairs, 0 },
			{ "train", 0, (double)im->n_train, 0 }, { "eval", 0, (double)im->n_eval, 0 },
			{ "filtered", 0, (double)im->n_filtered, 0 }, { "skipped", 0, (double)im->n_skipped, 0 },
			{ "rows_per_s", 0, secs > 0 ? (double)im->n_rows / secs : 0, 0 },
		};
		if (store_dataset_finish(im->s, im->dataset, im->run, m, sizeof m / sizeof m[0],
		                         &err) != STORE_OK)
			status = import_fail(im, "%s", err.msg);
		else if (import_stop_sig)
			/* Too late to stop: the dataset is whole; say so. */
			fprintf(stderr, "ric: import: signal %d came after the last row; the dataset is "
			        "complete\n", (int)import_stop_sig);
	}
	if (status == CLI_OK) {
		termtext_printf(stdout, "dataset %s: %lld rows (%lld pairs), %lld train, %lld eval; %lld filtered, "
		       "%lld bad lines skipped\n", name, (long long)im->n_rows, (long long)im->n_pairs,
		       (long long)im->n_train, (long long)im->n_eval, (long long)im->n_filtered,
		       (long long)im->n_skipped);
		snprintf(num, sizeof num, "%.0f", secs > 0 ? (double)im->n_rows / secs : 0);
		termtext_printf(stdout, "run %lld (import), %.2f s, %s rows/s\n", (long long)im->run, secs, num);
	} else {
		cli_error("import: %s", im->err);
		/* Nothing half-imported stays: the dataset goes, the run says why.
		 * Should even that fail (the disk still full), the dataset stays
		 * incomplete, never shown, and whoever next sees the run dead
		 * removes it (src/job_state.h). */
		if (im->dataset) {
			if (store_dataset_delete(im->s, im->dataset, &err) == STORE_OK)
				fprintf(stderr, "ric: import: the partial dataset %s was removed\n", name);
			else
				cli_error("import: %s (the dataset stays incomplete and hidden; `ric store "
				          "check` removes it)", err.msg);
		}
		if (im->run)
			store_run_finish(im->s, im->run, import_stop_sig ? "cancelled" : "failed",
			                 import_stop_sig ? NULL : im->err, NULL);
		if (import_stop_sig)
			status = 130;
	}
	for (size_t i = 0; i < im->n_owned; i++)
		free(im->owned[i]);
	for (int j = 0; j < im->n_obj; j++)
		free(im->obj_name[j]);
	free(source);
	tokenizer_ids_free(&im->ids);
	tokenizer_free(im->tok);
	store_close(im->s);
	free(im);
	return status;
}

/* ---- list and show --------------------------------------------------------- */

struct dataset_counts {
	int64_t train, eval, pairs, objectives, images;
};

static int count_objective(void *ctx, const struct store_objective *o)
{
	(void)o;
	((struct dataset_counts *)ctx)->objectives++;
	return 0;
}

static int dataset_count(struct store *s, store_id d, struct dataset_counts *c)
{
	struct store_err err;
	struct store_row_query q = { .split = "train" };
	int64_t all;
	memset(c, 0, sizeof *c);
	if (store_rows_count(s, d, &q, &c->train, &err) != STORE_OK ||
	    (q.split = "eval", store_rows_count(s, d, &q, &c->eval, &err)) != STORE_OK ||
	    store_pairs_count(s, d, NULL, &c->pairs, &err) != STORE_OK ||
	    store_objectives_each(s, d, count_objective, c, &err) != STORE_OK ||
	    store_dataset_images(s, d, &c->images, &all, &err) != STORE_OK) {
		cli_error("%s", err.msg);
		return CLI_FAIL;
	}
	return CLI_OK;
}

struct dataset_list {
	struct store *s;
	struct texttable *t;
	json_t *json;
	int status;
};

static int dataset_list_one(void *ctx, const struct store_dataset *d)
{
	struct dataset_list *l = ctx;
	struct dataset_counts c;
	if ((l->status = dataset_count(l->s, d->id, &c)) != CLI_OK)
		return 1;
	if (l->json) {
		json_array_append_new(l->json, json_pack("{sI ss sI sI sI sI sI ss* sI}", "id", (json_int_t)d->id,
		                      "name", d->name, "rows", (json_int_t)d->n_rows, "train",
		                      (json_int_t)c.train, "eval", (json_int_t)c.eval, "pairs",
		                      (json_int_t)c.pairs, "objectives", (json_int_t)c.objectives,
		                      "source", d->source, "import_run", (json_int_t)d->run));
		return 0;
	}
	char id[24], rows[24], train[24], eval[24], pairs[24], objs[24], when[32];
	snprintf(id, sizeof id, "%lld", (long long)d->id);
	snprintf(rows, sizeof rows, "%lld", (long long)d->n_rows);
	snprintf(train, sizeof train, "%lld", (long long)c.train);
	snprintf(eval, sizeof eval, "%lld", (long long)c.eval);
	snprintf(pairs, sizeof pairs, "%lld", (long long)c.pairs);
	snprintf(objs, sizeof objs, "%lld", (long long)c.objectives);
	cli_store_time(when, sizeof when, d->created_ms);
	texttable_add(l->t, id, d->name, rows, train, eval, pairs, objs, when);
	return 0;
}

static int dataset_list(struct cli *cli, int argc, char **argv)
{
	int json = 0, opt_rc = cli_json_option(&cmd_dataset, argc, argv, &json);
	if (opt_rc >= 0)
		return opt_rc;
	if (optind < argc)
		return cli_bad_usage(&cmd_dataset, "unexpected argument '%s'", argv[optind]);
	struct dataset_list l = { .status = CLI_OK };
	if (cli_store_open(cli, &l.s) != CLI_OK)
		return CLI_FAIL;
	if (json)
		l.json = json_array();
	else
		l.t = texttable_new(8, "ID", "NAME", "ROWS", "TRAIN", "EVAL", "PAIRS", "OBJECTIVES", "CREATED");
	for (int i = 2; l.t && i <= 6; i++)
		texttable_right(l.t, i);
	if (l.t)
		texttable_right(l.t, 0);
	struct store_err err;
	if (store_datasets_each(l.s, dataset_list_one, &l, &err) != STORE_OK) {
		cli_error("%s", err.msg);
		l.status = CLI_FAIL;
	}
	if (l.status == CLI_OK) {
		if (json)
			cli_store_json_line(stdout, l.json);
		else
			texttable_print(l.t, stdout);
	} else {
		json_decref(l.json);
	}
	if (l.t)
		texttable_free(l.t);
	store_close(l.s);
	return l.status;
}

struct dataset_show {
	struct store *s;
	store_id id;
	const struct store_dataset *found;
	int status;
	int json;
	json_t *objs;
};

static int dataset_show_objective(void *ctx, const struct store_objective *o)
{
	struct dataset_show *sh = ctx;
	struct store_err err;
	struct store_row_query q = { .lacking = o->id };
	int64_t lacking = 0;
	if (store_rows_count(sh->s, o->dataset, &q, &lacking, &err) != STORE_OK) {
		cli_error("%s", err.msg);
		sh->status = CLI_FAIL;
		return 1;
	}
	if (sh->json) {
		json_t *j = json_pack("{ss ss sI}", "name", o->name, "spec", o->spec, "unscored",
		                      (json_int_t)lacking);
		if (o->has_stats) {
			json_object_set_new(j, "mu", json_real(o->mu));
			json_object_set_new(j, "sigma", json_real(o->sigma));
			json_object_set_new(j, "lo", json_real(o->lo));
			json_object_set_new(j, "hi", json_real(o->hi));
		}
		json_array_append_new(sh->objs, j);
		return 0;
	}
	char mu[32] = "-", sigma[32] = "-", lo[32] = "-", hi[32] = "-";
	if (o->has_stats) {
		cli_store_double(mu, sizeof mu, o->mu);
		cli_store_double(sigma, sizeof sigma, o->sigma);
		cli_store_double(lo, sizeof lo, o->lo);
		cli_store_double(hi, sizeof hi, o->hi);
	}
	termtext_printf(stdout, "  %-16s %-24s unscored %-6lld mu %-10s sigma %-10s lo %-8s hi %s\n", o->name, o->spec,
	       (long long)lacking, mu, sigma, lo, hi);
	return 0;
}

static int dataset_show_find(void *ctx, const struct store_dataset *d)
{
	struct dataset_show *sh = ctx;
	if (d->id != sh->id)
		return 0;
	struct dataset_counts c;
	if ((sh->status = dataset_count(sh->s, d->id, &c)) != CLI_OK)
		return 1;
	json_t *j = NULL;
	if (sh->json) {
		j = json_pack("{sI ss sI sI sI sI ss* sI}", "id", (json_int_t)d->id, "name", d->name,
		              "rows", (json_int_t)d->n_rows, "train", (json_int_t)c.train, "eval",
		              (json_int_t)c.eval, "pairs", (json_int_t)c.pairs, "source", d->source,
		              "import_run", (json_int_t)d->run);
		json_object_set_new(j, "kind", json_string(c.images ? "image" : "text"));
		sh->objs = json_array();
		json_object_set_new(j, "objectives", sh->objs);
	} else {
		char when[32];
		cli_store_time(when, sizeof when, d->created_ms);
		termtext_printf(stdout, "dataset %s (id %lld), imported %s by run %lld from %s\n", d->name,
		       (long long)d->id, when, (long long)d->run, d->source ? d->source : "-");
		termtext_printf(stdout, "rows %lld: train %lld, eval %lld; pairs %lld\n", (long long)d->n_rows,
		       (long long)c.train, (long long)c.eval, (long long)c.pairs);
		if (c.images)
			termtext_printf(stdout, "images %lld: 32x32 RGB PNGs in the store; each row's "
			                "response is the file it came from\n", (long long)c.images);
		termtext_printf(stdout, "objectives %lld:\n", (long long)c.objectives);
	}
	struct store_err err;
	if (store_objectives_each(sh->s, d->id, dataset_show_objective, sh, &err) != STORE_OK) {
		cli_error("%s", err.msg);
		sh->status = CLI_FAIL;
	}
	if (j) {
		if (sh->status == CLI_OK)
			cli_store_json_line(stdout, j);
		else
			json_decref(j);
	}
	sh->found = d;
	return 1;
}

static int dataset_show(struct cli *cli, int argc, char **argv)
{
	int json = 0, opt_rc = cli_json_option(&cmd_dataset, argc, argv, &json);
	if (opt_rc >= 0)
		return opt_rc;
	if (argc - optind != 1)
		return cli_bad_usage(&cmd_dataset, "show wants a dataset NAME");
	struct dataset_show sh = { .status = CLI_OK, .json = json };
	if (cli_store_open(cli, &sh.s) != CLI_OK)
		return CLI_FAIL;
	struct store_err err;
	if (store_dataset_find(sh.s, argv[optind], &sh.id, &err) != STORE_OK ||
	    store_datasets_each(sh.s, dataset_show_find, &sh, &err) != STORE_OK) {
		cli_error("%s", err.msg);
		sh.status = CLI_FAIL;
	}
	store_close(sh.s);
	return sh.status;
}

static int dataset_rm_objective(struct cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	int c, exit_rc;
	while ((c = cli_next_option(&cmd_dataset, argc, argv, "h", opts, &exit_rc)) != -1)
		if (c == CLI_OPT_EXIT)
			return exit_rc;
	if (argc - optind != 2)
		return cli_bad_usage(&cmd_dataset, "rm-objective wants a dataset NAME and an OBJECTIVE");
	const char *dataset = argv[optind], *objective = argv[optind + 1];
	struct store *s;
	if (cli_store_open(cli, &s) != CLI_OK)
		return CLI_FAIL;
	struct store_err err;
	store_id d, o;
	int status = CLI_OK;
	if (store_dataset_find(s, dataset, &d, &err) != STORE_OK ||
	    store_objective_find(s, d, objective, &o, &err) != STORE_OK ||
	    store_objective_delete(s, o, &err) != STORE_OK) {
		cli_error("%s", err.msg);
		status = CLI_FAIL;
	} else {
		printf("dataset %s: objective %s removed with its scores\n", dataset, objective);
	}
	store_close(s);
	return status;
}

static int dataset_run(struct cli *cli, int argc, char **argv)
{
	if (argc < 2)
		return cli_bad_usage(&cmd_dataset, "wants import, import-images, import-image-pairs, "
		                     "pair-images, list, show or rm-objective");
	const char *sub = argv[1];
	if (strcmp(sub, "--help") == 0 || strcmp(sub, "-h") == 0) {
		cli_print_help(&cmd_dataset, stdout);
		return CLI_OK;
	}
	cli_getopt_reset();
	if (strcmp(sub, "import") == 0)
		return dataset_import(cli, argc - 1, argv + 1);
	if (strcmp(sub, "import-images") == 0 || strcmp(sub, "import-image-pairs") == 0) {
		import_signals();
		return dataset_import_images(&cmd_dataset, cli, argc - 1, argv + 1, &import_stop_sig);
	}
	if (strcmp(sub, "pair-images") == 0)
		return dataset_pair_images(&cmd_dataset, cli, argc - 1, argv + 1);
	if (strcmp(sub, "list") == 0)
		return dataset_list(cli, argc - 1, argv + 1);
	if (strcmp(sub, "show") == 0)
		return dataset_show(cli, argc - 1, argv + 1);
	if (strcmp(sub, "rm-objective") == 0)
		return dataset_rm_objective(cli, argc - 1, argv + 1);
	return cli_bad_usage(&cmd_dataset, "no subcommand '%s' (import, import-images, "
	                     "import-image-pairs, pair-images, list, show, rm-objective)", sub);
}
