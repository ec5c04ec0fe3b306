#include "config.h"

#include "src/tui_line.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <wchar.h>

#include <readline/history.h>
#include <readline/readline.h>

static int line_char, line_has;
static int line_active, line_cancel, line_completes;
static char *line_accepted;
static int line_got;
static char *line_prompt;
static char *line_hist_file[TUI_LINE_HIST_COUNT];
static tui_line_complete_fn line_complete;
static void *line_ctx;
static char line_hints[512];
static FILE *line_null;
/* One history per kind of line, swapped in and out of readline's one. */
static HISTORY_STATE *line_hist[TUI_LINE_HIST_COUNT];
static int line_hist_cur;

static int tui_line_getc(FILE *f)
{
	(void)f;
	line_has = 0;
	return line_char;
}

static int tui_line_avail(void) { return line_has; }
static void tui_line_redisplay(void) {}
static void tui_line_prep(int meta) { (void)meta; }
static void tui_line_deprep(void) {}

static void tui_line_accept(char *text)
{
	free(line_accepted);
	line_accepted = text;
	/* NULL: Ctrl-D on an empty line, which cancels like Esc. */
	line_got = text != NULL;
	line_cancel = text == NULL;
	if (text && *text) {
		HIST_ENTRY *last = history_length > 0 ? history_get(history_base + history_length - 1) : NULL;
		if (!last || strcmp(last->line, text) != 0) {
			add_history(text);
			const char *file = line_hist_file[line_hist_cur];
			if (file) {
				/* append_history needs the file to exist; the first line makes it. */
				if (append_history(1, file) != 0)
					write_history(file);
				history_truncate_file(file, 1000);
			}
		}
	}
	rl_callback_handler_remove();
	line_active = 0;
}

static void tui_line_show_matches(char **matches, int n, int longest)
{
	(void)longest;
	size_t used = 0;
	line_hints[0] = '\0';
	for (int i = 1; i <= n && used < sizeof line_hints; i++)
		used += (size_t)snprintf(line_hints + used, sizeof line_hints - used, "%s%s",
		                         i > 1 ? "  " : "", matches[i]);
}

static char **tui_line_attempt(const char *text, int start, int end)
{
	line_hints[0] = '\0';
	if (!line_complete || !line_completes) {
		rl_attempted_completion_over = 1; /* the prompt editor: Tab completes nothing */
		return NULL;
	}
	char **m = line_complete(line_ctx, rl_line_buffer, text, start, end);
	if (m)
		rl_attempted_completion_over = 1;
	return m;
}

static void tui_line_use_history(int which)
{
	if (which == line_hist_cur)
		return;
	free(line_hist[line_hist_cur]);
	line_hist[line_hist_cur] = history_get_history_state();
	history_set_history_state(line_hist[which]);
	line_hist_cur = which;
	/* Up starts from the newest entry. */
	using_history();
}

static void tui_line_mkdirs(const char *file)
{
	char *dir = strdup(file);
	char *slash = dir ? strrchr(dir, '/') : NULL;
	if (slash) {
		*slash = '\0';
		for (char *p = dir + 1; *p; p++)
			if (*p == '/') {
				*p = '\0';
				mkdir(dir, 0777);
				*p = '/';
			}
		mkdir(dir, 0777);
	}
	free(dir);
}

void tui_line_init(const char *const files[TUI_LINE_HIST_COUNT], tui_line_complete_fn complete,
                   void *ctx)
{
	line_complete = complete;
	line_ctx = ctx;
	line_null = fopen("/dev/null", "w");
	rl_catch_signals = 0;
	rl_catch_sigwinch = 0;
#if RL_READLINE_VERSION >= 0x0700
	rl_change_environment = 0;
#endif
	rl_getc_function = tui_line_getc;
	rl_input_available_hook = tui_line_avail;
	rl_redisplay_function = tui_line_redisplay;
	rl_prep_term_function = tui_line_prep;
	rl_deprep_term_function = tui_line_deprep;
	rl_outstream = line_null ? line_null : stderr;
	rl_readline_name = "ric-tui";
	rl_attempted_completion_function = tui_line_attempt;
	rl_completion_display_matches_hook = tui_line_show_matches;
	using_history();
	line_hist_cur = 0;
	for (int h = 0; h < TUI_LINE_HIST_COUNT; h++) {
		if (h > 0) {
			line_hist[line_hist_cur] = history_get_history_state();
			/* an empty history for kind h */
			history_set_history_state(&(HISTORY_STATE){ 0 });
			line_hist_cur = h;
		}
		if (files && files[h]) {
			line_hist_file[h] = strdup(files[h]);
			tui_line_mkdirs(files[h]);
			read_history(files[h]);
			using_history();
		}
	}
}

