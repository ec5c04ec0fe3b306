#include "config.h"

#include "engine/jsonerr.h"

#include <stdio.h>
#include <string.h>

void jsonerr_oneline(struct status *st)
{
	if (!st)
		return;
	for (char *c = st->msg; *c; c++)
		if ((unsigned char)*c < 0x20 || *c == 0x7f)
			*c = '?';
}

enum status_code jsonerr_set(struct status *st, const char *file, const char *what, const json_error_t *e)
{
	/* jansson reports `duplicate object key near '"name"'`: name the key itself. */
	static const char dup[] = "duplicate object key", near[] = "near '\"";
	char text[4 * sizeof e->text];
	size_t n = 0;
	for (const unsigned char *c = (const unsigned char *)e->text; *c && n + 5 < sizeof text; c++) {
		if (*c < 0x20 || *c >= 0x7f)
			n += (size_t)snprintf(text + n, sizeof text - n, "\\x%02x", *c);
		else
			text[n++] = (char)*c;
	}
	text[n] = '\0';
	const char *at = strstr(text, near);
	if (strncmp(text, dup, sizeof dup - 1) == 0 && at) {
		at += sizeof near - 1;
		int len = (int)strlen(at);
		if (len >= 2 && strcmp(at + len - 2, "\"'") == 0)
			len -= 2;
		return status_set(st, STATUS_FORMAT, "%s: %s '%.*s' appears twice", file, what, len, at);
	}
	return status_set(st, STATUS_FORMAT, "%s: not valid JSON: %s (line %d, byte %d)", file, text,
	                  e->line, e->position);
}
