#include "config.h"

#include "engine/ricmeta.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/checkpoint.h"
#include "engine/jsonerr.h"
#include "engine/stats.h"

void ricmeta_init(struct ricmeta *m)
{
	memset(m, 0, sizeof *m);
	m->mapping = MAPPING_DEFAULT;
}

void ricmeta_free(struct ricmeta *m)
{
	for (size_t i = 0; i < m->n_obj; i++) {
		free(m->obj[i].name);
		free(m->obj[i].reward);
	}
	free(m->obj);
	free(m->template);
	free(m->marker);
	free(m->base_model);
	json_decref(m->extra);
	ricmeta_init(m);
}

static enum status_code nomem(struct status *st)
{
	return status_set(st, STATUS_NOMEM, "out of memory");
}

enum status_code ricmeta_add_objective(struct ricmeta *m, const char *name, const char *reward,
                                       double mu, double sigma, double lo, double hi,
                                       struct status *st)
{
	struct ricmeta_objective *o = realloc(m->obj, (m->n_obj + 1) * sizeof *o);
	if (!o)
		return nomem(st);
	m->obj = o;
	o += m->n_obj;
	*o = (struct ricmeta_objective){ strdup(name ? name : ""), strdup(reward ? reward : ""),
		                         mu, sigma, lo, hi };
	if (!o->name || !o->reward) {
		free(o->name);
		free(o->reward);
		return nomem(st);
	}
	m->n_obj++;
	return STATUS_OK;
}

/* ---- text builder --------------------------------------------------------- */

struct sbuf {
	char *p;
	size_t len, cap;
	int oom;
};

static void sb_add(struct sbuf *b, const char *s, size_t n)
{
	if (b->oom)
		return;
	if (b->len + n + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 64;
		while (cap < b->len + n + 1)
			cap *= 2;
		char *p = realloc(b->p, cap);
		if (!p) {
			b->oom = 1;
			return;
		}
		b->p = p;
		b->cap = cap;
	}
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
}

static void sb_str(struct sbuf *b, const char *s)
{
	sb_add(b, s, strlen(s));
}

char *ricmeta_default_template(size_t n_obj)
{
	struct sbuf b = { 0 };
	sb_str(&b, "{prompt}");
	for (size_t i = 0; i < n_obj; i++) {
		char tag[64];
		snprintf(tag, sizeof tag, " <rm%zu_score> {z%zu}", i + 1, i + 1);
		sb_str(&b, tag);
	}
	sb_str(&b, "{marker}");
	if (b.oom) {
		free(b.p);
		return NULL;
	}
	return b.p;
}

static int has_letter(const char *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (isalpha((unsigned char)p[i]))
			return 1;
	return 0;
}

/* Walks the template: validates it for n_obj objectives and, when out is
 * not NULL, writes the context for prompt, z and marker. When pair is not
 * NULL it receives the first two score placeholders with no letter (no
 * label) between them, or {0, 0}. */
