#include "config.h"

#include "src/texttable.h"
#include "src/termtext.h"

#include <stdarg.h>
#include <wchar.h>
#include <stdlib.h>
#include <string.h>

struct texttable {
	int ncols;
	char **cells;        /* row-major, header first */
	size_t rows, cap;
	unsigned char *right;
};

static void *texttable_xrealloc(void *p, size_t n)
{
	void *q = realloc(p, n);
	if (!q) {
		fputs("ric: out of memory\n", stderr);
		exit(1);
	}
	return q;
}

/* One printable line: control characters become spaces (src/termtext.h). */
static char *texttable_clean(const char *s)
{
	char *c = strdup(s ? s : "-");
	if (!c)
		return texttable_xrealloc(NULL, 0);
	c[termtext_clean(c, strlen(c), 0)] = '\0';
	return c;
}

/* East Asian wide and emoji blocks, for when the locale's wcwidth cannot
 * tell (the C locale knows no character above 127). */
static int texttable_wide(unsigned cp)
{
	return (cp >= 0x1100 && cp <= 0x115f) || (cp >= 0x2e80 && cp <= 0xa4cf && cp != 0x303f) ||
	       (cp >= 0xac00 && cp <= 0xd7a3) || (cp >= 0xf900 && cp <= 0xfaff) ||
	       (cp >= 0xfe30 && cp <= 0xfe4f) || (cp >= 0xff00 && cp <= 0xff60) ||
	       (cp >= 0xffe0 && cp <= 0xffe6) || (cp >= 0x1f300 && cp <= 0x1faff) ||
	       (cp >= 0x20000 && cp <= 0x3fffd);
}

/* Terminal columns of a cleaned UTF-8 cell. */
static size_t texttable_width(const char *s)
{
	size_t w = 0;
	const unsigned char *p = (const unsigned char *)s;
	while (*p) {
		unsigned cp = *p;
		int len = cp < 0x80 ? 1 : cp >= 0xf0 ? 4 : cp >= 0xe0 ? 3 : cp >= 0xc0 ? 2 : 1;
		if (len > 1) {
			cp &= 0x3fu >> (len - 1);
			for (int i = 1; i < len; i++) {
				if ((p[i] & 0xc0) != 0x80) { /* a cut sequence: one column, go on */
					len = i;
					cp = 0xfffd;
					break;
				}
				cp = (cp << 6) | (p[i] & 0x3fu);
			}
		}
		p += len;
		int cw = cp < 0x80 ? 1 : wcwidth((wchar_t)cp);
		if (cw < 0)
			cw = (cp >= 0x300 && cp <= 0x36f) || (cp >= 0x200b && cp <= 0x200f) ? 0
			     : texttable_wide(cp) ? 2 : 1;
		w += (size_t)cw;
	}
	return w;
}

static void texttable_push(struct texttable *t, va_list ap)
{
	if (t->rows == t->cap) {
		t->cap = t->cap ? t->cap * 2 : 16;
		t->cells = texttable_xrealloc(t->cells, t->cap * (size_t)t->ncols * sizeof *t->cells);
	}
	for (int i = 0; i < t->ncols; i++)
		t->cells[t->rows * (size_t)t->ncols + (size_t)i] = texttable_clean(va_arg(ap, const char *));
	t->rows++;
}

struct texttable *texttable_new(int ncols, ...)
{
	struct texttable *t = texttable_xrealloc(NULL, sizeof *t);
	memset(t, 0, sizeof *t);
	t->ncols = ncols;
	t->right = texttable_xrealloc(NULL, (size_t)ncols);
	memset(t->right, 0, (size_t)ncols);
	va_list ap;
	va_start(ap, ncols);
	texttable_push(t, ap);
	va_end(ap);
	return t;
}

void texttable_right(struct texttable *t, int col)
{
	if (t && col >= 0 && col < t->ncols)
		t->right[col] = 1;
}

void texttable_add(struct texttable *t, ...)
{
	va_list ap;
	va_start(ap, t);
	texttable_push(t, ap);
	va_end(ap);
}

size_t texttable_rows(const struct texttable *t)
{
	return t->rows - 1;
}

void texttable_print(const struct texttable *t, FILE *out)
{
	size_t *w = texttable_xrealloc(NULL, (size_t)t->ncols * sizeof *w);
	for (int c = 0; c < t->ncols; c++) {
		w[c] = 0;
		for (size_t r = 0; r < t->rows; r++) {
			size_t x = texttable_width(t->cells[r * (size_t)t->ncols + (size_t)c]);
			if (x > w[c])
				w[c] = x;
		}
	}
	for (size_t r = 0; r < t->rows; r++) {
		for (int c = 0; c < t->ncols; c++) {
			const char *cell = t->cells[r * (size_t)t->ncols + (size_t)c];
			size_t pad = w[c] - texttable_width(cell);
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

void texttable_free(struct texttable *t)
{
	if (!t)
		return;
	for (size_t i = 0; i < t->rows * (size_t)t->ncols; i++)
		free(t->cells[i]);
	free(t->cells);
	free(t->right);
	free(t);
}
