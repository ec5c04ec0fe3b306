#include "config.h"

#define PCRE2_CODE_UNIT_WIDTH 8
#include "engine/pretok.h"

#include <pcre2.h>
#include <stdlib.h>
#include <string.h>

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

static enum status_code compile(const char *pattern, size_t len, struct pretok **out, struct status *st)
{
	int err;
	PCRE2_SIZE off;
	struct pretok *p = calloc(1, sizeof *p);
	if (!p)
		return status_set(st, STATUS_NOMEM, "out of memory");
	p->re = pcre2_compile((PCRE2_SPTR)pattern, len, PCRE2_UTF | PCRE2_UCP | PCRE2_MATCH_INVALID_UTF, &err, &off,
	                      NULL);
	if (!p->re) {
		PCRE2_UCHAR msg[256];
		pcre2_get_error_message(err, msg, sizeof msg);
		free(p);
		return status_set(st, STATUS_UNSUPPORTED, "pattern at %zu: %s", (size_t)off, (char *)msg);
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

enum status_code pretok_new(struct pretok **out, struct status *st)
{
	enum status_code rc = compile(pretok_pattern, sizeof pretok_pattern - 1, out, st);
	if (rc == STATUS_UNSUPPORTED) /* our own pattern: a bug */
		st->code = rc = STATUS_INTERNAL;
	return rc;
}

/* Appends n bytes to the growing pattern *b (cap *cap, length *o). */
static int put(char **b, size_t *o, size_t *cap, const char *s, size_t n)
{
	if (*o + n + 1 > *cap) {
		size_t c = *cap ? *cap : 256;
		while (c < *o + n + 1)
			c *= 2;
		char *nb = realloc(*b, c);
		if (!nb)
			return -1;
		*b = nb;
		*cap = c;
	}
	memcpy(*b + *o, s, n);
	*o += n;
	return 0;
}

/* Oniguruma's \s and \S (White_Space) spelled out for PCRE2, whose own \s
 * under UCP differs (it matches U+180E, not White_Space since Unicode 6.3);
 * a literal string is escaped instead. */
static char *rewrite(const char *pat, size_t len, int is_regex, size_t *out_len, struct status *st)
{
	char *b = NULL;
	size_t o = 0, cap = 0;
	int in_class = 0, fail = 0;
	for (size_t i = 0; i < len && !fail; i++) {
		char c = pat[i];
		if (!is_regex) {
			/* PCRE2 takes any escaped ASCII punctuation literally. */
			int esc = (unsigned char)c < 0x80 && !((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
			                                      (c >= '0' && c <= '9'));
			if (c == '\0')
				fail = put(&b, &o, &cap, "\\x{0}", 5);
			else
				fail = (esc && put(&b, &o, &cap, "\\", 1)) || put(&b, &o, &cap, &c, 1);
			continue;
		}
		if (c == '\\' && i + 1 < len) {
			char d = pat[++i];
			if (d == 's')
				fail = put(&b, &o, &cap, in_class ? WS : "[" WS "]", in_class ? sizeof WS - 1 : sizeof WS + 1);
			else if (d == 'S' && !in_class)
				fail = put(&b, &o, &cap, "[^" WS "]", sizeof WS + 2);
			else if (d == 'S') {
				free(b);
				status_set(st, STATUS_UNSUPPORTED, "\\S inside a character class is not supported");
				return NULL;
			} else
				fail = put(&b, &o, &cap, pat + i - 1, 2);
			continue;
		}
		if (c == '[' && !in_class) {
			in_class = 1;
			fail = put(&b, &o, &cap, "[", 1);
			/* "[^]...]" and "[]...]": a leading ']' is literal. */
			if (!fail && i + 1 < len && pat[i + 1] == '^')
				fail = put(&b, &o, &cap, pat + ++i, 1);
			if (!fail && i + 1 < len && pat[i + 1] == ']')
				fail = put(&b, &o, &cap, pat + ++i, 1);
			continue;
		}
		if (c == '[' && in_class && i + 1 < len && pat[i + 1] == ':') {
			/* A POSIX class [:alpha:] inside a class: copied whole. */
			size_t j = i + 2;
			while (j + 1 < len && !(pat[j] == ':' && pat[j + 1] == ']'))
				j++;
			size_t n = j + 1 < len ? j + 2 - i : len - i;
			fail = put(&b, &o, &cap, pat + i, n);
			i += n - 1;
			continue;
		}
		if (c == ']' && in_class)
			in_class = 0;
		fail = put(&b, &o, &cap, &c, 1);
	}
	if (fail || (!b && !(b = malloc(1)))) {
		free(b);
		status_set(st, STATUS_NOMEM, "out of memory");
		return NULL;
	}
	*out_len = o;
	return b;
}

enum status_code pretok_new_regex(const char *pattern, size_t len, int is_regex, struct pretok **out,
                                  struct status *st)
{
	if (len == 0)
		return status_set(st, STATUS_FORMAT, "the pattern is empty");
	size_t n;
	char *pat = rewrite(pattern, len, is_regex, &n, st);
	if (!pat)
		return st->code;
	enum status_code rc = compile(pat, n, out, st);
	free(pat);
	return rc;
}

void pretok_free(struct pretok *p)
{
	if (!p)
		return;
	pcre2_match_data_free(p->md);
	pcre2_code_free(p->re);
	free(p);
}

/* The next character boundary after `i` (invalid bytes count as characters). */
static size_t next_char(const char *text, size_t len, size_t i)
{
	i++;
	for (int k = 0; k < 3 && i < len && ((unsigned char)text[i] & 0xC0) == 0x80; k++)
		i++;
	return i;
}

int pretok_split_pieces(struct pretok *p, const char *text, size_t len,
                        int (*fn)(void *ctx, const char *piece, size_t n, int match), void *ctx)
{
	size_t pos = 0, from = 0;
	int r;
	while (from < len) {
		int rc = pcre2_match(p->re, (PCRE2_SPTR)text, len, from, 0, p->md, NULL);
		if (rc < 0)
			break;
		PCRE2_SIZE *ov = pcre2_get_ovector_pointer(p->md);
		size_t start = ov[0], end = ov[1];
		if (end <= start) { /* empty: no piece; look again one character on */
			from = next_char(text, len, start > from ? start : from);
			continue;
		}
		if (start > pos && (r = fn(ctx, text + pos, start - pos, 0)) != 0)
			return r;
		if ((r = fn(ctx, text + start, end - start, 1)) != 0)
			return r;
		pos = from = end;
	}
	if (pos < len && (r = fn(ctx, text + pos, len - pos, 0)) != 0)
		return r;
	return 0;
}

struct plain {
	int (*fn)(void *ctx, const char *word, size_t n);
	void *ctx;
};

static int plain_piece(void *ctx, const char *piece, size_t n, int match)
{
	struct plain *pl = ctx;
	(void)match;
	return pl->fn(pl->ctx, piece, n);
}

int pretok_split(struct pretok *p, const char *text, size_t len,
                 int (*fn)(void *ctx, const char *word, size_t n), void *ctx)
{
	struct plain pl = { fn, ctx };
	return pretok_split_pieces(p, text, len, plain_piece, &pl);
}
