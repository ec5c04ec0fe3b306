#include "config.h"

#include "ui/view.h"

#include "ui/draw.h"
#include "ui/theme.h"

/* First cut: the pane titles only; the widgets come next. */
void view_front_draw(WINDOW *w, const struct layout *L, const struct view_front *v)
{
	(void)v;
	draw_title(w, L->header.y + 1, 0, L->cols, "front", theme_attr(THEME_TITLE));
}

int view_front_hit(const struct layout *L, const struct view_front *v, int y, int x, struct view_hit *h)
{
	(void)L;
	(void)v;
	(void)y;
	(void)x;
	h->kind = VIEW_HIT_NONE;
	return 0;
}
