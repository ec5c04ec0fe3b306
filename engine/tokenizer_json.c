/* tokenizer_json: reading Hugging Face's tokenizer.json: a BPE model with
 * the normalizers, pre-tokenizers and decoders GPT-2, Llama 2/3, Mistral,
 * Qwen2 and SmolLM use; anything else is refused naming its key. */
#include "config.h"

#include "engine/tokenizer_impl.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <utf8proc.h>

/* Digits: Rust's char::is_numeric is \p{N}. */
#define DIGITS_ONE "\\p{N}"
#define DIGITS_RUN "\\p{N}+"

/* A key path in messages: "pre_tokenizer.pretokenizers[1]". */
struct key {
	char s[256];
};

/* k + "." + field, cut to fit. */
static struct key key_sub(const struct key *k, const char *field)
{
	struct key r = *k;
	size_t o = strlen(r.s);
	if (o && o + 1 < sizeof r.s)
		r.s[o++] = '.';
	size_t n = strlen(field);
	if (n > sizeof r.s - 1 - o)
		n = sizeof r.s - 1 - o;
	memcpy(r.s + o, field, n);
	r.s[o + n] = '\0';
	return r;
}

static struct key key_index(const struct key *k, const char *field, size_t i)
{
	char f[64];
	snprintf(f, sizeof f, "%.40s[%zu]", field, i);
	return key_sub(k, f);
}

static const char *type_of(json_t *node)
{
	return json_string_value(json_object_get(node, "type"));
}

static enum status_code unsupported_type(const char *name, const struct key *k, json_t *node, struct status *st)
{
	const char *type = type_of(node);
	if (!json_is_object(node) || !type)
		return status_set(st, STATUS_FORMAT, "%s: %s has no \"type\"", name, k->s);
	return status_set(st, STATUS_UNSUPPORTED, "%s: %s: type %.60s is not supported", name, k->s, type);
}

/* A boolean option: absent or null gives `dflt`. */
static enum status_code get_bool(json_t *node, const char *field, int dflt, int *out, const char *name,
                                 const struct key *k, struct status *st)
{
	json_t *v = json_object_get(node, field);
	if (!v || json_is_null(v)) {
		*out = dflt;
		return STATUS_OK;
	}
	if (!json_is_boolean(v))
		return status_set(st, STATUS_FORMAT, "%s: %s.%s is not true or false", name, k->s, field);
	*out = json_is_true(v);
	return STATUS_OK;
}

static char *dup_bytes(const char *s, size_t n)
{
	char *d = malloc(n + 1);
	if (d) {
		memcpy(d, s, n);
		d[n] = '\0';
	}
	return d;
}

/* One step of a normalizer, pre_tokenizer or decoder: an object with a
 * "type" other than Sequence; ctx is the kind's own state. */
typedef enum status_code (*step_fn)(struct tokenizer *t, json_t *node, const char *type,
                                    const struct key *k, const char *name, void *ctx,
                                    struct status *st);

/* The steps of node in order: a Sequence's `list` (nested ones too, four
 * deep at most), or node itself; absent or null is none. */
static enum status_code parse_steps(struct tokenizer *t, json_t *node, const char *list,
                                    const struct key *k, const char *name, int depth, step_fn one,
                                    void *ctx, struct status *st)
{
	if (!node || json_is_null(node))
		return STATUS_OK;
	const char *type = type_of(node);
	if (!json_is_object(node) || !type || depth > 4)
		return unsupported_type(name, k, node, st);
	if (strcmp(type, "Sequence") != 0)
		return one(t, node, type, k, name, ctx, st);
	json_t *steps = json_object_get(node, list);
	if (!json_is_array(steps))
		return status_set(st, STATUS_FORMAT, "%s: %s.%s is not an array", name, k->s, list);
	size_t i;
	json_t *n;
	json_array_foreach(steps, i, n) {
		struct key sub = key_index(k, list, i);
		enum status_code rc = parse_steps(t, n, list, &sub, name, depth + 1, one, ctx, st);
		if (rc != STATUS_OK)
			return rc;
	}
	return STATUS_OK;
}

