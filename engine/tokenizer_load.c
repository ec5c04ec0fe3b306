/* tokenizer_load: reading vocab.json + merges.txt and tokenizer.json. */
#include "config.h"

#include "engine/lora.h"
#include "engine/jsonerr.h"
#include "engine/readfile.h"
#include "engine/tokenizer_impl.h"

#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* Tokenizer files above this size are refused (GPT-2's are 1-2 MB). */
#define TOKENIZER_FILE_MAX ((size_t)256 << 20)

/* Messages stay on one line: names from a file (a token "a\nb") may carry
 * control characters. */
static enum status_code oneline(struct status *st, enum status_code rc)
{
	if (rc != STATUS_OK)
		jsonerr_oneline(st);
	return rc;
}

static enum status_code parse_json(const char *text, size_t len, const char *name, json_t **out,
                                   struct status *st)
{
	json_error_t e;
	json_t *j = json_loadb(text, len, JSON_REJECT_DUPLICATES, &e);
	if (!j)
		return jsonerr_set(st, name, "key", &e);
	*out = j;
	return STATUS_OK;
}

enum status_code tokenizer_load_vocab(struct tokenizer *t, json_t *vocab, const char *what, struct status *st)
{
	if (!json_is_object(vocab))
		return status_set(st, STATUS_FORMAT, "%s is not a JSON object", what);
	const char *key;
	json_t *v;
	json_int_t max = -1;
	json_object_foreach(vocab, key, v) {
		if (!json_is_integer(v) || json_integer_value(v) < 0)
			return status_set(st, STATUS_FORMAT, "%s: the id of '%.40s' is not a non-negative integer", what, key);
		if (json_integer_value(v) > TOKENIZER_MAX_ID)
			return status_set(st, STATUS_FORMAT, "%s: the id %lld of '%.40s' is too large", what,
			                  (long long)json_integer_value(v), key);
		if (json_integer_value(v) > max)
			max = json_integer_value(v);
	}
	if (max < 0)
		return status_set(st, STATUS_FORMAT, "%s is empty", what);
	if ((size_t)max >= json_object_size(vocab) + TOKENIZER_ID_GAP)
		return status_set(st, STATUS_FORMAT, "%s: id %lld is far past its %zu entries", what, (long long)max,
		                  json_object_size(vocab));
	enum status_code rc = tokenizer_reserve(t, (size_t)max + 1, st);
	if (rc != STATUS_OK)
		return rc;
	json_object_foreach(vocab, key, v) {
		rc = tokenizer_add_token(t, key, strlen(key), json_integer_value(v), st);
		if (rc != STATUS_OK) {
			status_prefix(st, "%s", what);
			return rc;
		}
	}
	return STATUS_OK;
}

/* GPT-2's convention when there is no list of added tokens: <|name|> is
 * special (name: letters, digits, underscores). */
