/* ric-tui: the interactive terminal application.
 *
 * One UI thread owns curses and waits in poll() on the terminal, the
 * generation worker's pipe and a timer for store polling (src/tui_app.h holds
 * the state, src/tui_view.h turns it into ui/view.h models, src/tui_line.h
 * runs readline for the `:` line and the prompt editor). Signal handlers
 * only set flags; the terminal is restored on every way out. */
#include "config.h"

#include "engine/cpu.h"
#include "engine/decoder.h"
#include "engine/kernels.h"
#include "src/demo.h"
#include "src/stopsig.h"
#include "src/paths.h"
#include "src/termtext.h"
#include "src/tui_app.h"
#include "src/tui_bench.h"
#include "src/tui_line.h"
#include "src/tui_view.h"
#include "ui/draw.h"
#include "ui/ricrc.h"
#include "ui/screen.h"
#include "ui/theme.h"
#include "engine/monotonic.h"

#include <curses.h>
#include <errno.h>
#include <getopt.h>
#include <locale.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <readline/readline.h>

#define RIC_TUI_POLL_MS 500   /* store polling: jobs and evals show within this */

static void usage(FILE *out)
{
	fprintf(out,
	        "usage: ric-tui [--store PATH] [--threads N] [--weights W] [--no-mouse] [CHECKPOINT]\n"
	        "       ric-tui --bench [--threads N] [--weights W] [--reps N] CHECKPOINT\n\n"
	        "Steer a Rewards-in-Context model with preference sliders, inspect the\n"
	        "Pareto front, browse runs and run training jobs.\n\n"
	        "Options:\n"
	        "  --store PATH  experiment store (default $RIC_STORE, else\n"
	        "                $XDG_DATA_HOME/ric/store.db)\n"
	        "  --threads N   threads for generation (default $BLIS_NUM_THREADS, else 1)\n"
	        "  --weights W   decode with bf16 (default), int8 or f32 weights (a BF16\n"
	        "                checkpoint loads straight into bf16, any into int8)\n"
	        "  --no-mouse    leave the mouse to the terminal\n"
	        "  --bench       measure slider move -> first token and 4 x 48 tokens, then exit\n"
	        "  --reps N      tries of each benchmark figure (default 10)\n"
	        "  --version     print the version and exit\n"
	        "  -h, --help    show this help\n"
	        "CHECKPOINT is a RiC checkpoint folder (with ric.json); without one the\n"
	        "bundled demo opens when it is installed. Press ? inside for the keys.\n");
}

static int ric_tui_int(const char *opt, const char *arg, long lo, long hi, int *out)
{
	char *end;
	long v = strtol(arg, &end, 10);
	if (!*arg || *end || v < lo || v > hi) {
		fprintf(stderr, "ric-tui: %s wants a whole number in %ld..%ld, not '%s'\n", opt, lo, hi,
		        arg);
		return -1;
	}
	*out = (int)v;
	return 0;
}

static volatile sig_atomic_t ric_tui_stop;
static void ric_tui_on_signal(int sig)
{
	(void)sig;
	ric_tui_stop = 1;
}

/* The demo policy when it is there: share/demo/policy with its ric.json. */
static char *ric_tui_demo(void)
{
	char *dir = paths_data_file("demo/policy");
	if (!dir)
		return NULL;
	char ric[4200];
	snprintf(ric, sizeof ric, "%s/ric.json", dir);
	if (access(ric, R_OK) != 0) {
		free(dir);
		return NULL;
	}
	return dir;
}

static int ric_tui_setting(void *ctx, const char *name, const char *value, char *err, size_t cap)
{
	return tui_app_setting(ctx, name, value, err, cap);
}

/* ---- completion (tui_line) ---------------------------------------------- */

static struct tui_app *ric_tui_app;
static enum tui_complete ric_tui_kind;
static const char *ric_tui_gen_text;

static char *ric_tui_complete_gen(const char *text, int state)
{
	static int s, run_i;
	if (state == 0) {
		s = 0;
		run_i = 0;
	}
	if (ric_tui_kind == TUI_COMPLETE_RUN) {
		const struct tui_runs *rs = &ric_tui_app->runs;
		size_t n = strlen(text);
		while ((size_t)run_i < rs->n) {
			const char *name = rs->v[run_i++].name;
			if (strncmp(name, text, n) == 0)
				return strdup(name);
		}
		return NULL;
	}
	const char *w = tui_cmd_complete_word(ric_tui_kind, text, &s);
	return w ? strdup(w) : NULL;
}

