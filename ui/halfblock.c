/* halfblock: images in half-block cells (see halfblock.h). */
#include "config.h"

#include "ui/halfblock.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <wchar.h>

int halfblock_colorterm_24bit(const char *colorterm)
{
	return colorterm && (strcasecmp(colorterm, "truecolor") == 0 ||
	                     strcasecmp(colorterm, "24bit") == 0);
}

enum halfblock_mode halfblock_mode_pick(const char *colorterm, const char *no_color, int colors,
                                        int utf8)
{
	/* no-color.org: present and not empty. */
	if ((no_color && *no_color) || colors < 8 || !utf8)
		return HALFBLOCK_ASCII;
	if (halfblock_colorterm_24bit(colorterm) && colors >= 0x1000000)
		return HALFBLOCK_TRUECOLOR;
	return colors >= 256 ? HALFBLOCK_256 : HALFBLOCK_8;
}

const char *halfblock_mode_name(enum halfblock_mode m)
{
	switch (m) {
	case HALFBLOCK_TRUECOLOR: return "24-bit colour";
	case HALFBLOCK_256: return "256 colours";
	case HALFBLOCK_8: return "8 colours";
	default: return "ASCII shading";
	}
}

static int halfblock_d2(int r, int g, int b, int r2, int g2, int b2)
{
	return (r - r2) * (r - r2) + (g - g2) * (g - g2) + (b - b2) * (b - b2);
}

/* The levels of the xterm 6x6x6 cube. */
static const int halfblock_cube[6] = { 0, 95, 135, 175, 215, 255 };

static int halfblock_cube_index(int v)
{
	int best = 0;
	for (int i = 1; i < 6; i++)
		if (abs(v - halfblock_cube[i]) < abs(v - halfblock_cube[best]))
			best = i;
	return best;
}

int halfblock_256(uint8_t r, uint8_t g, uint8_t b)
{
	int ri = halfblock_cube_index(r), gi = halfblock_cube_index(g), bi = halfblock_cube_index(b);
	int cube = 16 + 36 * ri + 6 * gi + bi;
	int dc = halfblock_d2(r, g, b, halfblock_cube[ri], halfblock_cube[gi], halfblock_cube[bi]);
	/* The grey ramp 232..255 is 8, 18, ..., 238. */
	int mean = (r + g + b) / 3;
	int gi2 = mean < 8 ? 0 : (mean - 8 + 5) / 10;
	if (gi2 > 23)
		gi2 = 23;
	int gv = 8 + 10 * gi2;
	int dg = halfblock_d2(r, g, b, gv, gv, gv);
	return dg < dc ? 232 + gi2 : cube;
}

int halfblock_8(uint8_t r, uint8_t g, uint8_t b)
{
	/* The basic colours are the cube's corners: the nearest corner per channel. */
	return (r >= 128) | (g >= 128) << 1 | (b >= 128) << 2;
}

char halfblock_shade(uint8_t r, uint8_t g, uint8_t b)
{
	static const char ramp[] = " .:-=+*#%@";
	/* Rec. 601 luma, 0..255. */
	int y = (299 * r + 587 * g + 114 * b) / 1000;
	return ramp[y * 10 / 256];
}

int halfblock_colour(enum halfblock_mode m, const uint8_t rgb[3])
{
	switch (m) {
	case HALFBLOCK_TRUECOLOR: {
		/* A direct-colour terminfo keeps numbers 0..7 for the basic colours
		 * (setaf's first branch), so (0, 0, 0..7) would come out black, red,
		 * green, ... as the theme sets them: one step more green keeps them
		 * near-black. */
		int v = rgb[0] << 16 | rgb[1] << 8 | rgb[2];
		return v < 8 ? v | 0x100 : v;
	}
	case HALFBLOCK_256: return halfblock_256(rgb[0], rgb[1], rgb[2]);
	case HALFBLOCK_8: return halfblock_8(rgb[0], rgb[1], rgb[2]);
	default: return -1;
	}
}

void halfblock_cells(int w, int h, int scale, int *cols, int *rows)
{
	if (scale < 1)
		scale = 1;
	int pw = (w + scale - 1) / scale, ph = (h + scale - 1) / scale;
	*cols = pw;
	*rows = (ph + 1) / 2;
}

void halfblock_cell(const uint8_t *rgb, int w, int h, int scale, int cx, int cy, uint8_t top[3],
                    uint8_t bottom[3])
{
	if (scale < 1)
		scale = 1;
	int px = cx * scale, ty = 2 * cy * scale, by = (2 * cy + 1) * scale;
	if (px >= w)
		px = w - 1;
	if (ty >= h)
		ty = h - 1;
	if (by >= h)
		by = ty;
	memcpy(top, rgb + ((size_t)ty * (size_t)w + (size_t)px) * 3, 3);
	memcpy(bottom, rgb + ((size_t)by * (size_t)w + (size_t)px) * 3, 3);
}

void halfblock_draw(WINDOW *win, int y, int x, const uint8_t *rgb, int w, int h, int scale,
                    enum halfblock_mode m)
{
	int cols, rows, maxy, maxx;
	halfblock_cells(w, h, scale, &cols, &rows);
	getmaxyx(win, maxy, maxx);
	for (int cy = 0; cy < rows && y + cy < maxy; cy++) {
		for (int cx = 0; cx < cols && x + cx < maxx; cx++) {
			if (y + cy < 0 || x + cx < 0)
				continue;
			uint8_t top[3], bot[3];
			halfblock_cell(rgb, w, h, scale, cx, cy, top, bot);
			if (m == HALFBLOCK_ASCII) {
				uint8_t mean[3];
				for (int k = 0; k < 3; k++)
					mean[k] = (uint8_t)((top[k] + bot[k]) / 2);
				mvwaddch(win, y + cy, x + cx, (chtype)halfblock_shade(mean[0], mean[1], mean[2]));
				continue;
			}
			int pair = alloc_pair(halfblock_colour(m, top), halfblock_colour(m, bot));
			if (pair < 0)
				pair = 0;
			cchar_t cc;
			static const wchar_t block[] = { 0x2580, 0 };
			setcchar(&cc, block, A_NORMAL, 0, &pair);
			mvwadd_wch(win, y + cy, x + cx, &cc);
		}
	}
}
