/* dataset: streaming readers for the data files `ric dataset import` takes.
 *
 *   struct dataset_reader *r;
 *   struct status st = STATUS_INIT;
 *   if (dataset_open("hh.jsonl.gz", DATASET_AUTO, &r, &st) != STATUS_OK) return st.code;
 *   struct dataset_record rec;
 *   int got;
 *   while (dataset_next(r, &rec, &got, &st) == STATUS_OK && got) {
 *       // rec.kind DATASET_JSONL: rec.prompt, rec.response (+ rec.reward_*)
 *       // DATASET_PAIRS, DATASET_HH: rec.prompt, rec.chosen, rec.rejected
 *   }
 *   // st.code STATUS_FORMAT: "hh.jsonl.gz:17: missing key \"chosen\""; calling
 *   // dataset_next again goes on with the next line (to skip bad lines)
 *   dataset_close(r);
 *
 * One JSON object per line (JSON Lines); blank lines are ignored. Files may be
 * gzip-compressed (read through zlib; plain files go through the same path).
 * Formats:
 *   jsonl    {"prompt": P, "response": R, "rewards": {"name": number, ...}}
 *            ("rewards" optional; at most DATASET_MAX_REWARDS names)
 *   pairs    {"prompt": P, "chosen": A, "rejected": B}
 *   hh-rlhf  {"chosen": DIALOGUE, "rejected": DIALOGUE} (Anthropic HH-RLHF):
 *            the prompt is the text up to and including the last
 *            "\n\nAssistant:", the response the rest without its leading
 *            space; both dialogues must share that prompt.
 *   image-pairs {"prompt": P, "chosen": FILE, "rejected": FILE} with "prompt"
 *            optional (empty when absent): `ric dataset import-image-pairs`,
 *            whose caller reads the files; never detected, only asked for.
 * DATASET_AUTO takes the format from the first valid line (a "response" key:
 * jsonl; "prompt", "chosen" and "rejected": pairs; "chosen" and "rejected":
 * hh-rlhf) and holds every later line to it. Any format may carry "split":
 * "train" or "eval" (the file's own split). Other keys are ignored. Every
 * text must be a JSON string (valid UTF-8, no NUL); responses, chosen and
 * rejected must not be empty or only white space; prompts may be empty.
 * A UTF-8 byte order mark before the first line and CR LF line ends are
 * accepted. Memory stays at the longest line plus the current record.
 */
#ifndef RIC_ENGINE_DATASET_H
#define RIC_ENGINE_DATASET_H

#include <stddef.h>

#include "engine/status.h"

enum dataset_format { DATASET_AUTO, DATASET_JSONL, DATASET_PAIRS, DATASET_HH, DATASET_IMAGE_PAIRS };

#define DATASET_MAX_REWARDS 16
#define DATASET_LINE_MAX (64u << 20)

struct dataset_record {
	enum dataset_format kind;     /* JSONL, PAIRS or HH */
	size_t line;                  /* 1-based line number in the file */
	const char *prompt;           /* valid until the next dataset_next */
	const char *response;         /* JSONL */
	const char *chosen, *rejected;/* PAIRS, HH (the responses after the prompt), IMAGE_PAIRS */
	const char *split;            /* "train" or "eval" from an optional "split" key, else NULL */
	size_t n_rewards;             /* JSONL with "rewards" */
	const char *reward_name[DATASET_MAX_REWARDS];
	double reward_value[DATASET_MAX_REWARDS];
};

struct dataset_reader;

/* A file (plain or gzip). */
enum status_code dataset_open(const char *path, enum dataset_format format,
                              struct dataset_reader **out, struct status *st);
/* Bytes in memory (not copied, must outlive the reader); `name` stands for the file. */
enum status_code dataset_open_mem(const char *name, const char *data, size_t len,
                                  enum dataset_format format, struct dataset_reader **out,
                                  struct status *st);
/* *got = 1 with a record, 0 at the end. STATUS_FORMAT for a bad line ("FILE:LINE: what");
 * STATUS_IO when the file cannot be read (the reader is then done). */
enum status_code dataset_next(struct dataset_reader *r, struct dataset_record *rec, int *got,
                              struct status *st);
/* The format in use: the one given, or the detected one (DATASET_AUTO before
 * the first valid line). */
enum dataset_format dataset_format_of(const struct dataset_reader *r);
void dataset_close(struct dataset_reader *r);

/* "auto", "jsonl", "pairs", "hh-rlhf", "image-pairs". */
const char *dataset_format_name(enum dataset_format f);
/* The text formats (not image-pairs, whose rows are files); 0 when `name`
 * is none of them. */
int dataset_format_parse(const char *name, enum dataset_format *out);

#endif
