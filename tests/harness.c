#include "config.h"

#include "tests/harness.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

TCase *harness_case(Suite *s, const char *name, ...)
{
	TCase *tc = tcase_create(name);
	va_list ap;
	va_start(ap, name);
	for (const TTest *t; (t = va_arg(ap, const TTest *)) != NULL;)
		_tcase_add_test(tc, t, 0, 0, 0, 1);
	va_end(ap);
	suite_add_tcase(s, tc);
	return tc;
}

const char *harness_srcdir(void)
{
	const char *d = getenv("top_srcdir");
	return d && *d ? d : RIC_SRCDIR;
}

const char *harness_builddir(void)
{
	const char *d = getenv("top_builddir");
	return d && *d ? d : RIC_BUILDDIR;
}

static char harness_tmp[4096];
static pid_t harness_tmp_owner;

static void harness_tmp_cleanup(void)
{
	if (harness_tmp[0] && getpid() == harness_tmp_owner) {
		char cmd[4200];
		snprintf(cmd, sizeof cmd, "rm -rf '%s'", harness_tmp);
		if (system(cmd) != 0)
			fprintf(stderr, "# could not remove %s\n", harness_tmp);
	}
}

const char *harness_tmpdir(void)
{
	if (!harness_tmp[0]) {
		snprintf(harness_tmp, sizeof harness_tmp, "%s/tests/tmp.XXXXXX", harness_builddir());
		if (!mkdtemp(harness_tmp)) {
			perror(harness_tmp);
			abort();
		}
		harness_tmp_owner = getpid();
		atexit(harness_tmp_cleanup);
	}
	return harness_tmp;
}

int main(void)
{
	SRunner *sr = srunner_create(harness_suite());
	srunner_set_tap(sr, "-");
	srunner_run_all(sr, CK_SILENT);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
