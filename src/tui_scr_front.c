/* tui_scr_front: the Front screen's logic: which runs' fronts are shown,
 * the axes, the cursor over the points and its text. Calls go down only:
 * to the Steer screen (Enter steers with a point), the app core, the store. */
#include "config.h"

#include "src/tui_app_int.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- Front -------------------------------------------------------------- */

void tui_scr_front_point_text(struct tui_app *a)
{
	tui_point_text_free(&a->ptext);
	if (a->cur_series < 0 || (size_t)a->cur_series >= a->n_fronts || a->cur_point < 0)
		return;
	struct store_err err;
	tui_front_point_text(a->store.s, &a->fronts[a->cur_series], (size_t)a->cur_point, &a->ptext,
	                     &err);
}

void tui_scr_front_free(struct tui_app *a)
{
	for (size_t i = 0; i < a->n_fronts; i++)
		tui_front_free(&a->fronts[i]);
	a->n_fronts = 0;
	tui_point_text_free(&a->ptext);
}

static void tui_scr_front_axes_apply(struct tui_app *a)
{
	for (size_t i = 0; i < a->n_fronts; i++)
		tui_front_axes(&a->fronts[i], a->x_axis, a->y_axis, NULL);
}

/* The fronts shown by default: of an online run's per-iteration evals only
 * the newest iteration's (the title says "online iteration N of M"; < and >
 * step to the others), then the first `keep`. */
static void tui_scr_front_prune(struct tui_app *a, size_t keep)
{
	size_t n = 0;
	for (size_t i = 0; i < a->n_fronts; i++) {
		const struct tui_front *f = &a->fronts[i];
		int older = 0;
		for (size_t j = 0; j < a->n_fronts && f->online_run > 0; j++)
			older |= j != i && a->fronts[j].online_run == f->online_run &&
			         a->fronts[j].iteration > f->iteration;
		if (older || n >= keep) {
			tui_front_free(&a->fronts[i]);
			continue;
		}
		if (n != i) {
			a->fronts[n] = a->fronts[i];
			a->front_ids[n] = a->front_ids[i];
		}
		n++;
	}
	a->n_fronts = n;
}

void tui_scr_front_reload(struct tui_app *a)
{
	if (!a->has_store)
		return;
	store_id ids[TUI_APP_MAX_FRONTS];
	size_t n;
	if (a->fronts_auto) {
		n = tui_fronts_eval_runs(a->store.s, a->ckpt, ids, TUI_APP_MAX_FRONTS);
	} else {
		n = a->n_fronts;
		for (size_t i = 0; i < n; i++)
			ids[i] = a->front_ids[i];
	}
	int cs = a->cur_series, cp = a->cur_point;
	store_id cur_run = cs >= 0 && (size_t)cs < a->n_fronts ? a->fronts[cs].run : 0;
	tui_scr_front_free(a);
	char why[STORE_ERR_MAX] = "";
	for (size_t i = 0; i < n; i++) {
		struct store_err err;
		if (tui_front_load(a->store.s, ids[i], &a->fronts[a->n_fronts], &err) == STORE_OK)
			a->front_ids[a->n_fronts++] = ids[i];
		else
			snprintf(why, sizeof why, "%s", err.msg);
	}
	if (*why)
		tui_app_error(a, "%s", why);
	if (a->fronts_auto)
		tui_scr_front_prune(a, 4);
	tui_scr_front_axes_apply(a);
	/* The cursor stays on its run's point when the run is still shown. */
	a->cur_series = a->cur_point = -1;
	for (size_t i = 0; i < a->n_fronts; i++) {
		if (a->fronts[i].run == cur_run && cp >= 0 && (size_t)cp < a->fronts[i].n_pts) {
			a->cur_series = (int)i;
			a->cur_point = cp;
		}
	}
	if (a->cur_series < 0) {
		for (size_t i = 0; i < a->n_fronts && a->cur_series < 0; i++)
			if (a->fronts[i].n_pts) {
				a->cur_series = (int)i;
				a->cur_point = 0;
			}
	}
	int max_obj = 0;
	for (size_t i = 0; i < a->n_fronts; i++)
		if (a->fronts[i].n_obj > max_obj)
			max_obj = a->fronts[i].n_obj;
	if (max_obj > 0 && (a->x_axis >= max_obj || a->y_axis >= max_obj)) {
		a->x_axis = 0;
		a->y_axis = max_obj > 1 ? 1 : 0;
		tui_scr_front_axes_apply(a);
	}
	tui_scr_front_point_text(a);
	a->dirty = 1;
}

