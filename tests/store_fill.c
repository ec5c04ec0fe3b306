/* store_fill: writes a small but complete store for command-line tests and
 * schema fixtures: a lineage of runs with params, tags, notes, metrics, a
 * checkpoint, a dataset with objectives and rewards, samples whose text needs
 * CSV quoting, evaluation points, a front and jobs.
 *
 *   tests/store_fill /tmp/store.db
 */
#include "config.h"

#include "store/store.h"

#include <stdio.h>
#include <stdlib.h>

static struct store_err err;

static void must(enum store_code rc, const char *what)
{
	if (rc != STORE_OK) {
		fprintf(stderr, "store_fill: %s: %s\n", what, err.msg);
		exit(1);
	}
}

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: store_fill STORE\n");
		return 2;
	}
	struct store *s;
	must(store_open(argv[1], STORE_CREATE, &s, &err), "open");
	/* Schema 3: runs and jobs record the process doing them. */
	must(store_set_process(s, 12345, "fixture-boot:4242", &err), "process");
	store_id imp, sft, onl, ev;
	must(store_run_create(s, "import", "fortunes-import", 0, &imp, &err), "run");
	must(store_run_finish(s, imp, "done", NULL, &err), "finish");
	must(store_run_create(s, "sft", "sft-demo", imp, &sft, &err), "run");
	must(store_param_set(s, sft, "lr", "0.0003", &err), "param");
	must(store_param_set(s, sft, "batch_size", "16", &err), "param");
	must(store_tag_add(s, sft, "baseline", &err), "tag");
	must(store_note_add(s, sft, "first try, loss flat after step 40", NULL, &err), "note");
	for (int step = 1; step <= 50; step++) {
		struct store_metric m[] = {
			{ "loss", step, 4.0 - step * 0.05, 1700000000000 + step * 1000 },
			{ "lr", step, 3e-4, 1700000000000 + step * 1000 },
		};
		must(store_metrics_add(s, sft, m, 2, &err), "metrics");
	}
	struct store_checkpoint ck = { .run = sft, .step = 50, .kind = "policy",
	                               .path = "/tmp/sft-50.safetensors",
	                               .meta = "{\"objectives\":[\"positivity\",\"brevity\"]}" };
	must(store_checkpoint_add(s, &ck, NULL, &err), "checkpoint");
	must(store_run_finish(s, sft, "done", NULL, &err), "finish");
	must(store_run_create(s, "online", NULL, sft, &onl, &err), "run");
	must(store_run_finish(s, onl, "failed", "reward process exited", &err), "finish");
	must(store_run_create(s, "eval", "eval-demo", sft, &ev, &err), "run");
	must(store_tag_add(s, ev, "paper", &err), "tag");
	must(store_run_set_resumed_from(s, ev, onl, &err), "resumed");

	store_id d, o[2], rows[4];
	must(store_dataset_create(s, "fortunes", "share/demo/fortunes.jsonl", imp, &d, &err), "dataset");
	must(store_objective_add(s, d, "positivity", "rule:positivity", &o[0], &err), "objective");
	must(store_objective_add(s, d, "brevity", "rule:brevity", &o[1], &err), "objective");
	struct store_row r[4] = {
		{ .prompt = "Tell me about cats.", .response = "Cats are great." },
		{ .prompt = "Tell me about dogs.", .response = "Dogs, well, \"dogs\"." },
		{ .prompt = "Weather?", .response = "Rain\nagain." },
		{ .prompt = "Hi", .response = "Hello!" },
	};
	must(store_rows_add(s, d, r, 4, rows, &err), "rows");
	double v[] = { 0.5, 0.8, -0.2, 0.4, 0.0, 0.6, 0.9, 0.95 };
	must(store_rewards_add(s, o, 2, rows, v, 4, &err), "rewards");
	/* Schema 2: a preference pair held out for evaluation. */
	struct store_row pr[2] = {
		{ .prompt = "Say hi.", .response = "Hi there!", .split = "eval", .pair = 1, .role = "chosen" },
		{ .prompt = "Say hi.", .response = "No.", .split = "eval", .pair = 1, .role = "rejected" },
	};
	must(store_rows_add(s, d, pr, 2, NULL, &err), "pair");
	must(store_objective_set_stats(s, o[0], 0.3, 0.4, -0.2, 0.9, &err), "stats");
	must(store_objective_set_stats(s, o[1], 0.7, 0.2, 0.4, 0.95, &err), "stats");

	store_id pts[3];
	for (int i = 0; i < 3; i++) {
		struct store_point p = { .run = ev, .n = 2, .preference = { i * 0.5, 1 - i * 0.5 },
		                         .raw_mean = { 0.1 + i * 0.2, 0.9 - i * 0.3 },
		                         .norm_mean = { -0.5 + i, 1.0 - i }, .n_samples = 2 };
		must(store_point_add(s, &p, &pts[i], &err), "point");
	}
	struct store_sample x[3] = {
		{ .run = ev, .point = pts[0], .prompt = "Tell me about cats.",
		  .response = "Cats, I say, are \"fine\".", .n = 2, .preference = { 0, 1 },
		  .desired = { -0.2, 0.9 }, .raw = { 0.1, 0.9 }, .norm = { -0.5, 1 }, .kept = -1 },
		{ .run = ev, .point = pts[1], .prompt = "Weather?",
		  .response = "Two lines:\nrain, then sun.", .n = 2, .preference = { 0.5, 0.5 },
		  .desired = { 0.9, 0.9 }, .raw = { 0.3, 0.6 }, .norm = { 0.5, 0 }, .kept = 1 },
		{ .run = ev, .point = pts[2], .prompt = "Caf\xc3\xa9?",
		  .response = "Tr\xc3\xa8s bien", .n = 2, .preference = { 1, 0 },
		  .desired = { 0.9, 0.4 }, .raw = { 0.5, 0.3 }, .norm = { 1.5, -1 }, .kept = 0 },
	};
	must(store_samples_add(s, x, 3, NULL, &err), "samples");
	struct store_front f = { .run = ev, .name = "linf", .hypervolume = 1.25, .n = 2,
	                         .reference = { -0.2, 0.4 } };
	must(store_front_add(s, &f, pts, 3, NULL, &err), "front");
	must(store_run_finish(s, ev, "done", NULL, &err), "finish");

	store_id j;
	must(store_job_create(s, "ric sft --job 1", "/tmp/job-1.log", &j, &err), "job");
	must(store_job_start(s, j, 12345, sft, &err), "job");
	must(store_job_progress(s, j, 50, 50, 812.5, 0, &err), "job");
	must(store_job_set_state(s, j, "done", NULL, &err), "job");
	must(store_job_create(s, "ric eval --job 2", NULL, NULL, &err), "job");
	store_close(s);
	return 0;
}
