#include "config.h"

#include "ui/view.h"

#include "ui/draw.h"
#include "ui/theme.h"

#include <stdio.h>
#include <string.h>

static const struct {
	const char *label;
	enum action action;
} view_tabs[] = {
	[VIEW_STEER] = { "Steer", ACTION_SCREEN_STEER },
	[VIEW_FRONT] = { "Front", ACTION_SCREEN_FRONT },
	[VIEW_RUNS] = { "Runs", ACTION_SCREEN_RUNS },
	[VIEW_JOBS] = { "Jobs", ACTION_SCREEN_JOBS },
};

static enum layout_screen view_layout_screen(enum view_screen s)
{
	switch (s) {
	case VIEW_STEER: return LAYOUT_STEER;
	case VIEW_FRONT: return LAYOUT_FRONT;
	case VIEW_RUNS: return LAYOUT_RUNS;
	case VIEW_JOBS: return LAYOUT_JOBS;
	default: return LAYOUT_HELP;
	}
}

struct layout_opts view_layout_opts(const struct view *v)
{
	struct layout_opts o = { 0, 0 };
	if (v->steer) {
		o.n_sliders = (int)v->steer->n_objectives;
		o.compare = v->steer->compare;
	}
	return o;
}

/* The first key bound to a, for the tabs and hints ("1", "F1"). */
static const char *view_first_key(const struct keys_map *km, enum action a, char *buf, size_t len)
{
	buf[0] = '\0';
	if (!km)
		return buf;
	keys_of(km, a, buf, len);
	buf[strcspn(buf, ",")] = '\0';
	return buf;
}

/* Tab x positions: the mouse needs the same arithmetic as the drawing. */
static int view_tab_spans(const struct view *v, int cols, int x0[VIEW_HELP], int x1[VIEW_HELP])
{
	int x = (int)strlen(" ric ") + 1;
	for (int i = 0; i < VIEW_HELP; i++) {
		char key[32];
		view_first_key(v->keys, view_tabs[i].action, key, sizeof key);
		int w = (int)strlen(key) + 1 + (int)strlen(view_tabs[i].label) + 2;
		if (i == VIEW_JOBS && v->jobs_running > 0)
			w += snprintf(NULL, 0, " (%d)", v->jobs_running);
		x0[i] = x;
		x1[i] = x + w < cols ? x + w : cols;
		x += w + 1;
	}
	return x;
}

static void view_header(WINDOW *w, const struct layout *L, const struct view *v)
{
	const struct layout_rect *r = &L->header;
	int x0[VIEW_HELP], x1[VIEW_HELP];
	int end = view_tab_spans(v, r->w, x0, x1);
	draw_fill(w, r, theme_attr(THEME_HEADER));
	wattrset(w, theme_attr(THEME_HEADER) | A_BOLD);
	mvwaddstr(w, r->y, r->x, " ric ");
	for (int i = 0; i < VIEW_HELP; i++) {
		char key[32], label[64];
		view_first_key(v->keys, view_tabs[i].action, key, sizeof key);
		if (i == VIEW_JOBS && v->jobs_running > 0)
			snprintf(label, sizeof label, " %s %s (%d) ", key, view_tabs[i].label, v->jobs_running);
		else
			snprintf(label, sizeof label, " %s %s ", key, view_tabs[i].label);
		wattrset(w, theme_attr((int)v->screen == i ? THEME_TAB_ACTIVE : THEME_TAB));
		draw_text(w, r->y, x0[i], x1[i] - x0[i], label);
	}
	wattrset(w, theme_attr(THEME_HEADER));
	char right[512];
	const char *ck = v->checkpoint ? v->checkpoint : v->steer ? v->steer->checkpoint : NULL;
	snprintf(right, sizeof right, "%s%s ", v->mouse ? "mouse  " : "", ck ? ck : "no checkpoint");
	int avail = r->w - end - 1;
	/* A long path keeps its end, the part that tells checkpoints apart. */
	const char *shown = right;
	while (draw_width(shown) > avail && *shown) {
		unsigned cp;
		shown += draw_decode(shown, strlen(shown), &cp);
	}
	if (avail > 4) {
		if (shown != right && *shown) {
			shown += draw_decode(shown, strlen(shown), &(unsigned){ 0 });
			draw_text(w, r->y, end + 1, 1, draw_utf8() ? "\xe2\x80\xa6" : "<");
			draw_text_right(w, r->y, end + 2, avail - 1, shown);
		} else {
			draw_text_right(w, r->y, end + 1, avail, shown);
		}
	}
	wattrset(w, A_NORMAL);
}

/* The first key of `a` that does `a` on this screen (q closes the help, so
 * it is not offered there for quitting); 0 when none does. */