int tui_scr_front_set(struct tui_app *a, const store_id *ids, size_t n)
{
	if (n > TUI_APP_MAX_FRONTS)
		n = TUI_APP_MAX_FRONTS;
	tui_scr_front_free(a);
	a->fronts_auto = 0;
	for (size_t i = 0; i < n; i++)
		a->front_ids[i] = ids[i];
	a->n_fronts = n;
	a->cur_series = a->cur_point = -1;
	tui_scr_front_reload(a);
	if (a->n_fronts < n) /* the reload said why */
		return a->n_fronts ? 0 : -1;
	tui_app_say(a, "front of %zu run%s", n, n == 1 ? "" : "s");
	return 0;
}

/* The same folder (a relative path is the same from here as it was). */
static int tui_scr_front_same_dir(const char *x, const char *y)
{
	if (!x || !y)
		return 0;
	if (strcmp(x, y) == 0)
		return 1;
	char *rx = realpath(x, NULL), *ry = realpath(y, NULL);
	int same = rx && ry && strcmp(rx, ry) == 0;
	free(rx);
	free(ry);
	return same;
}

/* The online run to step through and the iteration shown now (0: none). */
static int tui_scr_front_online(struct tui_app *a, int steer, store_id hint, store_id *online,
                                int *iter)
{
	if (steer && a->steer_online > 0) {
		*online = a->steer_online;
		*iter = a->steer_iter;
		return 1;
	}
	/* The cursor's run first, then the others shown. */
	for (size_t k = 0; k <= a->n_fronts; k++) {
		size_t i = k == 0 ? (size_t)(a->cur_series >= 0 ? a->cur_series : 0) : k - 1;
		if (i >= a->n_fronts)
			continue;
		const struct tui_front *f = &a->fronts[i];
		if (f->online_run > 0) {
			*online = f->online_run;
			/* Steer goes on from the iteration it has loaded, if it is that one. */
			*iter = !steer || tui_scr_front_same_dir(f->model, a->ckpt) ? f->iteration : 0;
			return 1;
		}
		if (f->kind == TUI_FRONT_ONLINE) {
			*online = f->run;
			*iter = 0;
			return 1;
		}
	}
	if (a->has_store && tui_fronts_online_of(a->store.s, hint, online, iter))
		return 1;
	/* Else the newest online run that has them, from its start. */
	*iter = 0;
	return a->has_store && (*online = tui_fronts_newest_online(a->store.s)) > 0;
}

