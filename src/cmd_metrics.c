/* ric metrics: one metric of a run, step by step. */
#include "config.h"

#include "src/cli_store.h"
#include "src/texttable.h"

#include <stdlib.h>

static int metrics_run(struct cli *cli, int argc, char **argv);

const struct cli_command cmd_metrics = {
	.name = "metrics",
	.summary = "print one metric of a run, step by step",
	.usage = "ric metrics RUN KEY [--json]",
	.help = "KEY is a metric name such as loss, lr or tokens_per_s; `ric show RUN`\n"
	        "lists the keys a run has.\n\n"
	        "Options:\n"
	        "  --json        one JSON array of {step, value, time_ms}\n",
	.run = metrics_run,
};

struct metrics_ctx {
	struct texttable *t;
	json_t *json;
	long n;
};

static int metrics_row(void *vctx, const struct store_metric *m)
{
	struct metrics_ctx *c = vctx;
	c->n++;
	if (c->json) {
		json_array_append_new(c->json, json_pack("{s:I, s:f, s:I}", "step", (json_int_t)m->step,
		                                         "value", m->value, "time_ms", (json_int_t)m->time_ms));
		return 0;
	}
	char step[24], value[32], when[32];
	snprintf(step, sizeof step, "%lld", (long long)m->step);
	cli_store_double(value, sizeof value, m->value);
	cli_store_time(when, sizeof when, m->time_ms);
	texttable_add(c->t, step, value, when);
	return 0;
}

static int metrics_run(struct cli *cli, int argc, char **argv)
{
	int json = 0, opt_rc = cli_json_option(&cmd_metrics, argc, argv, &json);
	if (opt_rc >= 0)
		return opt_rc;
	if (argc - optind != 2)
		return cli_bad_usage(&cmd_metrics, "wants a RUN and a KEY");
	const char *key = argv[optind + 1];
	struct store *s;
	if (cli_store_open(cli, &s) != CLI_OK)
		return CLI_FAIL;
	store_id run;
	int status = cli_store_run(s, argv[optind], &run);
	struct metrics_ctx ctx = { 0 };
	if (json)
		ctx.json = json_array();
	else
		ctx.t = texttable_new(3, "STEP", "VALUE", "TIME");
	texttable_right(ctx.t, 0);
	texttable_right(ctx.t, 1);
	struct store_err err;
	if (status == CLI_OK && store_metric_series_each(s, run, key, metrics_row, &ctx, &err) != STORE_OK) {
		cli_error("%s", err.msg);
		status = CLI_FAIL;
	}
	if (status == CLI_OK && ctx.n == 0) {
		cli_error("%s: run %lld has no metric '%s' (see `ric show %s`)", store_path(s),
		          (long long)run, key, argv[optind]);
		status = CLI_FAIL;
	}
	if (status == CLI_OK) {
		if (json)
			cli_store_json_line(stdout, json_incref(ctx.json));
		else
			texttable_print(ctx.t, stdout);
	}
	json_decref(ctx.json);
	texttable_free(ctx.t);
	store_close(s);
	return status;
}
