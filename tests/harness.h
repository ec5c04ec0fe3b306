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
 * so the suite counts individual tests, not programs.
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

/* A fresh empty folder under the build tree's tests/, removed at exit. */
const char *harness_tmpdir(void);

#endif
