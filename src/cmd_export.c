/* ric export: a run's samples, evaluation points or metrics as JSON lines or CSV. */
#include "config.h"

#include "src/cli_store.h"
#include "src/export_trl.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int export_run(struct cli *cli, int argc, char **argv);

const struct cli_command cmd_export = {
	.name = "export",
	.summary = "write a run's samples, points or metrics, or a RiC training set for TRL",
	.usage = "ric export RUN --what samples|points|metrics [--format jsonl|csv] [-o FILE]\n"
	         "       ric export DATASET|ONLINE-RUN --format trl -o DIR [--base DIR] [--eos TEXT]\n"
	         "       [--objective NAME]... [--template T] [--marker M] [--mapping M]\n"
	         "       [--unconditioned] [--pair-responses chosen|both]",
	.help = "Options:\n"
	        "  --what WHAT     samples, points (evaluation points) or metrics\n"
	        "  --format FMT    jsonl (default: one JSON object per line) or csv\n"
	        "                  (RFC 4180: a header line, CRLF line ends, fields with\n"
	        "                  commas, quotes or line breaks quoted; vectors as\n"
	        "                  \"[a,b]\")\n"
	        "  -o, --output FILE  write to FILE (replaced only once complete) instead\n"
	        "                  of standard output\n\n"
	        "--format trl: the RiC-conditioned training set of a relabelled DATASET\n"
	        "(the rows, template, scores and EOS `ric sft` would train on with the same\n"
	        "options), or the kept samples of an ONLINE-RUN relabelled with the scores\n"
	        "they obtained, as TRL's prompt-completion JSONL in DIR/train.jsonl\n"
	        "({\"prompt\": context, \"completion\": \" \" response EOS}), with DIR/ric.json\n"
	        "(objectives, stats, template, marker, mapping) to steer a model trained on\n"
	        "it (`ric import-checkpoint`). DIR must not exist or be empty.\n"
	        "  --base DIR      the model to be trained: its EOS text, and its name in ric.json\n"
	        "  --eos TEXT      the EOS text (default: --base's, else <|endoftext|>)\n"
	        "  --objective, --template, --marker, --mapping, --unconditioned,\n"
	        "  --pair-responses  as `ric sft` (datasets only)\n",
	.run = export_run,
};

enum export_what { EXPORT_SAMPLES, EXPORT_POINTS, EXPORT_METRICS };

struct export_ctx {
	FILE *out;
	int csv;
	long n;
	int failed;
};

static const char *const export_sample_cols[] = {
	"id", "iteration", "point", "prompt", "response", "preference", "desired", "raw", "norm",
	"kept", "time_ms"
};
static const char *const export_point_cols[] = {
	"id", "preference", "raw_mean", "norm_mean", "n_samples", "created_ms"
};
static const char *const export_metric_cols[] = { "key", "step", "value", "time_ms" };

/* Writes one JSON line; a value jansson cannot build stops the export with an
 * error instead of a silently short file. */
static int export_json(struct export_ctx *c, json_t *o)
{
	if (cli_store_json_line(c->out, o) == 0)
		return 0;
	c->failed = 1;
	return 1;
}

static int export_sample(void *vctx, const struct store_sample *x)
{
	struct export_ctx *c = vctx;
	c->n++;
	if (!c->csv) {
		json_t *o = json_pack("{s:I, s:i, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:I}",
		                      "id", (json_int_t)x->id, "iteration", x->iteration,
		                      "point", x->point ? json_integer(x->point) : json_null(),
		                      "prompt", cli_store_json_text(x->prompt),
		                      "response", cli_store_json_text(x->response),
		                      "preference", cli_store_json_vec(x->preference, x->n),
		                      "desired", cli_store_json_vec(x->desired, x->n),
		                      "raw", cli_store_json_vec(x->raw, x->n),
		                      "norm", cli_store_json_vec(x->norm, x->n),
		                      "kept", x->kept < 0 ? json_null() : json_boolean(x->kept),
		                      "time_ms", (json_int_t)x->time_ms);
		return export_json(c, o);
	}
	char id[24], it[24], point[24], t[24], pref[512], des[512], raw[512], norm[512];
	snprintf(id, sizeof id, "%lld", (long long)x->id);
	snprintf(it, sizeof it, "%d", x->iteration);
	snprintf(point, sizeof point, "%lld", (long long)x->point);
	snprintf(t, sizeof t, "%lld", (long long)x->time_ms);
	cli_store_vec_text(pref, sizeof pref, x->preference, x->n);
	cli_store_vec_text(des, sizeof des, x->desired, x->n);
	cli_store_vec_text(raw, sizeof raw, x->raw, x->n);
	cli_store_vec_text(norm, sizeof norm, x->norm, x->n);
	const char *f[] = { id, it, x->point ? point : NULL, x->prompt, x->response, pref, des, raw,
	                    norm, x->kept < 0 ? NULL : x->kept ? "1" : "0", t };
	cli_store_csv_row(c->out, 11, f);
	return 0;
}

