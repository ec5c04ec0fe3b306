/* Loading and saving Hugging Face model directories; the family (engine/model.h)
 * names the tensors. */
#include "config.h"

#include "engine/checkpoint.h"

#include "engine/atomicfile.h"
#include "engine/decoder.h"
#include "engine/jsonerr.h"
#include "engine/lora.h"
#include "engine/readfile.h"
#include "engine/safetensors.h"
#include "engine/vmath.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

const char *const checkpoint_tokenizer_files[] = {
	"vocab.json", "merges.txt", "tokenizer.json", "tokenizer_config.json",
	"special_tokens_map.json", NULL
};

static char *checkpoint_join(const char *dir, const char *name)
{
	size_t n = strlen(dir) + strlen(name) + 2;
	char *p = malloc(n);
	if (p)
		snprintf(p, n, "%s/%s", dir, name);
	return p;
}

static int checkpoint_is_file(const char *path)
{
	struct stat sb;
	return stat(path, &sb) == 0 && S_ISREG(sb.st_mode);
}

/* Whether DIR holds a model's config.json (an adapter folder holds none). */
static int checkpoint_is_model(const char *dir)
{
	char *path = checkpoint_join(dir, "config.json");
	int yes = path && checkpoint_is_file(path);
	free(path);
	return yes;
}

/* Something of that name that is not a file: a folder or FIFO named
 * model.safetensors is that, not a missing file (and a FIFO must not be opened). */
static int checkpoint_is_other(const char *path)
{
	struct stat sb;
	return stat(path, &sb) == 0 && !S_ISREG(sb.st_mode);
}

/* ---- reading ----------------------------------------------------------- */

/* The weight files of a folder: model.safetensors, or the shards of an index. */
struct checkpoint_files {
	struct safetensors **f;
	char **names;  /* file names as the index writes them */
	size_t n;
	json_t *map;   /* the index's weight_map, or NULL */
	char *listing; /* model.safetensors or the index: where missing tensors are reported */
};

static void checkpoint_files_close(struct checkpoint_files *cf)
{
	for (size_t i = 0; i < cf->n; i++) {
		safetensors_close(cf->f[i]);
		free(cf->names[i]);
	}
	free(cf->f);
	free(cf->names);
	json_decref(cf->map);
	free(cf->listing);
	memset(cf, 0, sizeof *cf);
}

static enum status_code checkpoint_files_add(struct checkpoint_files *cf, const char *dir,
                                             const char *name, struct status *st)
{
	struct safetensors **f = realloc(cf->f, (cf->n + 1) * sizeof *f);
	if (f)
		cf->f = f;
	char **names = realloc(cf->names, (cf->n + 1) * sizeof *names);
	if (names)
		cf->names = names;
	char *path = checkpoint_join(dir, name), *copy = strdup(name);
	if (!f || !names || !path || !copy) {
		free(path);
		free(copy);
		return status_set(st, STATUS_NOMEM, "%s: out of memory", dir);
	}
	enum status_code rc = safetensors_open(path, &cf->f[cf->n], st);
	free(path);
	if (rc != STATUS_OK) {
		free(copy);
		return rc;
	}
	cf->names[cf->n++] = copy;
	return STATUS_OK;
}

/* A shard name from the index must stay inside the folder. */
static int checkpoint_plain_name(const char *s)
{
	return s[0] && s[0] != '.' && !strchr(s, '/') && !strchr(s, '\\');
}

static enum status_code checkpoint_files_index(struct checkpoint_files *cf, const char *dir,
                                               struct status *st)
{
	const char *idx = cf->listing;
	json_error_t jerr;
	json_t *root = json_load_file(idx, JSON_REJECT_DUPLICATES, &jerr);
	if (!root)
		return jsonerr_set(st, idx, "tensor", &jerr);
	json_t *map = json_is_object(root) ? json_object_get(root, "weight_map") : NULL;
	if (!json_is_object(map)) {
		json_decref(root);
		return status_set(st, STATUS_FORMAT, "%s: no \"weight_map\" object", idx);
	}
	cf->map = json_incref(map);
	json_decref(root);
	const char *key;
	json_t *v;
	json_object_foreach(cf->map, key, v) {
		if (!json_is_string(v) || !checkpoint_plain_name(json_string_value(v)))
			return status_set(st, STATUS_FORMAT,
			                  "%s: tensor '%s': the file it maps to must be a plain file name", idx, key);
		const char *name = json_string_value(v);
		size_t i = 0;
		while (i < cf->n && strcmp(cf->names[i], name) != 0)
			i++;
		if (i == cf->n) {
			enum status_code rc = checkpoint_files_add(cf, dir, name, st);
			if (rc != STATUS_OK)
				return rc;
		}
	}
	if (cf->n == 0)
		return status_set(st, STATUS_FORMAT, "%s: \"weight_map\" is empty", idx);
	return STATUS_OK;
}

