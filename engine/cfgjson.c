/* cfgjson: reading the keys of a Hugging Face config.json, with messages
 * naming the file and the key. */
#include "config.h"

#include "engine/cfgjson.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A reward head scores a handful of objectives; this bounds what config.json may ask for. */

/* An integer key: `def` when absent; when null, `null_value` (or an error if
 * null_value is INT_MIN, for sizes that cannot be unset). */
enum status_code cfgjson_int(json_t *root, const char *name, const char *key,
                                              int def, int null_value, int *out, struct status *st)
{
	json_t *v = json_object_get(root, key);
	if (!v) {
		*out = def;
		return STATUS_OK;
	}
	if (json_is_null(v) && null_value != INT_MIN) {
		*out = null_value;
		return STATUS_OK;
	}
	if (!json_is_integer(v))
		return status_set(st, STATUS_FORMAT, "%s: key '%s' must be an integer", name, key);
	json_int_t x = json_integer_value(v);
	if (x < INT_MIN || x > INT_MAX)
		return status_set(st, STATUS_FORMAT, "%s: key '%s' = %lld is out of range", name, key,
		                  (long long)x);
	*out = (int)x;
	return STATUS_OK;
}

/* A boolean key that must have `want` (or be absent) for the engine to compute it. */
enum status_code cfgjson_flag(json_t *root, const char *name, const char *key,
                                               int want, struct status *st)
{
	json_t *v = json_object_get(root, key);
	if (!v)
		return STATUS_OK;
	if (!json_is_boolean(v))
		return status_set(st, STATUS_FORMAT, "%s: key '%s' must be true or false", name, key);
	if (json_is_true(v) != want)
		return status_set(st, STATUS_UNSUPPORTED, "%s: key '%s' = %s is not supported (only %s)",
		                  name, key, want ? "false" : "true", want ? "true" : "false");
	return STATUS_OK;
}

enum status_code cfgjson_string(json_t *root, const char *name, const char *key,
                                                 const char *const *allowed, struct status *st)
{
	json_t *v = json_object_get(root, key);
	if (!v)
		return STATUS_OK;
	if (!json_is_string(v))
		return status_set(st, STATUS_FORMAT, "%s: key '%s' must be a string", name, key);
	for (const char *const *a = allowed; *a; a++)
		if (strcmp(json_string_value(v), *a) == 0)
			return STATUS_OK;
	return status_set(st, STATUS_UNSUPPORTED, "%s: key '%s' = \"%s\" is not supported (only \"%s\")",
	                  name, key, json_string_value(v), allowed[0]);
}

/* transformers reads the label count from id2label first, then num_labels, default 2. */
enum status_code cfgjson_labels(json_t *root, const char *name, int *labels,
                                                 struct status *st)
{
	json_t *ids = json_object_get(root, "id2label");
	if (ids && !json_is_null(ids)) {
		if (!json_is_object(ids) || json_object_size(ids) == 0)
			return status_set(st, STATUS_FORMAT, "%s: key 'id2label' must be a non-empty object",
			                  name);
		if (json_object_size(ids) > CFGJSON_MAX_LABELS)
			return status_set(st, STATUS_UNSUPPORTED, "%s: %zu labels are too many (at most %d)",
			                  name, json_object_size(ids), CFGJSON_MAX_LABELS);
		*labels = (int)json_object_size(ids);
		return STATUS_OK;
	}
	enum status_code rc = cfgjson_int(root, name, "num_labels", 2, INT_MIN, labels, st);
	if (rc == STATUS_OK && *labels <= 0)
		return status_set(st, STATUS_FORMAT, "%s: key 'num_labels' = %d must be positive", name,
		                  *labels);
	if (rc == STATUS_OK && *labels > CFGJSON_MAX_LABELS)
		return status_set(st, STATUS_UNSUPPORTED, "%s: %d labels are too many (at most %d)", name,
		                  *labels, CFGJSON_MAX_LABELS);
	return rc;
}

