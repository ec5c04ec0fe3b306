/* src/tui_cmd: the `:` command line of ric-tui: parsing, errors, completion. */
#include "config.h"

#include "tests/harness.h"
#include "src/tui_cmd.h"
#include "ui/ricrc.h"

#include <stdlib.h>
#include <string.h>

static struct tui_cmd c;
static char err[256];

static void parse_ok(const char *line)
{
	err[0] = '\0';
	ck_assert_msg(tui_cmd_parse(line, &c, err, sizeof err) == 0, "%s: %s", line, err);
}

static void parse_fails(const char *line, const char *msg_part)
{
	ck_assert_msg(tui_cmd_parse(line, &c, err, sizeof err) != 0, "%s parsed", line);
	ck_assert_msg(strstr(err, msg_part) != NULL, "%s: '%s' lacks '%s'", line, err, msg_part);
	ck_assert_uint_eq(c.n_words, 0);
}

START_TEST(commands_and_their_arguments)
{
	parse_ok(":load share/demo/policy");
	ck_assert_int_eq(c.kind, TUI_CMD_LOAD);
	ck_assert_str_eq(c.path, "share/demo/policy");
	tui_cmd_free(&c);

	parse_ok("load 'my models/ric 1'"); /* the ':' is optional, quotes keep blanks */
	ck_assert_str_eq(c.path, "my models/ric 1");
	ck_assert_int_eq(c.side, 0);
	tui_cmd_free(&c);

	parse_ok(":load b runs/lora-b"); /* compare mode's side B */
	ck_assert_str_eq(c.path, "runs/lora-b");
	ck_assert_int_eq(c.side, 1);
	tui_cmd_free(&c);

	parse_ok(":pref 0.3 0.7");
	ck_assert_int_eq(c.kind, TUI_CMD_PREF);
	ck_assert_uint_eq(c.n_pref, 2);
	ck_assert_double_eq(c.pref[0], 0.3);
	ck_assert_double_eq(c.pref[1], 0.7);
	ck_assert_int_eq(c.side, 0);
	tui_cmd_free(&c);

	parse_ok(":pref b 0.2,0.5, 0.3");
	ck_assert_int_eq(c.side, 1);
	ck_assert_uint_eq(c.n_pref, 3);
	ck_assert_double_eq(c.pref[2], 0.3);
	tui_cmd_free(&c);

	parse_ok(":lock 2");
	ck_assert_int_eq(c.kind, TUI_CMD_LOCK);
	ck_assert_int_eq(c.index, 1);
	tui_cmd_free(&c);

	parse_ok(":prompt   Tell me a 'story'  ");
	ck_assert_int_eq(c.kind, TUI_CMD_PROMPT);
	ck_assert_str_eq(c.text, "Tell me a 'story'");
	tui_cmd_free(&c);

	parse_ok(":job eval --model \"runs/sft 1\" --dataset toy");
	ck_assert_int_eq(c.kind, TUI_CMD_JOB);
	ck_assert_uint_eq(c.n_words, 6);
	ck_assert_str_eq(c.words[1], "eval");
	ck_assert_str_eq(c.words[3], "runs/sft 1");
	tui_cmd_free(&c);

	parse_ok(":cancel 12");
	ck_assert_int_eq(c.kind, TUI_CMD_CANCEL);
	ck_assert_int_eq(c.id, 12);
	tui_cmd_free(&c);
	parse_ok(":resume #3");
	ck_assert_int_eq(c.kind, TUI_CMD_RESUME);
	ck_assert_int_eq(c.id, 3);
	tui_cmd_free(&c);

	parse_ok(":export out.jsonl");
	ck_assert_int_eq(c.kind, TUI_CMD_EXPORT);
	tui_cmd_free(&c);
	parse_ok(":save");
	ck_assert_int_eq(c.kind, TUI_CMD_SAVE);
	tui_cmd_free(&c);
	parse_ok(":front eval-7 baseline");
	ck_assert_int_eq(c.kind, TUI_CMD_FRONT);
	ck_assert_uint_eq(c.n_words, 3);
	tui_cmd_free(&c);
	parse_ok(":filter");
	ck_assert_int_eq(c.kind, TUI_CMD_FILTER);
	ck_assert_str_eq(c.text, "");
	tui_cmd_free(&c);
	parse_ok(":axes length brevity");
	ck_assert_int_eq(c.kind, TUI_CMD_AXES);
	tui_cmd_free(&c);
	parse_ok(":q");
	ck_assert_int_eq(c.kind, TUI_CMD_QUIT);
	tui_cmd_free(&c);
	parse_ok(":quit");
	ck_assert_int_eq(c.kind, TUI_CMD_QUIT);
	tui_cmd_free(&c);
}
END_TEST