static enum status_code render(const char *tpl, size_t n_obj, const char *prompt, const double *z,
                               const char *marker, struct sbuf *out, size_t pair[2],
                               struct status *st)
{
	size_t n_prompt = 0;
	size_t last_z = 0;
	int labelled = 1;
	if (pair)
		pair[0] = pair[1] = 0;
	unsigned char *seen = calloc(n_obj ? n_obj : 1, 1);
	if (!seen)
		return nomem(st);
	enum status_code c = STATUS_OK;
	const char *p = tpl;
	while (*p && c == STATUS_OK) {
		size_t lit = strcspn(p, "{}");
		if (out)
			sb_add(out, p, lit);
		labelled |= has_letter(p, lit);
		p += lit;
		if (!*p)
			break;
		if (p[0] == p[1]) { /* "{{" or "}}" */
			if (out)
				sb_add(out, p, 1);
			p += 2;
			continue;
		}
		const char *close = p[0] == '{' ? strchr(p, '}') : NULL;
		if (!close) {
			c = status_set(st, STATUS_INVALID,
			               "template: unmatched '%c' at byte %zu (write '%c%c' for a brace)", p[0],
			               (size_t)(p - tpl), p[0], p[0]);
			break;
		}
		const char *name = p + 1;
		size_t nl = (size_t)(close - name);
		if (nl == 6 && memcmp(name, "prompt", 6) == 0) {
			n_prompt++;
			labelled = 1;
			if (out)
				sb_str(out, prompt);
		} else if (nl == 6 && memcmp(name, "marker", 6) == 0) {
			if (out)
				sb_str(out, marker);
		} else if (nl >= 2 && name[0] == 'z' && strspn(name + 1, "0123456789") == nl - 1 &&
		           name[1] != '0' && nl < 12) {
			size_t k = (size_t)strtoul(name + 1, NULL, 10);
			if (k < 1 || k > n_obj) {
				c = status_set(st, STATUS_INVALID,
				               "template: {z%zu} but the model has %zu objectives", k, n_obj);
				break;
			}
			seen[k - 1] = 1;
			if (pair && !pair[0] && last_z && !labelled) {
				pair[0] = last_z;
				pair[1] = k;
			}
			last_z = k;
			labelled = 0;
			if (out) {
				char num[STATS_FMT_MAX];
				if (!(fabs(z[k - 1]) <= RICMETA_Z_MAX)) {
					c = status_set(st, STATUS_INVALID, isfinite(z[k - 1])
					               ? "score %zu is %g, beyond +-%g" : "score %zu is not a finite "
					               "number (%g)", k, z[k - 1], RICMETA_Z_MAX);
					break;
				}
				stats_format1(z[k - 1], num, sizeof num);
				sb_str(out, num);
			}
		} else {
			c = status_set(st, STATUS_INVALID,
			               "template: unknown placeholder '{%.*s}' (known: {prompt}, {marker}, "
			               "{z1}..{z%zu})",
			               (int)(nl > 40 ? 40 : nl), name, n_obj);
			break;
		}
		p = close + 1;
	}
	if (c == STATUS_OK && n_prompt != 1)
		c = status_set(st, STATUS_INVALID, "template: {prompt} must appear once, not %zu times",
		               n_prompt);
	for (size_t k = 0; c == STATUS_OK && k < n_obj; k++)
		if (!seen[k])
			c = status_set(st, STATUS_INVALID, "template: {z%zu} is missing", k + 1);
	free(seen);
	if (c == STATUS_OK && out && out->oom)
		c = nomem(st);
	return c;
}

enum status_code ricmeta_unlabelled(const struct ricmeta *m, size_t pair[2], struct status *st)
{
	return render(m->template, m->n_obj, NULL, NULL, NULL, NULL, pair, st);
}

enum status_code ricmeta_validate(const struct ricmeta *m, struct status *st)
{
	if (m->n_obj == 0)
		return status_set(st, STATUS_INVALID, "no objectives");
	for (size_t i = 0; i < m->n_obj; i++) {
		const struct ricmeta_objective *o = &m->obj[i];
		if (!o->name || !o->name[0])
			return status_set(st, STATUS_INVALID, "objective %zu has no name", i + 1);
		for (size_t k = 0; k < i; k++)
			if (strcmp(m->obj[k].name, o->name) == 0)
				return status_set(st, STATUS_INVALID, "objective '%s' appears twice", o->name);
		if (!o->reward || !o->reward[0])
			return status_set(st, STATUS_INVALID, "objective '%s' has no reward spec", o->name);
		if (!isfinite(o->mu) || !isfinite(o->sigma) || o->sigma < 0.0 || !isfinite(o->lo) ||
		    !isfinite(o->hi) || o->lo > o->hi)
			return status_set(st, STATUS_INVALID,
			                  "objective '%s': mu %g, sigma %g, lo %g, hi %g (need finite values, "
			                  "sigma >= 0, lo <= hi)",
			                  o->name, o->mu, o->sigma, o->lo, o->hi);
		if (!(fabs(o->lo) <= RICMETA_Z_MAX && fabs(o->hi) <= RICMETA_Z_MAX))
			return status_set(st, STATUS_INVALID, "objective '%s': lo %g, hi %g (normalised "
			                  "scores lie within +-%g)", o->name, o->lo, o->hi, RICMETA_Z_MAX);
	}
	if (!m->template || !m->marker)
		return status_set(st, STATUS_INVALID, "no template or marker");
	if ((unsigned)m->mapping > MAPPING_LINEAR)
		return status_set(st, STATUS_INVALID, "unknown mapping %d", (int)m->mapping);
	return render(m->template, m->n_obj, NULL, NULL, NULL, NULL, NULL, st);
}

