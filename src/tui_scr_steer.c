/* tui_scr_steer: the Steer screen's logic: what its keys do to the
 * sliders, samples and settings, saving and exporting samples, and steering
 * with a preference from elsewhere. Calls go down only, to the app core. */
#include "config.h"

#include "src/tui_app_int.h"

#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "src/json_text.h"
#include "ui/slider.h"

void tui_scr_steer_with(struct tui_app *a, const double *pref, int n)
{
	if (!a->gen || (size_t)n != a->n_obj) {
		tui_app_error(a, "load a checkpoint with these %d objectives first", n);
		return;
	}
	double sum = 0;
	for (int i = 0; i < n; i++)
		sum += pref[i];
	if (!(sum > 0)) {
		tui_app_error(a, "this point has no preference (its targets were drawn, not mapped)");
		return;
	}
	for (int i = 0; i < n; i++)
		a->w[0][i] = pref[i] / sum;
	a->side = 0;
	a->screen = VIEW_STEER;
	tui_app_regenerate(a);
}

int tui_scr_steer_save(struct tui_app *a)
{
	if (!a->has_store) {
		tui_app_error(a, "no store open");
		return -1;
	}
	if (a->gen && tui_gen_is_image(a->gen)) {
		/* The store's samples are text; a picture would be saved as "". */
		tui_app_error(a, "an image model's pictures are not saved from ric-tui: ric generate "
		              "--model %s -o FILE.png --pref ... writes them", a->ckpt);
		return -1;
	}
	int side = a->compare ? a->side : 0;
	if (!a->gen || a->sample_focus < 0 || (size_t)a->sample_focus >= a->req.n) {
		tui_app_error(a, "no sample selected ([ and ] select one)");
		return -1;
	}
	struct tui_sample *s = &a->samples[side][a->sample_focus];
	if (!s->scored) {
		tui_app_error(a, "the sample is not finished yet");
		return -1;
	}
	struct tui_saved sv = { .checkpoint = a->ckpt, .mapping = mapping_name(a->req.mapping),
		                .prompt = a->prompt, .response = s->text, .n = (int)a->n_obj,
		                .temperature = a->req.temperature, .top_p = a->req.top_p,
		                .seed = a->req.seed + (uint64_t)a->sample_focus };
	memcpy(sv.preference, a->w[side], a->n_obj * sizeof(double));
	memcpy(sv.desired, a->target[side], a->n_obj * sizeof(double));
	memcpy(sv.raw, s->raw, a->n_obj * sizeof(double));
	memcpy(sv.norm, s->norm, a->n_obj * sizeof(double));
	store_id id;
	struct store_err err;
	if (tui_store_save(&a->store, &sv, &id, &err) != STORE_OK) {
		tui_app_error(a, "%s", err.msg);
		return -1;
	}
	tui_app_say(a, "saved sample %d%s as sample %lld of run %lld", a->sample_focus + 1,
	            a->compare ? (side ? " (B)" : " (A)") : "", (long long)id,
	            (long long)a->store.session_run);
	return 0;
}

static json_t *tui_scr_steer_vec(const double *v, size_t n)
{
	json_t *a = json_array();
	for (size_t i = 0; i < n; i++)
		json_array_append_new(a, json_real(v[i]));
	return a;
}

int tui_scr_steer_export(struct tui_app *a, const char *path)
{
	if (!a->gen) {
		tui_app_error(a, "nothing to export: no checkpoint loaded");
		return -1;
	}
	if (tui_gen_is_image(a->gen)) {
		tui_app_error(a, "an image model's pictures are not exported as text: ric generate "
		              "--model %s -o FILE.png --pref ... writes them", a->ckpt);
		return -1;
	}
	FILE *f = fopen(path, "w");
	if (!f) {
		tui_app_error(a, "cannot write %s: %s", path, strerror(errno));
		return -1;
	}
	int n = 0;
	for (int side = 0; side < (a->compare ? 2 : 1); side++)
		for (size_t i = 0; i < a->req.n; i++) {
			struct tui_sample *s = &a->samples[side][i];
			json_t *o = json_pack("{s:o, s:o, s:o, s:I, s:o, s:o}", "checkpoint",
			                      json_text(a->ckpt), "prompt",
			                      json_text(a->prompt ? a->prompt : ""), "response",
			                      json_text(s->text ? s->text : ""), "seed",
			                      (json_int_t)(a->req.seed + i), "preference",
			                      tui_scr_steer_vec(a->w[side], a->n_obj), "desired",
			                      tui_scr_steer_vec(a->target[side], a->n_obj));
			if (!o)
				continue;
			json_object_set_new(o, "mapping", json_string(mapping_name(a->req.mapping)));
			if (s->scored) {
				json_t *raw = json_object(), *norm = json_object();
				for (size_t j = 0; j < a->n_obj; j++) {
					json_object_set_new(raw, a->obj_names[j], json_real(s->raw[j]));
					json_object_set_new(norm, a->obj_names[j], json_real(s->norm[j]));
				}
				json_object_set_new(o, "rewards", raw);
				json_object_set_new(o, "normalised", norm);
			}
			char *line = json_dumps(o, JSON_COMPACT);
			if (line) {
				fprintf(f, "%s\n", line);
				n++;
			}
			free(line);
			json_decref(o);
		}
	if (fclose(f) != 0) {
		tui_app_error(a, "cannot write %s: %s", path, strerror(errno));
		return -1;
	}
	tui_app_say(a, "wrote %d samples to %s", n, path);
	return 0;
}

