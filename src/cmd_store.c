/* ric store: look after the store file itself: check, vacuum, bench. */
#include "config.h"

#include "src/cli_store.h"
#include "src/job_state.h"
#include "src/termtext.h"
#include "engine/monotonic.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static int store_cmd_run(struct cli *cli, int argc, char **argv);

const struct cli_command cmd_store = {
	.name = "store",
	.summary = "check, compact or benchmark the experiment store",
	.usage = "ric store check [--json]\n"
	         "       ric store vacuum\n"
	         "       ric store bench [--rows N] [--rewards K] [--batch B] [-o FILE]",
	.help = "check   SQLite's integrity_check and foreign_key_check, then the store's\n"
	        "        own rules (run and job states against their times, latest metric\n"
	        "        values against their series, rewards within one dataset, vectors\n"
	        "        of one length, incomplete datasets, ...); one line per problem,\n"
	        "        exit 1 if any. First, runs and jobs still marked running whose\n"
	        "        process is gone are marked failed (one line each, not a problem)\n"
	        "vacuum  rebuild the file without free pages and empty the write-ahead log\n"
	        "bench   import N rows (default 100000) with K rewards each (default 3),\n"
	        "        B rows per transaction (default 10000), into a new store in\n"
	        "        $TMPDIR (removed after) or FILE, and print the time taken\n\n"
	        "Options:\n"
	        "  --json        check: one JSON object {ok, problems}\n",
	.run = store_cmd_run,
};

static int store_cmd_problem(void *ctx, const char *line)
{
	if (ctx)
		json_array_append_new(ctx, json_string(line));
	else
		termtext_printf(stdout, "%s\n", line);
	return 0;
}

static void store_cmd_fixed(void *ctx, const char *line)
{
	if (ctx)
		json_array_append_new(ctx, json_string(line));
	else
		printf("%s\n", line);
}

static int store_cmd_check(struct cli *cli, int json)
{
	struct store *s;
	if (cli_store_open(cli, &s) != CLI_OK)
		return CLI_FAIL;
	json_t *problems = json ? json_array() : NULL;
	int64_t n = 0;
	struct store_err err;
	/* Runs and jobs whose process is gone are put right first, and said so. */
	json_t *fixed = json ? json_array() : NULL;
	enum store_code rc = STORE_OK;
	if (job_state_reap(s, store_cmd_fixed, fixed, &err) < 0)
		rc = err.code ? err.code : STORE_EINTERNAL;
	if (rc == STORE_OK)
		rc = store_check(s, store_cmd_problem, problems, &n, &err);
	int status = rc == STORE_OK ? CLI_OK : CLI_FAIL;
	if (rc != STORE_OK && rc != STORE_ECORRUPT)
		cli_error("%s", err.msg);
	else if (json)
		cli_store_json_line(stdout, json_pack("{s:s, s:b, s:i, s:O, s:O}", "store", store_path(s),
		                                      "ok", n == 0, "schema_version",
		                                      store_schema_version(s), "problems", problems,
		                                      "fixed", fixed));
	else if (n == 0)
		printf("%s: ok (schema version %d)\n", store_path(s), store_schema_version(s));
	else
		cli_error("%s", err.msg);
	json_decref(problems);
	json_decref(fixed);
	store_close(s);
	return status;
}

static long long store_cmd_size(const char *path)
{
	struct stat sb;
	return stat(path, &sb) == 0 ? (long long)sb.st_size : -1;
}

static int store_cmd_vacuum(struct cli *cli)
{
	struct store *s;
	if (cli_store_open(cli, &s) != CLI_OK)
		return CLI_FAIL;
	long long before = store_cmd_size(store_path(s));
	struct store_err err;
	int status = CLI_OK;
	if (store_vacuum(s, &err) != STORE_OK) {
		cli_error("%s", err.msg);
		status = CLI_FAIL;
	} else {
		printf("%s: %lld -> %lld bytes\n", store_path(s), before, store_cmd_size(store_path(s)));
	}
	store_close(s);
	return status;
}

static int store_cmd_count(void *ctx, const struct store_dataset *d)
{
	*(int64_t *)ctx = d->n_rows;
	return 0;
}

/* Imports the way `ric import` + `ric relabel` will: rows and their rewards,
 * one transaction per batch. */
static enum store_code store_cmd_import(struct store *s, long rows, int k, long batch,
                                        struct store_err *err)
{
	store_id d, obj[STORE_MAX_OBJ];
	enum store_code rc = store_dataset_create(s, "bench", "ric store bench", 0, &d, err);
	for (int j = 0; rc == STORE_OK && j < k; j++) {
		char name[32];
		snprintf(name, sizeof name, "reward%d", j);
		rc = store_objective_add(s, d, name, "rule:bench", &obj[j], err);
	}
	struct store_row *r = calloc((size_t)batch, sizeof *r);
	char (*prompt)[64] = calloc((size_t)batch, sizeof *prompt);
	char (*resp)[128] = calloc((size_t)batch, sizeof *resp);
	store_id *ids = calloc((size_t)batch, sizeof *ids);
	double *v = calloc((size_t)batch * (size_t)k, sizeof *v);
	if (!r || !prompt || !resp || !ids || !v)
		rc = STORE_EINTERNAL;
	for (long done = 0; rc == STORE_OK && done < rows; done += batch) {
		long n = rows - done < batch ? rows - done : batch;
		for (long i = 0; i < n; i++) {
			long row = done + i;
			snprintf(prompt[i], sizeof prompt[i], "Prompt %ld: tell me about the number %ld.", row, row);
			snprintf(resp[i], sizeof resp[i], "The number %ld is %s, and it has %d digits; "
			         "that is all there is to say.", row, row % 2 ? "odd" : "even",
			         snprintf(NULL, 0, "%ld", row));
			r[i] = (struct store_row){ .prompt = prompt[i], .response = resp[i] };
			for (int j = 0; j < k; j++)
				v[i * k + j] = (double)((row * 7919 + j * 104729) % 1000) / 1000.0;
		}
		if ((rc = store_begin(s, err)) != STORE_OK)
			break;
		rc = store_rows_add(s, d, r, (size_t)n, ids, err);
		if (rc == STORE_OK)
			rc = store_rewards_add(s, obj, k, ids, v, (size_t)n, err);
		rc = rc == STORE_OK ? store_commit(s, err) : (store_rollback(s), rc);
	}
	free(r);
	free(prompt);
	free(resp);
	free(ids);
	free(v);
	return rc;
}

