/* export_trl: `ric export NAME --format trl -o DIR`: the RiC-conditioned
 * training set in TRL's prompt-completion form, for SFTTrainer on GPUs.
 *
 *   DIR/train.jsonl  {"prompt": CONTEXT, "completion": " " RESPONSE EOS} per line:
 *                    the context (prompt, scores, marker) and response exactly
 *                    as `ric sft` conditions and joins them (src/ricdata.c,
 *                    ricmeta_context, ricmeta_response_join), EOS as text
 *   DIR/ric.json     objectives with their stats, template, marker, mapping:
 *                    what steers a model trained on it (`ric import-checkpoint`)
 *
 * NAME is a relabelled dataset (its training rows, as sft would take them
 * with the same options), or an online run (its MORS-kept samples, relabelled
 * with the scores they obtained, under the policy's ric.json). DIR is written
 * as DIR.partial and renamed into place: an interrupted export leaves no DIR.
 */
#ifndef RIC_SRC_EXPORT_TRL_H
#define RIC_SRC_EXPORT_TRL_H

#include "src/cli.h"
#include "src/ricdata.h"

struct export_trl_opts {
	const char *out;      /* DIR */
	const char *base;     /* the model to be trained: its EOS text and base_model; may be NULL */
	const char *eos;      /* EOS text; NULL: the --base's, else "<|endoftext|>" (GPT-2's) */
	struct ricdata_opts r;
	int r_given;          /* set by export_trl: any of r was given */
};

/* Prints its errors; returns the exit status. */
int export_trl(struct cli *cli, const struct cli_command *cmd, const char *name,
               struct export_trl_opts *o);

#endif
