/* ric tag: label a run, so `ric runs --tag` finds it and RUN may name it. */
#include "config.h"

#include "src/cli_store.h"

static int tag_run(struct cli *cli, int argc, char **argv);

const struct cli_command cmd_tag = {
	.name = "tag",
	.summary = "add a tag to a run (or remove one)",
	.usage = "ric tag RUN TAG [--remove]",
	.help = "A tag held by one run can name that run wherever RUN is asked for.\n\n"
	        "Options:\n"
	        "  --remove      take the tag off instead\n",
	.run = tag_run,
};

static int tag_run(struct cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "remove", no_argument, NULL, 'r' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	int remove = 0, c, exit_rc;
	while ((c = cli_next_option(&cmd_tag, argc, argv, "h", opts, &exit_rc)) != -1) {
		switch (c) {
		case 'r': remove = 1; break;
		case CLI_OPT_EXIT: return exit_rc;
		}
	}
	if (argc - optind != 2)
		return cli_bad_usage(&cmd_tag, "wants a RUN and a TAG");
	const char *tag = argv[optind + 1];
	if (!*tag)
		return cli_bad_usage(&cmd_tag, "the tag is empty");
	struct store *s;
	if (cli_store_open(cli, &s) != CLI_OK)
		return CLI_FAIL;
	store_id run;
	int status = cli_store_run(s, argv[optind], &run);
	struct store_err err;
	if (status == CLI_OK && (remove ? store_tag_remove(s, run, tag, &err)
	                                : store_tag_add(s, run, tag, &err)) != STORE_OK) {
		cli_error("%s", err.msg);
		status = CLI_FAIL;
	}
	store_close(s);
	return status;
}