void tui_scr_steer_action(struct tui_app *a, enum action act)
{
	int side = a->compare ? a->side : 0;
	double step = 0;
	switch (act) {
	case ACTION_SLIDER_NEXT:
	case ACTION_SLIDER_PREV:
		if (a->n_obj)
			a->focus = (int)(((size_t)a->focus + (act == ACTION_SLIDER_NEXT ? 1 : a->n_obj - 1)) %
			                 a->n_obj);
		a->dirty = 1;
		return;
	case ACTION_SLIDER_INC: step = SLIDER_STEP; break;
	case ACTION_SLIDER_DEC: step = -SLIDER_STEP; break;
	case ACTION_SLIDER_INC_LARGE: step = SLIDER_STEP_LARGE; break;
	case ACTION_SLIDER_DEC_LARGE: step = -SLIDER_STEP_LARGE; break;
	case ACTION_SLIDER_LOCK:
		if (a->n_obj) {
			a->locked[side][a->focus] = !a->locked[side][a->focus];
			tui_app_say(a, "%s %s", a->obj_names[a->focus],
			            a->locked[side][a->focus] ? "locked" : "unlocked");
		}
		return;
	case ACTION_COMPARE_TOGGLE:
		a->compare = !a->compare;
		a->side = 0;
		if (a->compare)
			memcpy(a->w[1], a->w[0], sizeof a->w[1]);
		tui_app_say(a, a->compare ? "compare: A | B on the same prompt and seeds (a switches side)"
		                          : "compare off");
		tui_app_regenerate(a);
		return;
	case ACTION_COMPARE_SIDE:
		if (!a->compare) {
			tui_app_error(a, "not in compare mode (c turns it on)");
			return;
		}
		a->side = !a->side;
		tui_app_say(a, "editing %s", a->side ? "B" : "A");
		return;
	case ACTION_PROMPT_EDIT:
		a->want_line = TUI_LINE_PROMPT;
		snprintf(a->line_init, sizeof a->line_init, "%s", a->prompt ? a->prompt : "");
		return;
	case ACTION_REGENERATE:
		tui_app_regenerate(a);
		return;
	case ACTION_SAMPLE_NEXT:
	case ACTION_SAMPLE_PREV:
		if (a->req.n) {
			int n = (int)a->req.n;
			a->sample_focus = (a->sample_focus + (act == ACTION_SAMPLE_NEXT ? 1 : n - 1)) % n;
		}
		a->dirty = 1;
		return;
	case ACTION_SAMPLE_SAVE:
		tui_scr_steer_save(a);
		return;
	case ACTION_SEED_CHANGE:
		a->req.seed = a->req.seed * 6364136223846793005ull + 1442695040888963407ull;
		a->req.seed >>= 20; /* small enough to read and type back */
		tui_app_say(a, "seed %llu", (unsigned long long)a->req.seed);
		tui_app_regenerate(a);
		return;
	case ACTION_SAMPLES_MORE:
	case ACTION_SAMPLES_FEWER: {
		size_t n = a->req.n;
		if (act == ACTION_SAMPLES_MORE && n < TUI_GEN_MAX_SAMPLES)
			n++;
		else if (act == ACTION_SAMPLES_FEWER && n > 1)
			n--;
		a->req.n = n;
		if (a->sample_focus >= (int)n)
			a->sample_focus = (int)n - 1;
		tui_app_regenerate(a);
		return;
	}
	default:
		return;
	}
	if (a->n_obj)
		tui_app_set_weight(a, side, a->focus, a->w[side][a->focus] + step);
}
