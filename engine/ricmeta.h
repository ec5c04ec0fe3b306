/* ricmeta: the RiC metadata a checkpoint carries as ric.json, and the prompt
 * ("context") it defines.
 *
 *   struct ricmeta m;
 *   ricmeta_init(&m);
 *   ricmeta_add_objective(&m, "positivity", "positivity", mu, sigma, lo, hi, &st);
 *   ricmeta_add_objective(&m, "brevity", "brevity", mu2, sigma2, lo2, hi2, &st);
 *   ricmeta_configure(&m, NULL, RICMETA_MARKER_PLAIN, MAPPING_LINF, run_id, "models/base", &st);
 *   json_t *j = ricmeta_to_json(&m);          // checkpoint_save_opts.ric = j
 *   double z[2] = { 1.2, -0.3 };
 *   struct ricmeta_seq s;
 *   ricmeta_encode(&m, tok, "Tell me", z, "a story", eos, &s, &st);
 *   ... s.ids, s.mask (1 on "a story" and EOS) ...
 *   ricmeta_seq_free(&s);
 *   ricmeta_free(&m);
 *
 * ric.json (unknown top-level keys are kept and written back, so later
 * stages can add their own):
 *   { "ric_version": 1,
 *     "objectives": [ { "name": "positivity", "reward": "positivity",
 *                       "mu": 0.1, "sigma": 0.4, "lo": -2.3, "hi": 2.1 }, ... ],
 *     "template": "{prompt} <rm1_score> {z1} <rm2_score> {z2}{marker}",
 *     "marker": "\nResponse:", "mapping": "linf", "run": 12, "base_model": "models/base" }
 * Only "objectives" is required; the rest default to the default template for
 * N objectives, the dialogue marker, linf, run 0 (unknown) and no base model.
 *
 * Template: text with placeholders {prompt} (exactly once), {z1}..{zN} (each
 * at least once; z printed by stats_format1: one decimal, never "-0.0") and
 * {marker} (optional); "{{" and "}}" stand for braces. The default for N
 * objectives is "{prompt} <rm1_score> {z1} ... <rmN_score> {zN}{marker}"
 * (tags are plain text, no new tokens). The unconditioned context of the SFT
 * baseline is prompt + marker, whatever the template. A prompt that already
 * ends with the marker (an imported HH-RLHF dialogue ends with
 * "\n\nAssistant:") loses it first when the context writes the marker, so
 * the marker stands once, after the scores, as in the reference.
 *
 * Token ids (../shared/RIC.md): ids = enc(context) ++ enc(" " + response) ++
 * [eos], each piece encoded on its own with special-token text treated as
 * text, so the context tokens are exactly those generation starts from. A
 * response that already starts with a space is not given a second one. The
 * loss mask is 1 on the response tokens and the EOS, 0 on the context.
 * Generated responses are never re-encoded: ricmeta_encode_generated appends
 * the model's own ids. Exact-prefix rule for the text of a generation:
 * ricmeta_response_offset skips exactly one leading space (the joining space
 * the model produced) and nothing else; no trimming, no re-tokenising.
 */
#ifndef RIC_ENGINE_RICMETA_H
#define RIC_ENGINE_RICMETA_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "engine/mapping.h"
#include "engine/status.h"
#include "engine/tokenizer.h"

#define RICMETA_VERSION 1
#define RICMETA_MARKER_DIALOGUE "\n\nAssistant:"
#define RICMETA_MARKER_PLAIN "\nResponse:"
/* The largest |z| written into a prompt (and lo, hi). A normalised offline
 * score cannot pass sqrt(rows - 1) (Samuelson's inequality), so no dataset
 * under 10^12 rows comes near it; beyond it a target is a typo or an attack,
 * and its digits (301 of them for 1e300) would swamp the prompt. */
#define RICMETA_Z_MAX 1e6

struct ricmeta_objective {
	char *name;
	char *reward;      /* reward spec, as engine/reward.h reads it */
	double mu, sigma;  /* offline normalisation: z = (r - mu) / sigma */
	double lo, hi;     /* range of normalised offline scores */
};

struct ricmeta {
	size_t n_obj;
	struct ricmeta_objective *obj;
	char *template;
	char *marker;
	enum mapping_kind mapping;
	int64_t run;        /* the run that made the checkpoint, 0: unknown */
	char *base_model;   /* NULL: unknown */
	json_t *extra;      /* other top-level keys of ric.json, or NULL */
};

void ricmeta_init(struct ricmeta *m);
void ricmeta_free(struct ricmeta *m);

enum status_code ricmeta_add_objective(struct ricmeta *m, const char *name, const char *reward,
                                       double mu, double sigma, double lo, double hi,
                                       struct status *st);
