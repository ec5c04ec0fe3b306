/* ric: every RiC stage as a command line, over the engine and the store. */
#include "config.h"

#include "src/cli.h"
#include "src/dist.h"
#include "engine/cpu.h"

#include <locale.h>
#include <stdlib.h>
#include <string.h>

extern const struct cli_command cmd_help;
extern const struct cli_command cmd_info;
extern const struct cli_command cmd_runs;
extern const struct cli_command cmd_show;
extern const struct cli_command cmd_metrics;
extern const struct cli_command cmd_export;
extern const struct cli_command cmd_tag;
extern const struct cli_command cmd_rm;
extern const struct cli_command cmd_store;
extern const struct cli_command cmd_logits;
extern const struct cli_command cmd_grads;
extern const struct cli_command cmd_bench;
extern const struct cli_command cmd_generate;
extern const struct cli_command cmd_tokenize;
extern const struct cli_command cmd_train_tokenizer;
extern const struct cli_command cmd_pretrain;
extern const struct cli_command cmd_rm_train;
extern const struct cli_command cmd_job;
extern const struct cli_command cmd_sft;
extern const struct cli_command cmd_online;
extern const struct cli_command cmd_dataset;
extern const struct cli_command cmd_relabel;
extern const struct cli_command cmd_eval;
extern const struct cli_command cmd_front;
extern const struct cli_command cmd_convert;
extern const struct cli_command cmd_merge;
extern const struct cli_command cmd_soup;
extern const struct cli_command cmd_import_checkpoint;

const struct cli_command *const cli_commands[] = {
	&cmd_help,
	&cmd_info,
	&cmd_runs,
	&cmd_show,
	&cmd_metrics,
	&cmd_export,
	&cmd_tag,
	&cmd_rm,
	&cmd_store,
	&cmd_logits,
	&cmd_grads,
	&cmd_bench,
	&cmd_generate,
	&cmd_tokenize,
	&cmd_train_tokenizer,
	&cmd_pretrain,
	&cmd_rm_train,
	&cmd_job,
	&cmd_sft,
	&cmd_online,
	&cmd_dataset,
	&cmd_relabel,
	&cmd_eval,
	&cmd_front,
	&cmd_convert,
	&cmd_merge,
	&cmd_soup,
	&cmd_import_checkpoint,
	NULL
};

static int help_run(struct cli *cli, int argc, char **argv)
{
	(void)cli;
	if (argc < 2) {
		cli_print_overview(stdout);
		return CLI_OK;
	}
	const struct cli_command *cmd = cli_find(argv[1]);
	if (!cmd) {
		cli_error("no command '%s' (see `ric help`)", argv[1]);
		return CLI_USAGE;
	}
	cli_print_help(cmd, stdout);
	return CLI_OK;
}

const struct cli_command cmd_help = {
	.name = "help",
	.summary = "list the commands, or describe one",
	.usage = "ric help [COMMAND]",
	.help = "",
	.run = help_run,
};

static int ric_main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "store", required_argument, NULL, 's' },
		{ "version", no_argument, NULL, 'V' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	struct cli cli = { 0 };
	int c;

	setlocale(LC_ALL, "");
	opterr = 0;
	/* "+": stop at the command name, so its options are its own. */
	while ((c = getopt_long(argc, argv, "+h", opts, NULL)) != -1) {
		switch (c) {
		case 's':
			if (!*optarg) {
				cli_error("--store wants a file name, not ''");
				return CLI_USAGE;
			}
			cli.store_opt = optarg;
			break;
		case 'V':
			printf("ric %s\n", PACKAGE_VERSION);
			return CLI_OK;
		case 'h':
			cli_print_overview(stdout);
			return CLI_OK;
		default:
			cli_error("unknown option '%s' (see `ric --help`)", argv[optind - 1]);
			return CLI_USAGE;
		}
	}
	if (optind >= argc) {
		cli_print_overview(stderr);
		return CLI_USAGE;
	}
	const struct cli_command *cmd = cli_find(argv[optind]);
	if (!cmd) {
		cli_error("no command '%s' (see `ric help`)", argv[optind]);
		return CLI_USAGE;
	}
	/* a RIC_CPU or RIC_BLIS that cannot be honoured stops every command,
	 * rather than running other kernels than the user asked for */
	struct status st = STATUS_INIT;
	if (cpu_init(&st) != STATUS_OK) {
		cli_error("%s", st.msg);
		return CLI_USAGE;
	}
	int sub_argc = argc - optind;
	char **sub_argv = argv + optind;
	cli_getopt_reset();
	cli.argc = sub_argc;
	cli.argv = sub_argv;
	return cmd->run(&cli, sub_argc, sub_argv);
}

/* Under mpirun every rank runs the same command (src/dist.h); an error on
 * one ends them all. */
int main(int argc, char **argv)
{
	if (dist_init(&argc, &argv) != 0)
		return CLI_FAIL;
	return dist_finish(ric_main(argc, argv));
}