static enum status_code set_str(char **dst, const char *src, struct status *st)
{
	char *s = src ? strdup(src) : NULL;
	if (src && !s)
		return nomem(st);
	free(*dst);
	*dst = s;
	return STATUS_OK;
}

enum status_code ricmeta_configure(struct ricmeta *m, const char *template, const char *marker,
                                   enum mapping_kind mapping, int64_t run, const char *base_model,
                                   struct status *st)
{
	char *def = template ? NULL : ricmeta_default_template(m->n_obj);
	if (!template && !def)
		return nomem(st);
	enum status_code c = set_str(&m->template, template ? template : def, st);
	free(def);
	if (c == STATUS_OK)
		c = set_str(&m->marker, marker ? marker : RICMETA_MARKER_DIALOGUE, st);
	if (c == STATUS_OK)
		c = set_str(&m->base_model, base_model, st);
	if (c != STATUS_OK)
		return c;
	m->mapping = mapping;
	m->run = run;
	return ricmeta_validate(m, st);
}

/* ---- JSON ----------------------------------------------------------------- */

static enum status_code get_num(const json_t *o, const char *key, const char *file, size_t i,
                                double *out, struct status *st)
{
	const json_t *v = json_object_get(o, key);
	if (!json_is_number(v))
		return status_set(st, STATUS_FORMAT, "%s: objectives[%zu].%s: %s", file, i, key,
		                  v ? "expected a number" : "missing");
	*out = json_number_value(v);
	return STATUS_OK;
}

static enum status_code get_opt_str(const json_t *j, const char *key, const char *file,
                                    const char **out, struct status *st)
{
	const json_t *v = json_object_get(j, key);
	*out = NULL;
	if (!v || json_is_null(v))
		return STATUS_OK;
	if (!json_is_string(v))
		return status_set(st, STATUS_FORMAT, "%s: %s: expected a string", file, key);
	*out = json_string_value(v);
	return STATUS_OK;
}

static const char *const known_keys[] = { "ric_version", "objectives", "template", "marker",
	                                  "mapping", "run", "base_model" };

