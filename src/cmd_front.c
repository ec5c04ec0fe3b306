/* ric front: the fronts and hypervolumes of eval runs side by side, and CSV
 * of their points for plotting. */
#include "config.h"

#include "src/cli_store.h"
#include "src/termtext.h"
#include "engine/mapping.h"
#include "engine/pareto.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

static int front_run(struct cli *cli, int argc, char **argv);

const struct cli_command cmd_front = {
	.name = "front",
	.summary = "compare the Pareto fronts and hypervolumes of eval runs",
	.usage = "ric front RUN... [--reference V1,V2,...] [--raw] [-o FILE]",
	.help = "Options:\n"
	        "  --reference V1,...  compare with this reference point (normalised units;\n"
	        "                      raw units with --raw)\n"
	        "  --raw               recompute every hypervolume from the fronts' raw means\n"
	        "                      above one reference in raw units (default: each\n"
	        "                      objective's smallest raw mean over all the points)\n"
	        "  -o, --output FILE   write every point of every run as CSV: run, name,\n"
	        "                      front, point, on_front, pref_i, raw_i, norm_i\n"
	        "RUN is an id, a unique name or a unique tag. Each front's stored\n"
	        "hypervolume is shown; when the fronts were measured from different\n"
	        "reference points (or --reference is given) every hypervolume is\n"
	        "recomputed from the front's points with one common reference (the\n"
	        "smallest value of each objective over the references), and the\n"
	        "output says so. Normalised hypervolumes compare only when the runs share\n"
	        "their objectives and normalisation stats (recorded by eval); when they\n"
	        "do not, front says which differ and compares nothing (--raw does, when\n"
	        "the objectives agree).\n",
	.run = front_run,
};

struct front_item {
	store_id run, id;
	char run_name[128], name[128];
	int n;
	double hv, hv_common, reference[STORE_MAX_OBJ];
	int has_obj;                /* eval recorded objectiveK params */
	char obj[STORE_MAX_OBJ][64];
	double mu[STORE_MAX_OBJ], sigma[STORE_MAX_OBJ];
	char mapping[48], range[16];  /* how the targets were set ("-": not recorded) */
	int raw_units;              /* front and hypervolume over raw means (eval --units raw) */
	size_t n_points, n_on;
	struct store_point *points; /* all points of the run */
	store_id *on;               /* ids of the points on this front */
};

static int front_on(const struct front_item *it, store_id point);

struct front_list {
	struct front_item *v;
	size_t n;
	store_id run;
	const char *run_name;
	int oom;
};

static int front_take(void *ctx, const struct store_front *f)
{
	struct front_list *l = ctx;
	struct front_item *v = realloc(l->v, (l->n + 1) * sizeof *v);
	if (!v) {
		l->oom = 1;
		return 1;
	}
	l->v = v;
	struct front_item *it = &v[l->n++];
	memset(it, 0, sizeof *it);
	it->run = l->run;
	it->id = f->id;
	snprintf(it->run_name, sizeof it->run_name, "%s", l->run_name);
	snprintf(it->name, sizeof it->name, "%s", f->name ? f->name : "");
	it->n = f->n;
	it->hv = it->hv_common = f->hypervolume;
	snprintf(it->mapping, sizeof it->mapping, "-");
	snprintf(it->range, sizeof it->range, "-");
	memcpy(it->reference, f->reference, sizeof it->reference);
	return 0;
}

struct front_points {
	struct store_point *v;
	size_t n;
	int oom;
};

static int front_point(void *ctx, const struct store_point *p)
{
	struct front_points *l = ctx;
	struct store_point *v = realloc(l->v, (l->n + 1) * sizeof *v);
	if (!v) {
		l->oom = 1;
		return 1;
	}
	l->v = v;
	v[l->n++] = *p;
	return 0;
}

static int front_name(void *ctx, const struct store_run *r)
{
	snprintf(ctx, 128, "%s", r->name);
	return 0;
}

/* "objectiveK" = "NAME=SPEC mu=M sigma=S lo=L hi=H", as eval records it,
 * and mapping, range and units. */
