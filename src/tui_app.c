#include "config.h"

#include "src/tui_app_int.h"

#include <errno.h>
#include <jansson.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "engine/monotonic.h"
#include "engine/stats.h"
#include "src/json_text.h"
#include "src/paths.h"
#include "ui/slider.h"

void tui_app_say(struct tui_app *a, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(a->status, sizeof a->status, fmt, ap);
	va_end(ap);
	a->status_error = 0;
	a->status_ms = monotonic_ms();
	a->dirty = 1;
}

void tui_app_error(struct tui_app *a, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(a->status, sizeof a->status, fmt, ap);
	va_end(ap);
	a->status_error = 1;
	a->status_ms = monotonic_ms();
	a->dirty = 1;
}

struct tui_app *tui_app_new(const char *store_path, int store_flags, char *err, size_t cap)
{
	struct tui_app *a = calloc(1, sizeof *a);
	if (!a) {
		snprintf(err, cap, "out of memory");
		return NULL;
	}
	struct tui_gen_req defaults = TUI_GEN_REQ_DEFAULTS;
	a->req = defaults;
	a->first_token_ms = a->done_ms = -1;
	a->sample_focus = 0;
	a->runs_sort = TUI_RUNS_BY_ID;
	a->runs_desc = 1;
	a->x_axis = 0;
	a->y_axis = 1;
	a->cur_series = a->cur_point = -1;
	a->overlay = 1;
	a->fronts_auto = 1;
	a->log_lines = 8;
	a->mouse = 1;
	a->weights = DECODER_BF16;
	a->rows = 24;
	a->cols = 80;
	a->keys = keys_map_new();
	if (!a->keys) {
		snprintf(err, cap, "out of memory");
		free(a);
		return NULL;
	}
	if (store_path) {
		struct store_err se;
		if (tui_store_open(&a->store, store_path, store_flags, &se) != STORE_OK) {
			snprintf(err, cap, "%s", se.msg);
			keys_map_free(a->keys);
			free(a);
			return NULL;
		}
		a->has_store = 1;
	}
	tui_app_say(a, "no checkpoint loaded: :load PATH (a RiC checkpoint with ric.json)");
	return a;
}

void tui_app_clear_samples(struct tui_app *a)
{
	for (int s = 0; s < 2; s++)
		for (int i = 0; i < TUI_GEN_MAX_SAMPLES; i++) {
			free(a->samples[s][i].text);
			free(a->samples[s][i].rgb);
			memset(&a->samples[s][i], 0, sizeof a->samples[s][i]);
		}
}

/* The demo's own first prompt when the demo is what loads (it was trained
 * on prompts like it), else a neutral one. */
static char *tui_app_first_prompt(const char *ckpt)
{
	char line[512] = "";
	char *file = strstr(ckpt, "demo/") ? paths_data_file("demo/prompts.txt") : NULL;
	FILE *f = file ? fopen(file, "r") : NULL;
	if (f && fgets(line, sizeof line, f))
		line[strcspn(line, "\n")] = '\0';
	if (f)
		fclose(f);
	free(file);
	return strdup(line[0] ? line : "Tell me something.");
}