/* Sets the rest; template NULL = the default for the objectives added so far,
 * marker NULL = RICMETA_MARKER_DIALOGUE, base_model may be NULL. Validates. */
enum status_code ricmeta_configure(struct ricmeta *m, const char *template, const char *marker,
                                   enum mapping_kind mapping, int64_t run, const char *base_model,
                                   struct status *st);

/* "{prompt} <rm1_score> {z1} ... <rmN_score> {zN}{marker}" (malloc'd; NULL: out of memory). */
char *ricmeta_default_template(size_t n_obj);

/* Objectives present, names non-empty and distinct, stats finite, sigma >= 0,
 * lo <= hi, template valid for n_obj. */
enum status_code ricmeta_validate(const struct ricmeta *m, struct status *st);

/* The first two score placeholders of the template with no letter between
 * them, as {z1} and {z2} in "{prompt} [{z1} {z2}]", or {0, 0} when a label
 * precedes every score. A small model cannot tell such fields apart: one
 * sign or digit more moves every later one. */
enum status_code ricmeta_unlabelled(const struct ricmeta *m, size_t pair[2], struct status *st);

/* From a parsed ric.json (not modified; jansson iterates only mutable
 * objects); `file` names it in messages. m is initialised here. */
enum status_code ricmeta_from_json(json_t *j, const char *file, struct ricmeta *m,
                                   struct status *st);
/* Reads DIR/ric.json; STATUS_INVALID when the folder has none (not a RiC checkpoint). */
enum status_code ricmeta_load(const char *dir, struct ricmeta *m, struct status *st);
/* A new object (NULL: out of memory). */
json_t *ricmeta_to_json(const struct ricmeta *m);
/* The same as text, indented, numbers with 17 significant digits (free()). */
char *ricmeta_to_string(const struct ricmeta *m);

/* Index of the objective called name, or -1. */
int ricmeta_find(const struct ricmeta *m, const char *name);
/* z_i = stats_normalise(raw_i, mu_i, sigma_i) for the n_obj objectives. */
void ricmeta_normalise(const struct ricmeta *m, const double *raw, double *z);
/* lo (and hi) of every objective into n_obj values; either may be NULL. */
void ricmeta_ranges(const struct ricmeta *m, double *lo, double *hi);

/* The context text for prompt and targets z (n_obj values), or the
 * unconditioned prompt + marker when z is NULL. *out is malloc'd,
 * NUL-terminated; len may be NULL. */
enum status_code ricmeta_context(const struct ricmeta *m, const char *prompt, const double *z,
                                 char **out, size_t *len, struct status *st);

struct ricmeta_seq {
	int *ids;
	unsigned char *mask;  /* 1: the loss is taken when predicting this token */
	size_t n;
	size_t n_context;     /* ids[0..n_context) are the context */
};
void ricmeta_seq_free(struct ricmeta_seq *s);

/* ids as described above; response NULL gives the context alone (for
 * generation, no EOS). eos < 0: no EOS appended. z NULL: unconditioned. */
enum status_code ricmeta_encode(const struct ricmeta *m, struct tokenizer *t, const char *prompt,
                                const double *z, const char *response, int eos,
                                struct ricmeta_seq *out, struct status *st);
/* The same sequence from its two texts: enc(context) ++ enc(completion) ++
 * [eos] (eos < 0: none; completion NULL: the context alone), the mask 1 on
 * the completion and EOS. ricmeta_encode is ricmeta_context, then
 * ricmeta_response_join, then this; `ric export --format trl` writes the
 * two texts and `ric sft --data` reads them back to the same ids. */
enum status_code ricmeta_encode_text(struct tokenizer *t, const char *context,
                                     const char *completion, int eos, struct ricmeta_seq *out,
                                     struct status *st);
/* " " + response, or response as it is when it starts with a space: the
 * text the sequence holds after the context (malloc'd; NULL: out of memory). */
char *ricmeta_response_join(const char *response);
/* enc(context) ++ the generated ids as they are ++ [eos] unless they already
 * end with eos (or eos < 0). Used for hindsight relabelling of online samples. */
enum status_code ricmeta_encode_generated(const struct ricmeta *m, struct tokenizer *t,
                                          const char *prompt, const double *z, const int *gen,
                                          size_t n_gen, int eos, struct ricmeta_seq *out,
                                          struct status *st);
/* Next-token targets for train_batch: targets[i] = ids[i + 1] when mask[i + 1],
 * else -100; the last position has none. n values. */
void ricmeta_seq_targets(const struct ricmeta_seq *s, int *targets);

/* Where the response starts in the decoded text of a generation: 1 when it
 * begins with the joining space, else 0 (see the exact-prefix rule). */
size_t ricmeta_response_offset(const char *text, size_t len);

#endif
