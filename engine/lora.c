#include "config.h"

#include "engine/lora.h"
#include "engine/jsonerr.h"
#include "engine/kernels.h"
#include "engine/safetensors.h"

#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define LORA_MAX_TARGETS 32

/* What adapter_config.json asks for, beyond what struct lora keeps. */
struct lora_targets {
	int all_linear;
	size_t n;
	char name[LORA_MAX_TARGETS][MODEL_NAME_MAX];
};

int lora_is_adapter(const char *dir)
{
	char path[4352];
	struct stat sb;
	snprintf(path, sizeof path, "%s/%s", dir, LORA_CONFIG);
	return stat(path, &sb) == 0 && S_ISREG(sb.st_mode);
}

static enum status_code lora_parse(const char *dir, struct lora *l, struct lora_targets *tg,
                                   struct status *st)
{
	char path[4352];
	snprintf(path, sizeof path, "%s/%s", dir, LORA_CONFIG);
	memset(l, 0, sizeof *l);
	if (tg)
		memset(tg, 0, sizeof *tg);
	json_error_t e;
	json_t *root = json_load_file(path, JSON_REJECT_DUPLICATES, &e);
	if (!root)
		return jsonerr_set(st, path, "key", &e);
	enum status_code rc = STATUS_OK;
	json_t *v = json_object_get(root, "peft_type");
	if (!json_is_string(v) || strcmp(json_string_value(v), "LORA") != 0) {
		rc = status_set(st, STATUS_FORMAT, "%s: key 'peft_type' = %s%s%s: only LORA adapters are supported",
		                path, json_is_string(v) ? "\"" : "",
		                json_is_string(v) ? json_string_value(v) : "(missing)",
		                json_is_string(v) ? "\"" : "");
		goto out;
	}
	v = json_object_get(root, "r");
	if (!json_is_integer(v) || json_integer_value(v) < 1 || json_integer_value(v) > 65536) {
		rc = status_set(st, STATUS_FORMAT, "%s: key 'r': the rank must be an integer of at least 1",
		                path);
		goto out;
	}
	l->r = (int)json_integer_value(v);
	v = json_object_get(root, "lora_alpha");
	l->alpha = json_is_number(v) ? json_number_value(v) : 8.0; /* PEFT's default */
	if (v && !json_is_number(v)) {
		rc = status_set(st, STATUS_FORMAT, "%s: key 'lora_alpha' is not a number", path);
		goto out;
	}
	v = json_object_get(root, "lora_dropout");
	l->dropout = json_is_number(v) ? json_number_value(v) : 0.0;
	if (l->dropout < 0 || l->dropout >= 1) {
		rc = status_set(st, STATUS_FORMAT, "%s: key 'lora_dropout' = %g is outside [0, 1)", path,
		                l->dropout);
		goto out;
	}
	l->fan_in_fan_out = json_is_true(json_object_get(root, "fan_in_fan_out"));
	l->rslora = json_is_true(json_object_get(root, "use_rslora"));
	l->scale = (float)(l->rslora ? l->alpha / sqrt((double)l->r) : l->alpha / l->r);
	v = json_object_get(root, "bias");
	if (json_is_string(v) && strcmp(json_string_value(v), "none") != 0) {
		rc = status_set(st, STATUS_FORMAT, "%s: key 'bias' = \"%s\": only \"none\" is supported",
		                path, json_string_value(v));
		goto out;
	}
	/* variants that compute something else than W + s B A: refused, not misread */
	static const char *const unsupported[] = { "use_dora", "lora_bias", NULL };
	for (int i = 0; unsupported[i]; i++)
		if (json_is_true(json_object_get(root, unsupported[i]))) {
			rc = status_set(st, STATUS_UNSUPPORTED, "%s: key '%s' = true is not supported", path,
			                unsupported[i]);
			goto out;
		}
	static const char *const patterns[] = { "rank_pattern", "alpha_pattern", NULL };
	for (int i = 0; patterns[i]; i++) {
		json_t *pv = json_object_get(root, patterns[i]);
		if (json_is_object(pv) && json_object_size(pv) > 0) {
			rc = status_set(st, STATUS_UNSUPPORTED,
			                "%s: key '%s': per-module ranks and alphas are not supported", path,
			                patterns[i]);
			goto out;
		}
	}
	v = json_object_get(root, "base_model_name_or_path");
	if (json_is_string(v))
		snprintf(l->base_path, sizeof l->base_path, "%s", json_string_value(v));
	v = json_object_get(root, "task_type");
	if (json_is_string(v))
		snprintf(l->task_type, sizeof l->task_type, "%s", json_string_value(v));
	v = json_object_get(root, "target_modules");
	if (tg && json_is_string(v)) {
		if (strcmp(json_string_value(v), "all-linear") == 0)
			tg->all_linear = 1;
		else
			snprintf(tg->name[tg->n++], MODEL_NAME_MAX, "%s", json_string_value(v));
	} else if (tg && json_is_array(v) && json_array_size(v) > 0 &&
	           json_array_size(v) <= LORA_MAX_TARGETS) {
		size_t i;
		json_t *x;
		json_array_foreach(v, i, x) {
			if (!json_is_string(x)) {
				rc = status_set(st, STATUS_FORMAT, "%s: key 'target_modules': entry %zu is not a string",
				                path, i);
				goto out;
			}
			snprintf(tg->name[tg->n++], MODEL_NAME_MAX, "%s", json_string_value(x));
		}
	} else if (tg) {
		rc = status_set(st, STATUS_FORMAT,
		                "%s: key 'target_modules': expected \"all-linear\" or a list of 1 to %d module names",
		                path, LORA_MAX_TARGETS);
		goto out;
	}
out:
	json_decref(root);
	return rc;
}

