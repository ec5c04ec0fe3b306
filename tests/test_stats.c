/* engine/stats: moments, type-7 quantiles, normalisation, one-decimal text. */
#include "config.h"

#include "tests/harness.h"
#include "engine/stats.h"

#include <math.h>
#include <string.h>

START_TEST(describe_known_values)
{
	const double x[] = { 2, 4, 4, 4, 5, 5, 7, 9 };
	struct stats_summary s;
	struct status st = STATUS_INIT;
	ck_assert_int_eq(stats_describe(x, 8, 1, &s, &st), STATUS_OK);
	ck_assert_uint_eq(s.n, 8);
	ck_assert_double_eq_tol(s.mean, 5.0, 1e-15);
	ck_assert_double_eq_tol(s.std, 2.0, 1e-15); /* population, not sample (2.138) */
	ck_assert_double_eq(s.min, 2.0);
	ck_assert_double_eq(s.max, 9.0);
	/* column 1 of a 3 x 2 matrix through the stride */
	const double m[] = { 0, 10, 0, 20, 0, 60 };
	ck_assert_int_eq(stats_describe(m + 1, 3, 2, &s, &st), STATUS_OK);
	ck_assert_double_eq_tol(s.mean, 30.0, 1e-12);
	ck_assert_double_eq_tol(s.std, sqrt((400.0 + 100.0 + 900.0) / 3.0), 1e-12);
	ck_assert_double_eq(s.min, 10.0);
	ck_assert_double_eq(s.max, 60.0);
	/* one value: std 0 */
	ck_assert_int_eq(stats_describe(x + 7, 1, 1, &s, &st), STATUS_OK);
	ck_assert_double_eq(s.std, 0.0);
}
END_TEST

START_TEST(describe_keeps_digits_of_large_offsets)
{
	/* a naive sum of squares loses the variance of values near 1e9 */
	const double x[] = { 1e9 + 4, 1e9 + 7, 1e9 + 13, 1e9 + 16 };
	struct stats_summary s;
	struct status st = STATUS_INIT;
	ck_assert_int_eq(stats_describe(x, 4, 1, &s, &st), STATUS_OK);
	ck_assert_double_eq_tol(s.std, sqrt(22.5), 1e-6);
}
END_TEST

START_TEST(describe_refuses_bad_input)
{
	const double x[] = { 1, NAN, 3 };
	struct stats_summary s;
	struct status st = STATUS_INIT;
	ck_assert_int_eq(stats_describe(x, 3, 1, &s, &st), STATUS_INVALID);
	ck_assert_ptr_nonnull(strstr(st.msg, "value 2"));
	status_clear(&st);
	ck_assert_int_eq(stats_describe(x, 0, 1, &s, &st), STATUS_INVALID);
	const double y[] = { 1, INFINITY };
	ck_assert_int_eq(stats_describe(y, 2, 1, &s, &st), STATUS_INVALID);
	/* finite values whose sum or square overflows */
	const double big[] = { 1e308, 1e308 }, wide[] = { 1e200, -1e200 };
	status_clear(&st);
	ck_assert_int_eq(stats_describe(big, 2, 1, &s, &st), STATUS_INVALID);
	ck_assert_msg(strstr(st.msg, "too large") && strstr(st.msg, "sum overflows"), "%s", st.msg);
	status_clear(&st);
	ck_assert_int_eq(stats_describe(wide, 2, 1, &s, &st), STATUS_INVALID);
	ck_assert_msg(strstr(st.msg, "variance overflows"), "%s", st.msg);
}
END_TEST

