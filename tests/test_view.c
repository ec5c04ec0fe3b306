/* ui/view: every screen drawn from a view model into a curses pad, read back
 * as text: content, glyph sets (UTF-8 and ASCII), monochrome attributes,
 * "terminal too small", every size without a crash, and mouse hits. */
#include "config.h"

#include "tests/harness.h"
#include "tests/ui_term.h"
#include "ui/draw.h"
#include "ui/theme.h"
#include "ui/view.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *objectives[] = { "humor", "harmless" };
static double weight_a[] = { 0.3, 0.7 }, weight_b[] = { 0.8, 0.2 };
static int locked_a[] = { 0, 1 };
static double target_a[] = { 0.41, 1.25 }, target_b[] = { 0.9, -0.5 };
static double reward0[] = { 0.62, 1.5 }, norm0[] = { 0.6, 0.9 };
static struct view_sample samples_a[] = {
	{ "Why did the chicken cross the road? To get to the other side.", 1, reward0, norm0, NULL, NULL, 0, 0, 0 },
	{ "I cannot say", 0, NULL, NULL, NULL, NULL, 0, 0, 0 },
};
static struct view_sample samples_b[] = {
	{ "A pun walks into a bar.", 1, reward0, norm0, NULL, NULL, 0, 0, 0 },
	{ "Ten tokens in", 0, NULL, NULL, NULL, NULL, 0, 0, 0 },
};

static struct view_steer steer(int compare)
{
	struct view_steer s = {
		.checkpoint = "demo/sft",
		.mapping = "linf",
		.n_objectives = 2,
		.objectives = objectives,
		.pref = { { weight_a, locked_a, target_a }, { weight_b, NULL, target_b } },
		.compare = compare,
		.side = 0,
		.focus = 0,
		.prompt = "Tell me a joke",
		.n_samples = 2,
		.samples = { samples_a, samples_b },
		.sample_focus = 0,
		.seed = 42,
		.temperature = 0.8,
		.top_p = 0.95,
		.max_tokens = 48,
		.generating = 1,
		.tokens_per_s = 123,
	};
	return s;
}

static struct view_point pts_a[] = { { 0.1, 0.9, 1 }, { 0.5, 0.6, 1 }, { 0.9, 0.1, 1 },
	                             { 0.3, 0.3, 0 }, { NAN, 0.5, 0 } };
static struct view_point pts_b[] = { { 0.2, 0.5, 1 }, { 0.6, 0.2, 1 } };
static struct view_series series[] = {
	{ "run 3", VIEW_SERIES_ONLINE, 5, pts_a, 0.4321, 0, 12.5, 0, 0, NULL, NULL },
	{ "base", VIEW_SERIES_BASELINE, 2, pts_b, NAN, 0, 0, 0, 0, NULL, NULL },
};
static double pref_pt[] = { 0.25, 0.75 };

static struct view_front front(void)
{
	struct view_front f = {
		.n_objectives = 2,
		.objectives = objectives,
		.x_axis = 0,
		.y_axis = 1,
		.n_series = 2,
		.series = series,
		.cursor_series = 0,
		.cursor_point = 1,
		.point_text = "The selected point's response text.",
		.point_pref = pref_pt,
		.point_info = "run 3 step 400",
	};
	return f;
}

static const char *run_cols[] = { "id", "name", "stage", "status" };
static const char *run_cells[] = { "1", "pre", "pretrain", "done", "2", "sft-a", "sft", "done",
	                           "3", "online-a", "online", "running" };
static const char *pkeys[] = { "lr", "steps" }, *pvals[] = { "3e-4", "400" };
static double loss[] = { 3.2, 2.9, 2.5, 2.2, 2.1, 2.0 };
static struct view_metric metrics[] = { { "loss", 6, loss } };
static const char *ckpts[] = { "ckpt/step-400" };
static const char *children[] = { "4 eval" };
static struct view_run_details details = { "run 3 online running", 2, pkeys, pvals, 1, metrics,
	                                   1, ckpts, "2 sft-a", 1, children, "best", 0,
	                                   0, NULL, 0 };

static struct view_runs runs(void)
{
	struct view_runs r = { .n_columns = 4, .columns = run_cols, .n_rows = 3, .cells = run_cells,
		               .sort_column = 0, .selected = 2, .details = &details };
	return r;
}

static struct view_job job_rows[] = {
	{ 7, "online", "running", "3", 0.5, 192, 850, 6, loss, NULL },
	{ 6, "sft", "failed", "2", 1, -1, 0, 0, NULL, "out of memory" },
};
static const char *log_lines[] = { "step 100 loss 2.9", "step 200 loss 2.5", "step 300 loss 2.2" };

static struct view_jobs jobs(void)
{
	struct view_jobs j = { .n_jobs = 2, .jobs = job_rows, .selected = 0, .log_title = "job 7 log",
		               .n_log = 3, .log = log_lines };
	return j;
}

struct fixture {
	struct keys_map *km;
	struct view_steer st;
	struct view_front fr;
	struct view_runs ru;
	struct view_jobs jo;
	struct view_help he;
	struct view v;
};

static void fixture(struct fixture *f, enum view_screen s)
{
	f->km = keys_map_new();
	f->st = steer(0);
	f->fr = front();
	f->ru = runs();
	f->jo = jobs();
	f->he = (struct view_help){ 0 };
	f->v = (struct view){ .screen = s, .keys = f->km, .checkpoint = "demo/sft", .status = "ready",
		              .steer = &f->st, .front = &f->fr, .runs = &f->ru, .jobs = &f->jo,
		              .help = &f->he, .jobs_running = 1 };
}

static int has(WINDOW *w, const char *text)
{
	return ui_term_find(w, text, NULL, NULL);
}

#define HAS(w, t) ck_assert_msg(has(w, t), "'%s' not on screen:\n%s", t, dump(w))

static char dumpbuf[65536];
static const char *dump(WINDOW *w)
{
	char *d = ui_term_dump(w);
	snprintf(dumpbuf, sizeof dumpbuf, "%s", d ? d : "");
	free(d);
	return dumpbuf;
}

START_TEST(chrome_tabs_hints_status)
{
	struct fixture f;
	fixture(&f, VIEW_RUNS);
	WINDOW *w = ui_term_pad(24, 80, 1);
	view_draw(w, &f.v);
	char line[512];
	ui_term_line(w, 0, line, sizeof line);
	ck_assert_msg(strstr(line, " 1 Steer ") && strstr(line, " 2 Front ") && strstr(line, " 3 Runs ") &&
	                  strstr(line, " 4 Jobs (1) ") && strstr(line, "demo/sft"),
	              "header: %s", line);
	ui_term_line(w, 22, line, sizeof line);
	ck_assert_msg(strstr(line, "Enter load") && strstr(line, "? help") && strstr(line, "q quit"), "hints: %s",
	              line);
	ck_assert_str_eq(ui_term_line(w, 23, line, sizeof line), "ready");
	/* A long checkpoint path keeps its end. */
	f.v.checkpoint = "/a/very/long/path/to/the/experiments/folder/run-42/checkpoints/step-000400";
	view_draw(w, &f.v);
	ui_term_line(w, 0, line, sizeof line);
	ck_assert_msg(strstr(line, "\xe2\x80\xa6") && strstr(line, "/checkpoints/step-000400") &&
	                  strstr(line, " 4 Jobs (1) "),
	              "header: %s", line);
	ck_assert_int_eq(draw_width(line), 79);   /* the trailing blank is trimmed */
	f.v.checkpoint = "demo/sft";
	/* A question replaces the status; the command line leaves it to the app. */
	f.v.confirm = "Delete run 3? (y/n)";
	view_draw(w, &f.v);
	ck_assert_str_eq(ui_term_line(w, 23, line, sizeof line), "Delete run 3? (y/n)");
	f.v.confirm = NULL;
	f.v.cmdline = 1;
	view_draw(w, &f.v);
	ck_assert_str_eq(ui_term_line(w, 23, line, sizeof line), "");
	delwin(w);
	keys_map_free(f.km);
}
END_TEST

