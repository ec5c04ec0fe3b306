/* harness: the shared main() of every Check test program.
 *
 *   #include "tests/harness.h"
 *   START_TEST(adds) { ck_assert_int_eq(1 + 1, 2); } END_TEST
 *   Suite *harness_suite(void)
 *   {
 *       Suite *s = suite_create("math");
 *       harness_add(s, "core", adds, NULL);
 *       return s;
 *   }
 *
 * Results go to stdout as TAP (one line per test) for automake's tap-driver,
 * so the suite counts individual tests, not programs. Each test may take 60 s
 * (CK_DEFAULT_TIMEOUT, unless set) and runs with a HOME of its program's own.
 */
#ifndef RIC_TESTS_HARNESS_H
#define RIC_TESTS_HARNESS_H

#include <check.h>

Suite *harness_suite(void);

/* Adds NULL-terminated tests to a new test case named `name` in `s`. */
TCase *harness_case(Suite *s, const char *name, ...);
#define harness_add(s, name, ...) harness_case((s), (name), __VA_ARGS__)

/* Folder of the source tree and of the build tree (for fixtures and outputs). */
const char *harness_srcdir(void);
const char *harness_builddir(void);

/* The HOME every test program runs with (XDG_DATA_HOME, XDG_CONFIG_HOME and
 * XDG_STATE_HOME are under it; RIC_STORE and RIC_DATADIR unset, RIC_NO_DEMO
 * set): a folder under the build tree's tests/, removed at exit. */
const char *harness_home_dir(void);

/* A fresh empty folder under the build tree's tests/, removed at exit. */
const char *harness_tmpdir(void);

#endif
