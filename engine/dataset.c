/* dataset: line reader (zlib) and the record formats. */
#include "config.h"

#include "engine/dataset.h"
#include "engine/jsonerr.h"
#include "engine/reward.h"

#include <errno.h>
#include <jansson.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#define DS_CHUNK 65536

struct dataset_reader {
	char *name;
	gzFile gz;                 /* NULL when reading memory */
	const char *mem;
	size_t mem_len, mem_pos;
	char *chunk;               /* bytes read and not yet split into lines */
	size_t clen, cpos;
	int eof;
	char *line;                /* the current line */
	size_t llen, lcap;
	size_t lineno;
	enum dataset_format format;
	json_t *cur;               /* the current record's JSON (its strings are handed out) */
	char *hh_prompt, *hh_chosen, *hh_rejected;
};

static const char *const ds_names[] = { "auto", "jsonl", "pairs", "hh-rlhf", "image-pairs" };
#define DS_TEXT_FORMATS 4

const char *dataset_format_name(enum dataset_format f)
{
	return (unsigned)f < sizeof ds_names / sizeof ds_names[0] ? ds_names[f] : "?";
}

int dataset_format_parse(const char *name, enum dataset_format *out)
{
	for (int i = 0; i < DS_TEXT_FORMATS; i++)
		if (strcmp(name, ds_names[i]) == 0) {
			*out = (enum dataset_format)i;
			return 1;
		}
	return 0;
}

static enum status_code ds_new(const char *name, enum dataset_format format,
                               struct dataset_reader **out, struct status *st)
{
	struct dataset_reader *r = calloc(1, sizeof *r);
	if (!r || !(r->name = strdup(name)) || !(r->chunk = malloc(DS_CHUNK))) {
		if (r)
			free(r->name);
		free(r);
		return status_set(st, STATUS_NOMEM, "out of memory");
	}
	r->format = format;
	*out = r;
	return STATUS_OK;
}

enum status_code dataset_open(const char *path, enum dataset_format format,
                              struct dataset_reader **out, struct status *st)
{
	*out = NULL;
	struct dataset_reader *r;
	if (ds_new(path, format, &r, st))
		return st->code;
	errno = 0;
	r->gz = gzopen(path, "rb");
	if (!r->gz) {
		status_errno(st, STATUS_IO, errno ? errno : ENOMEM, "%s", path);
		dataset_close(r);
		return st->code;
	}
	gzbuffer(r->gz, 1u << 17);
	*out = r;
	return STATUS_OK;
}

enum status_code dataset_open_mem(const char *name, const char *data, size_t len,
                                  enum dataset_format format, struct dataset_reader **out,
                                  struct status *st)
{
	*out = NULL;
	struct dataset_reader *r;
	if (ds_new(name, format, &r, st))
		return st->code;
	r->mem = data;
	r->mem_len = len;
	*out = r;
	return STATUS_OK;
}

void dataset_close(struct dataset_reader *r)
{
	if (!r)
		return;
	if (r->gz)
		gzclose(r->gz);
	json_decref(r->cur);
	free(r->hh_prompt);
	free(r->hh_chosen);
	free(r->hh_rejected);
	free(r->chunk);
	free(r->line);
	free(r->name);
	free(r);
}

enum dataset_format dataset_format_of(const struct dataset_reader *r)
{
	return r->format;
}

static enum status_code ds_fill(struct dataset_reader *r, struct status *st)
{
	r->cpos = 0;
	r->clen = 0;
	if (!r->gz) {
		size_t n = r->mem_len - r->mem_pos < DS_CHUNK ? r->mem_len - r->mem_pos : DS_CHUNK;
		memcpy(r->chunk, r->mem + r->mem_pos, n);
		r->mem_pos += n;
		r->clen = n;
	} else {
		int n = gzread(r->gz, r->chunk, DS_CHUNK);
		if (n < 0) {
			int e;
			const char *msg = gzerror(r->gz, &e);
			r->eof = 1;
			return status_set(st, STATUS_IO, "%s: %s (after line %zu)", r->name,
			                  e == Z_ERRNO ? strerror(errno) : msg, r->lineno);
		}
		r->clen = (size_t)n;
		/* gzread() hands out what a cut-off stream held and then reports
		 * its end as a plain end of file; only gzerror() tells them apart. */
		int e = Z_OK;
		const char *msg = n == 0 ? gzerror(r->gz, &e) : NULL;
		if (e != Z_OK && e != Z_STREAM_END) {
			r->eof = 1;
			return status_set(st, STATUS_IO, "%s: %s after line %zu (the file is truncated "
			                  "or damaged)", r->name, e == Z_ERRNO ? strerror(errno) : msg,
			                  r->lineno);
		}
	}
	if (r->clen == 0)
		r->eof = 1;
	return STATUS_OK;
}

/* The next line into r->line (without its "\n"); *got 0 at the end. Too long
 * a line is an error, and the rest of it is skipped. */