static int export_point(void *vctx, const struct store_point *p)
{
	struct export_ctx *c = vctx;
	c->n++;
	if (!c->csv) {
		json_t *o = json_pack("{s:I, s:o, s:o, s:o, s:I, s:I}", "id", (json_int_t)p->id,
		                      "preference", cli_store_json_vec(p->preference, p->n),
		                      "raw_mean", cli_store_json_vec(p->raw_mean, p->n),
		                      "norm_mean", cli_store_json_vec(p->norm_mean, p->n),
		                      "n_samples", (json_int_t)p->n_samples,
		                      "created_ms", (json_int_t)p->created_ms);
		return export_json(c, o);
	}
	char id[24], ns[24], t[24], pref[512], raw[512], norm[512];
	snprintf(id, sizeof id, "%lld", (long long)p->id);
	snprintf(ns, sizeof ns, "%lld", (long long)p->n_samples);
	snprintf(t, sizeof t, "%lld", (long long)p->created_ms);
	cli_store_vec_text(pref, sizeof pref, p->preference, p->n);
	cli_store_vec_text(raw, sizeof raw, p->raw_mean, p->n);
	cli_store_vec_text(norm, sizeof norm, p->norm_mean, p->n);
	const char *f[] = { id, pref, raw, norm, ns, t };
	cli_store_csv_row(c->out, 6, f);
	return 0;
}

static int export_metric(void *vctx, const struct store_metric *m)
{
	struct export_ctx *c = vctx;
	c->n++;
	if (!c->csv) {
		json_t *o = json_pack("{s:s, s:I, s:f, s:I}", "key", m->key, "step", (json_int_t)m->step,
		                      "value", m->value, "time_ms", (json_int_t)m->time_ms);
		return export_json(c, o);
	}
	char step[24], value[32], t[24];
	snprintf(step, sizeof step, "%lld", (long long)m->step);
	cli_store_double(value, sizeof value, m->value);
	snprintf(t, sizeof t, "%lld", (long long)m->time_ms);
	const char *f[] = { m->key, step, value, t };
	cli_store_csv_row(c->out, 4, f);
	return 0;
}

