/* ric tokenize: text to token ids and back, with a model's tokenizer. */
#include "config.h"

#include "engine/tokenizer.h"
#include "src/cli.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

static int tokenize_run(struct cli *cli, int argc, char **argv);

const struct cli_command cmd_tokenize = {
	.name = "tokenize",
	.summary = "encode text to token ids, or decode ids to text",
	.usage = "ric tokenize --tokenizer DIR [--no-special] [--bos] [--decode | --info] [--] [TEXT | IDS...]",
	.help = "Options:\n"
	        "  --tokenizer DIR  folder with vocab.json + merges.txt, or tokenizer.json (GPT-2,\n"
	        "                   Llama 2/3, Mistral, Qwen2, SmolLM: byte-level or SentencePiece BPE)\n"
	        "  --no-special     treat special tokens such as <|endoftext|> in TEXT as plain text\n"
	        "  --bos            start with the BOS id when the model's texts start with one\n"
	        "                   (Llama's <s>, as its tokenizer_config.json says)\n"
	        "  --decode         decode IDS (separated by spaces or commas) to text\n"
	        "  --info           print the tokenizer's kind, vocabulary size, BOS and EOS\n"
	        "Encoding prints the ids of TEXT on one line, separated by spaces; decoding\n"
	        "prints the decoded bytes exactly, with no newline added. Without TEXT or\n"
	        "IDS, standard input is read.\n",
	.run = tokenize_run,
};

static char *read_stdin(size_t *len)
{
	size_t cap = 1 << 16, n = 0;
	char *buf = malloc(cap);
	while (buf) {
		size_t r = fread(buf + n, 1, cap - n - 1, stdin);
		n += r;
		if (r == 0)
			break;
		if (n + 1 == cap) {
			char *b = realloc(buf, cap *= 2);
			if (!b)
				free(buf);
			buf = b;
		}
	}
	if (buf)
		buf[n] = '\0';
	*len = n;
	return buf;
}

static int encode(struct tokenizer *t, const char *text, size_t len, unsigned flags)
{
	struct tokenizer_ids ids = { 0 };
	struct status st = STATUS_INIT;
	if (tokenizer_encode(t, text, len, flags, &ids, &st) != STATUS_OK) {
		cli_error("%s", st.msg);
		return CLI_FAIL;
	}
	for (size_t i = 0; i < ids.n; i++)
		printf(i ? " %d" : "%d", ids.ids[i]);
	putchar('\n');
	tokenizer_ids_free(&ids);
	return CLI_OK;
}

/* Appends the ids in `s` (separated by spaces, commas or newlines) to `ids`. */
static int parse_ids(const char *s, struct tokenizer_ids *ids)
{
	while (*s) {
		s += strspn(s, " ,\t\r\n");
		if (!*s)
			break;
		char *end;
		errno = 0;
		long v = strtol(s, &end, 10);
		if (end == s || errno || v < INT32_MIN || v > INT32_MAX || (*end && !strchr(" ,\t\r\n", *end))) {
			size_t n = strcspn(s, " ,\t\r\n");
			cli_error("tokenize: '%.*s' is not a token id", (int)(n > 40 ? 40 : n), s);
			return CLI_USAGE;
		}
		if (ids->n == ids->cap) {
			size_t cap = ids->cap ? ids->cap * 2 : 64;
			int32_t *p = realloc(ids->ids, cap * sizeof *p);
			if (!p) {
				cli_error("out of memory");
				return CLI_FAIL;
			}
			ids->ids = p;
			ids->cap = cap;
		}
		ids->ids[ids->n++] = (int32_t)v;
		s = end;
	}
	return CLI_OK;
}

static int decode(struct tokenizer *t, int argc, char **argv)
{
	struct tokenizer_ids ids = { 0 };
	int rc = CLI_OK;
	if (argc == 0) {
		size_t len;
		char *in = read_stdin(&len);
		rc = in ? parse_ids(in, &ids) : (cli_error("out of memory"), CLI_FAIL);
		free(in);
	}
	for (int i = 0; i < argc && rc == CLI_OK; i++)
		rc = parse_ids(argv[i], &ids);
	if (rc == CLI_OK) {
		struct status st = STATUS_INIT;
		char *text;
		size_t len;
		if (tokenizer_decode(t, ids.ids, ids.n, &text, &len, &st) != STATUS_OK) {
			cli_error("%s", st.msg);
			rc = CLI_FAIL;
		} else {
			fwrite(text, 1, len, stdout);
			free(text);
		}
	}
	tokenizer_ids_free(&ids);
	return rc;
}

static int tokenize_run(struct cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "tokenizer", required_argument, NULL, 't' },
		{ "no-special", no_argument, NULL, 'n' },
		{ "decode", no_argument, NULL, 'd' },
		{ "bos", no_argument, NULL, 'b' },
		{ "info", no_argument, NULL, 'i' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	const char *dir = NULL;
	unsigned flags = 0;
	int dec = 0, info = 0, c, exit_rc;
	(void)cli;
	/* "+": TEXT may start with a dash once options end. */
	while ((c = cli_next_option(&cmd_tokenize, argc, argv, "+h", opts, &exit_rc)) != -1) {
		switch (c) {
		case 't': dir = optarg; break;
		case 'n': flags |= TOKENIZER_NO_SPECIAL; break;
		case 'd': dec = 1; break;
		case 'b': flags |= TOKENIZER_BOS; break;
		case 'i': info = 1; break;
		case CLI_OPT_EXIT: return exit_rc;
		}
	}
	if (!dir)
		return cli_bad_usage(&cmd_tokenize, "--tokenizer DIR is required");
	if (info && (dec || optind < argc))
		return cli_bad_usage(&cmd_tokenize, "--info takes no TEXT and no --decode");
	if (!dec && argc - optind > 1)
		return cli_bad_usage(&cmd_tokenize, "give TEXT as one argument (quote it)");
	struct tokenizer *t;
	struct status st = STATUS_INIT;
	if (tokenizer_load(dir, &t, &st) != STATUS_OK) {
		cli_error("%s", st.msg);
		return CLI_FAIL;
	}
	int rc;
	if (info) {
		size_t n;
		const char *b = tokenizer_bos_token(t) >= 0 ? tokenizer_token_bytes(t, tokenizer_bos_token(t), &n) : NULL;
		printf("kind      %s\n", tokenizer_kind(t));
		printf("vocab     %zu\n", tokenizer_vocab_size(t));
		if (b)
			printf("bos       %d %.*s%s\n", tokenizer_bos_token(t), (int)n, b,
			       tokenizer_bos(t) >= 0 ? " (starts every text)" : "");
		else
			printf("bos       none\n");
		const char *e = tokenizer_eos(t) >= 0 ? tokenizer_token_bytes(t, tokenizer_eos(t), &n) : NULL;
		if (e)
			printf("eos       %d %.*s\n", tokenizer_eos(t), (int)n, e);
		else
			printf("eos       none\n");
		rc = CLI_OK;
	} else if (dec) {
		rc = decode(t, argc - optind, argv + optind);
	} else if (optind < argc) {
		rc = encode(t, argv[optind], strlen(argv[optind]), flags);
	} else {
		size_t len;
		char *in = read_stdin(&len);
		rc = in ? encode(t, in, len, flags) : (cli_error("out of memory"), CLI_FAIL);
		free(in);
	}
	tokenizer_free(t);
	if (fflush(stdout) != 0 && rc == CLI_OK) {
		cli_error("writing the output: %s", strerror(errno));
		rc = CLI_FAIL;
	}
	return rc;
}
