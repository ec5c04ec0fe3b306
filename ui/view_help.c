#include "config.h"

#include "ui/view.h"

#include "ui/draw.h"
#include "ui/theme.h"

#include <string.h>

struct view_help_ctx {
	WINDOW *w;
	const struct layout_rect *r;
	int line, first, keyw;
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
	int y = c->r->y + c->line - c->first;
	c->line++;
	if (y < c->r->y || y >= c->r->y + c->r->h || !c->w)
		return;
	if (a == ACTION_NONE) {
		draw_title(c->w, y, c->r->x, c->r->w, text, theme_attr(THEME_TITLE));
		return;
	}
	wattrset(c->w, theme_attr(THEME_HINT_KEY));
	draw_text(c->w, y, c->r->x + 2, c->keyw - 1, keys && *keys ? keys : "(unbound)");
	wattrset(c->w, A_NORMAL);
	int tw = draw_text(c->w, y, c->r->x + 2 + c->keyw, c->r->w - 2 - c->keyw, text);
	/* The action's name, for ricrc bind lines and the command line, when
	 * it fits beside the text. */
	const char *name = keys_action_name(a);
	int nx = c->r->x + c->r->w - draw_width(name) - 1;
	if (nx > c->r->x + 2 + c->keyw + tw + 2) {
		wattrset(c->w, theme_attr(THEME_DIM));
		draw_text(c->w, y, nx, c->r->w, name);
		wattrset(c->w, A_NORMAL);
	}
}

int view_help_lines(const struct keys_map *km)
{
	struct view_help_ctx c = { NULL, NULL, 0, 0, 0 };
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
	int total = view_help_lines(km), first = h->scroll;
	if (first > total - L->table.h)
		first = total - L->table.h;
	if (first < 0)
		first = 0;
	struct view_help_ctx c = { w, &L->table, 0, first, view_help_keyw(L->table.w) };
	keys_help(km, view_help_line, &c);
	const struct layout_rect *r = &L->table;
	draw_more(w, r->y, r->x, r->w, first > 0, 0);
	draw_more(w, r->y + r->h - 1, r->x, r->w, 0, total - first > r->h);
}
