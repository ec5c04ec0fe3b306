/* src/termtext: what reaches a terminal has no control sequence left in it. */
#include "config.h"

#include "tests/harness.h"
#include "src/termtext.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char *clean(const char *in, int keep_lines)
{
	static char buf[256];
	size_t n = strlen(in);
	memcpy(buf, in, n);
	buf[termtext_clean(buf, n, keep_lines)] = '\0';
	return buf;
}

START_TEST(controls_become_spaces)
{
	/* OSC: sets the window title; CSI: clears the screen; BEL, DEL */
	ck_assert_str_eq(clean("a\033]0;pwned\007b", 0), "a ]0;pwned b");
	ck_assert_str_eq(clean("\033[2J\x7f", 0), " [2J ");
	ck_assert_str_eq(clean("l1\nl2\tx\r", 0), "l1 l2 x ");
	ck_assert_str_eq(clean("l1\nl2\tx\r", 1), "l1\nl2\tx ");
	/* C1 controls in UTF-8 (U+009B is CSI) and as lone bytes */
	ck_assert_str_eq(clean("a\xc2\x9b" "2Jb", 0), "a 2Jb");
	ck_assert_str_eq(clean("a\x9b" "2J\xff", 0), "a?2J?");
	/* overlong ESC, a surrogate, a cut character */
	ck_assert_str_eq(clean("\xc0\x9b\xed\xa0\x80\xe2\x82", 0), "???????");
}
END_TEST

START_TEST(text_stays_as_it_is)
{
	const char *t = "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x99\x82 \xc2\xa0 [pos 0.5]";
	ck_assert_str_eq(clean(t, 0), t);
}
END_TEST

START_TEST(printf_and_write_clean_what_they_print)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	ck_assert_ptr_nonnull(f);
	termtext_printf(f, "reward %s\n", "x\033]0;pwned\007y");
	/* longer than printf's stack buffer and than write's chunk, a character
	 * across the chunk's end */
	char big[9000];
	memset(big, 'a', sizeof big);
	memcpy(big + 4094, "\xe2\x82\xac", 3);
	big[5000] = '\033';
	termtext_write(f, big, sizeof big);
	fclose(f);
	ck_assert_ptr_null(memchr(buf, '\033', len));
	ck_assert_ptr_null(memchr(buf, '\007', len));
	ck_assert_int_eq(strncmp(buf, "reward x ]0;pwned y\n", 20), 0);
	ck_assert_int_eq(len, 20 + sizeof big);
	ck_assert_int_eq(memcmp(buf + 20 + 4094, "\xe2\x82\xac", 3), 0);
	free(buf);
}
END_TEST

Suite *harness_suite(void)
{
	Suite *s = suite_create("termtext");
	harness_add(s, "core", controls_become_spaces, text_stays_as_it_is,
	            printf_and_write_clean_what_they_print, NULL);
	return s;
}
