#include "config.h"

#include "src/ricdata.h"

#include "engine/stats.h"

#include <stdlib.h>
#include <string.h>

int ricdata_option(const struct cli_command *cmd, int c, const char *arg, struct ricdata_opts *o)
{
	switch (c) {
	case 'O':
		if (o->n_objectives == RICDATA_MAX_OBJ)
			return cli_bad_usage(cmd, "at most %d --objective", RICDATA_MAX_OBJ);
		o->objectives[o->n_objectives++] = arg;
		break;
	case 't': o->template = arg; break;
	case 'M': o->marker = arg; break;
	case 'P': o->mapping = arg; break;
	case 'U': o->unconditioned = 1; break;
	case 'R':
		if (strcmp(arg, "chosen") != 0 && strcmp(arg, "both") != 0)
			return cli_bad_usage(cmd, "--pair-responses is chosen or both, not '%s'", arg);
		o->pair_responses = arg;
		break;
	}
	return CLI_OK;
}

int ricdata_opts_given(const struct ricdata_opts *o)
{
	return o->n_objectives || o->template || o->marker || o->mapping || o->unconditioned ||
	       o->pair_responses;
}

void ricdata_opts_done(struct ricdata_opts *o)
{
	/* The reference's baseline learns the chosen answers; RiC wants the
	 * low-reward rows too. */
	if (!o->pair_responses)
		o->pair_responses = o->unconditioned ? "chosen" : "both";
}

struct ricdata_objs {
	struct ricdata *rd;
	struct status *st;
	enum status_code rc;
	store_id expert;      /* o->expert's objective */
};

static int ricdata_objective(void *ctx, const struct store_objective *ob)
{
	struct ricdata_objs *c = ctx;
	struct ricdata *rd = c->rd;
	if (rd->o->expert && strcmp(rd->o->expert, ob->name) == 0) {
		rd->expert_pos = ob->pos;
		c->expert = ob->id;
	}
	int want = rd->o->n_objectives == 0;
	for (int i = 0; i < rd->o->n_objectives; i++)
		want |= strcmp(rd->o->objectives[i], ob->name) == 0;
	if (!want)
		return 0;
	if (!ob->has_stats) {
		c->rc = status_set(c->st, STATUS_INVALID, "dataset %s is not relabelled: objective %s "
		                   "has no stats yet (run `ric relabel --dataset %s`)", rd->dataset,
		                   ob->name, rd->dataset);
		return 1;
	}
	if (rd->m.n_obj == RICDATA_MAX_OBJ) {
		c->rc = status_set(c->st, STATUS_UNSUPPORTED, "more than %d objectives", RICDATA_MAX_OBJ);
		return 1;
	}
	rd->pos[rd->m.n_obj] = ob->pos;
	c->rc = ricmeta_add_objective(&rd->m, ob->name, ob->spec, ob->mu, ob->sigma, ob->lo, ob->hi,
	                              c->st);
	return c->rc != STATUS_OK;
}

struct ricdata_scores {
	double *v;
	size_t n, cap;
	int oom;
};

static int ricdata_score(void *ctx, store_id row, double value)
{
	struct ricdata_scores *c = ctx;
	(void)row;
	if (c->n == c->cap) {
		size_t cap = c->cap * 2 + 256;
		double *v = realloc(c->v, cap * sizeof *v);
		if (!v) {
			c->oom = 1;
			return 1;
		}
		c->v = v;
		c->cap = cap;
	}
	c->v[c->n++] = value;
	return 0;
}

/* The expert's threshold over the objective's training scores. */
static enum status_code ricdata_expert(struct ricdata *rd, struct store *s, store_id objective,
                                       struct status *st)
{
	struct ricdata_scores c = { 0 };
	struct store_err err;
	enum status_code rc;
	if (store_rewards_each(s, objective, "train", ricdata_score, &c, &err) != STORE_OK)
		rc = status_set(st, STATUS_IO, "%s", err.msg);
	else if (c.oom)
		rc = status_set(st, STATUS_NOMEM, "out of memory");
	else if (c.n == 0)
		rc = status_set(st, STATUS_INVALID, "dataset %s: no training row has a %s score (run "
		                "`ric relabel --dataset %s`)", rd->dataset, rd->o->expert, rd->dataset);
	else
		rc = stats_quantile(c.v, c.n, 1, rd->o->expert_quantile, &rd->expert_threshold, st);
	free(c.v);
	return rc;
}

