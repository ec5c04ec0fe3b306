/* gen_keytable: prints the man page blocks made from ui/ tables, so the
 * pages cannot fall behind the program.
 *
 *   ui/gen_keytable keys       # KEYS of ric-tui(1): one .TP per action, by group
 *   ui/gen_keytable settings   # the settings of ricrc(5)
 *   ui/gen_keytable colors     # the color items of ricrc(5)
 *   ui/gen_keytable actions    # "name<TAB>default keys" per action (for scripts)
 *
 * man/ric-tui.1 and man/ricrc.5 hold each block between
 * `.\" BEGIN <name>` and `.\" END <name>`; `make update-man` rewrites them and
 * tests/tui_manpage.sh fails when a page differs.
 */
#include "config.h"

#include "ui/keys.h"
#include "ui/ricrc.h"
#include "ui/theme.h"

#include <stdio.h>
#include <string.h>

/* Roff-safe text: backslashes and dashes escaped, no control line. */
static void gen_roff(const char *s)
{
	if (*s == '.' || *s == '\'')
		fputs("\\&", stdout);
	for (; *s; s++) {
		if (*s == '\\')
			fputs("\\e", stdout);
		else if (*s == '-')
			fputs("\\-", stdout);
		else
			putchar(*s);
	}
}

static void gen_key_line(void *ctx, enum action a, const char *keys, const char *text)
{
	(void)ctx;
	if (a == ACTION_NONE) {
		fputs(".SS ", stdout);
		gen_roff(text);
		putchar('\n');
		return;
	}
	fputs(".TP\n", stdout);
	/* "Down, j, Tab" -> each key bold, then the action name for ricrc. */
	char buf[256];
	snprintf(buf, sizeof buf, "%s", keys);
	int first = 1;
	for (char *k = strtok(buf, ","); k; k = strtok(NULL, ",")) {
		while (*k == ' ')
			k++;
		fputs(first ? "\\fB" : ", \\fB", stdout);
		gen_roff(k);
		fputs("\\fR", stdout);
		first = 0;
	}
	fputs(first ? "(no key) \\fI" : "  \\fI", stdout);
	gen_roff(keys_action_name(a));
	fputs("\\fR\n", stdout);
	gen_roff(text);
	fputs(".\n", stdout);
}

int main(int argc, char **argv)
{
	const char *what = argc > 1 ? argv[1] : "keys";
	if (strcmp(what, "keys") == 0) {
		struct keys_map *km = keys_map_new();
		if (!km)
			return 1;
		keys_help(km, gen_key_line, NULL);
		keys_map_free(km);
	} else if (strcmp(what, "settings") == 0) {
#define GEN_SETTING(name, help) \
	fputs(".TP\n.B ", stdout); \
	gen_roff(name); \
	putchar('\n'); \
	gen_roff(help); \
	fputs(".\n", stdout);
		RICRC_SETTINGS(GEN_SETTING)
#undef GEN_SETTING
	} else if (strcmp(what, "colors") == 0) {
		for (int i = 0; i < THEME_COUNT; i++) {
			fputs(i ? ", " : "", stdout);
			fputs("\\fB", stdout);
			gen_roff(theme_item_name((enum theme_item)i));
			fputs("\\fR", stdout);
		}
		fputs(".\n", stdout);
	} else if (strcmp(what, "actions") == 0) {
		for (int a = 1; a < ACTION_COUNT; a++)
			printf("%s\t%s\n", keys_action_name((enum action)a),
			       keys_action_defaults((enum action)a));
	} else {
		fprintf(stderr, "usage: gen_keytable keys|settings|colors|actions\n");
		return 2;
	}
	return ferror(stdout) ? 1 : 0;
}
