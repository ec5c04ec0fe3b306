/* draw: putting UTF-8 text into a curses window, cut to a width.
 *
 *   int used = draw_text(w, y, x, 20, "héllo wörld");  // columns written
 *   draw_text_right(w, y, x, 20, "12.5 tok/s");        // right-aligned
 *   draw_fill(w, &rect, A_REVERSE);                      // blank a pane
 *
 * Widths come from wcwidth on the decoded characters, so wide and combining
 * characters line up. In a non-UTF-8 locale (screen_utf8() false) every
 * non-ASCII character is drawn as '?'; control characters as a space.
 * draw_set_utf8() overrides the locale (tests).
 */
#ifndef RIC_UI_DRAW_H
#define RIC_UI_DRAW_H

#include <curses.h>
#include <stddef.h>

#include "ui/layout.h"

/* 1 for UTF-8 glyphs (braille, blocks, box rules), 0 for ASCII. Defaults to
 * screen_utf8(); -1 restores that. */
int draw_utf8(void);
void draw_set_utf8(int on);

/* Decode one UTF-8 character of s (at most n bytes): its code point in *cp
 * (U+FFFD for a bad sequence) and its length in bytes (>= 1 when n >= 1). */
size_t draw_decode(const char *s, size_t n, unsigned *cp);
/* Display columns of one code point: 0 for combining, 2 for wide, 1 else
 * (control characters count 1: they are drawn as a space). */
int draw_cp_width(unsigned cp);
/* Display columns of a UTF-8 string as draw_text would draw it. */
int draw_width(const char *s);
/* Bytes of s that fit in `cols` columns (whole characters). */
size_t draw_fit(const char *s, size_t n, int cols, int *used);

/* s in at most `cols` columns, shortened in the middle ("demo-ev…online")
 * when it is wider, into out (cap bytes); returns out. */
const char *draw_shorten(const char *s, int cols, char *out, size_t cap);

int draw_text(WINDOW *w, int y, int x, int maxw, const char *s);
int draw_textn(WINDOW *w, int y, int x, int maxw, const char *s, size_t n);
int draw_text_right(WINDOW *w, int y, int x, int maxw, const char *s);
int draw_printf(WINDOW *w, int y, int x, int maxw, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));
void draw_fill(WINDOW *w, const struct layout_rect *r, int attr);
/* A one-line title over a pane: "─ Title ─────" (ASCII "- Title -----"). */
void draw_title(WINDOW *w, int y, int x, int width, const char *title, int attr);
/* "▲ more" / "▼ more" at the right end of row y (x, width), for a pane
 * whose content goes on above (up) and/or below (down); both: "▲▼ more". */
void draw_more(WINDOW *w, int y, int x, int width, int up, int down);
/* A vertical rule (the gutter between two columns). */
void draw_vrule(WINDOW *w, int y, int x, int h);

#endif
