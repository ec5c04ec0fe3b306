#include "config.h"

#include "ui/view.h"

#include "ui/draw.h"
#include "ui/textview.h"
#include "ui/theme.h"

#include <string.h>

struct view_help_ctx {
	WINDOW *w;
	const struct layout_rect *r;
	int line, first, keyw;
	int width; /* the pane's columns: a text wider than its column wraps; 0: no wrap */
};

/* Column of the keys: wide enough for most, never more than a third. */
static int view_help_keyw(int width)
{
	int k = 18;
	return k > width / 3 ? width / 3 : k;
}

static void view_help_line(void *p, enum action a, const char *keys, const char *text)
{
	struct view_help_ctx *c = p;
	/* A blank line before each group but the first. */
	if (a == ACTION_NONE && c->line > 0)
		c->line++;
	int tw = c->width - 2 - c->keyw;
	/* Narrow: the text wraps under itself, never cut. */
	struct textview_line wrap[16];
	size_t n = a != ACTION_NONE && c->width > 0 && tw > 8
		           ? textview_wrap(text, tw, wrap, sizeof wrap / sizeof wrap[0])
		           : 0;
	if (n > sizeof wrap / sizeof wrap[0])
		n = sizeof wrap / sizeof wrap[0];
	int y = c->r->y + c->line - c->first;
	c->line += n > 1 ? (int)n : 1;
	if (!c->w)
		return;
	if (a == ACTION_NONE) {
		if (y >= c->r->y && y < c->r->y + c->r->h)
			draw_title(c->w, y, c->r->x, c->r->w, text, theme_attr(THEME_TITLE));
		return;
	}
	if (y >= c->r->y && y < c->r->y + c->r->h) {
		wattrset(c->w, theme_attr(THEME_HINT_KEY));
		draw_text(c->w, y, c->r->x + 2, c->keyw - 1, keys && *keys ? keys : "(unbound)");
		wattrset(c->w, A_NORMAL);
	}
	int used = 0;
	if (n > 1) {
		for (size_t k = 0; k < n; k++) {
			int yy = y + (int)k;
			if (yy < c->r->y || yy >= c->r->y + c->r->h)
				continue;
			char part[512];
			size_t len = wrap[k].len < sizeof part ? wrap[k].len : sizeof part - 1;
			memcpy(part, text + wrap[k].start, len);
			part[len] = '\0';
			draw_text(c->w, yy, c->r->x + 2 + c->keyw, c->r->w - 2 - c->keyw, part);
		}
		return; /* no room for the action's name beside a wrapped text */
	}
	if (y < c->r->y || y >= c->r->y + c->r->h)
		return;
	used = draw_text(c->w, y, c->r->x + 2 + c->keyw, c->r->w - 2 - c->keyw, text);
	/* The action's name, for ricrc bind lines and the command line, when
	 * it fits beside the text. */
	const char *name = keys_action_name(a);
	int nx = c->r->x + c->r->w - draw_width(name) - 1;
	if (nx > c->r->x + 2 + c->keyw + used + 2) {
		wattrset(c->w, theme_attr(THEME_DIM));
		draw_text(c->w, y, nx, c->r->w, name);
		wattrset(c->w, A_NORMAL);
	}
}

int view_help_lines(const struct keys_map *km, int width)
{
	struct view_help_ctx c = { NULL, NULL, 0, 0, view_help_keyw(width), width };
	struct layout_rect none = { 0, 0, 0, 0 };
	c.r = &none;
	if (!km)
		return 0;
	keys_help(km, view_help_line, &c);
	return c.line;
}

void view_help_draw(WINDOW *w, const struct layout *L, const struct keys_map *km,
                    const struct view_help *h)
{
	if (!km)
		return;
	/* Never past the last page, even when asked. */
	int total = view_help_lines(km, L->table.w), first = h->scroll;
	if (first > total - L->table.h)
		first = total - L->table.h;
	if (first < 0)
		first = 0;
	struct view_help_ctx c = { w, &L->table, 0, first, view_help_keyw(L->table.w), L->table.w };
	keys_help(km, view_help_line, &c);
	const struct layout_rect *r = &L->table;
	draw_more(w, r->y, r->x, r->w, first > 0, 0);
	draw_more(w, r->y + r->h - 1, r->x, r->w, 0, total - first > r->h);
}
