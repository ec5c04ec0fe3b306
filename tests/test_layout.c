/* ui/layout: every pane inside the terminal, none overlapping, the essential
 * ones present, over many terminal sizes. */
#include "config.h"

#include "tests/harness.h"
#include "ui/layout.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#define NRECT 14

static int rects(const struct layout *L, const struct layout_rect *out[NRECT])
{
	const struct layout_rect *all[NRECT] = { &L->header, &L->hints, &L->status, &L->sliders[0],
		                                 &L->sliders[1], &L->params, &L->prompt, &L->samples[0],
		                                 &L->samples[1], &L->plot, &L->legend, &L->point,
		                                 &L->table, &L->details };
	for (int i = 0; i < NRECT; i++)
		out[i] = all[i];
	return NRECT;
}

static int overlap(const struct layout_rect *a, const struct layout_rect *b)
{
	if (!a->h || !a->w || !b->h || !b->w)
		return 0;
	return a->y < b->y + b->h && b->y < a->y + a->h && a->x < b->x + b->w && b->x < a->x + a->w;
}

/* Check records a mark per assertion, far too slow for half a million
 * layouts: test plainly and fail through Check only on a problem. */
#define REQUIRE_MSG(c, ...) do { if (!(c)) ck_abort_msg(__VA_ARGS__); } while (0)
#define REQUIRE(c) REQUIRE_MSG(c, "%s at %dx%d screen %d", #c, cols, rows, (int)s)

static void check_one(enum layout_screen s, int rows, int cols, const struct layout_opts *o)
{
	struct layout L = layout_compute(s, rows, cols, o);
	if (rows < LAYOUT_MIN_ROWS || cols < LAYOUT_MIN_COLS) {
		REQUIRE_MSG(L.too_small, "%dx%d should be too small", cols, rows);
		return;
	}
	REQUIRE_MSG(!L.too_small, "%dx%d screen %d too small", cols, rows, s);
	const struct layout_rect *r[NRECT];
	int n = rects(&L, r);
	long area = 0;
	for (int i = 0; i < n; i++) {
		REQUIRE((r[i]->h) >= (0));
		REQUIRE((r[i]->w) >= (0));
		REQUIRE_MSG((r[i]->h == 0) == (r[i]->w == 0), "half-empty rect %d", i);
		if (!r[i]->h)
			continue;
		REQUIRE_MSG(r[i]->y >= 0 && r[i]->x >= 0 && r[i]->y + r[i]->h <= rows &&
		                  r[i]->x + r[i]->w <= cols,
		              "rect %d (%d,%d %dx%d) outside %dx%d screen %d", i, r[i]->y, r[i]->x,
		              r[i]->w, r[i]->h, cols, rows, s);
		area += (long)r[i]->h * r[i]->w;
		for (int j = 0; j < i; j++)
			REQUIRE_MSG(!overlap(r[i], r[j]), "rects %d and %d overlap at %dx%d screen %d", i,
			              j, cols, rows, s);
	}
	REQUIRE((area) <= ((long)rows * cols));
	REQUIRE((L.header.y) == (0));
	REQUIRE((L.status.y) == (rows - 1));
	REQUIRE((L.status.w) == (cols));
	REQUIRE((L.hints.h) == (1));
	switch (s) {
	case LAYOUT_STEER:
		REQUIRE((L.sliders[0].h) >= (2));
		REQUIRE((L.samples[0].h) >= (3));
		REQUIRE((L.prompt.h) == (1));
		REQUIRE((L.params.h) == (1));
		REQUIRE((L.samples[0].w) >= (o->compare ? (cols - 1) / 2 : cols));
		if (o->compare) {
			REQUIRE((L.samples[1].h) >= (3));
			REQUIRE((L.samples[1].h) == (L.samples[0].h));
			REQUIRE((L.sliders[1].h) == (L.sliders[0].h));
			REQUIRE((abs(L.samples[1].w - L.samples[0].w)) <= (1));
		} else {
			REQUIRE((L.samples[1].h) == (0));
		}
		/* All the sliders show when there is room. */
		if (rows - 3 - 5 >= (o->n_sliders ? o->n_sliders : 2) + 1)
			REQUIRE((L.sliders[0].h) == ((o->n_sliders ? o->n_sliders : 2) + 1));
		break;
	case LAYOUT_FRONT:
		REQUIRE((L.plot.h) >= (4));
		REQUIRE((L.plot.w) >= (20));
		REQUIRE((L.legend.h) >= (2));
		REQUIRE((L.point.h) >= (2));
		break;
	case LAYOUT_RUNS:
	case LAYOUT_JOBS:
		REQUIRE((L.table.h) >= (3));
		REQUIRE((L.details.h) >= (3));
		REQUIRE((L.table.w) >= (20));
		break;
	case LAYOUT_HELP:
		REQUIRE((L.table.h) == (rows - 3));
		break;
	default:
		break;
	}
}

