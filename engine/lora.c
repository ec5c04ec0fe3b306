#include "config.h"

#include "engine/lora.h"
#include "engine/jsonerr.h"
#include "engine/kernels.h"
#include "engine/optim.h"
#include "engine/rng.h"
#include "engine/atomicfile.h"
#include "engine/safetensors.h"

#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>


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
	v = json_object_get(root, "modules_to_save");
	if (json_is_array(v)) {
		size_t i;
		json_t *x;
		json_array_foreach(v, i, x)
			if (json_is_string(x) && l->keep.n < LORA_MAX_TARGETS)
				snprintf(l->keep.name[l->keep.n++], MODEL_NAME_MAX, "%s", json_string_value(x));
	}
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
                                    const struct model_params *base, const char *where,
                                    size_t extra, struct status *st)
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
			                "%s: '%s' is not a linear layer of this %s model (%s)",
			                where, tg->name[k], fam->title, leaves);
	}
	size_t count = 0;
	for (size_t i = 0; rc == STATUS_OK && i < nt; i++)
		if (lora_linear(&t[i], module, sizeof module, &leaf) && lora_targeted(tg, module, leaf)) {
			l->n++;
			count += (size_t)l->r * (size_t)(t[i].shape[0] + t[i].shape[1]);
		}
	if (rc == STATUS_OK && l->n == 0)
		rc = status_set(st, STATUS_FORMAT, "%s: no layer to adapt", where);
	if (rc == STATUS_OK) {
		/* extra: room after the modules for a trained reward head */
		l->m = calloc(l->n, sizeof *l->m);
		l->mem = calloc(count + extra ? count + extra : 1, sizeof *l->mem);
		l->count = count + extra;
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
	/* PEFT's save_pretrained drops "modules_to_save." (base_model.model.score.weight) */
	const char *cut = strstr(s, ".modules_to_save.");
	if (cut)
		snprintf(name, sizeof name, "%.*s.%s", (int)(cut - s), s, cut + strlen(".modules_to_save."));
	else
		snprintf(name, sizeof name, "%s", s);
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

/* Whether `name` is a whole tensor of a module in modules_to_save, as
 * save_pretrained names it ("base_model.model.score.weight"). */
static int lora_kept(const struct lora *l, const struct model_family *fam, const char *name)
{
	size_t plen = strlen(LORA_PREFIX);
	if (strncmp(name, LORA_PREFIX, plen) != 0 || strstr(name, ".lora_"))
		return 0;
	char module[MODEL_NAME_MAX + 16];
	const char *s = name + plen;
	if (fam->file_prefix && strncmp(s, fam->file_prefix, strlen(fam->file_prefix)) == 0)
		s += strlen(fam->file_prefix);
	snprintf(module, sizeof module, "%s", s);
	char *dot = strrchr(module, '.'); /* .weight, .bias */
	if (!dot)
		return 0;
	*dot = '\0';
	const char *leafdot = strrchr(module, '.');
	const char *leaf = leafdot ? leafdot + 1 : module;
	return lora_targeted(&l->keep, module, leaf);
}

enum status_code lora_load(const char *dir, const struct model_params *base, struct lora *l,
                           struct status *st)
{
	struct lora_targets tg;
	char cfgpath[4352], path[4352], where[4400];
	snprintf(cfgpath, sizeof cfgpath, "%s/%s", dir, LORA_CONFIG);
	snprintf(where, sizeof where, "%s: key 'target_modules'", cfgpath);
	snprintf(path, sizeof path, "%s/%s", dir, LORA_WEIGHTS);
	enum status_code rc = lora_parse(dir, l, &tg, st);
	if (rc == STATUS_OK)
		rc = lora_layout(l, &tg, base, where, 0, st);
	if (rc == STATUS_OK)
		l->tg = tg;
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
		if (!m && lora_kept(l, fam, t->name)) {
			rc = lora_add_saved(l, base, fam, t, path, st); /* a whole tensor (modules_to_save) */
			continue;
		}
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

void lora_apply_saved(const struct lora *l, struct model_params *base)
{
	for (size_t i = 0; i < l->n_saved; i++) {
		float *W = model_params_find(base, l->saved[i].base, NULL);
		if (W)
			memcpy(W, l->saved[i].data, l->saved[i].numel * sizeof *W);
	}
}

void lora_merge(const struct lora *l, struct model_params *base)
{
	lora_apply_saved(l, base);
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
		if (!l->saved[i].in_mem)
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

/* ---- training ------------------------------------------------------------ */

/* "q_proj,v_proj" or "all-linear" into tg; 0 when a name is empty or too many. */
static int lora_targets_parse(const char *s, struct lora_targets *tg)
{
	memset(tg, 0, sizeof *tg);
	if (strcmp(s, "all-linear") == 0) {
		tg->all_linear = 1;
		return 1;
	}
	const char *p = s;
	for (;;) {
		size_t len = strcspn(p, ",");
		if (len == 0 || len >= MODEL_NAME_MAX || tg->n == LORA_MAX_TARGETS)
			return 0;
		snprintf(tg->name[tg->n++], MODEL_NAME_MAX, "%.*s", (int)len, p);
		if (!p[len])
			return 1;
		p += len + 1;
	}
}

/* The base's reward head as a trained tensor at the end of l->mem. */
static enum status_code lora_train_score(struct lora *l, const struct model_params *base,
                                         const float *init, size_t at, struct status *st)
{
	size_t numel = 0;
	float *w = model_params_find(base, "score.weight", &numel);
	if (!w)
		return status_set(st, STATUS_INVALID, "the base has no score.weight to train");
	struct lora_saved *grown = realloc(l->saved, (l->n_saved + 1) * sizeof *grown);
	if (!grown)
		return status_set(st, STATUS_NOMEM, "out of memory");
	l->saved = grown;
	struct lora_saved *sv = &l->saved[l->n_saved++];
	memset(sv, 0, sizeof *sv);
	snprintf(sv->base, sizeof sv->base, "score.weight");
	sv->numel = numel;
	sv->data = l->mem + at;
	sv->in_mem = 1;
	memcpy(sv->data, init ? init : w, numel * sizeof *sv->data);
	return STATUS_OK;
}

static size_t lora_score_numel(const struct model_params *base)
{
	size_t numel = 0;
	return model_params_find(base, "score.weight", &numel) ? numel : 0;
}

enum status_code lora_create(struct lora *l, const struct model_params *base,
                             const struct lora_spec *spec, struct status *st)
{
	memset(l, 0, sizeof *l);
	/* the image family's passes do not call engine/lora_run */
	if (model_is_image(&base->cfg))
		return status_set(st, STATUS_UNSUPPORTED, "--lora-rank: LoRA training is for the text "
		                  "families (%s); this is an image model", "gpt2, llama, mistral, qwen2");
	if (spec->r < 1 || spec->r > 65536)
		return status_set(st, STATUS_INVALID, "--lora-rank %d: the rank must be 1 to 65536",
		                  spec->r);
	if (!(spec->alpha > 0) || !isfinite(spec->alpha))
		return status_set(st, STATUS_INVALID, "--lora-alpha %g: the scale must be above 0",
		                  spec->alpha);
	if (!(spec->dropout >= 0 && spec->dropout < 1))
		return status_set(st, STATUS_INVALID, "--lora-dropout %g: outside [0, 1)", spec->dropout);
	if (!spec->targets || !lora_targets_parse(spec->targets, &l->tg))
		return status_set(st, STATUS_INVALID, "--lora-targets '%s': expected all-linear or a "
		                  "comma-separated list of up to %d module names",
		                  spec->targets ? spec->targets : "", LORA_MAX_TARGETS);
	if (spec->train_score && !lora_score_numel(base))
		return status_set(st, STATUS_INVALID, "the base has no score head to train");
	l->r = spec->r;
	l->alpha = spec->alpha;
	l->dropout = spec->dropout;
	l->scale = (float)(spec->alpha / spec->r);
	l->fan_in_fan_out = model_family_of(&base->cfg)->conv1d;
	snprintf(l->task_type, sizeof l->task_type, "%s",
	         base->cfg.num_labels > 0 ? "SEQ_CLS" : "CAUSAL_LM");
	if (spec->base_path)
		snprintf(l->base_path, sizeof l->base_path, "%s", spec->base_path);
	size_t extra = spec->train_score ? lora_score_numel(base) : 0;
	struct lora_targets tg = l->tg;
	enum status_code rc = lora_layout(l, &tg, base, "--lora-targets", extra, st);
	if (rc == STATUS_OK && extra)
		rc = lora_train_score(l, base, NULL, l->count - extra, st);
	if (rc != STATUS_OK) {
		lora_free(l);
		return rc;
	}
	struct rng r;
	rng_seed(&r, spec->seed ^ 0x4c6f5241ULL);
	for (size_t i = 0; i < l->n; i++) {
		struct lora_module *m = &l->m[i];
		float bound = (float)(1.0 / sqrt((double)m->in));
		for (size_t k = 0; k < (size_t)l->r * m->in; k++)
			m->A[k] = (2.0f * rng_uniform(&r) - 1.0f) * bound;
	}
	return STATUS_OK;
}

enum status_code lora_make_trainable(struct lora *l, const struct model_params *base,
                                     int train_score, struct status *st)
{
	const float *had = NULL;
	size_t k = 0;
	for (; k < l->n_saved; k++)
		if (strcmp(l->saved[k].base, "score.weight") == 0) {
			had = l->saved[k].data;
			break;
		}
	if (l->n_saved > (had ? 1u : 0u))
		return status_set(st, STATUS_UNSUPPORTED, "the adapter replaces tensors other than "
		                  "score.weight; only those are trained");
	if (!had && !train_score)
		return STATUS_OK;
	size_t numel = lora_score_numel(base);
	if (!numel)
		return status_set(st, STATUS_INVALID, "the base has no score head to train");
	float *mem = realloc(l->mem, (l->count + numel) * sizeof *mem);
	if (!mem)
		return status_set(st, STATUS_NOMEM, "out of memory");
	for (size_t i = 0; i < l->n; i++) { /* the modules move with the values */
		l->m[i].A = mem + (l->m[i].A - l->mem);
		l->m[i].B = mem + (l->m[i].B - l->mem);
	}
	l->mem = mem;
	float *old = had ? l->saved[k].data : NULL;
	size_t at = l->count;
	l->count += numel;
	if (had) {
		memcpy(l->mem + at, old, numel * sizeof *old);
		free(old);
		l->saved[k].data = l->mem + at;
		l->saved[k].in_mem = 1;
		return STATUS_OK;
	}
	return lora_train_score(l, base, NULL, at, st);
}

/* The target_modules to write: as asked, or for all-linear the leaves
 * adapted (PEFT writes the expanded list too). */
static json_t *lora_targets_json(const struct lora *l)
{
	json_t *a = json_array();
	if (!a)
		return NULL;
	if (!l->tg.all_linear) {
		for (size_t i = 0; i < l->tg.n; i++)
			json_array_append_new(a, json_string(l->tg.name[i]));
		return a;
	}
	for (size_t i = 0; i < l->n; i++) {
		const char *dot = strrchr(l->m[i].name, '.');
		const char *leaf = dot ? dot + 1 : l->m[i].name;
		int seen = 0;
		for (size_t k = 0; k < json_array_size(a) && !seen; k++)
			seen = strcmp(json_string_value(json_array_get(a, k)), leaf) == 0;
		if (!seen)
			json_array_append_new(a, json_string(leaf));
	}
	return a;
}

enum status_code lora_save(const struct lora *l, const struct model_params *base, const char *dir,
                           struct status *st)
{
	const struct model_family *fam = model_family_of(&base->cfg);
	json_t *saved = json_array();
	for (size_t i = 0; saved && i < l->n_saved; i++) {
		char mod[MODEL_NAME_MAX];
		snprintf(mod, sizeof mod, "%s", l->saved[i].base);
		char *dot = strrchr(mod, '.');
		if (dot)
			*dot = '\0';
		json_array_append_new(saved, json_string(mod));
	}
	json_t *c = json_pack("{s:s, s:s, s:i, s:f, s:f, s:s, s:b, s:o, s:s, s:b, s:b}",
	                      "peft_type", "LORA", "task_type", l->task_type[0] ? l->task_type : "CAUSAL_LM",
	                      "r", l->r, "lora_alpha", l->alpha, "lora_dropout", l->dropout,
	                      "bias", "none", "fan_in_fan_out", l->fan_in_fan_out,
	                      "target_modules", lora_targets_json(l),
	                      "base_model_name_or_path", l->base_path, "inference_mode", 1,
	                      "use_rslora", l->rslora);
	if (c && saved && json_array_size(saved))
		json_object_set(c, "modules_to_save", saved);
	json_decref(saved);
	char path[4352];
	char *text = c ? json_dumps(c, JSON_INDENT(2) | JSON_SORT_KEYS | JSON_REAL_PRECISION(15)) : NULL;
	json_decref(c);
	if (!text)
		return status_set(st, STATUS_NOMEM, "out of memory");
	snprintf(path, sizeof path, "%s/%s", dir, LORA_CONFIG);
	size_t tl = strlen(text);
	char *full = malloc(tl + 2);
	enum status_code rc = full ? STATUS_OK : status_set(st, STATUS_NOMEM, "out of memory");
	if (full) {
		memcpy(full, text, tl);
		full[tl] = '\n';
		rc = atomicfile_save(path, full, tl + 1, st);
	}
	free(full);
	free(text);
	if (rc != STATUS_OK)
		return rc;
	struct safetensors_writer *w = safetensors_writer_new();
	if (!w)
		return status_set(st, STATUS_NOMEM, "out of memory");
	char name[MODEL_NAME_MAX * 2 + 64];
	for (size_t i = 0; rc == STATUS_OK && i < l->n; i++) {
		const struct lora_module *m = &l->m[i];
		int64_t sa[2] = { l->r, (int64_t)m->in }, sb[2] = { (int64_t)m->out, l->r };
		snprintf(name, sizeof name, "%s%s.lora_A.weight", LORA_PREFIX, m->name);
		rc = safetensors_writer_add_ref(w, name, ST_F32, 2, sa, m->A, st);
		snprintf(name, sizeof name, "%s%s.lora_B.weight", LORA_PREFIX, m->name);
		if (rc == STATUS_OK)
			rc = safetensors_writer_add_ref(w, name, ST_F32, 2, sb, m->B, st);
	}
	for (size_t i = 0; rc == STATUS_OK && i < l->n_saved; i++) {
		/* as save_pretrained names them: base_model.model.score.weight */
		int pre = fam->file_prefix && fam->save_prefixed && fam->save_prefixed(l->saved[i].base);
		snprintf(name, sizeof name, "%s%s%s", LORA_PREFIX, pre ? fam->file_prefix : "",
		         l->saved[i].base);
		size_t C = (size_t)base->cfg.n_embd;
		int64_t sh[2] = { (int64_t)(l->saved[i].numel / C), (int64_t)C };
		rc = safetensors_writer_add_ref(w, name, ST_F32, 2, sh, l->saved[i].data, st);
	}
	if (rc == STATUS_OK) {
		safetensors_writer_meta(w, "format", "pt");
		snprintf(path, sizeof path, "%s/%s", dir, LORA_WEIGHTS);
		rc = safetensors_writer_save(w, path, st);
	}
	safetensors_writer_free(w);
	return rc;
}

enum status_code lora_view_init(struct lora_view *v, const struct lora *l,
                                const struct model_params *base, struct status *st)
{
	memset(v, 0, sizeof *v);
	v->score = LORA_RUN_NONE;
	v->r = (size_t)l->r;
	v->scale = l->scale;
	v->dropout = l->dropout;
	v->n = l->n;
	if (!(v->m = calloc(l->n ? l->n : 1, sizeof *v->m)))
		return status_set(st, STATUS_NOMEM, "out of memory");
	for (size_t i = 0; i < l->n; i++) {
		const struct lora_module *m = &l->m[i];
		const float *W = model_params_find(base, m->base, NULL);
		if (!W) {
			lora_view_free(v);
			return status_set(st, STATUS_INTERNAL, "the base has no %s", m->base);
		}
		v->m[i] = (struct lora_view_module){ .woff = (size_t)(W - base->mem), .in = m->in,
		                                     .out = m->out, .a = (size_t)(m->A - l->mem),
		                                     .b = (size_t)(m->B - l->mem) };
	}
	for (size_t i = 0; i < l->n_saved; i++) {
		if (!l->saved[i].in_mem || strcmp(l->saved[i].base, "score.weight") != 0) {
			lora_view_free(v);
			return status_set(st, STATUS_UNSUPPORTED, "the adapter's %s is not trainable",
			                  l->saved[i].base);
		}
		v->score = (size_t)(l->saved[i].data - l->mem);
		v->score_numel = l->saved[i].numel;
	}
	return STATUS_OK;
}

void lora_view_free(struct lora_view *v)
{
	free(v->m);
	memset(v, 0, sizeof *v);
}

enum status_code lora_optim_ranges(const struct lora *l, struct optim_range **out, size_t *n,
                                   struct status *st)
{
	size_t k = 2 * l->n + l->n_saved, j = 0;
	struct optim_range *r = calloc(k ? k : 1, sizeof *r);
	if (!r)
		return status_set(st, STATUS_NOMEM, "out of memory");
	for (size_t i = 0; i < l->n; i++) {
		const struct lora_module *m = &l->m[i];
		size_t a = (size_t)(m->A - l->mem), b = (size_t)(m->B - l->mem);
		r[j++] = (struct optim_range){ a, a + (size_t)l->r * m->in, 1 };
		r[j++] = (struct optim_range){ b, b + m->out * (size_t)l->r, 1 };
	}
	for (size_t i = 0; i < l->n_saved; i++) {
		size_t a = (size_t)(l->saved[i].data - l->mem);
		r[j++] = (struct optim_range){ a, a + l->saved[i].numel, 1 };
	}
	*out = r;
	*n = j;
	return STATUS_OK;
}