enum status_code lora_read_config(const char *dir, struct lora *l, struct status *st)
{
	return lora_parse(dir, l, NULL, st);
}

static int lora_is_model_dir(const char *dir)
{
	char path[4352];
	struct stat sb;
	snprintf(path, sizeof path, "%s/config.json", dir);
	return stat(path, &sb) == 0 && S_ISREG(sb.st_mode);
}

enum status_code lora_base_dir(const char *dir, const char *override, char *out, size_t n,
                               struct status *st)
{
	if (override) {
		snprintf(out, n, "%s", override);
		return STATUS_OK;
	}
	struct lora l;
	enum status_code rc = lora_parse(dir, &l, NULL, st);
	if (rc != STATUS_OK)
		return rc;
	if (l.base_path[0] && lora_is_model_dir(l.base_path)) {
		snprintf(out, n, "%s", l.base_path);
		return STATUS_OK;
	}
	if (l.base_path[0] && l.base_path[0] != '/') {
		snprintf(out, n, "%s/%s", dir, l.base_path);
		if (lora_is_model_dir(out))
			return STATUS_OK;
	}
	return status_set(st, STATUS_IO,
	                  "%s/%s: key 'base_model_name_or_path' = \"%s\" is not a model folder here; "
	                  "give the base with --base DIR", dir, LORA_CONFIG, l.base_path);
}

/* The module path of a weight name ("h.0.attn.c_attn.weight" -> "h.0.attn.c_attn") and its
 * last component; 0 when the tensor is not a linear layer an adapter can wrap. */
static int lora_linear(const struct model_tensor *t, char *module, size_t n, const char **leaf)
{
	size_t len = strlen(t->name);
	if (t->ndim != 2 || len < 8 || strcmp(t->name + len - 7, ".weight") != 0)
		return 0;
	snprintf(module, n, "%.*s", (int)(len - 7), t->name);
	const char *dot = strrchr(module, '.');
	*leaf = dot ? dot + 1 : module;
	/* embeddings and output heads are not PEFT's linear targets */
	static const char *const skip[] = { "wte", "wpe", "embed_tokens", "lm_head", "score", NULL };
	for (int i = 0; skip[i]; i++)
		if (strcmp(*leaf, skip[i]) == 0)
			return 0;
	return 1;
}

static int lora_targeted(const struct lora_targets *tg, const char *module, const char *leaf)
{
	if (tg->all_linear)
		return 1;
	for (size_t i = 0; i < tg->n; i++) {
		size_t a = strlen(module), b = strlen(tg->name[i]);
		if (strcmp(tg->name[i], leaf) == 0 || strcmp(tg->name[i], module) == 0 ||
		    (a > b && module[a - b - 1] == '.' && strcmp(module + a - b, tg->name[i]) == 0))
			return 1;
	}
	return 0;
}