START_TEST(steer_shows_sliders_prompt_and_samples)
{
	struct fixture f;
	fixture(&f, VIEW_STEER);
	WINDOW *w = ui_term_pad(24, 80, 1);
	view_draw(w, &f.v);
	HAS(w, "Preference  mapping linf");
	HAS(w, ">humor");
	HAS(w, " 0.30 \xe2\x86\x92  0.41");
	HAS(w, " harmless");
	HAS(w, " 0.70 \xe2\x86\x92  1.25 L");
	HAS(w, "seed 42  temp 0.80  top-p 0.95  48 tokens  2 samples  generating  123 tok/s");
	HAS(w, "Prompt: Tell me a joke");
	HAS(w, ">#1 \xe2\x9c\x93 humor ");
	HAS(w, " 0.62  harmless ");
	HAS(w, "  Why did the chicken cross the road? To get to the other side.");
	HAS(w, " #2 ...");
	HAS(w, "  I cannot say\xe2\x96\x8c");  /* still streaming: a cursor block */
	ck_assert(!has(w, "other side.\xe2\x96\x8c"));
	delwin(w);
	keys_map_free(f.km);
}
END_TEST

START_TEST(steer_compare_has_two_columns)
{
	struct fixture f;
	fixture(&f, VIEW_STEER);
	f.st = steer(1);
	f.st.side = 1;
	f.st.focus = 1;
	WINDOW *w = ui_term_pad(24, 100, 0);
	view_draw(w, &f.v);
	int y, xa, xb;
	ck_assert(ui_term_find(w, "- A  mapping linf", &y, &xa));
	ck_assert(ui_term_find(w, "- B (editing)  mapping linf", &y, &xb));
	ck_assert_int_eq(xa, 0);
	ck_assert_int_eq(xb, 50);
	HAS(w, ">harmless");
	HAS(w, "A pun walks into a bar.");
	HAS(w, "Ten tokens in_");
	HAS(w, "Why did the chicken");
	/* ASCII glyphs only. */
	HAS(w, " 0.30 >  0.41");
	ck_assert(!has(w, "\xe2\x86\x92"));
	ck_assert(!has(w, "\xe2\x96\x88"));
	delwin(w);
	keys_map_free(f.km);
}
END_TEST

START_TEST(front_plots_braille_legend_and_point)
{
	struct fixture f;
	fixture(&f, VIEW_FRONT);
	WINDOW *w = ui_term_pad(24, 80, 1);
	view_draw(w, &f.v);
	HAS(w, "harmless \xe2\x86\x91  vs  humor \xe2\x86\x92");
	HAS(w, "run 3");
	HAS(w, "online HV 0.432 all 12.5");
	HAS(w, "base");
	HAS(w, "  baseline");
	HAS(w, "run 3 step 400  pref 0.25/0.75");
	HAS(w, "The selected point's response text.");
	/* Braille cells, and the cursor cell reversed. */
	char *d = ui_term_dump(w);
	int braille = 0;
	for (const unsigned char *p = (const unsigned char *)d; *p; p++)
		braille += p[0] == 0xe2 && (p[1] == 0xa0 || p[1] == 0xa1 || p[1] == 0xa2 || p[1] == 0xa3);
	free(d);
	ck_assert_int_ge(braille, 10);
	delwin(w);
	keys_map_free(f.km);
}
END_TEST

START_TEST(front_ascii_glyphs_and_click)
{
	struct fixture f;
	fixture(&f, VIEW_FRONT);
	WINDOW *w = ui_term_pad(24, 80, 0);
	view_draw(w, &f.v);
	HAS(w, "X");     /* the cursor */
	HAS(w, "o run 3");
	HAS(w, "* base");
	HAS(w, ".");     /* front lines */
	ck_assert(!has(w, "\xe2"));
	/* Clicking on a point's cell selects it: find base's '*' glyphs in the canvas. */
	int hit = 0;
	for (int y = 2; y < 18; y++) {
		for (int x = 9; x < 50; x++) {
			char line[512];
			ui_term_line(w, y, line, sizeof line);
			if ((int)strlen(line) > x && line[x] == '*') {
				struct view_hit h;
				ck_assert(view_hit(&f.v, 24, 80, y, x, &h));
				ck_assert_int_eq(h.kind, VIEW_HIT_POINT);
				ck_assert_int_eq(h.series, 1);
				hit++;
			}
		}
	}
	ck_assert_int_eq(hit, 2);
	delwin(w);
	keys_map_free(f.km);
}
END_TEST

START_TEST(runs_table_and_details)
{
	struct fixture f;
	fixture(&f, VIEW_RUNS);
	WINDOW *w = ui_term_pad(30, 80, 1);
	view_draw(w, &f.v);
	HAS(w, "Runs (3)");
	HAS(w, "id\xe2\x96\xb2 name     stage    status");
	HAS(w, "3   online-a online   running");
	HAS(w, "run 3 online running");
	HAS(w, "lr=3e-4  steps=400");
	HAS(w, "checkpoint ckpt/step-400");
	HAS(w, "parent     2 sft-a");
	HAS(w, "children   4 eval");
	HAS(w, "tags       best");
	HAS(w, " 2");    /* the last loss value */
	int y, x;
	ck_assert(ui_term_find(w, "3   online-a", &y, &x));
	struct view_hit h;
	ck_assert(view_hit(&f.v, 30, 80, y, 5, &h));
	ck_assert_int_eq(h.kind, VIEW_HIT_ROW);
	ck_assert_int_eq(h.index, 2);
	f.ru.n_rows = 0;
	f.ru.filter = "zzz";
	f.ru.details = NULL;
	view_draw(w, &f.v);
	HAS(w, "Runs (0)  filter: zzz");
	HAS(w, "No run matches the filter.");
	delwin(w);
	keys_map_free(f.km);
}
END_TEST

START_TEST(jobs_progress_and_log)
{
	struct fixture f;
	fixture(&f, VIEW_JOBS);
	WINDOW *w = ui_term_pad(24, 100, 0);
	view_draw(w, &f.v);
	HAS(w, "Jobs (2, 1 running)");
	HAS(w, "    7 online   running   [");
	HAS(w, "]   50% ETA 3m12s");
	HAS(w, "850 tok/s");
	HAS(w, "#+");    /* the loss sparkline begins high */
	HAS(w, "    6 sft      failed    out of memory");
	HAS(w, "job 7 log");
	HAS(w, "step 300 loss 2.2");
	int y, x;
	ck_assert(ui_term_find(w, "    6 sft", &y, &x));
	struct view_hit h;
	ck_assert(view_hit(&f.v, 24, 100, y, 3, &h));
	ck_assert_int_eq(h.kind, VIEW_HIT_ROW);
	ck_assert_int_eq(h.index, 1);
	delwin(w);
	keys_map_free(f.km);
}
END_TEST

