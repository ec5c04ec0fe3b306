#include "config.h"

#include "ui/screen.h"

#include <curses.h>
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

int screen_open(void)
{
	static int registered;
	if (screen_active)
		return 0;
	if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO))
		return -1;
	if (!initscr())
		return -1;
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
