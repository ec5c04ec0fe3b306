/* ui/ricrc: settings, bindings and colors from the configuration file, and
 * one clear message per bad line (file, line, problem). */
#include "config.h"

#include "tests/harness.h"
#include "ui/keys.h"
#include "ui/ricrc.h"
#include "ui/theme.h"

#include <curses.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct settings {
	char names[16][32], values[16][64];
	int n;
};

/* A setter like the app's: temperature must be a number, mouse on/off. */
static int set_cb(void *ctx, const char *name, const char *value, char *err, size_t len)
{
	struct settings *s = ctx;
	if (strcmp(name, "temperature") == 0) {
		char *end;
		strtod(value, &end);
		if (*end) {
			snprintf(err, len, "'%s' is not a number", value);
			return -1;
		}
	}
	if (strcmp(name, "mouse") == 0 && strcmp(value, "on") != 0 && strcmp(value, "off") != 0) {
		snprintf(err, len, "on or off, not '%s'", value);
		return -1;
	}
	snprintf(s->names[s->n], sizeof s->names[0], "%s", name);
	snprintf(s->values[s->n], sizeof s->values[0], "%s", value);
	s->n++;
	return 0;
}

static int parse(const char *text, struct keys_map *km, struct settings *s, struct ricrc_errors *e)
{
	struct ricrc_ops ops = { .keys = km, .set = set_cb, .ctx = s, .colors = 1 };
	memset(e, 0, sizeof *e);
	return ricrc_parse(text, strlen(text), "ricrc", &ops, e);
}

START_TEST(good_file_applies)
{
	struct keys_map *km = keys_map_new();
	struct settings s = { .n = 0 };
	struct ricrc_errors e;
	const char *text = "# my settings\n"
	                   "\n"
	                   "set temperature = 0.7\n"
	                   "  set top_p 0.9   # trailing comment\n"
	                   "set mouse=off\n"
	                   "set seed \"42\"\n"
	                   "bind C-r regenerate\n"
	                   "bind \"#\" help\n"
	                   "bind q none\n"
	                   "unbind F10\n"
	                   "color header white blue\n"
	                   "color selection bright-yellow\n"
	                   "color cursor 208 default\n";
	ck_assert_int_eq(parse(text, km, &s, &e), 0);
	ck_assert_str_eq(e.text, "");
	ck_assert_int_eq(s.n, 4);
	ck_assert_str_eq(s.names[0], "temperature");
	ck_assert_str_eq(s.values[0], "0.7");
	ck_assert_str_eq(s.names[1], "top-p");
	ck_assert_str_eq(s.values[1], "0.9");
	ck_assert_str_eq(s.names[2], "mouse");
	ck_assert_str_eq(s.values[2], "off");
	ck_assert_str_eq(s.values[3], "42");
	ck_assert_int_eq(keys_lookup(km, KEYS_SCREEN_STEER, 18), ACTION_REGENERATE);
	ck_assert_int_eq(keys_lookup(km, KEYS_SCREEN_RUNS, '#'), ACTION_HELP);
	/* q is gone everywhere (Help's close too), and F10 with it: no quit key left. */
	ck_assert_int_eq(keys_lookup(km, KEYS_SCREEN_STEER, 'q'), ACTION_NONE);
	ck_assert_int_eq(keys_lookup(km, KEYS_SCREEN_HELP, 'q'), ACTION_NONE);
	ck_assert_int_eq(keys_lookup(km, KEYS_SCREEN_STEER, KEY_F(10)), ACTION_NONE);
	keys_map_free(km);
}
END_TEST

static void expect(const char *text, const char *message)
{
	struct keys_map *km = keys_map_new();
	struct settings s = { .n = 0 };
	struct ricrc_errors e;
	ck_assert_int_eq(parse(text, km, &s, &e), 1);
	ck_assert_int_eq(e.count, 1);
	ck_assert_msg(strstr(e.text, message) != NULL, "wanted '%s' in: %s", message, e.text);
	ck_assert_int_eq(s.n, 0);
	keys_map_free(km);
}

