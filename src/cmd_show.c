/* ric show: one run with everything recorded about it. */
#include "config.h"

#include "src/cli_store.h"
#include "src/termtext.h"
#include "src/texttable.h"

#include <stdlib.h>
#include <string.h>

static int show_run(struct cli *cli, int argc, char **argv);

const struct cli_command cmd_show = {
	.name = "show",
	.summary = "show one run with its parameters, metrics, checkpoints and results",
	.usage = "ric show RUN [--json]",
	.help = "RUN is a run id, a unique run name, or a tag held by one run.\n\n"
	        "Options:\n"
	        "  --json        one JSON object\n",
	.run = show_run,
};

/* Everything gathered first, then printed either way. */
struct show {
	struct store *s;
	json_t *run, *params, *notes, *metrics, *checkpoints, *children, *jobs, *fronts;
	json_int_t samples, points;
	store_id id;
};

static int show_copy_run(void *ctx, const struct store_run *r)
{
	struct show *sh = ctx;
	sh->run = cli_store_run_json(sh->s, r);
	return 0;
}

static int show_param(void *ctx, const char *k, const char *v)
{
	json_object_set_new(((struct show *)ctx)->params, k, json_string(v));
	return 0;
}

static int show_note(void *ctx, const struct store_note *n)
{
	json_array_append_new(((struct show *)ctx)->notes,
	                      json_pack("{s:I, s:s}", "time_ms", (json_int_t)n->time_ms, "text", n->text));
	return 0;
}

static int show_metric(void *ctx, const struct store_metric *m)
{
	json_array_append_new(((struct show *)ctx)->metrics,
	                      json_pack("{s:s, s:I, s:f, s:I}", "key", m->key, "step", (json_int_t)m->step,
	                                "value", m->value, "time_ms", (json_int_t)m->time_ms));
	return 0;
}

static int show_checkpoint(void *ctx, const struct store_checkpoint *c)
{
	json_t *meta = c->meta ? json_loads(c->meta, 0, NULL) : NULL;
	json_array_append_new(((struct show *)ctx)->checkpoints,
	                      json_pack("{s:I, s:I, s:s, s:s, s:o, s:o, s:I}", "id", (json_int_t)c->id,
	                                "step", (json_int_t)c->step, "kind", c->kind, "path", c->path,
	                                "sha256", c->sha256 ? json_string(c->sha256) : json_null(),
	                                "meta", meta ? meta : c->meta ? json_string(c->meta) : json_null(),
	                                "created_ms", (json_int_t)c->created_ms));
	return 0;
}

static int show_child(void *ctx, const struct store_run *r)
{
	struct show *sh = ctx;
	json_array_append_new(sh->children, cli_store_run_json(sh->s, r));
	return 0;
}

static int show_job(void *ctx, const struct store_job *j)
{
	struct show *sh = ctx;
	if (j->run != sh->id)
		return 0;
	json_array_append_new(sh->jobs,
	                      json_pack("{s:I, s:s, s:s, s:I, s:I, s:I, s:f, s:o, s:o}",
	                                "id", (json_int_t)j->id, "argv", j->argv, "state", j->state,
	                                "pid", (json_int_t)j->pid, "step", (json_int_t)j->step,
	                                "total", (json_int_t)j->total, "tokens_per_s", j->tokens_per_s,
	                                "error", j->error ? json_string(j->error) : json_null(),
	                                "log", j->log_path ? json_string(j->log_path) : json_null()));
	return 0;
}

static int show_front(void *ctx, const struct store_front *f)
{
	json_array_append_new(((struct show *)ctx)->fronts,
	                      json_pack("{s:I, s:s, s:f, s:o, s:I}", "id", (json_int_t)f->id,
	                                "name", f->name, "hypervolume", f->hypervolume,
	                                "reference", cli_store_json_vec(f->reference, f->n),
	                                "points", (json_int_t)f->n_points));
	return 0;
}

static int show_count_point(void *ctx, const struct store_point *p)
{
	(void)p;
	((struct show *)ctx)->points++;
	return 0;
}