START_TEST(settings_are_checked)
{
	parse_ok(":set temperature 0.8");
	ck_assert_int_eq(c.setting, TUI_SET_TEMPERATURE);
	ck_assert_double_eq(c.number, 0.8);
	tui_cmd_free(&c);
	parse_ok(":set top-p 0.95");
	ck_assert_int_eq(c.setting, TUI_SET_TOP_P);
	tui_cmd_free(&c);
	parse_ok(":set samples 6");
	ck_assert_int_eq(c.setting, TUI_SET_SAMPLES);
	ck_assert_double_eq(c.number, 6);
	tui_cmd_free(&c);
	parse_ok(":set max-tokens 32");
	tui_cmd_free(&c);
	parse_ok(":set seed 42");
	ck_assert_double_eq(c.number, 42);
	tui_cmd_free(&c);
	parse_ok(":set mapping l2");
	ck_assert_int_eq(c.setting, TUI_SET_MAPPING);
	ck_assert_str_eq(c.text, "l2");
	tui_cmd_free(&c);
	parse_ok(":set mouse off");
	ck_assert_int_eq(c.setting, TUI_SET_MOUSE);
	ck_assert_double_eq(c.number, 0);
	tui_cmd_free(&c);

	/* every setting ricrc knows is one :set takes, by the same name */
#define SETTING_PARSES(name, help)                                                     \
	ck_assert_int_ne(tui_cmd_parse(":set " name " ?", &c, err, sizeof err), 0);    \
	ck_assert_msg(strstr(err, "no setting") == NULL, "%s: %s", name, err);
	RICRC_SETTINGS(SETTING_PARSES)
#undef SETTING_PARSES
	parse_ok(":set top_p 0.5");
	ck_assert_int_eq(c.setting, TUI_SET_TOP_P);
	tui_cmd_free(&c);
	parse_fails(":set temperature hot", "temperature wants a number in 0..100, not 'hot'");
	parse_fails(":set top-p 1.5", "top-p wants a number in 0..1");
	parse_fails(":set samples 2.5", "whole number");
	parse_fails(":set samples 17", "1..16");
	parse_fails(":set mapping l3", "choose linf, l2 or linear");
	parse_fails(":set mouse maybe", "on or off");
	parse_fails(":set colour red", "no setting 'colour'");
	parse_fails(":set temperature", "usage: :set NAME VALUE");
}
END_TEST

START_TEST(errors_are_one_clear_line)
{
	parse_fails("", "type a command");
	parse_fails(":   ", "type a command");
	parse_fails(":frobnicate", "unknown command 'frobnicate'");
	parse_fails(":load", "usage: :load [b] PATH");
	parse_fails(":load a b", "usage: :load [b] PATH");
	parse_fails(":load b c d", "usage: :load [b] PATH");
	parse_fails(":pref", "usage");
	parse_fails(":pref 0.3 x", "'x' is not a weight");
	parse_fails(":pref -1 2", "not a weight");
	parse_fails(":lock 0", "objective number");
	parse_fails(":job train", "'train' is not a stage");
	parse_fails(":cancel abc", "'abc' is not a job id");
	parse_fails(":load 'open", "unfinished ' quote");
	parse_fails(":prompt", "usage: :prompt TEXT");
	parse_fails(":save now", "usage: :save");
	parse_fails(":screen-front now", "takes no arguments");
	for (const char *p = err; *p; p++)
		ck_assert_int_ne(*p, '\n');
}
END_TEST

START_TEST(actions_are_commands)
{
	parse_ok(":screen-front");
	ck_assert_int_eq(c.kind, TUI_CMD_ACTION);
	ck_assert_int_eq(c.action, ACTION_SCREEN_FRONT);
	tui_cmd_free(&c);
	parse_ok("compare-toggle");
	ck_assert_int_eq(c.action, ACTION_COMPARE_TOGGLE);
	tui_cmd_free(&c);
}
END_TEST

