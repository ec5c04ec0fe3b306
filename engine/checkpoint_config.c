/* config.json of a Hugging Face model folder: which family reads it, and
 * what ric writes back (the family's own keys). */
#include "config.h"

#include "engine/checkpoint.h"

#include "engine/jsonerr.h"
#include "engine/readfile.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum status_code checkpoint_config_parse(const char *text, size_t len, const char *name,
                                         struct model_config *cfg, struct status *st)
{
	memset(cfg, 0, sizeof *cfg);
	json_error_t jerr;
	json_t *root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr);
	if (!root)
		return jsonerr_set(st, name, "key", &jerr);
	enum status_code rc = STATUS_OK;
	const struct model_family *f = NULL;
	if (!json_is_object(root))
		rc = status_set(st, STATUS_FORMAT, "%s: not a JSON object", name);
	else {
		json_t *mt = json_object_get(root, "model_type");
		if (mt && !json_is_string(mt))
			rc = status_set(st, STATUS_FORMAT, "%s: key 'model_type' must be a string", name);
		else if (!(f = model_family_find(mt ? json_string_value(mt) : NULL)))
			rc = status_set(st, STATUS_UNSUPPORTED,
			                "%s: key 'model_type' = \"%s\" is not supported (only %s)", name,
			                json_string_value(mt), model_family_types());
	}
	if (rc == STATUS_OK)
		rc = f->config_parse(root, name, cfg, st);
	json_decref(root);
	if (rc != STATUS_OK) {
		jsonerr_oneline(st);
		return rc;
	}
	model_config_set_family(cfg, f);
	rc = model_config_check(cfg, st);
	if (rc != STATUS_OK)
		status_prefix(st, "%s", name);
	return rc;
}

enum status_code checkpoint_config_read(const char *dir, struct model_config *cfg, struct status *st)
{
	char path[4096];
	snprintf(path, sizeof path, "%s/config.json", dir);
	if (readfile_regular(path, st) != STATUS_OK)
		return st->code;
	FILE *fp = fopen(path, "rb");
	if (!fp)
		return status_errno(st, STATUS_IO, errno, "%s", path);
	size_t cap = 1 << 16, len = 0;
	char *buf = malloc(cap);
	while (buf) {
		len += fread(buf + len, 1, cap - len, fp);
		if (len < cap)
			break;
		char *more = cap < (64u << 20) ? realloc(buf, cap * 2) : NULL;
		if (!more) {
			free(buf);
			buf = NULL;
			break;
		}
		buf = more;
		cap *= 2;
	}
	int err = ferror(fp);
	fclose(fp);
	if (!buf)
		return status_set(st, STATUS_NOMEM, "%s: too large or out of memory", path);
	if (err) {
		free(buf);
		return status_set(st, STATUS_IO, "%s: read error", path);
	}
	enum status_code rc = checkpoint_config_parse(buf, len, path, cfg, st);
	free(buf);
	return rc;
}

json_t *checkpoint_config_json(const struct model_config *c, const char *torch_dtype)
{
	return model_family_of(c)->config_json(c, torch_dtype);
}
