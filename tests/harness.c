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

/* Every test program gets a HOME and XDG folders of its own, as tests/lib.sh
 * gives the shell tests: the jobs, stores and settings a test makes through
 * the defaults (a job's log in $XDG_STATE_HOME/ric/jobs) never land in the
 * user's. Made before the tests fork, removed when the runner exits. */
static char harness_home[4096];
static pid_t harness_home_owner;

static void harness_home_cleanup(void)
{
	if (harness_home[0] && getpid() == harness_home_owner) {
		char cmd[4200];
		snprintf(cmd, sizeof cmd, "rm -rf '%s'", harness_home);
		if (system(cmd) != 0)
			fprintf(stderr, "# could not remove %s\n", harness_home);
	}
}

static void harness_private_home(void)
{
	snprintf(harness_home, sizeof harness_home, "%s/tests/home.XXXXXX", harness_builddir());
	if (!mkdtemp(harness_home)) {
		perror(harness_home);
		abort();
	}
	harness_home_owner = getpid();
	atexit(harness_home_cleanup);
	static const char *const xdg[][2] = { { "XDG_DATA_HOME", "/.local/share" },
	                                      { "XDG_CONFIG_HOME", "/.config" },
	                                      { "XDG_STATE_HOME", "/.local/state" } };
	char dir[4200];
	setenv("HOME", harness_home, 1);
	for (size_t i = 0; i < sizeof xdg / sizeof xdg[0]; i++) {
		snprintf(dir, sizeof dir, "%s%s", harness_home, xdg[i][1]);
		setenv(xdg[i][0], dir, 1);
	}
	unsetenv("RIC_STORE");
	unsetenv("RIC_DATADIR");
	setenv("RIC_NO_DEMO", "1", 1);
}

const char *harness_home_dir(void)
{
	return harness_home;
}

int main(void)
{
	harness_private_home();
	/* Check's default 4 s per test is less than a heavy test (test_gemv at
	 * RIC_CPU=plain) takes on a machine others load: 60 s still ends a hang.
	 * Read by tcase_create, so set before the suite is made; a value the user
	 * set (CK_DEFAULT_TIMEOUT=4 to hunt slow tests) is kept. */
	setenv("CK_DEFAULT_TIMEOUT", "60", 0);
	SRunner *sr = srunner_create(harness_suite());
	srunner_set_tap(sr, "-");
	srunner_run_all(sr, CK_SILENT);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
