/* model: what every family shares, and the calls that reach the family. */
#include "config.h"

#include "engine/model.h"
#include "engine/lora_run.h"
#include "engine/safetensors.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

/* The families config.json may name; the first is the default when model_type
 * is absent, and a config's NULL family. */
static const struct model_family *const model_families[] = { &gpt2_family, &llama_family,
	                                                            &dit_family };
#define MODEL_NFAMILIES (sizeof model_families / sizeof model_families[0])

const struct model_family *model_family_of(const struct model_config *cfg)
{
	return cfg->family ? cfg->family : model_families[0];
}

const struct model_family *model_family_find(const char *model_type)
{
	if (!model_type)
		return model_families[0];
	for (size_t i = 0; i < MODEL_NFAMILIES; i++)
		for (const char *const *t = model_families[i]->model_types; *t; t++)
			if (strcmp(*t, model_type) == 0)
				return model_families[i];
	return NULL;
}

void model_config_set_family(struct model_config *c, const struct model_family *f)
{
	c->family = f == model_families[0] ? NULL : f;
}

const char *model_family_types(void)
{
	static char buf[256];
	if (!buf[0]) {
		size_t at = 0;
		for (size_t i = 0; i < MODEL_NFAMILIES; i++)
			for (const char *const *t = model_families[i]->model_types; *t; t++)
				at += (size_t)snprintf(buf + at, sizeof buf - at, "%s%s", at ? ", " : "", *t);
	}
	return buf;
}

enum status_code model_config_set_type(struct model_config *c, const char *model_type,
                                       struct status *st)
{
	const struct model_family *f = model_family_find(model_type);
	if (!f)
		return status_set(st, STATUS_INVALID, "model type '%s' is not one of %s", model_type,
		                  model_family_types());
	model_config_set_family(c, f);
	if (f->config_defaults)
		f->config_defaults(c, model_type);
	return STATUS_OK;
}

size_t model_context(const struct model_config *c)
{
	struct model_dims d;
	model_dims(c, &d);
	return d.P;
}

int model_tied_head(const struct model_config *c)
{
	return c->num_labels == 0 && (model_family_of(c)->always_tied || c->tie_word_embeddings);
}

void model_dims(const struct model_config *c, struct model_dims *d)
{
	d->L = (size_t)c->n_layer;
	d->C = (size_t)c->n_embd;
	d->NH = (size_t)c->n_head;
	d->NKV = c->n_kv_head > 0 ? (size_t)c->n_kv_head : d->NH;
	d->D = c->head_dim > 0 ? (size_t)c->head_dim : c->n_head > 0 ? d->C / d->NH : 0;
	d->I = (size_t)c->n_inner;
	d->V = (size_t)c->vocab_size;
	d->P = (size_t)c->n_positions;
	if (c->sliding_window > 0 && (size_t)c->sliding_window < d->P)
		d->P = (size_t)c->sliding_window;
	d->labels = c->num_labels > 0 ? (size_t)c->num_labels : 0;
}

int model_is_image(const struct model_config *c)
{
	return model_family_of(c)->image;
}

enum status_code model_config_check(const struct model_config *c, struct status *st)
{
	if (model_is_image(c)) {
		/* no vocabulary nor ids: the family checks its own sizes */
		enum status_code rc = model_family_of(c)->check(c, st);
		if (rc == STATUS_OK && (double)model_family_of(c)->count(c) > 4e9)
			rc = status_set(st, STATUS_UNSUPPORTED, "model too large");
		return rc;
	}
	if (c->n_layer <= 0 || c->n_head <= 0 || c->n_embd <= 0 || c->n_inner <= 0 ||
	    c->n_positions <= 0 || c->vocab_size <= 0)
		return status_set(st, STATUS_FORMAT,
		                  "sizes must be positive (n_layer %d, n_head %d, n_embd %d, n_inner %d, "
		                  "n_positions %d, vocab_size %d)", c->n_layer, c->n_head, c->n_embd,
		                  c->n_inner, c->n_positions, c->vocab_size);
	if (c->num_labels < 0)
		return status_set(st, STATUS_FORMAT, "num_labels %d is negative", c->num_labels);
	if (!(c->layer_norm_epsilon > 0.0f && c->layer_norm_epsilon < 1.0f))
		return status_set(st, STATUS_FORMAT, "layer_norm_epsilon %g is out of range",
		                  (double)c->layer_norm_epsilon);
	const int ids[] = { c->bos_token_id, c->eos_token_id, c->pad_token_id };
	const char *names[] = { "bos_token_id", "eos_token_id", "pad_token_id" };
	for (int i = 0; i < 3; i++)
		if (ids[i] < -1 || ids[i] >= c->vocab_size)
			return status_set(st, STATUS_FORMAT, "%s %d is outside the vocabulary of %d",
			                  names[i], ids[i], c->vocab_size);
	enum status_code rc = model_family_of(c)->check(c, st);
	if (rc != STATUS_OK)
		return rc;
	/* Keep every size product inside what a size_t index and BLIS's dim_t hold. */
	double total = (double)model_family_of(c)->count(c);
	if (total > 4e9)
		return status_set(st, STATUS_UNSUPPORTED, "model of %.0f parameters is too large", total);
	return STATUS_OK;
}

