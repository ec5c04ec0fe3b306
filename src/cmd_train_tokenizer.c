/* ric train-tokenizer: learn a byte-level BPE tokenizer from text files. */
#include "config.h"

#include "engine/bpe_train.h"
#include "src/cli.h"
#include "engine/monotonic.h"

#include <stdlib.h>
#include <time.h>

static int train_tokenizer_run(struct cli *cli, int argc, char **argv);

const struct cli_command cmd_train_tokenizer = {
	.name = "train-tokenizer",
	.summary = "learn a GPT-2-style byte-level BPE tokenizer from text files",
	.usage = "ric train-tokenizer --vocab-size N --out DIR [--quiet] FILE...",
	.help = "Options:\n"
	        "  --vocab-size N   entries in the vocabulary: 256 bytes, N-257 merges, <|endoftext|>\n"
	        "  --out DIR        write vocab.json, merges.txt, tokenizer.json and\n"
	        "                   tokenizer_config.json here\n"
	        "  --quiet          no progress on standard error\n"
	        "Text is split at <|endoftext|> and by GPT-2's pre-tokenizer. The files are\n"
	        "read by `ric tokenize --tokenizer DIR` and by Hugging Face's GPT2Tokenizer.\n",
	.run = train_tokenizer_run,
};

static void log_stderr(void *ctx, enum log_level level, const char *msg)
{
	(void)ctx;
	if (level >= LOG_INFO)
		fprintf(stderr, "ric: %s\n", msg);
}

static int train_tokenizer_run(struct cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "vocab-size", required_argument, NULL, 'v' },
		{ "out", required_argument, NULL, 'o' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	const char *out = NULL;
	long vocab = 0;
	int quiet = 0, c, exit_rc;
	char *end;
	(void)cli;
	while ((c = cli_next_option(&cmd_train_tokenizer, argc, argv, "h", opts, &exit_rc)) != -1) {
		switch (c) {
		case 'v':
			vocab = strtol(optarg, &end, 10);
			if (*end || end == optarg || vocab < 257 || vocab > 1000000)
				return cli_bad_usage(&cmd_train_tokenizer, "--vocab-size %s is not a number in 257..1000000",
				                     optarg);
			break;
		case 'o': out = optarg; break;
		case 'q': quiet = 1; break;
		case CLI_OPT_EXIT: return exit_rc;
		}
	}
	if (!vocab || !out)
		return cli_bad_usage(&cmd_train_tokenizer, "--vocab-size and --out are required");
	if (optind >= argc)
		return cli_bad_usage(&cmd_train_tokenizer, "no text FILE given");
	struct bpe_train *tr;
	struct status st = STATUS_INIT;
	struct hooks h = { .log = quiet ? NULL : log_stderr };
	double t0 = monotonic_s();
	enum status_code rc = bpe_train_new(&tr, &st);
	if (rc != STATUS_OK) {
		cli_error("%s", st.msg);
		return CLI_FAIL;
	}
	for (int i = optind; i < argc && rc == STATUS_OK; i++)
		rc = bpe_train_add_file(tr, argv[i], &st);
	if (rc == STATUS_OK)
		rc = bpe_train_run(tr, (size_t)vocab, &h, &st);
	if (rc == STATUS_OK)
		rc = bpe_train_save(tr, out, &st);
	if (rc == STATUS_OK && !quiet) {
		fprintf(stderr, "ric: wrote %s (vocabulary of %zu) in %.2f s\n", out, bpe_train_vocab_size(tr),
		        monotonic_s() - t0);
	}
	bpe_train_free(tr);
	if (rc != STATUS_OK) {
		cli_error("%s", st.msg);
		return CLI_FAIL;
	}
	return CLI_OK;
}