/* ---- normalizer ---- */

static enum status_code add_norm(struct tokenizer *t, const char *from, size_t from_n, const char *to, size_t to_n,
                                 const char *name, const struct key *k, struct status *st)
{
	if (t->n_norm == TOKENIZER_MAX_NORMALIZERS)
		return status_set(st, STATUS_UNSUPPORTED, "%s: %s: more than %d normalizers", name, k->s,
		                  TOKENIZER_MAX_NORMALIZERS);
	struct tokenizer_replace *r = &t->norm[t->n_norm];
	r->from = dup_bytes(from ? from : "", from_n);
	r->to = dup_bytes(to, to_n);
	if (!r->from || !r->to) {
		free(r->from);
		free(r->to);
		return status_set(st, STATUS_NOMEM, "out of memory");
	}
	r->from_len = from_n;
	r->to_len = to_n;
	r->form = 0;
	t->n_norm++;
	return STATUS_OK;
}

static enum status_code parse_normalizer(struct tokenizer *t, json_t *node, const char *type,
                                         const struct key *k, const char *name, void *ctx,
                                         struct status *st)
{
	(void)ctx;
	static const struct {
		const char *name;
		int form;
	} forms[] = {
		{ "NFC", UTF8PROC_STABLE | UTF8PROC_COMPOSE },
		{ "NFD", UTF8PROC_STABLE | UTF8PROC_DECOMPOSE },
		{ "NFKC", UTF8PROC_STABLE | UTF8PROC_COMPOSE | UTF8PROC_COMPAT },
		{ "NFKD", UTF8PROC_STABLE | UTF8PROC_DECOMPOSE | UTF8PROC_COMPAT },
	};
	for (size_t i = 0; i < sizeof forms / sizeof *forms; i++) {
		if (strcmp(type, forms[i].name) != 0)
			continue;
		enum status_code rc = add_norm(t, NULL, 0, "", 0, name, k, st);
		if (rc == STATUS_OK)
			t->norm[t->n_norm - 1].form = forms[i].form;
		return rc;
	}
	if (strcmp(type, "Prepend") == 0) {
		json_t *p = json_object_get(node, "prepend");
		if (!json_is_string(p))
			return status_set(st, STATUS_FORMAT, "%s: %s.prepend is not a string", name, k->s);
		return add_norm(t, NULL, 0, json_string_value(p), json_string_length(p), name, k, st);
	}
	if (strcmp(type, "Replace") == 0) {
		json_t *pat = json_object_get(node, "pattern"), *content = json_object_get(node, "content");
		json_t *from = json_object_get(pat, "String");
		if (json_object_get(pat, "Regex"))
			return status_set(st, STATUS_UNSUPPORTED, "%s: %s.pattern: Regex patterns are not supported", name, k->s);
		if (!json_is_string(from) || json_string_length(from) == 0 || !json_is_string(content))
			return status_set(st, STATUS_FORMAT, "%s: %s needs a pattern.String and a content", name, k->s);
		return add_norm(t, json_string_value(from), json_string_length(from), json_string_value(content),
		                json_string_length(content), name, k, st);
	}
	return unsupported_type(name, k, node, st);
}

/* ---- pre-tokenizer ---- */

static enum status_code add_step(struct tokenizer *t, struct tokenizer_step step, const char *name,
                                 const struct key *k, struct status *st)
{
	if (t->n_steps == TOKENIZER_MAX_STEPS) {
		pretok_free(step.re);
		return status_set(st, STATUS_UNSUPPORTED, "%s: %s: more than %d pre-tokenizer steps", name, k->s,
		                  TOKENIZER_MAX_STEPS);
	}
	t->steps[t->n_steps++] = step;
	return STATUS_OK;
}

