/* ui/keys: the action table, key names, bindings and lookups. */
#include "config.h"

#include "tests/harness.h"
#include "ui/keys.h"

#include <curses.h>
#include <string.h>

START_TEST(every_default_key_parses)
{
	char err[256];
	for (int a = 1; a < ACTION_COUNT; a++) {
		const char *p = keys_action_defaults((enum action)a);
		ck_assert_msg(*p, "%s has no default key", keys_action_name((enum action)a));
		char buf[256];
		snprintf(buf, sizeof buf, "%s", p);
		for (char *t = strtok(buf, " "); t; t = strtok(NULL, " ")) {
			int key;
			ck_assert_msg(keys_parse(t, &key, err, sizeof err) == 0, "%s: %s",
			              keys_action_name((enum action)a), err);
		}
	}
}
END_TEST

/* Two actions of one group sharing a default key: one would silently lose it. */
START_TEST(no_default_key_is_taken_twice_in_a_group)
{
	int seen[ACTION_GROUP_COUNT][512];
	memset(seen, 0, sizeof seen);
	for (int a = 1; a < ACTION_COUNT; a++) {
		char buf[256];
		snprintf(buf, sizeof buf, "%s", keys_action_defaults((enum action)a));
		for (char *t = strtok(buf, " "); t; t = strtok(NULL, " ")) {
			int key;
			ck_assert_int_eq(keys_parse(t, &key, NULL, 0), 0);
			key = keys_normalize(key);
			ck_assert_int_lt(key, 512);
			int g = keys_action_group((enum action)a);
			ck_assert_msg(!seen[g][key], "key %s twice in group %s", t, keys_group_name(g));
			seen[g][key] = a;
		}
	}
}
END_TEST

START_TEST(names_round_trip)
{
	ck_assert_str_eq(keys_action_name(ACTION_SLIDER_NEXT), "slider-next");
	ck_assert_str_eq(keys_action_name(ACTION_QUIT), "quit");
	ck_assert_ptr_null(keys_action_name(ACTION_NONE));
	ck_assert_int_eq(keys_action_from_name("slider-next"), ACTION_SLIDER_NEXT);
	ck_assert_int_eq(keys_action_from_name("SLIDER_NEXT"), ACTION_SLIDER_NEXT);
	ck_assert_int_eq(keys_action_from_name("slider-nex"), ACTION_NONE);
	ck_assert_int_eq(keys_action_from_name("slider-nextx"), ACTION_NONE);
	ck_assert_int_eq(keys_action_from_name(""), ACTION_NONE);
	for (int a = 1; a < ACTION_COUNT; a++) {
		ck_assert_int_eq(keys_action_from_name(keys_action_name((enum action)a)), a);
		ck_assert(strlen(keys_action_help((enum action)a)) > 10);
	}
	ck_assert_str_eq(keys_group_name(ACTION_GROUP_STEER), "steer");
	ck_assert_str_eq(keys_group_title(ACTION_GROUP_RUNS), "Runs screen");
}
END_TEST

START_TEST(key_names_parse)
{
	int k;
	char err[256];
	ck_assert_int_eq(keys_parse("a", &k, err, sizeof err), 0);
	ck_assert_int_eq(k, 'a');
	ck_assert_int_eq(keys_parse("C-l", &k, err, sizeof err), 0);
	ck_assert_int_eq(k, 12);
	ck_assert_int_eq(keys_parse("^L", &k, err, sizeof err), 0);
	ck_assert_int_eq(k, 12);
	ck_assert_int_eq(keys_parse("F2", &k, err, sizeof err), 0);
	ck_assert_int_eq(k, KEY_F(2));
	ck_assert_int_eq(keys_parse("f12", &k, err, sizeof err), 0);
	ck_assert_int_eq(k, KEY_F(12));
	ck_assert_int_eq(keys_parse("Left", &k, err, sizeof err), 0);
	ck_assert_int_eq(k, KEY_LEFT);
	ck_assert_int_eq(keys_parse("s-tab", &k, err, sizeof err), 0);
	ck_assert_int_eq(k, KEY_BTAB);
	ck_assert_int_eq(keys_parse("PageDown", &k, err, sizeof err), 0);
	ck_assert_int_eq(k, KEY_NPAGE);
	ck_assert_int_eq(keys_parse("Enter", &k, err, sizeof err), 0);
	ck_assert_int_eq(k, '\r');
	ck_assert_int_eq(keys_parse("Space", &k, err, sizeof err), 0);
	ck_assert_int_eq(k, ' ');
	ck_assert_int_eq(keys_parse("\\", &k, err, sizeof err), 0);
	ck_assert_int_eq(k, '\\');
}
END_TEST

