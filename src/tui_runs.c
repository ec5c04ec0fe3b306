#include "config.h"

#include "src/tui_runs.h"
#include "src/job_state.h"
#include "engine/lora.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <limits.h>
#include <unistd.h>

static char *tui_runs_dup(const char *s) { return s ? strdup(s) : NULL; }

static void tui_run_free(struct tui_run *r)
{
	free(r->name);
	free(r->stage);
	free(r->status);
	free(r->error);
	free(r->tags);
	free(r->base);
	memset(r, 0, sizeof *r);
}

static int tui_run_copy(struct tui_run *d, const struct store_run *r)
{
	memset(d, 0, sizeof *d);
	d->id = r->id;
	d->parent = r->parent;
	d->created_ms = r->created_ms;
	d->finished_ms = r->finished_ms;
	d->name = tui_runs_dup(r->name);
	d->stage = tui_runs_dup(r->stage);
	d->status = tui_runs_dup(r->status);
	d->error = tui_runs_dup(r->error);
	d->tags = strdup("");
	return d->name && d->stage && d->status && d->tags && (!r->error || d->error) ? 0 : -1;
}

struct tui_runs_grow {
	struct tui_run *v;
	size_t n, cap;
	int nomem;
};

static int tui_runs_add(void *ctx, const struct store_run *r)
{
	struct tui_runs_grow *g = ctx;
	if (g->n == g->cap) {
		size_t cap = g->cap ? 2 * g->cap : 32;
		struct tui_run *v = realloc(g->v, cap * sizeof *v);
		if (!v) {
			g->nomem = 1;
			return 1;
		}
		g->v = v;
		g->cap = cap;
	}
	if (tui_run_copy(&g->v[g->n], r) != 0) {
		tui_run_free(&g->v[g->n]);
		g->nomem = 1;
		return 1;
	}
	g->n++;
	return 0;
}

static int tui_runs_tag(void *ctx, const char *tag)
{
	char **tags = ctx;
	size_t a = strlen(*tags), b = strlen(tag);
	char *t = realloc(*tags, a + b + 2);
	if (!t)
		return 1;
	if (a)
		t[a++] = ' ';
	memcpy(t + a, tag, b + 1);
	*tags = t;
	return 0;
}

static enum store_code tui_runs_nomem(struct store_err *err)
{
	if (err) {
		err->code = STORE_EINTERNAL;
		strcpy(err->msg, "out of memory");
	}
	return STORE_EINTERNAL;
}

/* ---- adapter runs ------------------------------------------------------ */

struct tui_runs_folder {
	char *policy, *model;
};

static int tui_runs_folder_ckpt(void *ctx, const struct store_checkpoint *c)
{
	struct tui_runs_folder *f = ctx;
	if (c->kind && c->path && strcmp(c->kind, "policy") == 0) {
		free(f->policy);
		f->policy = strdup(c->path);
	}
	return 0;
}

static int tui_runs_folder_param(void *ctx, const char *key, const char *value)
{
	struct tui_runs_folder *f = ctx;
	if (value && (strcmp(key, "model") == 0 || strcmp(key, "policy") == 0) && !f->model)
		f->model = strdup(value);
	return 0;
}

static int tui_runs_base_name(void *ctx, const struct store_run *r)
{
	char **name = ctx;
	*name = strdup(r->name);
	return 0;
}

/* The base a run's policy adapts when that policy (its last policy
 * checkpoint, else its "model"/"policy" parameter: eval and online runs of an
 * adapter) is a PEFT adapter folder: the run that made the base folder, by
 * name, else the folder as the adapter names it. NULL for full checkpoints. */
