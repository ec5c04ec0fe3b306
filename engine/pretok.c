#include "config.h"

#define PCRE2_CODE_UNIT_WIDTH 8
#include "engine/pretok.h"

#include <pcre2.h>
#include <stdlib.h>

/* GPT-2's pattern with \s spelled out as Python's: the Unicode White_Space
 * characters, \t-\r, U+0085 and the Z categories. PCRE2's own \s under UCP
 * leaves out U+0085 before 10.43 (and JavaScript's adds U+FEFF). */
#define WS "\\t-\\r\\x{85}\\p{Z}"
static const char pretok_pattern[] =
	"'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^" WS "\\p{L}\\p{N}]+|[" WS "]+(?![^" WS "])|[" WS "]+";

struct pretok {
	pcre2_code *re;
	pcre2_match_data *md;
};

enum status_code pretok_new(struct pretok **out, struct status *st)
{
	int err;
	PCRE2_SIZE off;
	struct pretok *p = calloc(1, sizeof *p);
	if (!p)
		return status_set(st, STATUS_NOMEM, "out of memory");
	p->re = pcre2_compile((PCRE2_SPTR)pretok_pattern, PCRE2_ZERO_TERMINATED,
	                      PCRE2_UTF | PCRE2_UCP | PCRE2_MATCH_INVALID_UTF, &err, &off, NULL);
	if (!p->re) {
		PCRE2_UCHAR msg[256];
		pcre2_get_error_message(err, msg, sizeof msg);
		free(p);
		return status_set(st, STATUS_INTERNAL, "pre-tokenizer pattern at %zu: %s", (size_t)off, (char *)msg);
	}
	/* JIT is an optimisation: without it (no JIT in this PCRE2 build) matching
	 * falls back to the interpreter with the same results. */
	(void)pcre2_jit_compile(p->re, PCRE2_JIT_COMPLETE);
	p->md = pcre2_match_data_create_from_pattern(p->re, NULL);
	if (!p->md) {
		pcre2_code_free(p->re);
		free(p);
		return status_set(st, STATUS_NOMEM, "out of memory");
	}
	*out = p;
	return STATUS_OK;
}

void pretok_free(struct pretok *p)
{
	if (!p)
		return;
	pcre2_match_data_free(p->md);
	pcre2_code_free(p->re);
	free(p);
}

int pretok_split(struct pretok *p, const char *text, size_t len,
                 int (*fn)(void *ctx, const char *word, size_t n), void *ctx)
{
	size_t pos = 0;
	int r;
	while (pos < len) {
		int rc = pcre2_match(p->re, (PCRE2_SPTR)text, len, pos, 0, p->md, NULL);
		size_t start = len, end = len;
		if (rc >= 0) {
			PCRE2_SIZE *ov = pcre2_get_ovector_pointer(p->md);
			start = ov[0];
			end = ov[1];
		}
		if (start > pos && (r = fn(ctx, text + pos, start - pos)) != 0)
			return r;
		if (end > start && (r = fn(ctx, text + start, end - start)) != 0)
			return r;
		if (end <= pos) /* cannot happen: the pattern never matches empty */
			break;
		pos = end;
	}
	return 0;
}