/* The new-job form's field lines: stage names, option names, runs (for a
 * folder; files when no run name starts so), datasets. */
static enum ric_tui_form_list { RIC_TUI_FORM_STAGES, RIC_TUI_FORM_OPTIONS, RIC_TUI_FORM_RUNS,
	                        RIC_TUI_FORM_DATASETS } ric_tui_form_list;
static char **ric_tui_names;
static size_t ric_tui_n_names;

static int ric_tui_name_add(void *ctx, const struct store_dataset *d)
{
	(void)ctx;
	char **v = realloc(ric_tui_names, (ric_tui_n_names + 1) * sizeof *v);
	if (!v)
		return 1;
	ric_tui_names = v;
	if ((v[ric_tui_n_names] = strdup(d->name)))
		ric_tui_n_names++;
	return 0;
}

static char *ric_tui_complete_form(const char *text, int state)
{
	static int s;
	static size_t i;
	if (state == 0) {
		s = 0;
		i = 0;
	}
	size_t n = strlen(text);
	const struct tui_app *a = ric_tui_app;
	switch (ric_tui_form_list) {
	case RIC_TUI_FORM_STAGES:
		while (tui_form_stages[i])
			if (strncmp(tui_form_stages[i++], text, n) == 0)
				return strdup(tui_form_stages[i - 1]);
		return NULL;
	case RIC_TUI_FORM_OPTIONS: {
		const char *w = a->form ? tui_form_complete_option(a->form, text, &s) : NULL;
		return w ? strdup(w) : NULL;
	}
	case RIC_TUI_FORM_RUNS:
		while (i < a->runs.n) {
			const struct tui_run *r = &a->runs.v[i++];
			if (strncmp(r->name, text, n) == 0 && strcmp(r->status, "done") == 0)
				return strdup(r->name);
		}
		return NULL;
	case RIC_TUI_FORM_DATASETS:
		while (i < ric_tui_n_names)
			if (strncmp(ric_tui_names[i++], text, n) == 0)
				return strdup(ric_tui_names[i - 1]);
		return NULL;
	}
	return NULL;
}

static char **ric_tui_complete_field(struct tui_app *a, const char *text)
{
	int f = a->form_field;
	enum tui_form_kind k = f >= 0 && a->form && (size_t)f < a->form->n ? a->form->f[f].kind
	                                                                    : TUI_FORM_TEXT;
	if (f == TUI_FORM_STAGE)
		ric_tui_form_list = RIC_TUI_FORM_STAGES;
	else if (f == TUI_FORM_ADD)
		ric_tui_form_list = RIC_TUI_FORM_OPTIONS;
	else if (k == TUI_FORM_FOLDER)
		ric_tui_form_list = RIC_TUI_FORM_RUNS;
	else if (k == TUI_FORM_DATASET || k == TUI_FORM_FILE_OR_DATASET)
		ric_tui_form_list = RIC_TUI_FORM_DATASETS;
	else if (k == TUI_FORM_TEXT || k == TUI_FORM_FLAG) {
		rl_attempted_completion_over = 1;
		return NULL;
	} else {
		return NULL; /* files */
	}
	if (ric_tui_form_list == RIC_TUI_FORM_DATASETS) {
		for (size_t i = 0; i < ric_tui_n_names; i++)
			free(ric_tui_names[i]);
		ric_tui_n_names = 0;
		if (a->has_store)
			store_datasets_each(a->store.s, ric_tui_name_add, NULL, NULL);
	}
	char **m = rl_completion_matches(text, ric_tui_complete_form);
	/* A folder or a file may be what is meant: files when nothing else starts so. */
	if (!m && (k == TUI_FORM_FOLDER || k == TUI_FORM_FILE_OR_DATASET))
		return NULL;
	if (!m)
		rl_attempted_completion_over = 1;
	return m;
}

static enum tui_line ric_tui_line_open;   /* what the open line is */