/* Lays the targeted modules of base out in l (A and B zero). */
static enum status_code lora_layout(struct lora *l, const struct lora_targets *tg,
                                    const struct model_params *base, const char *cfgpath,
                                    struct status *st)
{
	const struct model_family *fam = model_family_of(&base->cfg);
	size_t nt = model_params_describe(base, NULL);
	struct model_tensor *t = calloc(nt, sizeof *t);
	if (!t)
		return status_set(st, STATUS_NOMEM, "out of memory");
	model_params_describe(base, t);
	enum status_code rc = STATUS_OK;
	char module[MODEL_NAME_MAX], leaves[256] = "";
	const char *leaf;
	/* every target names a linear layer of this base */
	for (size_t k = 0; k < tg->n && rc == STATUS_OK; k++) {
		int found = 0;
		struct lora_targets one = { 0 };
		one.n = 1;
		memcpy(one.name[0], tg->name[k], MODEL_NAME_MAX);
		for (size_t i = 0; i < nt; i++)
			if (lora_linear(&t[i], module, sizeof module, &leaf)) {
				found |= lora_targeted(&one, module, leaf);
				if (!strstr(leaves, leaf) && strlen(leaves) + strlen(leaf) + 3 < sizeof leaves)
					snprintf(leaves + strlen(leaves), sizeof leaves - strlen(leaves), "%s%s",
					         leaves[0] ? ", " : "", leaf);
			}
		if (!found)
			rc = status_set(st, STATUS_FORMAT,
			                "%s: key 'target_modules': '%s' is not a linear layer of this %s model (%s)",
			                cfgpath, tg->name[k], fam->title, leaves);
	}
	size_t count = 0;
	for (size_t i = 0; rc == STATUS_OK && i < nt; i++)
		if (lora_linear(&t[i], module, sizeof module, &leaf) && lora_targeted(tg, module, leaf)) {
			l->n++;
			count += (size_t)l->r * (size_t)(t[i].shape[0] + t[i].shape[1]);
		}
	if (rc == STATUS_OK && l->n == 0)
		rc = status_set(st, STATUS_FORMAT, "%s: key 'target_modules': no layer to adapt", cfgpath);
	if (rc == STATUS_OK) {
		l->m = calloc(l->n, sizeof *l->m);
		l->mem = calloc(count ? count : 1, sizeof *l->mem);
		l->count = count;
		if (!l->m || !l->mem)
			rc = status_set(st, STATUS_NOMEM, "out of memory");
	}
	float *at = l->mem;
	size_t j = 0;
	for (size_t i = 0; rc == STATUS_OK && i < nt; i++) {
		if (!lora_linear(&t[i], module, sizeof module, &leaf) || !lora_targeted(tg, module, leaf))
			continue;
		struct lora_module *m = &l->m[j++];
		int pre = fam->file_prefix && fam->save_prefixed && fam->save_prefixed(t[i].name);
		snprintf(m->name, sizeof m->name, "%s%s", pre ? fam->file_prefix : "", module);
		snprintf(m->base, sizeof m->base, "%s", t[i].name);
		m->in = (size_t)(fam->conv1d ? t[i].shape[0] : t[i].shape[1]);
		m->out = (size_t)(fam->conv1d ? t[i].shape[1] : t[i].shape[0]);
		m->A = at;
		at += (size_t)l->r * m->in;
		m->B = at;
		at += m->out * (size_t)l->r;
	}
	free(t);
	return rc;
}

/* The module whose PEFT tensor is `name` ("base_model.model.<module>.lora_A.weight"), with
 * *isB set; the family's file prefix is optional as in checkpoints. */
static struct lora_module *lora_module_of(struct lora *l, const struct model_family *fam,
                                          const char *name, int *isB)
{
	size_t plen = strlen(LORA_PREFIX), len = strlen(name);
	static const char sa[] = ".lora_A.weight", sb[] = ".lora_B.weight";
	size_t slen = sizeof sa - 1;
	if (len <= plen + slen || strncmp(name, LORA_PREFIX, plen) != 0)
		return NULL;
	if (strcmp(name + len - slen, sa) == 0)
		*isB = 0;
	else if (strcmp(name + len - slen, sb) == 0)
		*isB = 1;
	else
		return NULL;
	const char *mod = name + plen;
	size_t mlen = len - plen - slen;
	size_t fp = fam->file_prefix ? strlen(fam->file_prefix) : 0;
	for (size_t i = 0; i < l->n; i++) {
		const char *want = l->m[i].name;
		if (fp && strncmp(want, fam->file_prefix, fp) == 0 &&
		    !(mlen >= fp && strncmp(mod, fam->file_prefix, fp) == 0))
			want += fp;
		if (strlen(want) == mlen && strncmp(want, mod, mlen) == 0)
			return &l->m[i];
	}
	return NULL;
}

