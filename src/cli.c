#include "config.h"

#include "src/cli.h"
#include "src/termtext.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

const struct cli_command *cli_find(const char *name)
{
	for (const struct cli_command *const *c = cli_commands; *c; c++)
		if (strcmp((*c)->name, name) == 0)
			return *c;
	return NULL;
}

void cli_print_help(const struct cli_command *cmd, FILE *out)
{
	fprintf(out, "usage: %s\n\n%s.\n", cmd->usage, cmd->summary);
	if (cmd->help && *cmd->help)
		fprintf(out, "\n%s", cmd->help);
	fprintf(out, "%s  -h, --help    show this help\n", cmd->help && *cmd->help ? "" : "\n");
}

void cli_print_overview(FILE *out)
{
	fprintf(out,
	        "usage: ric [--store PATH] COMMAND [ARGS...]\n"
	        "       ric --version | --help\n\n"
	        "Multi-objective alignment of language models with Rewards-in-Context.\n\n"
	        "Commands:\n");
	for (const struct cli_command *const *c = cli_commands; *c; c++)
		fprintf(out, "  %-16s %s\n", (*c)->name, (*c)->summary);
	fprintf(out,
	        "\nGlobal options:\n"
	        "  --store PATH  experiment store (default $RIC_STORE, else\n"
	        "                $XDG_DATA_HOME/ric/store.db)\n"
	        "  --version     print the version and exit\n"
	        "  -h, --help    show this help\n\n"
	        "`ric help COMMAND` or `ric COMMAND --help` describes one command.\n");
}

void cli_allow_cmd_hint(struct status *st)
{
	if (!st || st->code != STATUS_DENIED)
		return;
	char why[STATUS_MSG_MAX];
	snprintf(why, sizeof why, "%s", st->msg);
	status_set(st, STATUS_DENIED, "%s (%s)", why, CLI_ALLOW_CMD_HINT);
}

void cli_error(const char *fmt, ...)
{
	va_list ap;
	fflush(stdout);
	fputs("ric: ", stderr);
	va_start(ap, fmt);
	termtext_vprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

int cli_bad_usage(const struct cli_command *cmd, const char *fmt, ...)
{
	va_list ap;
	termtext_printf(stderr, "ric %s: ", cmd->name);
	va_start(ap, fmt);
	termtext_vprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\nusage: %s\n(see `ric help %s`)\n", cmd->usage, cmd->name);
	return CLI_USAGE;
}

/* getopt reports an unknown option and a missing value alike ('?'); optopt
 * names the option in the second case (and for unknown short options). */
static int cli_option_wants_value(const char *shortopts, const struct option *opts, int opt)
{
	for (const struct option *o = opts; o && o->name; o++)
		if (o->val == opt && !o->flag && o->has_arg == required_argument)
			return 1;
	const char *p = opt > 0 && opt != ':' && opt != '+' ? strchr(shortopts, opt) : NULL;
	return p && p[1] == ':';
}

int cli_next_option(const struct cli_command *cmd, int argc, char **argv, const char *shortopts,
                    const struct option *opts, int *exit_status)
{
	int c = getopt_long(argc, argv, shortopts, opts, NULL);
	if (c == 'h') {
		cli_print_help(cmd, stdout);
		*exit_status = CLI_OK;
		return CLI_OPT_EXIT;
	}
	if (c == '?' || c == ':') {
		const char *arg = argv[optind - 1];
		if (c == ':' || cli_option_wants_value(shortopts, opts, optopt))
			*exit_status = cli_bad_usage(cmd, "option '%s' needs a value", arg);
		else
			*exit_status = cli_bad_usage(cmd, "unknown option '%s'", arg);
		return CLI_OPT_EXIT;
	}
	return c;
}

int cli_json_option(const struct cli_command *cmd, int argc, char **argv, int *json)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	int c, exit_rc;
	while ((c = cli_next_option(cmd, argc, argv, "h", opts, &exit_rc)) != -1) {
		if (c == 'j')
			*json = 1;
		else if (c == CLI_OPT_EXIT)
			return exit_rc;
	}
	return -1;
}

void cli_getopt_reset(void)
{
	optind = 0; /* glibc: 0 also resets its internal state */
	opterr = 0; /* subcommands print their own message */
}

int cli_number(const struct cli_command *cmd, const char *opt, const char *arg, double lo,
               double hi, double *out)
{
	char *end;
	errno = 0;
	double v = strtod(arg, &end);
	if (*arg == '\0' || *end || errno || !(v >= lo && v <= hi))
		return cli_bad_usage(cmd, "%s wants a number in %g..%g, not '%s'", opt, lo, hi, arg);
	*out = v;
	return CLI_OK;
}
