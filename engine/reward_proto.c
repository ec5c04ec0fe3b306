/* reward_proto: the JSON-lines messages of the cmd: reward protocol. */
#include "config.h"

#include "engine/jsonerr.h"
#include "engine/reward_impl.h"

#include <jansson.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* {"prompt": prompt, key: value}: key "response", or "image" with a path. */
static json_t *proto_row(const char *prompt, const char *key, const char *response, size_t i,
                         struct status *st)
{
	json_t *p = json_string(prompt ? prompt : "");
	json_t *r = json_string(response);
	json_t *o = json_object();
	if (!p || !r) {
		status_set(st, STATUS_INVALID, "row %zu: the %s is not valid UTF-8", i,
		           !p ? "prompt" : key);
	} else if (o && json_object_set(o, "prompt", p) == 0 && json_object_set(o, key, r) == 0) {
		json_decref(p);
		json_decref(r);
		return o;
	} else {
		status_set(st, STATUS_NOMEM, "out of memory");
	}
	json_decref(p);
	json_decref(r);
	json_decref(o);
	return NULL;
}

static char *proto_request(size_t n, int batch, const char *const *prompts, const char *key,
                           const char *const *responses, size_t *len, struct status *st)
{
	json_t *msg;
	if (!batch) {
		msg = proto_row(prompts ? prompts[0] : NULL, key, responses[0], 0, st);
	} else {
		msg = json_object();
		json_t *arr = json_array();
		if (!msg || !arr || json_object_set_new(msg, "batch", arr)) {
			json_decref(msg);
			status_set(st, STATUS_NOMEM, "out of memory");
			return NULL;
		}
		for (size_t i = 0; i < n; i++) {
			json_t *row = proto_row(prompts ? prompts[i] : NULL, key, responses[i], i, st);
			if (!row || json_array_append_new(arr, row)) {
				if (row)
					status_set(st, STATUS_NOMEM, "out of memory");
				json_decref(msg);
				return NULL;
			}
		}
	}
	if (!msg)
		return NULL;
	/* Compact, one line: JSON escapes every newline inside the strings. */
	char *text = json_dumps(msg, JSON_COMPACT | JSON_ENSURE_ASCII);
	json_decref(msg);
	size_t l = text ? strlen(text) : 0;
	char *line = text ? realloc(text, l + 2) : NULL;
	if (!line) {
		free(text);
		status_set(st, STATUS_NOMEM, "out of memory");
		return NULL;
	}
	line[l] = '\n';
	line[l + 1] = '\0';
	*len = l + 1;
	return line;
}

char *reward_proto_request(size_t n, int batch, const char *const *prompts,
                           const char *const *responses, size_t *len, struct status *st)
{
	return proto_request(n, batch, prompts, "response", responses, len, st);
}

char *reward_proto_request_images(size_t n, int batch, const char *const *paths, size_t *len,
                                  struct status *st)
{
	return proto_request(n, batch, NULL, "image", paths, len, st);
}

/* The start of a line for a message: printable ASCII, at most 60 bytes. */
static void proto_quote(char *buf, size_t cap, const char *line, size_t len)
{
	size_t o = 0;
	for (size_t i = 0; i < len && o + 5 < cap && i < 60; i++) {
		unsigned char c = (unsigned char)line[i];
		buf[o++] = c >= 0x20 && c < 0x7f ? (char)c : '?';
	}
	if (len > 60 && o + 4 < cap) {
		memcpy(buf + o, "...", 3);
		o += 3;
	}
	buf[o] = '\0';
}

static enum status_code proto_number(json_t *v, const char *what, double *out, const char *q,
                                     struct status *st)
{
	if (!v)
		return status_set(st, STATUS_FORMAT, "%s is missing in reply '%s'", what, q);
	if (!json_is_number(v))
		return status_set(st, STATUS_FORMAT, "%s is not a number in reply '%s'", what, q);
	double x = json_number_value(v);
	if (!isfinite(x))
		return status_set(st, STATUS_FORMAT, "%s is not finite in reply '%s'", what, q);
	*out = x;
	return STATUS_OK;
}

enum status_code reward_proto_reply(const char *line, size_t len, size_t n, int batch, double *out,
                                    struct status *st)
{
	char q[80];
	proto_quote(q, sizeof q, line, len);
	json_error_t je;
	json_t *v = json_loadb(line, len, JSON_REJECT_DUPLICATES, &je);
	if (!v) {
		status_set(st, STATUS_FORMAT, "a reply that is not JSON (%s at byte %d): '%s'", je.text,
		           je.position, q);
		/* jansson quotes the input, which may hold control characters */
		jsonerr_oneline(st);
		return STATUS_FORMAT;
	}
	enum status_code rc = STATUS_OK;
	json_t *e = json_is_object(v) ? json_object_get(v, "error") : NULL;
	if (!json_is_object(v)) {
		rc = status_set(st, STATUS_FORMAT, "a reply that is not a JSON object: '%s'", q);
	} else if (e) {
		char eq[200];
		if (json_is_string(e))
			proto_quote(eq, sizeof eq, json_string_value(e), json_string_length(e));
		else
			snprintf(eq, sizeof eq, "(not a string)");
		rc = status_set(st, STATUS_IO, "the scorer reported an error: %s", eq);
	} else if (!batch) {
		rc = proto_number(json_object_get(v, "reward"), "\"reward\"", &out[0], q, st);
	} else {
		json_t *arr = json_object_get(v, "rewards");
		if (!json_is_array(arr))
			rc = status_set(st, STATUS_FORMAT, "\"rewards\" is %s, not an array, in reply '%s'",
			                arr ? "something else" : "missing", q);
		else if (json_array_size(arr) != n)
			rc = status_set(st, STATUS_FORMAT, "%zu rewards for a batch of %zu rows in reply '%s'",
			                json_array_size(arr), n, q);
		for (size_t i = 0; rc == STATUS_OK && i < n; i++) {
			char what[48];
			snprintf(what, sizeof what, "rewards[%zu]", i);
			rc = proto_number(json_array_get(arr, i), what, &out[i], q, st);
		}
	}
	json_decref(v);
	return rc;
}