static char **ric_tui_complete(void *ctx, const char *line, const char *text, int start, int end)
{
	(void)end;
	ric_tui_app = ctx;
	if (ric_tui_line_open == TUI_LINE_FIELD)
		return ric_tui_complete_field(ctx, text);
	/* The line shows without its ':' prompt; the parser takes it either way. */
	ric_tui_kind = tui_cmd_complete_kind(line, start);
	ric_tui_gen_text = text;
	if (ric_tui_kind == TUI_COMPLETE_PATH)
		return NULL;
	if (ric_tui_kind == TUI_COMPLETE_NONE) {
		rl_attempted_completion_over = 1;
		return NULL;
	}
	if (ric_tui_kind == TUI_COMPLETE_RUN && (ric_tui_app->runs.n == 0 || (ric_tui_app->stale & TUI_STALE_RUNS)))
		tui_app_reload(ric_tui_app);
	return rl_completion_matches(text, ric_tui_complete_gen);
}

/* ---- drawing ------------------------------------------------------------- */

struct ric_tui {
	struct tui_app *a;
	struct tui_view tv;       /* the last frame: the mouse hits what was drawn */
	int have_tv;
	enum tui_line line;       /* the line open, if any */
	int mouse_on;             /* mousemask currently set */
	struct tui_frame frame;
	int dragging;
};

static void ric_tui_mouse(struct ric_tui *t)
{
	if (t->line != TUI_LINE_NONE || t->a->mouse == t->mouse_on)
		return;
	t->mouse_on = t->a->mouse;
	mousemask(t->mouse_on ? (ALL_MOUSE_EVENTS | REPORT_MOUSE_POSITION) : 0, NULL);
	mouseinterval(0);
}

static void ric_tui_draw(struct ric_tui *t)
{
	if (t->a->rows != LINES || t->a->cols != COLS)
		tui_app_resize(t->a, LINES, COLS);
	if (t->have_tv)
		tui_view_free(&t->tv);
	tui_view_build(t->a, &t->tv);
	t->have_tv = 1;
	t->tv.v.cmdline = t->line == TUI_LINE_COMMAND || t->line == TUI_LINE_WORD;
	t->tv.steer.prompt_editing = t->line == TUI_LINE_PROMPT;
	view_draw(stdscr, &t->tv.v);
	struct layout_opts o = view_layout_opts(&t->tv.v);
	struct layout L = layout_compute((enum layout_screen)t->tv.v.screen, LINES, COLS, &o);
	int cursor = 0;
	if (t->line != TUI_LINE_NONE && !L.too_small) {
		const struct layout_rect *r = t->line == TUI_LINE_PROMPT && L.prompt.w > 0 ? &L.prompt
		                                                                         : &L.status;
		const char *hint = tui_line_hint();
		if (*hint && t->line == TUI_LINE_COMMAND && L.hints.w > 0) {
			wattrset(stdscr, A_NORMAL);
			wmove(stdscr, L.hints.y, L.hints.x);
			wclrtoeol(stdscr);
			draw_text(stdscr, L.hints.y, L.hints.x, L.hints.w, hint);
			/* A completion list longer than the row says so. */
			draw_more(stdscr, L.hints.y, L.hints.x, L.hints.w, 0, draw_width(hint) > L.hints.w);
		}
		/* What is wrong with the line as typed so far (a filter field that
		 * does not exist), where the hints were: the status row is the line. */
		if (!*hint && t->line == TUI_LINE_WORD && t->a->status_error && L.hints.w > 0) {
			wattrset(stdscr, theme_attr(THEME_ERROR));
			wmove(stdscr, L.hints.y, L.hints.x);
			wclrtoeol(stdscr);
			draw_text(stdscr, L.hints.y, L.hints.x, L.hints.w, t->a->status);
		}
		wattrset(stdscr, A_NORMAL);
		tui_line_draw(stdscr, r->y, r->x, r->w);
		cursor = 1;
	}
	curs_set(cursor);
	wnoutrefresh(stdscr);
	doupdate();
	t->a->dirty = 0;
}

/* ---- input --------------------------------------------------------------- */

