/* src/paths: store location precedence, XDG rules, data folder discovery. */
#include "config.h"

#include "tests/harness.h"
#include "src/paths.h"

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

START_TEST(store_precedence)
{
	setenv("HOME", "/home/u", 1);
	unsetenv("XDG_DATA_HOME");
	unsetenv("RIC_STORE");
	char *p = paths_store(NULL);
	ck_assert_str_eq(p, "/home/u/.local/share/ric/store.db");
	free(p);
	setenv("XDG_DATA_HOME", "/data", 1);
	p = paths_store(NULL);
	ck_assert_str_eq(p, "/data/ric/store.db");
	free(p);
	setenv("RIC_STORE", "/tmp/env.db", 1);
	p = paths_store(NULL);
	ck_assert_str_eq(p, "/tmp/env.db");
	free(p);
	p = paths_store("flag.db");
	ck_assert_str_eq(p, "flag.db");
	free(p);
	/* Only without --store and RIC_STORE is it the default (whose folders are made). */
	ck_assert(!paths_store_default(NULL));
	ck_assert(!paths_store_default("flag.db"));
	unsetenv("RIC_STORE");
	ck_assert(paths_store_default(NULL));
	ck_assert(!paths_store_default("flag.db"));
	/* An empty --store names no store: never the default one. */
	ck_assert(!paths_store_default(""));
	p = paths_store("");
	ck_assert_str_eq(p, "");
	free(p);
}
END_TEST

START_TEST(xdg_relative_value_is_ignored)
{
	/* The XDG spec says relative paths are invalid and must be ignored. */
	setenv("HOME", "/home/u", 1);
	setenv("XDG_CONFIG_HOME", "relative/dir", 1);
	char *p = paths_config_file("ricrc");
	ck_assert_str_eq(p, "/home/u/.config/ric/ricrc");
	free(p);
	setenv("XDG_STATE_HOME", "/state", 1);
	p = paths_state_file("history");
	ck_assert_str_eq(p, "/state/ric/history");
	free(p);
}
END_TEST

START_TEST(no_home_no_path)
{
	unsetenv("HOME");
	unsetenv("XDG_DATA_HOME");
	unsetenv("RIC_STORE");
	ck_assert_ptr_null(paths_store(NULL));
}
END_TEST

START_TEST(datadir_is_source_share_when_uninstalled)
{
	unsetenv("RIC_DATADIR");
	/* This test binary lives in the build tree, so share/ comes from the sources. */
	ck_assert_str_eq(paths_datadir(), RIC_SRCDATADIR);
	char *readme = paths_data_file("README");
	struct stat sb;
	ck_assert_int_eq(stat(readme, &sb), 0);
	free(readme);
}
END_TEST

Suite *harness_suite(void)
{
	Suite *s = suite_create("paths");
	harness_add(s, "core",
	            store_precedence,
	            xdg_relative_value_is_ignored,
	            no_home_no_path,
	            datadir_is_source_share_when_uninstalled,
	            NULL);
	return s;
}
