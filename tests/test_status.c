/* engine/status: messages, prefixes, errno text and the hooks helpers. */
#include "config.h"

#include "tests/harness.h"
#include "engine/monotonic.h"
#include "engine/status.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

START_TEST(set_formats_and_returns_code)
{
	struct status st = STATUS_INIT;
	ck_assert_int_eq(status_set(&st, STATUS_FORMAT, "tensor %s: %d bytes", "wte", 12), STATUS_FORMAT);
	ck_assert_int_eq(st.code, STATUS_FORMAT);
	ck_assert_str_eq(st.msg, "tensor wte: 12 bytes");
	ck_assert_int_eq(status_set(NULL, STATUS_IO, "ignored"), STATUS_IO);
}
END_TEST

START_TEST(prefix_names_the_file)
{
	struct status st = STATUS_INIT;
	status_set(&st, STATUS_FORMAT, "header is not a JSON object");
	status_prefix(&st, "%s", "m/model.safetensors");
	ck_assert_str_eq(st.msg, "m/model.safetensors: header is not a JSON object");
}
END_TEST

START_TEST(long_messages_are_truncated_not_overflowed)
{
	struct status st = STATUS_INIT;
	char big[2000];
	memset(big, 'x', sizeof big - 1);
	big[sizeof big - 1] = '\0';
	status_set(&st, STATUS_INVALID, "%s", big);
	ck_assert_uint_eq(strlen(st.msg), STATUS_MSG_MAX - 1);
	status_prefix(&st, "%s", big);
	ck_assert_uint_eq(strlen(st.msg), STATUS_MSG_MAX - 1);
}
END_TEST

START_TEST(errno_text_appended)
{
	struct status st = STATUS_INIT;
	status_errno(&st, STATUS_IO, ENOENT, "open %s", "x.json");
	ck_assert_str_eq(st.msg, "open x.json: No such file or directory");
	status_clear(&st);
	ck_assert_int_eq(st.code, STATUS_OK);
	ck_assert_str_eq(st.msg, "");
}
END_TEST

START_TEST(names_are_distinct)
{
	for (int a = STATUS_OK; a <= STATUS_DENIED; a++)
		for (int b = a + 1; b <= STATUS_DENIED; b++)
			ck_assert_str_ne(status_name(a), status_name(b));
	ck_assert_str_eq(status_name(STATUS_CANCELLED), "cancelled");
}
END_TEST

struct sink { int calls; enum log_level level; char last[64]; int stop; };
static void sink_log(void *ctx, enum log_level level, const char *msg)
{
	struct sink *s = ctx;
	s->calls++;
	s->level = level;
	snprintf(s->last, sizeof s->last, "%s", msg);
}
static int sink_abort(void *ctx) { return ((struct sink *)ctx)->stop; }

START_TEST(hooks_route_logs_and_aborts)
{
	struct sink s = { 0 };
	struct hooks h = { sink_log, sink_abort, &s };
	hooks_log(&h, LOG_WARN, "step %d", 3);
	ck_assert_int_eq(s.calls, 1);
	ck_assert_int_eq(s.level, LOG_WARN);
	ck_assert_str_eq(s.last, "step 3");
	ck_assert(!hooks_aborted(&h));
	s.stop = 1;
	ck_assert(hooks_aborted(&h));
	hooks_log(NULL, LOG_INFO, "no hooks is fine");
	ck_assert(!hooks_aborted(NULL));
}
END_TEST

/* engine/monotonic, the clock every timing shares: steady, and its two
 * units agree. */
START_TEST(monotonic_clock)
{
	double a = monotonic_s();
	int64_t ms = monotonic_ms();
	double b = monotonic_s();
	ck_assert(a > 0 && b >= a);
	ck_assert((double)ms >= a * 1e3 - 1 && (double)ms <= b * 1e3 + 1);
}
END_TEST

Suite *harness_suite(void)
{
	Suite *s = suite_create("status");
	harness_add(s, "core",
	            set_formats_and_returns_code,
	            prefix_names_the_file,
	            long_messages_are_truncated_not_overflowed,
	            errno_text_appended,
	            names_are_distinct,
	            hooks_route_logs_and_aborts,
	            monotonic_clock,
	            NULL);
	return s;
}