static enum status_code checkpoint_files_open(struct checkpoint_files *cf, const char *dir,
                                              struct status *st)
{
	memset(cf, 0, sizeof *cf);
	cf->listing = checkpoint_join(dir, "model.safetensors");
	if (!cf->listing)
		return status_set(st, STATUS_NOMEM, "%s: out of memory", dir);
	if (checkpoint_is_file(cf->listing))
		return checkpoint_files_add(cf, dir, "model.safetensors", st);
	if (checkpoint_is_other(cf->listing))
		return readfile_regular(cf->listing, st);
	free(cf->listing);
	cf->listing = checkpoint_join(dir, "model.safetensors.index.json");
	if (!cf->listing)
		return status_set(st, STATUS_NOMEM, "%s: out of memory", dir);
	if (checkpoint_is_file(cf->listing))
		return checkpoint_files_index(cf, dir, st);
	if (checkpoint_is_other(cf->listing))
		return readfile_regular(cf->listing, st);
	char *bin = checkpoint_join(dir, "pytorch_model.bin");
	int pickle = bin && checkpoint_is_file(bin);
	free(bin);
	if (pickle)
		return status_set(st, STATUS_UNSUPPORTED,
		                  "%s: only pytorch_model.bin (pickle) weights; save the model as safetensors",
		                  dir);
	return status_set(st, STATUS_IO, "%s: no model.safetensors or model.safetensors.index.json", dir);
}

static int checkpoint_float_dtype(enum safetensors_dtype dt)
{
	return dt == ST_F32 || dt == ST_F16 || dt == ST_BF16 || dt == ST_F64;
}

/* "[8, 24]" */
static void checkpoint_shape_str(char *buf, size_t size, int ndim, const int64_t *shape)
{
	size_t at = (size_t)snprintf(buf, size, "[");
	for (int i = 0; i < ndim && at < size; i++)
		at += (size_t)snprintf(buf + at, size - at, "%s%lld", i ? ", " : "", (long long)shape[i]);
	if (at < size)
		snprintf(buf + at, size - at, "]");
}

/* Where each model tensor comes from. */
struct checkpoint_source {
	const struct safetensors_tensor *t;
	const struct safetensors *f;
};

/* Converts elements [from, from + n) of `t` into dst in pieces that stay in
 * cache, checking each piece is finite: one NaN or Inf weight makes every
 * logit NaN, far from the file that held it. The sum of squares in double is
 * finite exactly when every float is (FLT_MAX squared is 1e77), and vmath's
 * is vectorised. */
static enum status_code checkpoint_convert_range(const struct safetensors_tensor *t, size_t from,
                                                 size_t n, float *dst, const char *path,
                                                 struct status *st)
{
	enum { PIECE = 1 << 14 };
	size_t size = safetensors_dtype_size(t->dtype);
	struct safetensors_tensor piece = *t;
	piece.ndim = 1;
	for (size_t at = 0; at < n; at += PIECE) {
		size_t k = n - at < PIECE ? n - at : PIECE;
		piece.shape[0] = (int64_t)k;
		piece.nbytes = k * size;
		piece.data = (const unsigned char *)t->data + (from + at) * size;
		safetensors_to_f32(&piece, dst + at);
		if (isfinite(vmath_sumsq(dst + at, k)))
			continue;
		size_t i = at;
		while (isfinite(dst[i]))
			i++;
		return status_set(st, STATUS_FORMAT, "%s: tensor '%s': element %zu is %s (weights must "
		                  "be finite numbers)", path, t->name, from + i,
		                  isnan(dst[i]) ? "NaN" : "infinite");
	}
	return STATUS_OK;
}

enum status_code checkpoint_tensor_f32(const struct safetensors_tensor *t, float *dst,
                                      const char *path, struct status *st)
{
	return checkpoint_convert_range(t, 0, (size_t)safetensors_numel(t), dst, path, st);
}

/* Checks dtype and shape of `src` against `want`. */
static enum status_code checkpoint_check(const struct model_tensor *want,
                                         const struct checkpoint_source *src, struct status *st)
{
	const struct safetensors_tensor *t = src->t;
	const char *path = safetensors_path(src->f);
	if (!checkpoint_float_dtype(t->dtype))
		return status_set(st, STATUS_FORMAT, "%s: tensor '%s': dtype %s is not a floating-point type",
		                  path, t->name, safetensors_dtype_name(t->dtype));
	int same = t->ndim == want->ndim;
	for (int i = 0; same && i < t->ndim; i++)
		same = t->shape[i] == want->shape[i];
	if (!same) {
		char got[128], need[64];
		checkpoint_shape_str(got, sizeof got, t->ndim, t->shape);
		checkpoint_shape_str(need, sizeof need, want->ndim, want->shape);
		return status_set(st, STATUS_FORMAT, "%s: tensor '%s': shape %s, but config.json needs %s",
		                  path, t->name, got, need);
	}
	return STATUS_OK;
}

/* Checks `src` against `want` and converts it into place. */
static enum status_code checkpoint_copy(const struct model_tensor *want, const struct checkpoint_source *src,
                                        struct status *st)
{
	enum status_code rc = checkpoint_check(want, src, st);
	if (rc != STATUS_OK)
		return rc;
	return checkpoint_convert_range(src->t, 0, (size_t)safetensors_numel(src->t), want->data,
	                                safetensors_path(src->f), st);
}

/* Rows per slice of a matrix of `width` columns read for decoding: about a
 * million values (4 MB of F32), a multiple of MODEL_DECODE_ROWS. */
static size_t checkpoint_slice_rows(size_t width)
{
	size_t rows = ((size_t)1 << 20) / (width ? width : 1) / MODEL_DECODE_ROWS * MODEL_DECODE_ROWS;
	return rows ? rows : MODEL_DECODE_ROWS;
}