static int view_live_key(const struct view *v, enum action a, char *out, size_t len)
{
	static const enum keys_screen scr[VIEW_SCREEN_COUNT] = {
		[VIEW_STEER] = KEYS_SCREEN_STEER, [VIEW_FRONT] = KEYS_SCREEN_FRONT,
		[VIEW_RUNS] = KEYS_SCREEN_RUNS, [VIEW_JOBS] = KEYS_SCREEN_JOBS,
		[VIEW_HELP] = KEYS_SCREEN_HELP,
	};
	char all[256];
	if (!v->keys || v->screen >= VIEW_SCREEN_COUNT)
		return 0;
	keys_of(v->keys, a, all, sizeof all);
	for (char *k = all; *k;) {
		size_t n = strcspn(k, ",");
		int key;
		char c = k[n];
		k[n] = '\0';
		enum keys_screen ks = v->form ? KEYS_SCREEN_FORM : scr[v->screen];
		if (keys_parse(k, &key, NULL, 0) == 0 && keys_lookup(v->keys, ks, key) == a) {
			size_t m = strlen(k) < len ? strlen(k) : len - 1;
			memcpy(out, k, m);
			out[m] = '\0';
			return 1;
		}
		if (!c)
			break;
		k += n + 1;
		k += strspn(k, " ");
	}
	return 0;
}

/* htop's bottom bar: key, then what it does, for the screen's main actions. */
#define VIEW_HINTS_MAX 10
static const enum action view_hint_actions[VIEW_SCREEN_COUNT][VIEW_HINTS_MAX] = {
	[VIEW_STEER] = { ACTION_SLIDER_INC, ACTION_SLIDER_LOCK, ACTION_PROMPT_EDIT, ACTION_COMPARE_TOGGLE,
	                 ACTION_COMPARE_SIDE, ACTION_SAMPLE_SAVE, ACTION_SEED_CHANGE,
	                 ACTION_STEER_ITER_NEXT, ACTION_NONE },
	[VIEW_FRONT] = { ACTION_AXIS_X_NEXT, ACTION_AXIS_Y_NEXT, ACTION_POINT_NEXT, ACTION_OVERLAY_TOGGLE,
	                 ACTION_POINT_STEER, ACTION_RESPONSE_TOGGLE, ACTION_RESPONSE_DESIRED,
	                 ACTION_ITER_NEXT, ACTION_NONE },
	[VIEW_RUNS] = { ACTION_RUN_LOAD, ACTION_SEARCH, ACTION_FILTER, ACTION_SORT_NEXT, ACTION_RUN_MARK,
	                ACTION_RUN_COMPARE, ACTION_RUN_DELETE, ACTION_CHART_TOGGLE, ACTION_NONE },
	[VIEW_JOBS] = { ACTION_JOB_NEW, ACTION_JOB_CANCEL, ACTION_JOB_RESUME, ACTION_JOB_LOG, ACTION_NONE },
	[VIEW_HELP] = { ACTION_HELP_CLOSE, ACTION_LIST_DOWN, ACTION_LIST_UP, ACTION_NONE },
};

static const char *view_hint_label(const struct view *v, enum action a)
{
	switch (a) {
	case ACTION_COMPARE_SIDE: return v->steer && v->steer->side ? "edit A" : "edit B";
	case ACTION_SLIDER_INC: return "weight+";
	case ACTION_SLIDER_LOCK: return "lock";
	case ACTION_PROMPT_EDIT: return "prompt";
	case ACTION_COMPARE_TOGGLE: return "A|B";
	case ACTION_SAMPLE_SAVE: return "save";
	case ACTION_SEED_CHANGE: return "seed";
	case ACTION_AXIS_X_NEXT: return "x-axis";
	case ACTION_AXIS_Y_NEXT: return "y-axis";
	case ACTION_POINT_NEXT: return "point";
	case ACTION_OVERLAY_TOGGLE: return "overlay";
	case ACTION_POINT_STEER: return "steer";
	case ACTION_RUN_LOAD: return "load";
	case ACTION_SEARCH: return "search";
	case ACTION_FILTER: return "filter";
	case ACTION_SORT_NEXT: return "sort";
	case ACTION_RUN_MARK: return "mark";
	case ACTION_RUN_COMPARE: return "compare";
	case ACTION_RUN_DELETE: return "delete";
	case ACTION_JOB_NEW: return "new";
	case ACTION_JOB_CANCEL: return "cancel";
	case ACTION_JOB_RESUME: return "resume";
	case ACTION_JOB_LOG: return "log";
	case ACTION_FORM_EDIT: return "edit";
	case ACTION_FORM_ADD: return "add option";
	case ACTION_FORM_REMOVE: return "remove";
	case ACTION_FORM_START: return "start";
	case ACTION_FORM_EXPERT: return ":job line";
	case ACTION_FORM_CLOSE: return "close";
	case ACTION_HELP_CLOSE: return "close";
	case ACTION_RESPONSE_TOGGLE: return v->front && v->front->response ? "front" : "response";
	case ACTION_ITER_NEXT:
	case ACTION_STEER_ITER_NEXT: return "iteration";
	case ACTION_RESPONSE_DESIRED: return v->front && v->front->response_desired ? "vs weight" : "vs desired";
	case ACTION_CHART_TOGGLE: return v->runs && v->runs->chart ? "details" : "chart";
	case ACTION_LIST_DOWN: return "down";
	case ACTION_LIST_UP: return "up";
	case ACTION_HELP: return "help";
	case ACTION_COMMAND: return "command";
	case ACTION_QUIT: return "quit";
	default: return keys_action_name(a);
	}
}

