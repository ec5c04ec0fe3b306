/* cli_spec: a stage's options as data, read from the one place they are
 * written for people (its cli_command usage and help), so forms (ric-tui's
 * new-job form through `ric job options STAGE`) never keep a second list.
 *
 *   struct cli_spec sp;
 *   cli_spec_parse(cmd_sft.usage, cmd_sft.help, &sp);
 *   for (size_t i = 0; i < sp.n; i++)
 *       ... sp.opt[i].name ("base"), .arg ("DIR"), .required, .group, .help ...
 *
 * The usage line decides what is required: an option outside brackets is
 * ("--base DIR"), alternatives joined by '|' share a group of which one is
 * required ("--dataset NAME|--data DIR"); "]..." repeats; an upper-case word
 * outside brackets ("FILES...") is the positional argument. The help's
 * "  --name ARG   text" lines give every option its argument, text and
 * "(default ...)". --help and --job (set by `ric job start`) are left out.
 */
#ifndef RIC_SRC_CLI_SPEC_H
#define RIC_SRC_CLI_SPEC_H

#include <stddef.h>

#define CLI_SPEC_MAX 96

struct cli_spec_opt {
	char name[48];      /* without "--" */
	char arg[48];       /* "DIR", "FILE.jsonl|DATASET"; "" for a flag */
	int required;       /* must be given */
	int group;          /* > 0: one option of this group must be given */
	int repeat;         /* may be given more than once */
	char help[600];     /* the help's text, lines joined */
	char def[96];       /* the "(default X)" text, "" when none */
};

struct cli_spec {
	size_t n;
	struct cli_spec_opt opt[CLI_SPEC_MAX];
	char positional[48];   /* "FILES..." or "" */
	int positional_required;
};

/* Never fails: what cannot be read is left out (at most CLI_SPEC_MAX options). */
void cli_spec_parse(const char *usage, const char *help, struct cli_spec *out);
/* The option named name (without "--"), or NULL. */
const struct cli_spec_opt *cli_spec_find(const struct cli_spec *sp, const char *name);

#endif
