/* ui/spark: sparklines scale to min..max, squeeze long series, skip NaN. */
#include "config.h"

#include "tests/harness.h"
#include "ui/spark.h"

#include <math.h>
#include <string.h>

#define B1 "\xe2\x96\x81"
#define B4 "\xe2\x96\x84"
#define B8 "\xe2\x96\x88"

START_TEST(levels_span_min_to_max)
{
	double v[] = { 0, 1, 2, 3, 4, 5, 6, 7 };
	char b[256];
	ck_assert_str_eq(spark_render(v, 8, 20, 1, b, sizeof b),
	                 B1 "\xe2\x96\x82\xe2\x96\x83" B4 "\xe2\x96\x85\xe2\x96\x86\xe2\x96\x87" B8);
	ck_assert_str_eq(spark_render(v, 8, 20, 0, b, sizeof b), "_.,-=+*#");
	double loss[] = { 3.1, 2.7, 2.2, 2.0, 1.9 };
	ck_assert_str_eq(spark_render(loss, 5, 5, 0, b, sizeof b), "#+,._");
}
END_TEST

START_TEST(flat_series_sits_in_the_middle)
{
	double v[] = { 2, 2, 2 };
	char b[64];
	ck_assert_str_eq(spark_render(v, 3, 10, 1, b, sizeof b), B4 B4 B4);
	ck_assert_str_eq(spark_render(v, 0, 10, 1, b, sizeof b), "");
	ck_assert_str_eq(spark_render(v, 3, 0, 1, b, sizeof b), "");
}
END_TEST

START_TEST(long_series_are_averaged_into_columns)
{
	double v[100];
	for (int i = 0; i < 100; i++)
		v[i] = i < 50 ? 0 : 10;
	char b[64];
	ck_assert_str_eq(spark_render(v, 100, 4, 0, b, sizeof b), "__##");
	/* The mean, not a sample: 0,10 alternating averages to the middle. */
	for (int i = 0; i < 100; i++)
		v[i] = i % 2 ? 10 : 0;
	v[98] = 0;
	v[99] = 0;
	ck_assert_int_eq((int)strlen(spark_render(v, 100, 10, 0, b, sizeof b)), 10);
	ck_assert_int_eq(b[0], '=');
}
END_TEST

START_TEST(nan_is_skipped)
{
	double v[] = { 0, NAN, 1 };
	char b[64];
	ck_assert_str_eq(spark_render(v, 3, 3, 0, b, sizeof b), "_ #");
	double all[] = { NAN, NAN };
	ck_assert_str_eq(spark_render(all, 2, 5, 0, b, sizeof b), "  ");
	/* A short buffer keeps whole glyphs. */
	double up[] = { 0, 1, 2, 3 };
	char small[8];
	spark_render(up, 4, 4, 1, small, sizeof small);
	ck_assert_int_eq((int)strlen(small), 6);
}
END_TEST

Suite *harness_suite(void)
{
	Suite *s = suite_create("spark");
	harness_add(s, "spark", levels_span_min_to_max, flat_series_sits_in_the_middle,
	            long_series_are_averaged_into_columns, nan_is_skipped, NULL);
	return s;
}
