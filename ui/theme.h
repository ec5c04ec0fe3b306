/* theme: what each item on screen looks like, in color or monochrome.
 *
 *   theme_set(THEME_HEADER, COLOR_WHITE, COLOR_BLUE);   // ricrc "color header white blue"
 *   screen_open(err, sizeof err); theme_init();                        // after curses starts
 *   wattrset(w, theme_attr(THEME_SELECTION));
 *
 * Without colors (monochrome terminal, NO_COLOR set, or before theme_init)
 * theme_attr returns a plain attribute (bold, reverse, underline) that keeps
 * every item distinguishable.
 */
#ifndef RIC_UI_THEME_H
#define RIC_UI_THEME_H

/* THEME(name, user name, fg, bg, monochrome attribute) */
#define THEME_ITEMS(THEME) \
	THEME(HEADER,        "header",        COLOR_WHITE,   COLOR_BLUE,  A_REVERSE) \
	THEME(TAB,           "tab",           COLOR_WHITE,   COLOR_BLUE,  A_REVERSE) \
	THEME(TAB_ACTIVE,    "tab-active",    COLOR_BLACK,   COLOR_CYAN,  A_BOLD) \
	THEME(HINT_KEY,      "hint-key",      COLOR_WHITE,   -1,          A_BOLD) \
	THEME(HINT_TEXT,     "hint-text",     COLOR_BLACK,   COLOR_CYAN,  A_REVERSE) \
	THEME(STATUS,        "status",        -1,            -1,          A_NORMAL) \
	THEME(ERROR,         "error",         COLOR_WHITE,   COLOR_RED,   A_BOLD | A_REVERSE) \
	THEME(CONFIRM,       "confirm",       COLOR_BLACK,   COLOR_YELLOW, A_BOLD | A_REVERSE) \
	THEME(TITLE,         "title",         COLOR_CYAN,    -1,          A_BOLD) \
	THEME(SLIDER,        "slider",        COLOR_GREEN,   -1,          A_NORMAL) \
	THEME(SLIDER_FOCUS,  "slider-focus",  COLOR_YELLOW,  -1,          A_BOLD) \
	THEME(SLIDER_LOCKED, "slider-locked", COLOR_RED,     -1,          A_DIM) \
	THEME(TARGET,        "target",        COLOR_MAGENTA, -1,          A_UNDERLINE) \
	THEME(BAR,           "bar",           COLOR_GREEN,   -1,          A_NORMAL) \
	THEME(SAMPLE_FOCUS,  "sample-focus",  COLOR_YELLOW,  -1,          A_BOLD) \
	THEME(DIM,           "dim",           COLOR_BLUE,    -1,          A_DIM) \
	THEME(AXIS,          "axis",          COLOR_WHITE,   -1,          A_DIM) \
	THEME(SERIES1,       "series1",       COLOR_GREEN,   -1,          A_NORMAL) \
	THEME(SERIES2,       "series2",       COLOR_YELLOW,  -1,          A_BOLD) \
	THEME(SERIES3,       "series3",       COLOR_CYAN,    -1,          A_UNDERLINE) \
	THEME(SERIES4,       "series4",       COLOR_MAGENTA, -1,          A_DIM) \
	THEME(SERIES5,       "series5",       COLOR_RED,     -1,          A_BOLD | A_UNDERLINE) \
	THEME(SERIES6,       "series6",       COLOR_BLUE,    -1,          A_DIM | A_UNDERLINE) \
	THEME(CURSOR,        "cursor",        COLOR_BLACK,   COLOR_WHITE, A_REVERSE | A_BOLD) \
	THEME(TABLE_HEADER,  "table-header",  COLOR_BLACK,   COLOR_GREEN, A_REVERSE) \
	THEME(SELECTION,     "selection",     COLOR_BLACK,   COLOR_CYAN,  A_REVERSE) \
	THEME(MARKED,        "marked",        COLOR_YELLOW,  -1,          A_BOLD) \
	THEME(PROGRESS,      "progress",      COLOR_GREEN,   -1,          A_REVERSE) \
	THEME(SPARKLINE,     "sparkline",     COLOR_CYAN,    -1,          A_NORMAL)

enum theme_item {
#define THEME_ENUM(name, uname, fg, bg, mono) THEME_##name,
	THEME_ITEMS(THEME_ENUM)
#undef THEME_ENUM
	THEME_COUNT
};

#define THEME_SERIES_COUNT 6

/* Start the color pairs (after initscr); a no-op without colors or with
 * $NO_COLOR set. */
void theme_init(void);
/* Set an item's colors (curses color numbers, -1 = terminal default). Works
 * before and after theme_init. 0, or -1 for a bad item or color. */
int theme_set(enum theme_item item, int fg, int bg);
/* A preset (ricrc `theme NAME`): "dark" (the defaults: for a dark
 * terminal), "light" (dark text on a light background: no yellow or white
 * text) or "monochrome" (attributes only, as with NO_COLOR: each Front
 * series gets its own glyph). Later `color` lines change it further.
 * 0, or -1 for another name. */
int theme_preset(const char *name);
/* The presets' names, for messages: "dark, light, monochrome". */
#define THEME_PRESETS "dark, light, monochrome"

/* Turn colors off (monochrome) or on again. */
void theme_mono(int on);
int theme_attr(enum theme_item item);
/* An item's colors as set (0), or -1 for a bad item. */
int theme_get(enum theme_item item, int *fg, int *bg);
/* 1 while a monochrome preset or theme_mono(1) holds. */
int theme_is_mono(void);
/* 1 when items draw in color; 0 in monochrome (no colors, NO_COLOR, theme_mono). */
int theme_colored(void);
/* The series' item: series i cycles through SERIES1..SERIES6. */
enum theme_item theme_series(int i);

/* Names, for ricrc: the item of "tab-active" (-1 when unknown); the color of
 * "red", "bright-red", "default" (-1) or a number 0..255 into *color (returns
 * 0, or -1 when unknown). */
int theme_item_from_name(const char *name);
const char *theme_item_name(enum theme_item item);
int theme_color_from_name(const char *name, int *color);

#endif
