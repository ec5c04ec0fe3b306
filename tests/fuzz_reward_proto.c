/* Fuzz harness for the cmd: reward protocol (engine/reward_impl.h; see
 * tests/fuzz.h). Byte 0 picks the request (bit 3: a batch; bits 0-2: rows),
 * the rest is the scorer's reply line. The rest also becomes the texts of a
 * request, which must be one JSON line carrying them unchanged. */
#include "config.h"

#include "tests/fuzz.h"
#include "engine/reward_impl.h"

#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void fuzz_request(const char *text)
{
	const char *prompts[2] = { text, "p" }, *responses[2] = { "r", text };
	size_t len;
	struct status st = STATUS_INIT;
	char *line = reward_proto_request(2, 1, prompts, responses, &len, &st);
	if (!line) {
		/* only texts that are not UTF-8 are refused */
		if (st.code != STATUS_INVALID || !strstr(st.msg, "not valid UTF-8"))
			abort();
		return;
	}
	if (len != strlen(line) || line[len - 1] != '\n' || memchr(line, '\n', len - 1))
		abort();
	json_error_t je;
	json_t *v = json_loadb(line, len, 0, &je);
	json_t *b = json_object_get(v, "batch");
	if (!v || json_array_size(b) != 2 ||
	    strcmp(json_string_value(json_object_get(json_array_get(b, 0), "prompt")), text) != 0 ||
	    strcmp(json_string_value(json_object_get(json_array_get(b, 1), "response")), text) != 0)
		abort();
	json_decref(v);
	free(line);
}

int fuzz_accepts(const uint8_t *data, size_t size)
{
	if (size == 0)
		return 0;
	int batch = (data[0] >> 3) & 1;
	size_t n = batch ? (size_t)(data[0] & 7) + 1 : 1;
	const char *line = (const char *)data + 1;
	size_t len = size - 1;
	char *text = malloc(len + 1);
	memcpy(text, line, len);
	text[len] = '\0';
	fuzz_request(text);
	free(text);
	double out[8];
	for (size_t i = 0; i < 8; i++)
		out[i] = NAN;
	struct status st = STATUS_INIT;
	if (reward_proto_reply(line, len, n, batch, out, &st) != STATUS_OK) {
		if (!st.msg[0] || strchr(st.msg, '\n'))
			abort();
		return 0;
	}
	for (size_t i = 0; i < n; i++)
		if (!isfinite(out[i]))
			abort();
	return 1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_accepts(data, size);
	return 0;
}