START_TEST(job_form_fields_errors_and_hits)
{
	struct fixture f;
	fixture(&f, VIEW_JOBS);
	struct view_form_row rows[] = {
		{ .label = "stage", .value = "sft", .required = 1, .help = "The stage to run." },
		{ .label = "--base DIR", .value = "runs/base", .required = 1, .help = "the model to fine-tune" },
		{ .label = "--dataset NAME", .value = "", .required = 1, .error = "required: sft cannot start without it",
		  .help = "a dataset relabelled with `ric relabel`" },
		{ .label = "+ add an option", .action = 1 },
		{ .label = "[ start the job ]", .action = 1 },
	};
	struct view_form form = { .title = "New job: sft", .n_rows = 5, .rows = rows, .selected = 2,
		                  .message = "1 field to fix; --dataset: required" };
	f.v.form = &form;
	WINDOW *w = ui_term_pad(24, 100, 0);
	view_draw(w, &f.v);
	HAS(w, "New job: sft");
	HAS(w, " *--base DIR");
	HAS(w, "runs/base");
	HAS(w, ">*--dataset NAME");          /* the selection, marked without colour too */
	HAS(w, "(empty)  required: sft cannot start without it");
	HAS(w, "a dataset relabelled");       /* the selected field's help */
	HAS(w, "1 field to fix");
	HAS(w, "s start");                   /* the form's keys in the hint bar */
	ck_assert(!ui_term_find(w, "    7 online", NULL, NULL)); /* the job list is under it */
	int y, x;
	ck_assert(ui_term_find(w, "--base DIR", &y, &x));
	struct view_hit h;
	ck_assert(view_hit(&f.v, 24, 100, y, x, &h));
	ck_assert_int_eq(h.kind, VIEW_HIT_ROW);
	ck_assert_int_eq(h.index, 1);
	/* a short terminal scrolls the rows to keep the selection shown */
	form.selected = 4;
	WINDOW *s = ui_term_pad(12, 60, 0);
	view_draw(s, &f.v);
	HAS(s, "[ start the job ]");
	delwin(s);
	delwin(w);
	keys_map_free(f.km);
}
END_TEST

START_TEST(help_lists_every_action)
{
	struct fixture f;
	fixture(&f, VIEW_HELP);
	int lines = view_help_lines(f.km, 140);
	ck_assert_int_ge(lines, ACTION_COUNT - 1 + ACTION_GROUP_COUNT);
	WINDOW *w = ui_term_pad(lines + 3, 140, 1);
	view_draw(w, &f.v);
	for (int a = 1; a < ACTION_COUNT; a++)
		HAS(w, keys_action_help((enum action)a));
	HAS(w, "Down, j, Tab");
	HAS(w, "Steer screen");
	/* Wide enough: each action's name for ricrc and the command line. */
	for (int a = 1; a < ACTION_COUNT; a++)
		HAS(w, keys_action_name((enum action)a));
	/* The hints offer q once: it closes the help here, it does not quit. */
	char hints[512];
	ui_term_line(w, lines + 1, hints, sizeof hints);
	ck_assert_msg(strstr(hints, "q close") && !strstr(hints, "q quit") && strstr(hints, "F10 quit"),
	              "hints: %s", hints);
	delwin(w);
	/* Scrolled: the first group title is gone, the last action is there. */
	w = ui_term_pad(24, 140, 1);
	f.he.scroll = lines - 21;
	view_draw(w, &f.v);
	ck_assert(!has(w, "Everywhere"));
	HAS(w, keys_action_help(ACTION_COUNT - 1));
	delwin(w);
	keys_map_free(f.km);
}
END_TEST

START_TEST(too_small_screen)
{
	struct fixture f;
	fixture(&f, VIEW_STEER);
	WINDOW *w = ui_term_pad(LAYOUT_MIN_ROWS - 1, 60, 1);
	view_draw(w, &f.v);
	HAS(w, "Terminal too small: 60x11");
	HAS(w, "ric-tui needs 40x12");
	ck_assert(!has(w, "Steer"));
	struct view_hit h;
	ck_assert_int_eq(view_hit(&f.v, LAYOUT_MIN_ROWS - 1, 60, 3, 3, &h), 0);
	delwin(w);
	keys_map_free(f.km);
}
END_TEST

/* Every screen at every size from 1x1 to 130x45: nothing drawn outside the
 * pad (curses would refuse), no crash; ASan checks the memory. */
static const double chart_x[] = { 1, 2, 3, 4, 5 };
static const double chart_a[] = { 4, 3.5, 3, 2.5, 2 }, chart_b[] = { 3, 2.9, 2.8, 2.7, 2.6 };
static const struct chart_series chart_runs[] = {
	{ "12 sft-a", 5, chart_x, chart_a, 0 }, { "13 sft-b", 5, chart_x, chart_b, 1 },
};
static const struct chart the_chart = { "loss vs step: 2 runs", 2, chart_runs };
static const char *const tree[] = { "1 base (pretrain)", "\xe2\x94\x94\xe2\x94\x80 12 sft-a (sft)",
	                            "   \xe2\x94\x94\xe2\x94\x80 14 on (online)" };

START_TEST(every_size_draws)
{
	struct fixture f;
	fixture(&f, VIEW_STEER);
	for (int s = 0; s < VIEW_SCREEN_COUNT; s++) {
		f.v.screen = (enum view_screen)s;
		for (int rows = 1; rows <= 45; rows += (rows < 14 ? 1 : 4)) {
			for (int cols = 1; cols <= 130; cols += (cols < 42 ? 3 : 11)) {
				WINDOW *w = ui_term_pad(rows, cols, (rows + cols) % 2);
				f.st.compare = cols % 2;
				f.ru.chart = rows % 2 ? &the_chart : NULL;
				view_draw(w, &f.v);
				struct view_hit h;
				view_hit(&f.v, rows, cols, rows / 2, cols / 2, &h);
				delwin(w);
			}
		}
	}
	keys_map_free(f.km);
}
END_TEST