START_TEST(split_like_a_shell)
{
	char *w[8];
	size_t n;
	ck_assert_int_eq(tui_cmd_split("a 'b c' \"d \\\"e\\\"\" f\\ g", w, 8, &n, err, sizeof err), 0);
	ck_assert_uint_eq(n, 4);
	ck_assert_str_eq(w[0], "a");
	ck_assert_str_eq(w[1], "b c");
	ck_assert_str_eq(w[2], "d \"e\"");
	ck_assert_str_eq(w[3], "f g");
	for (size_t i = 0; i < n; i++)
		free(w[i]);
	ck_assert_int_eq(tui_cmd_split("a b c", w, 2, &n, err, sizeof err), -1);
	ck_assert_ptr_nonnull(strstr(err, "more than 2 words"));
}
END_TEST

static int has_candidate(enum tui_complete k, const char *prefix, const char *want)
{
	int state = 0, found = 0;
	const char *s;
	while ((s = tui_cmd_complete_word(k, prefix, &state)))
		found |= strcmp(s, want) == 0;
	return found;
}

static int count_candidates(enum tui_complete k, const char *prefix)
{
	int state = 0, n = 0;
	while (tui_cmd_complete_word(k, prefix, &state))
		n++;
	return n;
}

START_TEST(completion)
{
	ck_assert_int_eq(tui_cmd_complete_kind("", 0), TUI_COMPLETE_COMMAND);
	ck_assert_int_eq(tui_cmd_complete_kind("lo", 0), TUI_COMPLETE_COMMAND);
	ck_assert_int_eq(tui_cmd_complete_kind(":load sh", 6), TUI_COMPLETE_PATH);
	ck_assert_int_eq(tui_cmd_complete_kind("export ", 7), TUI_COMPLETE_PATH);
	ck_assert_int_eq(tui_cmd_complete_kind("front eval-1 ev", 13), TUI_COMPLETE_RUN);
	ck_assert_int_eq(tui_cmd_complete_kind("set te", 4), TUI_COMPLETE_SETTING);
	ck_assert_int_eq(tui_cmd_complete_kind("set mapping l", 12), TUI_COMPLETE_MAPPING);
	ck_assert_int_eq(tui_cmd_complete_kind("set mouse o", 10), TUI_COMPLETE_ONOFF);
	ck_assert_int_eq(tui_cmd_complete_kind("set seed 4", 9), TUI_COMPLETE_NONE);
	ck_assert_int_eq(tui_cmd_complete_kind("job e", 4), TUI_COMPLETE_STAGE);
	ck_assert_int_eq(tui_cmd_complete_kind("job eval --model ru", 17), TUI_COMPLETE_PATH);
	ck_assert_int_eq(tui_cmd_complete_kind("pref 0.3 ", 9), TUI_COMPLETE_NONE);

	ck_assert(has_candidate(TUI_COMPLETE_COMMAND, "sa", "save"));
	ck_assert(has_candidate(TUI_COMPLETE_COMMAND, "s", "set"));
	ck_assert(has_candidate(TUI_COMPLETE_COMMAND, "s", "sample-save")); /* actions too */
	ck_assert(has_candidate(TUI_COMPLETE_COMMAND, "screen-", "screen-jobs"));
	ck_assert(!has_candidate(TUI_COMPLETE_COMMAND, "", "q"));
	ck_assert_int_eq(count_candidates(TUI_COMPLETE_COMMAND, "lo"), 2); /* load, lock */
	ck_assert_int_eq(count_candidates(TUI_COMPLETE_COMMAND, "zz"), 0);
	ck_assert(has_candidate(TUI_COMPLETE_SETTING, "m", "max-tokens"));
	ck_assert_int_eq(count_candidates(TUI_COMPLETE_SETTING, "m"), 3);
	ck_assert_int_eq(count_candidates(TUI_COMPLETE_STAGE, ""), 6);
	ck_assert(has_candidate(TUI_COMPLETE_MAPPING, "l", "linear"));
	ck_assert_int_eq(count_candidates(TUI_COMPLETE_ONOFF, "o"), 2);
	ck_assert_int_eq(count_candidates(TUI_COMPLETE_PATH, ""), 0);
}
END_TEST

Suite *harness_suite(void)
{
	Suite *s = suite_create("tui_cmd");
	harness_add(s, "parse", commands_and_their_arguments, settings_are_checked,
	            errors_are_one_clear_line, actions_are_commands, split_like_a_shell, NULL);
	harness_add(s, "complete", completion, NULL);
	return s;
}