START_TEST(bad_lines_name_line_and_problem)
{
	expect("set temprature 0.8\n", "ricrc:1: unknown setting 'temprature' (settings: temperature, top-p,");
	expect("\n\nset temperature hot\n", "ricrc:3: set temperature: 'hot' is not a number");
	expect("set mouse = maybe\n", "ricrc:1: set mouse: on or off, not 'maybe'");
	expect("set temperature\n", "ricrc:1: usage: set NAME = VALUE");
	expect("set temperature = \n", "ricrc:1: usage: set NAME = VALUE");
	expect("set a = b c\n", "ricrc:1: usage: set NAME = VALUE");
	expect("bind C-r regenrate\n", "ricrc:1: unknown action 'regenrate'");
	expect("bind Hyper-x quit\n", "ricrc:1: unknown key 'Hyper-x'");
	expect("bind F13 quit\n", "ricrc:1: unknown key 'F13': function keys are F1 to F12");
	expect("bind x\n", "ricrc:1: usage: bind KEY ACTION");
	expect("unbind\n", "ricrc:1: usage: unbind KEY");
	expect("color headr white blue\n", "ricrc:1: unknown color item 'headr' (items: header, tab,");
	expect("color header purple\n", "ricrc:1: unknown color 'purple'");
	expect("color header 256 0\n", "ricrc:1: unknown color '256'");
	expect("color header\n", "ricrc:1: usage: color ITEM FOREGROUND [BACKGROUND]");
	expect("sett temperature 1\n", "ricrc:1: unknown command 'sett' (set, bind, unbind, color, theme)");
	expect("bind \"C-r regenerate\n", "ricrc:1: unterminated \"quote\"");
	expect("set a b c d e f g h i j\n", "ricrc:1: too many words");
}
END_TEST

START_TEST(every_error_is_reported_and_good_lines_still_apply)
{
	struct keys_map *km = keys_map_new();
	struct settings s = { .n = 0 };
	struct ricrc_errors e;
	const char *text = "bogus\nset temperature 0.5\nbind C-r nothing\nbind C-t regenerate\n";
	ck_assert_int_eq(parse(text, km, &s, &e), 2);
	ck_assert_str_eq(e.text, "ricrc:1: unknown command 'bogus' (set, bind, unbind, color, theme)\n"
	                         "ricrc:3: unknown action 'nothing' (actions are listed by ? in ric-tui and in "
	                         "ric-tui(1))\n");
	ck_assert_int_eq(s.n, 1);
	ck_assert_int_eq(keys_lookup(km, KEYS_SCREEN_STEER, 20), ACTION_REGENERATE);
	/* A NUL byte and a last line without a newline. */
	static const char bin[] = "set seed 1\nab\0cd\nset seed 2";
	struct ricrc_ops ops = { .keys = km, .set = set_cb, .ctx = &s };
	memset(&e, 0, sizeof e);
	ck_assert_int_eq(ricrc_parse(bin, sizeof bin - 1, "f", &ops, &e), 1);
	ck_assert_str_eq(e.text, "f:2: a NUL byte: this is not a text file\n");
	ck_assert_str_eq(s.values[s.n - 1], "2");
	keys_map_free(km);
}
END_TEST

START_TEST(error_text_is_bounded)
{
	char *text = malloc(200 * 10 + 1);
	text[0] = '\0';
	for (int i = 0; i < 200; i++)
		strcat(text, "zzzzzzzzz\n");
	struct settings s = { .n = 0 };
	struct ricrc_errors e;
	ck_assert_int_eq(parse(text, NULL, &s, &e), 200);
	ck_assert_int_eq(e.count, 200);
	ck_assert_int_lt((int)strlen(e.text), RICRC_ERRORS_MAX);
	free(text);
}
END_TEST

START_TEST(files_and_paths)
{
	char path[4096];
	struct settings s = { .n = 0 };
	struct ricrc_ops ops = { .set = set_cb, .ctx = &s };
	struct ricrc_errors e = { 0 };
	snprintf(path, sizeof path, "%s/ricrc", harness_tmpdir());
	ck_assert_int_eq(ricrc_load(path, &ops, &e), 0);   /* missing: fine */
	FILE *f = fopen(path, "w");
	fputs("set samples 3\nset nope 1\n", f);
	fclose(f);
	ck_assert_int_eq(ricrc_load(path, &ops, &e), 1);
	char want[4200];
	snprintf(want, sizeof want, "%s:2: unknown setting 'nope'", path);
	ck_assert_msg(strstr(e.text, want) != NULL, "%s", e.text);
	ck_assert_str_eq(s.values[0], "3");
	/* A folder is not a file. */
	memset(&e, 0, sizeof e);
	ck_assert_int_eq(ricrc_load(harness_tmpdir(), &ops, &e), 1);
	ck_assert_ptr_nonnull(strstr(e.text, harness_tmpdir()));
}
END_TEST