/* 1: a modules_to_save tensor, 2: its original_module copy, 0: neither. */
static int lora_whole(const char *name)
{
	if (strstr(name, ".modules_to_save."))
		return 1;
	return strstr(name, ".original_module.") ? 2 : 0;
}

static enum status_code lora_add_saved(struct lora *l, const struct model_params *base,
                                       const struct model_family *fam,
                                       const struct safetensors_tensor *t, const char *path,
                                       struct status *st)
{
	/* base_model.model.[transformer.]score.modules_to_save.weight -> score.weight */
	char name[MODEL_NAME_MAX];
	const char *s = t->name;
	size_t plen = strlen(LORA_PREFIX);
	if (strncmp(s, LORA_PREFIX, plen) == 0)
		s += plen;
	if (fam->file_prefix && strncmp(s, fam->file_prefix, strlen(fam->file_prefix)) == 0)
		s += strlen(fam->file_prefix);
	const char *cut = strstr(s, ".modules_to_save.");
	snprintf(name, sizeof name, "%.*s.%s", (int)(cut - s), s, cut + strlen(".modules_to_save."));
	size_t numel = 0;
	float *dst = model_params_find(base, name, &numel);
	if (!dst)
		return status_set(st, STATUS_FORMAT, "%s: tensor '%s': the base has no %s", path, t->name,
		                  name);
	if ((size_t)safetensors_numel(t) != numel)
		return status_set(st, STATUS_FORMAT, "%s: tensor '%s': %lld values, but the base's %s has %zu",
		                  path, t->name, (long long)safetensors_numel(t), name, numel);
	struct lora_saved *grown = realloc(l->saved, (l->n_saved + 1) * sizeof *grown);
	if (!grown)
		return status_set(st, STATUS_NOMEM, "out of memory");
	l->saved = grown;
	struct lora_saved *sv = &l->saved[l->n_saved];
	memset(sv, 0, sizeof *sv);
	snprintf(sv->base, sizeof sv->base, "%s", name);
	sv->numel = numel;
	if (!(sv->data = malloc(numel * sizeof *sv->data)))
		return status_set(st, STATUS_NOMEM, "out of memory");
	l->n_saved++;
	if (safetensors_to_f32(t, sv->data) != 0)
		return status_set(st, STATUS_FORMAT, "%s: tensor '%s': dtype %s is not supported", path,
		                  t->name, safetensors_dtype_name(t->dtype));
	return STATUS_OK;
}

