/* ric relabel: score every row of a dataset for its objectives, then set the
 * normalisation stats (mu, sigma over the training rows; lo, hi of the
 * normalised scores). Resumable: rows that already have a score are skipped. */
#include "config.h"

#include "src/cli_store.h"
#include "src/dist.h"
#include "src/paths.h"
#include "src/stage.h"
#include "src/texttable.h"
#include "src/termtext.h"
#include "engine/decoder.h"
#include "engine/image.h"
#include "engine/reward.h"
#include "engine/stats.h"
#include "engine/monotonic.h"

#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static int relabel_run(struct cli *cli, int argc, char **argv);

const struct cli_command cmd_relabel = {
	.name = "relabel",
	.summary = "score a dataset's rows for its objectives and set their stats",
	.usage = "ric relabel --dataset NAME [--objective NAME[=SPEC]]... [--batch N]\n"
	         "       [--quantiles LO,HI] [--timeout S] [--weights f32|bf16|int8] [--allow-cmd]\n"
	         "       [--job ID]",
	.help = "Scores every row (train and eval) for every objective, in batches that are\n"
	        "committed as they finish: an interrupted or failed relabel keeps what it\n"
	        "stored, and running it again scores only the rows still missing. Then,\n"
	        "per objective, mu and sigma (population) of the raw scores over all\n"
	        "training rows, and lo and hi of the normalised scores (r - mu) / sigma.\n\n"
	        "Options:\n"
	        "  --dataset NAME        the dataset (see ric dataset list)\n"
	        "  --objective NAME=SPEC add an objective with a reward spec, or name one the\n"
	        "                        dataset has (repeatable; default: all it has). Specs:\n"
	        "                        positivity, brevity[:L], informativeness, length,\n"
	        "                        regex:PATTERN, rm:DIR, cmd:COMMAND (see ric(1))\n"
	        "  --batch N             rows per reward call and per commit (default 64)\n"
	        "  --quantiles LO,HI     lo and hi as quantiles of the normalised training\n"
	        "                        scores (default 0,1: min and max)\n"
	        "  --timeout S           cmd: scorers get S seconds per reply (default 60)\n"
	        "  --weights W           rm: scorers run with f32 (default), bf16 or int8\n"
	        "                        weights; bf16 and int8 load the reward model for\n"
	        "                        decoding only, with no F32 copy (as ric eval)\n"
	        "  --allow-cmd           run the cmd: specs the dataset's objectives have in\n"
	        "                        the store (a spec given with --objective NAME=SPEC\n"
	        "                        runs without it); without it relabel refuses them\n"
	        "  --job ID              run as job ID (set by `ric job start`)\n"
	        "Imported rewards (spec \"given\") are not scored, only summarised. When all\n"
	        "training scores of an objective are equal, sigma is taken as 1.\n"
	        "SIGTERM or Ctrl-C stops it between batches; the run is then cancelled.\n",
	.run = relabel_run,
};

#define RELABEL_MAX_OBJ 16

struct relabel_obj {
	char *name;
	char *spec;
	int from_user;            /* the spec was given on this command line, not read from the store */
	store_id id;              /* 0: new, stored with its first scores */
	int64_t scored;
	double secs;
	double mu, sigma, lo, hi;
	int64_t n_train;
};

struct relabel {
	struct store *s;
	struct stage *sg;
	store_id dataset, run;
	int64_t done, total;      /* rows scored / to score, over all objectives */
	int cancelled;
	struct relabel_obj obj[RELABEL_MAX_OBJ];
	int n_obj;
	size_t batch;
	double qlo, qhi, timeout;
	int allow_cmd;
	int weights;              /* enum decoder_dtype of rm: scorers */
	char err[1024];
	/* one page of rows */
	store_id *ids;
	char **prompts, **responses;
	struct image *images;     /* an image dataset's rows: their pictures, else NULL */
	size_t n;
	const char *name;         /* the dataset's */
	int image_rows;           /* every row is an image row */
	char row_err[STATUS_MSG_MAX];
	/* training values of one objective */
	double *vals;
	size_t nv, capv;
};