static enum status_code ds_line(struct dataset_reader *r, int *got, struct status *st)
{
	int too_long = 0, any = 0;
	r->llen = 0;
	*got = 0;
	for (;;) {
		if (r->cpos == r->clen) {
			if (r->eof)
				break;
			if (ds_fill(r, st))
				return st->code;
			if (r->clen == 0)
				break;
		}
		any = 1;
		char *nl = memchr(r->chunk + r->cpos, '\n', r->clen - r->cpos);
		size_t n = (nl ? (size_t)(nl - r->chunk) : r->clen) - r->cpos;
		if (r->llen + n > DATASET_LINE_MAX)
			too_long = 1;
		if (!too_long) {
			if (r->llen + n + 1 > r->lcap) {
				size_t cap = (r->llen + n + 1) * 2;
				char *b = realloc(r->line, cap);
				if (!b)
					return status_set(st, STATUS_NOMEM, "out of memory");
				r->line = b;
				r->lcap = cap;
			}
			memcpy(r->line + r->llen, r->chunk + r->cpos, n);
			r->llen += n;
		}
		r->cpos += n;
		if (nl) {
			r->cpos++;
			break;
		}
	}
	if (!any)
		return STATUS_OK;
	r->lineno++;
	*got = 1;
	if (too_long) {
		r->llen = 0;
		return status_set(st, STATUS_FORMAT, "%s:%zu: a line longer than %u bytes", r->name,
		                  r->lineno, DATASET_LINE_MAX);
	}
	r->line[r->llen] = '\0';
	return STATUS_OK;
}

static int ds_blank(const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if (s[i] != ' ' && s[i] != '\t' && s[i] != '\r' && s[i] != '\n')
			return 0;
	return 1;
}

