/* readfile: a whole file into memory, with a size limit.
 *
 *   char *data; size_t len;
 *   if (readfile("vocab.json", 256u << 20, &data, &len, &st) != STATUS_OK) return st.code;
 *   ...
 *   free(data);          // data[len] is '\0', so text can be used as a string
 */
#ifndef RIC_ENGINE_READFILE_H
#define RIC_ENGINE_READFILE_H

#include <stddef.h>

#include "engine/status.h"

/* STATUS_IO naming the file when it cannot be read, STATUS_FORMAT when it is
 * larger than `max` bytes. */
enum status_code readfile(const char *path, size_t max, char **data, size_t *len, struct status *st);

/* STATUS_OK when path is a regular file, else STATUS_IO naming it: missing
 * (in errno's words) or "not a regular file" (a folder reads as an error
 * about something else, a FIFO blocks the reader). For the files of a model
 * folder, which are never streams. */
enum status_code readfile_regular(const char *path, struct status *st);

#endif
