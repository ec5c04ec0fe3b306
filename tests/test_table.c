/* ui/table: column fitting, scrolling that keeps the selection visible,
 * drawing with heading, sort mark, marks and selection; rows under the mouse. */
#include "config.h"

#include "tests/harness.h"
#include "tests/ui_term.h"
#include "ui/table.h"

#include <string.h>

static const char *head[] = { "id", "stage", "status" };
static const char *cells[] = { "1", "sft", "done", "2", "online", "running", "3", "eval", "failed" };

START_TEST(columns_fit_contents)
{
	struct table_look t = { .headings = head, .cells = cells, .n_rows = 3, .n_cols = 3,
		                .selected = -1, .sort_col = -1 };
	int w[3];
	ck_assert_int_eq(table_fit(&t, 80, w), 3 + 1 + 6 + 1 + 7);
	ck_assert_int_eq(w[0], 3);  /* "id" + room for the sort mark */
	ck_assert_int_eq(w[1], 6);
	ck_assert_int_eq(w[2], 7);
	/* Narrow: the widest shrink first. */
	ck_assert_int_eq(table_fit(&t, 15, w), 15);
	ck_assert_int_eq(w[1], 5);
	ck_assert_int_eq(w[2], 5);
	/* Very narrow: last columns dropped. */
	ck_assert_int_le(table_fit(&t, 7, w), 7);
	ck_assert_int_eq(w[2], 0);
	ck_assert_int_eq(w[0], 3);
	/* A long name column keeps 12 columns before the last column goes. */
	static const char *h4[] = { "id", "name", "stage", "created" };
	static const char *c4[] = { "14", "demo-eval-online-best-of-16", "eval", "2026-11-27",
		                    "13", "demo-eval-online", "eval", "2026-11-27" };
	struct table_look t4 = { .headings = h4, .cells = c4, .n_rows = 2, .n_cols = 4,
		                 .selected = -1, .sort_col = -1 };
	int w4[4];
	ck_assert_int_le(table_fit(&t4, 30, w4), 30);
	ck_assert_int_eq(w4[1], 12);
	ck_assert_int_eq(w4[3], 0);
	ck_assert_int_eq(w4[2], 6);
	int fixed[3] = { 5, 0, 2 };
	t.widths = fixed;
	table_fit(&t, 80, w);
	ck_assert_int_eq(w[0], 5);
	ck_assert_int_eq(w[2], 2);
}
END_TEST

START_TEST(scroll_keeps_selection_visible)
{
	ck_assert_int_eq(table_scroll(0, 0, 100, 10), 0);
	ck_assert_int_eq(table_scroll(9, 0, 100, 10), 0);
	ck_assert_int_eq(table_scroll(10, 0, 100, 10), 1);
	ck_assert_int_eq(table_scroll(50, 0, 100, 10), 41);
	ck_assert_int_eq(table_scroll(45, 41, 100, 10), 41);
	ck_assert_int_eq(table_scroll(40, 41, 100, 10), 40);
	ck_assert_int_eq(table_scroll(99, 95, 100, 10), 90);
	ck_assert_int_eq(table_scroll(-1, 95, 100, 10), 90);  /* never past the end */
	ck_assert_int_eq(table_scroll(3, 2, 5, 10), 0);
	ck_assert_int_eq(table_scroll(0, 0, 0, 10), 0);
	ck_assert_int_eq(table_scroll(200, 0, 100, 10), 90);
	ck_assert_int_eq(table_scroll(0, 0, 10, 0), 0);
}
END_TEST

START_TEST(draws_rows_selection_and_marks)
{
	WINDOW *w = ui_term_pad(4, 30, 0);
	unsigned char marked[3] = { 0, 1, 0 };
	struct table_look t = { .headings = head, .cells = cells, .n_rows = 3, .n_cols = 3,
		                .selected = 2, .scroll = 0, .marked = marked, .sort_col = 1,
		                .sort_desc = 1 };
	struct layout_rect r = { 1, 0, 3, 30 };
	table_draw(w, &r, &t);
	char line[256];
	ck_assert_str_eq(ui_term_line(w, 1, line, sizeof line), "  id  stagev status");
	/* Two rows fit under the heading; the selection (row 3) scrolls in, and
	 * the first row shown says there is more above. */
	ck_assert_str_eq(ui_term_line(w, 2, line, sizeof line), "* 2   online running   ^ more");
	ck_assert_str_eq(ui_term_line(w, 3, line, sizeof line), "  3   eval   failed");
	ck_assert(ui_term_attr(w, 3, 10) & A_REVERSE);
	ck_assert(!(ui_term_attr(w, 2, 10) & A_REVERSE));
	ck_assert_int_eq(table_row_at(&r, &t, 1), -1);
	ck_assert_int_eq(table_row_at(&r, &t, 2), 1);
	ck_assert_int_eq(table_row_at(&r, &t, 3), 2);
	ck_assert_int_eq(table_row_at(&r, &t, 4), -1);
	delwin(w);
}
END_TEST

START_TEST(utf8_sort_mark_and_no_heading)
{
	WINDOW *w = ui_term_pad(3, 30, 1);
	struct table_look t = { .headings = head, .cells = cells, .n_rows = 3, .n_cols = 3,
		                .selected = 0, .sort_col = 0 };
	struct layout_rect r = { 0, 0, 3, 30 };
	table_draw(w, &r, &t);
	char line[256];
	ck_assert_str_eq(ui_term_line(w, 0, line, sizeof line), "id\xe2\x96\xb2 stage  status");
	t.headings = NULL;
	werase(w);
	table_draw(w, &r, &t);
	ck_assert_str_eq(ui_term_line(w, 0, line, sizeof line), "1 sft    done");
	ck_assert_int_eq(table_row_at(&r, &t, 0), 0);
	delwin(w);
}
END_TEST

Suite *harness_suite(void)
{
	Suite *s = suite_create("table");
	harness_add(s, "table", columns_fit_contents, scroll_keeps_selection_visible,
	            draws_rows_selection_and_marks, utf8_sort_mark_and_no_heading, NULL);
	return s;
}
