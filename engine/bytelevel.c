#include "config.h"

#include "engine/bytelevel.h"

static int bytelevel_printable(unsigned b)
{
	return (b >= 33 && b <= 126) || (b >= 161 && b <= 172) || (b >= 174 && b <= 255);
}

uint32_t bytelevel_char(uint8_t b)
{
	if (bytelevel_printable(b))
		return b;
	/* The n-th non-printable byte: every byte below it that is not printable. */
	unsigned n;
	if (b <= 32)
		n = b;
	else if (b <= 160)
		n = 33 + (b - 127);    /* 127..160 follow 0..32 */
	else
		n = 33 + 34;           /* 173, the soft hyphen */
	return 0x100 + n;
}

int bytelevel_byte(uint32_t cp)
{
	if (cp < 256)
		return bytelevel_printable(cp) ? (int)cp : -1;
	if (cp < 0x100 || cp >= 0x100 + 68)
		return -1;
	unsigned n = cp - 0x100;
	if (n <= 32)
		return (int)n;
	if (n <= 66)
		return (int)(127 + n - 33);
	return 173;
}

int bytelevel_order(uint8_t b)
{
	if (b >= 33 && b <= 126)
		return b - 33;                 /* 0..93 */
	if (b >= 161 && b <= 172)
		return 94 + (b - 161);         /* 94..105 */
	if (b >= 174)
		return 106 + (b - 174);        /* 106..187 */
	return 188 + (int)(bytelevel_char(b) - 0x100);
}

size_t bytelevel_encode(const void *bytes, size_t n, char *out)
{
	const uint8_t *p = bytes;
	size_t o = 0;
	for (size_t i = 0; i < n; i++) {
		uint32_t c = bytelevel_char(p[i]);
		if (c < 0x80) {
			out[o++] = (char)c;
		} else {
			out[o++] = (char)(0xC0 | (c >> 6));
			out[o++] = (char)(0x80 | (c & 0x3F));
		}
	}
	return o;
}

long bytelevel_decode(const char *text, size_t len, uint8_t *out)
{
	const uint8_t *p = (const uint8_t *)text;
	long o = 0;
	for (size_t i = 0; i < len;) {
		uint32_t c;
		if (p[i] < 0x80) {
			c = p[i++];
		} else if ((p[i] & 0xE0) == 0xC0 && i + 1 < len && (p[i + 1] & 0xC0) == 0x80) {
			c = ((uint32_t)(p[i] & 0x1F) << 6) | (p[i + 1] & 0x3F);
			i += 2;
		} else {
			return -1; /* every mapped character fits in two bytes */
		}
		int b = bytelevel_byte(c);
		if (b < 0)
			return -1;
		out[o++] = (uint8_t)b;
	}
	return o;
}