size_t model_params_count(const struct model_config *c)
{
	return model_family_of(c)->count(c);
}

/* Parameter sets of 1 MiB and more are anonymous mappings: the kernel hands
 * them out zeroed and makes a page resident only once it is written, so a
 * decoding-only load (checkpoint_load_decoding) that keeps the matrices in
 * BF16 elsewhere costs no memory for their F32 places. */
#define MODEL_MAP_BYTES ((size_t)1 << 20)

static size_t model_mem_bytes(size_t n)
{
	return (n * sizeof(float) + 63) & ~(size_t)63;
}

static float *model_mem_alloc(size_t n)
{
	size_t bytes = model_mem_bytes(n);
	if (bytes >= MODEL_MAP_BYTES) {
		void *m = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		return m == MAP_FAILED ? NULL : m;
	}
	float *m = aligned_alloc(64, bytes);
	if (m)
		memset(m, 0, bytes);
	return m;
}

static void model_mem_free(float *m, size_t n)
{
	if (!m)
		return;
	if (model_mem_bytes(n) >= MODEL_MAP_BYTES)
		munmap(m, model_mem_bytes(n));
	else
		free(m);
}

enum status_code model_params_alloc(struct model_params *p, const struct model_config *c,
                                    struct status *st)
{
	memset(p, 0, sizeof *p);
	enum status_code rc = model_config_check(c, st);
	if (rc != STATUS_OK)
		return rc;
	size_t n = model_params_count(c);
	p->mem = model_mem_alloc(n);
	p->h = calloc((size_t)c->n_layer, sizeof *p->h);
	if (!p->mem || !p->h) {
		model_mem_free(p->mem, n);
		free(p->h);
		memset(p, 0, sizeof *p);
		return status_set(st, STATUS_NOMEM, "cannot allocate %zu parameters", n);
	}
	p->cfg = *c;
	p->count = n;
	const struct model_family *f = model_family_of(c);
	if (f->bind)
		f->bind(p);
	/* the table must cover the allocation exactly, in order */
	size_t nt = f->describe(p, NULL), at = 0;
	struct model_tensor *t = calloc(nt, sizeof *t);
	if (!t) {
		model_params_free(p);
		return status_set(st, STATUS_NOMEM, "cannot allocate the tensor table");
	}
	f->describe(p, t);
	for (size_t i = 0; i < nt; i++) {
		size_t len = (size_t)t[i].shape[0] * (t[i].ndim > 1 ? (size_t)t[i].shape[1] : 1);
		if (t[i].data != p->mem + at)
			break;
		at += len;
	}
	free(t);
	if (at != n) {
		model_params_free(p);
		return status_set(st, STATUS_INTERNAL, "parameter layout covers %zu of %zu floats", at, n);
	}
	return STATUS_OK;
}

void model_params_free(struct model_params *p)
{
	if (!p)
		return;
	model_mem_free(p->home ? p->home : p->mem, p->count);
	free(p->h);
	free(p->frozen);
	memset(p, 0, sizeof *p);
}

void model_params_place(struct model_params *p, float *mem, int copy)
{
	float *to = mem ? mem : p->home;
	if (!to || to == p->mem)
		return;
	if (copy || !mem)
		memcpy(to, p->mem, p->count * sizeof *to);
	if (!p->home)
		p->home = p->mem;
	p->mem = to;
	if (!mem)
		p->home = NULL;
	const struct model_family *f = model_family_of(&p->cfg);
	if (f->bind)
		f->bind(p);
}

void model_params_drop(struct model_params *p, float *data, size_t n)
{
	size_t page = (size_t)sysconf(_SC_PAGESIZE);
	if (model_mem_bytes(p->count) < MODEL_MAP_BYTES || !page)
		return;
	uintptr_t lo = ((uintptr_t)data + page - 1) / page * page;
	uintptr_t hi = (uintptr_t)(data + n) / page * page;
	if (hi > lo)
		madvise((void *)lo, hi - lo, MADV_DONTNEED);
}