START_TEST(quantile_type7)
{
	const double x[] = { 4, 1, 3, 2 }; /* unsorted on purpose */
	struct status st = STATUS_INIT;
	double q;
	/* numpy.quantile([1, 2, 3, 4], q) */
	ck_assert_int_eq(stats_quantile(x, 4, 1, 0.5, &q, &st), STATUS_OK);
	ck_assert_double_eq_tol(q, 2.5, 1e-15);
	ck_assert_int_eq(stats_quantile(x, 4, 1, 0.7, &q, &st), STATUS_OK);
	ck_assert_double_eq_tol(q, 3.1, 1e-12);
	ck_assert_int_eq(stats_quantile(x, 4, 1, 0.0, &q, &st), STATUS_OK);
	ck_assert_double_eq(q, 1.0);
	ck_assert_int_eq(stats_quantile(x, 4, 1, 1.0, &q, &st), STATUS_OK);
	ck_assert_double_eq(q, 4.0);
	ck_assert_int_eq(stats_quantile(x, 4, 1, 0.25, &q, &st), STATUS_OK);
	ck_assert_double_eq_tol(q, 1.75, 1e-15);
	/* numpy.quantile([10, 20, 30, 40, 50, 60, 70, 80, 90, 100], 0.7) = 73 */
	double y[10];
	for (int i = 0; i < 10; i++)
		y[i] = 100 - 10 * i;
	ck_assert_int_eq(stats_quantile(y, 10, 1, 0.7, &q, &st), STATUS_OK);
	ck_assert_double_eq_tol(q, 73.0, 1e-12);
	/* several at once, strided, and the input left as it was */
	const double m[] = { 5, 0, 1, 0, 3, 0 };
	const double qs[] = { 0.0, 0.5, 1.0 };
	double out[3];
	ck_assert_int_eq(stats_quantiles(m, 3, 2, qs, 3, out, &st), STATUS_OK);
	ck_assert_double_eq(out[0], 1.0);
	ck_assert_double_eq(out[1], 3.0);
	ck_assert_double_eq(out[2], 5.0);
	ck_assert_double_eq(m[0], 5.0);
	/* one value: every quantile is that value */
	ck_assert_int_eq(stats_quantile(x, 1, 1, 0.7, &q, &st), STATUS_OK);
	ck_assert_double_eq(q, 4.0);
}
END_TEST

START_TEST(quantile_refuses_bad_input)
{
	const double x[] = { 1, 2 };
	struct status st = STATUS_INIT;
	double q;
	ck_assert_int_eq(stats_quantile(x, 2, 1, 1.5, &q, &st), STATUS_INVALID);
	ck_assert_ptr_nonnull(strstr(st.msg, "1.5"));
	ck_assert_int_eq(stats_quantile(x, 2, 1, -0.1, &q, &st), STATUS_INVALID);
	ck_assert_int_eq(stats_quantile(x, 2, 1, NAN, &q, &st), STATUS_INVALID);
	ck_assert_int_eq(stats_quantile(x, 0, 1, 0.5, &q, &st), STATUS_INVALID);
}
END_TEST

START_TEST(normalise_and_zero_sigma)
{
	ck_assert_double_eq(stats_normalise(3.0, 1.0, 2.0), 1.0);
	ck_assert_double_eq(stats_normalise(-1.0, 1.0, 0.5), -4.0);
	ck_assert_double_eq(stats_denormalise(-4.0, 1.0, 0.5), -1.0);
	/* sigma 0 (a constant objective): z = r - mu, finite */
	ck_assert_double_eq(stats_normalise(5.0, 5.0, 0.0), 0.0);
	ck_assert_double_eq(stats_normalise(6.5, 5.0, 0.0), 1.5);
	ck_assert_double_eq(stats_normalise(6.5, 5.0, 1e-300), 1.5);
	ck_assert_double_eq(stats_normalise(6.5, 5.0, NAN), 1.5);
	ck_assert_double_eq(stats_denormalise(1.5, 5.0, 0.0), 6.5);
	/* the normalised offline rows have mean 0 and std 1 */
	const double r[] = { 0.3, 0.9, -0.2, 0.4, 1.1 };
	struct stats_summary s, zs;
	struct status st = STATUS_INIT;
	ck_assert_int_eq(stats_describe(r, 5, 1, &s, &st), STATUS_OK);
	double z[5];
	for (int i = 0; i < 5; i++)
		z[i] = stats_normalise(r[i], s.mean, s.std);
	ck_assert_int_eq(stats_describe(z, 5, 1, &zs, &st), STATUS_OK);
	ck_assert_double_eq_tol(zs.mean, 0.0, 1e-12);
	ck_assert_double_eq_tol(zs.std, 1.0, 1e-12);
}
END_TEST