int tui_app_load(struct tui_app *a, const char *dir)
{
	struct status st = STATUS_INIT;
	struct tui_gen *g;
	/* A relative folder that is not here is the data folder's, as the
	 * demo's store records "demo/policy" (and rm: rewards are found). */
	char *shared = NULL;
	if (dir[0] != '/' && access(dir, F_OK) != 0) {
		shared = paths_data_file(dir);
		if (shared && access(shared, F_OK) == 0)
			dir = shared;
	}
	if (tui_gen_open(&g, dir, paths_datadir(), a->weights, &st) != STATUS_OK) {
		tui_app_error(a, "%s", st.msg);
		free(shared);
		return -1;
	}
	char *copy = strdup(dir);
	free(shared);
	if (!copy) {
		tui_gen_close(g);
		tui_app_error(a, "out of memory");
		return -1;
	}
	tui_gen_close(a->gen);
	tui_app_clear_samples(a);
	free(a->ckpt);
	a->gen = g;
	a->ckpt = copy;
	a->n_resp = 0; /* another model's responses are not this one's */
	a->steer_online = 0; /* an iteration step sets it again after the load */
	a->steer_iter = 0;
	a->gen_id = 0;
	a->generating = 0;
	const struct ricmeta *m = tui_gen_meta(g);
	a->n_obj = m->n_obj;
	ricmeta_ranges(m, a->lo, a->hi);
	if (!a->mapping_chosen)
		a->req.mapping = m->mapping;
	for (size_t i = 0; i < m->n_obj; i++) {
		a->obj_names[i] = m->obj[i].name;
		/* Equal weights: the centre of the simplex, a neutral start. */
		a->w[0][i] = a->w[1][i] = 1.0 / (double)m->n_obj;
		a->locked[0][i] = a->locked[1][i] = 0;
	}
	a->focus = 0;
	/* Front's default fronts are the open model's (tui_fronts_eval_runs). */
	if (a->fronts_auto)
		a->stale |= TUI_STALE_FRONTS;
	if (!a->prompt)
		a->prompt = tui_app_first_prompt(a->ckpt);
	if (tui_gen_is_image(g))
		tui_app_say(a, "loaded %s: an image model, %zu objectives", a->ckpt, m->n_obj);
	else
		tui_app_say(a, "loaded %s: %zu objectives", a->ckpt, m->n_obj);
	tui_app_regenerate(a);
	tui_app_ask_consent(a, 0);
	return 0;
}

int tui_app_load_b(struct tui_app *a, const char *dir)
{
	if (!a->gen) {
		tui_app_error(a, "no checkpoint loaded: :load PATH first (side A), then :load b ADAPTER");
		return -1;
	}
	struct status st = STATUS_INIT;
	struct tui_gen_load info;
	if (tui_gen_set_b(a->gen, dir, &info, &st) != STATUS_OK) {
		tui_app_error(a, "%s", st.msg);
		a->generating = 0;
		tui_app_regenerate(a);
		return -1;
	}
	if (!a->compare) {
		a->compare = 1;
		a->side = 0;
		memcpy(a->w[1], a->w[0], sizeof a->w[0]);
	}
	tui_app_clear_samples(a);
	tui_app_say(a, "B: %s, on the base A holds (%s): read once, B made in %lld ms, +%.1f MB", dir,
	            info.base, (long long)info.ms, info.rss_kb / 1024.0);
	tui_app_regenerate(a);
	return 0;
}

int tui_app_ask_consent(struct tui_app *a, size_t from)
{
	for (size_t i = from; a->gen && i < a->n_obj; i++) {
		if (!tui_gen_denied(a->gen, i))
			continue;
		const struct ricmeta *m = tui_gen_meta(a->gen);
		const char *spec = m->obj[i].reward;
		int cmd = strncmp(spec, "cmd:", 4) == 0 || strncmp(spec, "rule:cmd:", 9) == 0;
		a->confirm = TUI_CONFIRM_ALLOW_CMD;
		a->confirm_id = (store_id)i;
		if (cmd) /* the command itself, whole: what would run */
			snprintf(a->confirm_text, sizeof a->confirm_text,
			         "This checkpoint's objective '%s' wants to run a program: %s -- run it? "
			         "y/n (no: it is not scored)", m->obj[i].name, strstr(spec, "cmd:") + 4);
		else
			snprintf(a->confirm_text, sizeof a->confirm_text, "%s -- open it? y/n (no: it is not "
			         "scored)", tui_gen_denied(a->gen, i));
		a->dirty = 1;
		return 1;
	}
	return 0;
}