static char *tui_runs_base(struct store *s, store_id run)
{
	struct tui_runs_folder f = { 0 };
	store_checkpoints_each(s, run, tui_runs_folder_ckpt, &f, NULL);
	if (!f.policy)
		store_params_each(s, run, tui_runs_folder_param, &f, NULL);
	const char *dir = f.policy ? f.policy : f.model;
	char *base = NULL;
	if (dir && lora_is_adapter(dir)) {
		char bdir[PATH_MAX], abs[PATH_MAX];
		struct status st = STATUS_INIT;
		struct lora l;
		memset(&l, 0, sizeof l);
		if (lora_base_dir(dir, NULL, bdir, sizeof bdir, &st) == STATUS_OK) {
			store_id b = 0;
			if (store_checkpoint_run(s, bdir, &b, NULL) != STORE_OK &&
			    (!realpath(bdir, abs) || store_checkpoint_run(s, abs, &b, NULL) != STORE_OK))
				b = 0;
			if (b > 0)
				store_run_get(s, b, tui_runs_base_name, &base, NULL);
			if (!base)
				base = strdup(bdir);
		} else if (lora_read_config(dir, &l, &st) == STATUS_OK && l.base_path[0]) {
			base = strdup(l.base_path); /* not found here: as the adapter names it */
		} else {
			base = strdup("?");
		}
		lora_free(&l);
	}
	free(f.policy);
	free(f.model);
	return base;
}

enum store_code tui_runs_load(struct store *s, struct tui_runs *out, struct store_err *err)
{
	struct tui_runs_grow g = { 0 };
	memset(out, 0, sizeof *out);
	/* A run whose process died is failed before it is shown (not fatal if the
	 * store cannot be written to). */
	job_state_reap(s, NULL, NULL, NULL);
	enum store_code rc = store_runs_each(s, NULL, tui_runs_add, &g, err);
	if (rc == STORE_OK && g.nomem)
		rc = tui_runs_nomem(err);
	/* Tags and bases after the walk: one statement at a time. */
	for (size_t i = 0; rc == STORE_OK && i < g.n; i++)
		rc = store_tags_each(s, g.v[i].id, tui_runs_tag, &g.v[i].tags, err);
	for (size_t i = 0; rc == STORE_OK && i < g.n; i++)
		g.v[i].base = tui_runs_base(s, g.v[i].id);
	out->v = g.v;
	out->n = g.n;
	if (rc != STORE_OK)
		tui_runs_free(out);
	return rc;
}

void tui_runs_free(struct tui_runs *rs)
{
	for (size_t i = 0; i < rs->n; i++)
		tui_run_free(&rs->v[i]);
	free(rs->v);
	memset(rs, 0, sizeof *rs);
}

static int tui_runs_contains(const char *s, const char *w, size_t len)
{
	if (!len)
		return 1;
	for (size_t i = 0; s && s[i]; i++)
		if (strncasecmp(s + i, w, len) == 0)
			return 1;
	return 0;
}

static int tui_runs_has_word(const struct tui_run *r, const char *w, size_t len)
{
	const char *fields[] = { r->name, r->stage, r->status, r->tags, r->base };
	for (size_t f = 0; f < 5; f++)
		if (tui_runs_contains(fields[f], w, len))
			return 1;
	/* "#12" or "12" finds run 12 by id too */
	char id[32];
	snprintf(id, sizeof id, "%lld", (long long)r->id);
	if (*w == '#') {
		w++;
		len--;
	}
	return len == strlen(id) && strncmp(id, w, len) == 0;
}

/* The fields a filter word may name (FIELD=VALUE, FIELD~VALUE). */
static const char *const tui_runs_fields[] = { "id", "name", "stage", "status", "tag", "base", NULL };

/* One word of a filter, split: field index (-1: a bare word), the operator
 * ('=' or '~'), negated, and the value. */
struct tui_runs_term {
	int field;
	char op;
	int neg;
	const char *value;
	size_t len;
};

/* -1 when the word names a field that does not exist. */
static int tui_runs_term(const char *w, size_t len, struct tui_runs_term *t)
{
	*t = (struct tui_runs_term){ -1, 0, 0, w, len };
	size_t k = 0;
	while (k < len && w[k] != '=' && w[k] != '~')
		k++;
	if (k == len || k == 0)
		return 0; /* a bare word ("=x" too: it looks for "=x") */
	size_t name = k;
	if (w[k - 1] == '!') {
		t->neg = 1;
		name--;
	}
	t->op = w[k];
	t->value = w + k + 1;
	t->len = len - k - 1;
	for (int f = 0; tui_runs_fields[f]; f++)
		if (strlen(tui_runs_fields[f]) == name && strncasecmp(w, tui_runs_fields[f], name) == 0) {
			t->field = f;
			return 0;
		}
	return -1;
}