/* An lm_head.weight the model does not have is only accepted as a copy of
 * the embedding (the first tensor): the head is tied. Compared slice by
 * slice in the files (as F32 when their dtypes differ), each slice's pages
 * given back, so neither tensor is ever resident whole. */
static enum status_code checkpoint_check_head(const struct model_tensor *emb, const struct checkpoint_source *head,
                                              const struct checkpoint_source *wte, struct status *st)
{
	const struct safetensors_tensor *h = head->t, *w = wte->t;
	const char *path = safetensors_path(head->f);
	size_t rows = (size_t)emb->shape[0], width = (size_t)emb->shape[1];
	if (!checkpoint_float_dtype(h->dtype) || h->ndim != 2 || h->shape[0] != emb->shape[0] ||
	    h->shape[1] != emb->shape[1])
		return status_set(st, STATUS_FORMAT,
		                  "%s: tensor '%s': must be a floating-point [%zu, %zu] copy of %s",
		                  path, h->name, rows, width, emb->name);
	size_t step = checkpoint_slice_rows(width), hs = safetensors_dtype_size(h->dtype),
	       ws = safetensors_dtype_size(w->dtype);
	float *a = NULL, *b = NULL;
	if (h->dtype != w->dtype) {
		a = malloc(step * width * sizeof *a);
		b = malloc(step * width * sizeof *b);
		if (!a || !b) {
			free(a);
			free(b);
			return status_set(st, STATUS_NOMEM, "%s: out of memory", path);
		}
	}
	int equal = 1;
	for (size_t r = 0; equal && r < rows; r += step) {
		size_t k = (rows - r < step ? rows - r : step) * width, at = r * width;
		const unsigned char *hp = (const unsigned char *)h->data + at * hs,
		                    *wp = (const unsigned char *)w->data + at * ws;
		if (!a)
			equal = memcmp(hp, wp, k * hs) == 0;
		else {
			struct safetensors_tensor hh = *h, ww = *w;
			hh.ndim = ww.ndim = 1;
			hh.shape[0] = ww.shape[0] = (int64_t)k;
			hh.nbytes = k * hs;
			ww.nbytes = k * ws;
			hh.data = hp;
			ww.data = wp;
			safetensors_to_f32(&hh, a);
			safetensors_to_f32(&ww, b);
			equal = memcmp(a, b, k * sizeof *a) == 0;
		}
		safetensors_drop_bytes(head->f, h, at * hs, k * hs);
		safetensors_drop_bytes(wte->f, w, at * ws, k * ws);
	}
	free(a);
	free(b);
	if (!equal)
		return status_set(st, STATUS_UNSUPPORTED,
		                  "%s: tensor '%s': differs from %s (config.json ties the output head to it)",
		                  path, h->name, emb->name);
	return STATUS_OK;
}

/* Checks the file a sharded tensor sits in against the index. */
static enum status_code checkpoint_check_shard(const struct checkpoint_files *cf, size_t i,
                                               const char *name, struct status *st)
{
	if (!cf->map)
		return STATUS_OK;
	json_t *v = json_object_get(cf->map, name);
	if (!v)
		return status_set(st, STATUS_FORMAT, "%s: tensor '%s': not listed in %s",
		                  safetensors_path(cf->f[i]), name, cf->listing);
	if (strcmp(json_string_value(v), cf->names[i]) != 0)
		return status_set(st, STATUS_FORMAT, "%s: tensor '%s': %s lists it in %s",
		                  safetensors_path(cf->f[i]), name, cf->listing, json_string_value(v));
	return STATUS_OK;
}

static enum status_code checkpoint_check_index(const struct checkpoint_files *cf, struct status *st)
{
	if (!cf->map)
		return STATUS_OK;
	const char *key;
	json_t *v;
	json_object_foreach(cf->map, key, v) {
		for (size_t i = 0; i < cf->n; i++)
			if (strcmp(cf->names[i], json_string_value(v)) == 0 && !safetensors_find(cf->f[i], key))
				return status_set(st, STATUS_FORMAT, "%s: tensor '%s': not in %s, where the index puts it",
				                  cf->listing, key, json_string_value(v));
	}
	return STATUS_OK;
}

/* A decoding-only load: a vector goes into the parameters (F32, as every
 * path reads it) and on into the decoding weights; a matrix goes from the
 * file straight into BF16 or int8 decoding weights, a slice of rows at a
 * time through one F32 scratch slice, the file's pages of each slice given
 * back once read. So neither an F32 copy of any matrix nor the whole file is
 * ever resident. */
