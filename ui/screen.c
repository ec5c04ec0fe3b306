#include "config.h"

#include "ui/screen.h"
#include "ui/halfblock.h"

#include <curses.h>
#include <stdio.h>
#include <term.h>
#include <langinfo.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static volatile sig_atomic_t screen_active;

static void screen_on_fatal(int sig)
{
	/* endwin is not async-signal-safe, but the process is dying anyway and a
	 * broken terminal is the worse outcome. */
	if (screen_active) {
		screen_active = 0;
		endwin();
	}
	signal(sig, SIG_DFL);
	raise(sig);
}

static void screen_at_exit(void)
{
	screen_close();
}

/* Whether TERM describes a screen we can draw on: one that moves the cursor.
 * initscr() itself exits the program on an unknown TERM, and on TERM=dumb
 * draws every frame as lines scrolling past. */
int screen_usable(char *err, size_t cap)
{
	const char *term = getenv("TERM");
	int e = 0;
	if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO)) {
		snprintf(err, cap, "standard input and output must be a terminal");
		return 0;
	}
	if (!term || !*term) {
		snprintf(err, cap, "TERM is not set; set it to your terminal's type (e.g. xterm-256color)");
		return 0;
	}
	if (setupterm(NULL, STDOUT_FILENO, &e) != OK) {
		snprintf(err, cap, e == -1 ? "no terminfo database is installed (TERM=%s)"
		         : "the terminal type '%s' is unknown (TERM); set TERM to your terminal's type", term);
		return 0;
	}
	char *cup = tigetstr("cup");
	int ok = cup && cup != (char *)-1 && !tigetflag("gn") && !tigetflag("hc");
	del_curterm(cur_term);
	if (!ok)
		snprintf(err, cap, "the terminal type '%s' cannot move the cursor (TERM); ric-tui needs a "
		         "full-screen terminal such as xterm-256color (the ric command works anywhere)",
		         term);
	return ok;
}

/* COLORTERM says the terminal draws 24-bit colour, but ncurses does so only
 * through a direct-colour terminfo entry (colors#0x1000000), while TERM is
 * nearly always NAME-256color (xterm, tmux, ...): NAME-direct, where it is
 * installed (ncurses-term), describes the same terminal with 24-bit colour.
 * Its name in buf, or NULL for TERM as it is. */
static const char *screen_direct_term(char *buf, size_t cap)
{
	const char *term = getenv("TERM"), *nc = getenv("NO_COLOR");
	const char *tail = term ? strstr(term, "-256color") : NULL;
	if (!tail || tail[9] || (nc && *nc) || !halfblock_colorterm_24bit(getenv("COLORTERM")))
		return NULL;
	if ((size_t)snprintf(buf, cap, "%.*s-direct", (int)(tail - term), term) >= cap)
		return NULL;
	int e = 0, ok = 0;
	if (setupterm(buf, STDOUT_FILENO, &e) == OK) {
		ok = tigetnum("colors") >= 0x1000000;
		del_curterm(cur_term);
	}
	return ok ? buf : NULL;
}

int screen_open(char *err, size_t cap)
{
	static int registered;
	if (screen_active)
		return 0;
	if (!screen_usable(err, cap))
		return -1;
	char direct[256];
	if (!newterm(screen_direct_term(direct, sizeof direct), stdout, stdin)) {
		snprintf(err, cap, "cannot start the terminal screen (TERM=%s)", getenv("TERM"));
		return -1;
	}
	screen_active = 1;
	if (!registered) {
		atexit(screen_at_exit);
		int sigs[] = { SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGSEGV, SIGABRT, SIGBUS, SIGFPE };
		for (size_t i = 0; i < sizeof sigs / sizeof sigs[0]; i++) {
			struct sigaction sa;
			memset(&sa, 0, sizeof sa);
			sa.sa_handler = screen_on_fatal;
			sigemptyset(&sa.sa_mask);
			sigaction(sigs[i], &sa, NULL);
		}
		registered = 1;
	}
	cbreak();
	noecho();
	nonl();
	keypad(stdscr, TRUE);
	curs_set(0);
	if (has_colors()) {
		start_color();
		use_default_colors();
	}
	return 0;
}

void screen_close(void)
{
	if (!screen_active)
		return;
	screen_active = 0;
	curs_set(1);
	endwin();
}

int screen_is_open(void)
{
	return screen_active;
}

int screen_utf8(void)
{
	const char *cs = nl_langinfo(CODESET);
	return cs && strcmp(cs, "UTF-8") == 0;
}
