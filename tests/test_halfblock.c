/* ui/halfblock: the colour depth chosen from the terminal, the nearest
 * 256- and 8-colour entries (against an exhaustive search of the palette),
 * the ASCII shading, which pixels a cell shows, and the cells drawn. */
#include "config.h"

#include "tests/harness.h"
#include "tests/ui_term.h"
#include "ui/halfblock.h"

#include <string.h>

START_TEST(mode_follows_the_terminal)
{
	ck_assert_int_eq(halfblock_mode_pick("truecolor", NULL, 0x1000000, 1), HALFBLOCK_TRUECOLOR);
	ck_assert_int_eq(halfblock_mode_pick("24bit", "", 0x1000000, 1), HALFBLOCK_TRUECOLOR);
	/* COLORTERM alone is not enough: curses must be able to name 0xRRGGBB. */
	ck_assert_int_eq(halfblock_mode_pick("truecolor", NULL, 256, 1), HALFBLOCK_256);
	ck_assert_int_eq(halfblock_mode_pick(NULL, NULL, 0x1000000, 1), HALFBLOCK_256);
	ck_assert_int_eq(halfblock_mode_pick(NULL, NULL, 256, 1), HALFBLOCK_256);
	ck_assert_int_eq(halfblock_mode_pick(NULL, NULL, 88, 1), HALFBLOCK_8);
	ck_assert_int_eq(halfblock_mode_pick(NULL, NULL, 8, 1), HALFBLOCK_8);
	ck_assert_int_eq(halfblock_mode_pick(NULL, NULL, 0, 1), HALFBLOCK_ASCII);
	ck_assert_int_eq(halfblock_mode_pick("truecolor", "1", 0x1000000, 1), HALFBLOCK_ASCII);
	ck_assert_int_eq(halfblock_mode_pick(NULL, NULL, 256, 0), HALFBLOCK_ASCII);
	ck_assert_str_eq(halfblock_mode_name(HALFBLOCK_8), "8 colours");
}
END_TEST

/* The xterm palette entries 16..255. */
static void xterm_rgb(int i, int *r, int *g, int *b)
{
	static const int lv[6] = { 0, 95, 135, 175, 215, 255 };
	if (i >= 232) {
		*r = *g = *b = 8 + 10 * (i - 232);
		return;
	}
	i -= 16;
	*r = lv[i / 36];
	*g = lv[i / 6 % 6];
	*b = lv[i % 6];
}

static int d2(int r, int g, int b, int i)
{
	int pr, pg, pb;
	xterm_rgb(i, &pr, &pg, &pb);
	return (r - pr) * (r - pr) + (g - pg) * (g - pg) + (b - pb) * (b - pb);
}

START_TEST(nearest_of_256)
{
	ck_assert_int_eq(halfblock_256(0, 0, 0), 16);
	ck_assert_int_eq(halfblock_256(255, 255, 255), 231);
	ck_assert_int_eq(halfblock_256(255, 0, 0), 196);
	ck_assert_int_eq(halfblock_256(0, 255, 0), 46);
	ck_assert_int_eq(halfblock_256(0, 0, 255), 21);
	ck_assert_int_eq(halfblock_256(95, 135, 175), 67);
	ck_assert_int_eq(halfblock_256(128, 128, 128), 244); /* the grey ramp's 128 */
	ck_assert_int_eq(halfblock_256(100, 100, 100), 241);
	/* Against every entry, on a lattice of colours: never farther than the best. */
	for (int r = 0; r < 256; r += 17)
		for (int g = 3; g < 256; g += 23)
			for (int b = 5; b < 256; b += 29) {
				int best = 16;
				for (int i = 17; i < 256; i++)
					if (d2(r, g, b, i) < d2(r, g, b, best))
						best = i;
				int got = halfblock_256((uint8_t)r, (uint8_t)g, (uint8_t)b);
				ck_assert_msg(got >= 16 && got <= 255, "%d %d %d -> %d", r, g, b, got);
				ck_assert_msg(d2(r, g, b, got) == d2(r, g, b, best),
				              "%d %d %d -> %d, nearest %d", r, g, b, got, best);
			}
}
END_TEST

START_TEST(nearest_of_8_and_shades)
{
	ck_assert_int_eq(halfblock_8(10, 10, 10), COLOR_BLACK);
	ck_assert_int_eq(halfblock_8(200, 30, 30), COLOR_RED);
	ck_assert_int_eq(halfblock_8(30, 200, 30), COLOR_GREEN);
	ck_assert_int_eq(halfblock_8(30, 30, 200), COLOR_BLUE);
	ck_assert_int_eq(halfblock_8(220, 220, 20), COLOR_YELLOW);
	ck_assert_int_eq(halfblock_8(30, 200, 200), COLOR_CYAN);
	ck_assert_int_eq(halfblock_8(200, 30, 200), COLOR_MAGENTA);
	ck_assert_int_eq(halfblock_8(250, 250, 250), COLOR_WHITE);
	ck_assert_int_eq(halfblock_shade(0, 0, 0), ' ');
	ck_assert_int_eq(halfblock_shade(255, 255, 255), '@');
	ck_assert_int_eq(halfblock_shade(128, 128, 128), '+');
	/* Brighter is never a lighter character. */
	static const char ramp[] = " .:-=+*#%@";
	for (int v = 1; v < 256; v++)
		ck_assert(strchr(ramp, halfblock_shade((uint8_t)v, (uint8_t)v, (uint8_t)v)) >=
		          strchr(ramp, halfblock_shade((uint8_t)(v - 1), (uint8_t)(v - 1), (uint8_t)(v - 1))));
	uint8_t c[3] = { 0x12, 0x34, 0x56 };
	ck_assert_int_eq(halfblock_colour(HALFBLOCK_TRUECOLOR, c), 0x123456);
	/* 0..7 are the basic colours on a direct-colour terminal: near-black
	 * stays near-black */
	uint8_t k[3] = { 0, 0, 4 }, g[3] = { 0, 0, 8 };
	ck_assert_int_eq(halfblock_colour(HALFBLOCK_TRUECOLOR, k), 0x000104);
	ck_assert_int_eq(halfblock_colour(HALFBLOCK_TRUECOLOR, g), 0x000008);
	ck_assert_int_eq(halfblock_colour(HALFBLOCK_256, c), halfblock_256(0x12, 0x34, 0x56));
}
END_TEST