static int tui_runs_is(const char *s, const struct tui_runs_term *t)
{
	if (!s)
		s = "";
	if (t->op == '~')
		return tui_runs_contains(s, t->value, t->len);
	return strlen(s) == t->len && strncasecmp(s, t->value, t->len) == 0;
}

static int tui_runs_term_holds(const struct tui_run *r, const struct tui_runs_term *t)
{
	if (t->field < 0)
		return tui_runs_has_word(r, t->value, t->len);
	int hit = 0;
	char id[32];
	switch (t->field) {
	case 0:
		snprintf(id, sizeof id, "%lld", (long long)r->id);
		hit = tui_runs_is(id, t);
		break;
	case 1: hit = tui_runs_is(r->name, t); break;
	case 2: hit = tui_runs_is(r->stage, t); break;
	case 3: hit = tui_runs_is(r->status, t); break;
	case 4: {
		/* One of the tags is (or contains) the value; tag= alone: no tags. */
		const char *p = r->tags ? r->tags : "";
		if (!*p)
			hit = t->len == 0;
		while (*p && !hit) {
			size_t n = strcspn(p, " ");
			char one[256];
			snprintf(one, sizeof one, "%.*s", (int)(n < 255 ? n : 255), p);
			hit = tui_runs_is(one, t);
			p += n;
			while (*p == ' ')
				p++;
		}
		break;
	}
	case 5: hit = tui_runs_is(r->base, t); break;
	default: break;
	}
	return t->neg ? !hit : hit;
}

/* Calls fn on each word of the filter until it returns nonzero. */
static int tui_runs_words(const char *filter, int (*fn)(void *, const char *, size_t), void *ctx)
{
	const char *p = filter;
	while (p && *p) {
		while (isspace((unsigned char)*p))
			p++;
		size_t len = 0;
		while (p[len] && !isspace((unsigned char)p[len]))
			len++;
		if (len) {
			int rc = fn(ctx, p, len);
			if (rc)
				return rc;
		}
		p += len;
	}
	return 0;
}

struct tui_runs_subject {
	const struct tui_run *run;
};

static int tui_runs_word_fails(void *ctx, const char *w, size_t len)
{
	const struct tui_runs_subject *s = ctx;
	struct tui_runs_term t;
	if (tui_runs_term(w, len, &t) != 0)
		return 1; /* an unknown field matches nothing */
	return !tui_runs_term_holds(s->run, &t);
}

static int tui_runs_match(const struct tui_run *r, const char *filter)
{
	struct tui_runs_subject s = { r };
	return tui_runs_words(filter, tui_runs_word_fails, &s) == 0;
}

struct tui_runs_check {
	char *err;
	size_t cap;
};

static int tui_runs_word_check(void *ctx, const char *w, size_t len)
{
	struct tui_runs_check *c = ctx;
	struct tui_runs_term t;
	if (tui_runs_term(w, len, &t) == 0)
		return 0;
	size_t name = (size_t)(t.value - 1 - w) - (size_t)t.neg;
	snprintf(c->err, c->cap, "no field '%.*s' in the filter: id, name, stage, status, tag, base (= is, ~ contains, != !~ not)",
	         (int)name, w);
	return 1;
}

int tui_runs_filter_check(const char *filter, char *err, size_t cap)
{
	struct tui_runs_check c = { err, cap };
	return tui_runs_words(filter, tui_runs_word_check, &c) ? -1 : 0;
}

struct tui_runs_order {
	const struct tui_runs *rs;
	enum tui_runs_sort by;
	int desc;
};
/* qsort has no context argument; the view is built on the UI thread only. */
static struct tui_runs_order tui_runs_ord;