enum status_code lora_load(const char *dir, const struct model_params *base, struct lora *l,
                           struct status *st)
{
	struct lora_targets tg;
	char cfgpath[4352], path[4352];
	snprintf(cfgpath, sizeof cfgpath, "%s/%s", dir, LORA_CONFIG);
	snprintf(path, sizeof path, "%s/%s", dir, LORA_WEIGHTS);
	enum status_code rc = lora_parse(dir, l, &tg, st);
	if (rc == STATUS_OK)
		rc = lora_layout(l, &tg, base, cfgpath, st);
	struct safetensors *f = NULL;
	if (rc == STATUS_OK)
		rc = safetensors_open(path, &f, st);
	const struct model_family *fam = model_family_of(&base->cfg);
	unsigned char *seen = rc == STATUS_OK ? calloc(2 * l->n + 1, 1) : NULL;
	if (rc == STATUS_OK && !seen)
		rc = status_set(st, STATUS_NOMEM, "out of memory");
	for (size_t i = 0; rc == STATUS_OK && i < safetensors_count(f); i++) {
		const struct safetensors_tensor *t = safetensors_at(f, i);
		int isB = 0, kind = lora_whole(t->name);
		if (kind == 2) /* the base's own copy, kept beside modules_to_save */
			continue;
		if (kind == 1) {
			rc = lora_add_saved(l, base, fam, t, path, st);
			continue;
		}
		struct lora_module *m = lora_module_of(l, fam, t->name, &isB);
		if (!m) {
			rc = status_set(st, STATUS_FORMAT,
			                "%s: tensor '%s' is not the lora_A or lora_B of a layer in "
			                "target_modules of this %s base", path, t->name, fam->title);
			break;
		}
		int64_t w0 = isB ? (int64_t)m->out : l->r, w1 = isB ? l->r : (int64_t)m->in;
		if (t->ndim != 2 || t->shape[0] != w0 || t->shape[1] != w1) {
			rc = status_set(st, STATUS_FORMAT,
			                "%s: tensor '%s': shape [%lld, %lld], but r = %d and the base's %s "
			                "need [%lld, %lld]", path, t->name, t->ndim > 0 ? (long long)t->shape[0] : 0LL,
			                t->ndim > 1 ? (long long)t->shape[1] : 0LL, l->r, m->base,
			                (long long)w0, (long long)w1);
			break;
		}
		if (safetensors_to_f32(t, isB ? m->B : m->A) != 0) {
			rc = status_set(st, STATUS_FORMAT, "%s: tensor '%s': dtype %s is not supported", path,
			                t->name, safetensors_dtype_name(t->dtype));
			break;
		}
		seen[2 * (size_t)(m - l->m) + (size_t)isB] = 1;
	}
	for (size_t i = 0; rc == STATUS_OK && i < l->n; i++)
		if (seen[2 * i] != seen[2 * i + 1])
			rc = status_set(st, STATUS_FORMAT, "%s: tensor '%s%s.lora_%c.weight' is missing", path,
			                LORA_PREFIX, l->m[i].name, seen[2 * i] ? 'B' : 'A');
	free(seen);
	if (f)
		safetensors_close(f);
	if (rc != STATUS_OK) {
		jsonerr_oneline(st);
		lora_free(l);
	}
	return rc;
}

void lora_merge(const struct lora *l, struct model_params *base)
{
	for (size_t i = 0; i < l->n_saved; i++) {
		float *W = model_params_find(base, l->saved[i].base, NULL);
		if (W)
			memcpy(W, l->saved[i].data, l->saved[i].numel * sizeof *W);
	}
	const int conv = model_family_of(&base->cfg)->conv1d;
	const size_t r = (size_t)l->r;
	for (size_t i = 0; i < l->n; i++) {
		const struct lora_module *m = &l->m[i];
		float *W = model_params_find(base, m->base, NULL);
		if (!W)
			continue;
		if (conv) /* W [in, out] += s A^T B^T */
			gemm(m->in, m->out, r, l->scale, m->A, 1, m->in, m->B, 1, r, 1, W, m->out, 1);
		else      /* W [out, in] += s B A */
			gemm(m->out, m->in, r, l->scale, m->B, r, 1, m->A, m->in, 1, 1, W, m->in, 1);
	}
}

void lora_grads_from_full(const struct lora *l, const struct model_params *gfull, float *out)
{
	const int conv = model_family_of(&gfull->cfg)->conv1d;
	const size_t r = (size_t)l->r;
	for (size_t i = 0; i < l->n; i++) {
		const struct lora_module *m = &l->m[i];
		const float *dW = model_params_find(gfull, m->base, NULL);
		float *dA = out + (m->A - l->mem), *dB = out + (m->B - l->mem);
		/* dW as [out, in]: strides of the stored layout */
		size_t rs = conv ? 1 : m->in, cs = conv ? m->out : 1;
		if (!dW)
			continue;
		gemm(m->out, r, m->in, l->scale, dW, rs, cs, m->A, 1, m->in, 0, dB, r, 1);
		gemm(r, m->in, m->out, l->scale, m->B, 1, r, dW, rs, cs, 0, dA, m->in, 1);
	}
}

void lora_free(struct lora *l)
{
	for (size_t i = 0; i < l->n_saved; i++)
		free(l->saved[i].data);
	free(l->saved);
	l->saved = NULL;
	l->n_saved = 0;
	free(l->m);
	free(l->mem);
	l->m = NULL;
	l->mem = NULL;
	l->n = l->count = 0;
}