START_TEST(every_size_every_screen)
{
	static const struct layout_opts opts[] = { { 0, 0 }, { 2, 1 }, { 3, 0 }, { 5, 1 }, { 12, 0 } };
	for (int s = 0; s < LAYOUT_SCREEN_COUNT; s++)
		for (int rows = 1; rows <= 80; rows++)
			for (int cols = 1; cols <= 250; cols += (cols < 60 ? 1 : 3))
				for (size_t k = 0; k < sizeof opts / sizeof opts[0]; k++)
					check_one((enum layout_screen)s, rows, cols, &opts[k]);
}
END_TEST

START_TEST(pure_function_of_its_inputs)
{
	struct layout_opts o = { 3, 1 };
	struct layout a = layout_compute(LAYOUT_STEER, 30, 100, &o);
	struct layout b = layout_compute(LAYOUT_STEER, 30, 100, &o);
	ck_assert(memcmp(&a, &b, sizeof a) == 0);
	ck_assert_int_eq(a.sliders[0].h, 4);
	ck_assert_int_eq(a.sliders[0].w, 49);
	ck_assert_int_eq(a.sliders[1].x, 50);
	ck_assert_int_eq(a.sliders[1].w, 50);
}
END_TEST

START_TEST(too_small_below_the_minimum_only)
{
	struct layout L = layout_compute(LAYOUT_RUNS, LAYOUT_MIN_ROWS - 1, 200, NULL);
	ck_assert(L.too_small);
	ck_assert_int_eq(L.status.h, 0);
	L = layout_compute(LAYOUT_RUNS, 60, LAYOUT_MIN_COLS - 1, NULL);
	ck_assert(L.too_small);
	L = layout_compute(LAYOUT_RUNS, LAYOUT_MIN_ROWS, LAYOUT_MIN_COLS, NULL);
	ck_assert(!L.too_small);
	/* NULL options mean the defaults (two sliders, no compare). */
	L = layout_compute(LAYOUT_STEER, 24, 80, NULL);
	ck_assert_int_eq(L.sliders[0].h, 3);
	ck_assert_int_eq(L.samples[1].h, 0);
}
END_TEST

START_TEST(contains_matches_the_rect)
{
	struct layout_rect r = { 2, 3, 4, 5 };
	ck_assert(layout_contains(&r, 2, 3));
	ck_assert(layout_contains(&r, 5, 7));
	ck_assert(!layout_contains(&r, 6, 7));
	ck_assert(!layout_contains(&r, 5, 8));
	ck_assert(!layout_contains(&r, 1, 3));
	struct layout_rect e = { 0, 0, 0, 0 };
	ck_assert(!layout_contains(&e, 0, 0));
}
END_TEST

Suite *harness_suite(void)
{
	Suite *s = suite_create("layout");
	harness_add(s, "sizes", every_size_every_screen, pure_function_of_its_inputs,
	            too_small_below_the_minimum_only, contains_matches_the_rect, NULL);
	return s;
}