static void ric_tui_open_line(struct ric_tui *t)
{
	enum tui_line want = t->a->want_line;
	t->a->want_line = TUI_LINE_NONE;
	if (want == TUI_LINE_NONE)
		return;
	t->line = want;
	/* readline gets the raw bytes of arrows and the like while the line is
	 * open, and no mouse reports to mistake for typing */
	keypad(stdscr, FALSE);
	if (t->mouse_on > 0)
		mousemask(0, NULL);
	t->mouse_on = -1;
	char prompt[32];
	snprintf(prompt, sizeof prompt, "%s%s: ", want == TUI_LINE_FIELD && t->a->form_field >= 0 ? "--" : "",
	         t->a->line_word);
	/* Each kind of line its own history: the filter's earlier filters, ... */
	enum tui_line_hist h = TUI_LINE_HIST_OTHER;
	if (want == TUI_LINE_COMMAND)
		h = TUI_LINE_HIST_COMMAND;
	else if (want == TUI_LINE_PROMPT)
		h = TUI_LINE_HIST_PROMPT;
	else if (want == TUI_LINE_WORD && strcmp(t->a->line_word, "filter") == 0)
		h = TUI_LINE_HIST_FILTER;
	else if (want == TUI_LINE_WORD && strcmp(t->a->line_word, "search") == 0)
		h = TUI_LINE_HIST_SEARCH;
	ric_tui_line_open = want;
	tui_line_open(want == TUI_LINE_COMMAND ? ":" : want == TUI_LINE_PROMPT ? "prompt> " : prompt,
	              t->a->line_init, h, want == TUI_LINE_COMMAND || want == TUI_LINE_FIELD);
	t->a->dirty = 1;
}

static void ric_tui_close_line(struct ric_tui *t)
{
	enum tui_line was = t->line;
	t->line = TUI_LINE_NONE;
	keypad(stdscr, TRUE);
	char *text = tui_line_take();
	tui_line_cancelled();
	if (!text && was == TUI_LINE_WORD)
		tui_app_word_typing(t->a, NULL); /* Esc: what was shown comes back */
	if (text && was == TUI_LINE_COMMAND && *text)
		tui_app_command(t->a, text);
	else if (text && was == TUI_LINE_WORD)
		tui_app_word_line(t->a, text);
	else if (text && was == TUI_LINE_FIELD)
		tui_app_field_line(t->a, text);
	else if (text && was == TUI_LINE_PROMPT)
		tui_app_set_prompt(t->a, text);
	free(text);
	t->a->dirty = 1;
	/* A line may lead to the next (an option added to the form: its value). */
	if (t->a->want_line != TUI_LINE_NONE)
		ric_tui_open_line(t);
}

static void ric_tui_key_line(struct ric_tui *t, int c)
{
	if (c == KEY_RESIZE) {
		t->a->dirty = 1;
		return;
	}
	if (c == 27) {
		/* Esc alone cancels; Esc and more bytes at once is a key sequence. */
		timeout(25);
		int next = getch();
		timeout(0);
		if (next == ERR) {
			tui_line_cancel();
		} else {
			tui_line_feed(27);
			tui_line_feed(next);
		}
	} else {
		tui_line_feed(c);
	}
	if (!tui_line_active())
		ric_tui_close_line(t);
	else if (t->line == TUI_LINE_WORD)
		tui_app_word_typing(t->a, tui_line_text()); /* filter and search act as typed */
	t->a->dirty = 1;
}

static void ric_tui_key_mouse(struct ric_tui *t)
{
	MEVENT ev;
	if (getmouse(&ev) != OK || !t->have_tv)
		return;
	if (ev.bstate & BUTTON4_PRESSED) {
		tui_app_wheel(t->a, -1);
		return;
	}
#ifdef BUTTON5_PRESSED
	if (ev.bstate & BUTTON5_PRESSED) {
		tui_app_wheel(t->a, 1);
		return;
	}
#endif
	int press = (ev.bstate & (BUTTON1_PRESSED | BUTTON1_CLICKED)) != 0;
	int drag = !press && t->dragging && (ev.bstate & REPORT_MOUSE_POSITION);
	if (ev.bstate & BUTTON1_RELEASED) {
		t->dragging = 0;
		drag = 1; /* the release lands where the drag ended */
	}
	if (!press && !drag)
		return;
	if (press)
		t->dragging = 1;
	struct view_hit h;
	if (view_hit(&t->tv.v, LINES, COLS, ev.y, ev.x, &h))
		tui_app_click(t->a, &h, !press);
}

