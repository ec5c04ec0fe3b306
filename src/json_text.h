/* json_text: text that may not be UTF-8 as a JSON string, for `ric export`
 * and ric-tui's :export alike.
 *
 *   json_object_set_new(o, "response", json_text(response));
 *
 * Generated text can stop in the middle of a character; JSON cannot carry
 * such bytes, so each byte of a broken sequence becomes U+FFFD.
 */
#ifndef RIC_SRC_JSON_TEXT_H
#define RIC_SRC_JSON_TEXT_H

#include <jansson.h>

/* A new JSON string (NULL: out of memory). */
json_t *json_text(const char *text);

#endif