void tui_app_consent(struct tui_app *a, int yes)
{
	size_t i = (size_t)a->confirm_id;
	a->confirm = TUI_CONFIRM_NONE;
	a->dirty = 1;
	if (!a->gen || i >= a->n_obj)
		return;
	const char *spec = tui_gen_meta(a->gen)->obj[i].reward;
	struct status st = STATUS_INIT;
	if (!yes)
		tui_app_say(a, "objective %s is not scored: %s was not run", a->obj_names[i], spec);
	else if (tui_gen_consent(a->gen, i, &st) != STATUS_OK)
		tui_app_error(a, "%s", st.msg);
	else {
		tui_app_say(a, "objective %s scores with %s", a->obj_names[i], spec);
		tui_app_regenerate(a);
	}
	tui_app_ask_consent(a, i + 1);
}

int tui_app_gen_fd(const struct tui_app *a)
{
	return a->gen ? tui_gen_fd(a->gen) : -1;
}

static void tui_app_targets(struct tui_app *a)
{
	struct status st = STATUS_INIT;
	for (int s = 0; s < 2; s++)
		if (tui_gen_targets(a->gen, a->w[s], a->req.mapping, a->target[s], &st) != STATUS_OK)
			for (size_t i = 0; i < a->n_obj; i++)
				a->target[s][i] = NAN;
}

void tui_app_regenerate(struct tui_app *a)
{
	a->dirty = 1;
	if (!a->gen) {
		tui_app_error(a, "no checkpoint loaded: :load PATH");
		return;
	}
	tui_app_targets(a);
	struct tui_gen_req r = a->req;
	r.prompt = a->prompt ? a->prompt : "";
	r.n_pref = a->compare ? 2 : 1;
	memcpy(r.pref, a->w, sizeof r.pref);
	struct status st = STATUS_INIT;
	unsigned id = tui_gen_submit(a->gen, &r, &st);
	if (id == 0) {
		tui_app_error(a, "%s", st.msg);
		return;
	}
	a->gen_id = id;
	a->generating = 1;
	a->first_token_ms = a->done_ms = -1;
	/* The old text stays until the first new token replaces it: less flicker
	 * while a slider is dragged. */
	for (int s = 0; s < 2; s++)
		for (int i = 0; i < TUI_GEN_MAX_SAMPLES; i++) {
			a->samples[s][i].done = 0;
			a->samples[s][i].scored = 0;
		}
}

static void tui_app_append(struct tui_sample *s, const char *text, size_t len, int reset)
{
	if (reset)
		s->len = 0;
	if (s->len + len + 1 > s->cap) {
		size_t cap = (s->len + len + 1) * 2;
		char *t = realloc(s->text, cap);
		if (!t)
			return;
		s->text = t;
		s->cap = cap;
	}
	memcpy(s->text + s->len, text, len);
	s->len += len;
	s->text[s->len] = '\0';
}

