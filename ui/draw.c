#include "config.h"

#include "ui/draw.h"

#include "ui/screen.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <wchar.h>

static int draw_utf8_override = -1;

int draw_utf8(void)
{
	return draw_utf8_override >= 0 ? draw_utf8_override : screen_utf8();
}

void draw_set_utf8(int on)
{
	draw_utf8_override = on < 0 ? -1 : !!on;
}

size_t draw_decode(const char *s, size_t n, unsigned *cp)
{
	const unsigned char *u = (const unsigned char *)s;
	if (!n)
		return 0;
	if (u[0] < 0x80) {
		*cp = u[0];
		return 1;
	}
	size_t len;
	unsigned c, min;
	if ((u[0] & 0xe0) == 0xc0) {
		len = 2;
		c = u[0] & 0x1f;
		min = 0x80;
	} else if ((u[0] & 0xf0) == 0xe0) {
		len = 3;
		c = u[0] & 0x0f;
		min = 0x800;
	} else if ((u[0] & 0xf8) == 0xf0) {
		len = 4;
		c = u[0] & 0x07;
		min = 0x10000;
	} else {
		*cp = 0xfffd;
		return 1;
	}
	if (len > n) {
		*cp = 0xfffd;
		return 1;
	}
	for (size_t i = 1; i < len; i++) {
		if ((u[i] & 0xc0) != 0x80) {
			*cp = 0xfffd;
			return 1;
		}
		c = (c << 6) | (u[i] & 0x3f);
	}
	if (c < min || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff)) {
		*cp = 0xfffd;
		return len;
	}
	*cp = c;
	return len;
}

int draw_cp_width(unsigned cp)
{
	if (cp < 0x20 || cp == 0x7f)
		return 1;
	if (cp < 0x7f)
		return 1;
	if (!draw_utf8())
		return 1; /* drawn as '?' */
	int wdt = wcwidth((wchar_t)cp);
	return wdt < 0 ? 1 : wdt;
}

size_t draw_fit(const char *s, size_t n, int cols, int *used)
{
	size_t i = 0;
	int w = 0;
	while (i < n && s[i]) {
		unsigned cp;
		size_t len = draw_decode(s + i, n - i, &cp);
		int cw = draw_cp_width(cp);
		if (w + cw > cols)
			break;
		w += cw;
		i += len;
	}
	if (used)
		*used = w;
	return i;
}

int draw_width(const char *s)
{
	int w = 0;
	if (s)
		draw_fit(s, strlen(s), 1 << 30, &w);
	return w;
}

int draw_textn(WINDOW *w, int y, int x, int maxw, const char *s, size_t n)
{
	int rows, cols;
	getmaxyx(w, rows, cols);
	if (!s || maxw <= 0 || y < 0 || y >= rows || x < 0 || x >= cols)
		return 0;
	if (x + maxw > cols)
		maxw = cols - x;
	int utf8 = draw_utf8();
	int col = 0;
	size_t i = 0;
	wmove(w, y, x);
	while (i < n && s[i]) {
		unsigned cp;
		size_t len = draw_decode(s + i, n - i, &cp);
		int cw = draw_cp_width(cp);
		if (col + cw > maxw)
			break;
		if (cp < 0x20 || cp == 0x7f)
			waddch(w, ' ');
		else if (cp < 0x80)
			waddch(w, (chtype)cp);
		else if (!utf8)
			waddch(w, '?');
		else if (cp == 0xfffd || wcwidth((wchar_t)cp) < 0)
			/* Bad sequences and unprintable characters (C1 controls):
			 * curses would spell their bytes out as "M-A", wider than
			 * counted. */
			waddstr(w, "\xef\xbf\xbd");
		else
			waddnstr(w, s + i, (int)len);
		col += cw;
		i += len;
	}
	return col;
}

int draw_text(WINDOW *w, int y, int x, int maxw, const char *s)
{
	return s ? draw_textn(w, y, x, maxw, s, strlen(s)) : 0;
}

int draw_text_right(WINDOW *w, int y, int x, int maxw, const char *s)
{
	int wdt = draw_width(s);
	if (wdt > maxw)
		return draw_text(w, y, x, maxw, s);
	return draw_text(w, y, x + maxw - wdt, wdt, s);
}

int draw_printf(WINDOW *w, int y, int x, int maxw, const char *fmt, ...)
{
	char buf[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	return draw_text(w, y, x, maxw, buf);
}

void draw_fill(WINDOW *w, const struct layout_rect *r, int attr)
{
	int rows, cols;
	getmaxyx(w, rows, cols);
	wattrset(w, attr);
	for (int y = r->y; y < r->y + r->h && y < rows; y++) {
		wmove(w, y, r->x);
		for (int x = r->x; x < r->x + r->w && x < cols; x++)
			waddch(w, ' ');
	}
}

void draw_title(WINDOW *w, int y, int x, int width, const char *title, int attr)
{
	const char *rule = draw_utf8() ? "\xe2\x94\x80" : "-";
	wattrset(w, attr);
	int col = 0;
	if (width >= 2) {
		col += draw_text(w, y, x, width, rule);
		col += draw_text(w, y, x + col, width - col, " ");
	}
	col += draw_text(w, y, x + col, width - col, title);
	col += draw_text(w, y, x + col, width - col, " ");
	while (col < width)
		col += draw_text(w, y, x + col, width - col, rule);
	wattrset(w, A_NORMAL);
}

void draw_vrule(WINDOW *w, int y, int x, int h)
{
	const char *rule = draw_utf8() ? "\xe2\x94\x82" : "|";
	for (int i = 0; i < h; i++)
		draw_text(w, y + i, x, 1, rule);
}

const char *draw_shorten(const char *s, int cols, char *out, size_t cap)
{
	size_t n = strlen(s);
	if (!cap)
		return out;
	if (draw_width(s) <= cols || cols < 3) {
		size_t b = draw_fit(s, n, cols, NULL);
		if (b >= cap)
			b = cap - 1;
		memcpy(out, s, b);
		out[b] = '\0';
		return out;
	}
	const char *dots = draw_utf8() ? "\xe2\x80\xa6" : "~";
	int head = (cols - 1 + 1) / 2, tail = cols - 1 - head;
	size_t hb = draw_fit(s, n, head, NULL);
	/* The tail: skip characters from the front until the rest fits. */
	const char *t = s + hb;
	while (*t && draw_width(t) > tail) {
		unsigned cp;
		t += draw_decode(t, strlen(t), &cp);
	}
	snprintf(out, cap, "%.*s%s%s", (int)hb, s, dots, t);
	return out;
}

void draw_more(WINDOW *w, int y, int x, int width, int up, int down)
{
	if (!up && !down)
		return;
	char text[32];
	int utf8 = draw_utf8();
	snprintf(text, sizeof text, " %s%s more ", up ? (utf8 ? "\xe2\x96\xb2" : "^") : "",
	         down ? (utf8 ? "\xe2\x96\xbc" : "v") : "");
	int tw = draw_width(text);
	if (tw > width)
		return;
	attr_t a;
	short pair;
	wattr_get(w, &a, &pair, NULL);
	wattrset(w, A_REVERSE);
	draw_text(w, y, x + width - tw, tw, text);
	wattr_set(w, a, pair, NULL);
}