static enum status_code checkpoint_to_decoding(struct decoder_weights *wb, struct model_params *p,
                                               const struct model_tensor *t,
                                               const struct checkpoint_source *src,
                                               struct status *st)
{
	const struct model_family *fam = model_family_of(&p->cfg);
	const struct safetensors_tensor *s = src->t;
	const char *path = safetensors_path(src->f);
	size_t off = (size_t)(t->data - p->mem);
	enum status_code rc = checkpoint_check(t, src, st);
	if (rc == STATUS_OK && t->ndim == 1) {
		size_t n = (size_t)t->shape[0];
		rc = checkpoint_convert_range(s, 0, n, t->data, path, st);
		if (rc == STATUS_OK && (rc = fam->decode_rows(wb, p, off, 0, 1, n, t->data, st)) != STATUS_OK)
			status_prefix(st, "%s: tensor '%s'", path, s->name);
	} else if (rc == STATUS_OK) {
		size_t rows = (size_t)t->shape[0], width = (size_t)t->shape[1];
		size_t step = checkpoint_slice_rows(width), size = safetensors_dtype_size(s->dtype);
		if (step > rows)
			step = rows;
		float *slice = malloc(step * width * sizeof *slice + 1);
		if (!slice)
			rc = status_set(st, STATUS_NOMEM, "%s: cannot allocate %zu values", path, step * width);
		for (size_t r = 0; rc == STATUS_OK && r < rows; r += step) {
			size_t k = rows - r < step ? rows - r : step;
			rc = checkpoint_convert_range(s, r * width, k * width, slice, path, st);
			if (rc == STATUS_OK &&
			    (rc = fam->decode_rows(wb, p, off, r, k, width, slice, st)) != STATUS_OK)
				status_prefix(st, "%s: tensor '%s'", path, s->name);
			safetensors_drop_bytes(src->f, s, r * width * size, k * width * size);
		}
		free(slice);
	}
	safetensors_drop(src->f, s);
	return rc;
}

/* Matches every tensor of the files to the model's, then copies them in (and
 * on into wb when it is not NULL). */
static enum status_code checkpoint_fill(struct model_params *p, const struct checkpoint_files *cf,
                                        struct decoder_weights *wb, struct status *st)
{
	size_t n = model_params_describe(p, NULL);
	struct model_tensor *want = calloc(n, sizeof *want);
	struct checkpoint_source *src = calloc(n, sizeof *src);
	if (!want || !src) {
		free(want);
		free(src);
		return status_set(st, STATUS_NOMEM, "out of memory");
	}
	model_params_describe(p, want);
	const struct model_family *fam = model_family_of(&p->cfg);
	size_t plen = fam->file_prefix ? strlen(fam->file_prefix) : 0;
	struct checkpoint_source head = { NULL, NULL }, unknown = { NULL, NULL };
	size_t n_unknown = 0;
	enum status_code rc = checkpoint_check_index(cf, st);
	for (size_t i = 0; i < cf->n && rc == STATUS_OK; i++) {
		for (size_t k = 0; k < safetensors_count(cf->f[i]) && rc == STATUS_OK; k++) {
			const struct safetensors_tensor *t = safetensors_at(cf->f[i], k);
			rc = checkpoint_check_shard(cf, i, t->name, st);
			if (rc != STATUS_OK)
				break;
			int prefixed = plen && strncmp(t->name, fam->file_prefix, plen) == 0;
			const char *base = prefixed ? t->name + plen : t->name;
			if (fam->file_skip && fam->file_skip(base))
				continue;
			size_t j = 0;
			/* a tensor outside the body (score.weight) is never prefixed */
			while (j < n && (strcmp(want[j].name, base) != 0 ||
			                 (prefixed && !fam->save_prefixed(base))))
				j++;
			if (j == n && !prefixed && strcmp(t->name, "lm_head.weight") == 0) {
				head.t = t;
				head.f = cf->f[i];
				continue;
			}
			if (j == n) {
				if (!n_unknown++) {
					unknown.t = t;
					unknown.f = cf->f[i];
				}
				continue;
			}
			if (src[j].t)
				rc = status_set(st, STATUS_FORMAT, "%s: tensor '%s': given twice (also as '%s' in %s)",
				                safetensors_path(cf->f[i]), t->name, src[j].t->name,
				                safetensors_path(src[j].f));
			src[j].t = t;
			src[j].f = cf->f[i];
		}
	}
	if (rc == STATUS_OK && n_unknown) {
		char hint[96] = "";
		if (strcmp(unknown.t->name, "score.weight") == 0)
			snprintf(hint, sizeof hint, " (config.json does not make it a %s)", fam->reward_arch);
		char more[64] = "";
		if (n_unknown > 1)
			snprintf(more, sizeof more, " (and %zu more unknown tensors)", n_unknown - 1);
		rc = status_set(st, STATUS_FORMAT, "%s: tensor '%s': not part of a %s model of %d layers%s%s",
		                safetensors_path(unknown.f), unknown.t->name, fam->title, p->cfg.n_layer,
		                hint, more);
	}
	size_t missing = 0, first = 0;
	for (size_t j = 0; j < n && rc == STATUS_OK; j++)
		if (!src[j].t && !missing++)
			first = j;
	if (rc == STATUS_OK && missing) {
		char more[64] = "";
		if (missing > 1)
			snprintf(more, sizeof more, " (and %zu more)", missing - 1);
		rc = status_set(st, STATUS_FORMAT, "%s: tensor '%s': missing%s", cf->listing, want[first].name,
		                more);
	}
	for (size_t j = 0; j < n && rc == STATUS_OK; j++) {
		rc = wb ? checkpoint_to_decoding(wb, p, &want[j], &src[j], st)
		        : checkpoint_copy(&want[j], &src[j], st);
		if (rc == STATUS_OK && j == 0 && head.t)
			rc = checkpoint_check_head(&want[0], &head, &src[0], st);
	}
	free(want);
	free(src);
	return rc;
}

