/* textview: word-wrapped UTF-8 text in a pane, with scrolling.
 *
 *   struct textview_line lines[64];
 *   size_t n = textview_wrap(text, 30, lines, 64);   // how many lines in all
 *   for (size_t i = 0; i < n && i < 64; i++)
 *       printf("%.*s\n", (int)lines[i].len, text + lines[i].start);
 *
 *   int total = textview_draw(w, &rect, text, scroll);   // lines the text needs
 *
 * Lines break at spaces when a word fits on the next line, inside a word when
 * it is longer than the width, and at '\n'. Widths count display columns
 * (wcwidth), so wide characters never hang over the edge. Tabs become one space.
 */
#ifndef RIC_UI_TEXTVIEW_H
#define RIC_UI_TEXTVIEW_H

#include <curses.h>
#include <stddef.h>

#include "ui/layout.h"

struct textview_line {
	size_t start, len;   /* bytes of the text; trailing spaces not included */
};

/* Wraps text to `width` columns; fills at most max lines and returns the
 * total count (call with max = 0 to count). */
size_t textview_wrap(const char *text, int width, struct textview_line *lines, size_t max);

/* Draws the text from wrapped line `scroll` on; returns the total line count. */
int textview_draw(WINDOW *w, const struct layout_rect *r, const char *text, int scroll);

#endif
