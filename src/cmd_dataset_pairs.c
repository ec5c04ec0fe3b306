/* ric dataset pair-images: preference pairs of images, drawn from an image
 * dataset and ranked by one of its scored objectives, stored as a new
 * dataset of pairs (the rows' pictures copied) for ric rm-train. */
#include "config.h"

#include "src/cmd_dataset_images.h"
#include "src/job_state.h"
#include "src/termtext.h"
#include "engine/monotonic.h"
#include "engine/rng.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A draw that finds no pair this many times over gives up (all rows tie). */
#define PAIRS_TRIES 100
#define PAIRS_BATCH 256

struct pairs_row {
	store_id id;
	double v;
	int has, eval;
	void *png;
	size_t png_len;
	char *response;
};

struct pairs {
	struct pairs_row *r;
	size_t n, cap;
	int pos;          /* the objective's position in the rows' reward vectors */
	char err[1024];
};

static int pairs_fail(struct pairs *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int pairs_fail(struct pairs *p, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(p->err, sizeof p->err, fmt, ap);
	va_end(ap);
	return CLI_FAIL;
}

static int pairs_take(void *ctx, const struct store_row *r)
{
	struct pairs *p = ctx;
	if (!r->image) {
		pairs_fail(p, "row %lld is a text row: pair-images pairs images (ric dataset "
		           "import-images)", (long long)r->id);
		return 1;
	}
	if (p->n == p->cap) {
		size_t cap = p->cap ? 2 * p->cap : 256;
		struct pairs_row *nr = realloc(p->r, cap * sizeof *nr);
		if (!nr) {
			pairs_fail(p, "out of memory");
			return 1;
		}
		p->r = nr;
		p->cap = cap;
	}
	struct pairs_row *o = &p->r[p->n];
	memset(o, 0, sizeof *o);
	o->id = r->id;
	o->has = p->pos < r->n && r->has_reward[p->pos];
	o->v = o->has ? r->reward[p->pos] : NAN;
	o->eval = r->split && strcmp(r->split, "eval") == 0;
	o->png = malloc(r->image_len);
	o->png_len = r->image_len;
	o->response = strdup(r->response ? r->response : "");
	if (!o->png || !o->response) {
		free(o->png);
		free(o->response);
		pairs_fail(p, "out of memory");
		return 1;
	}
	memcpy(o->png, r->image, r->image_len);
	p->n++;
	return 0;
}

static void pairs_free(struct pairs *p)
{
	for (size_t i = 0; i < p->n; i++) {
		free(p->r[i].png);
		free(p->r[i].response);
	}
	free(p->r);
}

/* The objective's position in the rows' reward vectors. */
struct pairs_seek {
	store_id want;
	int pos;
};

static int pairs_seek_pos(void *ctx, const struct store_objective *o)
{
	struct pairs_seek *k = ctx;
	if (o->id == k->want)
		k->pos = o->pos;
	return 0;
}

/* Up to want pairs of the split's scored rows idx[0..n): two distinct rows
 * whose scores differ by more than margin, the higher one chosen. Returns
 * how many were drawn into ch/rj. */
static size_t pairs_draw(const struct pairs *p, const size_t *idx, size_t n, size_t want,
                         double margin, struct rng *r, size_t *ch, size_t *rj)
{
	size_t k = 0;
	for (size_t tries = 0; n >= 2 && k < want && tries < want * PAIRS_TRIES; tries++) {
		size_t a = idx[(size_t)rng_below(r, n)], b = idx[(size_t)rng_below(r, n)];
		double d = p->r[a].v - p->r[b].v;
		if (a == b || !(fabs(d) > margin))
			continue;
		ch[k] = d > 0 ? a : b;
		rj[k] = d > 0 ? b : a;
		k++;
	}
	return k;
}

int dataset_pair_images(const struct cli_command *cmd, struct cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "by", required_argument, NULL, 'b' },
		{ "name", required_argument, NULL, 'n' },
		{ "pairs", required_argument, NULL, 'p' },
		{ "margin", required_argument, NULL, 'm' },
		{ "seed", required_argument, NULL, 's' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	const char *by = NULL, *name = NULL, *pairs_arg = "1000", *margin_arg = "0", *seed_arg = "0";
	double want = 1000, margin = 0, seed = 0;
	int c, rc, exit_rc;
	while ((c = cli_next_option(cmd, argc, argv, "h", opts, &exit_rc)) != -1) {
		rc = CLI_OK;
		switch (c) {
		case 'b': by = optarg; break;
		case 'n': name = optarg; break;
		case 'p': pairs_arg = optarg; rc = cli_number(cmd, "--pairs", optarg, 1, 1e7, &want); break;
		case 'm': margin_arg = optarg; rc = cli_number(cmd, "--margin", optarg, 0, 1e6, &margin); break;
		case 's': seed_arg = optarg; rc = cli_number(cmd, "--seed", optarg, 0, 9e15, &seed); break;
		case CLI_OPT_EXIT: return exit_rc;
		}
		if (rc != CLI_OK)
			return rc;
	}
	if (optind + 1 != argc)
		return cli_bad_usage(cmd, "pair-images wants one image dataset");
	if (!by || !name || !*name)
		return cli_bad_usage(cmd, "pair-images wants --by OBJECTIVE and --name NAME");
	const char *src = argv[optind];
	struct store *s;
	if (cli_store_open(cli, &s) != CLI_OK)
		return CLI_FAIL;
	struct store_err err;
	struct pairs p = { .pos = -1 };
	store_id sds = 0, obj = 0, run = 0, dataset = 0;
	int64_t n_image = 0, n_rows = 0;
	int status = CLI_OK;
	if (job_state_reap(s, NULL, NULL, &err) < 0)
		cli_error("warning: %s", err.msg);
	if (store_dataset_find(s, src, &sds, &err) != STORE_OK ||
	    store_dataset_images(s, sds, &n_image, &n_rows, &err) != STORE_OK)
		status = pairs_fail(&p, "%s", err.msg);
	else if (n_image == 0)
		status = pairs_fail(&p, "dataset %s holds text rows: pair-images pairs images (ric "
		                    "dataset import-images)", src);
	else if (store_objective_find(s, sds, by, &obj, &err) != STORE_OK)
		status = pairs_fail(&p, "dataset %s: %s (score it first: ric relabel --dataset %s "
		                    "--objective %s=SPEC)", src, err.msg, src, by);
	struct pairs_seek seek = { obj, -1 };
	if (status == CLI_OK && store_objectives_each(s, sds, pairs_seek_pos, &seek, &err) != STORE_OK)
		status = pairs_fail(&p, "%s", err.msg);
	p.pos = seek.pos;
	if (status == CLI_OK && store_rows_query(s, sds, &(struct store_row_query){ 0 }, pairs_take,
	                                         &p, &err) != STORE_OK && !p.err[0])
		status = pairs_fail(&p, "%s", err.msg);
	if (p.err[0])
		status = CLI_FAIL;
	/* the scored rows of each split; eval pairs in the eval rows' share */
	size_t *idx = malloc((p.n ? p.n : 1) * sizeof *idx), n_tr = 0, n_ev = 0;
	size_t *ch = malloc((size_t)want * sizeof *ch), *rj = malloc((size_t)want * sizeof *rj);
	if (status == CLI_OK && (!idx || !ch || !rj))
		status = pairs_fail(&p, "out of memory");
	for (size_t i = 0; status == CLI_OK && i < p.n; i++)
		if (p.r[i].has && !p.r[i].eval)
			idx[n_tr++] = i;
	for (size_t i = 0; status == CLI_OK && i < p.n; i++)
		if (p.r[i].has && p.r[i].eval)
			idx[n_tr + n_ev++] = i;
	if (status == CLI_OK && n_tr < 2)
		status = pairs_fail(&p, "dataset %s has %zu training rows scored by %s; a pair needs 2",
		                    src, n_tr, by);
	size_t want_ev = n_ev >= 2 ? (size_t)llround(want * (double)n_ev / (double)(n_tr + n_ev)) : 0;
	size_t want_tr = (size_t)want - want_ev, got_tr = 0, got_ev = 0;
	struct rng r;
	rng_seed(&r, (uint64_t)seed);
	if (status == CLI_OK) {
		got_tr = pairs_draw(&p, idx, n_tr, want_tr, margin, &r, ch, rj);
		got_ev = pairs_draw(&p, idx + n_tr, n_ev, want_ev, margin, &r, ch + got_tr, rj + got_tr);
		if (got_tr == 0)
			status = pairs_fail(&p, "no two training rows of %s differ by more than --margin "
			                    "%g in %s", src, margin, by);
	}
	double t0 = monotonic_s();
	if (status == CLI_OK && store_run_create(s, "import", NULL, 0, &run, &err) != STORE_OK)
		status = pairs_fail(&p, "%s", err.msg);
	const char *const params[][2] = {
		{ "files", src }, { "format", "image-pairs" }, { "name", name }, { "by", by },
		{ "pairs", pairs_arg }, { "margin", margin_arg }, { "seed", seed_arg },
	};
	for (size_t i = 0; status == CLI_OK && i < sizeof params / sizeof params[0]; i++)
		if (store_param_set(s, run, params[i][0], params[i][1], &err) != STORE_OK)
			status = pairs_fail(&p, "%s", err.msg);
	char source[512];
	snprintf(source, sizeof source, "%s ranked by %s", src, by);
	if (status == CLI_OK && store_dataset_start(s, name, source, run, &dataset, &err) != STORE_OK)
		status = pairs_fail(&p, "%s", err.msg);
	/* PAIRS_BATCH pairs a transaction */
	size_t total = got_tr + got_ev;
	struct store_row *rows = status == CLI_OK ? calloc(2 * PAIRS_BATCH, sizeof *rows) : NULL;
	if (status == CLI_OK && !rows)
		status = pairs_fail(&p, "out of memory");
	for (size_t k0 = 0; status == CLI_OK && k0 < total; k0 += PAIRS_BATCH) {
		size_t nb = total - k0 < PAIRS_BATCH ? total - k0 : PAIRS_BATCH;
		for (size_t i = 0; i < nb; i++) {
			size_t k = k0 + i;
			const struct pairs_row *a = &p.r[ch[k]], *b = &p.r[rj[k]];
			const char *split = k < got_tr ? "train" : "eval";
			rows[2 * i] = (struct store_row){ .prompt = "", .response = a->response,
			                                  .split = split, .pair = (store_id)k + 1,
			                                  .role = "chosen", .image = a->png,
			                                  .image_len = a->png_len };
			rows[2 * i + 1] = (struct store_row){ .prompt = "", .response = b->response,
			                                      .split = split, .pair = (store_id)k + 1,
			                                      .role = "rejected", .image = b->png,
			                                      .image_len = b->png_len };
		}
		if (store_rows_add(s, dataset, rows, 2 * nb, NULL, &err) != STORE_OK)
			status = pairs_fail(&p, "%s", err.msg);
	}
	free(rows);
	if (status == CLI_OK) {
		double secs = monotonic_s() - t0;
		struct store_metric m[] = {
			{ "rows", 0, (double)(2 * total), 0 }, { "pairs", 0, (double)total, 0 },
			{ "train", 0, (double)(2 * got_tr), 0 }, { "eval", 0, (double)(2 * got_ev), 0 },
			{ "rows_per_s", 0, secs > 0 ? (double)(2 * total) / secs : 0, 0 },
		};
		if (store_dataset_finish(s, dataset, run, m, sizeof m / sizeof m[0], &err) != STORE_OK)
			status = pairs_fail(&p, "%s", err.msg);
	}
	if (status == CLI_OK) {
		termtext_printf(stdout, "dataset %s: %zu pairs of images from %s ranked by %s, %zu train, "
		                "%zu eval\n", name, total, src, by, got_tr, got_ev);
		if (total < (size_t)want)
			termtext_printf(stdout, "(%zu asked for: too few rows differ by more than --margin "
			                "%g)\n", (size_t)want, margin);
		termtext_printf(stdout, "run %lld (import)\n", (long long)run);
	} else {
		cli_error("pair-images: %s", p.err);
		if (dataset && store_dataset_delete(s, dataset, &err) != STORE_OK)
			cli_error("pair-images: %s (the dataset stays incomplete and hidden; `ric store "
			          "check` removes it)", err.msg);
		if (run)
			store_run_finish(s, run, "failed", p.err, NULL);
	}
	free(idx);
	free(ch);
	free(rj);
	store_close(s);
	pairs_free(&p);
	return status;
}
