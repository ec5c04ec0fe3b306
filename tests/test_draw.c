/* ui/draw: UTF-8 decoding, display widths, cutting to a width, the ASCII
 * fallback, titles and rules. */
#include "config.h"

#include "tests/harness.h"
#include "tests/ui_term.h"
#include "ui/draw.h"

#include <string.h>

static size_t dec(const char *s, unsigned *cp)
{
	return draw_decode(s, strlen(s), cp);
}

START_TEST(decodes_utf8_and_rejects_bad_bytes)
{
	unsigned cp;
	ck_assert_uint_eq(dec("a", &cp), 1);
	ck_assert_uint_eq(cp, 'a');
	ck_assert_uint_eq(dec("\xc3\xa9", &cp), 2);
	ck_assert_uint_eq(cp, 0xe9);
	ck_assert_uint_eq(dec("\xe6\x97\xa5", &cp), 3);
	ck_assert_uint_eq(cp, 0x65e5);
	ck_assert_uint_eq(dec("\xf0\x9f\x98\x80", &cp), 4);
	ck_assert_uint_eq(cp, 0x1f600);
	/* Overlong, surrogate, stray continuation, truncated, too large. */
	ck_assert_uint_eq(dec("\xc0\xaf", &cp), 2);
	ck_assert_uint_eq(cp, 0xfffd);
	ck_assert_uint_eq(dec("\xed\xa0\x80", &cp), 3);
	ck_assert_uint_eq(cp, 0xfffd);
	ck_assert_uint_eq(dec("\x80", &cp), 1);
	ck_assert_uint_eq(cp, 0xfffd);
	ck_assert_uint_eq(draw_decode("\xe6\x97\xa5", 2, &cp), 1);
	ck_assert_uint_eq(cp, 0xfffd);
	ck_assert_uint_eq(dec("\xf4\x90\x80\x80", &cp), 4);
	ck_assert_uint_eq(cp, 0xfffd);
	ck_assert_uint_eq(dec("\xe6" "a", &cp), 1);
	ck_assert_uint_eq(cp, 0xfffd);
	ck_assert_uint_eq(draw_decode("a", 0, &cp), 0);
}
END_TEST

START_TEST(widths_follow_wcwidth)
{
	ui_term_pad(1, 1, 1);
	ck_assert_int_eq(draw_cp_width('a'), 1);
	ck_assert_int_eq(draw_cp_width(0xe9), 1);
	ck_assert_int_eq(draw_cp_width(0x65e5), 2);
	ck_assert_int_eq(draw_cp_width(0x301), 0);
	ck_assert_int_eq(draw_cp_width('\t'), 1);
	ck_assert_int_eq(draw_width("\xe6\x97\xa5\xe6\x9c\xac" "a"), 5);
	ck_assert_int_eq(draw_width("e\xcc\x81"), 1);
	ck_assert_int_eq(draw_width(NULL), 0);
	int used;
	const char *s = "\xe6\x97\xa5\xe6\x9c\xac" "a";
	ck_assert_uint_eq(draw_fit(s, strlen(s), 3, &used), 3);
	ck_assert_int_eq(used, 2);
	ck_assert_uint_eq(draw_fit(s, strlen(s), 4, &used), 6);
	ck_assert_int_eq(used, 4);
	ck_assert_uint_eq(draw_fit(s, strlen(s), 1, &used), 0);
	/* In ASCII every character is one '?'. */
	draw_set_utf8(0);
	ck_assert_int_eq(draw_width("\xe6\x97\xa5\xe6\x9c\xac" "a"), 3);
	draw_set_utf8(1);
}
END_TEST

START_TEST(text_is_cut_to_the_width)
{
	WINDOW *w = ui_term_pad(3, 10, 1);
	char line[128];
	ck_assert_int_eq(draw_text(w, 0, 0, 4, "a\xe6\x97\xa5\xe6\x9c\xac"), 3);
	ck_assert_str_eq(ui_term_line(w, 0, line, sizeof line), "a\xe6\x97\xa5");
	/* Control characters draw as blanks; the window edge cuts too. */
	ck_assert_int_eq(draw_text(w, 1, 6, 20, "x\ty\nzzz"), 4);
	ck_assert_str_eq(ui_term_line(w, 1, line, sizeof line), "      x y");
	ck_assert_int_eq(draw_text(w, 5, 0, 4, "out"), 0);
	ck_assert_int_eq(draw_text(w, 0, 0, 0, "none"), 0);
	/* Overlong forms and C1 controls draw as one U+FFFD each, never as "M-A". */
	werase(w);
	ck_assert_int_eq(draw_text(w, 0, 0, 10, "a\xc1\x81" "b\xc2\x85" "c\xff"), 6);
	ck_assert_str_eq(ui_term_line(w, 0, line, sizeof line), "a\xef\xbf\xbd" "b\xef\xbf\xbd" "c\xef\xbf\xbd");
	ck_assert_int_eq(draw_text_right(w, 2, 0, 10, "end"), 3);
	ck_assert_str_eq(ui_term_line(w, 2, line, sizeof line), "       end");
	delwin(w);
}
END_TEST

START_TEST(ascii_fallback)
{
	WINDOW *w = ui_term_pad(3, 20, 0);
	char line[128];
	draw_text(w, 0, 0, 20, "caf\xc3\xa9 \xe6\x97\xa5!");
	ck_assert_str_eq(ui_term_line(w, 0, line, sizeof line), "caf? ?!");
	draw_title(w, 1, 0, 12, "Runs", A_BOLD);
	ck_assert_str_eq(ui_term_line(w, 1, line, sizeof line), "- Runs -----");
	draw_vrule(w, 0, 19, 3);
	ck_assert_str_eq(ui_term_line(w, 2, line, sizeof line), "                   |");
	delwin(w);
	w = ui_term_pad(2, 12, 1);
	draw_title(w, 0, 0, 12, "Runs", A_BOLD);
	ck_assert_str_eq(ui_term_line(w, 0, line, sizeof line),
	                 "\xe2\x94\x80 Runs \xe2\x94\x80\xe2\x94\x80\xe2\x94\x80\xe2\x94\x80\xe2\x94\x80");
	ck_assert(ui_term_attr(w, 0, 3) & A_BOLD);
	struct layout_rect r = { 1, 2, 1, 5 };
	draw_fill(w, &r, A_REVERSE);
	ck_assert(ui_term_attr(w, 1, 2) & A_REVERSE);
	ck_assert(ui_term_attr(w, 1, 6) & A_REVERSE);
	ck_assert(!(ui_term_attr(w, 1, 7) & A_REVERSE));
	delwin(w);
}
END_TEST

Suite *harness_suite(void)
{
	Suite *s = suite_create("draw");
	harness_add(s, "draw", decodes_utf8_and_rejects_bad_bytes, widths_follow_wcwidth,
	            text_is_cut_to_the_width, ascii_fallback, NULL);
	return s;
}