static int tui_runs_cmp(const void *a, const void *b)
{
	const struct tui_run *x = &tui_runs_ord.rs->v[*(const size_t *)a];
	const struct tui_run *y = &tui_runs_ord.rs->v[*(const size_t *)b];
	int c = 0;
	switch (tui_runs_ord.by) {
	case TUI_RUNS_BY_NAME: c = strcmp(x->name, y->name); break;
	case TUI_RUNS_BY_STAGE: c = strcmp(x->stage, y->stage); break;
	case TUI_RUNS_BY_STATUS: c = strcmp(x->status, y->status); break;
	case TUI_RUNS_BY_CREATED: c = (x->created_ms > y->created_ms) - (x->created_ms < y->created_ms); break;
	case TUI_RUNS_BY_ID: break;
	}
	if (c == 0)
		c = (x->id > y->id) - (x->id < y->id);
	return tui_runs_ord.desc ? -c : c;
}

size_t tui_runs_view(const struct tui_runs *rs, const char *filter, enum tui_runs_sort by, int desc,
                     size_t *idx)
{
	size_t n = 0;
	for (size_t i = 0; i < rs->n; i++)
		if (tui_runs_match(&rs->v[i], filter))
			idx[n++] = i;
	tui_runs_ord = (struct tui_runs_order){ rs, by, desc };
	qsort(idx, n, sizeof *idx, tui_runs_cmp);
	return n;
}

int tui_runs_sort_parse(const char *name, enum tui_runs_sort *out)
{
	static const char *const names[] = { "id", "name", "stage", "status", "created" };
	for (int i = 0; i < 5; i++) {
		if (strcmp(name, names[i]) == 0) {
			*out = (enum tui_runs_sort)i;
			return 0;
		}
	}
	return -1;
}

long tui_runs_find(const struct tui_runs *rs, store_id id)
{
	for (size_t i = 0; i < rs->n; i++)
		if (rs->v[i].id == id)
			return (long)i;
	return -1;
}

/* ---- details ----------------------------------------------------------- */

static int tui_detail_run(void *ctx, const struct store_run *r)
{
	return tui_run_copy(ctx, r) != 0;
}

static int tui_detail_param(void *ctx, const char *key, const char *value)
{
	struct tui_run_detail *d = ctx;
	struct tui_kv *v = realloc(d->params, (d->n_params + 1) * sizeof *v);
	if (!v)
		return 1;
	d->params = v;
	v[d->n_params].key = strdup(key);
	v[d->n_params].value = strdup(value ? value : "");
	d->n_params++;
	return 0;
}

static int tui_detail_metric(void *ctx, const struct store_metric *m)
{
	struct tui_run_detail *d = ctx;
	struct tui_series *s = d->n_series ? &d->series[d->n_series - 1] : NULL;
	if (!s || strcmp(s->key, m->key) != 0) {
		s = realloc(d->series, (d->n_series + 1) * sizeof *s);
		if (!s)
			return 1;
		d->series = s;
		s = &d->series[d->n_series++];
		memset(s, 0, sizeof *s);
		if (!(s->key = strdup(m->key)))
			return 1;
	}
	int64_t *step = realloc(s->step, (s->n + 1) * sizeof *step);
	if (step)
		s->step = step;
	double *value = realloc(s->value, (s->n + 1) * sizeof *value);
	if (value)
		s->value = value;
	if (!step || !value)
		return 1;
	s->step[s->n] = m->step;
	s->value[s->n] = m->value;
	s->n++;
	return 0;
}

static int tui_detail_ckpt(void *ctx, const struct store_checkpoint *c)
{
	struct tui_run_detail *d = ctx;
	struct tui_ckpt *v = realloc(d->ckpts, (d->n_ckpts + 1) * sizeof *v);
	if (!v)
		return 1;
	d->ckpts = v;
	v[d->n_ckpts].step = c->step;
	v[d->n_ckpts].kind = strdup(c->kind ? c->kind : "");
	v[d->n_ckpts].path = strdup(c->path ? c->path : "");
	d->n_ckpts++;
	return 0;
}