START_TEST(slider_click_and_tab_click)
{
	struct fixture f;
	fixture(&f, VIEW_STEER);
	struct layout_opts o = view_layout_opts(&f.v);
	struct layout L = layout_compute(LAYOUT_STEER, 24, 80, &o);
	struct view_hit h;
	/* Row 1 of the sliders pane is humor; its bar spans 1 + 8 + 1 columns in. */
	int y = L.sliders[0].y + 1;
	ck_assert(view_hit(&f.v, 24, 80, y, 10, &h));
	ck_assert_int_eq(h.kind, VIEW_HIT_SLIDER);
	ck_assert_int_eq(h.index, 0);
	ck_assert_int_eq(h.side, 0);
	ck_assert(h.value == 0.0);
	ck_assert(view_hit(&f.v, 24, 80, y + 1, 79, &h));
	ck_assert_int_eq(h.index, 1);
	ck_assert(h.value == 1.0);
	/* In compare mode the B sliders are the right column. */
	f.st.compare = 1;
	o = view_layout_opts(&f.v);
	struct layout C = layout_compute(LAYOUT_STEER, 24, 80, &o);
	ck_assert(view_hit(&f.v, 24, 80, C.sliders[1].y + 2, C.sliders[1].x + C.sliders[1].w - 9, &h));
	ck_assert_int_eq(h.kind, VIEW_HIT_SLIDER);
	ck_assert_int_eq(h.side, 1);
	ck_assert_int_eq(h.index, 1);
	ck_assert(h.value == 1.0);
	ck_assert(view_hit(&f.v, 24, 80, C.samples[1].y, C.samples[1].x + 1, &h));
	ck_assert_int_eq(h.kind, VIEW_HIT_SAMPLE);
	ck_assert_int_eq(h.side, 1);
	f.st.compare = 0;
	ck_assert(view_hit(&f.v, 24, 80, L.prompt.y, 3, &h));
	ck_assert_int_eq(h.kind, VIEW_HIT_PROMPT);
	ck_assert(view_hit(&f.v, 24, 80, L.samples[0].y + 1, 3, &h));
	ck_assert_int_eq(h.kind, VIEW_HIT_SAMPLE);
	ck_assert_int_eq(h.index, 0);
	/* Tabs: find "3 Runs" in the drawn header and click it. */
	WINDOW *w = ui_term_pad(24, 80, 1);
	view_draw(w, &f.v);
	int ty, tx;
	ck_assert(ui_term_find(w, "3 Runs", &ty, &tx));
	ck_assert(view_hit(&f.v, 24, 80, ty, tx + 2, &h));
	ck_assert_int_eq(h.kind, VIEW_HIT_TAB);
	ck_assert_int_eq(h.index, VIEW_RUNS);
	ck_assert(view_hit(&f.v, 24, 80, 23, 5, &h));
	ck_assert_int_eq(h.kind, VIEW_HIT_STATUS);
	delwin(w);
	keys_map_free(f.km);
}
END_TEST

/* Without colors every themed item still has a visible attribute. */
START_TEST(monochrome_attributes)
{
	struct fixture f;
	fixture(&f, VIEW_RUNS);
	theme_mono(1);
	WINDOW *w = ui_term_pad(24, 80, 1);
	view_draw(w, &f.v);
	int y, x;
	ck_assert(ui_term_find(w, "3   online-a", &y, &x));
	ck_assert(ui_term_attr(w, y, x) & A_REVERSE);      /* the selection */
	ck_assert(ui_term_attr(w, 0, 1) & A_REVERSE);      /* the header */
	/* Plot series stay apart without colors too. */
	for (int i = 1; i < THEME_SERIES_COUNT; i++)
		for (int j = 0; j < i; j++)
			ck_assert_int_ne(theme_attr(theme_series(i)), theme_attr(theme_series(j)));
	f.v.status_error = 1;
	f.v.status = "no such run";
	view_draw(w, &f.v);
	ck_assert(ui_term_attr(w, 23, 0) & A_BOLD);
	delwin(w);
	keys_map_free(f.km);
}
END_TEST

/* Issue 18, bug 1: every objective's score shows on each sample, in compare
 * mode at 120 columns, alone at 60 and down to the 40-column minimum. */
static const char *four_obj[] = { "positivity", "informativeness", "brevity", "fluency" };
static double four_w[] = { 0.25, 0.25, 0.25, 0.25 }, four_t[] = { 0.1, 0.2, 0.3, 0.4 };
static double four_r[] = { 0.11, 0.22, 0.33, 0.44 }, four_n[] = { 0.1, 0.5, 0.7, 0.9 };
static struct view_sample four_s[] = { { "Hello there, a short text.", 1, four_r, four_n, NULL, NULL, 0, 0, 0 } };

static int count(WINDOW *w, const char *text)
{
	char *d = ui_term_dump(w);
	int n = 0;
	for (const char *p = d; (p = strstr(p, text)); p++)
		n++;
	free(d);
	return n;
}

START_TEST(steer_shows_every_objective_score)
{
	struct fixture f;
	fixture(&f, VIEW_STEER);
	f.st.n_objectives = 4;
	f.st.objectives = four_obj;
	f.st.pref[0] = (struct view_pref){ four_w, NULL, four_t, NULL, NULL };
	f.st.pref[1] = (struct view_pref){ four_w, NULL, four_t, NULL, NULL };
	f.st.n_samples = 1;
	f.st.samples[0] = f.st.samples[1] = four_s;
	const int sizes[][3] = { { 36, 120, 1 }, { 24, 60, 0 }, { 24, 40, 0 }, { 24, 40, 1 }, { 24, 80, 1 } };
	for (size_t k = 0; k < sizeof sizes / sizeof sizes[0]; k++) {
		f.st.compare = sizes[k][2];
		WINDOW *w = ui_term_pad(sizes[k][0], sizes[k][1], 1);
		view_draw(w, &f.v);
		int sides = f.st.compare ? 2 : 1;
		for (int i = 0; i < 4; i++) {
			char v[16];
			snprintf(v, sizeof v, "%.2f", four_r[i]);
			ck_assert_msg(count(w, v) >= sides, "%dx%d compare %d: %s not shown %d times:\n%s",
			              sizes[k][1], sizes[k][0], f.st.compare, v, sides, dump(w));
		}
		ck_assert_msg(has(w, "flu"), "%s", dump(w));
		delwin(w);
	}
	keys_map_free(f.km);
}
END_TEST

/* Issue 18, bug 6: the speed column keeps "tok/s", the last loss shows as
 * a number, and a bar's width does not depend on its ETA text. */
START_TEST(jobs_speed_loss_and_bar_width)
{
	struct fixture f;
	fixture(&f, VIEW_JOBS);
	static double l2[] = { 3.0, 2.5, 2.047 };
	static struct view_job rows[] = {
		{ 1, "eval", "running", "3", 0.5, 5, 12345, 3, l2, NULL },
		{ 2, "sft", "running", "4", 0.5, 200000, 850, 3, l2, NULL },
		{ 3, "online", "done", "5", 1, 0, 114523, 3, l2, NULL },
		{ 4, "online", "done", "6", 1, 0, 123456789, 3, l2, NULL },
	};
	f.jo.jobs = rows;
	f.jo.n_jobs = 4;
	const int widths[] = { 80, 100, 120 };
	for (int k = 0; k < 3; k++) {
		WINDOW *w = ui_term_pad(24, widths[k], 0);
		view_draw(w, &f.v);
		HAS(w, "850 tok/s");
		ck_assert_msg(has(w, "12345 tok/s") || has(w, "12.3k tok/s"), "%s", dump(w));
		HAS(w, "2.047");
		HAS(w, "115k tok/s");  /* six digits: not "114.5k tok/" */
		HAS(w, "123M tok/s");
		int y1, x1, y2, x2;
		ck_assert(ui_term_find(w, "] ", &y1, &x1));
		char line[512];
		ui_term_line(w, y1 + 1, line, sizeof line);
		ck_assert_msg(strstr(line, "] ") && (int)(strstr(line, "] ") - line) == x1,
		              "bars differ in width:\n%s", dump(w));
		(void)y2;
		(void)x2;
		delwin(w);
	}
	keys_map_free(f.km);
}
END_TEST