static enum status_code add_split(struct tokenizer *t, const char *pat, size_t len, int is_regex,
                                  enum tokenizer_split_behavior behavior, const char *name, const struct key *k,
                                  struct status *st)
{
	struct tokenizer_step step = { .kind = TOKENIZER_STEP_SPLIT, .behavior = behavior };
	if (!pat) {
		if (t->n_steps == TOKENIZER_MAX_STEPS)
			return add_step(t, step, name, k, st); /* says why */
		return tokenizer_gpt2_split(t, st);
	}
	enum status_code rc = pretok_new_regex(pat, len, is_regex, &step.re, st);
	if (rc != STATUS_OK) {
		status_prefix(st, "%s: %s", name, k->s);
		return rc;
	}
	return add_step(t, step, name, k, st);
}

static enum status_code parse_split(struct tokenizer *t, json_t *node, const struct key *k, const char *name,
                                    struct status *st)
{
	json_t *pat = json_object_get(node, "pattern");
	json_t *re = json_object_get(pat, "Regex"), *str = json_object_get(pat, "String");
	if (!json_is_string(re) && !json_is_string(str))
		return status_set(st, STATUS_FORMAT, "%s: %s.pattern is neither a Regex nor a String", name, k->s);
	int invert = 0;
	enum status_code rc = get_bool(node, "invert", 0, &invert, name, k, st);
	if (rc != STATUS_OK)
		return rc;
	if (invert)
		return status_set(st, STATUS_UNSUPPORTED, "%s: %s.invert true is not supported", name, k->s);
	static const struct {
		const char *name;
		enum tokenizer_split_behavior b;
	} behaviors[] = {
		{ "Isolated", TOKENIZER_ISOLATED },
		{ "Removed", TOKENIZER_REMOVED },
		{ "MergedWithPrevious", TOKENIZER_MERGED_PREVIOUS },
		{ "MergedWithNext", TOKENIZER_MERGED_NEXT },
	};
	const char *b = json_string_value(json_object_get(node, "behavior"));
	size_t i = 0;
	while (b && i < sizeof behaviors / sizeof *behaviors && strcmp(b, behaviors[i].name) != 0)
		i++;
	if (!b || i == sizeof behaviors / sizeof *behaviors)
		return status_set(st, STATUS_UNSUPPORTED, "%s: %s.behavior %.40s is not supported", name, k->s,
		                  b ? b : "(missing)");
	json_t *p = re ? re : str;
	struct key pk = key_sub(k, re ? "pattern.Regex" : "pattern.String");
	return add_split(t, json_string_value(p), json_string_length(p), re != NULL, behaviors[i].b, name, &pk, st);
}

/* Metaspace's options, shared by the pre-tokenizer and the decoder. */
static enum status_code metaspace_options(json_t *node, char *repl, size_t *repl_len, enum tokenizer_prepend *prepend,
                                          const char *name, const struct key *k, struct status *st)
{
	json_t *r = json_object_get(node, "replacement");
	if (!json_is_string(r) || json_string_length(r) == 0 || json_string_length(r) > 4 ||
	    strlen(json_string_value(r)) != json_string_length(r))
		return status_set(st, STATUS_FORMAT, "%s: %s.replacement is not one character", name, k->s);
	memcpy(repl, json_string_value(r), json_string_length(r));
	*repl_len = json_string_length(r);
	const char *scheme = json_string_value(json_object_get(node, "prepend_scheme"));
	if (scheme) {
		if (strcmp(scheme, "always") == 0)
			*prepend = TOKENIZER_PREPEND_ALWAYS;
		else if (strcmp(scheme, "first") == 0)
			*prepend = TOKENIZER_PREPEND_FIRST;
		else if (strcmp(scheme, "never") == 0)
			*prepend = TOKENIZER_PREPEND_NEVER;
		else
			return status_set(st, STATUS_UNSUPPORTED, "%s: %s.prepend_scheme %.20s is not supported", name, k->s,
			                  scheme);
		return STATUS_OK;
	}
	/* Older files: add_prefix_space (default true). */
	int add = 0;
	enum status_code rc = get_bool(node, "add_prefix_space", 1, &add, name, k, st);
	*prepend = add ? TOKENIZER_PREPEND_ALWAYS : TOKENIZER_PREPEND_NEVER;
	return rc;
}

