/* screen: owning the terminal through curses, and giving it back intact.
 *
 *   if (screen_open() != 0) { fprintf(stderr, "not a terminal\n"); return 1; }
 *   ... draw, getch() ...
 *   screen_close();      // also run on exit and on fatal signals
 *
 * screen_open() sets cbreak, no echo, keypad and hides the cursor; it installs
 * handlers so SIGINT/SIGTERM/SIGHUP/SIGSEGV restore the terminal before dying.
 */
#ifndef RIC_UI_SCREEN_H
#define RIC_UI_SCREEN_H

int screen_open(void);
void screen_close(void);
int screen_is_open(void);

/* True when the locale's charset is UTF-8 (braille, box drawing). */
int screen_utf8(void);

#endif
