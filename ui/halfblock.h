/* halfblock: small RGB images drawn into a curses window, two pixels a
 * cell: U+2580 UPPER HALF BLOCK with the top pixel as foreground and the
 * bottom one as background.
 *
 *   enum halfblock_mode m = halfblock_mode_pick(getenv("COLORTERM"), getenv("NO_COLOR"),
 *                                               COLORS, draw_utf8());
 *   halfblock_draw(w, y, x, rgb, 32, 32, 1, m);   // 32 columns, 16 rows
 *
 * The colour depth follows the terminal: 24-bit where ncurses can say so
 * (COLORTERM truecolor or 24bit and a direct-colour terminfo, whose colour
 * numbers are 0xRRGGBB; ui/screen.c finds one for a TERM of NAME-256color),
 * the nearest of the 256-colour palette's cube and
 * grey ramp otherwise, the 8 basic colours on an 8-colour terminal, and a
 * luminance ramp of ASCII characters with NO_COLOR, no colours or no UTF-8.
 * Pairs come from ncurses' alloc_pair, which reuses the least recently used
 * one when they run out.
 */
#ifndef RIC_UI_HALFBLOCK_H
#define RIC_UI_HALFBLOCK_H

#include <curses.h>
#include <stdint.h>

enum halfblock_mode {
	HALFBLOCK_ASCII,     /* " .:-=+*#%@" by luminance, no colour */
	HALFBLOCK_8,         /* half blocks in the 8 basic colours */
	HALFBLOCK_256,       /* half blocks in the xterm 256-colour palette */
	HALFBLOCK_TRUECOLOR  /* half blocks in 24-bit colour */
};

/* colorterm, no_color: the environment's (may be NULL); colors: curses'
 * COLORS (0 without colour); utf8: the block glyph can be drawn. */
enum halfblock_mode halfblock_mode_pick(const char *colorterm, const char *no_color, int colors,
                                        int utf8);
const char *halfblock_mode_name(enum halfblock_mode m);
/* COLORTERM says 24-bit colour ("truecolor" or "24bit"; colorterm may be NULL). */
int halfblock_colorterm_24bit(const char *colorterm);

/* Nearest xterm-256 colour (16..255: the 6x6x6 cube or the 24 greys). */
int halfblock_256(uint8_t r, uint8_t g, uint8_t b);
/* Nearest of the 8 basic colours (COLOR_BLACK..COLOR_WHITE: bit 0 red,
 * bit 1 green, bit 2 blue). */
int halfblock_8(uint8_t r, uint8_t g, uint8_t b);
/* The ASCII shade of a colour, by its luminance (' ' dark .. '@' bright). */
char halfblock_shade(uint8_t r, uint8_t g, uint8_t b);
/* The colour number of `m` for an RGB value (0xRRGGBB in truecolor, but
 * for (0, 0, 0..7), which are drawn as (0, 1, 0..7): direct-colour terminals
 * take 0..7 for the basic colours). */
int halfblock_colour(enum halfblock_mode m, const uint8_t rgb[3]);

/* The cells an image of w x h pixels takes at `scale` (1: a pixel per
 * column and half a row; 2: every second pixel). */
void halfblock_cells(int w, int h, int scale, int *cols, int *rows);
/* The two pixels of cell (cx, cy): top and bottom (a missing bottom row
 * repeats the top). rgb is [h][w][3]. */
void halfblock_cell(const uint8_t *rgb, int w, int h, int scale, int cx, int cy, uint8_t top[3],
                    uint8_t bottom[3]);

/* Draws the image with its top-left cell at (y, x), clipped to the window. */
void halfblock_draw(WINDOW *win, int y, int x, const uint8_t *rgb, int w, int h, int scale,
                    enum halfblock_mode m);

#endif