/* Issue 18, bug 10: the legend says what a series is once, and a series
 * keeps its colour wherever it is listed. */
START_TEST(front_legend_names_once_and_keeps_colours)
{
	struct fixture f;
	fixture(&f, VIEW_FRONT);
	static struct view_series ser[2];
	ser[0] = series[0];
	ser[1] = (struct view_series){ .name = "steer samples", .kind = VIEW_SERIES_SAMPLES, .n_points = 2,
		                       .points = pts_b, .hypervolume = NAN };
	f.fr.series = ser;
	f.fr.cursor_series = 0;
	WINDOW *w = ui_term_pad(24, 100, 1);
	view_draw(w, &f.v);
	HAS(w, "steer samples");
	ck_assert_msg(!has(w, "samples samples"), "%s", dump(w));
	delwin(w);
	/* A fixed colour: the run draws in it at any position. */
	ser[0].colour = 4;
	ser[1].colour = 2;
	ck_assert_int_eq(view_series_colour(&ser[0], 0), 3);
	ck_assert_int_eq(view_series_colour(&ser[1], 0), 1);
	ser[1].colour = 0;
	ck_assert_int_eq(view_series_colour(&ser[1], 5), 5);
	keys_map_free(f.km);
}
END_TEST

/* Issue 18, bug 11: a hint's key and label are apart without colour, and
 * compare mode shows its side key. */
START_TEST(hints_separate_keys_and_labels)
{
	struct fixture f;
	fixture(&f, VIEW_STEER);
	WINDOW *w = ui_term_pad(24, 120, 0);
	view_draw(w, &f.v);
	char line[512];
	ui_term_line(w, 22, line, sizeof line);
	ck_assert_msg(strstr(line, "Right weight+") && strstr(line, "? help") && !strstr(line, "Rightweight"),
	              "hints: %s", line);
	ck_assert_msg(!strstr(line, "a edit"), "hints: %s", line);
	f.st.compare = 1;
	view_draw(w, &f.v);
	ui_term_line(w, 22, line, sizeof line);
	ck_assert_msg(strstr(line, "a edit B"), "compare hints: %s", line);
	f.st.side = 1;
	view_draw(w, &f.v);
	ui_term_line(w, 22, line, sizeof line);
	ck_assert_msg(strstr(line, "a edit A"), "compare hints: %s", line);
	delwin(w);
	keys_map_free(f.km);
}
END_TEST

/* Issue 18, "steering you can read": beside each target the samples' mean
 * and standard error in the same unit, marked above/below; the unit and
 * the bars' scale are stated; a score beyond the bar's range says so. */
START_TEST(steer_shows_obtained_beside_target)
{
	struct fixture f;
	fixture(&f, VIEW_STEER);
	static double got[] = { 0.90, 1.20 }, se[] = { 0.10, 0.10 };
	f.st.pref[0].obtained = got;
	f.st.pref[0].obtained_se = se;
	WINDOW *w = ui_term_pad(24, 100, 1);
	view_draw(w, &f.v);
	/* humor: target 0.41, got 0.90 (above); harmless: target 1.25, got 1.20 +- 0.10 (within) */
	HAS(w, " 0.30 \xe2\x86\x92  0.41 got  0.90\xc2\xb1" "0.10 \xe2\x96\xb2");
	HAS(w, " 0.70 \xe2\x86\x92  1.25 got  1.20\xc2\xb1" "0.10 \xe2\x89\x88");
	HAS(w, "(z; sample bars 0..1 = offline lo..hi)");
	got[0] = 0.1;
	view_draw(w, &f.v);
	HAS(w, "got  0.10\xc2\xb1" "0.10 \xe2\x96\xbc");
	f.st.raw = 1;
	view_draw(w, &f.v);
	HAS(w, "(raw; bars 0..1 = lo..hi)");
	delwin(w);
	/* Two scores past the top of the range draw different bars from one inside it. */
	static double r2[] = { 0.5, 0.5 }, in[] = { 1.0, 0.5 }, over[] = { 1.7, 0.5 };
	static struct view_sample two[] = { { "a", 1, r2, in, NULL, NULL, 0, 0, 0 }, { "b", 1, r2, over, NULL, NULL, 0, 0, 0 } };
	f.st.samples[0] = two;
	f.st.raw = 0;
	w = ui_term_pad(30, 100, 0);
	view_draw(w, &f.v);
	HAS(w, "humor ############ 0.50");
	HAS(w, "humor ###########> 0.50");
	delwin(w);
	keys_map_free(f.km);
}
END_TEST

/* Issue 18: "two values that differ must not draw the same bar". Scores
 * 1/200 of the objective's lo..hi apart, over the whole range, never draw
 * the same sample row: the bar (eighth blocks in UTF-8, wider where the
 * line has room) or the number, whose decimals follow the bar's span in
 * the unit shown: z, a raw range of 0.02 and one of 500; at 120 and 40
 * columns, UTF-8 and ASCII. */
START_TEST(steer_sample_scores_tell_apart)
{
	struct fixture f;
	fixture(&f, VIEW_STEER);
	f.st.n_objectives = 4;
	f.st.objectives = four_obj;
	f.st.pref[0] = (struct view_pref){ four_w, NULL, four_t, NULL, NULL };
	f.st.n_samples = 1;
	static double r[4], z[4], n[4];
	static struct view_sample one[] = { { "a", 1, r, n, z, NULL, 0, 0, 0 } };
	f.st.samples[0] = one;
	const double spans[][2] = { { -1.5, 3.0 }, { 0.01, 0.02 }, { -100, 500 } }; /* lo, span */
	const int sizes[][2] = { { 120, 1 }, { 120, 0 }, { 40, 1 }, { 40, 0 } };
	enum { K = 201 };
	static char rows[K][512];
	for (size_t sp = 0; sp < 3; sp++)
		for (size_t sz = 0; sz < 4; sz++) {
			double bar_span[4];
			for (int j = 0; j < 4; j++) {
				bar_span[j] = spans[sp][1];
				r[j] = z[j] = spans[sp][0] + 0.3 * spans[sp][1];
				n[j] = 0.3;
			}
			f.st.bar_span = bar_span;
			f.st.raw = sp > 0;
			WINDOW *w = ui_term_pad(24, sizes[sz][0], sizes[sz][1]);
			for (int k = 0; k < K; k++) {
				r[0] = z[0] = spans[sp][0] + spans[sp][1] * k / (K - 1);
				n[0] = (double)k / (K - 1);
				view_draw(w, &f.v);
				int y, x;
				ck_assert_msg(ui_term_find(w, "#1 ", &y, &x), "%s", dump(w));
				ui_term_line(w, y, rows[k], sizeof rows[k]);
				for (int k2 = 0; k2 < k; k2++)
					ck_assert_msg(strcmp(rows[k], rows[k2]) != 0,
					              "%d columns, %s, span %g: %d/200 and %d/200 of lo..hi "
					              "draw the same row: %s", sizes[sz][0],
					              sizes[sz][1] ? "UTF-8" : "ASCII", spans[sp][1], k2, k,
					              rows[k]);
			}
			delwin(w);
		}
	keys_map_free(f.km);
}
END_TEST

