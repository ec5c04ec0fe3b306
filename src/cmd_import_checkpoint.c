/* ric import-checkpoint: a model trained elsewhere (TRL on GPUs, from `ric
 * export --format trl`) becomes a RiC checkpoint: its ric.json checked and
 * put in the folder, the folder recorded as a run's policy checkpoint. */
#include "config.h"

#include "src/stage.h"
#include "engine/atomicfile.h"
#include "engine/checkpoint.h"
#include "engine/readfile.h"
#include "engine/ricmeta.h"
#include "engine/tokenizer.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int impck_run(struct cli *cli, int argc, char **argv);

const struct cli_command cmd_import_checkpoint = {
	.name = "import-checkpoint",
	.summary = "make a model trained elsewhere (TRL) a RiC checkpoint, recorded as a run",
	.usage = "ric import-checkpoint DIR [--ric-json FILE] [--name NAME]",
	.help = "DIR is a Hugging Face model folder (config.json, model.safetensors, tokenizer\n"
	        "files), e.g. TRL's output_dir after training on `ric export --format trl`.\n"
	        "Its RiC metadata is FILE (the export's ric.json), or DIR/ric.json when it\n"
	        "lies there already; it is checked, written to DIR/ric.json with this run\n"
	        "as its maker, and DIR is recorded as the run's policy checkpoint, so that\n"
	        "`ric generate --pref`, `ric eval` and ric-tui steer it. Reward specs in it\n"
	        "are not run here.\n\n"
	        "Options:\n"
	        "  --ric-json FILE   the RiC metadata (default: DIR/ric.json)\n"
	        "  --name NAME       run name\n",
	.run = impck_run,
};

/* FILE's text, checked as ric.json. */
static enum status_code impck_meta(const char *file, struct ricmeta *m, struct status *st)
{
	char *text = NULL;
	size_t len = 0;
	ricmeta_init(m);
	enum status_code rc = readfile(file, (size_t)1 << 24, &text, &len, st);
	if (rc != STATUS_OK)
		return rc;
	json_error_t je;
	json_t *j = json_loadb(text, len, 0, &je);
	free(text);
	if (!j)
		return status_set(st, STATUS_FORMAT, "%s:%d: %s", file, je.line, je.text);
	rc = ricmeta_from_json(j, file, m, st);
	json_decref(j);
	return rc;
}

/* The model: a language model with an EOS token and a tokenizer covering it. */
static enum status_code impck_model(const char *dir, struct status *st)
{
	struct model_params p = { 0 };
	struct tokenizer *tok = NULL;
	enum status_code rc = checkpoint_load(dir, &p, NULL, st);
	if (rc == STATUS_OK)
		rc = tokenizer_load(dir, &tok, st);
	if (rc == STATUS_OK && (p.cfg.num_labels > 0 || p.cfg.eos_token_id < 0))
		rc = status_set(st, STATUS_INVALID, "%s: not a language model with an EOS token "
		                "(config.json: eos_token_id)", dir);
	if (rc == STATUS_OK && tokenizer_vocab_size(tok) > (size_t)p.cfg.vocab_size)
		rc = status_set(st, STATUS_INVALID, "%s: the tokenizer's %zu tokens do not fit the "
		                "model's vocab_size %d", dir, tokenizer_vocab_size(tok), p.cfg.vocab_size);
	if (tok)
		tokenizer_free(tok);
	model_params_free(&p);
	return rc;
}

/* Whether a and b hold the same bytes (1), differ (0), or one cannot be read (-1). */
static int impck_same(const char *a, const char *b)
{
	char *x = NULL, *y = NULL;
	size_t nx = 0, ny = 0;
	struct status st = STATUS_INIT;
	if (readfile(a, (size_t)1 << 24, &x, &nx, &st) != STATUS_OK ||
	    readfile(b, (size_t)1 << 24, &y, &ny, &st) != STATUS_OK) {
		free(x);
		return -1;
	}
	int same = nx == ny && memcmp(x, y, nx) == 0;
	free(x);
	free(y);
	return same;
}