static int store_cmd_bench(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "rows", required_argument, NULL, 'r' },
		{ "rewards", required_argument, NULL, 'k' },
		{ "batch", required_argument, NULL, 'b' },
		{ "output", required_argument, NULL, 'o' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	long rows = 100000, batch = 10000, k = 3;
	const char *output = NULL;
	int c, exit_rc;
	while ((c = cli_next_option(&cmd_store, argc, argv, "ho:", opts, &exit_rc)) != -1) {
		char *end = NULL;
		switch (c) {
		case 'r': rows = strtol(optarg, &end, 10); break;
		case 'k': k = strtol(optarg, &end, 10); break;
		case 'b': batch = strtol(optarg, &end, 10); break;
		case 'o': output = optarg; break;
		case CLI_OPT_EXIT: return exit_rc;
		}
		if (end && (*end || rows < 1 || batch < 1 || k < 1 || k > STORE_MAX_OBJ))
			return cli_bad_usage(&cmd_store, "bad number '%s' (rewards: 1 to %d)", optarg,
			                     STORE_MAX_OBJ);
	}
	if (optind < argc)
		return cli_bad_usage(&cmd_store, "unexpected argument '%s'", argv[optind]);
	char dir[4096] = "", path[4200];
	if (output) {
		if (store_cmd_size(output) >= 0) {
			cli_error("%s: exists; bench writes a new store", output);
			return CLI_FAIL;
		}
		snprintf(path, sizeof path, "%s", output);
	} else {
		const char *tmp = getenv("TMPDIR");
		snprintf(dir, sizeof dir, "%s/ric-bench.XXXXXX", tmp && *tmp ? tmp : "/tmp");
		if (!mkdtemp(dir)) {
			cli_error("%s: %s", dir, strerror(errno));
			return CLI_FAIL;
		}
		snprintf(path, sizeof path, "%s/store.db", dir);
	}
	struct store *s;
	struct store_err err;
	enum store_code rc = store_open(path, STORE_CREATE, &s, &err);
	double t0 = monotonic_s(), t1 = t0;
	clock_t c0 = clock(), c1 = c0;
	int64_t stored = -1;
	if (rc == STORE_OK) {
		rc = store_cmd_import(s, rows, (int)k, batch, &err);
		t1 = monotonic_s();
		c1 = clock();
		if (rc == STORE_OK)
			rc = store_datasets_each(s, store_cmd_count, &stored, &err);
		store_close(s);
	}
	int status = CLI_OK;
	if (rc != STORE_OK) {
		cli_error("%s", err.msg);
		status = CLI_FAIL;
	} else if (stored != rows) {
		cli_error("%s: wrote %ld rows but the store holds %lld", path, rows, (long long)stored);
		status = CLI_FAIL;
	} else {
		double s_taken = t1 - t0;
		printf("imported %ld rows with %ld rewards each, %ld rows per transaction, in %.2f s "
		       "(%.2f s CPU, %.0f rows/s); store %.1f MB%s%s\n", rows, k, batch, s_taken,
		       (double)(c1 - c0) / CLOCKS_PER_SEC, rows / (s_taken > 0 ? s_taken : 1e-9),
		       store_cmd_size(path) / 1e6,
		       output ? " at " : "", output ? output : "");
	}
	if (!output) {
		static const char *const sfx[] = { "", "-wal", "-shm", "-journal" };
		for (size_t i = 0; i < 4; i++) {
			char f[4300];
			snprintf(f, sizeof f, "%s%s", path, sfx[i]);
			unlink(f);
		}
		rmdir(dir);
	}
	return status;
}

static int store_cmd_run(struct cli *cli, int argc, char **argv)
{
	if (argc >= 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
		cli_print_help(&cmd_store, stdout);
		return CLI_OK;
	}
	if (argc < 2)
		return cli_bad_usage(&cmd_store, "which action: check, vacuum or bench?");
	const char *action = argv[1];
	if (strcmp(action, "bench") == 0)
		return store_cmd_bench(argc - 1, argv + 1);
	int json = 0, opt_rc = cli_json_option(&cmd_store, argc - 1, argv + 1, &json);
	if (opt_rc >= 0)
		return opt_rc;
	argc--;
	argv++;
	if (optind < argc)
		return cli_bad_usage(&cmd_store, "unexpected argument '%s'", argv[optind]);
	if (strcmp(action, "check") == 0)
		return store_cmd_check(cli, json);
	if (strcmp(action, "vacuum") == 0 && !json)
		return store_cmd_vacuum(cli);
	return cli_bad_usage(&cmd_store, "unknown action '%s' (check, vacuum or bench)", action);
}
