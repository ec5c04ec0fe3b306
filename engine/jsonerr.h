/* jsonerr: one-line messages for jansson load errors.
 *
 *   json_error_t e;
 *   json_t *j = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &e);
 *   if (!j) return jsonerr_set(st, "m/config.json", "key", &e);
 *   // "m/config.json: key 'n_head' appears twice"
 *   // "m/config.json: not valid JSON: '}' expected near end of file (line 3)"
 */
#ifndef RIC_ENGINE_JSONERR_H
#define RIC_ENGINE_JSONERR_H

#include <jansson.h>

#include "engine/status.h"

/* Sets STATUS_FORMAT on `st`; `what` names a duplicated key ("key", "tensor").
 * Bytes of the input that jansson quotes are escaped (\xNN) when not printable. */
enum status_code jsonerr_set(struct status *st, const char *file, const char *what, const json_error_t *e);

/* Keeps a message on one line: control characters that names from a file
 * (a tensor called "a\nb") brought into it become '?'. */
void jsonerr_oneline(struct status *st);

#endif
