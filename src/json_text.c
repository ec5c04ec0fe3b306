#include "config.h"

#include "src/json_text.h"

#include <stdlib.h>
#include <string.h>

json_t *json_text(const char *text)
{
	json_t *j = json_string(text);
	if (j)
		return j;
	/* Not UTF-8 (a small model can stop mid-character): JSON cannot carry the
	 * bytes, so each byte of a broken sequence becomes U+FFFD, as decoders do. */
	size_t n = strlen(text);
	char *clean = malloc(3 * n + 1);
	if (!clean)
		return NULL;
	size_t o = 0;
	for (size_t i = 0; i < n;) {
		unsigned char c = (unsigned char)text[i];
		size_t len = c < 0x80 ? 1 : (c & 0xe0) == 0xc0 ? 2 : (c & 0xf0) == 0xe0 ? 3
		           : (c & 0xf8) == 0xf0 ? 4 : 0;
		int ok = len > 0 && i + len <= n;
		for (size_t k = 1; ok && k < len; k++)
			ok = ((unsigned char)text[i + k] & 0xc0) == 0x80;
		if (ok && len > 1) {
			/* Overlong forms, surrogates and values past U+10FFFF are invalid too. */
			json_t *probe = json_stringn(text + i, len);
			ok = probe != NULL;
			json_decref(probe);
		}
		if (ok) {
			memcpy(clean + o, text + i, len);
			o += len;
			i += len;
		} else {
			memcpy(clean + o, "\xef\xbf\xbd", 3);
			o += 3;
			i++;
		}
	}
	j = json_stringn(clean, o);
	free(clean);
	return j;
}
