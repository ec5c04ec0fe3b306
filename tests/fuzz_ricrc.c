/* Fuzz harness for the ricrc reader (see tests/fuzz.h): whatever the bytes,
 * each refused line yields exactly one "fuzz:LINE: problem" message naming a
 * line of the input, and the key map stays usable. */
#include "config.h"

#include "tests/fuzz.h"
#include "ui/keys.h"
#include "ui/ricrc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int fuzz_set(void *ctx, const char *name, const char *value, char *err, size_t len)
{
	(void)ctx;
	if (!ricrc_setting(name))
		abort(); /* only known names reach the setter */
	if (!*value) {
		snprintf(err, len, "empty");
		return -1;
	}
	return 0;
}

int fuzz_accepts(const uint8_t *data, size_t size)
{
	struct keys_map *km = keys_map_new();
	struct ricrc_errors *e = calloc(1, sizeof *e);
	if (!km || !e)
		abort();
	struct ricrc_ops ops = { .keys = km, .set = fuzz_set, .ctx = NULL, .colors = 0 };
	int n = ricrc_parse((const char *)data, size, "fuzz", &ops, e);
	int lines = 0;
	for (size_t i = 0; i < size; i++)
		lines += data[i] == '\n';
	lines += size && data[size - 1] != '\n';
	if (n != e->count || n < 0 || n > lines)
		abort();
	/* Every message (those that fit) names a line that exists. */
	int seen = 0;
	for (const char *p = e->text; *p; seen++) {
		int ln;
		if (sscanf(p, "fuzz:%d: ", &ln) != 1 || ln < 1 || ln > lines)
			abort();
		const char *nl = strchr(p, '\n');
		if (!nl)
			break; /* the last one may be cut */
		p = nl + 1;
	}
	if (seen > n)
		abort();
	for (int k = 0; k < 512; k++)
		(void)keys_lookup(km, KEYS_SCREEN_STEER, k);
	keys_map_free(km);
	free(e);
	return n == 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_accepts(data, size);
	return 0;
}