static int relabel_fail(struct relabel *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int relabel_fail(struct relabel *r, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(r->err, sizeof r->err, fmt, ap);
	va_end(ap);
	return CLI_FAIL;
}

static int relabel_take_row(void *ctx, const struct store_row *row)
{
	struct relabel *r = ctx;
	r->ids[r->n] = row->id;
	r->prompts[r->n] = strdup(row->prompt);
	r->responses[r->n] = strdup(row->response);
	if (r->image_rows) {
		static const uint8_t white[3] = { 255, 255, 255 };
		struct status st = STATUS_INIT;
		char what[64];
		snprintf(what, sizeof what, "row %lld", (long long)row->id);
		if (!row->image || image_decode_png(row->image, row->image_len, what, white,
		                                    &r->images[r->n], &st) != STATUS_OK) {
			snprintf(r->row_err, sizeof r->row_err, "%s", row->image ? st.msg : "a row without its image");
			r->images[r->n].px = NULL;
		}
	}
	r->n++;
	return !r->prompts[r->n - 1] || !r->responses[r->n - 1] || r->row_err[0];
}

static void relabel_page_free(struct relabel *r)
{
	for (size_t i = 0; i < r->n; i++) {
		free(r->prompts[i]);
		free(r->responses[i]);
		if (r->images)
			image_free(&r->images[i]);
	}
	r->n = 0;
}

/* A batch of scores; a new objective is stored with its first batch, in one
 * transaction, so that a spec that cannot open or score leaves nothing behind. */
static int relabel_store_scores(struct relabel *r, struct relabel_obj *o, size_t n, const double *v)
{
	struct store_err err;
	int is_new = o->id == 0;
	enum store_code rc = store_begin(r->s, &err);
	if (rc == STORE_OK && is_new)
		rc = store_objective_add(r->s, r->dataset, o->name, o->spec, &o->id, &err);
	if (rc == STORE_OK && n)
		rc = store_rewards_add(r->s, &o->id, 1, r->ids, v, n, &err);
	if (rc == STORE_OK)
		rc = store_commit(r->s, &err);
	else
		store_rollback(r->s);
	if (rc != STORE_OK) {
		if (is_new)
			o->id = 0;
		return relabel_fail(r, "%s", err.msg);
	}
	return CLI_OK;
}

/* A store may be someone else's: a spec read from it is a spec from a file. */
static struct reward_env relabel_env(const struct relabel *r, const struct relabel_obj *o)
{
	return (struct reward_env){ .datadir = paths_datadir(), .timeout_s = r->timeout,
	                            .batch = r->batch, .from_file = !o->from_user,
	                            .consent = r->allow_cmd, .weights = r->weights };
}

/* Before any run starts: every objective that has rows to score may be
 * opened as it came (one with none left opens nothing). */
static int relabel_permit(struct relabel *r)
{
	for (int i = 0; i < r->n_obj; i++) {
		struct relabel_obj *o = &r->obj[i];
		struct reward_env env = relabel_env(r, o);
		struct status st = STATUS_INIT;
		struct store_row_query q = { .lacking = o->id };
		struct store_err err;
		int64_t todo;
		if (store_rows_count(r->s, r->dataset, &q, &todo, &err) != STORE_OK)
			return relabel_fail(r, "%s", err.msg);
		if (todo > 0 && strcmp(o->spec, "given") != 0 &&
		    reward_permit(o->spec, &env, &st) != STATUS_OK)
			return relabel_fail(r, "objective %s: %s (the spec is the store's: %s, or give it "
			                    "yourself with --objective %s=SPEC)", o->name, st.msg,
			                    CLI_ALLOW_CMD_HINT, o->name);
	}
	return CLI_OK;
}

static int relabel_score(struct relabel *r, struct relabel_obj *o, const struct hooks *h)
{
	struct store_err err;
	struct status st = STATUS_INIT;
	struct store_row_query q = { .lacking = o->id, .limit = (int64_t)r->batch };
	int64_t todo;
	if (store_rows_count(r->s, r->dataset, &q, &todo, &err) != STORE_OK)
		return relabel_fail(r, "%s", err.msg);
	if (todo == 0)
		return o->id || !stage_writes(r->sg) ? CLI_OK : relabel_store_scores(r, o, 0, NULL);
	if (strcmp(o->spec, "given") == 0)
		return relabel_fail(r, "objective %s: %lld rows have no imported score, and \"given\" "
		                    "cannot score them", o->name, (long long)todo);
	struct reward_env env = relabel_env(r, o);
	env.hooks = h;
	struct reward *rw;
	if (reward_open(o->spec, &env, &rw, &st) != STATUS_OK)
		return relabel_fail(r, "objective %s: %s", o->name, st.msg);
	int modality = reward_modality(rw);
	if (modality != 2 && modality != r->image_rows) {
		relabel_fail(r, "objective %s: reward '%s' scores %s, and dataset %s holds %s", o->name,
		             o->spec, modality ? "images" : "text", r->name, r->image_rows ? "images" : "text");
		reward_close(rw);
		return CLI_FAIL;
	}
	double *v = malloc(r->batch * sizeof *v);
	int status = v ? CLI_OK : relabel_fail(r, "out of memory");
	double t0 = monotonic_s();
	while (status == CLI_OK) {
		/* under mpirun the ranks stop together, between pages */
		if (dist_any(hooks_aborted(h))) {
			r->cancelled = 1;
			status = relabel_fail(r, "interrupted; run it again to score the rest");
			break;
		}
		if (store_rows_query(r->s, r->dataset, &q, relabel_take_row, r, &err) != STORE_OK) {
			status = relabel_fail(r, "%s", err.msg);
			break;
		}
		if (r->row_err[0]) {
			status = relabel_fail(r, "dataset %s: %s", r->name, r->row_err);
			break;
		}
		if (r->n == 0)
			break;
		/* each rank scores its share of the page; rank 0 stores them all */
		size_t lo, hi;
		dist_span(r->n, &lo, &hi);
		enum status_code sc = STATUS_OK;
		if (hi > lo)
			sc = r->image_rows ?
			     reward_score_images(rw, hi - lo, r->images + lo, v + lo, &st) :
			     reward_score(rw, hi - lo, (const char *const *)r->prompts + lo,
			                  (const char *const *)r->responses + lo, v + lo, &st);
		sc = dist_first_error(sc, &st);
		if (sc == STATUS_OK)
			sc = dist_gather_spans(v, r->n, sizeof *v, &st);
		if (sc != STATUS_OK) {
			status = relabel_fail(r, "objective %s: %s", o->name, st.msg);
			break;
		}
		if (stage_writes(r->sg) && (status = relabel_store_scores(r, o, r->n, v)) != CLI_OK)
			break;
		/* a new objective's id, for the next page's query */
		int64_t id = o->id;
		if (dist_bcast(&id, sizeof id, &st) != STATUS_OK) {
			status = relabel_fail(r, "%s", st.msg);
			break;
		}
		o->id = id;
		q.lacking = o->id;
		o->scored += (int64_t)r->n;
		q.after = r->ids[r->n - 1];
		r->done += (int64_t)r->n;
		relabel_page_free(r);
		stage_progress(r->sg, r->done, r->total, NAN, 0.0);
	}
	relabel_page_free(r);
	o->secs = monotonic_s() - t0;
	free(v);
	reward_close(rw);
	return status;
}

static int relabel_collect(void *ctx, store_id row, double value)
{
	struct relabel *r = ctx;
	(void)row;
	if (r->nv == r->capv) {
		size_t cap = r->capv ? r->capv * 2 : 1024;
		double *b = realloc(r->vals, cap * sizeof *b);
		if (!b)
			return 1;
		r->vals = b;
		r->capv = cap;
	}
	r->vals[r->nv++] = value;
	return 0;
}

static int relabel_stats(struct relabel *r, struct relabel_obj *o)
{
	struct store_err err;
	struct store_row_query q = { .split = "train" };
	int64_t n_train;
	r->nv = 0;
	if (store_rows_count(r->s, r->dataset, &q, &n_train, &err) != STORE_OK ||
	    store_rewards_each(r->s, o->id, "train", relabel_collect, r, &err) != STORE_OK)
		return relabel_fail(r, "%s", err.msg);
	if (n_train == 0)
		return relabel_fail(r, "the dataset has no training rows to compute stats over");
	if ((int64_t)r->nv != n_train)
		return relabel_fail(r, "objective %s: %lld of %lld training rows are scored",
		                    o->name, (long long)r->nv, (long long)n_train);
	struct stats_summary sum;
	struct status st;
	if (stats_describe(r->vals, r->nv, 1, &sum, &st) != STATUS_OK)
		return relabel_fail(r, "objective %s: %s", o->name, st.msg);
	double mu = sum.mean, sigma = sum.std;
	/* stats_normalise's rule for a sigma too small to divide by, stored as
	 * such so that every later reader sees the sigma that was used. */
	if (!(sigma > STATS_SIGMA_MIN)) {
		termtext_printf(stderr, "ric: relabel: objective %s: every training score is %g; sigma taken as 1\n",
		        o->name, mu);
		sigma = 1;
	}
	for (size_t i = 0; i < r->nv; i++)
		r->vals[i] = stats_normalise(r->vals[i], mu, sigma);
	double qs[2] = { r->qlo, r->qhi }, lohi[2];
	if (stats_quantiles(r->vals, r->nv, 1, qs, 2, lohi, &st) != STATUS_OK)
		return relabel_fail(r, "objective %s: %s", o->name, st.msg);
	o->mu = mu;
	o->sigma = sigma;
	o->lo = lohi[0];
	o->hi = lohi[1];
	o->n_train = (int64_t)r->nv;
	if (store_objective_set_stats_from(r->s, o->id, mu, sigma, o->lo, o->hi, r->run,
	                                   o->n_train, &err) != STORE_OK)
		return relabel_fail(r, "%s", err.msg);
	return CLI_OK;
}

static int relabel_existing(void *ctx, const struct store_objective *o)
{
	struct relabel *r = ctx;
	if (r->n_obj == RELABEL_MAX_OBJ)
		return 1;
	struct relabel_obj *x = &r->obj[r->n_obj++];
	x->name = strdup(o->name);
	x->spec = strdup(o->spec);
	x->id = o->id;
	return 0;
}

struct relabel_spec_find {
	store_id id;
	char *spec;
};

static int relabel_spec_of(void *ctx, const struct store_objective *o)
{
	struct relabel_spec_find *f = ctx;
	if (o->id == f->id)
		f->spec = strdup(o->spec);
	return 0;
}

/* NAME=SPEC (or NAME): find or add the objective. */
static int relabel_objective(struct relabel *r, const char *arg)
{
	if (r->n_obj == RELABEL_MAX_OBJ)
		return relabel_fail(r, "at most %d objectives", RELABEL_MAX_OBJ);
	const char *eq = strchr(arg, '=');
	size_t nl = eq ? (size_t)(eq - arg) : strlen(arg);
	char *name = strndup(arg, nl);
	const char *spec = eq ? eq + 1 : NULL;
	struct relabel_obj *o = &r->obj[r->n_obj];
	o->name = name;
	if (!name || !*name)
		return relabel_fail(r, "--objective '%s': the name is empty", arg);
	for (int i = 0; i < r->n_obj; i++)
		if (strcmp(r->obj[i].name, name) == 0)
			return relabel_fail(r, "objective %s named twice", name);
	struct store_err err;
	struct relabel_spec_find f = { 0 };
	enum store_code rc = store_objective_find(r->s, r->dataset, name, &f.id, &err);
	if (rc == STORE_OK) {
		if (store_objectives_each(r->s, r->dataset, relabel_spec_of, &f, &err) != STORE_OK)
			return relabel_fail(r, "%s", err.msg);
		if (spec && f.spec && strcmp(spec, f.spec) != 0) {
			relabel_fail(r, "objective %s already has the spec '%s', not '%s' (use another name)",
			             name, f.spec, spec);
			free(f.spec);
			return CLI_FAIL;
		}
		o->id = f.id;
		o->spec = f.spec;
		o->from_user = spec != NULL;
	} else if (rc == STORE_ENOTFOUND) {
		if (!spec)
			return relabel_fail(r, "the dataset has no objective %s; give it a spec: "
			                    "--objective %s=SPEC", name, name);
		if (!reward_spec_known(spec))
			return relabel_fail(r, "objective %s: unknown reward spec '%s'", name, spec);
		/* Stored only once its reward has opened and scored a batch. */
		o->id = 0;
		o->spec = strdup(spec);
		o->from_user = 1;
	} else {
		return relabel_fail(r, "%s", err.msg);
	}
	r->n_obj++;
	return o->spec ? CLI_OK : relabel_fail(r, "out of memory");
}

static void relabel_params(struct relabel *r, const char *dataset, const char *batch,
                           const char *quantiles, const char *timeout)
{
	stage_param(r->sg, "dataset", "%s", dataset);
	stage_param(r->sg, "batch", "%s", batch);
	stage_param(r->sg, "quantiles", "%s", quantiles);
	stage_param(r->sg, "timeout", "%s", timeout);
	stage_param(r->sg, "weights", "%s", decoder_dtype_name((enum decoder_dtype)r->weights));
	for (int i = 0; i < r->n_obj; i++) {
		char key[300];
		snprintf(key, sizeof key, "objective.%d.%s", i, r->obj[i].name);
		stage_param(r->sg, key, "%s", r->obj[i].spec);
	}
}

/* The rows still to score over all objectives: the progress total. */
static int relabel_todo(struct relabel *r)
{
	struct store_err err;
	for (int i = 0; i < r->n_obj; i++) {
		struct store_row_query q = { .lacking = r->obj[i].id };
		int64_t todo;
		if (store_rows_count(r->s, r->dataset, &q, &todo, &err) != STORE_OK)
			return relabel_fail(r, "%s", err.msg);
		r->total += todo;
	}
	return CLI_OK;
}

static void relabel_report(struct relabel *r)
{
	struct texttable *t = texttable_new(8, "OBJECTIVE", "SPEC", "SCORED", "ROWS/S", "MU", "SIGMA", "LO", "HI");
	for (int i = 2; i < 8; i++)
		texttable_right(t, i);
	for (int i = 0; i < r->n_obj; i++) {
		struct relabel_obj *o = &r->obj[i];
		char scored[24], rate[32], mu[32], sigma[32], lo[32], hi[32];
		snprintf(scored, sizeof scored, "%lld", (long long)o->scored);
		if (o->scored && o->secs > 0)
			snprintf(rate, sizeof rate, "%.0f", (double)o->scored / o->secs);
		else
			snprintf(rate, sizeof rate, "-");
		snprintf(mu, sizeof mu, "%.4g", o->mu);
		snprintf(sigma, sizeof sigma, "%.4g", o->sigma);
		snprintf(lo, sizeof lo, "%.3f", o->lo);
		snprintf(hi, sizeof hi, "%.3f", o->hi);
		texttable_add(t, o->name, o->spec, scored, rate, mu, sigma, lo, hi);
	}
	texttable_print(t, stdout);
	texttable_free(t);
}

static int relabel_run(struct cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "dataset", required_argument, NULL, 'd' },
		{ "objective", required_argument, NULL, 'o' },
		{ "batch", required_argument, NULL, 'b' },
		{ "quantiles", required_argument, NULL, 'q' },
		{ "timeout", required_argument, NULL, 't' },
		{ "job", required_argument, NULL, 'j' },
		{ "allow-cmd", no_argument, NULL, 'A' },
		{ "weights", required_argument, NULL, 'W' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	const char *dataset = NULL, *batch_arg = "64", *quant_arg = "0,1", *timeout_arg = "60";
	const char *objs[RELABEL_MAX_OBJ];
	int n_objs = 0, c, exit_rc, allow_cmd = 0, weights = DECODER_F32;
	double job = 0;
	while ((c = cli_next_option(&cmd_relabel, argc, argv, "h", opts, &exit_rc)) != -1) {
		switch (c) {
		case 'd': dataset = optarg; break;
		case 'o':
			if (n_objs == RELABEL_MAX_OBJ)
				return cli_bad_usage(&cmd_relabel, "at most %d objectives", RELABEL_MAX_OBJ);
			objs[n_objs++] = optarg;
			break;
		case 'b': batch_arg = optarg; break;
		case 'q': quant_arg = optarg; break;
		case 't': timeout_arg = optarg; break;
		case 'A': allow_cmd = 1; break;
		case 'W':
			if ((weights = decoder_dtype_parse(optarg)) < 0)
				return cli_bad_usage(&cmd_relabel, "--weights is f32, bf16 or int8, not '%s'",
				                     optarg);
			break;
		case 'j':
			exit_rc = cli_number(&cmd_relabel, "--job", optarg, 1, 9e15, &job);
			if (exit_rc != CLI_OK)
				return exit_rc;
			break;
		case CLI_OPT_EXIT: return exit_rc;
		}
	}
	if (optind < argc)
		return cli_bad_usage(&cmd_relabel, "unexpected argument '%s'", argv[optind]);
	if (!dataset)
		return cli_bad_usage(&cmd_relabel, "--dataset is required");
	char *end;
	errno = 0;
	long batch = strtol(batch_arg, &end, 10);
	if (*end || errno || batch < 1 || batch > 1000000)
		return cli_bad_usage(&cmd_relabel, "--batch wants a number in 1..1000000, not '%s'", batch_arg);
	double qlo, qhi, timeout;
	qlo = strtod(quant_arg, &end);
	if (*end != ',' || (qhi = strtod(end + 1, &end), *end) || !(qlo >= 0 && qlo <= qhi && qhi <= 1))
		return cli_bad_usage(&cmd_relabel, "--quantiles wants LO,HI with 0 <= LO <= HI <= 1, not '%s'",
		                     quant_arg);
	timeout = strtod(timeout_arg, &end);
	if (*end || !(timeout > 0 && timeout <= 86400))
		return cli_bad_usage(&cmd_relabel, "--timeout wants seconds in (0, 86400], not '%s'",
		                     timeout_arg);

	struct relabel *r = calloc(1, sizeof *r);
	if (!r) {
		cli_error("out of memory");
		return CLI_FAIL;
	}
	r->batch = (size_t)batch;
	r->qlo = qlo;
	r->qhi = qhi;
	r->timeout = timeout;
	r->allow_cmd = allow_cmd;
	r->weights = weights;
	r->ids = calloc(r->batch, sizeof *r->ids);
	r->prompts = calloc(r->batch, sizeof *r->prompts);
	r->responses = calloc(r->batch, sizeof *r->responses);
	if (!r->ids || !r->prompts || !r->responses || cli_store_open(cli, &r->s) != CLI_OK) {
		if (!r->s)
			free(r);
		return CLI_FAIL;
	}
	struct store_err err;
	int status = CLI_OK;
	int64_t n_image = 0, n_rows = 0;
	r->name = dataset;
	if (store_dataset_find(r->s, dataset, &r->dataset, &err) != STORE_OK ||
	    store_dataset_images(r->s, r->dataset, &n_image, &n_rows, &err) != STORE_OK)
		status = relabel_fail(r, "%s", err.msg);
	r->image_rows = n_image > 0;
	if (status == CLI_OK && r->image_rows && !(r->images = calloc(r->batch, sizeof *r->images)))
		status = relabel_fail(r, "out of memory");
	for (int i = 0; status == CLI_OK && i < n_objs; i++)
		status = relabel_objective(r, objs[i]);
	if (status == CLI_OK && n_objs == 0) {
		if (store_objectives_each(r->s, r->dataset, relabel_existing, r, &err) != STORE_OK)
			status = relabel_fail(r, "%s", err.msg);
		else if (r->n_obj == 0)
			status = relabel_fail(r, "dataset %s has no objectives yet: name them with "
			                      "--objective NAME=SPEC", dataset);
	}
	if (status == CLI_OK)
		status = relabel_permit(r);
	if (status == CLI_OK)
		status = relabel_todo(r);
	/* The run, through the stage lifecycle, on a store connection of its own. */
	struct stage sg;
	int started = 0;
	if (status == CLI_OK) {
		store_close(r->s);
		r->s = NULL;
		if (stage_open(&sg, cli, "relabel", NULL, 0, (store_id)job) != CLI_OK) {
			status = CLI_FAIL;
			r->err[0] = '\0';
		} else {
			started = 1;
			r->sg = &sg;
			r->s = sg.store;
			r->run = sg.run;
			relabel_params(r, dataset, batch_arg, quant_arg, timeout_arg);
		}
	}
	struct hooks h = started ? stage_hooks(&sg) : (struct hooks){ 0 };
	signal(SIGPIPE, SIG_IGN);
	for (int i = 0; status == CLI_OK && i < r->n_obj; i++) {
		status = relabel_score(r, &r->obj[i], &h);
	}
	/* rank 0 summarises and records; the other ranks only scored */
	int writes = started && stage_writes(&sg);
	for (int i = 0; writes && status == CLI_OK && i < r->n_obj; i++)
		status = relabel_stats(r, &r->obj[i]);
	if (status == CLI_OK && writes) {
		struct store_metric m[2 * RELABEL_MAX_OBJ];
		char keys[2 * RELABEL_MAX_OBJ][300];
		size_t nm = 0;
		for (int i = 0; i < r->n_obj; i++) {
			snprintf(keys[nm], sizeof keys[nm], "scored/%s", r->obj[i].name);
			m[nm] = (struct store_metric){ keys[nm], 0, (double)r->obj[i].scored, 0 };
			nm++;
			if (r->obj[i].scored && r->obj[i].secs > 0) {
				snprintf(keys[nm], sizeof keys[nm], "rows_per_s/%s", r->obj[i].name);
				m[nm] = (struct store_metric){ keys[nm], 0, (double)r->obj[i].scored / r->obj[i].secs, 0 };
				nm++;
			}
		}
		if (store_metrics_add(r->s, r->run, m, nm, &err) != STORE_OK)
			status = relabel_fail(r, "%s", err.msg);
	}
	if (started) {
		/* stage_finish prints a failure itself; a cancel only says it stopped. */
		char msg[1100];
		snprintf(msg, sizeof msg, "relabel: %s", r->err);
		if (status == CLI_OK || r->cancelled || stage_stopping()) {
			if (status != CLI_OK)
				cli_error("%s", msg);
			status = stage_finish(&sg, status == CLI_OK ? STATUS_OK : STATUS_CANCELLED, NULL);
		} else {
			status = stage_finish(&sg, STATUS_IO, msg);
		}
		r->s = NULL;
		if (status == CLI_OK) {
			relabel_report(r);
			printf("run %lld (relabel)\n", (long long)r->run);
		}
	} else if (r->err[0]) {
		cli_error("relabel: %s", r->err);
	}
	for (int i = 0; i < r->n_obj; i++) {
		free(r->obj[i].name);
		free(r->obj[i].spec);
	}
	if (r->n_obj < RELABEL_MAX_OBJ)
		free(r->obj[r->n_obj].name);
	free(r->vals);
	free(r->ids);
	free(r->prompts);
	free(r->images);
	free(r->responses);
	if (r->s)
		store_close(r->s);
	free(r);
	return status;
}