enum status_code checkpoint_read_ric(const char *dir, json_t **ric, struct status *st)
{
	*ric = NULL;
	char *path = checkpoint_join(dir, "ric.json");
	if (!path)
		return status_set(st, STATUS_NOMEM, "%s: out of memory", dir);
	enum status_code rc = checkpoint_is_other(path) ? readfile_regular(path, st) : STATUS_OK;
	if (checkpoint_is_file(path)) {
		json_error_t jerr;
		*ric = json_load_file(path, JSON_REJECT_DUPLICATES, &jerr);
		if (!*ric)
			rc = jsonerr_set(st, path, "key", &jerr);
		else if (!json_is_object(*ric)) {
			json_decref(*ric);
			*ric = NULL;
			rc = status_set(st, STATUS_FORMAT, "%s: not a JSON object", path);
		}
	}
	free(path);
	return rc;
}

enum status_code checkpoint_load(const char *dir, struct model_params *p, json_t **ric,
                                 struct status *st)
{
	return checkpoint_load_base(dir, NULL, p, ric, st);
}

/* An adapter folder: its base, with the adapter merged in (inference decodes
 * at the merged model's speed); ric.json from the adapter folder. */
static enum status_code checkpoint_load_adapter(const char *dir, const char *base,
                                                struct model_params *p, json_t **ric,
                                                struct status *st)
{
	char bdir[4096];
	struct lora l;
	enum status_code rc = lora_base_dir(dir, base, bdir, sizeof bdir, st);
	if (rc != STATUS_OK)
		return rc;
	if (lora_is_adapter(bdir) && !checkpoint_is_model(bdir))
		return status_set(st, STATUS_FORMAT, "%s: the base of adapter %s is itself an adapter",
		                  bdir, dir);
	rc = checkpoint_load(bdir, p, NULL, st);
	/* a reward model's adapter over a language model: PEFT's SEQ_CLS task
	 * puts a score head on it, which the adapter saves (modules_to_save) */
	if (rc == STATUS_OK && (rc = lora_read_config(dir, &l, st)) == STATUS_OK &&
	    strcmp(l.task_type, "SEQ_CLS") == 0)
		rc = model_params_as_reward(p, st);
	if (rc == STATUS_OK && (rc = lora_load(dir, p, &l, st)) == STATUS_OK) {
		lora_merge(&l, p);
		lora_free(&l);
	}
	if (rc == STATUS_OK && ric)
		rc = checkpoint_read_ric(dir, ric, st);
	if (rc != STATUS_OK)
		model_params_free(p);
	return rc;
}

enum status_code checkpoint_load_base(const char *dir, const char *base, struct model_params *p,
                                      json_t **ric, struct status *st)
{
	memset(p, 0, sizeof *p);
	if (ric)
		*ric = NULL;
	if (lora_is_adapter(dir) && !checkpoint_is_model(dir))
		return checkpoint_load_adapter(dir, base, p, ric, st);
	if (ric)
		*ric = NULL;
	struct model_config cfg;
	enum status_code rc = checkpoint_config_read(dir, &cfg, st);
	if (rc != STATUS_OK)
		return rc;
	struct checkpoint_files cf;
	rc = checkpoint_files_open(&cf, dir, st);
	if (rc == STATUS_OK)
		rc = model_params_alloc(p, &cfg, st);
	if (rc == STATUS_OK)
		rc = checkpoint_fill(p, &cf, NULL, st);
	checkpoint_files_close(&cf);
	if (rc == STATUS_OK && ric)
		rc = checkpoint_read_ric(dir, ric, st);
	if (rc != STATUS_OK) {
		jsonerr_oneline(st);
		model_params_free(p);
	}
	return rc;
}

/* Whether every matrix of the files is stored in 16 bits (BF16, or F16
 * rounded to BF16 as decoder_weights_init rounds it), so that loading it
 * straight into BF16 loses nothing an F32 copy would keep. (int8 quantizes
 * each matrix from its own values alone: any file goes straight in.) */
static int checkpoint_all_16bit(const struct checkpoint_files *cf)
{
	for (size_t i = 0; i < cf->n; i++)
		for (size_t k = 0; k < safetensors_count(cf->f[i]); k++) {
			const struct safetensors_tensor *t = safetensors_at(cf->f[i], k);
			if (t->ndim > 1 && t->dtype != ST_BF16 && t->dtype != ST_F16)
				return 0;
		}
	return 1;
}

enum status_code checkpoint_load_decoding(const char *dir, struct model_params *p,
                                          struct decoder_weights *wb, int dtype, json_t **ric,
                                          struct status *st)
{
	memset(p, 0, sizeof *p);
	memset(wb, 0, sizeof *wb);
	if (ric)
		*ric = NULL;
	/* an adapter is merged into its F32 base at load: no direct path */
	if (lora_is_adapter(dir) && !checkpoint_is_model(dir)) {
		enum status_code arc = checkpoint_load(dir, p, ric, st);
		if (arc == STATUS_OK &&
		    (arc = decoder_weights_init(wb, p, (enum decoder_dtype)dtype, st)) != STATUS_OK) {
			model_params_free(p);
			if (ric) {
				json_decref(*ric);
				*ric = NULL;
			}
		}
		return arc;
	}
	struct model_config cfg;
	enum status_code rc = checkpoint_config_read(dir, &cfg, st);
	if (rc != STATUS_OK)
		return rc;
	struct checkpoint_files cf;
	rc = checkpoint_files_open(&cf, dir, st);
	const struct model_family *fam = model_family_of(&cfg);
	int direct = rc == STATUS_OK && fam->decode_rows &&
	             (dtype == DECODER_INT8 || (dtype == DECODER_BF16 && checkpoint_all_16bit(&cf)));
	if (rc == STATUS_OK)
		rc = model_params_alloc(p, &cfg, st);
	if (rc == STATUS_OK && direct) {
		wb->dtype = (enum decoder_dtype)dtype;
		rc = fam->decode_begin(wb, p, st);
	}
	if (rc == STATUS_OK)
		rc = checkpoint_fill(p, &cf, direct ? wb : NULL, st);
	checkpoint_files_close(&cf);
	if (rc == STATUS_OK && !direct)
		rc = decoder_weights_init(wb, p, (enum decoder_dtype)dtype, st);
	if (rc == STATUS_OK && ric)
		rc = checkpoint_read_ric(dir, ric, st);
	if (rc != STATUS_OK) {
		jsonerr_oneline(st);
		decoder_weights_free(wb);
		model_params_free(p);
		if (ric) {
			json_decref(*ric);
			*ric = NULL;
		}
	}
	return rc;
}