static void ric_tui_key(struct ric_tui *t, int c)
{
	if (t->line != TUI_LINE_NONE) {
		ric_tui_key_line(t, c);
		return;
	}
	if (c == KEY_RESIZE) {
		t->a->dirty = 1;
		return;
	}
	if (c == KEY_MOUSE) {
		ric_tui_key_mouse(t);
		ric_tui_open_line(t); /* a click may ask for a line (the prompt, a form field) */
		return;
	}
	enum keys_screen ks = t->a->confirm != TUI_CONFIRM_NONE ? KEYS_SCREEN_CONFIRM
	                      : t->a->form ? KEYS_SCREEN_FORM
	                                   : (enum keys_screen)t->a->screen;
	enum action act = keys_lookup(t->a->keys, ks, keys_normalize(c));
	if (act == ACTION_NONE) {
		char name[32];
		if (t->a->confirm == TUI_CONFIRM_NONE)
			tui_app_error(t->a, "%s does nothing here (? shows the keys)",
			              keys_name(c, name, sizeof name));
		return;
	}
	tui_app_action(t->a, act);
	ric_tui_open_line(t);
}

static void ric_tui_free_names(void)
{
	for (size_t i = 0; i < ric_tui_n_names; i++)
		free(ric_tui_names[i]);
	free(ric_tui_names);
	ric_tui_names = NULL;
	ric_tui_n_names = 0;
}

/* ---- the loop ------------------------------------------------------------ */