/* Issue 18, "never hide, never cut": at 40 columns, and in compare mode
 * at 60, every slider row keeps its target and the samples' mean +- SE
 * (the name and bar give way first); in compare mode at 40 the mark
 * above/below/within stays. The title keeps the unit. */
START_TEST(steer_sliders_keep_target_and_mean_when_narrow)
{
	struct fixture f;
	fixture(&f, VIEW_STEER);
	static double got4[] = { 0.81, -1.39, -0.25, 0.72 }, se4[] = { 0.48, 0.29, 0.37, 0.05 };
	static double t4[] = { 0.00, 0.40, -0.30, -0.20 };
	f.st.n_objectives = 4;
	f.st.objectives = four_obj;
	for (int k = 0; k < 2; k++)
		f.st.pref[k] = (struct view_pref){ four_w, NULL, t4, got4, se4 };
	f.st.n_samples = 1;
	f.st.samples[0] = f.st.samples[1] = four_s;
	const int sizes[][3] = { { 40, 0, 1 }, { 40, 0, 0 }, { 60, 1, 1 }, { 60, 1, 0 }, { 60, 0, 1 } };
	for (size_t k = 0; k < sizeof sizes / sizeof sizes[0]; k++) {
		f.st.compare = sizes[k][1];
		int utf8 = sizes[k][2];
		WINDOW *w = ui_term_pad(24, sizes[k][0], utf8);
		view_draw(w, &f.v);
		const char *pm = utf8 ? "\xc2\xb1" : "+-";
		for (int i = 0; i < 4; i++) {
			char want[64];
			snprintf(want, sizeof want, "%.2f%s%.2f", got4[i], pm, se4[i]);
			ck_assert_msg(count(w, want) == (f.st.compare ? 2 : 1),
			              "%d columns compare %d: '%s' (objective %d's mean) not on every side:\n%s",
			              sizes[k][0], f.st.compare, want, i, dump(w));
			char full[64];
			snprintf(want, sizeof want, "%s%5.2f", utf8 ? "\xe2\x86\x92" : ">", t4[i]);
			snprintf(full, sizeof full, "%s %5.2f", utf8 ? "\xe2\x86\x92" : ">", t4[i]);
			ck_assert_msg(has(w, want) || has(w, full), "%d columns: target '%s' not shown:\n%s",
			              sizes[k][0], want, dump(w));
		}
		HAS(w, "(z");
		if (!f.st.compare) { /* the online iteration steered stays whole */
			f.st.iteration = "online iteration 1 of 3";
			view_draw(w, &f.v);
			HAS(w, "iteration 1 of 3]");
			f.st.iteration = NULL;
		}
		delwin(w);
	}
	/* compare mode at 40: each side keeps the mark of every objective */
	f.st.compare = 1;
	WINDOW *w = ui_term_pad(24, 40, 1);
	view_draw(w, &f.v);
	ck_assert_msg(count(w, "\xe2\x96\xb2") >= 4 && count(w, "\xe2\x96\xbc") >= 2 &&
	              count(w, "\xe2\x89\x88") >= 2, "marks missing at 40 columns:\n%s", dump(w));
	delwin(w);
	keys_map_free(f.km);
}
END_TEST

/* Issue 18: numbers in the details are rounded to 4 significant digits;
 * integers and numbers inside names are kept. */
START_TEST(runs_details_round_numbers)
{
	struct fixture f;
	fixture(&f, VIEW_RUNS);
	static const char *keys[] = { "reference", "objective1", "steps", "files", "lr" };
	static const char *vals[] = { "[-1.6812003598014476,-1.2114118296126564]",
		                      "length=length mu=0.40000000000000002 sigma=3", "123456",
		                      "corpus/a-1.23456789.txt", "1e-05" };
	struct view_run_details d = details;
	d.n_params = 5;
	d.param_keys = keys;
	d.param_values = vals;
	f.ru.details = &d;
	WINDOW *w = ui_term_pad(40, 120, 1);
	view_draw(w, &f.v);
	HAS(w, "reference=[-1.681,-1.211]");
	HAS(w, "objective1=length=length mu=0.4 sigma=3");
	HAS(w, "steps=123456");
	HAS(w, "files=corpus/a-1.23456789.txt");
	HAS(w, "lr=1e-05");
	delwin(w);
	keys_map_free(f.km);
}
END_TEST

/* Issue 18, "legends size to the terminal": at 40 columns, in columns,
 * each series keeps its glyph, a middle-shortened name and its whole
 * hypervolume (the kind and "all" give way first). */
START_TEST(front_legend_keeps_hypervolumes_when_narrow)
{
	struct fixture f;
	fixture(&f, VIEW_FRONT);
	static struct view_series ser[5];
	const char *names[] = { "demo-eval-offline", "demo-eval-online-best-of-16",
		                "demo-eval-online-sft", "demo-eval-online", "steer samples" };
	const double hv[] = { 2.47, 6.04, 1.11, 3.35, NAN };
	for (int i = 0; i < 5; i++)
		ser[i] = (struct view_series){ .name = names[i], .kind = i == 4 ? VIEW_SERIES_SAMPLES
		                                                 : i == 1 || i == 2 ? VIEW_SERIES_BASELINE
		                                                 : VIEW_SERIES_EVAL,
		                               .n_points = 2, .points = pts_b, .hypervolume = hv[i],
		                               .hypervolume_all = isnan(hv[i]) ? 0 : 3 * hv[i] };
	f.fr.series = ser;
	f.fr.n_series = 5;
	WINDOW *w = ui_term_pad(20, 40, 1);
	view_draw(w, &f.v);
	for (int i = 0; i < 4; i++) {
		char want[32];
		snprintf(want, sizeof want, "HV %.3g", hv[i]);
		HAS(w, want);
	}
	HAS(w, "steer samples");
	delwin(w);
	keys_map_free(f.km);
}
END_TEST

/* At 40 columns the Runs table keeps names apart: a long name shortened in
 * the middle, the date column left out before names are cut to nothing. */
START_TEST(runs_table_names_apart_when_narrow)
{
	struct fixture f;
	fixture(&f, VIEW_RUNS);
	static const char *cols[] = { "ID", "NAME", "STAGE", "STATUS", "TAGS", "CREATED" };
	static const char *cells[] = {
		"14", "demo-eval-offline", "eval", "done", "", "2026-11-27",
		"13", "demo-eval-online-best-of-16", "eval", "done", "", "2026-11-27",
		"12", "demo-eval-online-sft", "eval", "done", "", "2026-11-27",
		"11", "demo-eval-online", "eval", "done", "", "2026-11-27",
	};
	f.ru.n_columns = 6;
	f.ru.columns = cols;
	f.ru.n_rows = 4;
	f.ru.cells = cells;
	f.ru.selected = 0;
	for (int utf8 = 0; utf8 < 2; utf8++) {
		WINDOW *w = ui_term_pad(24, 40, utf8);
		view_draw(w, &f.v);
		int y;
		ck_assert_msg(ui_term_find(w, "14 ", &y, NULL), "%s", dump(w));
		char rows[4][256];
		for (int i = 0; i < 4; i++) {
			ui_term_line(w, y + i, rows[i], sizeof rows[i]);
			ck_assert_msg(strstr(rows[i], "eval") && strstr(rows[i], "done"), "row %d: %s\n%s", i,
			              rows[i], dump(w));
			for (int k = 0; k < i; k++)
				ck_assert_msg(strstr(rows[i], "dem") && strstr(rows[k], "dem") &&
				              strcmp(strstr(rows[i], "dem"), strstr(rows[k], "dem")) != 0,
				              "runs %d and %d read the same:\n%s", k, i, dump(w));
		}
		delwin(w);
	}
	keys_map_free(f.km);
}
END_TEST