static const char *fmt(double v)
{
	static char buf[STATS_FMT_MAX];
	ck_assert_int_ge(stats_format1(v, buf, sizeof buf), 0);
	return buf;
}

START_TEST(format_one_decimal_never_minus_zero)
{
	ck_assert_str_eq(fmt(1.2), "1.2");
	ck_assert_str_eq(fmt(-0.3), "-0.3");
	ck_assert_str_eq(fmt(0.0), "0.0");
	ck_assert_str_eq(fmt(-0.0), "0.0");
	ck_assert_str_eq(fmt(-0.04), "0.0");
	ck_assert_str_eq(fmt(-0.049999), "0.0");
	ck_assert_str_eq(fmt(-1e-300), "0.0");
	ck_assert_str_eq(fmt(-0.06), "-0.1");
	ck_assert_str_eq(fmt(0.05), "0.1");   /* 0.05 is 0.05000000000000000277 */
	ck_assert_str_eq(fmt(1.25), "1.2");   /* exact tie: printf rounds to even */
	ck_assert_str_eq(fmt(1.15), "1.1");   /* 1.15 is 1.149999... */
	ck_assert_str_eq(fmt(-2.0), "-2.0");
	ck_assert_str_eq(fmt(10.0), "10.0");
	ck_assert_str_eq(fmt(-10.04), "-10.0"); /* only zero loses its sign */
	ck_assert_str_eq(fmt(12345.678), "12345.7");
	char buf[STATS_FMT_MAX];
	ck_assert_int_eq(stats_format1(NAN, buf, sizeof buf), -1);
	ck_assert_str_eq(buf, "");
	ck_assert_int_eq(stats_format1(-INFINITY, buf, sizeof buf), -1);
	/* a short buffer truncates like snprintf and reports the full length */
	char small[3];
	ck_assert_int_eq(stats_format1(-0.01, small, sizeof small), 3);
	ck_assert_str_eq(small, "0.");
	ck_assert_int_eq(stats_format1(1e300, buf, sizeof buf), (int)strlen(buf));
}
END_TEST

START_TEST(round1_matches_the_text)
{
	ck_assert_double_eq(stats_round1(0.25), 0.2);
	ck_assert_double_eq(stats_round1(2.36), 2.4);
	ck_assert_double_eq(stats_round1(-1.26), -1.3);
	ck_assert_double_eq(stats_round1(1.15), 1.1);
	double z = stats_round1(-0.04);
	ck_assert_double_eq(z, 0.0);
	ck_assert_int_eq(signbit(z), 0);
	ck_assert(isnan(stats_round1(NAN)));
	/* every value round-trips through its text */
	for (int i = -300; i <= 300; i++) {
		double v = i * 0.0137;
		char buf[STATS_FMT_MAX];
		stats_format1(v, buf, sizeof buf);
		char again[STATS_FMT_MAX];
		stats_format1(stats_round1(v), again, sizeof again);
		ck_assert_str_eq(buf, again);
		ck_assert_double_le(fabs(stats_round1(v) - v), 0.05 + 1e-12);
	}
}
END_TEST

Suite *harness_suite(void)
{
	Suite *s = suite_create("stats");
	harness_add(s, "moments", describe_known_values, describe_keeps_digits_of_large_offsets,
	            describe_refuses_bad_input, NULL);
	harness_add(s, "quantiles", quantile_type7, quantile_refuses_bad_input, NULL);
	harness_add(s, "normalise", normalise_and_zero_sigma, NULL);
	harness_add(s, "format", format_one_decimal_never_minus_zero, round1_matches_the_text, NULL);
	return s;
}