static int tui_detail_child(void *ctx, const struct store_run *r)
{
	struct tui_run_detail *d = ctx;
	struct tui_run *v = realloc(d->children, (d->n_children + 1) * sizeof *v);
	if (!v)
		return 1;
	d->children = v;
	if (tui_run_copy(&v[d->n_children], r) != 0) {
		tui_run_free(&v[d->n_children]);
		return 1;
	}
	d->n_children++;
	return 0;
}

static int tui_detail_parent(void *ctx, const struct store_run *r)
{
	char **name = ctx;
	*name = strdup(r->name);
	return 0;
}

enum store_code tui_run_detail_load(struct store *s, store_id run, struct tui_run_detail *d,
                                    struct store_err *err)
{
	memset(d, 0, sizeof *d);
	enum store_code rc = store_run_get(s, run, tui_detail_run, &d->run, err);
	if (rc == STORE_OK)
		rc = store_tags_each(s, run, tui_runs_tag, &d->run.tags, err);
	if (rc == STORE_OK)
		rc = store_params_each(s, run, tui_detail_param, d, err);
	if (rc == STORE_OK)
		rc = store_metric_series_each(s, run, NULL, tui_detail_metric, d, err);
	if (rc == STORE_OK)
		rc = store_checkpoints_each(s, run, tui_detail_ckpt, d, err);
	struct store_run_filter f = { .parent = run };
	if (rc == STORE_OK)
		rc = store_runs_each(s, &f, tui_detail_child, d, err);
	if (rc == STORE_OK && d->run.parent > 0 &&
	    store_run_get(s, d->run.parent, tui_detail_parent, &d->parent_name, NULL) != STORE_OK)
		d->parent_name = NULL; /* deleted since: the id alone is shown */
	if (rc != STORE_OK)
		tui_run_detail_free(d);
	return rc;
}

enum store_code tui_run_metric_load(struct store *s, store_id run, const char *key,
                                    struct tui_series *out, struct store_err *err)
{
	struct tui_run_detail d;
	memset(&d, 0, sizeof d);
	memset(out, 0, sizeof *out);
	enum store_code rc = store_metric_series_each(s, run, key, tui_detail_metric, &d, err);
	if (rc == STORE_OK && d.n_series) {
		*out = d.series[0];
		d.series[0] = (struct tui_series){ 0 };
	}
	for (size_t i = 0; i < d.n_series; i++)
		tui_series_free(&d.series[i]);
	free(d.series);
	return rc;
}

void tui_series_free(struct tui_series *x)
{
	free(x->key);
	free(x->step);
	free(x->value);
	memset(x, 0, sizeof *x);
}

void tui_run_detail_free(struct tui_run_detail *d)
{
	tui_run_free(&d->run);
	free(d->parent_name);
	for (size_t i = 0; i < d->n_params; i++) {
		free(d->params[i].key);
		free(d->params[i].value);
	}
	free(d->params);
	for (size_t i = 0; i < d->n_series; i++) {
		free(d->series[i].key);
		free(d->series[i].step);
		free(d->series[i].value);
	}
	free(d->series);
	for (size_t i = 0; i < d->n_ckpts; i++) {
		free(d->ckpts[i].kind);
		free(d->ckpts[i].path);
	}
	free(d->ckpts);
	for (size_t i = 0; i < d->n_children; i++)
		tui_run_free(&d->children[i]);
	free(d->children);
	memset(d, 0, sizeof *d);
}

const char *tui_run_detail_param(const struct tui_run_detail *d, const char *key)
{
	for (size_t i = 0; i < d->n_params; i++)
		if (d->params[i].key && strcmp(d->params[i].key, key) == 0)
			return d->params[i].value;
	return NULL;
}

const struct tui_series *tui_run_detail_series(const struct tui_run_detail *d, const char *key)
{
	for (size_t i = 0; i < d->n_series; i++)
		if (strcmp(d->series[i].key, key) == 0)
			return &d->series[i];
	return NULL;
}

const char *tui_run_detail_policy(const struct tui_run_detail *d)
{
	for (size_t i = d->n_ckpts; i-- > 0;)
		if (d->ckpts[i].kind && strcmp(d->ckpts[i].kind, "policy") == 0)
			return d->ckpts[i].path;
	return tui_run_detail_param(d, "model");
}