static int front_param(void *ctx, const char *key, const char *value)
{
	struct front_item *it = ctx;
	char *end;
	if (strcmp(key, "mapping") == 0)
		snprintf(it->mapping, sizeof it->mapping, "%s", value);
	else if (strcmp(key, "range") == 0)
		snprintf(it->range, sizeof it->range, "%s", value);
	else if (strcmp(key, "units") == 0)
		it->raw_units = strcmp(value, "raw") == 0;
	if (strncmp(key, "objective", 9) != 0)
		return 0;
	long k = strtol(key + 9, &end, 10);
	const char *eq = strchr(value, '='), *mu = strstr(value, " mu="), *sg = strstr(value, " sigma=");
	if (*end || k < 1 || k > STORE_MAX_OBJ || !eq || !mu || !sg)
		return 0;
	snprintf(it->obj[k - 1], sizeof it->obj[k - 1], "%.*s", (int)(eq - value), value);
	it->mu[k - 1] = strtod(mu + 4, NULL);
	it->sigma[k - 1] = strtod(sg + 7, NULL);
	it->has_obj |= k == 1;
	return 0;
}

/* What keeps the normalised hypervolumes of v[0..n) apart, written to why
 * (empty when nothing); 2: the objectives differ, 1: their stats, 0: neither.
 * Runs that recorded no objectives (older evals) are named in unknown. */
static int front_agree(const struct front_item *v, size_t n, int dim, char *why, size_t cap,
                       char *unknown, size_t ucap)
{
	const struct front_item *a = NULL;
	int level = 0;
	size_t ul = 0;
	why[0] = unknown[0] = '\0';
	for (size_t i = 0; i < n; i++) {
		if (!v[i].has_obj) {
			ul += (size_t)snprintf(unknown + ul, ul < ucap ? ucap - ul : 0, "%s%lld",
			                       ul ? ", " : "", (long long)v[i].run);
			if (ul >= ucap)
				ul = ucap - 1;
			continue;
		}
		if (!a) {
			a = &v[i];
			continue;
		}
		for (int j = 0; j < dim && level < 2; j++)
			if (strcmp(a->obj[j], v[i].obj[j]) != 0) {
				snprintf(why, cap, "the objectives differ: objective %d is %s in run %lld, %s "
				         "in run %lld", j + 1, a->obj[j], (long long)a->run, v[i].obj[j],
				         (long long)v[i].run);
				level = 2;
			}
		for (int j = 0; j < dim && level < 1; j++)
			if (a->mu[j] != v[i].mu[j] || a->sigma[j] != v[i].sigma[j]) {
				snprintf(why, cap, "the normalisation stats differ: %s has mu %.6g sigma %.6g "
				         "in run %lld, mu %.6g sigma %.6g in run %lld", a->obj[j], a->mu[j],
				         a->sigma[j], (long long)a->run, v[i].mu[j], v[i].sigma[j],
				         (long long)v[i].run);
				level = 1;
			}
	}
	return level;
}

/* The hypervolume of it's front above ref, from its normalised or raw means. */
static enum status_code front_hv(const struct front_item *it, int dim, const double *ref, int raw,
                                 double *out, struct status *st)
{
	double *pts = calloc(it->n_on * (size_t)dim + 1, sizeof *pts);
	if (!pts)
		return status_set(st, STATUS_NOMEM, "out of memory");
	size_t k = 0;
	for (size_t p = 0; p < it->n_points; p++)
		if (front_on(it, it->points[p].id))
			memcpy(pts + (k++) * (size_t)dim,
			       raw ? it->points[p].raw_mean : it->points[p].norm_mean,
			       (size_t)dim * sizeof *pts);
	enum status_code sc = dim <= PARETO_HV_EXACT_MAX
	                      ? pareto_hypervolume(pts, k, (size_t)dim, ref, out, st)
	                      : STATUS_UNSUPPORTED;
	if (sc == STATUS_UNSUPPORTED) {
		struct rng r;
		rng_seed(&r, 1);
		sc = pareto_hypervolume_mc(pts, k, (size_t)dim, ref, 200000, &r, out, st);
	}
	free(pts);
	return sc;
}

static int front_on(const struct front_item *it, store_id point)
{
	for (size_t i = 0; i < it->n_on; i++)
		if (it->on[i] == point)
			return 1;
	return 0;
}

static void front_num(FILE *f, double v)
{
	char buf[64];
	cli_store_double(buf, sizeof buf, v);
	fprintf(f, ",%s", buf);
}