static enum store_code show_gather(struct show *sh, struct store_err *err)
{
	struct store_run_filter kids = { .parent = sh->id };
	int64_t samples = 0;
	enum store_code rc;
	if ((rc = store_run_get(sh->s, sh->id, show_copy_run, sh, err)) ||
	    (rc = store_params_each(sh->s, sh->id, show_param, sh, err)) ||
	    (rc = store_notes_each(sh->s, sh->id, show_note, sh, err)) ||
	    (rc = store_metrics_latest_each(sh->s, sh->id, show_metric, sh, err)) ||
	    (rc = store_checkpoints_each(sh->s, sh->id, show_checkpoint, sh, err)) ||
	    (rc = store_runs_each(sh->s, &kids, show_child, sh, err)) ||
	    (rc = store_jobs_each(sh->s, NULL, show_job, sh, err)) ||
	    (rc = store_fronts_each(sh->s, sh->id, show_front, sh, err)) ||
	    (rc = store_points_each(sh->s, sh->id, show_count_point, sh, err)) ||
	    (rc = store_samples_count(sh->s, sh->id, &samples, err)))
		return rc;
	sh->samples = samples;
	return STORE_OK;
}

static const char *show_str(json_t *o, const char *key)
{
	const char *v = json_string_value(json_object_get(o, key));
	return v ? v : "-";
}

static void show_print(const struct show *sh)
{
	char buf[64], when[32];
	json_t *r = sh->run;
	termtext_printf(stdout, "run       %lld\n", (long long)sh->id);
	termtext_printf(stdout, "name      %s\n", show_str(r, "name"));
	termtext_printf(stdout, "stage     %s\n", show_str(r, "stage"));
	termtext_printf(stdout, "status    %s\n", show_str(r, "status"));
	if (json_is_string(json_object_get(r, "error")))
		termtext_printf(stdout, "error     %s\n", show_str(r, "error"));
	if (json_is_integer(json_object_get(r, "parent")))
		termtext_printf(stdout, "parent    %lld\n", (long long)json_integer_value(json_object_get(r, "parent")));
	if (json_is_integer(json_object_get(r, "resumed_from")))
		termtext_printf(stdout, "resumes   %lld\n", (long long)json_integer_value(json_object_get(r, "resumed_from")));
	int64_t created = json_integer_value(json_object_get(r, "created_ms"));
	int64_t finished = json_integer_value(json_object_get(r, "finished_ms"));
	cli_store_time(when, sizeof when, created);
	termtext_printf(stdout, "created   %s\n", when);
	if (finished) {
		cli_store_time(when, sizeof when, finished);
		cli_store_duration(buf, sizeof buf, finished - created);
		termtext_printf(stdout, "finished  %s (%s)\n", when, buf);
	}
	json_t *tags = json_object_get(r, "tags");
	if (json_array_size(tags)) {
		termtext_printf(stdout, "tags     ");
		size_t i;
		json_t *t;
		json_array_foreach(tags, i, t)
			termtext_printf(stdout, " %s", json_string_value(t));
		termtext_printf(stdout, "\n");
	}
	termtext_printf(stdout, "samples   %lld\npoints    %lld\n", (long long)sh->samples, (long long)sh->points);

	if (json_object_size(sh->params)) {
		termtext_printf(stdout, "\nParameters\n");
		struct texttable *t = texttable_new(2, "KEY", "VALUE");
		const char *k;
		json_t *v;
		json_object_foreach(sh->params, k, v)
			texttable_add(t, k, json_string_value(v));
		texttable_print(t, stdout);
		texttable_free(t);
	}
	size_t i;
	json_t *x;
	if (json_array_size(sh->metrics)) {
		termtext_printf(stdout, "\nLatest metrics\n");
		struct texttable *t = texttable_new(3, "KEY", "STEP", "VALUE");
		texttable_right(t, 1);
		texttable_right(t, 2);
		json_array_foreach(sh->metrics, i, x) {
			char step[24], val[32];
			snprintf(step, sizeof step, "%lld", (long long)json_integer_value(json_object_get(x, "step")));
			cli_store_double(val, sizeof val, json_real_value(json_object_get(x, "value")));
			texttable_add(t, show_str(x, "key"), step, val);
		}
		texttable_print(t, stdout);
		texttable_free(t);
	}
	if (json_array_size(sh->checkpoints)) {
		termtext_printf(stdout, "\nCheckpoints\n");
		struct texttable *t = texttable_new(4, "ID", "STEP", "KIND", "PATH");
		texttable_right(t, 0);
		texttable_right(t, 1);
		json_array_foreach(sh->checkpoints, i, x) {
			char id[24], step[24];
			snprintf(id, sizeof id, "%lld", (long long)json_integer_value(json_object_get(x, "id")));
			snprintf(step, sizeof step, "%lld", (long long)json_integer_value(json_object_get(x, "step")));
			texttable_add(t, id, step, show_str(x, "kind"), show_str(x, "path"));
		}
		texttable_print(t, stdout);
		texttable_free(t);
	}
	if (json_array_size(sh->children)) {
		termtext_printf(stdout, "\nChildren\n");
		struct texttable *t = texttable_new(4, "ID", "NAME", "STAGE", "STATUS");
		texttable_right(t, 0);
		json_array_foreach(sh->children, i, x) {
			char id[24];
			snprintf(id, sizeof id, "%lld", (long long)json_integer_value(json_object_get(x, "id")));
			texttable_add(t, id, show_str(x, "name"), show_str(x, "stage"), show_str(x, "status"));
		}
		texttable_print(t, stdout);
		texttable_free(t);
	}
	if (json_array_size(sh->fronts)) {
		termtext_printf(stdout, "\nFronts\n");
		struct texttable *t = texttable_new(4, "NAME", "POINTS", "HYPERVOLUME", "REFERENCE");
		texttable_right(t, 1);
		texttable_right(t, 2);
		json_array_foreach(sh->fronts, i, x) {
			char n[24], hv[32], *ref = json_dumps(json_object_get(x, "reference"), JSON_COMPACT);
			snprintf(n, sizeof n, "%lld", (long long)json_integer_value(json_object_get(x, "points")));
			cli_store_double(hv, sizeof hv, json_real_value(json_object_get(x, "hypervolume")));
			texttable_add(t, show_str(x, "name"), n, hv, ref);
			free(ref);
		}
		texttable_print(t, stdout);
		texttable_free(t);
	}
	if (json_array_size(sh->jobs)) {
		termtext_printf(stdout, "\nJobs\n");
		struct texttable *t = texttable_new(4, "ID", "STATE", "PROGRESS", "COMMAND");
		texttable_right(t, 0);
		json_array_foreach(sh->jobs, i, x) {
			char id[24], prog[48];
			snprintf(id, sizeof id, "%lld", (long long)json_integer_value(json_object_get(x, "id")));
			snprintf(prog, sizeof prog, "%lld/%lld",
			         (long long)json_integer_value(json_object_get(x, "step")),
			         (long long)json_integer_value(json_object_get(x, "total")));
			texttable_add(t, id, show_str(x, "state"), prog, show_str(x, "argv"));
		}
		texttable_print(t, stdout);
		texttable_free(t);
	}
	if (json_array_size(sh->notes)) {
		termtext_printf(stdout, "\nNotes\n");
		json_array_foreach(sh->notes, i, x) {
			cli_store_time(when, sizeof when, json_integer_value(json_object_get(x, "time_ms")));
			termtext_printf(stdout, "  %s  %s\n", when, show_str(x, "text"));
		}
	}
}

