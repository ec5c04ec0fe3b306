#include "config.h"

#include "ui/theme.h"

#include <curses.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

struct theme_entry {
	const char *name;
	short fg, bg;
	int mono;
};

static struct theme_entry theme_items[THEME_COUNT] = {
#define THEME_ROW(name, uname, fg, bg, mono) [THEME_##name] = { uname, fg, bg, mono },
	THEME_ITEMS(THEME_ROW)
#undef THEME_ROW
};

/* The dark preset: the table as written. */
static const struct theme_entry theme_dark[THEME_COUNT] = {
#define THEME_ROW(name, uname, fg, bg, mono) [THEME_##name] = { uname, fg, bg, mono },
	THEME_ITEMS(THEME_ROW)
#undef THEME_ROW
};

/* The light preset: what differs from dark (text that reads on white). */
static const struct { enum theme_item item; short fg, bg; } theme_light[] = {
	{ THEME_HINT_KEY, COLOR_BLACK, -1 },
	{ THEME_TITLE, COLOR_BLUE, -1 },
	{ THEME_SLIDER, COLOR_GREEN, -1 },
	{ THEME_SLIDER_FOCUS, COLOR_RED, -1 },
	{ THEME_SAMPLE_FOCUS, COLOR_MAGENTA, -1 },
	{ THEME_AXIS, COLOR_BLACK, -1 },
	{ THEME_DIM, COLOR_BLUE, -1 },
	{ THEME_SERIES2, COLOR_RED, -1 },
	{ THEME_SERIES3, COLOR_BLUE, -1 },
	{ THEME_SERIES5, COLOR_BLACK, -1 },
	{ THEME_SERIES6, COLOR_CYAN, -1 },
	{ THEME_CURSOR, COLOR_WHITE, COLOR_BLACK },
	{ THEME_MARKED, COLOR_RED, -1 },
	{ THEME_SPARKLINE, COLOR_BLUE, -1 },
};

static int theme_colors;   /* pairs are set up and in use */
static int theme_forced_mono;

static void theme_pair(enum theme_item i)
{
	init_pair((short)(i + 1), theme_items[i].fg, theme_items[i].bg);
}

void theme_init(void)
{
	const char *nc = getenv("NO_COLOR");
	theme_colors = 0;
	if ((nc && *nc) || !has_colors() || COLOR_PAIRS < THEME_COUNT + 1)
		return;
	for (int i = 0; i < THEME_COUNT; i++)
		theme_pair((enum theme_item)i);
	theme_colors = 1;
}

int theme_set(enum theme_item item, int fg, int bg)
{
	if ((int)item < 0 || item >= THEME_COUNT || fg < -1 || fg > 255 || bg < -1 || bg > 255)
		return -1;
	theme_items[item].fg = (short)fg;
	theme_items[item].bg = (short)bg;
	if (theme_colors)
		theme_pair(item);
	return 0;
}

int theme_preset(const char *name)
{
	int light = name && strcasecmp(name, "light") == 0;
	if (name && strcasecmp(name, "monochrome") == 0) {
		theme_mono(1);
		return 0;
	}
	if (!light && !(name && strcasecmp(name, "dark") == 0))
		return -1;
	theme_mono(0);
	for (int i = 0; i < THEME_COUNT; i++)
		theme_set((enum theme_item)i, theme_dark[i].fg, theme_dark[i].bg);
	for (size_t k = 0; light && k < sizeof theme_light / sizeof theme_light[0]; k++)
		theme_set(theme_light[k].item, theme_light[k].fg, theme_light[k].bg);
	return 0;
}

void theme_mono(int on)
{
	theme_forced_mono = on;
}

int theme_attr(enum theme_item item)
{
	if ((int)item < 0 || item >= THEME_COUNT)
		return A_NORMAL;
	if (!theme_colors || theme_forced_mono)
		return theme_items[item].mono;
	int bold = item == THEME_TITLE || item == THEME_SLIDER_FOCUS || item == THEME_SAMPLE_FOCUS ||
	           item == THEME_HINT_KEY || item == THEME_MARKED || item == THEME_TAB_ACTIVE;
	return (int)COLOR_PAIR(item + 1) | (bold ? A_BOLD : 0);
}

int theme_get(enum theme_item item, int *fg, int *bg)
{
	if ((int)item < 0 || item >= THEME_COUNT)
		return -1;
	*fg = theme_items[item].fg;
	*bg = theme_items[item].bg;
	return 0;
}

int theme_is_mono(void)
{
	return theme_forced_mono;
}

int theme_colored(void)
{
	return theme_colors && !theme_forced_mono;
}

enum theme_item theme_series(int i)
{
	if (i < 0)
		i = 0;
	return (enum theme_item)(THEME_SERIES1 + i % THEME_SERIES_COUNT);
}

int theme_item_from_name(const char *name)
{
	for (int i = 0; i < THEME_COUNT; i++)
		if (name && strcasecmp(name, theme_items[i].name) == 0)
			return i;
	return -1;
}

const char *theme_item_name(enum theme_item item)
{
	return (int)item >= 0 && item < THEME_COUNT ? theme_items[item].name : "";
}

int theme_color_from_name(const char *name, int *color)
{
	static const char *const names[] = { "black", "red", "green", "yellow",
		                             "blue", "magenta", "cyan", "white" };
	if (!name || !*name)
		return -1;
	if (strcasecmp(name, "default") == 0) {
		*color = -1;
		return 0;
	}
	int bright = 0;
	if (strncasecmp(name, "bright-", 7) == 0) {
		bright = 8;
		name += 7;
	} else if (strncasecmp(name, "bright", 6) == 0) {
		bright = 8;
		name += 6;
	}
	for (int i = 0; i < 8; i++)
		if (strcasecmp(name, names[i]) == 0) {
			*color = i + bright;
			return 0;
		}
	if (bright)
		return -1;
	char *end;
	long n = strtol(name, &end, 10);
	if (*end || end == name || n < 0 || n > 255)
		return -1;
	*color = (int)n;
	return 0;
}
