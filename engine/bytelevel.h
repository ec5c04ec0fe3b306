/* bytelevel: GPT-2's reversible map from bytes to printable characters.
 *
 *   char buf[2 * n];                        // at most 2 UTF-8 bytes per input byte
 *   size_t len = bytelevel_encode(bytes, n, buf);   // "Hello world" -> "HelloĠworld"
 *   int b = bytelevel_byte(0x120);          // 'Ġ' -> 0x20; -1 for other characters
 *
 * Bytes 33-126, 161-172 and 174-255 map to the same code point; the other 68
 * (controls, space, DEL, NBSP, soft hyphen...) map to U+0100 + n in byte order.
 * GPT-2's vocabulary lists the 256 characters in that order (printable ones
 * first), which bytelevel_order() gives, so a trained vocabulary starts like it.
 */
#ifndef RIC_ENGINE_BYTELEVEL_H
#define RIC_ENGINE_BYTELEVEL_H

#include <stddef.h>
#include <stdint.h>

/* The code point byte `b` stands for. */
uint32_t bytelevel_char(uint8_t b);
/* The byte code point `cp` stands for, or -1. */
int bytelevel_byte(uint32_t cp);
/* The position of byte `b` in GPT-2's base vocabulary (0..255). */
int bytelevel_order(uint8_t b);

/* Writes the UTF-8 of the mapped characters of `n` bytes to `out` (room for
 * 2n bytes) and returns its length. */
size_t bytelevel_encode(const void *bytes, size_t n, char *out);

/* Maps UTF-8 text of mapped characters back to bytes (`out` has room for `len`
 * bytes); returns the byte count, or -1 when `text` holds invalid UTF-8 or a
 * character outside the table. */
long bytelevel_decode(const char *text, size_t len, uint8_t *out);

#endif