void tui_scr_front_iteration(struct tui_app *a, int dir, int steer, store_id hint)
{
	store_id online = 0, eval = 0;
	int iter = 0, to = 0, n_iters = 0;
	if (!a->has_store || !tui_scr_front_online(a, steer, hint, &online, &iter)) {
		tui_app_error(a, "no online run with an eval per iteration (ric online --eval-each)");
		return;
	}
	char *model = NULL;
	int rc = tui_fronts_iteration_step(a->store.s, online, iter, dir, &eval, &to, &n_iters, &model);
	if (rc == -2) {
		tui_app_error(a, "online run %lld has no eval per iteration: ric online --eval-each "
		              "stores them", (long long)online);
		return;
	}
	if (rc == -1) {
		tui_app_error(a, "iteration %d is the %s of %d with an eval", iter, dir > 0 ? "last" : "first",
		              n_iters);
		return;
	}
	if (steer) {
		if (!model) {
			tui_app_error(a, "the eval of iteration %d does not say which checkpoint it measured", to);
			return;
		}
		double w[2][TUI_GEN_MAX_OBJ];
		size_t n_obj = a->n_obj;
		memcpy(w, a->w, sizeof w);
		if (tui_app_load(a, model) == 0) {
			if (a->n_obj == n_obj) { /* the sliders stay where they were */
				memcpy(a->w, w, sizeof w);
				tui_app_regenerate(a);
			}
			a->steer_online = online;
			a->steer_iter = to;
			a->steer_iters = n_iters;
			tui_app_say(a, "online iteration %d of %d: %s", to, n_iters, model);
		}
		free(model);
		return;
	}
	free(model);
	store_id ids[TUI_APP_MAX_FRONTS];
	size_t n = 0;
	int placed = 0;
	for (size_t i = 0; i < a->n_fronts; i++) {
		if (a->fronts[i].online_run == online) {
			if (!placed)
				ids[n++] = eval;
			placed = 1;
			continue;
		}
		ids[n++] = a->fronts[i].run;
	}
	if (!placed && n == TUI_APP_MAX_FRONTS)
		n--;
	if (!placed)
		ids[n++] = eval;
	if (tui_scr_front_set(a, ids, n) != 0)
		return;
	for (size_t i = 0; i < a->n_fronts; i++)
		if (a->fronts[i].run == eval && a->fronts[i].n_pts) {
			a->cur_series = (int)i;
			a->cur_point = 0;
			tui_scr_front_point_text(a);
		}
	tui_app_say(a, "online iteration %d of %d", to, n_iters);
}

/* Name or 1-based number of an objective of the shown fronts. */
static int tui_scr_front_axis(const struct tui_app *a, const char *s)
{
	char *end;
	long v = strtol(s, &end, 10);
	int max_obj = 0;
	for (size_t i = 0; i < a->n_fronts; i++)
		if (a->fronts[i].n_obj > max_obj)
			max_obj = a->fronts[i].n_obj;
	if (*s && !*end)
		return v >= 1 && v <= max_obj ? (int)v - 1 : -1;
	for (size_t i = 0; i < a->n_fronts; i++)
		for (int j = 0; j < a->fronts[i].n_obj; j++)
			if (strcmp(a->fronts[i].obj[j], s) == 0)
				return j;
	return -1;
}

int tui_scr_front_axes(struct tui_app *a, const char *x, const char *y)
{
	int ix = tui_scr_front_axis(a, x), iy = tui_scr_front_axis(a, y);
	if (ix < 0 || iy < 0) {
		tui_app_error(a, "no objective '%s' among the shown runs", ix < 0 ? x : y);
		return -1;
	}
	if (ix == iy) {
		tui_app_error(a, "x and y want two different objectives, not %s twice", x);
		return -1;
	}
	a->x_axis = ix;
	a->y_axis = iy;
	tui_scr_front_axes_apply(a);
	a->dirty = 1;
	return 0;
}

/* The nearest point in direction (dx, dy) from the cursor, over every shown
 * series: distance along the direction counts once, across it twice. */
static void tui_scr_front_point_move(struct tui_app *a, int dx, int dy)
{
	if (a->cur_series < 0)
		return;
	const struct tui_front_point *c = &a->fronts[a->cur_series].pts[a->cur_point];
	double cx = c->norm[a->x_axis], cy = c->norm[a->y_axis];
	double best = INFINITY;
	int bs = -1, bp = -1;
	for (size_t s = 0; s < a->n_fronts; s++) {
		if (!a->overlay && (int)s != a->cur_series)
			continue;
		for (size_t p = 0; p < a->fronts[s].n_pts; p++) {
			const struct tui_front_point *q = &a->fronts[s].pts[p];
			double ex = q->norm[a->x_axis] - cx, ey = q->norm[a->y_axis] - cy;
			double along = ex * dx + ey * dy, across = fabs(ex * dy - ey * dx);
			if (along <= 1e-12)
				continue;
			double d = along + 2 * across;
			if (d < best) {
				best = d;
				bs = (int)s;
				bp = (int)p;
			}
		}
	}
	if (bs >= 0) {
		a->cur_series = bs;
		a->cur_point = bp;
		tui_scr_front_point_text(a);
	}
}