START_TEST(bad_key_names_say_why)
{
	int k = -7;
	char err[256];
	ck_assert_int_eq(keys_parse("F13", &k, err, sizeof err), -1);
	ck_assert_ptr_nonnull(strstr(err, "'F13'"));
	ck_assert_ptr_nonnull(strstr(err, "F1 to F12"));
	ck_assert_int_eq(keys_parse("C-1", &k, err, sizeof err), -1);
	ck_assert_ptr_nonnull(strstr(err, "C-a to C-z"));
	ck_assert_int_eq(keys_parse("Hyper", &k, err, sizeof err), -1);
	ck_assert_ptr_nonnull(strstr(err, "'Hyper'"));
	ck_assert_int_eq(keys_parse("", &k, err, sizeof err), -1);
	ck_assert_int_eq(keys_parse(" ", &k, err, sizeof err), -1);
	ck_assert_ptr_nonnull(strstr(err, "Space"));
	ck_assert_int_eq(k, -7);
}
END_TEST

START_TEST(names_print_back)
{
	static const char *const names[] = { "a", "C-l", "F2", "Left", "S-Tab", "PgDn", "Enter",
		                              "Space", "Esc", "Del", "?", "\\", "S-Right", "Backspace" };
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
		int k;
		char buf[32];
		ck_assert_int_eq(keys_parse(names[i], &k, NULL, 0), 0);
		ck_assert_str_eq(keys_name(k, buf, sizeof buf), names[i]);
	}
	char buf[32];
	ck_assert_str_eq(keys_name('\n', buf, sizeof buf), "Enter");
	ck_assert_str_eq(keys_name(KEY_ENTER, buf, sizeof buf), "Enter");
	ck_assert_str_eq(keys_name(127, buf, sizeof buf), "Backspace");
}
END_TEST

START_TEST(defaults_look_up_per_screen)
{
	struct keys_map *m = keys_map_new();
	ck_assert_ptr_nonnull(m);
	ck_assert_int_eq(keys_lookup(m, KEYS_SCREEN_STEER, KEY_RIGHT), ACTION_SLIDER_INC);
	ck_assert_int_eq(keys_lookup(m, KEYS_SCREEN_FRONT, KEY_RIGHT), ACTION_POINT_RIGHT);
	ck_assert_int_eq(keys_lookup(m, KEYS_SCREEN_RUNS, KEY_DOWN), ACTION_LIST_DOWN);
	ck_assert_int_eq(keys_lookup(m, KEYS_SCREEN_STEER, KEY_DOWN), ACTION_SLIDER_NEXT);
	/* Global keys work everywhere but in a question. */
	for (int s = 0; s < KEYS_SCREEN_CONFIRM; s++)
		ck_assert_int_eq(keys_lookup(m, (enum keys_screen)s, 12), ACTION_REDRAW);
	ck_assert_int_eq(keys_lookup(m, KEYS_SCREEN_CONFIRM, 12), ACTION_NONE);
	/* A screen's own key wins over the global one. */
	ck_assert_int_eq(keys_lookup(m, KEYS_SCREEN_STEER, 'q'), ACTION_QUIT);
	ck_assert_int_eq(keys_lookup(m, KEYS_SCREEN_HELP, 'q'), ACTION_HELP_CLOSE);
	ck_assert_int_eq(keys_lookup(m, KEYS_SCREEN_CONFIRM, 'y'), ACTION_CONFIRM_YES);
	ck_assert_int_eq(keys_lookup(m, KEYS_SCREEN_STEER, 'n'), ACTION_SEED_CHANGE);
	ck_assert_int_eq(keys_lookup(m, KEYS_SCREEN_CONFIRM, 'n'), ACTION_CONFIRM_NO);
	/* Enter arrives as '\r', '\n' or KEY_ENTER depending on the terminal. */
	ck_assert_int_eq(keys_lookup(m, KEYS_SCREEN_RUNS, '\n'), ACTION_RUN_LOAD);
	ck_assert_int_eq(keys_lookup(m, KEYS_SCREEN_RUNS, KEY_ENTER), ACTION_RUN_LOAD);
	ck_assert_int_eq(keys_lookup(m, KEYS_SCREEN_RUNS, '\r'), ACTION_RUN_LOAD);
	ck_assert_int_eq(keys_lookup(m, KEYS_SCREEN_RUNS, 'Z'), ACTION_NONE);
	keys_map_free(m);
}
END_TEST