/* ctx: int, set once a ByteLevel step was read (nothing may follow it). */
static enum status_code parse_pre(struct tokenizer *t, json_t *node, const char *type,
                                  const struct key *k, const char *name, void *ctx,
                                  struct status *st)
{
	int *bytelevel = ctx;
	if (*bytelevel)
		return status_set(st, STATUS_UNSUPPORTED, "%s: %s: a step after ByteLevel is not supported", name, k->s);
	enum status_code rc;
	if (strcmp(type, "ByteLevel") == 0) {
		int prefix = 0, regex = 0;
		if ((rc = get_bool(node, "add_prefix_space", 0, &prefix, name, k, st)) != STATUS_OK ||
		    (rc = get_bool(node, "use_regex", 1, &regex, name, k, st)) != STATUS_OK)
			return rc;
		*bytelevel = 1;
		if (prefix && (rc = add_step(t, (struct tokenizer_step){ .kind = TOKENIZER_STEP_PREFIX }, name, k, st)) != STATUS_OK)
			return rc;
		return regex ? add_split(t, NULL, 0, 1, TOKENIZER_ISOLATED, name, k, st) : STATUS_OK;
	}
	if (strcmp(type, "Split") == 0)
		return parse_split(t, node, k, name, st);
	if (strcmp(type, "Digits") == 0) {
		int one = 0;
		if ((rc = get_bool(node, "individual_digits", 0, &one, name, k, st)) != STATUS_OK)
			return rc;
		const char *pat = one ? DIGITS_ONE : DIGITS_RUN;
		return add_split(t, pat, strlen(pat), 1, TOKENIZER_ISOLATED, name, k, st);
	}
	if (strcmp(type, "Metaspace") == 0) {
		struct tokenizer_step step = { .kind = TOKENIZER_STEP_METASPACE };
		if ((rc = metaspace_options(node, step.repl, &step.repl_len, &step.prepend, name, k, st)) != STATUS_OK ||
		    (rc = get_bool(node, "split", 1, &step.split, name, k, st)) != STATUS_OK)
			return rc;
		return add_step(t, step, name, k, st);
	}
	return unsupported_type(name, k, node, st);
}

/* ---- decoder ---- */

