/* Fuzz harness for the config.json reader (see tests/fuzz.h). */
#include "config.h"

#include "tests/fuzz.h"
#include "engine/checkpoint.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int fuzz_accepts(const uint8_t *data, size_t size)
{
	struct model_config c, again;
	struct status st = STATUS_INIT;
	if (checkpoint_config_parse((const char *)data, size, "fuzz", &c, &st) != STATUS_OK) {
		fuzz_check_message(&st, "fuzz");
		return 0;
	}
	if (model_config_check(&c, &st) != STATUS_OK)
		abort();
	/* What we accept we can write, and what we write reads back the same. */
	json_t *j = checkpoint_config_json(&c, "float32");
	char *text = j ? json_dumps(j, JSON_REAL_PRECISION(9)) : NULL;
	if (!text)
		abort();
	if (checkpoint_config_parse(text, strlen(text), "again", &again, &st) != STATUS_OK ||
	    memcmp(&c, &again, sizeof c) != 0) {
		fprintf(stderr, "round trip failed: %s\n%s\n", st.msg, text);
		abort();
	}
	free(text);
	json_decref(j);
	return 1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_accepts(data, size);
	return 0;
}