enum status_code checkpoint_info(const char *dir, struct checkpoint_info *ci, struct status *st)
{
	memset(ci, 0, sizeof *ci);
	enum status_code rc = checkpoint_config_read(dir, &ci->cfg, st);
	if (rc != STATUS_OK)
		return rc;
	ci->params = model_params_count(&ci->cfg);
	struct checkpoint_files cf;
	rc = checkpoint_files_open(&cf, dir, st);
	unsigned seen = 0; /* one bit per safetensors dtype */
	for (size_t i = 0; rc == STATUS_OK && i < cf.n; i++)
		for (size_t k = 0; k < safetensors_count(cf.f[i]); k++) {
			seen |= 1u << safetensors_at(cf.f[i], k)->dtype;
			ci->tensors++;
		}
	ci->files = cf.n;
	checkpoint_files_close(&cf);
	for (unsigned dt = 0; dt < 32; dt++)
		if (seen & (1u << dt)) {
			size_t at = strlen(ci->dtype);
			snprintf(ci->dtype + at, sizeof ci->dtype - at, "%s%s", at ? " + " : "",
			         safetensors_dtype_name((enum safetensors_dtype)dt));
		}
	char *vocab = checkpoint_join(dir, "vocab.json"), *json = checkpoint_join(dir, "tokenizer.json");
	if (!vocab || !json)
		rc = status_set(st, STATUS_NOMEM, "%s: out of memory", dir);
	else if (checkpoint_is_file(json))
		snprintf(ci->tokenizer, sizeof ci->tokenizer, "tokenizer.json");
	else if (checkpoint_is_file(vocab))
		snprintf(ci->tokenizer, sizeof ci->tokenizer, "vocab.json + merges.txt");
	free(vocab);
	free(json);
	return rc;
}

/* ---- writing ----------------------------------------------------------- */

static enum status_code checkpoint_mkdirs(const char *dir, struct status *st)
{
	if (!dir[0])
		return status_set(st, STATUS_INVALID, "the checkpoint folder name is empty");
	char *path = strdup(dir);
	if (!path)
		return status_set(st, STATUS_NOMEM, "%s: out of memory", dir);
	enum status_code rc = STATUS_OK;
	for (char *s = path + 1;; s++) {
		if (*s != '/' && *s != '\0')
			continue;
		char c = *s;
		*s = '\0';
		if (mkdir(path, 0777) != 0 && errno != EEXIST) {
			rc = status_errno(st, STATUS_IO, errno, "%s: cannot create the folder", path);
			break;
		}
		*s = c;
		if (!c)
			break;
	}
	free(path);
	struct stat sb;
	if (rc == STATUS_OK && (stat(dir, &sb) != 0 || !S_ISDIR(sb.st_mode)))
		rc = status_set(st, STATUS_IO, "%s: not a folder", dir);
	return rc;
}

/* `digits`: 9 significant digits hold any float exactly (config.json's values
 * are floats); ric.json carries doubles (mu, sigma) and needs 17. Keys sorted
 * like save_pretrained. */
static enum status_code checkpoint_save_json(const char *dir, const char *name, const json_t *j,
                                             int digits, struct status *st)
{
	char *path = checkpoint_join(dir, name);
	char *text = json_dumps(j, JSON_INDENT(2) | JSON_SORT_KEYS | JSON_REAL_PRECISION(digits));
	char *full = text ? malloc(strlen(text) + 2) : NULL;
	enum status_code rc;
	if (!path || !full)
		rc = status_set(st, STATUS_NOMEM, "%s/%s: out of memory", dir, name);
	else {
		size_t n = (size_t)sprintf(full, "%s\n", text);
		rc = atomicfile_save(path, full, n, st);
	}
	free(full);
	free(text);
	free(path);
	return rc;
}