/* ctx: int `fused`, set once a Fuse came (Strip then strips the text, not each token). */
static enum status_code parse_decoder(struct tokenizer *t, json_t *node, const char *type,
                                      const struct key *k, const char *name, void *ctx,
                                      struct status *st)
{
	int *fused = ctx;
	if (strcmp(type, "ByteLevel") == 0) {
		if (t->kind != TOKENIZER_BYTELEVEL)
			return status_set(st, STATUS_UNSUPPORTED, "%s: %s: ByteLevel without a ByteLevel pre_tokenizer is not supported",
			                  name, k->s);
		return STATUS_OK;
	}
	if (t->kind == TOKENIZER_BYTELEVEL)
		return status_set(st, STATUS_UNSUPPORTED, "%s: %s: type %.40s with a ByteLevel pre_tokenizer is not supported",
		                  name, k->s, type);
	if (strcmp(type, "Replace") == 0) {
		json_t *from = json_object_get(json_object_get(node, "pattern"), "String");
		json_t *to = json_object_get(node, "content");
		if (!json_is_string(from) || !json_is_string(to) || strcmp(json_string_value(from), "\xe2\x96\x81") != 0 ||
		    strcmp(json_string_value(to), " ") != 0)
			return status_set(st, STATUS_UNSUPPORTED, "%s: %s: only Replace of \"\xe2\x96\x81\" by \" \" is supported",
			                  name, k->s);
		t->dec_metaspace = 1;
		return STATUS_OK;
	}
	if (strcmp(type, "ByteFallback") == 0) {
		t->dec_byte_fallback = 1;
		return STATUS_OK;
	}
	if (strcmp(type, "Fuse") == 0) {
		*fused = 1;
		return STATUS_OK;
	}
	if (strcmp(type, "Strip") == 0) {
		json_t *c = json_object_get(node, "content"), *start = json_object_get(node, "start"),
		       *stop = json_object_get(node, "stop");
		if (!json_is_string(c) || strcmp(json_string_value(c), " ") != 0 || !json_is_integer(start) ||
		    json_integer_value(start) < 0 || json_integer_value(start) > 64 ||
		    (stop && json_integer_value(stop) != 0))
			return status_set(st, STATUS_UNSUPPORTED, "%s: %s: only Strip of leading spaces is supported", name, k->s);
		if (!*fused && json_integer_value(start) > 0)
			return status_set(st, STATUS_UNSUPPORTED, "%s: %s: Strip of each token (no Fuse before it) is not supported",
			                  name, k->s);
		t->strip_lead = (unsigned)json_integer_value(start);
		return STATUS_OK;
	}
	if (strcmp(type, "Metaspace") == 0) {
		char repl[8];
		size_t n;
		enum tokenizer_prepend prepend;
		enum status_code rc = metaspace_options(node, repl, &n, &prepend, name, k, st);
		if (rc != STATUS_OK)
			return rc;
		if (n != 3 || memcmp(repl, "\xe2\x96\x81", 3) != 0)
			return status_set(st, STATUS_UNSUPPORTED, "%s: %s.replacement other than \"\xe2\x96\x81\" is not supported",
			                  name, k->s);
		t->dec_metaspace = 1;
		t->strip_lead = prepend != TOKENIZER_PREPEND_NEVER;
		return STATUS_OK;
	}
	return unsupported_type(name, k, node, st);
}

/* ---- model ---- */

/* One merge of tokenizer.json: "a b", or ["a", "b"] (newer tokenizers). */
static enum status_code json_merge(struct tokenizer *t, json_t *m, size_t i, const char *name, struct status *st)
{
	const char *a, *b;
	size_t alen, blen;
	if (json_is_string(m)) {
		const char *s = json_string_value(m);
		size_t n = json_string_length(m);
		const char *sp = memchr(s, ' ', n);
		if (!sp || sp == s || sp == s + n - 1 || memchr(sp + 1, ' ', (size_t)(s + n - sp - 1)))
			return status_set(st, STATUS_FORMAT, "%s: model.merges[%zu]: not two tokens separated by one space",
			                  name, i);
		a = s;
		alen = (size_t)(sp - s);
		b = sp + 1;
		blen = (size_t)(s + n - sp - 1);
	} else if (json_is_array(m) && json_array_size(m) == 2 && json_is_string(json_array_get(m, 0)) &&
	           json_is_string(json_array_get(m, 1))) {
		a = json_string_value(json_array_get(m, 0));
		alen = json_string_length(json_array_get(m, 0));
		b = json_string_value(json_array_get(m, 1));
		blen = json_string_length(json_array_get(m, 1));
	} else {
		return status_set(st, STATUS_FORMAT, "%s: model.merges[%zu]: neither \"a b\" nor [\"a\", \"b\"]", name, i);
	}
	enum status_code rc = tokenizer_add_merge(t, a, alen, b, blen, st);
	if (rc != STATUS_OK)
		status_prefix(st, "%s: model.merges[%zu]", name, i);
	return rc;
}

