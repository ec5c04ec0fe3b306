/* ric runs: the runs in the store, newest first. */
#include "config.h"

#include "src/cli_store.h"
#include "src/job_state.h"
#include "src/texttable.h"

#include <stdlib.h>
#include <string.h>

static int runs_run(struct cli *cli, int argc, char **argv);

const struct cli_command cmd_runs = {
	.name = "runs",
	.summary = "list the runs in the store, newest first",
	.usage = "ric runs [--json] [--stage STAGE] [--tag TAG] [--limit N]",
	.help = "Options:\n"
	        "  --stage STAGE  only runs of this stage (import, relabel, pretrain, sft,\n"
	        "                 online, eval, rm-train, generate)\n"
	        "  --tag TAG      only runs with this tag\n"
	        "  --limit N      at most N runs\n"
	        "  --json         one JSON array of run objects\n",
	.run = runs_run,
};

struct runs_ctx {
	struct store *s;
	struct texttable *t;
	json_t *json;
	int failed;
};

static int runs_tag_text(void *ctx, const char *tag)
{
	char *buf = ctx;
	size_t len = strlen(buf);
	if (len + strlen(tag) + 2 < 256)
		snprintf(buf + len, 256 - len, "%s%s", len ? "," : "", tag);
	return 0;
}

static int runs_row(void *vctx, const struct store_run *r)
{
	struct runs_ctx *c = vctx;
	if (c->json) {
		json_array_append_new(c->json, cli_store_run_json(c->s, r));
		return 0;
	}
	char id[24], parent[24], created[32], took[32], tags[256] = "";
	snprintf(id, sizeof id, "%lld", (long long)r->id);
	snprintf(parent, sizeof parent, "%lld", (long long)r->parent);
	cli_store_time(created, sizeof created, r->created_ms);
	cli_store_duration(took, sizeof took, r->finished_ms ? r->finished_ms - r->created_ms
	                                                     : store_now_ms() - r->created_ms);
	struct store_err err;
	if (store_tags_each(c->s, r->id, runs_tag_text, tags, &err) != STORE_OK) {
		cli_error("%s", err.msg);
		c->failed = 1;
		return 1;
	}
	texttable_add(c->t, id, r->name, r->stage, r->status, r->parent ? parent : NULL, created, took,
	          tags[0] ? tags : NULL);
	return 0;
}

static int runs_stage_known(const char *stage)
{
	for (const char *const *p = store_stages; *p; p++)
		if (strcmp(*p, stage) == 0)
			return 1;
	return 0;
}

static int runs_run(struct cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "stage", required_argument, NULL, 's' },
		{ "tag", required_argument, NULL, 't' },
		{ "limit", required_argument, NULL, 'n' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	struct store_run_filter f = { 0 };
	int json = 0, c, exit_rc;
	while ((c = cli_next_option(&cmd_runs, argc, argv, "h", opts, &exit_rc)) != -1) {
		switch (c) {
		case 'j': json = 1; break;
		case 's': f.stage = optarg; break;
		case 't': f.tag = optarg; break;
		case 'n': {
			char *end;
			long v = strtol(optarg, &end, 10);
			if (*end || v < 1 || v > 1000000000)
				return cli_bad_usage(&cmd_runs, "--limit wants a positive number, not '%s'", optarg);
			f.limit = (int)v;
			break;
		}
		case CLI_OPT_EXIT: return exit_rc;
		}
	}
	if (optind < argc)
		return cli_bad_usage(&cmd_runs, "unexpected argument '%s'", argv[optind]);
	if (f.stage && !runs_stage_known(f.stage))
		return cli_bad_usage(&cmd_runs, "unknown stage '%s'", f.stage);

	struct store *s;
	if (cli_store_open(cli, &s) != CLI_OK)
		return CLI_FAIL;
	struct store_err err;
	/* A run whose process died shows, and stays, failed. */
	if (job_state_reap(s, NULL, NULL, &err) < 0)
		cli_error("warning: %s", err.msg);
	struct runs_ctx ctx = { .s = s };
	if (json)
		ctx.json = json_array();
	else
		ctx.t = texttable_new(8, "ID", "NAME", "STAGE", "STATUS", "PARENT", "CREATED", "TIME", "TAGS");
	texttable_right(ctx.t, 0);
	texttable_right(ctx.t, 4);
	texttable_right(ctx.t, 6);
	if (store_runs_each(s, &f, runs_row, &ctx, &err) != STORE_OK) {
		cli_error("%s", err.msg);
		ctx.failed = 1;
	}
	if (!ctx.failed) {
		if (json)
			cli_store_json_line(stdout, ctx.json), ctx.json = NULL;
		else if (texttable_rows(ctx.t))
			texttable_print(ctx.t, stdout);
		else
			fprintf(stderr, "no runs%s\n", f.stage || f.tag ? " match" : " yet");
	}
	json_decref(ctx.json);
	texttable_free(ctx.t);
	store_close(s);
	return ctx.failed ? CLI_FAIL : CLI_OK;
}
