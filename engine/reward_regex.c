/* reward_regex: regex:PATTERN counts the matches of a PCRE2 pattern in the response.
 *
 * The pattern is compiled with PCRE2_UTF and PCRE2_MATCH_INVALID_UTF (a
 * response that is not valid UTF-8 is searched, never refused). Matches are
 * counted as Perl's global match m//g does: each search starts where the last
 * match ended; after an empty match the next one may not be empty at the same
 * place, else the search moves on by one character. So "a*" on "baa" counts 3
 * ("", "aa", "").
 */
#include "config.h"

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include "engine/reward_impl.h"

#include <string.h>

struct rx {
	struct reward base;
	pcre2_code *code;
	pcre2_match_data *md;
};

static size_t rx_count(struct rx *r, const char *text, int *err)
{
	PCRE2_SPTR s = (PCRE2_SPTR)text;
	size_t len = strlen(text), at = 0, count = 0;
	uint32_t opts = 0;
	*err = 0;
	while (at <= len) {
		int rc = pcre2_match(r->code, s, len, at, opts, r->md, NULL);
		if (rc == PCRE2_ERROR_NOMATCH) {
			if (!opts)
				break;
			/* no non-empty match here: step over one character */
			at++;
			while (at < len && (s[at] & 0xC0) == 0x80)
				at++;
			opts = 0;
			continue;
		}
		if (rc < 0) {
			*err = rc;
			return count;
		}
		PCRE2_SIZE *ov = pcre2_get_ovector_pointer(r->md);
		count++;
		opts = ov[0] == ov[1] ? PCRE2_NOTEMPTY_ATSTART | PCRE2_ANCHORED : 0;
		at = ov[1];
	}
	return count;
}

static enum status_code rx_score(struct reward *base, size_t n, const char *const *prompts,
                                 const char *const *responses, double *out, struct status *st)
{
	struct rx *r = (struct rx *)base;
	(void)prompts;
	for (size_t i = 0; i < n; i++) {
		int err;
		out[i] = (double)rx_count(r, responses[i], &err);
		if (err) {
			PCRE2_UCHAR msg[256];
			pcre2_get_error_message(err, msg, sizeof msg);
			return status_set(st, STATUS_INVALID, "reward '%s': matching row %zu: %s", base->spec,
			                  i, (const char *)msg);
		}
	}
	return STATUS_OK;
}

static void rx_close(struct reward *base)
{
	struct rx *r = (struct rx *)base;
	pcre2_match_data_free(r->md);
	pcre2_code_free(r->code);
}

static const struct reward_ops rx_ops = { .score = rx_score, .close = rx_close };

enum status_code reward_regex_open(const char *spec, const char *arg, const struct reward_env *env,
                                   struct reward **out, struct status *st)
{
	struct rx *r = (struct rx *)reward_new(&rx_ops, spec, env, sizeof *r, st);
	if (!r)
		return st->code;
	int errcode;
	PCRE2_SIZE erroff;
	r->code = pcre2_compile((PCRE2_SPTR)arg, PCRE2_ZERO_TERMINATED,
	                        PCRE2_UTF | PCRE2_MATCH_INVALID_UTF, &errcode, &erroff, NULL);
	if (!r->code) {
		PCRE2_UCHAR msg[256];
		pcre2_get_error_message(errcode, msg, sizeof msg);
		status_set(st, STATUS_INVALID, "reward '%s': bad pattern at offset %zu: %s", spec,
		           (size_t)erroff, (const char *)msg);
		reward_close(&r->base);
		return st->code;
	}
	r->md = pcre2_match_data_create_from_pattern(r->code, NULL);
	if (!r->md) {
		reward_close(&r->base);
		return status_set(st, STATUS_NOMEM, "out of memory");
	}
	*out = &r->base;
	return STATUS_OK;
}
