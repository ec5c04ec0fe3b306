#include "config.h"

#include "src/termtext.h"

#include <stdlib.h>
#include <string.h>

/* Length of the valid UTF-8 character at s (n bytes left), or 0. */
static size_t termtext_utf8(const unsigned char *s, size_t n)
{
	size_t len;
	unsigned c = s[0];
	if (c >= 0xc2 && c <= 0xdf)
		len = 2;
	else if (c >= 0xe0 && c <= 0xef)
		len = 3;
	else if (c >= 0xf0 && c <= 0xf4)
		len = 4;
	else
		return 0;
	if (len > n)
		return 0;
	for (size_t i = 1; i < len; i++)
		if ((s[i] & 0xc0) != 0x80)
			return 0;
	/* overlong three- and four-byte forms, surrogates, past U+10FFFF */
	if ((c == 0xe0 && s[1] < 0xa0) || (c == 0xed && s[1] >= 0xa0) ||
	    (c == 0xf0 && s[1] < 0x90) || (c == 0xf4 && s[1] >= 0x90))
		return 0;
	return len;
}

size_t termtext_clean(char *s, size_t n, int keep_lines)
{
	unsigned char *u = (unsigned char *)s;
	size_t o = 0, i = 0;
	while (i < n) {
		unsigned c = u[i];
		if (c < 0x20 || c == 0x7f) {
			u[o++] = keep_lines && (c == '\n' || c == '\t') ? (unsigned char)c : ' ';
			i++;
			continue;
		}
		if (c < 0x80) {
			u[o++] = (unsigned char)c;
			i++;
			continue;
		}
		size_t len = termtext_utf8(u + i, n - i);
		if (len == 0) {
			u[o++] = '?';
			i++;
		} else if (c == 0xc2 && u[i + 1] < 0xa0) { /* C1: CSI, OSC ... in 8 bits */
			u[o++] = ' ';
			i += len;
		} else {
			memmove(u + o, u + i, len);
			o += len;
			i += len;
		}
	}
	return o;
}

void termtext_write(FILE *out, const char *s, size_t n)
{
	char buf[4096];
	/* Whole characters per chunk: a chunk ends before a character that does
	 * not fit, so a cut never turns a valid character into '?'. */
	while (n > 0) {
		size_t k = n < sizeof buf ? n : sizeof buf;
		if (k < n)
			while (k > sizeof buf - 4 && ((unsigned char)s[k] & 0xc0) == 0x80)
				k--;
		memcpy(buf, s, k);
		fwrite(buf, 1, termtext_clean(buf, k, 1), out);
		s += k;
		n -= k;
	}
}

void termtext_vprintf(FILE *out, const char *fmt, va_list ap)
{
	char small[1024];
	va_list aq;
	va_copy(aq, ap);
	int n = vsnprintf(small, sizeof small, fmt, aq);
	va_end(aq);
	if (n < 0)
		return;
	if ((size_t)n < sizeof small) {
		termtext_write(out, small, (size_t)n);
		return;
	}
	char *big = malloc((size_t)n + 1);
	if (!big)
		return;
	vsnprintf(big, (size_t)n + 1, fmt, ap);
	termtext_write(out, big, (size_t)n);
	free(big);
}

void termtext_printf(FILE *out, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	termtext_vprintf(out, fmt, ap);
	va_end(ap);
}
