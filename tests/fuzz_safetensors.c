/* Fuzz harness for the safetensors reader (see tests/fuzz.h). */
#include "config.h"

#include "tests/fuzz.h"
#include "engine/safetensors.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int fuzz_accepts(const uint8_t *data, size_t size)
{
	struct safetensors *f;
	struct status st = STATUS_INIT;
	if (safetensors_open_mem(data, size, "fuzz", &f, &st) != STATUS_OK) {
		fuzz_check_message(&st, "fuzz");
		if (f)
			abort();
		return 0;
	}
	/* What the reader accepted must be safe to use: every tensor lies inside
	 * the input, is found under its name, and converts. */
	const uint8_t *end = data + size;
	for (size_t i = 0; i < safetensors_count(f); i++) {
		const struct safetensors_tensor *t = safetensors_at(f, i);
		const uint8_t *p = t->data;
		if (p < data || p > end || t->nbytes > (size_t)(end - p))
			abort();
		if (safetensors_find(f, t->name) != t)
			abort();
		if ((size_t)safetensors_numel(t) * safetensors_dtype_size(t->dtype) != t->nbytes)
			abort();
		float *v = malloc((size_t)safetensors_numel(t) * sizeof *v + 1);
		if (!v)
			abort();
		int rc = safetensors_to_f32(t, v);
		if ((rc != 0) != (t->dtype == ST_BOOL))
			abort();
		free(v);
	}
	(void)safetensors_meta(f, "format");
	safetensors_close(f);
	return 1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_accepts(data, size);
	return 0;
}
