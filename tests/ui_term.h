/* ui_term: curses without a terminal, for the ui/ tests: draw into a pad of
 * any size and read the cells back as UTF-8.
 *
 *   WINDOW *w = ui_term_pad(24, 80, 1);     // UTF-8 glyphs on
 *   view_draw(w, &v);
 *   char line[1024];
 *   ck_assert_str_eq(ui_term_line(w, 0, line, sizeof line), "...");
 *   ck_assert(ui_term_find(w, "Steer", &y, &x));
 *   delwin(w);
 */
#ifndef RIC_TESTS_UI_TERM_H
#define RIC_TESTS_UI_TERM_H

#include <curses.h>
#include <stddef.h>

/* Starts curses once (C.UTF-8 locale, TERM xterm, output to /dev/null) and
 * returns a fresh pad rows x cols. utf8 selects the glyph set (draw_set_utf8). */
WINDOW *ui_term_pad(int rows, int cols, int utf8);
/* Row y as UTF-8, trailing blanks removed. */
const char *ui_term_line(WINDOW *w, int y, char *buf, size_t len);
/* The whole pad, rows joined by '\n' (malloc'd). */
char *ui_term_dump(WINDOW *w);
/* Finds text in the pad (row by row); 1 and its position, or 0. */
int ui_term_find(WINDOW *w, const char *text, int *y, int *x);
/* The attributes (A_BOLD, A_REVERSE...) of the cell at (y, x). */
int ui_term_attr(WINDOW *w, int y, int x);

#endif