static enum status_code mark_angle_specials(struct tokenizer *t, json_t *vocab, struct status *st)
{
	const char *key;
	json_t *v;
	json_object_foreach(vocab, key, v) {
		size_t n = strlen(key);
		if (n >= 5 && memcmp(key, "<|", 2) == 0 && memcmp(key + n - 2, "|>", 2) == 0 &&
		    strspn(key + 2, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_") == n - 4) {
			enum status_code rc = tokenizer_add_special(t, key, n, (int32_t)json_integer_value(v), 0, st);
			if (rc != STATUS_OK)
				return rc;
		}
	}
	return STATUS_OK;
}

static enum status_code load_merges_txt(struct tokenizer *t, const char *text, size_t len, const char *name,
                                        struct status *st)
{
	size_t line = 0;
	for (size_t pos = 0; pos < len;) {
		const char *s = text + pos;
		const char *nl = memchr(s, '\n', len - pos);
		size_t n = nl ? (size_t)(nl - s) : len - pos;
		pos += n + (nl != NULL);
		line++;
		if (n && s[n - 1] == '\r')
			n--;
		if (line == 1 && n >= 8 && memcmp(s, "#version", 8) == 0)
			continue;
		const char *sp = memchr(s, ' ', n);
		if (!sp || sp == s || sp == s + n - 1 || memchr(sp + 1, ' ', (size_t)(s + n - sp - 1)))
			return status_set(st, STATUS_FORMAT, "%s line %zu: not two tokens separated by one space", name, line);
		if (memchr(s, '\0', n))
			return status_set(st, STATUS_FORMAT, "%s line %zu: a NUL byte", name, line);
		enum status_code rc = tokenizer_add_merge(t, s, (size_t)(sp - s), sp + 1, (size_t)(s + n - sp - 1), st);
		if (rc != STATUS_OK) {
			status_prefix(st, "%s line %zu", name, line);
			return rc;
		}
	}
	return STATUS_OK;
}

enum status_code tokenizer_load_bpe(const char *vocab_json, size_t vocab_len,
                                    const char *merges, size_t merges_len, const char *name,
                                    struct tokenizer **out, struct status *st)
{
	char vname[4200], mname[4200];
	snprintf(vname, sizeof vname, "%s/vocab.json", name);
	snprintf(mname, sizeof mname, "%s/merges.txt", name);
	struct tokenizer *t;
	json_t *vocab = NULL;
	enum status_code rc = tokenizer_new(&t, st);
	if (rc != STATUS_OK)
		return rc;
	rc = tokenizer_gpt2_split(t, st);
	if (rc == STATUS_OK)
		rc = parse_json(vocab_json, vocab_len, vname, &vocab, st);
	if (rc == STATUS_OK)
		rc = tokenizer_load_vocab(t, vocab, vname, st);
	if (rc == STATUS_OK)
		rc = mark_angle_specials(t, vocab, st);
	json_decref(vocab);
	if (rc == STATUS_OK)
		rc = load_merges_txt(t, merges, merges_len, mname, st);
	if (rc == STATUS_OK) {
		rc = tokenizer_finish(t, st);
		if (rc != STATUS_OK)
			status_prefix(st, "%s", vname);
	}
	if (rc != STATUS_OK) {
		tokenizer_free(t);
		return oneline(st, rc);
	}
	*out = t;
	return STATUS_OK;
}

/* Hugging Face's added_tokens.json, next to vocab.json: {"token": id}. */
static enum status_code load_added_tokens(struct tokenizer *t, const char *path, struct status *st)
{
	char *text;
	size_t len;
	json_t *j = NULL;
	enum status_code rc = readfile(path, TOKENIZER_FILE_MAX, &text, &len, st);
	if (rc != STATUS_OK)
		return rc;
	rc = parse_json(text, len, path, &j, st);
	free(text);
	if (rc != STATUS_OK)
		return rc;
	if (!json_is_object(j)) {
		json_decref(j);
		return status_set(st, STATUS_FORMAT, "%s: not a JSON object", path);
	}
	const char *key;
	json_t *v;
	json_object_foreach(j, key, v) {
		if (!json_is_integer(v) || json_integer_value(v) < 0 || json_integer_value(v) > TOKENIZER_MAX_ID) {
			rc = status_set(st, STATUS_FORMAT, "%s: the id of '%.40s' is not a valid id", path, key);
			break;
		}
		rc = tokenizer_add_special(t, key, strlen(key), (int32_t)json_integer_value(v), 0, st);
		if (rc != STATUS_OK) {
			status_prefix(st, "%s", path);
			break;
		}
	}
	json_decref(j);
	return rc;
}

enum status_code tokenizer_load_json(const char *json, size_t len, const char *name,
                                     struct tokenizer **out, struct status *st)
{
	struct tokenizer *t;
	json_t *root = NULL;
	enum status_code rc = tokenizer_new(&t, st);
	if (rc != STATUS_OK)
		return rc;
	rc = parse_json(json, len, name, &root, st);
	if (rc == STATUS_OK)
		rc = tokenizer_json_parse(t, root, name, st);
	json_decref(root);
	if (rc != STATUS_OK) {
		tokenizer_free(t);
		return oneline(st, rc);
	}
	*out = t;
	return STATUS_OK;
}

static int file_exists(const char *path)
{
	struct stat sb;
	return stat(path, &sb) == 0 && S_ISREG(sb.st_mode);
}

/* A token tokenizer_config.json names: "<s>" or {"content": "<s>", ...};
 * absent or null leaves *id alone. */
static enum status_code config_token(const struct tokenizer *t, json_t *root, const char *key, const char *path,
                                     int32_t *id, struct status *st)
{
	json_t *v = json_object_get(root, key);
	if (json_is_object(v))
		v = json_object_get(v, "content");
	if (!v || json_is_null(v))
		return STATUS_OK;
	if (!json_is_string(v))
		return status_set(st, STATUS_FORMAT, "%s: %s is not a string", path, key);
	int64_t *i = strmap_get(t->vocab, json_string_value(v), json_string_length(v));
	if (!i)
		return status_set(st, STATUS_FORMAT, "%s: %s '%.40s' is not in the vocabulary", path, key, json_string_value(v));
	*id = (int32_t)*i;
	return STATUS_OK;
}

/* config.json's bos_token_id / eos_token_id: an id or a list (the first). */
static enum status_code config_id(const struct tokenizer *t, json_t *root, const char *key, const char *path,
                                  int32_t *id, struct status *st)
{
	json_t *v = json_object_get(root, key);
	if (json_is_array(v))
		v = json_array_get(v, 0);
	if (!v || json_is_null(v))
		return STATUS_OK;
	if (!json_is_integer(v) || json_integer_value(v) < 0 || (size_t)json_integer_value(v) >= t->n_vocab)
		return status_set(st, STATUS_FORMAT, "%s: %s is not an id in the vocabulary of %zu", path, key, t->n_vocab);
	*id = (int32_t)json_integer_value(v);
	return STATUS_OK;
}

static enum status_code read_json(const char *path, json_t **out, struct status *st)
{
	char *text;
	size_t len;
	enum status_code rc = readfile(path, TOKENIZER_FILE_MAX, &text, &len, st);
	if (rc != STATUS_OK)
		return rc;
	rc = parse_json(text, len, path, out, st);
	free(text);
	if (rc == STATUS_OK && !json_is_object(*out)) {
		json_decref(*out);
		return status_set(st, STATUS_FORMAT, "%s: not a JSON object", path);
	}
	return rc;
}

/* The sequence ids from the folder: tokenizer_config.json (add_bos_token,
 * bos_token, eos_token) first, then config.json's ids, then GPT-2's
 * <|endoftext|> as EOS. */
static enum status_code load_sequence_ids(struct tokenizer *t, const char *dir, struct status *st)
{
	char path[4200];
	int32_t bos = -1, eos = -1;
	json_t *j;
	enum status_code rc = STATUS_OK;
	snprintf(path, sizeof path, "%s/tokenizer_config.json", dir);
	if (file_exists(path)) {
		if ((rc = read_json(path, &j, st)) != STATUS_OK)
			return rc;
		json_t *add = json_object_get(j, "add_bos_token");
		if (add && !json_is_null(add) && !json_is_boolean(add))
			rc = status_set(st, STATUS_FORMAT, "%s: add_bos_token is not true or false", path);
		else if (json_is_boolean(add))
			t->add_bos = json_is_true(add);
		if (rc == STATUS_OK)
			rc = config_token(t, j, "bos_token", path, &bos, st);
		if (rc == STATUS_OK)
			rc = config_token(t, j, "eos_token", path, &eos, st);
		json_decref(j);
		if (rc != STATUS_OK)
			return rc;
	}
	snprintf(path, sizeof path, "%s/config.json", dir);
	if ((bos < 0 || eos < 0) && file_exists(path)) {
		if ((rc = read_json(path, &j, st)) != STATUS_OK)
			return rc;
		if (bos < 0)
			rc = config_id(t, j, "bos_token_id", path, &bos, st);
		if (rc == STATUS_OK && eos < 0)
			rc = config_id(t, j, "eos_token_id", path, &eos, st);
		json_decref(j);
		if (rc != STATUS_OK)
			return rc;
	}
	if (bos >= 0)
		t->bos_id = bos;
	if (eos < 0)
		eos = tokenizer_token_id(t, "<|endoftext|>");
	t->eos_id = eos;
	return STATUS_OK;
}

enum status_code tokenizer_load(const char *dir, struct tokenizer **out, struct status *st)
{
	char vpath[4200], mpath[4200], jpath[4200], apath[4200];
	struct stat sb;
	if (stat(dir, &sb) != 0)
		return status_errno(st, STATUS_IO, errno, "tokenizer folder %s", dir);
	if (!S_ISDIR(sb.st_mode))
		return status_set(st, STATUS_IO, "tokenizer folder %s: not a folder", dir);
	snprintf(vpath, sizeof vpath, "%s/vocab.json", dir);
	snprintf(mpath, sizeof mpath, "%s/merges.txt", dir);
	snprintf(jpath, sizeof jpath, "%s/tokenizer.json", dir);
	snprintf(apath, sizeof apath, "%s/added_tokens.json", dir);
	char *a = NULL, *b = NULL;
	size_t alen, blen;
	enum status_code rc;
	if (file_exists(vpath) || !file_exists(jpath)) {
		if (!file_exists(vpath) && !file_exists(mpath)) {
			/* a PEFT adapter folder rarely carries one: its base's */
			char base[4096];
			if (lora_is_adapter(dir) && lora_base_dir(dir, NULL, base, sizeof base, st) == STATUS_OK &&
			    !lora_is_adapter(base))
				return tokenizer_load(base, out, st);
			return status_set(st, STATUS_IO, "%s: no vocab.json and merges.txt, nor tokenizer.json", dir);
		}
		rc = readfile_regular(vpath, st);
		if (rc == STATUS_OK)
			rc = readfile_regular(mpath, st);
		if (rc == STATUS_OK)
			rc = readfile(vpath, TOKENIZER_FILE_MAX, &a, &alen, st);
		if (rc == STATUS_OK)
			rc = readfile(mpath, TOKENIZER_FILE_MAX, &b, &blen, st);
		if (rc == STATUS_OK)
			rc = tokenizer_load_bpe(a, alen, b, blen, dir, out, st);
		if (rc == STATUS_OK && file_exists(apath)) {
			rc = load_added_tokens(*out, apath, st);
			if (rc == STATUS_OK)
				rc = tokenizer_finish(*out, st);
			if (rc != STATUS_OK) {
				tokenizer_free(*out);
				*out = NULL;
			}
		}
	} else {
		rc = readfile(jpath, TOKENIZER_FILE_MAX, &a, &alen, st);
		if (rc == STATUS_OK)
			rc = tokenizer_load_json(a, alen, jpath, out, st);
	}
	free(a);
	free(b);
	if (rc == STATUS_OK && (rc = load_sequence_ids(*out, dir, st)) != STATUS_OK) {
		tokenizer_free(*out);
		*out = NULL;
	}
	return oneline(st, rc);
}