static int export_run(struct cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "what", required_argument, NULL, 'w' },
		{ "format", required_argument, NULL, 'f' },
		{ "output", required_argument, NULL, 'o' },
		{ "help", no_argument, NULL, 'h' },
		{ "base", required_argument, NULL, 'B' }, { "eos", required_argument, NULL, 'E' },
		RICDATA_OPTIONS,
		{ NULL, 0, NULL, 0 }
	};
	const char *what = NULL, *format = "jsonl", *output = NULL;
	struct export_trl_opts trl = { 0 };
	int c, exit_rc, rc_opt;
	while ((c = cli_next_option(&cmd_export, argc, argv, "ho:", opts, &exit_rc)) != -1) {
		switch (c) {
		case 'w': what = optarg; break;
		case 'f': format = optarg; break;
		case 'o': output = optarg; break;
		case 'B': trl.base = optarg; break;
		case 'E': trl.eos = optarg; break;
		case 'O': case 't': case 'M': case 'P': case 'U': case 'R':
			if ((rc_opt = ricdata_option(&cmd_export, c, optarg, &trl.r)) != CLI_OK)
				return rc_opt;
			break;
		case CLI_OPT_EXIT: return exit_rc;
		}
	}
	if (optind != argc - 1)
		return cli_bad_usage(&cmd_export, "wants one %s", strcmp(format, "trl") == 0
		                     ? "DATASET or online RUN" : "RUN");
	if (strcmp(format, "trl") == 0) {
		if (what)
			return cli_bad_usage(&cmd_export, "--format trl exports training rows, not --what");
		trl.out = output;
		return export_trl(cli, &cmd_export, argv[optind], &trl);
	}
	if (trl.base || trl.eos || ricdata_opts_given(&trl.r))
		return cli_bad_usage(&cmd_export, "--base, --eos and the conditioning options go with "
		                     "--format trl");
	enum export_what w;
	if (!what)
		return cli_bad_usage(&cmd_export, "--what is required");
	else if (strcmp(what, "samples") == 0)
		w = EXPORT_SAMPLES;
	else if (strcmp(what, "points") == 0)
		w = EXPORT_POINTS;
	else if (strcmp(what, "metrics") == 0)
		w = EXPORT_METRICS;
	else
		return cli_bad_usage(&cmd_export, "--what '%s': samples, points or metrics", what);
	if (strcmp(format, "jsonl") != 0 && strcmp(format, "csv") != 0)
		return cli_bad_usage(&cmd_export, "--format '%s': jsonl, csv or trl", format);

	struct store *s;
	if (cli_store_open(cli, &s) != CLI_OK)
		return CLI_FAIL;
	store_id run;
	if (cli_store_run(s, argv[optind], &run) != CLI_OK) {
		store_close(s);
		return CLI_FAIL;
	}
	struct export_ctx ctx = { .out = stdout, .csv = format[0] == 'c' };
	char *tmp = NULL;
	if (output) {
		/* A temporary file renamed at the end: FILE is never left half written. */
		size_t n = strlen(output) + 16;
		tmp = malloc(n);
		snprintf(tmp, n, "%s.tmp.%ld", output, (long)getpid());
		ctx.out = fopen(tmp, "w");
		if (!ctx.out) {
			cli_error("%s: cannot write: %s", output, strerror(errno));
			free(tmp);
			store_close(s);
			return CLI_FAIL;
		}
	}
	struct store_err err;
	enum store_code rc;
	if (w == EXPORT_SAMPLES) {
		if (ctx.csv)
			cli_store_csv_row(ctx.out, 11, export_sample_cols);
		rc = store_samples_each(s, run, export_sample, &ctx, &err);
	} else if (w == EXPORT_POINTS) {
		if (ctx.csv)
			cli_store_csv_row(ctx.out, 6, export_point_cols);
		rc = store_points_each(s, run, export_point, &ctx, &err);
	} else {
		if (ctx.csv)
			cli_store_csv_row(ctx.out, 4, export_metric_cols);
		rc = store_metric_series_each(s, run, NULL, export_metric, &ctx, &err);
	}
	int status = CLI_OK;
	if (rc != STORE_OK) {
		cli_error("%s", err.msg);
		status = CLI_FAIL;
	} else if (ctx.failed) {
		cli_error("%s: record %ld cannot be written as JSON", what, ctx.n);
		status = CLI_FAIL;
	}
	if (fflush(ctx.out) != 0 || ferror(ctx.out)) {
		cli_error("%s: write failed: %s", output ? output : "standard output", strerror(errno));
		status = CLI_FAIL;
	}
	if (output) {
		if (fclose(ctx.out) != 0 && status == CLI_OK) {
			cli_error("%s: write failed: %s", output, strerror(errno));
			status = CLI_FAIL;
		}
		if (status == CLI_OK && rename(tmp, output) != 0) {
			cli_error("%s: cannot replace: %s", output, strerror(errno));
			status = CLI_FAIL;
		}
		if (status != CLI_OK)
			unlink(tmp);
		else
			fprintf(stderr, "ric: wrote %ld %s to %s\n", ctx.n, what, output);
		free(tmp);
	}
	store_close(s);
	return status;
}