START_TEST(setting_names_and_completion)
{
	ck_assert_str_eq(ricrc_setting("top_p"), "top-p");
	ck_assert_str_eq(ricrc_setting("max-tokens"), "max-tokens");
	ck_assert_ptr_null(ricrc_setting("top"));
	ck_assert_ptr_null(ricrc_setting(""));
	int st = 0, n = 0;
	const char *c;
	while ((c = ricrc_complete("m", &st)) != NULL) {
		ck_assert(c[0] == 'm');
		n++;
	}
	ck_assert_int_eq(n, 3); /* max-tokens, mapping, mouse */
}
END_TEST

START_TEST(colors_reach_the_theme)
{
	int c;
	ck_assert_int_eq(theme_color_from_name("red", &c), 0);
	ck_assert_int_eq(c, COLOR_RED);
	ck_assert_int_eq(theme_color_from_name("bright-blue", &c), 0);
	ck_assert_int_eq(c, COLOR_BLUE + 8);
	ck_assert_int_eq(theme_color_from_name("BrightWhite", &c), 0);
	ck_assert_int_eq(c, 15);
	ck_assert_int_eq(theme_color_from_name("default", &c), 0);
	ck_assert_int_eq(c, -1);
	ck_assert_int_eq(theme_color_from_name("255", &c), 0);
	ck_assert_int_eq(c, 255);
	ck_assert_int_eq(theme_color_from_name("bright-255", &c), -1);
	ck_assert_int_eq(theme_color_from_name("-1", &c), -1);
	ck_assert_int_eq(theme_item_from_name("tab-active"), THEME_TAB_ACTIVE);
	ck_assert_str_eq(theme_item_name(THEME_SERIES3), "series3");
	ck_assert_int_eq(theme_set(THEME_HEADER, 300, 0), -1);
	/* Without curses colors the monochrome attribute stands. */
	ck_assert_int_eq(theme_attr(THEME_SELECTION), (int)A_REVERSE);
	ck_assert_int_eq(theme_series(7), THEME_SERIES2);
}
END_TEST

START_TEST(theme_presets)
{
	struct ricrc_ops ops = { .colors = 1 };
	struct ricrc_errors e = { 0 };
	int fg, bg;
	const char *light = "theme light\ncolor title green\n";
	ck_assert_int_eq(ricrc_parse("theme light\n", 12, "ricrc", &ops, &e), 0);
	/* no yellow or white text on a light background */
	for (int i = 0; i < THEME_COUNT; i++) {
		ck_assert_int_eq(theme_get((enum theme_item)i, &fg, &bg), 0);
		if (bg == -1)
			ck_assert_msg(fg != COLOR_YELLOW && fg != COLOR_WHITE, "%s is yellow or white",
			              theme_item_name((enum theme_item)i));
	}
	theme_get(THEME_TITLE, &fg, &bg);
	ck_assert_int_eq(fg, COLOR_BLUE);
	ck_assert(!theme_is_mono());
	/* a color line after the preset changes it further */
	ck_assert_int_eq(ricrc_parse(light, strlen(light), "ricrc", &ops, &e), 0);
	theme_get(THEME_TITLE, &fg, &bg);
	ck_assert_int_eq(fg, COLOR_GREEN);
	ck_assert_int_eq(ricrc_parse("theme monochrome\n", 17, "ricrc", &ops, &e), 0);
	ck_assert(theme_is_mono());
	ck_assert_int_eq(theme_attr(THEME_SERIES2), A_BOLD);
	/* dark: the defaults again, in color */
	ck_assert_int_eq(ricrc_parse("theme dark\n", 11, "ricrc", &ops, &e), 0);
	ck_assert(!theme_is_mono());
	theme_get(THEME_TITLE, &fg, &bg);
	ck_assert_int_eq(fg, COLOR_CYAN);
	theme_get(THEME_SERIES2, &fg, &bg);
	ck_assert_int_eq(fg, COLOR_YELLOW);
	ck_assert_int_eq(ricrc_parse("theme sepia\ntheme\n", 18, "ricrc", &ops, &e), 2);
	ck_assert_str_eq(e.text, "ricrc:1: unknown theme 'sepia' (dark, light, monochrome)\n"
	                         "ricrc:2: usage: theme dark|light|monochrome\n");
}
END_TEST

Suite *harness_suite(void)
{
	Suite *s = suite_create("ricrc");
	harness_add(s, "parse", good_file_applies, bad_lines_name_line_and_problem,
	            every_error_is_reported_and_good_lines_still_apply, error_text_is_bounded, NULL);
	harness_add(s, "env", files_and_paths, setting_names_and_completion, colors_reach_the_theme,
	            theme_presets, NULL);
	return s;
}