/* A 6 x 5 image whose pixel (x, y) is (x, y, 7). */
static void ramp_image(uint8_t *px, int w, int h)
{
	for (int y = 0; y < h; y++)
		for (int x = 0; x < w; x++) {
			uint8_t *p = px + (y * w + x) * 3;
			p[0] = (uint8_t)x;
			p[1] = (uint8_t)y;
			p[2] = 7;
		}
}

START_TEST(cells_map_two_pixels_each)
{
	int cols, rows;
	halfblock_cells(32, 32, 1, &cols, &rows);
	ck_assert_int_eq(cols, 32);
	ck_assert_int_eq(rows, 16);
	halfblock_cells(32, 32, 2, &cols, &rows);
	ck_assert_int_eq(cols, 16);
	ck_assert_int_eq(rows, 8);
	halfblock_cells(6, 5, 1, &cols, &rows);
	ck_assert_int_eq(cols, 6);
	ck_assert_int_eq(rows, 3);
	uint8_t px[6 * 5 * 3], top[3], bot[3];
	ramp_image(px, 6, 5);
	halfblock_cell(px, 6, 5, 1, 3, 1, top, bot);
	ck_assert_int_eq(top[0], 3);
	ck_assert_int_eq(top[1], 2); /* the cell's upper pixel: row 2 */
	ck_assert_int_eq(bot[0], 3);
	ck_assert_int_eq(bot[1], 3); /* its lower one: row 3 */
	ck_assert_int_eq(top[2], 7);
	halfblock_cell(px, 6, 5, 1, 5, 2, top, bot);
	ck_assert_int_eq(top[1], 4);
	ck_assert_int_eq(bot[1], 4); /* odd height: the last row repeats */
	halfblock_cell(px, 6, 5, 2, 2, 0, top, bot);
	ck_assert_int_eq(top[0], 4);
	ck_assert_int_eq(top[1], 0);
	ck_assert_int_eq(bot[1], 2); /* every second pixel at scale 2 */
}
END_TEST

START_TEST(draws_blocks_with_their_colours)
{
	WINDOW *w = ui_term_pad(6, 10, 1);
	start_color();
	ck_assert(has_colors());
	/* Red over blue, then white over black: two rows of 2 x 4 pixels. */
	uint8_t px[4 * 2 * 3];
	for (int x = 0; x < 2; x++) {
		memcpy(px + (0 * 2 + x) * 3, (uint8_t[3]){ 220, 0, 0 }, 3);
		memcpy(px + (1 * 2 + x) * 3, (uint8_t[3]){ 0, 0, 220 }, 3);
		memcpy(px + (2 * 2 + x) * 3, (uint8_t[3]){ 255, 255, 255 }, 3);
		memcpy(px + (3 * 2 + x) * 3, (uint8_t[3]){ 0, 0, 0 }, 3);
	}
	halfblock_draw(w, 1, 3, px, 2, 4, 1, HALFBLOCK_8);
	char line[256];
	ck_assert_str_eq(ui_term_line(w, 1, line, sizeof line), "   \xe2\x96\x80\xe2\x96\x80");
	ck_assert_str_eq(ui_term_line(w, 2, line, sizeof line), "   \xe2\x96\x80\xe2\x96\x80");
	static const int want[2][2] = { { COLOR_RED, COLOR_BLUE }, { COLOR_WHITE, COLOR_BLACK } };
	for (int row = 0; row < 2; row++) {
		cchar_t cc;
		wchar_t wc[8];
		attr_t at;
		short sp;
		int pair = 0, fg = -1, bg = -1;
		mvwin_wch(w, 1 + row, 4, &cc);
		getcchar(&cc, wc, &at, &sp, &pair);
		ck_assert_int_eq(wc[0], 0x2580);
		ck_assert_int_gt(pair, 0);
		extended_pair_content(pair, &fg, &bg);
		ck_assert_int_eq(fg, want[row][0]);
		ck_assert_int_eq(bg, want[row][1]);
	}
	/* ASCII: the mean of the two pixels as a shade; clipped at the edge. */
	halfblock_draw(w, 4, 8, px, 2, 4, 1, HALFBLOCK_ASCII);
	ck_assert_str_eq(ui_term_line(w, 4, line, sizeof line), "        ..");
	ck_assert_str_eq(ui_term_line(w, 5, line, sizeof line), "        ==");
	halfblock_draw(w, 5, 9, px, 2, 4, 1, HALFBLOCK_ASCII); /* one column, one row left */
	ck_assert_str_eq(ui_term_line(w, 5, line, sizeof line), "        =.");
	delwin(w);
}
END_TEST

Suite *harness_suite(void)
{
	Suite *s = suite_create("halfblock");
	harness_add(s, "halfblock", mode_follows_the_terminal, nearest_of_256, nearest_of_8_and_shades,
	            cells_map_two_pixels_each, draws_blocks_with_their_colours, NULL);
	return s;
}