static enum status_code parse_model(struct tokenizer *t, json_t *model, const char *name, struct status *st)
{
	const struct key k = { "model" };
	enum status_code rc;
	json_t *v = json_object_get(model, "dropout");
	if (v && !json_is_null(v) && !(json_is_number(v) && json_number_value(v) == 0))
		return status_set(st, STATUS_UNSUPPORTED, "%s: model.dropout is not supported", name);
	static const char *const affixes[] = { "continuing_subword_prefix", "end_of_word_suffix" };
	for (size_t i = 0; i < 2; i++) {
		v = json_object_get(model, affixes[i]);
		if (v && !json_is_null(v) && !(json_is_string(v) && json_string_length(v) == 0))
			return status_set(st, STATUS_UNSUPPORTED, "%s: model.%s is not supported", name, affixes[i]);
	}
	if ((rc = get_bool(model, "byte_fallback", 0, &t->byte_fallback, name, &k, st)) != STATUS_OK ||
	    (rc = get_bool(model, "fuse_unk", 0, &t->fuse_unk, name, &k, st)) != STATUS_OK ||
	    (rc = get_bool(model, "ignore_merges", 0, &t->ignore_merges, name, &k, st)) != STATUS_OK)
		return rc;
	char what[4200];
	snprintf(what, sizeof what, "%s: model.vocab", name);
	if ((rc = tokenizer_load_vocab(t, json_object_get(model, "vocab"), what, st)) != STATUS_OK)
		return rc;
	json_t *merges = json_object_get(model, "merges");
	if (!json_is_array(merges))
		return status_set(st, STATUS_FORMAT, "%s: model.merges is not an array", name);
	size_t i;
	json_t *m;
	json_array_foreach(merges, i, m) {
		if ((rc = json_merge(t, m, i, name, st)) != STATUS_OK)
			return rc;
	}
	v = json_object_get(model, "unk_token");
	if (v && !json_is_null(v)) {
		if (!json_is_string(v))
			return status_set(st, STATUS_FORMAT, "%s: model.unk_token is not a string", name);
		int64_t *id = strmap_get(t->vocab, json_string_value(v), json_string_length(v));
		if (!id)
			return status_set(st, STATUS_FORMAT, "%s: model.unk_token '%.40s' is not in model.vocab", name,
			                  json_string_value(v));
		t->unk_id = (int32_t)*id;
	}
	return STATUS_OK;
}

static enum status_code parse_added(struct tokenizer *t, json_t *added, const char *name, struct status *st)
{
	if (!added || json_is_null(added))
		return STATUS_OK;
	if (!json_is_array(added))
		return status_set(st, STATUS_FORMAT, "%s: added_tokens is not an array", name);
	size_t i;
	json_t *m;
	json_array_foreach(added, i, m) {
		json_t *id = json_object_get(m, "id");
		json_t *content = json_object_get(m, "content");
		if (!json_is_integer(id) || json_integer_value(id) < 0 || json_integer_value(id) > TOKENIZER_MAX_ID ||
		    !json_is_string(content))
			return status_set(st, STATUS_FORMAT, "%s: added_tokens[%zu]: needs an id and a content", name, i);
		struct key k = key_index(&(struct key){ "" }, "added_tokens", i);
		int special = 0, lstrip = 0, rstrip = 0;
		enum status_code rc;
		if ((rc = get_bool(m, "special", 0, &special, name, &k, st)) != STATUS_OK ||
		    (rc = get_bool(m, "lstrip", 0, &lstrip, name, &k, st)) != STATUS_OK ||
		    (rc = get_bool(m, "rstrip", 0, &rstrip, name, &k, st)) != STATUS_OK)
			return rc;
		unsigned flags = (special ? 0 : TOKENIZER_ADDED_PLAIN) | (lstrip ? TOKENIZER_ADDED_LSTRIP : 0) |
		                 (rstrip ? TOKENIZER_ADDED_RSTRIP : 0);
		rc = tokenizer_add_special(t, json_string_value(content), json_string_length(content),
		                           (int32_t)json_integer_value(id), flags, st);
		if (rc != STATUS_OK) {
			status_prefix(st, "%s: added_tokens[%zu]", name, i);
			return rc;
		}
	}
	return STATUS_OK;
}

/* A TemplateProcessing post-processor (alone or in a Sequence) whose single
 * template starts with a special token: every text starts with it (BOS). */