static enum status_code ds_bad(struct dataset_reader *r, struct status *st, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static enum status_code ds_bad(struct dataset_reader *r, struct status *st, const char *fmt, ...)
{
	char what[256];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(what, sizeof what, fmt, ap);
	va_end(ap);
	return status_set(st, STATUS_FORMAT, "%s:%zu: %s", r->name, r->lineno, what);
}

/* A string member; `need_text`: not empty or blank. */
static enum status_code ds_text(struct dataset_reader *r, json_t *o, const char *key, int need_text,
                                const char **out, struct status *st)
{
	json_t *v = json_object_get(o, key);
	if (!v)
		return ds_bad(r, st, "missing key \"%s\"", key);
	if (!json_is_string(v))
		return ds_bad(r, st, "\"%s\" is not a string", key);
	*out = json_string_value(v);
	if (need_text && ds_blank(*out, json_string_length(v)))
		return ds_bad(r, st, "\"%s\" is empty", key);
	return STATUS_OK;
}

static enum status_code ds_rewards(struct dataset_reader *r, json_t *o, struct dataset_record *rec,
                                   struct status *st)
{
	json_t *rw = json_object_get(o, "rewards");
	if (!rw)
		return STATUS_OK;
	if (!json_is_object(rw))
		return ds_bad(r, st, "\"rewards\" is not an object");
	if (json_object_size(rw) > DATASET_MAX_REWARDS)
		return status_set(st, STATUS_FORMAT, "%s:%zu: more than %d rewards", r->name, r->lineno,
		                  DATASET_MAX_REWARDS);
	const char *k;
	json_t *v;
	json_object_foreach(rw, k, v) {
		if (!*k)
			return ds_bad(r, st, "a reward with an empty name");
		if (!json_is_number(v))
			return ds_bad(r, st, "reward \"%s\" is not a number", k);
		double x = json_number_value(v);
		if (!(fabs(x) <= REWARD_ABS_MAX))
			return ds_bad(r, st, "reward \"%s\" is %g, beyond +-%g", k, x, REWARD_ABS_MAX);
		rec->reward_name[rec->n_rewards] = k;
		rec->reward_value[rec->n_rewards++] = x;
	}
	return STATUS_OK;
}

static const char ds_marker[] = "\n\nAssistant:";

/* Splits an HH dialogue at its last "\n\nAssistant:"; copies into *prompt and *resp. */
static enum status_code ds_hh_split(struct dataset_reader *r, const char *key, const char *text,
                                    char **prompt, char **resp, struct status *st)
{
	const char *last = NULL;
	for (const char *p = strstr(text, ds_marker); p; p = strstr(p + 1, ds_marker))
		last = p;
	if (!last)
		return ds_bad(r, st, "\"%s\" has no \"\\n\\nAssistant:\" turn", key);
	size_t pl = (size_t)(last - text) + sizeof ds_marker - 1;
	const char *rs = text + pl;
	if (*rs == ' ')
		rs++;
	if (ds_blank(rs, strlen(rs)))
		return ds_bad(r, st, "\"%s\" has an empty last Assistant turn", key);
	free(*prompt);
	free(*resp);
	*prompt = strndup(text, pl);
	*resp = strdup(rs);
	if (!*prompt || !*resp)
		return status_set(st, STATUS_NOMEM, "out of memory");
	return STATUS_OK;
}

/* The optional "split" key: a file that carries its own train/eval split. */
static enum status_code ds_split(struct dataset_reader *r, json_t *o, struct dataset_record *rec,
                                 struct status *st)
{
	json_t *v = json_object_get(o, "split");
	if (!v)
		return STATUS_OK;
	const char *s = json_is_string(v) ? json_string_value(v) : NULL;
	if (!s || (strcmp(s, "train") != 0 && strcmp(s, "eval") != 0))
		return ds_bad(r, st, "\"split\" is \"train\" or \"eval\"");
	rec->split = s;
	return STATUS_OK;
}

static enum status_code ds_record(struct dataset_reader *r, json_t *o, enum dataset_format f,
                                  struct dataset_record *rec, struct status *st)
{
	memset(rec, 0, sizeof *rec);
	rec->kind = f;
	rec->line = r->lineno;
	enum status_code rc = ds_split(r, o, rec, st);
	if (rc)
		return rc;
	switch (f) {
	case DATASET_JSONL:
		if ((rc = ds_text(r, o, "prompt", 0, &rec->prompt, st)) ||
		    (rc = ds_text(r, o, "response", 1, &rec->response, st)))
			return rc;
		return ds_rewards(r, o, rec, st);
	case DATASET_PAIRS:
	case DATASET_IMAGE_PAIRS:
		/* a picture's condition may be empty, and then left out */
		if (f == DATASET_IMAGE_PAIRS && !json_object_get(o, "prompt"))
			rec->prompt = "";
		else if ((rc = ds_text(r, o, "prompt", 0, &rec->prompt, st)))
			return rc;
		if ((rc = ds_text(r, o, "chosen", 1, &rec->chosen, st)) ||
		    (rc = ds_text(r, o, "rejected", 1, &rec->rejected, st)))
			return rc;
		return STATUS_OK;
	case DATASET_HH: {
		const char *c, *j;
		char *jp = NULL;
		if ((rc = ds_text(r, o, "chosen", 1, &c, st)) || (rc = ds_text(r, o, "rejected", 1, &j, st)) ||
		    (rc = ds_hh_split(r, "chosen", c, &r->hh_prompt, &r->hh_chosen, st)) ||
		    (rc = ds_hh_split(r, "rejected", j, &jp, &r->hh_rejected, st))) {
			free(jp);
			return rc;
		}
		int same = strcmp(jp, r->hh_prompt) == 0;
		free(jp);
		if (!same)
			return ds_bad(r, st, "the chosen and rejected dialogues differ before their last "
			              "Assistant turn");
		rec->prompt = r->hh_prompt;
		rec->chosen = r->hh_chosen;
		rec->rejected = r->hh_rejected;
		return STATUS_OK;
	}
	case DATASET_AUTO:
		break;
	}
	return status_set(st, STATUS_INTERNAL, "no format");
}

static enum dataset_format ds_detect(json_t *o)
{
	if (json_object_get(o, "response"))
		return DATASET_JSONL;
	if (json_object_get(o, "chosen") && json_object_get(o, "rejected"))
		return json_object_get(o, "prompt") ? DATASET_PAIRS : DATASET_HH;
	return DATASET_AUTO;
}

enum status_code dataset_next(struct dataset_reader *r, struct dataset_record *rec, int *got,
                              struct status *st)
{
	*got = 0;
	json_decref(r->cur);
	r->cur = NULL;
	for (;;) {
		int have;
		enum status_code rc = ds_line(r, &have, st);
		if (rc)
			return rc;
		if (!have)
			return STATUS_OK;
		const char *text = r->line;
		size_t len = r->llen;
		/* a UTF-8 byte order mark, as some editors write, is not part of the data */
		if (r->lineno == 1 && len >= 3 && memcmp(text, "\xEF\xBB\xBF", 3) == 0) {
			text += 3;
			len -= 3;
		}
		if (ds_blank(text, len))
			continue;
		json_error_t je;
		json_t *o = json_loadb(text, len, JSON_REJECT_DUPLICATES, &je);
		if (!o) {
			if (strstr(je.text, "decode byte") || strstr(je.text, "UTF-8"))
				return status_set(st, STATUS_FORMAT, "%s:%zu: invalid UTF-8 (%s, column %d)",
				                  r->name, r->lineno, je.text, je.column);
			status_set(st, STATUS_FORMAT, "%s:%zu: invalid JSON: %s (column %d)", r->name,
			           r->lineno, je.text, je.column);
			jsonerr_oneline(st);
			return STATUS_FORMAT;
		}
		if (!json_is_object(o)) {
			json_decref(o);
			return ds_bad(r, st, "not a JSON object");
		}
		enum dataset_format f = r->format;
		if (f == DATASET_AUTO) {
			f = ds_detect(o);
			if (f == DATASET_AUTO) {
				json_decref(o);
				return ds_bad(r, st, "no format fits (jsonl: prompt, response; pairs: prompt, "
				              "chosen, rejected; hh-rlhf: chosen, rejected)");
			}
		}
		rc = ds_record(r, o, f, rec, st);
		if (rc) {
			json_decref(o);
			jsonerr_oneline(st);
			return rc;
		}
		r->format = f;
		r->cur = o;
		*got = 1;
		return STATUS_OK;
	}
}