/* A number key: `def` when absent. */
enum status_code cfgjson_number(json_t *root, const char *name, const char *key, double def,
                                double *out, struct status *st)
{
	json_t *v = json_object_get(root, key);
	if (!v) {
		*out = def;
		return STATUS_OK;
	}
	if (!json_is_number(v))
		return status_set(st, STATUS_FORMAT, "%s: key '%s' must be a number", name, key);
	*out = json_number_value(v);
	return STATUS_OK;
}

/* A boolean key: `def` when absent or null. */
enum status_code cfgjson_bool(json_t *root, const char *name, const char *key, int def, int *out,
                              struct status *st)
{
	json_t *v = json_object_get(root, key);
	if (!v || json_is_null(v)) {
		*out = def;
		return STATUS_OK;
	}
	if (!json_is_boolean(v))
		return status_set(st, STATUS_FORMAT, "%s: key '%s' must be true or false", name, key);
	*out = json_is_true(v);
	return STATUS_OK;
}

/* The shortest decimal that reads back as the same float, so 1e-5f is written 1e-05. */
double cfgjson_float_value(float x)
{
	char buf[32];
	for (int prec = 1; prec <= 9; prec++) {
		snprintf(buf, sizeof buf, "%.*g", prec, (double)x);
		if (strtof(buf, NULL) == x)
			break;
	}
	return strtod(buf, NULL);
}

/* id2label / label2id / num_labels as transformers writes them. Returns nonzero when out of memory. */
int cfgjson_set_labels(json_t *o, int labels)
{
	int bad = 0;
	json_t *id2label = json_object(), *label2id = json_object();
	for (int i = 0; id2label && label2id && i < labels; i++) {
		char id[16], label[32];
		snprintf(id, sizeof id, "%d", i);
		snprintf(label, sizeof label, "LABEL_%d", i);
		bad |= json_object_set_new(id2label, id, json_string(label));
		bad |= json_object_set_new(label2id, label, json_integer(i));
	}
	bad |= json_object_set_new(o, "num_labels", json_integer(labels));
	bad |= json_object_set_new(o, "id2label", id2label);
	bad |= json_object_set_new(o, "label2id", label2id);
	return bad;
}

enum status_code cfgjson_architectures(json_t *root, const char *name, const char *prefix,
                                       const char *const *lm, const char *scope, int *classify,
                                       struct status *st)
{
	json_t *a = json_object_get(root, "architectures");
	*classify = 0;
	if (!a || json_is_null(a))
		return STATUS_OK;
	if (!json_is_array(a))
		return status_set(st, STATUS_FORMAT, "%s: key 'architectures' must be a list of strings", name);
	size_t i, n = strlen(prefix);
	json_t *e;
	json_array_foreach(a, i, e) {
		if (!json_is_string(e))
			return status_set(st, STATUS_FORMAT, "%s: key 'architectures' must be a list of strings",
			                  name);
		const char *s = json_string_value(e);
		int ours = strncmp(s, prefix, n) == 0, known = 0;
		if (ours && strcmp(s + n, "ForSequenceClassification") == 0) {
			*classify = 1;
			continue;
		}
		for (const char *const *c = lm; ours && *c; c++)
			known |= strcmp(s + n, *c) == 0;
		if (known)
			continue;
		char only[256] = "";
		size_t at = 0;
		for (const char *const *c = lm; *c && at < sizeof only; c++)
			at += (size_t)snprintf(only + at, sizeof only - at, "%s%s%s", c == lm ? "" : ", ",
			                       prefix, *c);
		return status_set(st, STATUS_UNSUPPORTED, "%s: key 'architectures': \"%s\" is not supported%s "
		                  "(only %s and %sForSequenceClassification)", name, s, scope, only, prefix);
	}
	return STATUS_OK;
}

int cfgjson_set_common(json_t *o, const char *torch_dtype, int pad_token_id, int num_labels)
{
	int bad = 0;
	if (torch_dtype)
		bad |= json_object_set_new(o, "torch_dtype", json_string(torch_dtype));
	if (pad_token_id >= 0 || num_labels > 0)
		bad |= json_object_set_new(o, "pad_token_id",
		                           pad_token_id >= 0 ? json_integer(pad_token_id) : json_null());
	if (num_labels > 0)
		bad |= cfgjson_set_labels(o, num_labels);
	return bad;
}