void tui_scr_front_action(struct tui_app *a, enum action act)
{
	int max_obj = 0;
	for (size_t i = 0; i < a->n_fronts; i++)
		if (a->fronts[i].n_obj > max_obj)
			max_obj = a->fronts[i].n_obj;
	a->dirty = 1;
	switch (act) {
	case ACTION_AXIS_X_NEXT:
	case ACTION_AXIS_Y_NEXT:
		if (max_obj < 2) {
			tui_app_error(a, "only one objective");
			return;
		}
		{
			/* One objective never takes both axes: the next one skips the
			 * other axis, and with two objectives the axes swap. */
			int *move = act == ACTION_AXIS_X_NEXT ? &a->x_axis : &a->y_axis;
			int *other = act == ACTION_AXIS_X_NEXT ? &a->y_axis : &a->x_axis;
			int next = (*move + 1) % max_obj;
			if (a->response) { /* one objective at a time: y plays no part */
				*move = act == ACTION_AXIS_X_NEXT ? next : *move;
				if (act == ACTION_AXIS_X_NEXT && *move == *other)
					*other = (next + 1) % max_obj;
				tui_scr_front_axes_apply(a);
				return;
			}
			if (next == *other && max_obj > 2)
				next = (next + 1) % max_obj;
			if (next == *other)
				*other = *move;
			*move = next;
		}
		tui_scr_front_axes_apply(a);
		return;
	case ACTION_OVERLAY_TOGGLE:
		a->overlay = !a->overlay;
		return;
	case ACTION_RESPONSE_DESIRED:
		a->response_desired = !a->response_desired;
		a->response = 1;
		tui_app_say(a, a->response_desired
		               ? "response: obtained vs desired score (ric eval --desired-grid curves)"
		               : "response: obtained vs weight");
		return;
	case ACTION_RESPONSE_TOGGLE:
		a->response = !a->response;
		tui_app_say(a, a->response ? "response: obtained vs weight of the x objective (x picks another)"
		                           : "front: two objectives against each other");
		return;
	case ACTION_SERIES_NEXT:
		for (size_t k = 1; k <= a->n_fronts; k++) {
			size_t s = ((size_t)(a->cur_series < 0 ? 0 : a->cur_series) + k) % a->n_fronts;
			if (a->fronts[s].n_pts) {
				a->cur_series = (int)s;
				a->cur_point = 0;
				tui_scr_front_point_text(a);
				return;
			}
		}
		return;
	default:
		break;
	}
	if (a->cur_series < 0) {
		tui_app_error(a, "no evaluation points: run ric eval (or :job eval ...) first");
		return;
	}
	struct tui_front *f = &a->fronts[a->cur_series];
	int n = (int)f->n_pts;
	switch (act) {
	case ACTION_POINT_NEXT: a->cur_point = (a->cur_point + 1) % n; break;
	case ACTION_POINT_PREV: a->cur_point = (a->cur_point + n - 1) % n; break;
	case ACTION_POINT_LEFT: tui_scr_front_point_move(a, -1, 0); return;
	case ACTION_POINT_RIGHT: tui_scr_front_point_move(a, 1, 0); return;
	case ACTION_POINT_UP: tui_scr_front_point_move(a, 0, 1); return;
	case ACTION_POINT_DOWN: tui_scr_front_point_move(a, 0, -1); return;
	case ACTION_POINT_STEER:
		if (f->kind == TUI_FRONT_OFFLINE) {
			tui_app_error(a, "a dataset row has no preference to steer with");
			return;
		}
		tui_scr_steer_with(a, f->pts[a->cur_point].pref, f->n_obj);
		return;
	default: return;
	}
	tui_scr_front_point_text(a);
}