static enum status_code from_json(json_t *j, const char *file, struct ricmeta *m,
                                  struct status *st)
{
	if (!json_is_object(j))
		return status_set(st, STATUS_FORMAT, "%s: expected a JSON object", file);
	const json_t *ver = json_object_get(j, "ric_version");
	if (ver && (!json_is_integer(ver) || json_integer_value(ver) < 1))
		return status_set(st, STATUS_FORMAT, "%s: ric_version: expected a positive integer", file);
	if (ver && json_integer_value(ver) > RICMETA_VERSION)
		return status_set(st, STATUS_UNSUPPORTED,
		                  "%s: ric_version %lld is newer than this ric reads (%d)", file,
		                  (long long)json_integer_value(ver), RICMETA_VERSION);
	const json_t *objs = json_object_get(j, "objectives");
	if (!json_is_array(objs) || json_array_size(objs) == 0)
		return status_set(st, STATUS_FORMAT, "%s: objectives: %s", file,
		                  objs ? "expected a non-empty array" : "missing");
	size_t i;
	const json_t *o;
	json_array_foreach(objs, i, o) {
		if (!json_is_object(o))
			return status_set(st, STATUS_FORMAT, "%s: objectives[%zu]: expected an object", file, i);
		const json_t *name = json_object_get(o, "name"), *rw = json_object_get(o, "reward");
		if (!json_is_string(name))
			return status_set(st, STATUS_FORMAT, "%s: objectives[%zu].name: %s", file, i,
			                  name ? "expected a string" : "missing");
		if (!json_is_string(rw))
			return status_set(st, STATUS_FORMAT, "%s: objectives[%zu].reward: %s", file, i,
			                  rw ? "expected a string" : "missing");
		double v[4];
		static const char *const keys[4] = { "mu", "sigma", "lo", "hi" };
		for (int k = 0; k < 4; k++) {
			enum status_code c = get_num(o, keys[k], file, i, &v[k], st);
			if (c != STATUS_OK)
				return c;
		}
		enum status_code c = ricmeta_add_objective(m, json_string_value(name), json_string_value(rw),
		                                           v[0], v[1], v[2], v[3], st);
		if (c != STATUS_OK)
			return c;
	}
	const char *tpl, *marker, *mapname, *base;
	enum status_code c = get_opt_str(j, "template", file, &tpl, st);
	if (c == STATUS_OK)
		c = get_opt_str(j, "marker", file, &marker, st);
	if (c == STATUS_OK)
		c = get_opt_str(j, "mapping", file, &mapname, st);
	if (c == STATUS_OK)
		c = get_opt_str(j, "base_model", file, &base, st);
	if (c != STATUS_OK)
		return c;
	enum mapping_kind map = MAPPING_DEFAULT;
	if (mapname && mapping_parse(mapname, &map, st) != STATUS_OK) {
		status_prefix(st, "%s: mapping", file);
		return st ? st->code : STATUS_FORMAT;
	}
	const json_t *run = json_object_get(j, "run");
	if (run && !json_is_null(run) && !json_is_integer(run))
		return status_set(st, STATUS_FORMAT, "%s: run: expected an integer", file);
	const char *key;
	json_t *v;
	json_object_foreach(j, key, v) {
		size_t k = 0;
		while (k < sizeof known_keys / sizeof known_keys[0] && strcmp(key, known_keys[k]) != 0)
			k++;
		if (k < sizeof known_keys / sizeof known_keys[0])
			continue;
		if (!m->extra && !(m->extra = json_object()))
			return nomem(st);
		if (json_object_set(m->extra, key, v) != 0)
			return nomem(st);
	}
	c = ricmeta_configure(m, tpl, marker, map, json_is_integer(run) ? json_integer_value(run) : 0,
	                      base, st);
	if (c != STATUS_OK)
		status_prefix(st, "%s", file);
	return c;
}

enum status_code ricmeta_from_json(json_t *j, const char *file, struct ricmeta *m,
                                   struct status *st)
{
	ricmeta_init(m);
	enum status_code c = from_json(j, file, m, st);
	if (c != STATUS_OK) {
		ricmeta_free(m);
		jsonerr_oneline(st); /* names from the file may hold a newline */
	}
	return c;
}

enum status_code ricmeta_load(const char *dir, struct ricmeta *m, struct status *st)
{
	json_t *j = NULL;
	ricmeta_init(m);
	enum status_code c = checkpoint_read_ric(dir, &j, st);
	if (c != STATUS_OK)
		return c;
	char file[4096];
	snprintf(file, sizeof file, "%s/ric.json", dir);
	if (!j)
		return status_set(st, STATUS_INVALID, "%s: not a RiC checkpoint (no ric.json)", dir);
	c = ricmeta_from_json(j, file, m, st);
	json_decref(j);
	return c;
}

json_t *ricmeta_to_json(const struct ricmeta *m)
{
	json_t *j = m->extra ? json_deep_copy(m->extra) : json_object();
	json_t *objs = json_array();
	int bad = !j || !objs;
	for (size_t i = 0; !bad && i < m->n_obj; i++) {
		const struct ricmeta_objective *o = &m->obj[i];
		json_t *e = json_pack("{s:s, s:s, s:f, s:f, s:f, s:f}", "name", o->name, "reward",
		                      o->reward, "mu", o->mu, "sigma", o->sigma, "lo", o->lo, "hi", o->hi);
		bad = !e || json_array_append_new(objs, e) != 0;
	}
	if (!bad)
		bad = json_object_set_new(j, "ric_version", json_integer(RICMETA_VERSION)) ||
		      json_object_set_new(j, "objectives", objs) ||
		      json_object_set_new(j, "template", json_string(m->template ? m->template : "")) ||
		      json_object_set_new(j, "marker", json_string(m->marker ? m->marker : "")) ||
		      json_object_set_new(j, "mapping", json_string(mapping_name(m->mapping))) ||
		      json_object_set_new(j, "run", json_integer(m->run)) ||
		      json_object_set_new(j, "base_model",
		                          m->base_model ? json_string(m->base_model) : json_null());
	else
		json_decref(objs);
	if (bad) {
		json_decref(j);
		return NULL;
	}
	return j;
}

