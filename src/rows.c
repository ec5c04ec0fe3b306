#include "config.h"

#include "src/rows.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>

int rows_parse(const char *spec, struct rows *r, char *err, size_t errlen)
{
	r->B = r->T = 0;
	r->v = NULL;
	size_t cap = 0, n = 0, in_row = 0;
	const char *s = spec;
	for (;;) {
		char *end;
		errno = 0;
		long x = strtol(s, &end, 10);
		if (end == s || errno || x < INT_MIN || x > INT_MAX) {
			snprintf(err, errlen, "'%s' is not a list of integer rows like 1,2,3;4,5,6", spec);
			goto fail;
		}
		if (n == cap) {
			cap = cap ? 2 * cap : 64;
			int *v = realloc(r->v, cap * sizeof *v);
			if (!v) {
				snprintf(err, errlen, "out of memory");
				goto fail;
			}
			r->v = v;
		}
		r->v[n++] = (int)x;
		in_row++;
		if (*end == ',') {
			s = end + 1;
			continue;
		}
		if (*end != ';' && *end != '\0') {
			snprintf(err, errlen, "unexpected '%c' in '%s'", *end, spec);
			goto fail;
		}
		if (r->B == 0)
			r->T = in_row;
		else if (in_row != r->T) {
			snprintf(err, errlen, "row %zu has %zu tokens, row 1 has %zu (pad rows to one length)",
			         r->B + 1, in_row, r->T);
			goto fail;
		}
		r->B++;
		in_row = 0;
		if (*end == '\0')
			return 0;
		s = end + 1;
	}
fail:
	rows_free(r);
	return -1;
}

void rows_free(struct rows *r)
{
	free(r->v);
	r->v = NULL;
	r->B = r->T = 0;
}
