#include "config.h"

#include "tests/ui_term.h"
#include "ui/draw.h"

#include <limits.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

static SCREEN *ui_term_screen;

WINDOW *ui_term_pad(int rows, int cols, int utf8)
{
	if (!ui_term_screen) {
		if (!setlocale(LC_ALL, "C.UTF-8"))
			setlocale(LC_ALL, "C.utf8");
		FILE *out = fopen("/dev/null", "w"), *in = fopen("/dev/null", "r");
		ui_term_screen = newterm("xterm", out, in);
		if (!ui_term_screen) {
			fprintf(stderr, "# ui_term: newterm(xterm) failed (terminfo missing?)\n");
			abort();
		}
	}
	draw_set_utf8(utf8);
	WINDOW *w = newpad(rows, cols);
	if (!w)
		abort();
	return w;
}

const char *ui_term_line(WINDOW *w, int y, char *buf, size_t len)
{
	int cols = getmaxx(w);
	if (cols < 1)
		cols = 1;
	wchar_t *wb = calloc((size_t)cols + 1, sizeof *wb);
	buf[0] = '\0';
	if (!wb)
		return buf;
	int n = mvwinnwstr(w, y, 0, wb, cols);
	if (n < 0)
		n = 0;
	wb[n] = L'\0';
	size_t used = 0;
	mbstate_t st;
	memset(&st, 0, sizeof st);
	for (int i = 0; i < n; i++) {
		char mb[MB_LEN_MAX];
		size_t k = wcrtomb(mb, wb[i], &st);
		if (k == (size_t)-1 || used + k >= len)
			break;
		memcpy(buf + used, mb, k);
		used += k;
	}
	while (used > 0 && buf[used - 1] == ' ')
		used--;
	buf[used] = '\0';
	free(wb);
	return buf;
}

char *ui_term_dump(WINDOW *w)
{
	int rows = getmaxy(w), cols = getmaxx(w);
	if (rows < 1 || cols < 1)
		return NULL;
	size_t cap = (size_t)rows * ((size_t)cols * 4 + 1) + 1;
	char *all = malloc(cap), *line = malloc((size_t)cols * 4 + 1);
	size_t used = 0;
	if (!all || !line) {
		free(all);
		free(line);
		return NULL;
	}
	all[0] = '\0';
	for (int y = 0; y < rows; y++) {
		ui_term_line(w, y, line, (size_t)cols * 4 + 1);
		used += (size_t)snprintf(all + used, cap - used, "%s\n", line);
	}
	free(line);
	return all;
}

int ui_term_find(WINDOW *w, const char *text, int *y, int *x)
{
	int rows = getmaxy(w), cols = getmaxx(w);
	if (rows < 1 || cols < 1)
		return 0;
	char *line = malloc((size_t)cols * 4 + 1);
	if (!line)
		return 0;
	for (int r = 0; r < rows; r++) {
		ui_term_line(w, r, line, (size_t)cols * 4 + 1);
		char *p = strstr(line, text);
		if (p) {
			if (y)
				*y = r;
			if (x) {
				/* Columns before the match, not bytes. */
				*p = '\0';
				*x = draw_width(line);
			}
			free(line);
			return 1;
		}
	}
	free(line);
	return 0;
}

int ui_term_attr(WINDOW *w, int y, int x)
{
	cchar_t c;
	attr_t a;
	short pair;
	wchar_t wc[CCHARW_MAX + 1];
	if (mvwin_wch(w, y, x, &c) == ERR)
		return 0;
	getcchar(&c, wc, &a, &pair, NULL);
	return (int)a;
}