enum status_code model_params_freeze_bf16(struct model_params *p, struct status *st)
{
	const struct model_family *f = model_family_of(&p->cfg);
	if (!f->frozen_bf16)
		return status_set(st, STATUS_UNSUPPORTED, "a base frozen in BF16 is for the Llama "
		                  "family; %s trains over F32", f->title);
	if (p->frozen)
		return STATUS_OK;
	struct model_tensor *t = malloc(MODEL_MAX_TENSORS(p->cfg.n_layer) * sizeof *t);
	/* calloc: pages of vectors never written stay unmapped */
	if (!t || !(p->frozen = calloc(p->count ? p->count : 1, sizeof *p->frozen))) {
		free(t);
		return status_set(st, STATUS_NOMEM, "cannot allocate the BF16 base");
	}
	size_t nt = f->describe(p, t);
	for (size_t i = 0; i < nt; i++) {
		if (t[i].ndim != 2 || strcmp(t[i].name, "score.weight") == 0)
			continue;
		size_t n = (size_t)t[i].shape[0] * (size_t)t[i].shape[1], off = (size_t)(t[i].data - p->mem);
		/* round to nearest even, as checkpoint_save writes BF16 */
		for (size_t k = 0; k < n; k++)
			p->frozen[off + k] = safetensors_f32_to_bf16(t[i].data[k]);
		model_params_drop(p, t[i].data, n);
	}
	free(t);
	return STATUS_OK;
}

size_t model_params_describe(const struct model_params *p, struct model_tensor *out)
{
	return model_family_of(&p->cfg)->describe(p, out);
}

void model_tensor_set(struct model_tensor *out, size_t *n, const char *name, float *data, int ndim,
                      int64_t d0, int64_t d1, int decay)
{
	if (out) {
		struct model_tensor *t = &out[*n];
		snprintf(t->name, sizeof t->name, "%s", name);
		t->data = data;
		t->ndim = ndim;
		t->shape[0] = d0;
		t->shape[1] = ndim > 1 ? d1 : 0;
		t->decay = decay;
	}
	(*n)++;
}

enum status_code model_pass_new(struct model_pass **out, const struct model_params *p, int train,
                                struct status *st)
{
	*out = NULL;
	enum status_code rc = model_family_of(&p->cfg)->pass_new(out, p, train, st);
	if (rc == STATUS_OK)
		(*out)->frozen = p->frozen;
	return rc;
}

void model_pass_free(struct model_pass *m)
{
	if (!m)
		return;
	lora_run_free(m->lora);
	free(m->lora);
	m->family->pass_free(m);
}

enum status_code model_pass_set_lora(struct model_pass *m, const struct lora_view *v,
                                     const float *aw, float *ag, struct status *st)
{
	if (!v) {
		lora_run_free(m->lora);
		free(m->lora);
		m->lora = NULL;
		return STATUS_OK;
	}
	if (!m->lora && !(m->lora = calloc(1, sizeof *m->lora)))
		return status_set(st, STATUS_NOMEM, "out of memory");
	if (m->lora->v != v)
		lora_run_free(m->lora); /* scratch sized for another adapter */
	m->lora->v = v;
	m->lora->w = aw;
	m->lora->g = ag;
	return STATUS_OK;
}

/* Text and image models meet here: each refuses the other's passes. */
static enum status_code model_not_text(const struct model_family *f, struct status *st)
{
	return status_set(st, STATUS_UNSUPPORTED, "an image model (%s) predicts noise of images; "
	                  "it reads no tokens (use it with ric generate --model DIR -o FILE.png "
	                  "or the image stages)", f->title);
}

enum status_code model_want_text(const struct model_config *c, const char *dir,
                                 struct status *st)
{
	if (!model_is_image(c))
		return STATUS_OK;
	return status_set(st, STATUS_UNSUPPORTED, "%s: an image model (%s) predicts noise of images; "
	                  "it reads no tokens (use it with ric generate --model DIR -o FILE.png or "
	                  "the image stages)", dir, model_family_of(c)->title);
}

enum status_code model_forward(struct model_pass *m, const float *w, const int *tokens, size_t B,
                               size_t T, const int *targets, const struct hooks *h,
                               struct status *st)
{
	if (!m->family->forward)
		return model_not_text(m->family, st);
	return m->family->forward(m, w, tokens, B, T, targets, h, st);
}

enum status_code model_backward(struct model_pass *m, const float *w, float *g, const int *tokens,
                                const int *targets, float scale, const float *dscores,
                                const struct hooks *h, struct status *st)
{
	if (!g && !m->lora)
		return status_set(st, STATUS_INTERNAL, "backward without gradients to compute");
	if (!m->family->backward)
		return model_not_text(m->family, st);
	return m->family->backward(m, w, g, tokens, targets, scale, dscores, h, st);
}