static int show_run(struct cli *cli, int argc, char **argv)
{
	int json = 0, opt_rc = cli_json_option(&cmd_show, argc, argv, &json);
	if (opt_rc >= 0)
		return opt_rc;
	if (optind != argc - 1)
		return cli_bad_usage(&cmd_show, optind < argc ? "one RUN, please" : "which RUN?");
	struct store *s;
	if (cli_store_open(cli, &s) != CLI_OK)
		return CLI_FAIL;
	struct show sh = { .s = s, .params = json_object(), .notes = json_array(),
	                   .metrics = json_array(), .checkpoints = json_array(),
	                   .children = json_array(), .jobs = json_array(), .fronts = json_array() };
	int status = cli_store_run(s, argv[optind], &sh.id);
	struct store_err err;
	if (status == CLI_OK && show_gather(&sh, &err) != STORE_OK) {
		cli_error("%s", err.msg);
		status = CLI_FAIL;
	}
	if (status == CLI_OK && json) {
		json_t *o = json_incref(sh.run);
		json_object_set(o, "params", sh.params);
		json_object_set(o, "notes", sh.notes);
		json_object_set(o, "latest_metrics", sh.metrics);
		json_object_set(o, "checkpoints", sh.checkpoints);
		json_object_set(o, "children", sh.children);
		json_object_set(o, "jobs", sh.jobs);
		json_object_set(o, "fronts", sh.fronts);
		json_object_set_new(o, "samples", json_integer(sh.samples));
		json_object_set_new(o, "points", json_integer(sh.points));
		cli_store_json_line(stdout, o);
	} else if (status == CLI_OK) {
		show_print(&sh);
	}
	json_decref(sh.run);
	json_decref(sh.params);
	json_decref(sh.notes);
	json_decref(sh.metrics);
	json_decref(sh.checkpoints);
	json_decref(sh.children);
	json_decref(sh.jobs);
	json_decref(sh.fronts);
	store_close(s);
	return status;
}