static int front_csv(const char *path, const struct front_item *v, size_t n, int dim)
{
	FILE *f = strcmp(path, "-") == 0 ? stdout : fopen(path, "w");
	if (!f) {
		cli_error("%s: cannot write: %s", path, strerror(errno));
		return CLI_FAIL;
	}
	fputs("run,run_name,front,point,on_front", f);
	static const char *const kinds[3] = { "pref", "raw", "norm" };
	for (int k = 0; k < 3; k++)
		for (int j = 0; j < dim; j++)
			fprintf(f, ",%s_%d", kinds[k], j + 1);
	fputs("\r\n", f);
	for (size_t i = 0; i < n; i++)
		for (size_t p = 0; p < v[i].n_points; p++) {
			const struct store_point *pt = &v[i].points[p];
			fprintf(f, "%lld,", (long long)v[i].run);
			cli_store_csv_field(f, v[i].run_name);
			fputc(',', f);
			cli_store_csv_field(f, v[i].name);
			fprintf(f, ",%lld,%d", (long long)pt->id, front_on(&v[i], pt->id));
			for (int j = 0; j < dim; j++)
				front_num(f, pt->preference[j]);
			for (int j = 0; j < dim; j++)
				front_num(f, pt->raw_mean[j]);
			for (int j = 0; j < dim; j++)
				front_num(f, pt->norm_mean[j]);
			fputs("\r\n", f);
		}
	if (f != stdout && fclose(f) != 0) {
		cli_error("%s: cannot write: %s", path, strerror(errno));
		return CLI_FAIL;
	}
	return CLI_OK;
}

struct front_opts {
	const char *reference, *output;
	int raw;
};