void tui_line_done(void)
{
	if (line_active)
		tui_line_cancel();
	free(line_accepted);
	line_accepted = NULL;
	free(line_prompt);
	line_prompt = NULL;
	/* Each history swapped out is ours alone to free: its entries and array. */
	HISTORY_STATE *cur = history_get_history_state();
	for (int h = 0; h < TUI_LINE_HIST_COUNT; h++) {
		free(line_hist_file[h]);
		line_hist_file[h] = NULL;
		if (h == line_hist_cur || !line_hist[h])
			continue;
		history_set_history_state(line_hist[h]);
		clear_history();
		HISTORY_STATE *o = history_get_history_state();
		free(o->entries);
		free(o);
		free(line_hist[h]);
		line_hist[h] = NULL;
	}
	history_set_history_state(cur);
	free(cur);
	free(line_hist[line_hist_cur]);
	line_hist[line_hist_cur] = NULL;
	clear_history();
	if (line_null)
		fclose(line_null);
	line_null = NULL;
}

void tui_line_open(const char *prompt, const char *init, enum tui_line_hist history, int complete)
{
	if (line_active)
		tui_line_cancel();
	line_completes = complete;
	tui_line_use_history((int)history < TUI_LINE_HIST_COUNT ? (int)history : TUI_LINE_HIST_OTHER);
	free(line_prompt);
	line_prompt = strdup(prompt);
	line_hints[0] = '\0';
	line_got = line_cancel = 0;
	rl_callback_handler_install(prompt, tui_line_accept);
	if (init && *init) {
		rl_replace_line(init, 0);
		rl_point = rl_end;
	}
	line_active = 1;
}

int tui_line_active(void) { return line_active; }

const char *tui_line_text(void)
{
	return line_active && rl_line_buffer ? rl_line_buffer : "";
}

void tui_line_feed(int c)
{
	if (!line_active)
		return;
	line_char = c;
	line_has = 1;
	rl_callback_read_char();
}

void tui_line_cancel(void)
{
	if (!line_active)
		return;
	rl_replace_line("", 0);
	rl_callback_handler_remove();
	line_active = 0;
	line_cancel = 1;
	line_hints[0] = '\0';
}

char *tui_line_take(void)
{
	if (!line_got)
		return NULL;
	line_got = 0;
	char *t = line_accepted;
	line_accepted = NULL;
	return t;
}

int tui_line_cancelled(void)
{
	int c = line_cancel;
	line_cancel = 0;
	return c;
}

const char *tui_line_hint(void) { return line_hints; }

/* Display columns of the bytes [0, n) of s (UTF-8 aware; bad bytes take one). */
static int tui_line_cols(const char *s, size_t n)
{
	mbstate_t ps;
	memset(&ps, 0, sizeof ps);
	int cols = 0;
	size_t i = 0;
	while (i < n) {
		wchar_t wc;
		size_t k = mbrtowc(&wc, s + i, n - i, &ps);
		if (k == (size_t)-1 || k == (size_t)-2 || k == 0) {
			memset(&ps, 0, sizeof ps);
			cols++;
			i++;
			continue;
		}
		int w = wcwidth(wc);
		cols += w > 0 ? w : 0;
		i += k;
	}
	return cols;
}

void tui_line_draw(WINDOW *win, int y, int x, int w)
{
	if (w <= 0)
		return;
	wmove(win, y, x);
	wclrtoeol(win);
	const char *p = line_prompt ? line_prompt : "";
	int pw = tui_line_cols(p, strlen(p));
	mvwaddnstr(win, y, x, p, w);
	int room = w - pw - 1;
	if (room <= 0)
		return;
	const char *buf = rl_line_buffer ? rl_line_buffer : "";
	size_t point = (size_t)(rl_point > 0 ? rl_point : 0);
	/* Scroll by whole bytes from the left until the cursor fits. */
	size_t start = 0;
	while (start < point && tui_line_cols(buf + start, point - start) > room)
		start++;
	int shown = 0;
	size_t end = start;
	size_t len = strlen(buf);
	while (end < len && shown + tui_line_cols(buf + end, 1) <= room) {
		shown += tui_line_cols(buf + end, 1);
		end++;
	}
	mvwaddnstr(win, y, x + pw, buf + start, (int)(end - start));
	wmove(win, y, x + pw + tui_line_cols(buf + start, point - start));
}
