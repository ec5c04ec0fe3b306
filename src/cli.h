/* cli: the `ric` subcommand table and the helpers every subcommand shares.
 *
 *   static int info_run(struct cli *cli, int argc, char **argv);
 *   const struct cli_command cmd_info = {
 *       .name = "info", .summary = "show version, data folder and store",
 *       .usage = "ric info [--json]",
 *       .help = "  --json   one JSON object\n",
 *       .run = info_run,
 *   };
 *
 * A subcommand parses its own options with getopt_long (argv[0] is its name),
 * answers --help through cli_help(), reports errors through cli_error() and
 * returns an exit status: 0 done, 1 failed, 2 bad usage.
 */
#ifndef RIC_SRC_CLI_H
#define RIC_SRC_CLI_H

#include <getopt.h>
#include <stdio.h>

enum { CLI_OK = 0, CLI_FAIL = 1, CLI_USAGE = 2 };

struct cli {
	const char *store_opt; /* --store PATH, or NULL */
};

struct cli_command {
	const char *name;
	const char *summary;  /* one line for `ric help` */
	const char *usage;    /* synopsis line(s) */
	const char *help;     /* options and details for `ric help NAME` */
	int (*run)(struct cli *cli, int argc, char **argv);
};

/* The table, defined in ric.c; NULL-terminated. */
extern const struct cli_command *const cli_commands[];

const struct cli_command *cli_find(const char *name);
void cli_print_help(const struct cli_command *cmd, FILE *out);
void cli_print_overview(FILE *out);

/* "ric: message" on stderr. */
void cli_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* For a subcommand's getopt default case: "ric NAME: bad option; see ric help NAME". */
int cli_bad_usage(const struct cli_command *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Resets getopt for a subcommand's own option parsing. */
void cli_getopt_reset(void);

#endif
