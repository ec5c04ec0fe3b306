/* tree: a forest drawn as indented lines with branch glyphs, as tree(1)
 * does, for the lineage of runs (pretrain -> sft -> online -> eval).
 *
 *   struct tree_node v[] = { { 1, 0, "1 base (pretrain)" }, { 2, 1, "2 sft" },
 *                            { 3, 2, "3 online" }, { 4, 2, "4 eval" } };
 *   char *lines[8];
 *   int focus;
 *   size_t n = tree_lines(v, 4, 3, 1, lines, 8, &focus);
 *   // "1 base (pretrain)"    focus = 2
 *   // "└─ 2 sft"
 *   // "   ├─ 3 online"
 *   // "   └─ 4 eval"
 *   tree_lines_free(lines, n);
 *
 * Only the tree that holds `focus` is drawn: from its root (the first
 * ancestor whose parent is not among the nodes) down, children in the order
 * given. Pure: no curses, so it is tested on its own.
 */
#ifndef RIC_UI_TREE_H
#define RIC_UI_TREE_H

#include <stddef.h>

struct tree_node {
	long long id, parent;     /* parent 0 (or not among the nodes): a root */
	const char *label;
};

/* The lines (malloc'd, at most cap; deeper than TREE_MAX_DEPTH levels are
 * left out) and in *focus_line the line of the focus node (-1 when it is not
 * among the nodes: then nothing is drawn). utf8 = 0: ASCII branches
 * ("|-", "`-"). Returns how many lines were written. */
#define TREE_MAX_DEPTH 48
size_t tree_lines(const struct tree_node *v, size_t n, long long focus, int utf8, char **out,
                  size_t cap, int *focus_line);
void tree_lines_free(char **lines, size_t n);

#endif
