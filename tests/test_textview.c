/* ui/textview: word wrap by display width, hard breaks, long words, drawing. */
#include "config.h"

#include "tests/harness.h"
#include "tests/ui_term.h"
#include "ui/draw.h"
#include "ui/textview.h"

#include <stdio.h>
#include <string.h>

static char lines_buf[2048];

/* The wrapped lines joined by '|'. */
static const char *wrapped(const char *text, int width)
{
	struct textview_line l[64];
	size_t n = textview_wrap(text, width, l, 64);
	size_t used = 0;
	lines_buf[0] = '\0';
	for (size_t i = 0; i < n && i < 64; i++)
		used += (size_t)snprintf(lines_buf + used, sizeof lines_buf - used, "%s%.*s", i ? "|" : "",
		                         (int)l[i].len, text + l[i].start);
	return lines_buf;
}

START_TEST(wraps_at_spaces)
{
	ui_term_pad(1, 1, 1); /* the UTF-8 locale for wcwidth */
	ck_assert_str_eq(wrapped("the quick brown fox jumps", 10), "the quick|brown fox|jumps");
	ck_assert_str_eq(wrapped("the quick brown fox jumps", 25), "the quick brown fox jumps");
	ck_assert_str_eq(wrapped("a  b", 1), "a|b");
	ck_assert_int_eq((int)textview_wrap("the quick brown fox jumps", 10, NULL, 0), 3);
}
END_TEST

START_TEST(breaks_long_words_and_newlines)
{
	ui_term_pad(1, 1, 1);
	ck_assert_str_eq(wrapped("abcdefghij", 4), "abcd|efgh|ij");
	ck_assert_str_eq(wrapped("one\ntwo\n\nthree", 10), "one|two||three");
	ck_assert_str_eq(wrapped("", 10), "");
	ck_assert_int_eq((int)textview_wrap("", 10, NULL, 0), 1);
	ck_assert_int_eq((int)textview_wrap("abc", 0, NULL, 0), 0);
}
END_TEST

START_TEST(counts_display_columns)
{
	ui_term_pad(1, 1, 1);
	/* Accented letters are one column, CJK two. */
	ck_assert_str_eq(wrapped("d\xc3\xa9j\xc3\xa0 vu caf\xc3\xa9", 7), "d\xc3\xa9j\xc3\xa0 vu|caf\xc3\xa9");
	ck_assert_str_eq(wrapped("\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e", 4), "\xe6\x97\xa5\xe6\x9c\xac|\xe8\xaa\x9e");
	ck_assert_str_eq(wrapped("\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e", 5), "\xe6\x97\xa5\xe6\x9c\xac|\xe8\xaa\x9e");
	/* A wide character wider than the pane still advances. */
	ck_assert_str_eq(wrapped("\xe6\x97\xa5\xe6\x9c\xac", 1), "\xe6\x97\xa5|\xe6\x9c\xac");
	/* Broken UTF-8 does not stall the wrap. */
	ck_assert_str_eq(wrapped("ab\xff\xfe" "cd", 3), "ab\xff|\xfe" "cd");
}
END_TEST

START_TEST(draws_from_the_scroll_line)
{
	WINDOW *w = ui_term_pad(4, 12, 1);
	struct layout_rect r = { 1, 2, 2, 10 };
	int total = textview_draw(w, &r, "the quick brown fox jumps over", 1);
	ck_assert_int_eq(total, 3);
	char line[256];
	ck_assert_str_eq(ui_term_line(w, 0, line, sizeof line), "");
	ck_assert_str_eq(ui_term_line(w, 1, line, sizeof line), "  brown fox");
	ck_assert_str_eq(ui_term_line(w, 2, line, sizeof line), "  jumps over");
	ck_assert_str_eq(ui_term_line(w, 3, line, sizeof line), "");
	delwin(w);
}
END_TEST

START_TEST(ascii_locale_draws_question_marks)
{
	WINDOW *w = ui_term_pad(2, 12, 0);
	struct layout_rect r = { 0, 0, 2, 12 };
	textview_draw(w, &r, "caf\xc3\xa9 \xe6\x97\xa5 ok", 0);
	char line[256];
	ck_assert_str_eq(ui_term_line(w, 0, line, sizeof line), "caf? ? ok");
	delwin(w);
}
END_TEST

Suite *harness_suite(void)
{
	Suite *s = suite_create("textview");
	harness_add(s, "wrap", wraps_at_spaces, breaks_long_words_and_newlines, counts_display_columns,
	            draws_from_the_scroll_line, ascii_locale_draws_question_marks, NULL);
	return s;
}
