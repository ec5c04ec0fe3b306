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
 * A subcommand parses its own options with cli_next_option (argv[0] is its
 * name), reports errors through cli_error() and returns an exit status: 0
 * done, 1 failed, 2 bad usage.
 *
 *   int c, exit_rc;
 *   while ((c = cli_next_option(&cmd_info, argc, argv, "h", opts, &exit_rc)) != -1) {
 *       switch (c) {
 *       case 'j': json = 1; break;
 *       case CLI_OPT_EXIT: return exit_rc;   // --help printed, or a bad option
 *       }
 *   }
 */
#ifndef RIC_SRC_CLI_H
#define RIC_SRC_CLI_H

#include <getopt.h>
#include <stdio.h>

#include "engine/status.h"

enum { CLI_OK = 0, CLI_FAIL = 1, CLI_USAGE = 2 };

struct cli {
	const char *store_opt; /* --store PATH, or NULL */
	int argc;              /* the subcommand's arguments (argv[0] its name) */
	char **argv;
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

/* What a reward refused for want of consent (STATUS_DENIED) tells the user:
 * nothing read from a file starts a program unless they say so. */
#define CLI_ALLOW_CMD_HINT "pass --allow-cmd to allow it"
/* Adds that hint to a STATUS_DENIED message; other codes are left alone. */
void cli_allow_cmd_hint(struct status *st);

/* "ric: message" on stderr. */
void cli_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* For a subcommand's getopt default case: "ric NAME: bad option; see ric help NAME". */
int cli_bad_usage(const struct cli_command *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* A number option: arg wholly a number in lo..hi (an out-of-range exponent,
 * ERANGE, counts as outside), else cli_bad_usage naming opt. */
int cli_number(const struct cli_command *cmd, const char *opt, const char *arg, double lo,
               double hi, double *out);

/* Resets getopt for a subcommand's own option parsing. */
void cli_getopt_reset(void);

/* The CPU's features and the kernels chosen for them, with the reasons
 * (engine/cpu): lines for `ric info --cpu` and `ric bench`, or one JSON object. */
void cli_cpu_print(FILE *out, const char *indent);
struct json_t *cli_cpu_json(void);

/* One step of a subcommand's getopt_long loop over shortopts/opts: the next
 * option's character, -1 after the last option, or CLI_OPT_EXIT once the
 * command is over: --help (-h) printed its help to stdout (*exit_status
 * CLI_OK) or an unknown option or a missing argument was reported through
 * cli_bad_usage (*exit_status CLI_USAGE). */
enum { CLI_OPT_EXIT = -2 };
int cli_next_option(const struct cli_command *cmd, int argc, char **argv, const char *shortopts,
                    const struct option *opts, int *exit_status);
/* The whole option loop of a command whose only option is --json (and
 * --help): sets *json; -1 to go on with the arguments from optind, else the
 * status to exit with (as cli_next_option's).
 *
 *   int json = 0, rc = cli_json_option(&cmd_show, argc, argv, &json);
 *   if (rc >= 0)
 *       return rc;
 */
int cli_json_option(const struct cli_command *cmd, int argc, char **argv, int *json);

#endif