/* One hint's width ("key label"), 0 when it is not shown here. */
static int view_hint_width(const struct view *v, enum action a, char *key, size_t cap)
{
	/* Only the keys of the mode shown: A|B's side key in compare mode. */
	if (a == ACTION_COMPARE_SIDE && !(v->steer && v->steer->compare))
		return 0;
	if (a == ACTION_RESPONSE_DESIRED && !(v->front && v->front->response))
		return 0;
	/* Stepping iterations: once an online iteration is shown. */
	if (a == ACTION_ITER_NEXT && !(v->front && v->front->iteration))
		return 0;
	if (a == ACTION_STEER_ITER_NEXT && !(v->steer && v->steer->iteration))
		return 0;
	if (!view_live_key(v, a, key, cap))
		return 0;
	return draw_width(key) + 1 + draw_width(view_hint_label(v, a));
}

static void view_hints(WINDOW *w, const struct layout *L, const struct view *v)
{
	const struct layout_rect *r = &L->hints;
	static const enum action globals[] = { ACTION_HELP, ACTION_QUIT, ACTION_COMMAND };
	enum action list[12];
	char key[32];
	int n = 0;
	static const enum action form_hints[] = { ACTION_FORM_EDIT, ACTION_FORM_ADD, ACTION_FORM_REMOVE,
		                                  ACTION_FORM_START, ACTION_FORM_EXPERT, ACTION_FORM_CLOSE,
		                                  ACTION_NONE };
	const enum action *hints = v->form ? form_hints : view_hint_actions[v->screen];
	for (int i = 0; i < VIEW_HINTS_MAX && hints[i] != ACTION_NONE; i++)
		list[n++] = hints[i];
	/* help and quit always keep their place at the end (the command line's
	 * key when it fits too); the screen's own hints fill what is left. */
	int ng = 0, gw = 0;
	for (; ng < 3; ng++) {
		int k = view_hint_width(v, globals[ng], key, sizeof key);
		if (ng == 2 && gw + k + 2 > r->w / 3)
			break;
		gw += k ? k + 2 : 0;
	}
	draw_fill(w, r, theme_attr(THEME_HINT_TEXT));
	int x = r->x, end = r->x + r->w - gw;
	for (int pass = 0; pass < 2; pass++) {
		int count = pass ? ng : n;
		for (int i = 0; i < count; i++) {
			enum action a = pass ? globals[i == 1 && ng == 3 ? 2 : i == 2 ? 1 : i] : list[i];
			int need = view_hint_width(v, a, key, sizeof key);
			if (!need)
				continue;
			if (x + need > (pass ? r->x + r->w : end)) {
				if (pass)
					break;
				continue;
			}
			/* "key label", two blanks to the next: apart without colour too. */
			wattrset(w, theme_attr(THEME_HINT_KEY));
			x += draw_text(w, r->y, x, r->x + r->w - x, key);
			wattrset(w, theme_attr(THEME_HINT_TEXT));
			x += draw_text(w, r->y, x, r->x + r->w - x, " ");
			x += draw_text(w, r->y, x, r->x + r->w - x, view_hint_label(v, a));
			x += draw_text(w, r->y, x, r->x + r->w - x, "  ");
		}
	}
	wattrset(w, A_NORMAL);
}

