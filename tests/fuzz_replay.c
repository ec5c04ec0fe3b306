/* fuzz_replay: runs a fuzz harness over files, as TAP, without libFuzzer.
 *
 *   tests/fuzz_replay_config                 # the seed corpus tests/fuzz/corpus/config/
 *   tests/fuzz_replay_config crash-1234 dir/ # given files, or every file of a folder
 *
 * Seeds named ok-* must be accepted and bad-* refused; a crash or a broken
 * invariant aborts the program, which the TAP driver reports. */
#include "config.h"

#include "tests/fuzz.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static int fuzz_n, fuzz_failed;

static int fuzz_name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void fuzz_replay_file(const char *path)
{
	FILE *fp = fopen(path, "rb");
	struct stat sb;
	if (!fp || fstat(fileno(fp), &sb) != 0) {
		printf("not ok %d - %s: cannot read\n", ++fuzz_n, path);
		fuzz_failed++;
		if (fp)
			fclose(fp);
		return;
	}
	size_t len = (size_t)sb.st_size;
	/* An exact-size copy, so ASan catches any read past the input. */
	uint8_t *buf = malloc(len ? len : 1);
	if (!buf || fread(buf, 1, len, fp) != len) {
		printf("not ok %d - %s: cannot read\n", ++fuzz_n, path);
		fuzz_failed++;
		free(buf);
		fclose(fp);
		return;
	}
	fclose(fp);
	int accepted = fuzz_accepts(buf, len);
	free(buf);
	const char *base = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
	int want = strncmp(base, "ok-", 3) == 0 ? 1 : strncmp(base, "bad-", 4) == 0 ? 0 : accepted;
	fuzz_n++;
	if (accepted == want)
		printf("ok %d - %s %s\n", fuzz_n, base, accepted ? "accepted" : "refused");
	else {
		printf("not ok %d - %s was %s\n", fuzz_n, base, accepted ? "accepted" : "refused");
		fuzz_failed++;
	}
}

static void fuzz_replay_path(const char *path)
{
	struct stat sb;
	if (stat(path, &sb) != 0 || !S_ISDIR(sb.st_mode)) {
		fuzz_replay_file(path);
		return;
	}
	DIR *d = opendir(path);
	char **names = NULL;
	size_t n = 0;
	for (struct dirent *e; d && (e = readdir(d)) != NULL;) {
		if (e->d_name[0] == '.')
			continue;
		char **more = realloc(names, (n + 1) * sizeof *names);
		if (!more)
			abort();
		names = more;
		size_t len = strlen(path) + strlen(e->d_name) + 2;
		names[n] = malloc(len);
		snprintf(names[n++], len, "%s/%s", path, e->d_name);
	}
	if (d)
		closedir(d);
	qsort(names, n, sizeof *names, fuzz_name_cmp);
	for (size_t i = 0; i < n; i++) {
		fuzz_replay_file(names[i]);
		free(names[i]);
	}
	free(names);
}

int main(int argc, char **argv)
{
	if (argc > 1)
		for (int i = 1; i < argc; i++)
			fuzz_replay_path(argv[i]);
	else {
		const char *src = getenv("top_srcdir");
		char dir[4096];
		snprintf(dir, sizeof dir, "%s/tests/fuzz/corpus/%s", src && *src ? src : RIC_SRCDIR, FUZZ_NAME);
		fuzz_replay_path(dir);
	}
	if (fuzz_n == 0) {
		printf("not ok 1 - no inputs to replay\n");
		fuzz_n = fuzz_failed = 1;
	}
	printf("1..%d\n", fuzz_n);
	return fuzz_failed ? 1 : 0;
}