static enum status_code checkpoint_copy_file(const char *from, const char *to, struct status *st)
{
	struct stat a, b;
	if (stat(from, &a) == 0 && stat(to, &b) == 0 && a.st_dev == b.st_dev && a.st_ino == b.st_ino)
		return STATUS_OK; /* saving into the folder the tokenizer came from */
	FILE *fp = fopen(from, "rb");
	if (!fp)
		return status_errno(st, STATUS_IO, errno, "%s", from);
	char *buf = NULL;
	size_t len = 0, cap = 0;
	enum status_code rc = STATUS_OK;
	for (;;) {
		if (len == cap) {
			cap = cap ? 2 * cap : 1 << 16;
			char *more = realloc(buf, cap);
			if (!more) {
				rc = status_set(st, STATUS_NOMEM, "%s: out of memory", from);
				break;
			}
			buf = more;
		}
		size_t got = fread(buf + len, 1, cap - len, fp);
		len += got;
		if (got == 0)
			break;
	}
	if (rc == STATUS_OK && ferror(fp))
		rc = status_set(st, STATUS_IO, "%s: read error", from);
	fclose(fp);
	if (rc == STATUS_OK)
		rc = atomicfile_save(to, buf, len, st);
	free(buf);
	return rc;
}

static enum status_code checkpoint_copy_tokenizer(const char *src, const char *dir, struct status *st)
{
	int copied = 0;
	enum status_code rc = STATUS_OK;
	for (const char *const *f = checkpoint_tokenizer_files; *f && rc == STATUS_OK; f++) {
		char *from = checkpoint_join(src, *f), *to = checkpoint_join(dir, *f);
		if (!from || !to)
			rc = status_set(st, STATUS_NOMEM, "%s: out of memory", dir);
		else if (checkpoint_is_file(from)) {
			rc = checkpoint_copy_file(from, to, st);
			copied++;
		}
		free(from);
		free(to);
	}
	if (rc == STATUS_OK && !copied)
		rc = status_set(st, STATUS_IO, "%s: no tokenizer files (vocab.json + merges.txt or tokenizer.json)",
		                src);
	return rc;
}

static enum status_code checkpoint_save_weights(const char *dir, const struct model_params *p, int bf16,
                                                struct status *st)
{
	size_t n = model_params_describe(p, NULL);
	struct model_tensor *t = calloc(n, sizeof *t);
	struct safetensors_writer *w = safetensors_writer_new();
	char *path = checkpoint_join(dir, "model.safetensors");
	enum status_code rc = STATUS_OK;
	const struct model_family *fam = model_family_of(&p->cfg);
	if (!t || !w || !path)
		rc = status_set(st, STATUS_NOMEM, "%s: out of memory", dir);
	else
		model_params_describe(p, t);
	for (size_t i = 0; i < n && rc == STATUS_OK; i++) {
		char name[MODEL_NAME_MAX + 32];
		int prefixed = fam->file_prefix && fam->save_prefixed(t[i].name);
		snprintf(name, sizeof name, "%s%s", prefixed ? fam->file_prefix : "", t[i].name);
		rc = safetensors_writer_add_ref(w, name, bf16 ? ST_BF16 : ST_F32, t[i].ndim, t[i].shape,
		                                t[i].data, st);
	}
	if (rc == STATUS_OK) {
		safetensors_writer_meta(w, "format", "pt");
		rc = safetensors_writer_save(w, path, st);
	}
	safetensors_writer_free(w);
	free(path);
	free(t);
	return rc;
}

/* Removes the files of the temporary folder (all of them ours) and the folder. */
static void checkpoint_rmtmp(const char *tmp)
{
	DIR *d = opendir(tmp);
	for (struct dirent *e; d && (e = readdir(d)) != NULL;) {
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		char *f = checkpoint_join(tmp, e->d_name);
		if (f)
			unlink(f);
		free(f);
	}
	if (d)
		closedir(d);
	rmdir(tmp);
}

/* Moves what `tmp` holds into dir: the whole folder when dir is new (or
 * empty), else file by file over the old ones, each rename atomic. */
static enum status_code checkpoint_move_in(const char *tmp, const char *dir, struct status *st)
{
	if (rename(tmp, dir) == 0)
		return STATUS_OK;
	if (errno != ENOTEMPTY && errno != EEXIST)
		return status_errno(st, STATUS_IO, errno, "%s: cannot rename %s to it", dir, tmp);
	DIR *d = opendir(tmp);
	if (!d)
		return status_errno(st, STATUS_IO, errno, "%s", tmp);
	enum status_code rc = STATUS_OK;
	for (struct dirent *e; rc == STATUS_OK && (e = readdir(d)) != NULL;) {
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		char *from = checkpoint_join(tmp, e->d_name), *to = checkpoint_join(dir, e->d_name);
		if (!from || !to)
			rc = status_set(st, STATUS_NOMEM, "%s: out of memory", dir);
		else if (rename(from, to) != 0)
			rc = status_errno(st, STATUS_IO, errno, "%s: cannot move it into place", to);
		free(from);
		free(to);
	}
	closedir(d);
	if (rc == STATUS_OK) {
		/* A leftover index would describe other weights than the ones just written. */
		char *idx = checkpoint_join(dir, "model.safetensors.index.json");
		if (!idx)
			rc = status_set(st, STATUS_NOMEM, "%s: out of memory", dir);
		else if (unlink(idx) != 0 && errno != ENOENT)
			rc = status_errno(st, STATUS_IO, errno, "%s: cannot remove the stale index", idx);
		free(idx);
	}
	return rc;
}

static enum status_code checkpoint_write_all(const char *dir, const struct model_params *p,
                                             const struct checkpoint_save_opts *o,
                                             struct status *st);

/* An adapter saved where a model was (or the other way round): the other
 * kind's files go, so the folder reads as what was just written. */
