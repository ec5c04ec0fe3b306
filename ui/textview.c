#include "config.h"

#include "ui/textview.h"

#include "ui/draw.h"

#include <stdlib.h>
#include <string.h>

static void textview_emit(struct textview_line *lines, size_t max, size_t *n, const char *t,
                          size_t start, size_t end)
{
	while (end > start && (t[end - 1] == ' ' || t[end - 1] == '\t'))
		end--;
	if (*n < max) {
		lines[*n].start = start;
		lines[*n].len = end - start;
	}
	(*n)++;
}

size_t textview_wrap(const char *t, int width, struct textview_line *lines, size_t max)
{
	size_t n = 0;
	if (!t || width <= 0)
		return 0;
	size_t len = strlen(t), i = 0;
	if (width < 1)
		width = 1;
	while (i <= len) {
		/* One paragraph: t[i .. next '\n'). */
		size_t pend = i;
		while (pend < len && t[pend] != '\n')
			pend++;
		size_t start = i;
		if (start == pend)
			textview_emit(lines, max, &n, t, start, start);
		while (start < pend) {
			int col = 0;
			size_t j = start, brk = 0; /* brk: byte after the last space that fits */
			while (j < pend) {
				unsigned cp;
				size_t cl = draw_decode(t + j, pend - j, &cp);
				int cw = draw_cp_width(cp);
				if (col + cw > width)
					break;
				col += cw;
				j += cl;
				if (cp == ' ' || cp == '\t')
					brk = j;
			}
			size_t end;
			if (j >= pend)
				end = pend;
			else if (t[j] == ' ' || t[j] == '\t')
				end = j; /* the line ends exactly at a word's end */
			else if (brk > start)
				end = brk;
			else
				end = j > start ? j : start + draw_decode(t + start, pend - start, &(unsigned){ 0 });
			textview_emit(lines, max, &n, t, start, end);
			start = end;
			/* The spaces at a break belong to neither line. */
			while (start < pend && (t[start] == ' ' || t[start] == '\t') && end != pend)
				start++;
		}
		i = pend + 1;
	}
	return n;
}

int textview_draw(WINDOW *w, const struct layout_rect *r, const char *text, int scroll)
{
	if (r->h <= 0 || r->w <= 0 || !text)
		return 0;
	if (scroll < 0)
		scroll = 0;
	/* Only the lines shown are kept: wrap up to the last one on screen. */
	size_t want = (size_t)scroll + (size_t)r->h;
	struct textview_line *lines = malloc(want * sizeof *lines);
	if (!lines)
		return 0;
	size_t total = textview_wrap(text, r->w, lines, want);
	for (int row = 0; row < r->h; row++) {
		size_t li = (size_t)scroll + (size_t)row;
		if (li >= total)
			break;
		draw_textn(w, r->y + row, r->x, r->w, text + lines[li].start, lines[li].len);
	}
	free(lines);
	return (int)total;
}
