#include "config.h"

#include "engine/atomicfile.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Distinguishes temporary names of threads in one process; the pid separates processes. */
static atomic_uint atomicfile_counter;

enum status_code atomicfile_open(struct atomicfile *af, const char *path, struct status *st)
{
	af->fd = -1;
	af->tmp = NULL;
	af->path = strdup(path);
	size_t len = strlen(path) + 64;
	af->tmp = malloc(len);
	if (!af->path || !af->tmp) {
		free(af->path);
		free(af->tmp);
		af->path = af->tmp = NULL;
		return status_set(st, STATUS_NOMEM, "%s: out of memory", path);
	}
	for (int attempt = 0; attempt < 100; attempt++) {
		snprintf(af->tmp, len, "%s.tmp.%ld.%u", path, (long)getpid(),
		         atomic_fetch_add(&atomicfile_counter, 1u));
		af->fd = open(af->tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
		if (af->fd >= 0)
			return STATUS_OK;
		if (errno != EEXIST)
			break;
	}
	int err = errno;
	free(af->tmp);
	af->tmp = NULL;
	enum status_code rc = status_errno(st, STATUS_IO, err, "%s: cannot create a temporary file", path);
	free(af->path);
	af->path = NULL;
	return rc;
}

void atomicfile_abort(struct atomicfile *af)
{
	if (af->fd >= 0)
		close(af->fd);
	af->fd = -1;
	if (af->tmp)
		unlink(af->tmp);
	free(af->tmp);
	free(af->path);
	af->tmp = af->path = NULL;
}

enum status_code atomicfile_write(struct atomicfile *af, const void *buf, size_t len, struct status *st)
{
	const char *p = buf;
	while (len > 0) {
		ssize_t n = write(af->fd, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			int err = n < 0 ? errno : EIO;
			enum status_code rc = status_errno(st, STATUS_IO, err, "%s: write failed", af->path);
			atomicfile_abort(af);
			return rc;
		}
		p += n;
		len -= (size_t)n;
	}
	return STATUS_OK;
}

/* Makes the rename itself durable; failure here is not an error worth losing the file for. */
static void atomicfile_sync_dir(const char *path)
{
	char *copy = strdup(path);
	if (!copy)
		return;
	int fd = open(dirname(copy), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd >= 0) {
		(void)fsync(fd);
		close(fd);
	}
	free(copy);
}

enum status_code atomicfile_commit(struct atomicfile *af, struct status *st)
{
	if (fsync(af->fd) != 0) {
		enum status_code rc = status_errno(st, STATUS_IO, errno, "%s: fsync failed", af->path);
		atomicfile_abort(af);
		return rc;
	}
	int fd = af->fd;
	af->fd = -1;
	if (close(fd) != 0) {
		enum status_code rc = status_errno(st, STATUS_IO, errno, "%s: close failed", af->path);
		atomicfile_abort(af);
		return rc;
	}
	if (rename(af->tmp, af->path) != 0) {
		enum status_code rc = status_errno(st, STATUS_IO, errno, "%s: cannot rename %s into place",
		                                   af->path, af->tmp);
		atomicfile_abort(af);
		return rc;
	}
	atomicfile_sync_dir(af->path);
	free(af->tmp);
	af->tmp = NULL;
	atomicfile_abort(af); /* frees the names */
	return STATUS_OK;
}

enum status_code atomicfile_save(const char *path, const void *buf, size_t len, struct status *st)
{
	struct atomicfile af;
	enum status_code rc = atomicfile_open(&af, path, st);
	if (rc == STATUS_OK)
		rc = atomicfile_write(&af, buf, len, st);
	if (rc == STATUS_OK)
		rc = atomicfile_commit(&af, st);
	return rc;
}
