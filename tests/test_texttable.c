/* src/texttable: the ric CLI's aligned tables count terminal columns, so
 * CJK, emoji and combining marks line up (issue 18). */
#include "config.h"

#include "tests/harness.h"
#include "src/texttable.h"

#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char *print(const struct texttable *t)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	ck_assert_ptr_nonnull(f);
	texttable_print(t, f);
	fclose(f);
	return buf;
}

/* The column (in terminal columns) where `mark` starts on each line. */
static void check_aligned(const char *text, const char *mark, int want)
{
	char copy[4096];
	snprintf(copy, sizeof copy, "%s", text);
	for (char *line = strtok(copy, "\n"); line; line = strtok(NULL, "\n")) {
		char *at = strstr(line, mark);
		ck_assert_msg(at != NULL, "no %s in: %s", mark, line);
		*at = '\0';
		/* columns of the prefix: known widths of the test's cells */
		int cols = 0;
		for (const unsigned char *p = (const unsigned char *)line; *p;) {
			if (*p < 0x80) {
				cols++;
				p++;
			} else if (p[0] == 0xcc) { /* U+0301 combining acute: 0 columns */
				p += 2;
			} else if (*p >= 0xf0) { /* emoji: 2 */
				cols += 2;
				p += 4;
			} else { /* CJK: 2 */
				cols += 2;
				p += 3;
			}
		}
		ck_assert_msg(cols == want, "'%s' at column %d, not %d:\n%s", mark, cols, want, text);
	}
}

START_TEST(wide_characters_line_up)
{
	/* Both in a UTF-8 locale and in C, where wcwidth knows nothing wide. */
	const char *locales[] = { "C.UTF-8", "C" };
	for (int l = 0; l < 2; l++) {
		setlocale(LC_ALL, locales[l]);
		struct texttable *t = texttable_new(3, "NAME", "STAGE", "|");
		texttable_add(t, "\xe5\x90\x8d\xe5\x89\x8d", "sft", "|");            /* 名前: 4 columns */
		texttable_add(t, "run \xf0\x9f\x98\x80", "eval", "|");                /* 😀: 2 columns */
		texttable_add(t, "cafe\xcc\x81", "online", "|");                       /* é as e + U+0301: 4 */
		texttable_add(t, "plain", "relabel", "|");
		char *out = print(t);
		check_aligned(out, "|", 6 + 2 + 7 + 2);
		free(out);
		texttable_free(t);
	}
	setlocale(LC_ALL, "C");
}
END_TEST

Suite *harness_suite(void)
{
	Suite *s = suite_create("texttable");
	harness_add(s, "width", wide_characters_line_up, NULL);
	return s;
}
