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
	.usage = "ric front RUN... [--reference V1,V2,...] [-o FILE]",
	.help = "Options:\n"
	        "  --reference V1,...  compare with this reference point (normalised units)\n"
	        "  -o, --output FILE   write every point of every run as CSV: run, name,\n"
	        "                      front, point, on_front, pref_i, raw_i, norm_i\n"
	        "RUN is an id, a unique name or a unique tag. Each front's stored\n"
	        "hypervolume is shown; when the fronts were measured from different\n"
	        "reference points (or --reference is given) every hypervolume is\n"
	        "recomputed from the front's points with one common reference (the\n"
	        "smallest value of each objective over the references), and the\n"
	        "output says so.\n",
	.run = front_run,
};

struct front_item {
	store_id run, id;
	char run_name[128], name[128];
	int n;
	double hv, hv_common, reference[STORE_MAX_OBJ];
	size_t n_points, n_on;
	struct store_point *points; /* all points of the run */
	store_id *on;               /* ids of the points on this front */
};

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

static int front_run(struct cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "reference", required_argument, NULL, 'r' },
		{ "output", required_argument, NULL, 'o' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	const char *reference = NULL, *output = NULL;
	int c, exit_rc;
	while ((c = cli_next_option(&cmd_front, argc, argv, "ho:", opts, &exit_rc)) != -1) {
		switch (c) {
		case 'r': reference = optarg; break;
		case 'o': output = optarg; break;
		case CLI_OPT_EXIT: return exit_rc;
		}
	}
	if (optind >= argc)
		return cli_bad_usage(&cmd_front, "name at least one eval run");
	struct store *s;
	if (cli_store_open(cli, &s) != CLI_OK)
		return CLI_FAIL;
	struct front_list l = { 0 };
	struct store_err e;
	int rc = CLI_FAIL;
	for (int a = optind; a < argc; a++) {
		store_id run;
		if (cli_store_run(s, argv[a], &run) != CLI_OK)
			goto out;
		char name[128] = "";
		store_run_get(s, run, front_name, name, NULL);
		size_t before = l.n;
		l.run = run;
		l.run_name = name;
		if (store_fronts_each(s, run, front_take, &l, &e) != STORE_OK) {
			cli_error("%s", e.msg);
			goto out;
		}
		if (l.oom) {
			cli_error("out of memory");
			goto out;
		}
		if (l.n == before) {
			cli_error("run %s has no front: is it a ric eval run?", argv[a]);
			goto out;
		}
		for (size_t i = before; i < l.n; i++) {
			struct front_points all = { 0 }, on = { 0 };
			if (store_points_each(s, run, front_point, &all, &e) != STORE_OK ||
			    store_front_points_each(s, l.v[i].id, front_point, &on, &e) != STORE_OK) {
				free(all.v);
				free(on.v);
				cli_error("%s", e.msg);
				goto out;
			}
			l.v[i].points = all.v;
			l.v[i].n_points = all.n;
			l.v[i].on = calloc(on.n + 1, sizeof *l.v[i].on);
			for (size_t k = 0; l.v[i].on && k < on.n; k++)
				l.v[i].on[k] = on.v[k].id;
			l.v[i].n_on = l.v[i].on ? on.n : 0;
			free(on.v);
			if (all.oom || on.oom || !l.v[i].on) {
				cli_error("out of memory");
				goto out;
			}
		}
	}
	int dim = l.v[0].n;
	for (size_t i = 1; i < l.n; i++)
		if (l.v[i].n != dim) {
			cli_error("run %lld has %d objectives, run %lld has %d: fronts cannot be compared",
			          (long long)l.v[0].run, dim, (long long)l.v[i].run, l.v[i].n);
			goto out;
		}
	/* One reference for all: given, or the smallest of each objective. */
	double ref[STORE_MAX_OBJ];
	int differ = 0;
	memcpy(ref, l.v[0].reference, sizeof ref);
	for (size_t i = 1; i < l.n; i++)
		for (int j = 0; j < dim; j++) {
			differ |= l.v[i].reference[j] != ref[j];
			ref[j] = fmin(ref[j], l.v[i].reference[j]);
		}
	if (reference) {
		struct status st = STATUS_INIT;
		if (mapping_parse_vector(reference, (size_t)dim, "--reference", ref, &st) != STATUS_OK) {
			cli_error("%s", st.msg);
			goto out;
		}
		differ = 1;
	}
	char vec[512];
	if (differ) {
		for (size_t i = 0; i < l.n; i++) {
			struct front_item *it = &l.v[i];
			double *pts = calloc(it->n_on * (size_t)dim + 1, sizeof *pts);
			size_t k = 0;
			for (size_t p = 0; pts && p < it->n_points; p++)
				if (front_on(it, it->points[p].id))
					memcpy(pts + (k++) * (size_t)dim, it->points[p].norm_mean,
					       (size_t)dim * sizeof *pts);
			struct status st = STATUS_INIT;
			enum status_code sc = !pts ? status_set(&st, STATUS_NOMEM, "out of memory")
			                    : dim <= PARETO_HV_EXACT_MAX
			                          ? pareto_hypervolume(pts, k, (size_t)dim, ref, &it->hv_common, &st)
			                          : STATUS_UNSUPPORTED;
			if (sc == STATUS_UNSUPPORTED) {
				struct rng r;
				rng_seed(&r, 1);
				sc = pareto_hypervolume_mc(pts, k, (size_t)dim, ref, 200000, &r, &it->hv_common,
				                           &st);
			}
			free(pts);
			if (sc != STATUS_OK) {
				cli_error("%s", st.msg);
				goto out;
			}
		}
		cli_store_vec_text(vec, sizeof vec, ref, dim);
		printf("hypervolumes recomputed with the common reference %s (%s)\n", vec,
		       reference ? "--reference" : "the runs' references differ");
	}
	/* Names in full: baselines are named after their run and only differ at the end. */
	int wn = 4, wf = 5;
	for (size_t i = 0; i < l.n; i++) {
		wn = (int)strlen(l.v[i].run_name) > wn ? (int)strlen(l.v[i].run_name) : wn;
		wf = (int)strlen(l.v[i].name) > wf ? (int)strlen(l.v[i].name) : wf;
	}
	printf("%-6s %-*s %-*s %6s %6s %12s  %s\n", "run", wn, "name", wf, "front", "points", "front",
	       differ ? "hv (common)" : "hypervolume", "reference");
	for (size_t i = 0; i < l.n; i++) {
		cli_store_vec_text(vec, sizeof vec, l.v[i].reference, dim);
		termtext_printf(stdout, "%-6lld %-*s %-*s %6zu %6zu %12.4f  %s\n", (long long)l.v[i].run, wn,
		       l.v[i].run_name, wf, l.v[i].name, l.v[i].n_points, l.v[i].n_on,
		       differ ? l.v[i].hv_common : l.v[i].hv, vec);
	}
	for (size_t i = 0; i < l.n; i++) {
		termtext_printf(stdout, "\nrun %lld %s, front %s (normalised means, preference):\n",
		                (long long)l.v[i].run,
		       l.v[i].run_name, l.v[i].name);
		for (size_t p = 0; p < l.v[i].n_points; p++) {
			const struct store_point *pt = &l.v[i].points[p];
			if (!front_on(&l.v[i], pt->id))
				continue;
			char pref[256];
			cli_store_vec_text(pref, sizeof pref, pt->preference, dim);
			printf(" ");
			for (int j = 0; j < dim; j++)
				printf(" %9.3f", pt->norm_mean[j]);
			printf("  %s\n", pref);
		}
	}
	rc = output ? front_csv(output, l.v, l.n, dim) : CLI_OK;
out:
	for (size_t i = 0; i < l.n; i++) {
		free(l.v[i].points);
		free(l.v[i].on);
	}
	free(l.v);
	store_close(s);
	return rc;
}