char *ricmeta_to_string(const struct ricmeta *m)
{
	json_t *j = ricmeta_to_json(m);
	if (!j)
		return NULL;
	char *s = json_dumps(j, JSON_INDENT(2) | JSON_SORT_KEYS | JSON_REAL_PRECISION(17));
	json_decref(j);
	return s;
}

/* ---- helpers ---------------------------------------------------------------- */

int ricmeta_find(const struct ricmeta *m, const char *name)
{
	for (size_t i = 0; i < m->n_obj; i++)
		if (strcmp(m->obj[i].name, name) == 0)
			return (int)i;
	return -1;
}

void ricmeta_normalise(const struct ricmeta *m, const double *raw, double *z)
{
	for (size_t i = 0; i < m->n_obj; i++)
		z[i] = stats_normalise(raw[i], m->obj[i].mu, m->obj[i].sigma);
}

void ricmeta_ranges(const struct ricmeta *m, double *lo, double *hi)
{
	for (size_t i = 0; i < m->n_obj; i++) {
		if (lo)
			lo[i] = m->obj[i].lo;
		if (hi)
			hi[i] = m->obj[i].hi;
	}
}

/* Whether the template writes {marker} ("{{marker}}" is text). */
static int template_has_marker(const char *tpl)
{
	for (const char *p = tpl; *p; p++) {
		if ((p[0] == '{' || p[0] == '}') && p[1] == p[0])
			p++;
		else if (strncmp(p, "{marker}", 8) == 0)
			return 1;
	}
	return 0;
}

enum status_code ricmeta_context(const struct ricmeta *m, const char *prompt, const double *z,
                                 char **out, size_t *len, struct status *st)
{
	struct sbuf b = { 0 };
	enum status_code c;
	*out = NULL;
	if (!m->template || !m->marker)
		return status_set(st, STATUS_INVALID, "RiC metadata has no template or marker");
	/* An HH-RLHF prompt ends with the marker that opens the last Assistant
	 * turn; the context appends it after the scores, so it goes from the
	 * prompt: one marker, after the scores, as in the reference. */
	size_t pl = strlen(prompt), ml = strlen(m->marker);
	char *cut = NULL;
	if (ml && pl >= ml && memcmp(prompt + pl - ml, m->marker, ml) == 0 &&
	    (!z || template_has_marker(m->template))) {
		cut = strndup(prompt, pl - ml);
		if (!cut)
			return nomem(st);
		prompt = cut;
	}
	if (z) {
		c = render(m->template, m->n_obj, prompt, z, m->marker, &b, NULL, st);
	} else {
		sb_str(&b, prompt);
		sb_str(&b, m->marker);
		c = b.oom ? nomem(st) : STATUS_OK;
	}
	free(cut);
	if (c != STATUS_OK) {
		free(b.p);
		return c;
	}
	if (!b.p) /* an empty prompt and marker */
		b.p = calloc(1, 1);
	if (!b.p)
		return nomem(st);
	*out = b.p;
	if (len)
		*len = b.len;
	return STATUS_OK;
}

void ricmeta_seq_free(struct ricmeta_seq *s)
{
	free(s->ids);
	free(s->mask);
	memset(s, 0, sizeof *s);
}

static enum status_code seq_append(struct ricmeta_seq *s, const int32_t *ids, size_t n,
                                   unsigned char mask, struct status *st)
{
	int *p = realloc(s->ids, (s->n + n + 1) * sizeof *p);
	if (p)
		s->ids = p;
	unsigned char *q = realloc(s->mask, s->n + n + 1);
	if (q)
		s->mask = q;
	if (!p || !q)
		return nomem(st);
	for (size_t i = 0; i < n; i++) {
		s->ids[s->n + i] = ids[i];
		s->mask[s->n + i] = mask;
	}
	s->n += n;
	return STATUS_OK;
}