/* Issue 18, "never cut": at 40 columns the help wraps its texts, so every
 * word of every action's help is on the pages (scrolled through). */
START_TEST(help_wraps_when_narrow)
{
	struct fixture f;
	fixture(&f, VIEW_HELP);
	int lines = view_help_lines(f.km, 40);
	ck_assert_int_gt(lines, view_help_lines(f.km, 140));
	/* One pad tall enough for every line: each help text's last word shows. */
	WINDOW *w = ui_term_pad(lines + 3, 40, 1);
	view_draw(w, &f.v);
	char *d = ui_term_dump(w);
	for (int a = 1; a < ACTION_COUNT; a++) {
		const char *help = keys_action_help((enum action)a);
		const char *last = strrchr(help, ' ');
		last = last ? last + 1 : help;
		ck_assert_msg(strstr(d, last), "'%s' (end of '%s') not on the help pages:\n%s", last,
		              help, d);
	}
	free(d);
	delwin(w);
	keys_map_free(f.km);
}
END_TEST

/* Issue 18: "more above/below" on every list that scrolls: the Runs
 * table (and Jobs, drawn by the same table) when its rows do not fit. */
START_TEST(runs_table_says_there_is_more)
{
	struct fixture f;
	fixture(&f, VIEW_RUNS);
	static const char *cols[] = { "ID", "NAME" };
	static char ids[30][8];
	static const char *cells[60];
	for (int i = 0; i < 30; i++) {
		snprintf(ids[i], sizeof ids[i], "%d", 30 - i);
		cells[2 * i] = ids[i];
		cells[2 * i + 1] = "run";
	}
	f.ru.n_columns = 2;
	f.ru.columns = cols;
	f.ru.n_rows = 30;
	f.ru.cells = cells;
	f.ru.selected = 0;
	WINDOW *w = ui_term_pad(20, 60, 1);
	view_draw(w, &f.v);
	int y, x;
	ck_assert_msg(ui_term_find(w, "\xe2\x96\xbc more", &y, &x) && y < 12, "%s", dump(w));
	f.ru.selected = 29;
	view_draw(w, &f.v);
	ck_assert_msg(ui_term_find(w, "\xe2\x96\xb2 more", &y, &x) && y < 6, "%s", dump(w));
	delwin(w);
	keys_map_free(f.km);
}
END_TEST

START_TEST(front_says_units_and_hypervolume)
{
	struct fixture f;
	fixture(&f, VIEW_FRONT);
	WINDOW *w = ui_term_pad(30, 120, 1);
	view_draw(w, &f.v);
	HAS(w, "humor \xe2\x86\x92  (z)");
	HAS(w, "HV: these 2 axes (z)");
	HAS(w, "all: every objective");
	HAS(w, "run 3 online HV 0.432 all 12.5");
	f.fr.response = 1;
	view_draw(w, &f.v);
	HAS(w, "Response: humor obtained (z)");
	HAS(w, "its weight");
	f.fr.response = 0;
	/* A long name is shortened in the middle, keeping both ends. */
	static struct view_series ser[2];
	ser[0] = series[0];
	ser[1] = series[1];
	ser[0].name = "a-very-long-run-name-that-does-not-fit-in-the-legend-column-at-all-end";
	f.fr.series = ser;
	view_draw(w, &f.v);
	HAS(w, "a-very-long");
	HAS(w, "\xe2\x80\xa6");
	HAS(w, "at-all-end");
	HAS(w, "  online HV 0.432 all 12.5");
	delwin(w);
	keys_map_free(f.km);
}
END_TEST

/* Issue 18, "never hide, never cut": panes that scroll say there is more,
 * and the help and the details never scroll past their last page. */
START_TEST(scrolling_panes_say_there_is_more)
{
	struct fixture f;
	fixture(&f, VIEW_HELP);
	WINDOW *w = ui_term_pad(24, 80, 1);
	view_draw(w, &f.v);
	HAS(w, "\xe2\x96\xbc more");
	ck_assert(!has(w, "\xe2\x96\xb2 more"));
	f.he.scroll = 100000;
	view_draw(w, &f.v);
	HAS(w, "\xe2\x96\xb2 more");
	HAS(w, "Answer no to the question");   /* the last line, not a blank page */
	ck_assert(!has(w, "\xe2\x96\xbc more"));
	delwin(w);
	keys_map_free(f.km);
	/* Runs details: many parameters overflow a short pane. */
	fixture(&f, VIEW_RUNS);
	static const char *k[40], *v[40];
	static char kb[40][16];
	for (int i = 0; i < 40; i++) {
		snprintf(kb[i], sizeof kb[i], "param%02d", i);
		k[i] = kb[i];
		v[i] = "a-fairly-long-value-to-fill-the-line";
	}
	static struct view_run_details d;
	d = details;
	d.n_params = 40;
	d.param_keys = k;
	d.param_values = v;
	f.ru.details = &d;
	w = ui_term_pad(20, 80, 0);
	view_draw(w, &f.v);
	HAS(w, "v more");
	HAS(w, "param00");
	ck_assert(!has(w, "tags       best"));
	struct layout_opts o = view_layout_opts(&f.v);
	struct layout L = layout_compute(LAYOUT_RUNS, 20, 80, &o);
	int last = view_runs_details_last(&L, &f.ru);
	ck_assert_int_gt(last, 0);
	d.scroll = 1000;
	view_draw(w, &f.v);
	HAS(w, "^ more");
	HAS(w, "tags       best");          /* the real end */
	ck_assert(!has(w, "v more"));
	d.scroll = last;
	static char a[sizeof dumpbuf];
	memcpy(a, dump(w), sizeof a);
	view_draw(w, &f.v);
	ck_assert_str_eq(a, dump(w));
	delwin(w);
	keys_map_free(f.km);
}
END_TEST

/* Issue 18: without colors (NO_COLOR, monochrome) each series has its own
 * point glyph on the plot and in the legend, in UTF-8 too. */
START_TEST(front_series_glyphs_without_colour)
{
	struct fixture f;
	fixture(&f, VIEW_FRONT);
	WINDOW *w = ui_term_pad(24, 100, 1);
	view_draw(w, &f.v);
	HAS(w, "\xe2\x97\x8f run 3");   /* ● */
	HAS(w, "\xe2\x96\xb2 base");    /* ▲ */
	/* on the canvas too: base's two points besides its swatch */
	ck_assert_int_ge(count(w, "\xe2\x96\xb2"), 3);
	ck_assert_int_ge(count(w, "\xe2\x97\x8f"), 2);
	delwin(w);
	keys_map_free(f.km);
}
END_TEST