/* Issue 18, bug 3: k moves up in every list; no screen gives it another meaning. */
START_TEST(list_keys_move_in_every_list)
{
	struct keys_map *m = keys_map_new();
	const enum keys_screen lists[] = { KEYS_SCREEN_RUNS, KEYS_SCREEN_JOBS, KEYS_SCREEN_HELP };
	for (size_t i = 0; i < sizeof lists / sizeof lists[0]; i++) {
		ck_assert_int_eq(keys_lookup(m, lists[i], 'k'), ACTION_LIST_UP);
		ck_assert_int_eq(keys_lookup(m, lists[i], 'j'), ACTION_LIST_DOWN);
		ck_assert_int_eq(keys_lookup(m, lists[i], KEY_UP), ACTION_LIST_UP);
	}
	/* Cancel has its own key. */
	char keys[64];
	keys_of(m, ACTION_JOB_CANCEL, keys, sizeof keys);
	ck_assert_msg(*keys && !strstr(keys, "k,") && strcmp(keys, "k") != 0, "cancel keys: %s", keys);
	keys_map_free(m);
}
END_TEST

START_TEST(overrides_replace_and_add)
{
	struct keys_map *m = keys_map_new();
	char buf[128];
	ck_assert_str_eq(keys_of(m, ACTION_SLIDER_NEXT, buf, sizeof buf), "Down, j, Tab");
	/* Rebinding 'r' in Steer takes it from regenerate. */
	ck_assert_int_eq(keys_bind(m, 'r', ACTION_SAMPLE_SAVE), 0);
	ck_assert_int_eq(keys_lookup(m, KEYS_SCREEN_STEER, 'r'), ACTION_SAMPLE_SAVE);
	ck_assert_str_eq(keys_of(m, ACTION_REGENERATE, buf, sizeof buf), "");
	ck_assert_str_eq(keys_of(m, ACTION_SAMPLE_SAVE, buf, sizeof buf), "s, r");
	/* ... but not from the Jobs screen, where 'r' resumes. */
	ck_assert_int_eq(keys_lookup(m, KEYS_SCREEN_JOBS, 'r'), ACTION_JOB_RESUME);
	ck_assert_int_eq(keys_bind(m, KEY_F(5), ACTION_REGENERATE), 0);
	ck_assert_str_eq(keys_of(m, ACTION_REGENERATE, buf, sizeof buf), "F5");
	keys_unbind(m, ACTION_GROUP_GLOBAL, 'q');
	ck_assert_int_eq(keys_lookup(m, KEYS_SCREEN_STEER, 'q'), ACTION_NONE);
	ck_assert_str_eq(keys_of(m, ACTION_QUIT, buf, sizeof buf), "F10");
	ck_assert_int_eq(keys_bind(m, 'x', ACTION_NONE), -1);
	keys_map_free(m);
}
END_TEST

START_TEST(completion_lists_matching_names)
{
	int state = 0, n = 0;
	const char *s;
	while ((s = keys_complete("slider-", &state)) != NULL) {
		ck_assert(strncmp(s, "slider-", 7) == 0);
		n++;
	}
	ck_assert_int_eq(n, 7);
	state = 0;
	n = 0;
	while (keys_complete("", &state))
		n++;
	ck_assert_int_eq(n, ACTION_COUNT - 1);
	state = 0;
	ck_assert_ptr_null(keys_complete("zz", &state));
}
END_TEST

struct help_count {
	int groups, actions, steer_seen_after_global;
	enum action_group last;
};

static void help_line(void *p, enum action a, const char *keys, const char *text)
{
	struct help_count *c = p;
	ck_assert_ptr_nonnull(text);
	if (a == ACTION_NONE) {
		ck_assert_ptr_null(keys);
		c->groups++;
		return;
	}
	ck_assert_ptr_nonnull(keys);
	ck_assert_str_eq(text, keys_action_help(a));
	ck_assert_int_ge(keys_action_group(a), c->last);
	c->last = keys_action_group(a);
	c->actions++;
}

START_TEST(help_walks_every_action_by_group)
{
	struct keys_map *m = keys_map_new();
	struct help_count c = { 0, 0, 0, ACTION_GROUP_GLOBAL };
	keys_help(m, help_line, &c);
	ck_assert_int_eq(c.groups, ACTION_GROUP_COUNT);
	ck_assert_int_eq(c.actions, ACTION_COUNT - 1);
	keys_map_free(m);
}
END_TEST

Suite *harness_suite(void)
{
	Suite *s = suite_create("keys");
	harness_add(s, "table", every_default_key_parses, no_default_key_is_taken_twice_in_a_group,
	            names_round_trip, NULL);
	harness_add(s, "names", key_names_parse, bad_key_names_say_why, names_print_back, NULL);
	harness_add(s, "map", defaults_look_up_per_screen, list_keys_move_in_every_list, overrides_replace_and_add,
	            completion_lists_matching_names, help_walks_every_action_by_group, NULL);
	return s;
}
