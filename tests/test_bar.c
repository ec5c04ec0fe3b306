/* ui/bar: bars with sub-cell precision, durations, progress with ETA. */
#include "config.h"

#include "tests/harness.h"
#include "ui/bar.h"
#include "ui/draw.h"

#include <math.h>
#include <string.h>

START_TEST(bars_ascii_and_utf8)
{
	char b[256];
	ck_assert_str_eq(bar_render(0.45, 10, 0, b, sizeof b), "####+     ");
	ck_assert_str_eq(bar_render(0.42, 10, 0, b, sizeof b), "####      ");
	ck_assert_str_eq(bar_render(0.45, 10, 1, b, sizeof b), "\xe2\x96\x88\xe2\x96\x88\xe2\x96\x88\xe2\x96\x88\xe2\x96\x8c     ");
	ck_assert_str_eq(bar_render(1.0 / 80, 10, 1, b, sizeof b), "\xe2\x96\x8f         ");
	ck_assert_str_eq(bar_render(2.0, 4, 0, b, sizeof b), "####");
	ck_assert_str_eq(bar_render(-1, 4, 0, b, sizeof b), "    ");
	ck_assert_str_eq(bar_render(NAN, 4, 1, b, sizeof b), "    ");
	ck_assert_str_eq(bar_render(0.5, 0, 1, b, sizeof b), "");
	ck_assert_str_eq(bar_render_track(0.5, 6, 0, ".", b, sizeof b), "###...");
	draw_set_utf8(1);
	for (int i = 0; i <= 100; i++)
		ck_assert_int_eq(draw_width(bar_render(i / 100.0, 17, 1, b, sizeof b)), 17);
	/* A buffer too small keeps whole characters only. */
	char small[8];
	bar_render(1.0, 10, 1, small, sizeof small);
	ck_assert_str_eq(small, "\xe2\x96\x88\xe2\x96\x88");
}
END_TEST

START_TEST(durations)
{
	char b[32];
	ck_assert_str_eq(bar_duration(0, b, sizeof b), "0s");
	ck_assert_str_eq(bar_duration(45.4, b, sizeof b), "45s");
	ck_assert_str_eq(bar_duration(192, b, sizeof b), "3m12s");
	ck_assert_str_eq(bar_duration(3900, b, sizeof b), "1h05m");
	ck_assert_str_eq(bar_duration(183600, b, sizeof b), "2d03h");
	ck_assert_str_eq(bar_duration(-1, b, sizeof b), "--");
	ck_assert_str_eq(bar_duration(INFINITY, b, sizeof b), "--");
	ck_assert_str_eq(bar_duration(NAN, b, sizeof b), "--");
}
END_TEST

START_TEST(progress_lines)
{
	char b[512];
	ck_assert_str_eq(progress_render(0.5, 192, 30, 0, b, sizeof b), "[######------]   50% ETA 3m12s");
	ck_assert_str_eq(progress_render(1.0, -1, 12, 0, b, sizeof b), "[#####] 100%");
	ck_assert_str_eq(progress_render(-1, -1, 12, 0, b, sizeof b), "[-----]   ?%");
	/* Too narrow for a bar: the text alone. */
	ck_assert_str_eq(progress_render(0.25, -1, 6, 0, b, sizeof b), " 25%");
	draw_set_utf8(1);
	ck_assert_int_eq(draw_width(progress_render(0.333, 4000, 40, 1, b, sizeof b)), 40);
	ck_assert_ptr_nonnull(strstr(b, " 33% ETA 1h06m"));
}
END_TEST

Suite *harness_suite(void)
{
	Suite *s = suite_create("bar");
	harness_add(s, "bar", bars_ascii_and_utf8, durations, progress_lines, NULL);
	return s;
}
