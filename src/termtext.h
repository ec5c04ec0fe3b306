/* termtext: text from files and stores, made safe to print on a terminal.
 *
 * A name, a spec, a message or generated text may carry control characters:
 * "\033]0;pwned\007" in a reward name would set the window title. Every
 * human output of ric goes through here (tables, errors, the lines of
 * import, show, generate ...); JSON escapes them itself and stays as it is.
 *
 *   termtext_printf(stdout, "dataset %s: %lld rows\n", name, n);
 *   termtext_write(stdout, response, len);      // line breaks kept
 */
#ifndef RIC_SRC_TERMTEXT_H
#define RIC_SRC_TERMTEXT_H

#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>

/* Cleans n bytes in place and returns the new length: C0 controls (except
 * line feed and tab when keep_lines), DEL and the C1 controls U+0080..U+009F
 * become one space each; a byte that starts no valid UTF-8 character becomes
 * '?'. The result is never longer. */
size_t termtext_clean(char *s, size_t n, int keep_lines);

/* fwrite / printf with the text cleaned (line breaks and tabs kept). */
void termtext_write(FILE *out, const char *s, size_t n);
void termtext_vprintf(FILE *out, const char *fmt, va_list ap);
void termtext_printf(FILE *out, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