static enum status_code checkpoint_drop_other(const char *dir, int adapter, struct status *st)
{
	static const char *const model[] = { "config.json", "model.safetensors", NULL };
	static const char *const lora[] = { LORA_CONFIG, LORA_WEIGHTS, NULL };
	for (const char *const *f = adapter ? model : lora; *f; f++) {
		char *path = checkpoint_join(dir, *f);
		if (!path)
			return status_set(st, STATUS_NOMEM, "%s: out of memory", dir);
		int bad = unlink(path) != 0 && errno != ENOENT;
		free(path);
		if (bad)
			return status_errno(st, STATUS_IO, errno, "%s/%s: cannot remove it", dir, *f);
	}
	return STATUS_OK;
}

/* Everything goes into a temporary folder beside dir first, so a full disk or
 * another failure halfway leaves no half-written checkpoint (nor a damaged old one). */
enum status_code checkpoint_save(const char *dir, const struct model_params *p,
                                 const struct checkpoint_save_opts *o, struct status *st)
{
	static const struct checkpoint_save_opts defaults = { 0, NULL, NULL, NULL };
	if (!o)
		o = &defaults;
	if (!dir[0])
		return status_set(st, STATUS_INVALID, "the checkpoint folder name is empty");
	struct stat sb;
	int exists = stat(dir, &sb) == 0;
	if (exists && !S_ISDIR(sb.st_mode))
		return status_set(st, STATUS_IO, "%s: not a folder", dir);
	/* An existing folder (maybe behind a symlink) is written beside where it
	 * really is, so every rename stays on its file system. */
	char *base = exists ? realpath(dir, NULL) : strdup(dir);
	if (!base)
		return status_errno(st, STATUS_IO, errno, "%s", dir);
	size_t len = strlen(base), dlen = strlen(dir);
	while (len > 1 && base[len - 1] == '/')
		base[--len] = '\0';
	while (dlen > 1 && dir[dlen - 1] == '/')
		dlen--;
	size_t cap = len + 48;
	char *tmp = malloc(cap);
	if (!tmp) {
		free(base);
		return status_set(st, STATUS_NOMEM, "%s: out of memory", dir);
	}
	enum status_code rc = STATUS_OK;
	/* the parent folders */
	snprintf(tmp, cap, "%s", base);
	char *slash = strrchr(tmp, '/');
	if (slash && slash != tmp) {
		*slash = '\0';
		rc = checkpoint_mkdirs(tmp, st);
	}
	/* mkdir (not mkdtemp) so the umask sets its mode, as for any folder we make */
	int made = 0;
	for (unsigned k = 0; rc == STATUS_OK && !made && k < 1000; k++) {
		snprintf(tmp, cap, "%s.tmp-%ld-%u", base, (long)getpid(), k);
		if (mkdir(tmp, 0777) == 0)
			made = 1;
		else if (errno != EEXIST)
			rc = status_errno(st, STATUS_IO, errno, "%s: cannot create a temporary folder "
			                  "beside it", dir);
	}
	if (rc == STATUS_OK && !made)
		rc = status_set(st, STATUS_IO, "%s: cannot create a temporary folder beside it", dir);
	if (made) {
		rc = checkpoint_write_all(tmp, p, o, st);
		char *at = rc != STATUS_OK ? strstr(st->msg, tmp) : NULL;
		if (at) { /* name the folder asked for, not the temporary one */
			char msg[STATUS_MSG_MAX];
			int n = snprintf(msg, sizeof msg, "%.*s%.*s", (int)(at - st->msg), st->msg, (int)dlen, dir);
			if (n > 0 && (size_t)n < sizeof msg)
				snprintf(msg + n, sizeof msg - (size_t)n, "%s", at + strlen(tmp));
			memcpy(st->msg, msg, sizeof msg);
		}
		if (rc == STATUS_OK)
			rc = checkpoint_move_in(tmp, base, st);
		if (rc == STATUS_OK)
			rc = checkpoint_drop_other(base, o->lora != NULL, st);
		checkpoint_rmtmp(tmp);
	}
	free(tmp);
	free(base);
	return rc;
}

static enum status_code checkpoint_write_all(const char *dir, const struct model_params *p,
                                             const struct checkpoint_save_opts *o,
                                             struct status *st)
{
	if (o->lora) {
		enum status_code rc = lora_save(o->lora, p, dir, st);
		if (rc == STATUS_OK && o->tokenizer_dir)
			rc = checkpoint_copy_tokenizer(o->tokenizer_dir, dir, st);
		if (rc == STATUS_OK && o->ric)
			rc = checkpoint_save_json(dir, "ric.json", o->ric, 17, st);
		return rc;
	}
	enum status_code rc = checkpoint_save_weights(dir, p, o->bf16, st);
	if (rc == STATUS_OK) {
		json_t *cfg = checkpoint_config_json(&p->cfg, o->bf16 ? "bfloat16" : "float32");
		rc = cfg ? checkpoint_save_json(dir, "config.json", cfg, 9, st)
		         : status_set(st, STATUS_NOMEM, "%s: out of memory", dir);
		json_decref(cfg);
	}
	if (rc == STATUS_OK && o->tokenizer_dir)
		rc = checkpoint_copy_tokenizer(o->tokenizer_dir, dir, st);
	if (rc == STATUS_OK && o->ric)
		rc = checkpoint_save_json(dir, "ric.json", o->ric, 17, st);
	return rc;
}
