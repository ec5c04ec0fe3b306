#include "config.h"

#include "src/table.h"
#include "src/termtext.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

struct table {
	int ncols;
	char **cells;        /* row-major, header first */
	size_t rows, cap;
	unsigned char *right;
};

static void *table_xrealloc(void *p, size_t n)
{
	void *q = realloc(p, n);
	if (!q) {
		fputs("ric: out of memory\n", stderr);
		exit(1);
	}
	return q;
}

/* One printable line: control characters become spaces (src/termtext.h). */
static char *table_clean(const char *s)
{
	char *c = strdup(s ? s : "-");
	if (!c)
		return table_xrealloc(NULL, 0);
	c[termtext_clean(c, strlen(c), 0)] = '\0';
	return c;
}

static size_t table_width(const char *s)
{
	size_t w = 0;
	for (; *s; s++)
		w += ((unsigned char)*s & 0xc0) != 0x80;
	return w;
}

static void table_push(struct table *t, va_list ap)
{
	if (t->rows == t->cap) {
		t->cap = t->cap ? t->cap * 2 : 16;
		t->cells = table_xrealloc(t->cells, t->cap * (size_t)t->ncols * sizeof *t->cells);
	}
	for (int i = 0; i < t->ncols; i++)
		t->cells[t->rows * (size_t)t->ncols + (size_t)i] = table_clean(va_arg(ap, const char *));
	t->rows++;
}

struct table *table_new(int ncols, ...)
{
	struct table *t = table_xrealloc(NULL, sizeof *t);
	memset(t, 0, sizeof *t);
	t->ncols = ncols;
	t->right = table_xrealloc(NULL, (size_t)ncols);
	memset(t->right, 0, (size_t)ncols);
	va_list ap;
	va_start(ap, ncols);
	table_push(t, ap);
	va_end(ap);
	return t;
}

void table_right(struct table *t, int col)
{
	if (t && col >= 0 && col < t->ncols)
		t->right[col] = 1;
}

void table_add(struct table *t, ...)
{
	va_list ap;
	va_start(ap, t);
	table_push(t, ap);
	va_end(ap);
}

size_t table_rows(const struct table *t)
{
	return t->rows - 1;
}

void table_print(const struct table *t, FILE *out)
{
	size_t *w = table_xrealloc(NULL, (size_t)t->ncols * sizeof *w);
	for (int c = 0; c < t->ncols; c++) {
		w[c] = 0;
		for (size_t r = 0; r < t->rows; r++) {
			size_t x = table_width(t->cells[r * (size_t)t->ncols + (size_t)c]);
			if (x > w[c])
				w[c] = x;
		}
	}
	for (size_t r = 0; r < t->rows; r++) {
		for (int c = 0; c < t->ncols; c++) {
			const char *cell = t->cells[r * (size_t)t->ncols + (size_t)c];
			size_t pad = w[c] - table_width(cell);
			int last = c == t->ncols - 1;
			if (t->right[c])
				fprintf(out, "%*s%s", (int)pad, "", cell);
			else
				fprintf(out, "%s%*s", cell, last ? 0 : (int)pad, "");
			fputs(last ? "\n" : "  ", out);
		}
	}
	free(w);
}

void table_free(struct table *t)
{
	if (!t)
		return;
	for (size_t i = 0; i < t->rows * (size_t)t->ncols; i++)
		free(t->cells[i]);
	free(t->cells);
	free(t->right);
	free(t);
}
