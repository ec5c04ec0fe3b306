/* screen: owning the terminal through curses, and giving it back intact.
 *
 *   char err[256];
 *   if (screen_open(err, sizeof err) != 0) { fprintf(stderr, "%s\n", err); return 1; }
 *   ... draw, getch() ...
 *   screen_close();      // also run on exit and on fatal signals
 *
 * screen_open() sets cbreak, no echo, keypad and hides the cursor; it installs
 * handlers so SIGINT/SIGTERM/SIGHUP/SIGSEGV restore the terminal before dying.
 */
#ifndef RIC_UI_SCREEN_H
#define RIC_UI_SCREEN_H

#include <stddef.h>

/* -1 with a message in err when stdin/stdout are no terminal or TERM names
 * none that can address the cursor (dumb, unknown): the terminal is then
 * left untouched. */
int screen_open(char *err, size_t cap);
/* The same test alone (1: usable), to refuse before any work is done. */
int screen_usable(char *err, size_t cap);
void screen_close(void);
int screen_is_open(void);

/* True when the locale's charset is UTF-8 (braille, box drawing). */
int screen_utf8(void);

#endif
