/* reward: an objective's reward function, opened from its spec string.
 *
 *   struct reward_env env = { .datadir = "/usr/share/ric", .timeout_s = 30, .batch = 16 };
 *   struct reward *r;
 *   struct status st = STATUS_INIT;
 *   if (reward_open("brevity:20", &env, &r, &st) != STATUS_OK) return st.code;
 *   const char *prompts[] = { "Say hi." }, *responses[] = { "Hello there!" };
 *   double v[1];
 *   if (reward_score(r, 1, prompts, responses, v, &st) != STATUS_OK) ...;   // v[0] = exp(-2/20)
 *   reward_close(r);
 *
 * Specs (an optional "rule:" prefix is accepted on the rule rewards):
 *   positivity          AFINN-165 valences of the response's words, sign flipped
 *                       when not/no/never or a word ending in n't is among the 3
 *                       words before; R = tanh(S / 5)   (engine/reward_rule.c)
 *   brevity[:L]         exp(-words / L), L = 20 by default
 *   informativeness     k = distinct words of 3+ letters that are neither stop
 *                       words nor in the sentiment lexicon; R = 1 - exp(-k / 8)
 *   length              the number of words
 *   regex:PATTERN       the number of matches of PCRE2 PATTERN in the response
 *                       (engine/reward_regex.c)
 *   rm:DIR              a GPT2ForSequenceClassification checkpoint, label 0 at
 *                       the last non-pad token of prompt + response; a relative
 *                       DIR not found from the current folder is taken from the
 *                       data folder (rm:demo/reward)   (engine/reward_rm.c);
 *                       an image reward model (a DiT from ric rm-train on image
 *                       pairs) makes it an image reward, label 0 of each picture
 *   cmd:COMMAND         an external scorer speaking JSON lines (engine/reward_cmd.c;
 *                       the protocol is in man/ric.1, REWARD PROTOCOL); it scores
 *                       text rows and image rows (given as PNG file paths)
 * Image rewards (engine/reward_image.c), on 8-bit RGB pictures:
 *   jpeg                minus the size in kB (1000 bytes) of the picture as a
 *                       JPEG at quality REWARD_JPEG_QUALITY (libjpeg-turbo's
 *                       defaults otherwise: 4:2:0, baseline), as DDPO's
 *                       compressibility reward
 *   colorfulness        Hasler and Suesstrunk's M on 0..255 values (0 for grey)
 *   brightness          mean BT.601 luma 0.299 R + 0.587 G + 0.114 B, over 255
 *   symmetry            1 - mean |I(x) - I(w-1-x)| / 255, the left-right mirror
 *                       difference over every pixel and channel (1: symmetric)
 * Rule rewards look at the response only; rm: and cmd: see both. A text
 * reward given images, or an image reward given text, fails in one line.
 *
 * A word (rule rewards) is a maximal run of ASCII letters, digits, apostrophes
 * and bytes >= 0x80 (so UTF-8 letters stay inside words), compared in ASCII
 * lower case.
 *
 * reward_score fills every value or fails as a whole; the values are finite
 * and within +-REWARD_ABS_MAX. A reward is used by one thread at a time.
 *
 * Nothing read from a file starts a program without the user's consent. A
 * spec the caller read from a file (a checkpoint's ric.json, a store) is
 * opened with env.from_file set; then reward_open refuses with STATUS_DENIED,
 * unless env.consent is set:
 *   cmd:COMMAND   always (it would start COMMAND);
 *   rm:DIR        when env.home (the checkpoint's folder) is given and DIR,
 *                 symbolic links resolved, leaves it for anywhere but the data
 *                 folder (the installed data folder is trusted: rm:demo/reward).
 *                 A relative DIR is then taken from home first, then the data
 *                 folder, then the current folder.
 * Specs from the user's own command line are opened with from_file 0.
 */
#ifndef RIC_ENGINE_REWARD_H
#define RIC_ENGINE_REWARD_H

#include <stddef.h>

#include "engine/image.h"
#include "engine/status.h"

/* The JPEG quality of the jpeg reward (DDPO's). */
#define REWARD_JPEG_QUALITY 95

/* The largest |reward| accepted, from a scorer or a dataset file. No reward
 * of ours comes near it (length would need a million-word response, a reward
 * model's logit is in the tens); beyond it a value means a broken scorer, and
 * one such value swamps every mean and sigma (1e308 overflows them). */
#define REWARD_ABS_MAX 1e6

struct reward_env {
	const char *datadir;    /* holds lexicons/: positivity and informativeness need it */
	double timeout_s;       /* cmd: longest wait for one reply; <= 0: 60 s */
	size_t batch;           /* rm: rows per forward, cmd: rows per request; 0: 16 */
	const struct hooks *hooks; /* abort polled between batches (and while a scorer works) */
	int from_file;          /* the spec was read from a file: see above */
	const char *home;       /* from_file: the checkpoint folder it came with, or NULL */
	int consent;            /* from_file: the user agreed to run or read what it names */
	int weights;            /* rm: scores with enum decoder_dtype weights (0: F32, the
	                           training forward pass; BF16 or int8: the KV-cache decoder on
	                           weights loaded straight from the file, no F32 copy) */
};

struct reward;

enum status_code reward_open(const char *spec, const struct reward_env *env, struct reward **out,
                             struct status *st);
/* out gets n values. prompts may be NULL for rewards that do not need them. */
enum status_code reward_score(struct reward *r, size_t n, const char *const *prompts,
                              const char *const *responses, double *out, struct status *st);
/* out gets n values for n pictures (image rewards and cmd:). */
enum status_code reward_score_images(struct reward *r, size_t n, const struct image *im, double *out,
                                     struct status *st);
/* Whether the reward scores images (1), text (0) or both (cmd:, 2). */
int reward_modality(const struct reward *r);
void reward_close(struct reward *r);
/* The spec it was opened with. */
const char *reward_spec(const struct reward *r);
/* STATUS_OK when reward_open may open spec under env, else STATUS_DENIED
 * with a message naming the spec and what it would do (cheap: opens
 * nothing, so a caller can ask the user first). */
enum status_code reward_permit(const char *spec, const struct reward_env *env, struct status *st);
/* Whether a spec names a known kind (cheap: opens nothing). */
int reward_spec_known(const char *spec);
/* Whether a spec names an image reward (jpeg, colorfulness, ...). */
int reward_spec_image(const char *spec);

/* The image rewards' measures, for callers and tests. */
enum status_code reward_image_jpeg_size(const struct image *im, size_t *bytes, struct status *st);
double reward_image_colorfulness(const struct image *im);
double reward_image_brightness(const struct image *im);
double reward_image_symmetry(const struct image *im);

#endif