static void ric_tui_loop(struct ric_tui *t)
{
	int64_t next_poll = 0;
	while (!t->a->quit && !ric_tui_stop) {
		int64_t now = monotonic_ms();
		if (now >= next_poll) {
			tui_app_tick(t->a);
			next_poll = now + RIC_TUI_POLL_MS;
		}
		ric_tui_mouse(t);
		int frame_wait = -1;
		if (t->a->dirty && (frame_wait = tui_view_due(t->a, &t->frame, now)) == 0)
			ric_tui_draw(t);
		struct pollfd p[2] = { { .fd = STDIN_FILENO, .events = POLLIN },
			               { .fd = tui_app_gen_fd(t->a), .events = POLLIN } };
		int wait = (int)(next_poll - monotonic_ms());
		if (frame_wait > 0 && frame_wait < wait)
			wait = frame_wait;
		int n = poll(p, p[1].fd >= 0 ? 2 : 1, wait < 0 ? 0 : wait);
		if (n < 0 && errno != EINTR)
			break;
		if (n > 0 && p[1].fd >= 0 && (p[1].revents & POLLIN))
			tui_app_gen_events(t->a);
		/* curses may hold bytes it already read (and KEY_RESIZE comes from
		 * its SIGWINCH handler), so read keys until it has none. */
		int c;
		while ((c = getch()) != ERR) {
			ric_tui_key(t, c);
			if (t->a->quit)
				break;
		}
	}
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "store", required_argument, NULL, 's' },
		{ "threads", required_argument, NULL, 't' },
		{ "no-mouse", no_argument, NULL, 'm' },
		{ "bench", no_argument, NULL, 'b' },
		{ "reps", required_argument, NULL, 'r' },
		{ "weights", required_argument, NULL, 'w' },
		{ "version", no_argument, NULL, 'V' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	const char *store_opt = NULL;
	int c, threads = 0, bench = 0, reps = 10, no_mouse = 0, weights = DECODER_BF16;

	setlocale(LC_ALL, "");
	opterr = 0;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 's':
			if (!*optarg) {
				fprintf(stderr, "ric-tui: --store wants a file name, not ''\n");
				return 2;
			}
			store_opt = optarg;
			break;
		case 't':
			if (ric_tui_int("--threads", optarg, 1, 256, &threads) != 0)
				return 2;
			break;
		case 'w':
			if ((weights = decoder_dtype_parse(optarg)) < 0) {
				termtext_printf(stderr, "ric-tui: --weights wants f32, bf16 or int8, not '%s'\n",
				                optarg);
				return 2;
			}
			break;
		case 'm': no_mouse = 1; break;
		case 'b': bench = 1; break;
		case 'r':
			if (ric_tui_int("--reps", optarg, 1, 1000, &reps) != 0)
				return 2;
			break;
		case 'V': printf("ric-tui %s\n", PACKAGE_VERSION); return 0;
		case 'h': usage(stdout); return 0;
		default:
			fprintf(stderr, "ric-tui: unknown option or missing value '%s'\n", argv[optind - 1]);
			usage(stderr);
			return 2;
		}
	}
	if (optind + 1 < argc) {
		fprintf(stderr, "ric-tui: unexpected argument '%s'\n", argv[optind + 1]);
		return 2;
	}
	struct status cst = STATUS_INIT;
	if (cpu_init(&cst) != STATUS_OK) {
		fprintf(stderr, "ric-tui: %s\n", cst.msg);
		return 2;
	}
	if (threads > 0)
		kernels_set_threads(threads);
	const char *ckpt_arg = optind < argc ? argv[optind] : NULL;
	if (bench) {
		char *demo = ckpt_arg ? NULL : ric_tui_demo();
		if (!ckpt_arg && !demo) {
			fprintf(stderr, "ric-tui: --bench needs a CHECKPOINT (no demo is installed)\n");
			return 2;
		}
		int rc = tui_bench_run(ckpt_arg ? ckpt_arg : demo, reps, (enum decoder_dtype)weights, stdout);
		free(demo);
		return rc;
	}
	char why[256];
	if (!screen_usable(why, sizeof why)) {
		fprintf(stderr, "ric-tui: %s\n", why);
		return 1;
	}
	char *store = paths_store(store_opt);
	/* Only a fresh default store gets the demo, as with ric (src/cli_store.c). */
	const char *no_demo = getenv("RIC_NO_DEMO");
	int is_default = paths_store_default(store_opt);
	int fresh_default = store && is_default && !(no_demo && *no_demo && strcmp(no_demo, "0") != 0) &&
	                    access(store, F_OK) != 0;
	char err[512];
	struct tui_app *a = store ? tui_app_new(store, is_default ? STORE_MKDIR : 0, err, sizeof err)
	                          : NULL;
	if (!a) {
		termtext_printf(stderr, "ric-tui: %s\n",
		        store ? err : "no store: set HOME, XDG_DATA_HOME or RIC_STORE, or give --store");
		free(store);
		return 1;
	}
	if (fresh_default)
		demo_register(a->store.s, paths_datadir(), stderr);
	/* ricrc first: its settings and bindings hold from the first frame. */
	char *rcpath = paths_config_file("ricrc");
	struct ricrc_ops ops = { .keys = a->keys, .set = ric_tui_setting, .ctx = a, .colors = 1 };
	struct ricrc_errors rce = { 0 };
	int rc_problems = rcpath ? ricrc_load(rcpath, &ops, &rce) : 0;
	free(rcpath);
	if (no_mouse)
		a->mouse = 0;
	a->weights = (enum decoder_dtype)weights;
	char *demo = ckpt_arg ? NULL : ric_tui_demo();
	if (ckpt_arg || demo)
		tui_app_load(a, ckpt_arg ? ckpt_arg : demo);
	free(demo);
	/* On the status line of the first frame (after the load's own message,
	 * which would hide it); the whole list goes to stderr at the exit. */
	if (rc_problems > 0) {
		char first[256];
		snprintf(first, sizeof first, "%.*s", (int)strcspn(rce.text, "\n"), rce.text);
		tui_app_error(a, "%d problem%s in ricrc: %s", rce.count, rce.count == 1 ? "" : "s", first);
	}
	if (screen_open(why, sizeof why) != 0) {
		fprintf(stderr, "ric-tui: %s\n", why);
		tui_app_free(a);
		free(store);
		return 1;
	}
	theme_init();
	/* Esc answers a question or closes the help at once, not after curses'
	 * default second of waiting for a key sequence. */
	set_escdelay(25);
	/* After screen_open, which installs its own restoring handlers: these
	 * only ask the loop to stop, so the normal way out restores the screen. */
	stopsig_catch(ric_tui_on_signal, 0);
	timeout(0);
	/* Beside the `:` line's history, as readline keeps them. */
	char *hist[TUI_LINE_HIST_COUNT] = { NULL };
	hist[TUI_LINE_HIST_COMMAND] = paths_state_file("history");
	hist[TUI_LINE_HIST_FILTER] = paths_state_file("filter_history");
	hist[TUI_LINE_HIST_SEARCH] = paths_state_file("search_history");
	tui_line_init((const char *const *)hist, ric_tui_complete, a);
	for (int h = 0; h < TUI_LINE_HIST_COUNT; h++)
		free(hist[h]);
	struct ric_tui t = { .a = a, .mouse_on = -1 };
	a->dirty = 1;
	ric_tui_loop(&t);
	tui_line_done();
	ric_tui_free_names();
	if (t.have_tv)
		tui_view_free(&t.tv);
	screen_close();
	if (rc_problems > 0)
		fputs(rce.text, stderr);
	int rc = ric_tui_stop ? 130 : 0;
	tui_app_free(a);
	free(store);
	return rc;
}