/* Issue 18's data views: a metric chart with axes and two runs overlaid
 * (each its glyph, a legend with the last values), the lineage tree in the
 * details, and a response curve with error bars and its verdict. */
START_TEST(runs_chart_and_lineage)
{
	struct fixture f;
	fixture(&f, VIEW_RUNS);
	struct view_run_details d = details;
	d.n_lineage = 3;
	d.lineage = tree;
	d.lineage_focus = 1;
	f.ru.details = &d;
	WINDOW *w = ui_term_pad(30, 80, 1);
	view_draw(w, &f.v);
	HAS(w, "lineage");
	HAS(w, "  1 base (pretrain)");
	HAS(w, "  \xe2\x94\x94\xe2\x94\x80 12 sft-a (sft)  \xe2\x86\x90 this run");
	HAS(w, "     \xe2\x94\x94\xe2\x94\x80 14 on (online)");
	ck_assert(!has(w, "parent     2 sft-a")); /* the tree says it */
	delwin(w);
	f.ru.chart = &the_chart;
	w = ui_term_pad(30, 80, 1);
	view_draw(w, &f.v);
	HAS(w, "loss vs step: 2 runs");
	HAS(w, "\xe2\x97\x8f 12 sft-a 2  \xe2\x96\xb2 13 sft-b 2.6"); /* ● a, ▲ b: glyph, name, last */
	ck_assert_int_ge(count(w, "\xe2\x97\x8f"), 3);  /* its points, besides the legend */
	ck_assert_int_ge(count(w, "\xe2\x96\xb2"), 3);
	HAS(w, "    4 \xe2\x94\x82");                   /* y ticks left of the rule */
	int y, x, y2, x2;
	ck_assert(ui_term_find(w, "    2 \xe2\x94\x82", &y, &x));
	ck_assert(ui_term_find(w, "    4 \xe2\x94\x82", &y2, &x2));
	ck_assert_int_lt(y2, y);                          /* higher values above */
	ck_assert(ui_term_find(w, " 1 ", &y, &x));
	ck_assert(ui_term_find(w, " 5", &y2, &x2));       /* steps under the plot */
	ck_assert(!has(w, "lineage"));                    /* the chart replaces the details */
	delwin(w);
	/* ASCII: the series' ASCII glyphs */
	w = ui_term_pad(30, 80, 0);
	view_draw(w, &f.v);
	HAS(w, "o 12 sft-a 2  * 13 sft-b 2.6");
	HAS(w, "    4 |");
	delwin(w);
	keys_map_free(f.km);
}
END_TEST

START_TEST(response_curve_with_error_bars)
{
	struct fixture f;
	fixture(&f, VIEW_FRONT);
	static const struct view_point pts[] = { { 0, -1, 0 }, { 0.5, 0, 0 }, { 1, 1, 0 } };
	static const double err[] = { 0.1, 0.5, 0.1 };
	struct view_series se[2] = {
		{ .name = "eval-c", .kind = VIEW_SERIES_EVAL, .n_points = 0, .hypervolume = NAN },
		{ .name = "eval-c", .kind = VIEW_SERIES_CURVE, .n_points = 3, .points = pts,
		  .hypervolume = NAN, .joined = 1, .err = err, .note = "follows: rise 2+-0.14" },
	};
	f.fr.n_series = 2;
	f.fr.series = se;
	f.fr.response = 1;
	f.fr.cursor_series = -1;
	f.fr.iteration = "online iteration 2 of 3";
	WINDOW *w = ui_term_pad(24, 100, 0);
	view_draw(w, &f.v);
	HAS(w, "[online iteration 2 of 3]  Response: ");
	HAS(w, "curve follows: rise 2+-0.1"); /* cut at the legend's width */
	/* the error bar at 0.5 (+-0.5) spans rows above and below its point */
	int y, x;
	ck_assert(ui_term_find(w, "..*..", &y, &x));
	x += 2;
	char above[256], below[256];
	ui_term_line(w, y - 2, above, sizeof above);
	ui_term_line(w, y + 2, below, sizeof below);
	ck_assert_msg(above[x] == '.' && below[x] == '.', "%s\n%s", above, below);
	delwin(w);
	keys_map_free(f.km);
}
END_TEST

/* Issue 18: a question always fits, whole, down to 40 columns. */
START_TEST(questions_always_fit)
{
	struct fixture f;
	fixture(&f, VIEW_JOBS);
	f.v.confirm = "Cancel job 2 (eval --model /a/long/path/to/some/checkpoint --dataset toy "
	              "--prompts 8 --step 0.05)? It checkpoints and stops. y/n";
	const int sizes[][2] = { { 12, 40 }, { 24, 80 }, { 16, 52 } };
	for (int k = 0; k < 3; k++) {
		WINDOW *w = ui_term_pad(sizes[k][0], sizes[k][1], 1);
		view_draw(w, &f.v);
		char all[8192] = "", line[512];
		for (int y = 0; y < sizes[k][0]; y++) {
			ui_term_line(w, y, line, sizeof line);
			strncat(all, line, sizeof all - strlen(all) - 1);
		}
		char want[512], got[8192];
		size_t n = 0;
		for (const char *p = f.v.confirm; *p; p++)
			if (*p != ' ')
				want[n++] = *p;
		want[n] = '\0';
		n = 0;
		for (const char *p = all; *p && n + 1 < sizeof got; p++)
			if (*p != ' ')
				got[n++] = *p;
		got[n] = '\0';
		ck_assert_msg(strstr(got, want), "%dx%d: question cut:\n%s", sizes[k][1], sizes[k][0], dump(w));
		delwin(w);
	}
	keys_map_free(f.km);
}
END_TEST

Suite *harness_suite(void)
{
	Suite *s = suite_create("view");
	harness_add(s, "screens", chrome_tabs_hints_status, steer_shows_sliders_prompt_and_samples,
	            steer_compare_has_two_columns, front_plots_braille_legend_and_point,
	            front_ascii_glyphs_and_click, runs_table_and_details, jobs_progress_and_log,
	            help_lists_every_action, too_small_screen, NULL);
	harness_add(s, "issue18", steer_shows_every_objective_score, jobs_speed_loss_and_bar_width,
	            front_legend_names_once_and_keeps_colours, hints_separate_keys_and_labels,
	            steer_shows_obtained_beside_target, front_says_units_and_hypervolume,
	            scrolling_panes_say_there_is_more, front_series_glyphs_without_colour,
	            questions_always_fit, job_form_fields_errors_and_hits,
	            steer_sample_scores_tell_apart, steer_sliders_keep_target_and_mean_when_narrow,
	            runs_details_round_numbers, front_legend_keeps_hypervolumes_when_narrow,
	            runs_table_names_apart_when_narrow, help_wraps_when_narrow,
	            runs_table_says_there_is_more, NULL);
	harness_add(s, "views", runs_chart_and_lineage, response_curve_with_error_bars, NULL);
	TCase *tc = harness_add(s, "robust", every_size_draws, slider_click_and_tab_click,
	                        monochrome_attributes, NULL);
	tcase_set_timeout(tc, 60);
	return s;
}