static enum status_code encode_append(struct ricmeta_seq *s, struct tokenizer *t, const char *text,
                                      size_t len, unsigned char mask, struct status *st)
{
	struct tokenizer_ids ids = { 0 };
	enum status_code c = tokenizer_encode(t, text, len, TOKENIZER_NO_SPECIAL, &ids, st);
	if (c == STATUS_OK)
		c = seq_append(s, ids.ids, ids.n, mask, st);
	tokenizer_ids_free(&ids);
	return c;
}

static enum status_code encode_context(const struct ricmeta *m, struct tokenizer *t,
                                       const char *prompt, const double *z,
                                       struct ricmeta_seq *out, struct status *st)
{
	memset(out, 0, sizeof *out);
	char *ctx;
	size_t len;
	enum status_code c = ricmeta_context(m, prompt, z, &ctx, &len, st);
	if (c != STATUS_OK)
		return c;
	c = encode_append(out, t, ctx, len, 0, st);
	free(ctx);
	out->n_context = out->n;
	return c;
}

char *ricmeta_response_join(const char *response)
{
	size_t n = strlen(response);
	int space = response[0] != ' ';
	char *p = malloc(n + (size_t)space + 1);
	if (!p)
		return NULL;
	p[0] = ' ';
	memcpy(p + space, response, n + 1);
	return p;
}

enum status_code ricmeta_encode_text(struct tokenizer *t, const char *context,
                                     const char *completion, int eos, struct ricmeta_seq *out,
                                     struct status *st)
{
	memset(out, 0, sizeof *out);
	enum status_code c = encode_append(out, t, context, strlen(context), 0, st);
	out->n_context = out->n;
	if (c == STATUS_OK && completion)
		c = encode_append(out, t, completion, strlen(completion), 1, st);
	if (c == STATUS_OK && completion && eos >= 0) {
		int32_t e = eos;
		c = seq_append(out, &e, 1, 1, st);
	}
	if (c != STATUS_OK)
		ricmeta_seq_free(out);
	return c;
}

enum status_code ricmeta_encode(const struct ricmeta *m, struct tokenizer *t, const char *prompt,
                                const double *z, const char *response, int eos,
                                struct ricmeta_seq *out, struct status *st)
{
	char *ctx, *completion = NULL;
	memset(out, 0, sizeof *out);
	enum status_code c = ricmeta_context(m, prompt, z, &ctx, NULL, st);
	if (c != STATUS_OK)
		return c;
	if (response && !(completion = ricmeta_response_join(response)))
		c = nomem(st);
	if (c == STATUS_OK)
		c = ricmeta_encode_text(t, ctx, completion, eos, out, st);
	free(ctx);
	free(completion);
	return c;
}

enum status_code ricmeta_encode_generated(const struct ricmeta *m, struct tokenizer *t,
                                          const char *prompt, const double *z, const int *gen,
                                          size_t n_gen, int eos, struct ricmeta_seq *out,
                                          struct status *st)
{
	enum status_code c = encode_context(m, t, prompt, z, out, st);
	for (size_t i = 0; c == STATUS_OK && i < n_gen; i++) {
		int32_t id = gen[i];
		c = seq_append(out, &id, 1, 1, st);
	}
	if (c == STATUS_OK && eos >= 0 && (n_gen == 0 || gen[n_gen - 1] != eos)) {
		int32_t e = eos;
		c = seq_append(out, &e, 1, 1, st);
	}
	if (c != STATUS_OK)
		ricmeta_seq_free(out);
	return c;
}

void ricmeta_seq_targets(const struct ricmeta_seq *s, int *targets)
{
	for (size_t i = 0; i < s->n; i++)
		targets[i] = i + 1 < s->n && s->mask[i + 1] ? s->ids[i + 1] : -100;
}

size_t ricmeta_response_offset(const char *text, size_t len)
{
	return len > 0 && text[0] == ' ' ? 1 : 0;
}
