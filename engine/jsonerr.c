#include "config.h"

#include "engine/jsonerr.h"

#include <string.h>

enum status_code jsonerr_set(struct status *st, const char *file, const char *what, const json_error_t *e)
{
	/* jansson reports `duplicate object key near '"name"'`: name the key itself. */
	static const char dup[] = "duplicate object key", near[] = "near '\"";
	const char *at = strstr(e->text, near);
	if (strncmp(e->text, dup, sizeof dup - 1) == 0 && at) {
		at += sizeof near - 1;
		int n = (int)strlen(at);
		if (n >= 2 && strcmp(at + n - 2, "\"'") == 0)
			n -= 2;
		return status_set(st, STATUS_FORMAT, "%s: %s '%.*s' appears twice", file, what, n, at);
	}
	return status_set(st, STATUS_FORMAT, "%s: not valid JSON: %s (line %d, byte %d)", file, e->text,
	                  e->line, e->position);
}
