/* ric-tui: the interactive terminal application.
 *
 * The steering, front, runs and jobs screens arrive with the engine, store and
 * RiC pipeline; until then this opens a screen that says so, without pretending
 * to do more. */
#include "config.h"

#include "src/paths.h"
#include "ui/screen.h"

#include <curses.h>
#include <getopt.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>

static void usage(FILE *out)
{
	fprintf(out,
	        "usage: ric-tui [--store PATH] [--version] [--help]\n\n"
	        "Steer a Rewards-in-Context model with preference sliders, inspect the\n"
	        "Pareto front, browse runs and run training jobs.\n\n"
	        "Options:\n"
	        "  --store PATH  experiment store (default $RIC_STORE, else\n"
	        "                $XDG_DATA_HOME/ric/store.db)\n"
	        "  --version     print the version and exit\n"
	        "  -h, --help    show this help\n");
}

static const char *const placeholder[] = {
	"This build has no interactive screens yet. Coming, in this order:",
	"",
	"  Steer   preference sliders, live streaming generations, compare A | B",
	"  Front   reward scatter, Pareto front and hypervolume per run",
	"  Runs    the experiment store: runs, metrics, checkpoints, lineage",
	"  Jobs    training stages in the background with progress",
	"",
	"Every stage is available from the command line as it lands: see `ric help`.",
	"",
	"Press q to quit.",
};

static void draw(const char *store)
{
	erase();
	int rows = getmaxy(stdscr);
	int n = (int)(sizeof placeholder / sizeof placeholder[0]);
	int top = rows > n + 4 ? (rows - n - 4) / 2 : 0;
	attron(A_BOLD);
	mvprintw(top, 2, "ric-tui %s", PACKAGE_VERSION);
	attroff(A_BOLD);
	mvprintw(top + 1, 2, "store: %s", store ? store : "(none)");
	for (int i = 0; i < n; i++)
		mvaddstr(top + 3 + i, 2, placeholder[i]);
	refresh();
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "store", required_argument, NULL, 's' },
		{ "version", no_argument, NULL, 'V' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	const char *store_opt = NULL;
	int c;

	setlocale(LC_ALL, "");
	opterr = 0;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 's': store_opt = optarg; break;
		case 'V': printf("ric-tui %s\n", PACKAGE_VERSION); return 0;
		case 'h': usage(stdout); return 0;
		default:
			fprintf(stderr, "ric-tui: unknown option '%s'\n", argv[optind - 1]);
			usage(stderr);
			return 2;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "ric-tui: unexpected argument '%s'\n", argv[optind]);
		return 2;
	}
	char *store = paths_store(store_opt);
	if (screen_open() != 0) {
		fprintf(stderr, "ric-tui: standard input and output must be a terminal\n");
		free(store);
		return 1;
	}
	draw(store);
	for (;;) {
		int key = getch();
		if (key == 'q' || key == 'Q' || key == 27)
			break;
		if (key == KEY_RESIZE || key == 12 /* ^L */)
			draw(store);
	}
	screen_close();
	free(store);
	return 0;
}
