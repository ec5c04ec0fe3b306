#include "config.h"

#include "src/paths.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char *paths_join3(const char *a, const char *b, const char *c)
{
	size_t n = strlen(a) + strlen(b) + strlen(c) + 1;
	char *s = malloc(n);
	if (s)
		snprintf(s, n, "%s%s%s", a, b, c);
	return s;
}

/* True when this executable lives inside the build tree it was compiled in,
 * so share/ is read from the sources rather than from an install that may be
 * stale or missing. */
int paths_self_exe(char *buf, size_t n)
{
	ssize_t len = readlink("/proc/self/exe", buf, n - 1);
	if (len <= 0) {
		if (len == 0)
			errno = ENOENT;
		return -1;
	}
	buf[len] = '\0';
	return 0;
}

static int paths_running_uninstalled(void)
{
	char exe[PATH_MAX], build[PATH_MAX];
	if (paths_self_exe(exe, sizeof exe) != 0)
		return 0;
	if (!realpath(RIC_BUILDDIR, build))
		return 0;
	size_t len = strlen(build);
	return strncmp(exe, build, len) == 0 && exe[len] == '/';
}

const char *paths_datadir(void)
{
	static const char *dir;
	if (dir)
		return dir;
	const char *env = getenv("RIC_DATADIR");
	if (env && *env)
		dir = env;
	else if (paths_running_uninstalled())
		dir = RIC_SRCDATADIR;
	else
		dir = RIC_PKGDATADIR;
	return dir;
}

char *paths_join(const char *dir, const char *name)
{
	return paths_join3(dir, "/", name);
}

char *paths_data_file(const char *name)
{
	return paths_join(paths_datadir(), name);
}

char *paths_xdg(const char *env, const char *home_rel, const char *name)
{
	const char *base = getenv(env);
	if (base && *base == '/')
		return paths_join3(base, "/ric/", name);
	const char *home = getenv("HOME");
	if (!home || !*home)
		return NULL;
	char *root = paths_join3(home, "/", home_rel);
	if (!root)
		return NULL;
	char *p = paths_join3(root, "/ric/", name);
	free(root);
	return p;
}

char *paths_store(const char *opt)
{
	if (opt) /* even "": the programs refuse it rather than open another store */
		return strdup(opt);
	const char *env = getenv("RIC_STORE");
	if (env && *env)
		return strdup(env);
	return paths_xdg("XDG_DATA_HOME", ".local/share", "store.db");
}

int paths_store_default(const char *opt)
{
	const char *env = getenv("RIC_STORE");
	return !opt && !(env && *env);
}

char *paths_config_file(const char *name)
{
	return paths_xdg("XDG_CONFIG_HOME", ".config", name);
}

char *paths_state_file(const char *name)
{
	return paths_xdg("XDG_STATE_HOME", ".local/state", name);
}