static enum status_code parse_post(struct tokenizer *t, json_t *node, const char *name, int depth, struct status *st)
{
	const char *type = type_of(node);
	if (!type || depth > 4)
		return STATUS_OK; /* processors only add ids around a text: others add none we use */
	if (strcmp(type, "Sequence") == 0) {
		size_t i;
		json_t *n;
		json_array_foreach(json_object_get(node, "processors"), i, n) {
			enum status_code rc = parse_post(t, n, name, depth + 1, st);
			if (rc != STATUS_OK)
				return rc;
		}
		return STATUS_OK;
	}
	if (strcmp(type, "TemplateProcessing") != 0)
		return STATUS_OK;
	json_t *first = json_array_get(json_object_get(node, "single"), 0);
	json_t *tok = json_object_get(json_object_get(first, "SpecialToken"), "id");
	if (!json_is_string(tok))
		return STATUS_OK;
	json_t *ids = json_object_get(json_object_get(json_object_get(node, "special_tokens"), json_string_value(tok)), "ids");
	json_t *id = json_array_get(ids, 0);
	int64_t *v = strmap_get(t->vocab, json_string_value(tok), json_string_length(tok));
	if (json_is_integer(id) && json_integer_value(id) >= 0 && (size_t)json_integer_value(id) < t->n_vocab)
		t->bos_id = (int32_t)json_integer_value(id);
	else if (v)
		t->bos_id = (int32_t)*v;
	else
		return status_set(st, STATUS_FORMAT, "%s: post_processor: the special token '%.40s' is not in the vocabulary",
		                  name, json_string_value(tok));
	t->add_bos = 1;
	return STATUS_OK;
}

enum status_code tokenizer_json_parse(struct tokenizer *t, json_t *root, const char *name, struct status *st)
{
	if (!json_is_object(root))
		return status_set(st, STATUS_FORMAT, "%s: not a JSON object", name);
	json_t *model = json_object_get(root, "model");
	if (!json_is_object(model))
		return status_set(st, STATUS_FORMAT, "%s: no \"model\" object", name);
	const char *type = type_of(model);
	if (type && strcmp(type, "BPE") != 0)
		return status_set(st, STATUS_UNSUPPORTED, "%s: model.type %.40s is not supported (only BPE)", name, type);
	int bytelevel = 0;
	enum status_code rc;
	struct key k = { "normalizer" };
	if ((rc = parse_steps(t, json_object_get(root, "normalizer"), "normalizers", &k, name, 0,
	                      parse_normalizer, NULL, st)) != STATUS_OK)
		return rc;
	k = (struct key){ "pre_tokenizer" };
	if ((rc = parse_steps(t, json_object_get(root, "pre_tokenizer"), "pretokenizers", &k, name, 0,
	                      parse_pre, &bytelevel, st)) != STATUS_OK)
		return rc;
	t->kind = bytelevel ? TOKENIZER_BYTELEVEL : TOKENIZER_CHARS;
	k = (struct key){ "decoder" };
	int fused = 0;
	if ((rc = parse_steps(t, json_object_get(root, "decoder"), "decoders", &k, name, 0, parse_decoder,
	                      &fused, st)) != STATUS_OK)
		return rc;
	if ((rc = parse_model(t, model, name, st)) != STATUS_OK)
		return rc;
	if ((rc = parse_added(t, json_object_get(root, "added_tokens"), name, st)) != STATUS_OK)
		return rc;
	if ((rc = parse_post(t, json_object_get(root, "post_processor"), name, 0, st)) != STATUS_OK)
		return rc;
	t->kind_name = bytelevel ? "byte-level BPE (tokenizer.json)"
	             : t->byte_fallback ? "SentencePiece BPE with byte fallback (tokenizer.json)"
	                                : "SentencePiece BPE (tokenizer.json)";
	rc = tokenizer_finish(t, st);
	if (rc != STATUS_OK)
		status_prefix(st, "%s", name);
	return rc;
}