void tui_app_gen_events(struct tui_app *a)
{
	if (!a->gen)
		return;
	struct tui_gen_event *ev;
	size_t n = tui_gen_take(a->gen, &ev);
	size_t per = a->req.n;
	for (size_t k = 0; k < n; k++) {
		struct tui_gen_event *e = &ev[k];
		if (e->gen != a->gen_id)
			continue;
		a->dirty = 1;
		size_t side = per ? e->seq / per : 0, i = per ? e->seq % per : 0;
		if (side > 1 || i >= TUI_GEN_MAX_SAMPLES)
			continue;
		struct tui_sample *s = &a->samples[side][i];
		switch (e->kind) {
		case TUI_GEN_TOKEN:
			if (a->first_token_ms < 0) {
				a->first_token_ms = e->ms;
				memset(a->fresh, 0, sizeof a->fresh);
			}
			tui_app_append(s, e->text, e->len, !a->fresh[side][i]);
			a->fresh[side][i] = 1;
			break;
		case TUI_GEN_SAMPLE:
			/* The final text is the response as scored (the exact-prefix rule). */
			tui_app_append(s, e->text, e->len, 1);
			s->done = s->scored = 1;
			memcpy(s->raw, e->raw, sizeof s->raw);
			memcpy(s->norm, e->norm, sizeof s->norm);
			{
				struct tui_resp *r = &a->resp[a->n_resp++ % TUI_APP_RESP_MAX];
				memcpy(r->w, a->w[side], sizeof r->w);
				memcpy(r->z, e->norm, sizeof r->z);
				memcpy(r->raw, e->raw, sizeof r->raw);
				memcpy(r->t, a->target[side], sizeof r->t);
			}
			for (size_t j = 0; j < a->n_obj; j++) {
				double span = a->hi[j] - a->lo[j];
				double b = span > 0 ? (e->norm[j] - a->lo[j]) / span : 0.5;
				/* NAN (not scored: its reward waits for consent) stays NAN. */
				s->bar[j] = isnan(e->norm[j]) ? NAN : b; /* the view marks beyond 0..1 */
			}
			break;
		case TUI_GEN_IMAGE:
			/* The newest estimate replaces the shown one: the event's bytes are taken. */
			if (a->first_token_ms < 0)
				a->first_token_ms = e->ms;
			free(s->rgb);
			s->rgb = (unsigned char *)e->text;
			e->text = NULL;
			s->width = e->width;
			s->step = e->step;
			s->steps = e->steps;
			s->done = e->step == e->steps;
			break;
		case TUI_GEN_DONE:
			a->generating = 0;
			a->done_ms = e->ms;
			if (tui_gen_is_image(a->gen)) {
				if (e->code == STATUS_OK && !a->status_error)
					tui_app_say(a, "%zu images, %zu DDIM steps in %lld ms (first preview %lld ms)",
					            e->tokens, a->req.steps, (long long)e->ms,
					            (long long)a->first_token_ms);
				break;
			}
			if (e->code == STATUS_OK && e->ms > 0)
				a->tokens_per_s = (double)e->tokens * 1000.0 / (double)e->ms;
			/* An error stays until the next action: it is what the user must read. */
			if (e->code == STATUS_OK && !a->status_error)
				tui_app_say(a, "%zu samples, %zu tokens in %lld ms (first token %lld ms)",
				            per * (a->compare ? 2 : 1), e->tokens, (long long)e->ms,
				            (long long)a->first_token_ms);
			break;
		case TUI_GEN_ERROR:
			a->generating = 0;
			tui_app_error(a, "generation failed: %s", e->text);
			break;
		}
	}
	tui_gen_events_free(ev, n);
}

void tui_app_set_weight(struct tui_app *a, int side, int i, double v)
{
	if (!a->gen || i < 0 || (size_t)i >= a->n_obj || side < 0 || side > 1)
		return;
	if (a->locked[side][i]) {
		tui_app_error(a, "%s is locked (Space unlocks it)", a->obj_names[i]);
		return;
	}
	double before = a->w[side][i];
	/* At an end already: nothing is locked, there is just no further to go. */
	if ((v <= 0 && before <= 1e-12) || (v >= 1 && before >= 1 - 1e-12)) {
		tui_app_say(a, "%s is already at %d", a->obj_names[i], v >= 1 ? 1 : 0);
		return;
	}
	/* ui/slider: the unlocked others give way in proportion. */
	if (slider_set(a->w[side], a->locked[side], a->n_obj, (size_t)i, v) != 0 ||
	    (fabs(a->w[side][i] - before) < 1e-12 && v != before)) {
		tui_app_error(a, "the other weights are locked: unlock one to move %s",
		              a->obj_names[i]);
		return;
	}
	tui_app_regenerate(a);
}

void tui_app_set_prompt(struct tui_app *a, const char *text)
{
	char *p = strdup(text);
	if (!p)
		return;
	free(a->prompt);
	a->prompt = p;
	tui_app_regenerate(a);
}

