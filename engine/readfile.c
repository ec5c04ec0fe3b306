#include "config.h"

#include "engine/readfile.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>

enum status_code readfile_regular(const char *path, struct status *st)
{
	struct stat sb;
	if (stat(path, &sb) != 0)
		return status_errno(st, STATUS_IO, errno, "%s", path);
	if (!S_ISREG(sb.st_mode))
		return status_set(st, STATUS_IO, "%s: not a regular file (%s)", path,
		                  S_ISDIR(sb.st_mode) ? "a folder" : S_ISFIFO(sb.st_mode) ? "a FIFO"
		                  : "a device or socket");
	return STATUS_OK;
}

enum status_code readfile(const char *path, size_t max, char **data, size_t *len, struct status *st)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return status_errno(st, STATUS_IO, errno, "%s", path);
	char *buf = NULL;
	size_t n = 0, cap = 0;
	for (;;) {
		if (n + 1 >= cap) {
			cap = cap ? cap * 2 : 1 << 16;
			if (n > max) {
				free(buf);
				fclose(f);
				return status_set(st, STATUS_FORMAT, "%s: larger than %zu bytes", path, max);
			}
			char *b = realloc(buf, cap);
			if (!b) {
				free(buf);
				fclose(f);
				return status_set(st, STATUS_NOMEM, "%s: out of memory", path);
			}
			buf = b;
		}
		size_t r = fread(buf + n, 1, cap - n - 1, f);
		n += r;
		if (r == 0)
			break;
	}
	int err = ferror(f) ? errno : 0;
	fclose(f);
	if (err) {
		free(buf);
		return status_errno(st, STATUS_IO, err, "%s", path);
	}
	if (n > max) {
		free(buf);
		return status_set(st, STATUS_FORMAT, "%s: larger than %zu bytes", path, max);
	}
	buf[n] = '\0';
	*data = buf;
	*len = n;
	return STATUS_OK;
}
