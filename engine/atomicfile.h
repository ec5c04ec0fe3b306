/* atomicfile: write a file so readers see the old version or the whole new one.
 *
 *   struct atomicfile af;
 *   struct status st = STATUS_INIT;
 *   if (atomicfile_open(&af, "m/config.json", &st) != STATUS_OK) return st.code;
 *   if (atomicfile_write(&af, buf, len, &st) != STATUS_OK) return st.code; // aborts on error
 *   if (atomicfile_commit(&af, &st) != STATUS_OK) return st.code;          // fsync + rename
 *
 *   atomicfile_save("m/ric.json", text, strlen(text), &st);               // all in one
 *
 * The temporary file lives in the same folder (so rename() is atomic) and is
 * created with mode 0666 minus the umask, like a plain fopen(). A failed write
 * or commit removes it; atomicfile_abort() does the same for the caller's errors.
 */
#ifndef RIC_ENGINE_ATOMICFILE_H
#define RIC_ENGINE_ATOMICFILE_H

#include <stddef.h>

#include "engine/status.h"

struct atomicfile {
	char *path; /* final name */
	char *tmp;  /* temporary name, NULL once committed or aborted */
	int fd;
};

enum status_code atomicfile_open(struct atomicfile *af, const char *path, struct status *st);
/* On failure the file is aborted (no need to call atomicfile_abort). */
enum status_code atomicfile_write(struct atomicfile *af, const void *buf, size_t len, struct status *st);
/* fsync, close, rename into place, fsync the folder. Aborts on failure. */
enum status_code atomicfile_commit(struct atomicfile *af, struct status *st);
/* Removes the temporary file; safe to call twice or after commit. */
void atomicfile_abort(struct atomicfile *af);

enum status_code atomicfile_save(const char *path, const void *buf, size_t len, struct status *st);

#endif