static enum status_code model_not_image(const struct model_family *f, struct status *st)
{
	return status_set(st, STATUS_UNSUPPORTED, "a %s model is a text model; this needs an image "
	                  "model (model_type \"dit\", made by ric pretrain --arch dit)", f->title);
}

enum status_code model_image_forward(struct model_pass *m, const float *w,
                                     const struct model_image_batch *b, const struct hooks *h,
                                     struct status *st)
{
	if (!m->family->image_forward)
		return model_not_image(m->family, st);
	if (m->labels > 0)
		return status_set(st, STATUS_UNSUPPORTED, "an image reward model (%s) scores images; "
		                  "it predicts no noise (use it as rm:DIR)", m->family->title);
	return m->family->image_forward(m, w, b, h, st);
}

enum status_code model_image_score(struct model_pass *m, const float *w,
                                   const struct model_image_batch *b, const struct hooks *h,
                                   struct status *st)
{
	if (!m->family->image_forward)
		return model_not_image(m->family, st);
	if (m->labels == 0)
		return status_set(st, STATUS_UNSUPPORTED, "an image model (%s) that predicts noise, "
		                  "not an image reward model (ric rm-train on image pairs makes one)",
		                  m->family->title);
	return m->family->image_forward(m, w, b, h, st);
}

enum status_code model_want_denoiser(const struct model_config *c, const char *dir,
                                     struct status *st)
{
	if (!model_is_image(c))
		return status_set(st, STATUS_UNSUPPORTED, "%s: a %s model is a text model; this needs "
		                  "an image model (model_type \"dit\", made by ric pretrain --arch dit)",
		                  dir, model_family_of(c)->title);
	if (c->num_labels > 0)
		return status_set(st, STATUS_UNSUPPORTED, "%s: an image reward model (%s) scores "
		                  "images; it draws none (use it as rm:%s)", dir,
		                  model_family_of(c)->title, dir);
	return STATUS_OK;
}

enum status_code model_image_backward(struct model_pass *m, const float *w, float *g,
                                      const float *deps, const struct hooks *h, struct status *st)
{
	if (!m->family->image_backward)
		return model_not_image(m->family, st);
	return m->family->image_backward(m, w, g, deps, h, st);
}

float *model_params_find(const struct model_params *p, const char *name, size_t *numel)
{
	size_t n = model_params_describe(p, NULL);
	struct model_tensor *t = calloc(n, sizeof *t);
	float *found = NULL;
	if (!t)
		return NULL;
	model_params_describe(p, t);
	for (size_t i = 0; i < n && !found; i++)
		if (strcmp(t[i].name, name) == 0) {
			found = t[i].data;
			if (numel)
				*numel = (size_t)t[i].shape[0] * (t[i].ndim > 1 ? (size_t)t[i].shape[1] : 1);
		}
	free(t);
	return found;
}

enum status_code model_params_as_reward(struct model_params *p, struct status *st)
{
	if (p->cfg.num_labels > 0)
		return STATUS_OK;
	struct model_config cfg = p->cfg;
	cfg.num_labels = 1;
	if (cfg.pad_token_id < 0)
		cfg.pad_token_id = cfg.eos_token_id;
	struct model_params r;
	enum status_code rc = model_params_alloc(&r, &cfg, st);
	if (rc != STATUS_OK)
		return rc;
	if (model_params_copy_matching(&r, p) < 0) {
		model_params_free(&r);
		return status_set(st, STATUS_NOMEM, "out of memory");
	}
	model_params_free(p);
	*p = r;
	return STATUS_OK;
}

long model_params_copy_matching(struct model_params *dst, const struct model_params *src)
{
	size_t nd = model_params_describe(dst, NULL), ns = model_params_describe(src, NULL);
	struct model_tensor *td = calloc(nd, sizeof *td), *ts = calloc(ns, sizeof *ts);
	long copied = 0;
	if (!td || !ts)
		copied = -1;
	else {
		model_params_describe(dst, td);
		model_params_describe(src, ts);
		for (size_t i = 0; i < nd; i++)
			for (size_t j = 0; j < ns; j++)
				if (strcmp(td[i].name, ts[j].name) == 0 && td[i].ndim == ts[j].ndim &&
				    td[i].shape[0] == ts[j].shape[0] && td[i].shape[1] == ts[j].shape[1]) {
					size_t k = (size_t)td[i].shape[0] * (td[i].ndim > 1 ? (size_t)td[i].shape[1] : 1);
					memcpy(td[i].data, ts[j].data, k * sizeof *td[i].data);
					copied++;
					break;
				}
	}
	free(td);
	free(ts);
	return copied;
}
