/* ric rm: delete a run and everything it owns. */
#include "config.h"

#include "src/cli_store.h"
#include "src/termtext.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

static int rm_run(struct cli *cli, int argc, char **argv);

const struct cli_command cmd_rm = {
	.name = "rm",
	.summary = "delete a run with its metrics, samples, points and fronts",
	.usage = "ric rm RUN [--yes]",
	.help = "Asks first when standard input is a terminal; elsewhere (scripts)\n"
	        "it refuses unless --yes is given. Child runs stay, without a parent;\n"
	        "checkpoint files on disk are not touched.\n\n"
	        "Options:\n"
	        "  -y, --yes     delete without asking\n",
	.run = rm_run,
};

struct rm_info {
	char name[128], stage[16], status[16];
};

static int rm_copy(void *ctx, const struct store_run *r)
{
	struct rm_info *i = ctx;
	snprintf(i->name, sizeof i->name, "%s", r->name);
	snprintf(i->stage, sizeof i->stage, "%s", r->stage);
	snprintf(i->status, sizeof i->status, "%s", r->status);
	return 0;
}

static int rm_confirm(store_id run, const struct rm_info *i, int64_t samples)
{
	termtext_printf(stderr, "Delete run %lld (%s, %s, %s) with its metrics and %lld samples? [y/N] ",
	        (long long)run, i->name, i->stage, i->status, (long long)samples);
	fflush(stderr);
	char line[64];
	if (!fgets(line, sizeof line, stdin))
		return 0;
	return strcmp(line, "y\n") == 0 || strcmp(line, "yes\n") == 0 || strcmp(line, "Y\n") == 0;
}

static int rm_run(struct cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "yes", no_argument, NULL, 'y' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	int yes = 0, c, exit_rc;
	while ((c = cli_next_option(&cmd_rm, argc, argv, "hy", opts, &exit_rc)) != -1) {
		switch (c) {
		case 'y': yes = 1; break;
		case CLI_OPT_EXIT: return exit_rc;
		}
	}
	if (optind != argc - 1)
		return cli_bad_usage(&cmd_rm, "wants one RUN");
	struct store *s;
	if (cli_store_open(cli, &s) != CLI_OK)
		return CLI_FAIL;
	store_id run;
	int status = cli_store_run(s, argv[optind], &run);
	struct store_err err;
	struct rm_info info = { "", "", "" };
	int64_t samples = 0;
	if (status == CLI_OK && (store_run_get(s, run, rm_copy, &info, &err) != STORE_OK ||
	                         store_samples_count(s, run, &samples, &err) != STORE_OK)) {
		cli_error("%s", err.msg);
		status = CLI_FAIL;
	}
	if (status == CLI_OK && !yes) {
		if (!isatty(STDIN_FILENO)) {
			cli_error("not deleting run %lld (%s) without --yes: standard input is not a terminal",
			          (long long)run, info.name);
			status = CLI_FAIL;
		} else if (!rm_confirm(run, &info, samples)) {
			fprintf(stderr, "ric: kept run %lld\n", (long long)run);
			status = CLI_FAIL;
		}
	}
	if (status == CLI_OK) {
		if (store_run_delete(s, run, &err) != STORE_OK) {
			cli_error("%s", err.msg);
			status = CLI_FAIL;
		} else {
			termtext_printf(stderr, "ric: deleted run %lld (%s)\n", (long long)run, info.name);
		}
	}
	store_close(s);
	return status;
}
