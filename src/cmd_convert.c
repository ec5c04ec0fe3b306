/* ric convert: rewrite a checkpoint in another dtype (BF16 halves its size),
 * keeping its tokenizer files and ric.json, so a trained model can be shipped
 * small and still load in transformers. */
#include "config.h"

#include "engine/checkpoint.h"
#include "src/cli.h"

#include <string.h>

static int convert_run(struct cli *cli, int argc, char **argv);

const struct cli_command cmd_convert = {
	.name = "convert",
	.summary = "rewrite a checkpoint in F32 or BF16, with its tokenizer and ric.json",
	.usage = "ric convert IN OUT [--dtype f32|bf16]",
	.help = "Reads the Hugging Face folder IN (F32, F16 or BF16 tensors) and writes OUT\n"
	        "with config.json, model.safetensors in the --dtype asked for, the tokenizer\n"
	        "files and ric.json of IN. OUT must differ from IN.\n\n"
	        "Options:\n"
	        "  --dtype D     f32 or bf16 (default bf16)\n",
	.run = convert_run,
};

static int convert_run(struct cli *cli, int argc, char **argv)
{
	(void)cli;
	static const struct option opts[] = {
		{ "dtype", required_argument, NULL, 'd' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	const char *dtype = "bf16";
	int c, exit_rc;
	while ((c = cli_next_option(&cmd_convert, argc, argv, "h", opts, &exit_rc)) != -1) {
		switch (c) {
		case 'd': dtype = optarg; break;
		case CLI_OPT_EXIT: return exit_rc;
		}
	}
	if (strcmp(dtype, "f32") != 0 && strcmp(dtype, "bf16") != 0)
		return cli_bad_usage(&cmd_convert, "--dtype is f32 or bf16, not '%s'", dtype);
	if (argc - optind != 2)
		return cli_bad_usage(&cmd_convert, "want IN and OUT folders");
	const char *in = argv[optind], *out = argv[optind + 1];
	if (strcmp(in, out) == 0)
		return cli_bad_usage(&cmd_convert, "OUT must differ from IN");

	struct model_params p;
	json_t *ric = NULL;
	struct status st = STATUS_INIT;
	if (checkpoint_load(in, &p, &ric, &st) != STATUS_OK) {
		cli_error("%s", st.msg);
		return CLI_FAIL;
	}
	struct checkpoint_save_opts o = { .bf16 = strcmp(dtype, "bf16") == 0, .tokenizer_dir = in,
	                                  .ric = ric };
	enum status_code rc = checkpoint_save(out, &p, &o, &st);
	json_decref(ric);
	model_params_free(&p);
	if (rc != STATUS_OK) {
		cli_error("%s", st.msg);
		return CLI_FAIL;
	}
	return CLI_OK;
}
