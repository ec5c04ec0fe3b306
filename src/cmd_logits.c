/* ric logits: a checkpoint's logits (or reward scores) for token rows. */
#include "config.h"

#include "src/cli.h"
#include "src/rows.h"
#include "engine/checkpoint.h"
#include "engine/safetensors.h"

#include <stdlib.h>

static int logits_run(struct cli *cli, int argc, char **argv);

const struct cli_command cmd_logits = {
	.name = "logits",
	.summary = "write a model's logits (or reward scores) for token rows",
	.usage = "ric logits --model DIR [--adapter DIR] --tokens ROWS --out FILE.safetensors",
	.help = "Options:\n"
	        "  --model DIR     Hugging Face model folder (config.json + safetensors):\n"
	        "                  GPT-2, Llama, Mistral or Qwen2, or a PEFT LoRA adapter folder\n"
	        "  --adapter DIR   a PEFT LoRA adapter over --model (without --model: over\n"
	        "                  its base_model_name_or_path)\n"
	        "  --tokens ROWS   token ids, rows separated by ';' (1,2,3;4,5,6); rows of a\n"
	        "                  reward model may be padded with its pad_token_id\n"
	        "  --out FILE      safetensors file: 'logits' [B,T,V] for a language model,\n"
	        "                  'scores' [B,labels] for a reward model (F32)\n",
	.run = logits_run,
};

static int logits_run(struct cli *cli, int argc, char **argv)
{
	(void)cli;
	static const struct option opts[] = {
		{ "model", required_argument, NULL, 'm' },
		{ "tokens", required_argument, NULL, 't' },
		{ "out", required_argument, NULL, 'o' },
		{ "adapter", required_argument, NULL, 'a' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	const char *model = NULL, *tokens = NULL, *out = NULL, *adapter = NULL;
	int c, exit_rc;
	while ((c = cli_next_option(&cmd_logits, argc, argv, "h", opts, &exit_rc)) != -1) {
		switch (c) {
		case 'm': model = optarg; break;
		case 't': tokens = optarg; break;
		case 'o': out = optarg; break;
		case 'a': adapter = optarg; break;
		case CLI_OPT_EXIT: return exit_rc;
		}
	}
	if (optind < argc)
		return cli_bad_usage(&cmd_logits, "unexpected argument '%s'", argv[optind]);
	if ((!model && !adapter) || !tokens || !out)
		return cli_bad_usage(&cmd_logits, "--model (or --adapter), --tokens and --out are required");
	char err[256];
	struct rows r;
	if (rows_parse(tokens, &r, err, sizeof err) != 0)
		return cli_bad_usage(&cmd_logits, "--tokens: %s", err);

	struct status st = STATUS_INIT;
	struct model_params p = { 0 };
	struct model_pass *a = NULL;
	struct safetensors_writer *w = NULL;
	int rc = CLI_FAIL;
	if (checkpoint_load_base(adapter ? adapter : model, adapter ? model : NULL, &p, NULL, &st) !=
	    STATUS_OK || model_want_text(&p.cfg, model, &st) != STATUS_OK) {
		model_params_free(&p);
		rows_free(&r);
		cli_error("%s", st.msg);
		return CLI_FAIL;
	}
	if (model_pass_new(&a, &p, 0, &st) != STATUS_OK ||
	    model_forward(a, p.mem, r.v, r.B, r.T, NULL, NULL, &st) != STATUS_OK)
		goto out;
	w = safetensors_writer_new();
	if (!w) {
		status_set(&st, STATUS_NOMEM, "out of memory");
		goto out;
	}
	if (a->labels == 0) {
		int64_t shape[3] = { (int64_t)r.B, (int64_t)r.T, (int64_t)a->V };
		if (safetensors_writer_add(w, "logits", ST_F32, 3, shape, a->logits, &st) != STATUS_OK)
			goto out;
	} else {
		int64_t shape[2] = { (int64_t)r.B, (int64_t)a->labels };
		if (safetensors_writer_add(w, "scores", ST_F32, 2, shape, a->scores, &st) != STATUS_OK)
			goto out;
	}
	if (safetensors_writer_save(w, out, &st) == STATUS_OK)
		rc = CLI_OK;
out:
	if (rc != CLI_OK)
		cli_error("%s", st.msg);
	safetensors_writer_free(w);
	model_pass_free(a);
	model_params_free(&p);
	rows_free(&r);
	return rc;
}