/* CLI_OK with the runs at argv[optind..], or an exit status (-1: --help done). */
static int front_parse(int argc, char **argv, struct front_opts *o)
{
	static const struct option opts[] = {
		{ "reference", required_argument, NULL, 'r' },
		{ "output", required_argument, NULL, 'o' },
		{ "raw", no_argument, NULL, 'R' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	int c, exit_rc;
	while ((c = cli_next_option(&cmd_front, argc, argv, "ho:", opts, &exit_rc)) != -1) {
		switch (c) {
		case 'r': o->reference = optarg; break;
		case 'o': o->output = optarg; break;
		case 'R': o->raw = 1; break;
		case CLI_OPT_EXIT: return exit_rc == CLI_OK ? -1 : exit_rc;
		}
	}
	if (optind >= argc)
		return cli_bad_usage(&cmd_front, "name at least one eval run");
	return CLI_OK;
}

static void front_list_free(struct front_list *l)
{
	for (size_t i = 0; i < l->n; i++) {
		free(l->v[i].points);
		free(l->v[i].on);
	}
	free(l->v);
}

/* A front's parameters, its run's points and the ids of those on it. */
static int front_fill(struct store *s, store_id run, struct front_item *it)
{
	struct store_err e;
	if (store_params_each(s, run, front_param, it, &e) != STORE_OK) {
		cli_error("%s", e.msg);
		return CLI_FAIL;
	}
	struct front_points all = { 0 }, on = { 0 };
	if (store_points_each(s, run, front_point, &all, &e) != STORE_OK ||
	    store_front_points_each(s, it->id, front_point, &on, &e) != STORE_OK) {
		free(all.v);
		free(on.v);
		cli_error("%s", e.msg);
		return CLI_FAIL;
	}
	it->points = all.v;
	it->n_points = all.n;
	it->on = calloc(on.n + 1, sizeof *it->on);
	for (size_t k = 0; it->on && k < on.n; k++)
		it->on[k] = on.v[k].id;
	it->n_on = it->on ? on.n : 0;
	free(on.v);
	if (all.oom || on.oom || !it->on) {
		cli_error("out of memory");
		return CLI_FAIL;
	}
	return CLI_OK;
}

/* Every front of the run named by arg, appended to l. */
static int front_load_run(struct store *s, const char *arg, struct front_list *l)
{
	store_id run;
	if (cli_store_run(s, arg, &run) != CLI_OK)
		return CLI_FAIL;
	char name[128] = "";
	store_run_get(s, run, front_name, name, NULL);
	size_t before = l->n;
	l->run = run;
	l->run_name = name;
	struct store_err e;
	if (store_fronts_each(s, run, front_take, l, &e) != STORE_OK) {
		cli_error("%s", e.msg);
		return CLI_FAIL;
	}
	if (l->oom) {
		cli_error("out of memory");
		return CLI_FAIL;
	}
	if (l->n == before) {
		cli_error("run %s has no front: is it a ric eval run?", arg);
		return CLI_FAIL;
	}
	for (size_t i = before; i < l->n; i++)
		if (front_fill(s, run, &l->v[i]) != CLI_OK)
			return CLI_FAIL;
	return CLI_OK;
}

/* How the fronts compare: 0 in normalised units, 1 only in raw units, 2 not
 * at all; says why on stdout. *raw is cleared when nothing compares. */
static int front_level(const struct front_list *l, int dim, int *raw)
{
	char why[512], unknown[256];
	int level = front_agree(l->v, l->n, dim, why, sizeof why, unknown, sizeof unknown);
	if (unknown[0] && l->n > 1)
		termtext_printf(stdout, "note: run(s) %s recorded no objectives or stats (an older "
		                "eval): not checked\n", unknown);
	/* Fronts stored in raw units (eval --units raw) recompute from raw means. */
	int units_differ = 0;
	for (size_t i = 1; i < l->n; i++)
		if (l->v[i].raw_units != l->v[0].raw_units && !units_differ) {
			units_differ = 1;
			snprintf(why, sizeof why, "run %lld is in %s units, run %lld in %s",
			         (long long)l->v[0].run, l->v[0].raw_units ? "raw" : "normalised",
			         (long long)l->v[i].run, l->v[i].raw_units ? "raw" : "normalised");
		}
	if (level == 2) {
		termtext_printf(stdout, "hypervolumes are not comparable: %s\n", why);
		*raw = 0;
	} else if (level == 1 && !*raw) {
		termtext_printf(stdout, "hypervolumes are not comparable in normalised units: %s "
		                "(--raw compares them in raw units)\n", why);
	} else if (units_differ && !*raw) {
		termtext_printf(stdout, "hypervolumes are not comparable: %s (--raw compares them "
		                "in raw units)\n", why);
		level = 1;
	}
	return level;
}

/* One reference for all into ref: given, or the smallest of each objective
 * (over the references; over every point's raw means with --raw). Returns
 * whether the hypervolumes are to be recomputed with it, or -1 on a bad
 * --reference. */
static int front_reference(const struct front_list *l, int dim, const struct front_opts *o,
                           double *ref)
{
	int differ = 0;
	memcpy(ref, l->v[0].reference, STORE_MAX_OBJ * sizeof *ref);
	for (size_t i = 1; i < l->n; i++)
		for (int j = 0; j < dim; j++) {
			differ |= l->v[i].reference[j] != ref[j];
			ref[j] = fmin(ref[j], l->v[i].reference[j]);
		}
	if (o->raw) {
		for (int j = 0; j < dim; j++)
			ref[j] = INFINITY;
		for (size_t i = 0; i < l->n; i++)
			for (size_t p = 0; p < l->v[i].n_points; p++)
				for (int j = 0; j < dim; j++)
					ref[j] = fmin(ref[j], l->v[i].points[p].raw_mean[j]);
		differ = 1;
	}
	if (o->reference) {
		struct status st = STATUS_INIT;
		if (mapping_parse_vector(o->reference, (size_t)dim, "--reference", ref, &st) !=
		    STATUS_OK) {
			cli_error("%s", st.msg);
			return -1;
		}
		differ = 1;
	}
	return differ;
}

/* Every front's hypervolume above ref into hv_common, and a line saying so. */
static int front_recompute(struct front_list *l, int dim, const double *ref, int in_raw,
                           const char *given)
{
	for (size_t i = 0; i < l->n; i++) {
		struct status st = STATUS_INIT;
		if (front_hv(&l->v[i], dim, ref, in_raw, &l->v[i].hv_common, &st) != STATUS_OK) {
			cli_error("%s", st.msg);
			return CLI_FAIL;
		}
	}
	char vec[512];
	cli_store_vec_text(vec, sizeof vec, ref, dim);
	if (in_raw)
		printf("hypervolumes recomputed in raw units with the common reference %s%s\n", vec,
		       given ? " (--reference)" : "");
	else
		printf("hypervolumes recomputed with the common reference %s (%s)\n", vec,
		       given ? "--reference" : "the runs' references differ");
	return CLI_OK;
}

/* The table of fronts; hv names the hypervolume column. */
static void front_table(const struct front_list *l, int dim, const char *hv, int common)
{
	/* Names in full: baselines are named after their run and only differ at the end. */
	int wn = 4, wf = 5, wr = 9;
	char vec[512];
	for (size_t i = 0; i < l->n; i++) {
		wn = (int)strlen(l->v[i].run_name) > wn ? (int)strlen(l->v[i].run_name) : wn;
		wf = (int)strlen(l->v[i].name) > wf ? (int)strlen(l->v[i].name) : wf;
		cli_store_vec_text(vec, sizeof vec, l->v[i].reference, dim);
		wr = (int)strlen(vec) > wr ? (int)strlen(vec) : wr;
	}
	printf("%-6s %-*s %-*s %6s %6s %12s  %-*s  %-10s %-7s %s\n", "run", wn, "name", wf, "front",
	       "points", "front", hv, wr, "reference", "mapping", "range", "units");
	for (size_t i = 0; i < l->n; i++) {
		const struct front_item *it = &l->v[i];
		cli_store_vec_text(vec, sizeof vec, it->reference, dim);
		termtext_printf(stdout, "%-6lld %-*s %-*s %6zu %6zu %12.4f  %-*s  %-10s %-7s %s\n",
		                (long long)it->run, wn, it->run_name, wf, it->name, it->n_points,
		                it->n_on, common ? it->hv_common : it->hv, wr, vec, it->mapping,
		                it->range, it->raw_units ? "raw" : "normalised");
	}
}

/* Each front's points: their means and preference. */
static void front_points_print(const struct front_list *l, int dim)
{
	for (size_t i = 0; i < l->n; i++) {
		const struct front_item *it = &l->v[i];
		termtext_printf(stdout, "\nrun %lld %s, front %s (%s means, preference):\n",
		                (long long)it->run, it->run_name, it->name,
		                it->raw_units ? "raw" : "normalised");
		for (size_t p = 0; p < it->n_points; p++) {
			const struct store_point *pt = &it->points[p];
			if (!front_on(it, pt->id))
				continue;
			char pref[256];
			cli_store_vec_text(pref, sizeof pref, pt->preference, dim);
			printf(" ");
			for (int j = 0; j < dim; j++)
				printf(" %9.3f", it->raw_units ? pt->raw_mean[j] : pt->norm_mean[j]);
			printf("  %s\n", pref);
		}
	}
}

/* The comparison of the loaded fronts: table, points and CSV. */
static int front_compare(struct front_list *l, struct front_opts *o)
{
	int dim = l->v[0].n;
	for (size_t i = 1; i < l->n; i++)
		if (l->v[i].n != dim) {
			cli_error("run %lld has %d objectives, run %lld has %d: fronts cannot be compared",
			          (long long)l->v[0].run, dim, (long long)l->v[i].run, l->v[i].n);
			return CLI_FAIL;
		}
	int level = front_level(l, dim, &o->raw);
	int in_raw = o->raw || l->v[0].raw_units;
	double ref[STORE_MAX_OBJ];
	int differ = front_reference(l, dim, o, ref);
	if (differ < 0)
		return CLI_FAIL;
	/* Stats that differ make normalised volumes incomparable: shown, not
	 * put on one scale. */
	int own = level > 0 && !o->raw;
	if (own)
		differ = 0;
	if (differ && front_recompute(l, dim, ref, in_raw, o->reference) != CLI_OK)
		return CLI_FAIL;
	front_table(l, dim,
	            own ? "hv (own)" : o->raw ? "hv (raw)" : differ ? "hv (common)" : "hypervolume",
	            differ);
	front_points_print(l, dim);
	return o->output ? front_csv(o->output, l->v, l->n, dim) : CLI_OK;
}

static int front_run(struct cli *cli, int argc, char **argv)
{
	struct front_opts o = { 0 };
	int rc = front_parse(argc, argv, &o);
	if (rc != CLI_OK)
		return rc < 0 ? CLI_OK : rc;
	struct store *s;
	if (cli_store_open(cli, &s) != CLI_OK)
		return CLI_FAIL;
	struct front_list l = { 0 };
	for (int a = optind; a < argc && rc == CLI_OK; a++)
		rc = front_load_run(s, argv[a], &l);
	if (rc == CLI_OK)
		rc = front_compare(&l, &o);
	front_list_free(&l);
	store_close(s);
	return rc;
}