enum status_code ricdata_open(struct ricdata *rd, struct store *s, const char *dataset,
                              const struct ricdata_opts *o, const char *base, struct status *st)
{
	memset(rd, 0, sizeof *rd);
	rd->o = o;
	rd->expert_pos = -1;
	rd->dataset = dataset;
	ricmeta_init(&rd->m);
	struct store_err err;
	if (store_dataset_find(s, dataset, &rd->ds, &err) != STORE_OK)
		return status_set(st, STATUS_INVALID, "%s", err.msg);
	/* Image rows hold a file path as their response: no text to learn from. */
	int64_t n_image, n_rows;
	if (store_dataset_images(s, rd->ds, &n_image, &n_rows, &err) != STORE_OK)
		return status_set(st, STATUS_IO, "%s", err.msg);
	if (n_image > 0 && !o->images)
		return status_set(st, STATUS_INVALID, "dataset %s holds images (ric dataset "
		                  "import-images): this stage trains a text model", dataset);
	if (n_image == 0 && o->images)
		return status_set(st, STATUS_INVALID, "dataset %s holds text rows: an image model "
		                  "trains on an image dataset (ric dataset import-images)", dataset);
	struct ricdata_objs oc = { .rd = rd, .st = st };
	if (store_objectives_each(s, rd->ds, ricdata_objective, &oc, &err) != STORE_OK)
		return status_set(st, STATUS_IO, "%s", err.msg);
	if (oc.rc != STATUS_OK)
		return oc.rc;
	if (rd->m.n_obj == 0 && o->n_objectives == 0)
		return status_set(st, STATUS_INVALID, "dataset %s is not relabelled: it has no objectives "
		                  "(run `ric relabel --dataset %s --objective NAME=SPEC`)", dataset, dataset);
	if ((int)rd->m.n_obj < o->n_objectives)
		return status_set(st, STATUS_INVALID, "dataset %s lacks some of the --objective names "
		                  "(see `ric dataset show %s`)", dataset, dataset);
	if (o->expert && rd->expert_pos < 0)
		return status_set(st, STATUS_INVALID, "dataset %s has no objective '%s' for --expert "
		                  "(see `ric dataset show %s`)", dataset, o->expert, dataset);
	if (o->expert && ricdata_expert(rd, s, oc.expert, st) != STATUS_OK)
		return st->code;
	enum mapping_kind mk = MAPPING_LINF;
	if (o->mapping && mapping_parse(o->mapping, &mk, st) != STATUS_OK)
		return st->code;
	return ricmeta_configure(&rd->m, o->template, o->marker, mk, 0, base, st);
}

struct ricdata_walk {
	struct ricdata *rd;
	ricdata_row_fn fn;
	void *ctx;
	enum status_code rc;
};

static int ricdata_row(void *ctx, const struct store_row *r)
{
	struct ricdata_walk *w = ctx;
	struct ricdata *rd = w->rd;
	double raw[RICDATA_MAX_OBJ], z[RICDATA_MAX_OBJ];
	if (strcmp(rd->o->pair_responses, "chosen") == 0 && r->role &&
	    strcmp(r->role, "rejected") == 0) {
		rd->skipped_rejected++;
		return 0;
	}
	int e = rd->expert_pos;
	if (e >= 0 && (e >= r->n || !r->has_reward[e] || r->reward[e] < rd->expert_threshold)) {
		rd->skipped_expert++;
		return 0;
	}
	for (size_t i = 0; i < rd->m.n_obj; i++) {
		int k = rd->pos[i];
		if (k >= r->n || !r->has_reward[k]) {
			rd->skipped_unscored++;
			return 0;
		}
		raw[i] = r->reward[k];
	}
	ricmeta_normalise(&rd->m, raw, z);
	w->rc = w->fn(w->ctx, r, rd->o->unconditioned ? NULL : z);
	return w->rc != STATUS_OK;
}

enum status_code ricdata_each(struct ricdata *rd, struct store *s, ricdata_row_fn fn, void *ctx,
                              struct status *st)
{
	struct ricdata_walk w = { .rd = rd, .fn = fn, .ctx = ctx };
	struct store_row_query q = { .split = "train" };
	struct store_err err;
	if (store_rows_query(s, rd->ds, &q, ricdata_row, &w, &err) != STORE_OK && w.rc == STATUS_OK)
		return status_set(st, STATUS_IO, "%s", err.msg);
	return w.rc;
}

json_t *ricdata_meta_json(const struct ricmeta *m, int unconditioned)
{
	json_t *j = ricmeta_to_json(m);
	if (j && unconditioned && json_object_set_new(j, "conditioned", json_false()) != 0) {
		json_decref(j);
		return NULL;
	}
	return j;
}

void ricdata_close(struct ricdata *rd)
{
	ricmeta_free(&rd->m);
}
