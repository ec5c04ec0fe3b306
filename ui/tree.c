#include "config.h"

#include "ui/tree.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct tree_walk {
	const struct tree_node *v;
	size_t n;
	long long focus;
	int utf8;
	char **out;
	size_t cap, used;
	int focus_line;
	unsigned char *seen;  /* a parent link in a cycle is drawn once */
	char prefix[TREE_MAX_DEPTH * 8];
};

static long tree_find(const struct tree_node *v, size_t n, long long id)
{
	for (size_t i = 0; i < n; i++)
		if (v[i].id == id)
			return (long)i;
	return -1;
}

/* Node i at `depth`, its own branch glyph `branch` ("" for the root), then its
 * children under the prefix extended by `more` (a rule when siblings follow). */
static void tree_walk(struct tree_walk *w, size_t i, int depth, const char *branch)
{
	if (w->used == w->cap || w->seen[i] || depth > TREE_MAX_DEPTH)
		return;
	w->seen[i] = 1;
	const char *label = w->v[i].label ? w->v[i].label : "";
	size_t len = strlen(w->prefix) + strlen(branch) + strlen(label) + 1;
	char *line = malloc(len);
	if (!line)
		return;
	snprintf(line, len, "%s%s%s", w->prefix, branch, label);
	if (w->v[i].id == w->focus)
		w->focus_line = (int)w->used;
	w->out[w->used++] = line;
	size_t keep = strlen(w->prefix);
	/* Under a node that has a later sibling, a rule continues down. */
	if (depth > 0)
		snprintf(w->prefix + keep, sizeof w->prefix - keep, "%s",
		         strcmp(branch, w->utf8 ? "\xe2\x94\x94\xe2\x94\x80 " : "`- ") == 0
		         ? "   " : w->utf8 ? "\xe2\x94\x82  " : "|  ");
	long last = -1;
	for (size_t k = 0; k < w->n; k++)
		if (w->v[k].parent == w->v[i].id && k != i && !w->seen[k])
			last = (long)k;
	for (size_t k = 0; k < w->n && last >= 0; k++) {
		if (w->v[k].parent != w->v[i].id || k == i || w->seen[k])
			continue;
		const char *b = (long)k == last ? (w->utf8 ? "\xe2\x94\x94\xe2\x94\x80 " : "`- ")
		                                : (w->utf8 ? "\xe2\x94\x9c\xe2\x94\x80 " : "|- ");
		tree_walk(w, k, depth + 1, b);
	}
	w->prefix[keep] = '\0';
}

size_t tree_lines(const struct tree_node *v, size_t n, long long focus, int utf8, char **out,
                  size_t cap, int *focus_line)
{
	*focus_line = -1;
	long i = tree_find(v, n, focus);
	if (i < 0 || cap == 0)
		return 0;
	/* Up to the root, at most n steps (a cycle has none). */
	for (size_t steps = 0; steps < n; steps++) {
		long p = v[i].parent ? tree_find(v, n, v[i].parent) : -1;
		if (p < 0 || p == i)
			break;
		i = p;
	}
	struct tree_walk w = { .v = v, .n = n, .focus = focus, .utf8 = utf8, .out = out, .cap = cap,
		               .focus_line = -1 };
	w.seen = calloc(n, 1);
	if (!w.seen)
		return 0;
	tree_walk(&w, (size_t)i, 0, "");
	free(w.seen);
	*focus_line = w.focus_line;
	return w.used;
}

void tree_lines_free(char **lines, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(lines[i]);
}
