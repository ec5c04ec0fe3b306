/* ui/tree: a lineage of runs as tree(1) lines: from the focus's root down,
 * branches and rules right, the focus's line known, ASCII without UTF-8,
 * and cycles or missing parents drawn without looping. */
#include "config.h"

#include "tests/harness.h"
#include "ui/tree.h"

#include <string.h>

static const struct tree_node runs[] = {
	{ 1, 0, "1 base (pretrain)" }, { 2, 1, "2 sft" },   { 3, 2, "3 online" },
	{ 4, 2, "4 eval" },            { 5, 3, "5 on-eval-1" }, { 6, 3, "6 on-eval-2" },
	{ 7, 0, "7 other import" },    { 8, 7, "8 other sft" },
};

START_TEST(lineage_from_the_root_down)
{
	char *l[16];
	int focus;
	size_t n = tree_lines(runs, 8, 5, 1, l, 16, &focus);
	ck_assert_uint_eq(n, 6);
	ck_assert_str_eq(l[0], "1 base (pretrain)");
	ck_assert_str_eq(l[1], "\xe2\x94\x94\xe2\x94\x80 2 sft");
	ck_assert_str_eq(l[2], "   \xe2\x94\x9c\xe2\x94\x80 3 online");
	ck_assert_str_eq(l[3], "   \xe2\x94\x82  \xe2\x94\x9c\xe2\x94\x80 5 on-eval-1");
	ck_assert_str_eq(l[4], "   \xe2\x94\x82  \xe2\x94\x94\xe2\x94\x80 6 on-eval-2");
	ck_assert_str_eq(l[5], "   \xe2\x94\x94\xe2\x94\x80 4 eval");
	ck_assert_int_eq(focus, 3);
	tree_lines_free(l, n);
	/* the other tree is its own */
	n = tree_lines(runs, 8, 7, 0, l, 16, &focus);
	ck_assert_uint_eq(n, 2);
	ck_assert_str_eq(l[0], "7 other import");
	ck_assert_str_eq(l[1], "`- 8 other sft");
	ck_assert_int_eq(focus, 0);
	tree_lines_free(l, n);
}
END_TEST

START_TEST(ascii_branches_and_rules)
{
	char *l[16];
	int focus;
	size_t n = tree_lines(runs, 8, 1, 0, l, 16, &focus);
	ck_assert_uint_eq(n, 6);
	ck_assert_str_eq(l[2], "   |- 3 online");
	ck_assert_str_eq(l[3], "   |  |- 5 on-eval-1");
	ck_assert_str_eq(l[4], "   |  `- 6 on-eval-2");
	ck_assert_str_eq(l[5], "   `- 4 eval");
	ck_assert_int_eq(focus, 0);
	tree_lines_free(l, n);
}
END_TEST

START_TEST(limits_cycles_and_strangers)
{
	char *l[16];
	int focus;
	/* at most cap lines */
	size_t n = tree_lines(runs, 8, 4, 1, l, 3, &focus);
	ck_assert_uint_eq(n, 3);
	ck_assert_int_eq(focus, -1); /* its line was past the cap */
	tree_lines_free(l, n);
	/* a focus that is not there draws nothing */
	ck_assert_uint_eq(tree_lines(runs, 8, 99, 1, l, 16, &focus), 0);
	ck_assert_int_eq(focus, -1);
	/* a cycle (1 -> 2 -> 1) and a parent that was deleted */
	struct tree_node cyc[] = { { 1, 2, "a" }, { 2, 1, "b" }, { 3, 42, "c" }, { 4, 3, "d" } };
	n = tree_lines(cyc, 4, 1, 0, l, 16, &focus);
	ck_assert_uint_eq(n, 2);
	tree_lines_free(l, n);
	n = tree_lines(cyc, 4, 4, 0, l, 16, &focus);
	ck_assert_uint_eq(n, 2);
	ck_assert_str_eq(l[0], "c");
	ck_assert_str_eq(l[1], "`- d");
	ck_assert_int_eq(focus, 1);
	tree_lines_free(l, n);
	/* deeper than TREE_MAX_DEPTH: cut, not overflowed */
	enum { D = TREE_MAX_DEPTH + 10 };
	struct tree_node deep[D];
	for (int i = 0; i < D; i++)
		deep[i] = (struct tree_node){ i + 1, i, "x" };
	char *dl[D];
	n = tree_lines(deep, D, 1, 1, dl, D, &focus);
	ck_assert_uint_eq(n, TREE_MAX_DEPTH + 1);
	tree_lines_free(dl, n);
}
END_TEST

Suite *harness_suite(void)
{
	Suite *s = suite_create("tree");
	harness_add(s, "tree", lineage_from_the_root_down, ascii_branches_and_rules,
	            limits_cycles_and_strangers, NULL);
	return s;
}