static void view_status(WINDOW *w, const struct layout *L, const struct view *v)
{
	const struct layout_rect *r = &L->status;
	if (v->cmdline)
		return;
	if (v->confirm) {
		/* A question is read whole (it may quote a command to run): a long one
		 * takes rows above the status line, as many as it needs up to the top. */
		size_t len = strlen(v->confirm), at = 0;
		int rows = 0;
		while (at < len && r->w > 0) {
			size_t n = draw_fit(v->confirm + at, len - at, r->w, NULL);
			if (n == 0)
				break;
			at += n;
			rows++;
		}
		if (rows > r->y + 1)
			rows = r->y + 1;
		if (rows < 1)
			rows = 1;
		at = 0;
		wattrset(w, theme_attr(THEME_CONFIRM));
		for (int k = 0; k < rows; k++) {
			struct layout_rect line = { .y = r->y - rows + 1 + k, .x = r->x, .h = 1, .w = r->w };
			draw_fill(w, &line, theme_attr(THEME_CONFIRM));
			size_t n = draw_fit(v->confirm + at, len - at, r->w, NULL);
			draw_textn(w, line.y, line.x, line.w, v->confirm + at, n);
			at += n;
		}
	} else if (v->status) {
		wattrset(w, theme_attr(v->status_error ? THEME_ERROR : THEME_STATUS));
		draw_text(w, r->y, r->x, r->w, v->status);
	}
	wattrset(w, A_NORMAL);
}

void view_draw(WINDOW *w, const struct view *v)
{
	int rows, cols;
	getmaxyx(w, rows, cols);
	werase(w);
	struct layout_opts o = view_layout_opts(v);
	struct layout L = layout_compute(view_layout_screen(v->screen), rows, cols, &o);
	if (L.too_small) {
		view_too_small_draw(w, rows, cols);
		return;
	}
	view_header(w, &L, v);
	switch (v->screen) {
	case VIEW_STEER:
		if (v->steer)
			view_steer_draw(w, &L, v->steer);
		break;
	case VIEW_FRONT:
		if (v->front)
			view_front_draw(w, &L, v->front);
		break;
	case VIEW_RUNS:
		if (v->runs)
			view_runs_draw(w, &L, v->runs);
		break;
	case VIEW_JOBS:
		if (v->form)
			view_form_draw(w, &L, v->form);
		else if (v->jobs)
			view_jobs_draw(w, &L, v->jobs);
		break;
	case VIEW_HELP: {
		static const struct view_help none = { 0 };
		view_help_draw(w, &L, v->keys, v->help ? v->help : &none);
		break;
	}
	case VIEW_SCREEN_COUNT:
		break;
	}
	view_hints(w, &L, v);
	view_status(w, &L, v);
}

void view_too_small_draw(WINDOW *w, int rows, int cols)
{
	werase(w);
	char a[64], b[64];
	snprintf(a, sizeof a, "Terminal too small: %dx%d", cols, rows);
	snprintf(b, sizeof b, "ric-tui needs %dx%d", LAYOUT_MIN_COLS, LAYOUT_MIN_ROWS);
	const char *lines[] = { a, b, "Enlarge the window, or press q to quit." };
	int n = 3;
	int y = rows > n ? (rows - n) / 2 : 0;
	for (int i = 0; i < n && y + i < rows; i++) {
		int len = (int)strlen(lines[i]);
		int x = cols > len ? (cols - len) / 2 : 0;
		wattrset(w, i == 0 ? A_BOLD : A_NORMAL);
		draw_text(w, y + i, x, cols - x, lines[i]);
	}
	wattrset(w, A_NORMAL);
}

int view_hit(const struct view *v, int rows, int cols, int y, int x, struct view_hit *h)
{
	memset(h, 0, sizeof *h);
	h->kind = VIEW_HIT_NONE;
	struct layout_opts o = view_layout_opts(v);
	struct layout L = layout_compute(view_layout_screen(v->screen), rows, cols, &o);
	if (L.too_small)
		return 0;
	if (layout_contains(&L.header, y, x)) {
		int x0[VIEW_HELP], x1[VIEW_HELP];
		view_tab_spans(v, cols, x0, x1);
		for (int i = 0; i < VIEW_HELP; i++) {
			if (x >= x0[i] && x < x1[i]) {
				h->kind = VIEW_HIT_TAB;
				h->index = i;
				return 1;
			}
		}
		return 0;
	}
	if (layout_contains(&L.status, y, x)) {
		h->kind = VIEW_HIT_STATUS;
		return 1;
	}
	switch (v->screen) {
	case VIEW_STEER: return v->steer ? view_steer_hit(&L, v->steer, y, x, h) : 0;
	case VIEW_FRONT: return v->front ? view_front_hit(&L, v->front, y, x, h) : 0;
	case VIEW_RUNS: return v->runs ? view_runs_hit(&L, v->runs, y, x, h) : 0;
	case VIEW_JOBS:
		if (v->form)
			return view_form_hit(&L, v->form, y, x, h);
		return v->jobs ? view_jobs_hit(&L, v->jobs, y, x, h) : 0;
	default: return 0;
	}
}