static int impck_run(struct cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "ric-json", required_argument, NULL, 'r' }, { "name", required_argument, NULL, 'N' },
		{ "help", no_argument, NULL, 'h' }, { NULL, 0, NULL, 0 }
	};
	const struct cli_command *cmd = &cmd_import_checkpoint;
	const char *ric_json = NULL, *name = NULL;
	int c, exit_rc;
	while ((c = cli_next_option(cmd, argc, argv, "h", opts, &exit_rc)) != -1) {
		switch (c) {
		case 'r': ric_json = optarg; break;
		case 'N': name = optarg; break;
		case CLI_OPT_EXIT: return exit_rc;
		}
	}
	if (optind != argc - 1)
		return cli_bad_usage(cmd, "wants one model folder DIR");
	const char *dir = argv[optind];
	char real[PATH_MAX], inside[PATH_MAX + 16];
	if (!realpath(dir, real)) {
		cli_error("%s: %s", dir, strerror(errno));
		return CLI_FAIL;
	}
	snprintf(inside, sizeof inside, "%s/ric.json", real);
	int has_inside = access(inside, F_OK) == 0;
	if (!ric_json && !has_inside) {
		cli_error("%s has no ric.json: give --ric-json FILE (the ric.json of `ric export "
		          "--format trl`)", dir);
		return CLI_FAIL;
	}
	const char *file = ric_json ? ric_json : inside;
	/* The folder's own ric.json is never silently replaced by another. */
	if (ric_json && has_inside && impck_same(ric_json, inside) == 0) {
		cli_error("%s/ric.json exists and differs from %s (remove it to import %s, or leave out "
		          "--ric-json to import the folder's own)", dir, ric_json, ric_json);
		return CLI_FAIL;
	}
	struct status st = STATUS_INIT;
	struct ricmeta m;
	if (impck_meta(file, &m, &st) != STATUS_OK || impck_model(real, &st) != STATUS_OK) {
		cli_error("%s", st.msg);
		ricmeta_free(&m);
		return CLI_FAIL;
	}
	struct stage sg;
	if (stage_open(&sg, cli, "import", name, 0, 0) != CLI_OK) {
		ricmeta_free(&m);
		return CLI_FAIL;
	}
	stage_param(&sg, "checkpoint", "%s", real);
	stage_param(&sg, "ric_json", "%s", file);
	if (m.run > 0)
		stage_param(&sg, "ric_json_run", "%lld", (long long)m.run);
	stage_param(&sg, "template", "%s", m.template);
	stage_param(&sg, "marker", "%s", m.marker);
	stage_param(&sg, "mapping", "%s", mapping_name(m.mapping));
	for (size_t i = 0; i < m.n_obj; i++) {
		char key[64];
		snprintf(key, sizeof key, "objective%zu", i + 1);
		stage_param(&sg, key, "%s=%s mu=%.17g sigma=%.17g lo=%.17g hi=%.17g", m.obj[i].name,
		            m.obj[i].reward, m.obj[i].mu, m.obj[i].sigma, m.obj[i].lo, m.obj[i].hi);
	}
	m.run = sg.run;
	enum status_code rc = STATUS_OK;
	char *text = ricmeta_to_string(&m);
	json_t *j = ricmeta_to_json(&m);
	char *meta = j ? json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
	if (!text || !meta)
		rc = status_set(&st, STATUS_NOMEM, "out of memory");
	if (rc == STATUS_OK)
		rc = atomicfile_save(inside, text, strlen(text), &st);
	if (rc == STATUS_OK) {
		stage_checkpoint(&sg, real, 0, "policy", meta);
		printf("%s is the policy checkpoint of run %lld (%zu objective(s)); steer it with\n"
		       "  ric generate --model %s --prompt TEXT --pref 1", dir, (long long)sg.run, m.n_obj,
		       dir);
		for (size_t i = 1; i < m.n_obj; i++)
			fputs(",0", stdout);
		putchar('\n');
	}
	int ret = stage_finish(&sg, rc, st.msg);
	free(text);
	free(meta);
	json_decref(j);
	ricmeta_free(&m);
	return ret;
}
