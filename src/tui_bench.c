#include "config.h"

#include "src/tui_bench.h"

#include <curses.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "engine/pool.h"
#include "src/termtext.h"
#include "src/tui_app.h"
#include "src/tui_gen.h"
#include "src/tui_view.h"
#include "engine/monotonic.h"

static void tui_bench_draw(struct tui_app *a)
{
	struct tui_view tv;
	tui_view_build(a, &tv);
	view_draw(stdscr, &tv.v);
	wnoutrefresh(stdscr);
	doupdate();
	tui_view_free(&tv);
}

static struct tui_frame tui_bench_frame;

/* Waits for the worker as the event loop does (same frame pacing); stops
 * once the first token (or the whole request) is drawn. */
static int tui_bench_wait(struct tui_app *a, int first_token)
{
	double until = monotonic_s() * 1e3 + 60000;
	int wait = 1000;
	while (monotonic_s() * 1e3 < until) {
		struct pollfd p = { .fd = tui_app_gen_fd(a), .events = POLLIN };
		if (poll(&p, 1, wait) > 0)
			tui_app_gen_events(a);
		wait = 1000;
		if (a->dirty) {
			int due = tui_view_due(a, &tui_bench_frame, (int64_t)monotonic_s() * 1e3);
			if (due > 0) {
				wait = due;
				continue;
			}
			tui_bench_draw(a);
			a->dirty = 0;
		}
		if (first_token ? a->first_token_ms >= 0 : !a->generating)
			return 0;
	}
	return -1;
}

static int tui_bench_cmp(const void *x, const void *y)
{
	double a = *(const double *)x, b = *(const double *)y;
	return (a > b) - (a < b);
}

int tui_bench_run(const char *ckpt, int reps, enum decoder_dtype weights, FILE *out)
{
	char err[512];
	struct tui_app *a = tui_app_new(NULL, 0, err, sizeof err);
	if (!a) {
		termtext_printf(out, "ric-tui: %s\n", err);
		return 1;
	}
	a->weights = weights;
	if (tui_app_load(a, ckpt) != 0) {
		termtext_printf(out, "ric-tui: %s\n", a->status);
		tui_app_free(a);
		return 1;
	}
	/* Nobody is there to answer: what the checkpoint would run stays unrun. */
	while (a->confirm == TUI_CONFIRM_ALLOW_CMD) {
		tui_app_consent(a, 0);
		termtext_printf(out, "ric-tui: %s\n", a->status);
	}
	FILE *null = fopen("/dev/null", "w");
	SCREEN *scr = null ? newterm("xterm-256color", null, stdin) : NULL;
	if (!scr) {
		fprintf(out, "ric-tui: cannot start curses on a discarded terminal\n");
		if (null)
			fclose(null);
		tui_app_free(a);
		return 1;
	}
	resizeterm(40, 120);
	/* an image model: 4 images of 20 DDIM steps, the first preview after
	 * the first step; a text model: 4 samples of 48 tokens */
	int image = tui_gen_is_image(a->gen);
	a->req.n = 4;
	a->req.max_new = 48;
	a->req.min_new = 48;
	if (image)
		a->req.steps = 20;
	if (reps < 1)
		reps = 1;
	double *first = calloc((size_t)reps, sizeof *first), *full = calloc((size_t)reps, sizeof *full);
	int rc = 0;
	/* one untimed run: caches, page faults, the worker's first allocations */
	tui_app_regenerate(a);
	rc |= tui_bench_wait(a, 0);
	for (int r = 0; r < reps && rc == 0 && first && full; r++) {
		/* A slider move while samples stream: the case a drag makes. */
		tui_app_regenerate(a);
		rc |= tui_bench_wait(a, 1);
		double t0 = monotonic_s() * 1e3;
		tui_app_action(a, r % 2 ? ACTION_SLIDER_DEC : ACTION_SLIDER_INC);
		rc |= tui_bench_wait(a, 1);
		first[r] = monotonic_s() * 1e3 - t0;
		rc |= tui_bench_wait(a, 0);
		full[r] = monotonic_s() * 1e3 - t0;
	}
	endwin();
	delscreen(scr);
	fclose(null);
	if (rc == 0 && first && full) {
		qsort(first, (size_t)reps, sizeof *first, tui_bench_cmp);
		qsort(full, (size_t)reps, sizeof *full, tui_bench_cmp);
		termtext_printf(out, "checkpoint: %s (%zu objectives), %s weights\n", ckpt, a->n_obj,
		                decoder_dtype_name(weights));
		double load[3] = { 0, 0, 0 };
		FILE *la = fopen("/proc/loadavg", "r");
		if (la) {
			if (fscanf(la, "%lf %lf %lf", &load[0], &load[1], &load[2]) != 3)
				load[0] = -1;
			fclose(la);
		}
		/* On a shared machine the wall clock says as much about the others. */
		fprintf(out, "threads: %d, tries: %d, load average %.2f on %ld cores\n", pool_threads(),
		        reps, load[0], sysconf(_SC_NPROCESSORS_ONLN));
		if (image) {
			fprintf(out, "slider move -> first refined preview drawn: median %.1f ms, worst "
			             "%.1f ms (target <= 300 ms)\n", first[reps / 2], first[reps - 1]);
			fprintf(out, "4 images x 20 DDIM steps finished: median %.1f ms, worst %.1f ms "
			             "(target <= 3000 ms)\n", full[reps / 2], full[reps - 1]);
		} else {
			fprintf(out, "slider move -> first new token drawn: median %.1f ms, worst %.1f ms "
			             "(target <= 50 ms)\n", first[reps / 2], first[reps - 1]);
			fprintf(out, "4 samples x 48 tokens finished: median %.1f ms, worst %.1f ms "
			             "(target <= 400 ms)\n", full[reps / 2], full[reps - 1]);
		}
	} else {
		termtext_printf(out, "ric-tui: the benchmark did not finish: %s\n", a->status);
		rc = 1;
	}
	free(first);
	free(full);
	tui_app_free(a);
	return rc;
}
