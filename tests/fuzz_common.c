/* What every fuzz harness shares (see tests/fuzz.h). */
#include "config.h"

#include "tests/fuzz.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void fuzz_check_message(const struct status *st, const char *name)
{
	size_t n = strlen(name);
	if (st->code == STATUS_OK || strncmp(st->msg, name, n) != 0 || st->msg[n] != ':' ||
	    strchr(st->msg, '\n')) {
		fprintf(stderr, "bad message (code %d): %s\n", st->code, st->msg);
		abort();
	}
}
