/* tui_gen: the generation worker of ric-tui. One thread owns the model and
 * decodes a batch of samples for one or two preferences (compare mode A | B);
 * every new piece of text and every finished, scored sample reaches the UI
 * thread as an event, with a byte on a pipe to wake its poll().
 *
 *   struct tui_gen *g;
 *   if (tui_gen_open(&g, "share/demo/policy", datadir, DECODER_BF16, &st) != STATUS_OK) ...
 *   struct tui_gen_req r = TUI_GEN_REQ_DEFAULTS;
 *   r.prompt = "Tell me a story"; r.pref[0][0] = 0.3; r.pref[0][1] = 0.7;
 *   unsigned id = tui_gen_submit(g, &r, &st);   // cancels what runs, starts this
 *   struct pollfd p = { .fd = tui_gen_fd(g), .events = POLLIN };
 *   ... poll ...
 *   struct tui_gen_event *ev; size_t n = tui_gen_take(g, &ev);
 *   for (size_t i = 0; i < n; i++) if (ev[i].gen == id) ... append ev[i].text ...
 *   tui_gen_events_free(ev, n);
 *   tui_gen_close(g);                              // cancels and joins
 *
 * Requests do not queue: a new one replaces one not yet started and aborts
 * the running one at its next token (the engine polls the abort hook inside
 * every layer), so a slider drag costs one prefill per position reached, not
 * a backlog. Events of an older request may still arrive; the UI drops those
 * whose gen is not the one it waits for. The checkpoint's metadata (tui_gen_meta)
 * is read-only for the life of the worker, so the UI may read it any time.
 */
#ifndef RIC_SRC_TUI_GEN_H
#define RIC_SRC_TUI_GEN_H

#include <stddef.h>
#include <stdint.h>

#include "engine/decoder.h"
#include "engine/mapping.h"
#include "engine/ricmeta.h"
#include "engine/status.h"

#define TUI_GEN_MAX_OBJ 16
#define TUI_GEN_MAX_SAMPLES 16   /* per preference */

struct tui_gen_req {
	const char *prompt;                     /* copied by submit */
	size_t n;                               /* samples per preference, 1..TUI_GEN_MAX_SAMPLES */
	size_t n_pref;                          /* 1, or 2 for compare mode (same prompt and seeds) */
	double pref[2][TUI_GEN_MAX_OBJ];        /* preferences over the checkpoint's objectives */
	enum mapping_kind mapping;
	uint64_t seed;                          /* sample i uses seed + i under both preferences */
	float temperature, top_p;
	size_t max_new;
	size_t min_new;                         /* no EOS before this many tokens (benchmarks) */
	/* image models (tui_gen_is_image): DDIM steps and classifier-free guidance */
	size_t steps;
	double guidance;
};

#define TUI_GEN_REQ_DEFAULTS { .prompt = "", .n = 4, .n_pref = 1, .mapping = MAPPING_LINF, \
                               .seed = 0, .temperature = 0.7f, .top_p = 0.9f, .max_new = 48, \
                               .steps = 20, .guidance = 3 }

enum tui_gen_kind {
	TUI_GEN_TOKEN,   /* text: more bytes of sample seq (whole UTF-8 characters) */
	TUI_GEN_SAMPLE,  /* sample seq finished: text = its whole response, raw/norm scores */
	TUI_GEN_DONE,    /* the request ended: code OK or CANCELLED, ms and tokens */
	TUI_GEN_ERROR,   /* the request failed: text = the message */
	TUI_GEN_IMAGE    /* image model: sample seq's x0 estimate after DDIM step `step` of
	                  * `steps` (step == steps: final); text = RGB bytes
	                  * [width][width][3], len their count */
};

struct tui_gen_event {
	enum tui_gen_kind kind;
	unsigned gen;            /* the request id submit returned */
	size_t seq;              /* sample: preference seq / n, sample seq % n */
	char *text;              /* NUL-terminated, owned by the event */
	size_t len;
	double raw[TUI_GEN_MAX_OBJ], norm[TUI_GEN_MAX_OBJ];
	enum status_code code;
	int64_t ms;              /* DONE: submit to end; TOKEN: submit to this token */
	size_t tokens;           /* DONE: tokens generated, all samples */
	size_t step, steps;      /* IMAGE */
	int width;               /* IMAGE: side in pixels */
};

struct tui_gen;

/* Loads DIR (a RiC checkpoint: needs ric.json), its objectives' rewards (with
 * datadir for the lexicons) and a copy of the weights in `weights` for
 * decoding (DECODER_BF16 ric-tui's default: straight from a BF16 file, or
 * DECODER_INT8 straight from any; the rm: rewards the same), and starts the
 * worker thread. A reward that needs the user's consent (a cmd:,
 * or an rm: outside DIR: engine/reward.h) stays closed and its scores NAN
 * until tui_gen_consent. */
enum status_code tui_gen_open(struct tui_gen **out, const char *dir, const char *datadir,
                              enum decoder_dtype weights, struct status *st);
void tui_gen_close(struct tui_gen *g);

const struct ricmeta *tui_gen_meta(const struct tui_gen *g);
/* Why objective i is not scored (it waits for consent: the message names its
 * spec), or NULL. */
const char *tui_gen_denied(const struct tui_gen *g, size_t i);
/* The user agreed: opens objective i's reward, which scores from the next
 * request on. UI thread only. */
enum status_code tui_gen_consent(struct tui_gen *g, size_t i, struct status *st);
const char *tui_gen_dir(const struct tui_gen *g);
/* The checkpoint is an image model (a RiC DiT): requests need no prompt
 * and their samples arrive as TUI_GEN_IMAGE events, not text. */
int tui_gen_is_image(const struct tui_gen *g);

/* Side B of compare mode from another PEFT adapter of the base A stands on
 * (A an adapter of that base, or the base itself): the base in memory is
 * used again, not read a second time: A's adapter taken out of it, B's put
 * in, B's BF16 decoding weights copied, A's back. B needs A's objectives
 * (its ric.json). Compare requests (n_pref 2) then decode side B with B's
 * weights, template and marker, with the same seeds. What it cost goes to
 * info (may be NULL). Cancels what runs; UI thread. */
struct tui_gen_load {
	int64_t ms;              /* the whole call */
	long rss_kb;             /* resident memory it added */
	char base[4096];         /* the shared base folder */
};
enum status_code tui_gen_set_b(struct tui_gen *g, const char *dir, struct tui_gen_load *info,
                               struct status *st);
/* Side B's folder, or NULL when B decodes with A's weights. */
const char *tui_gen_b_dir(const struct tui_gen *g);

/* The targets (normalised, rounded to 0.1 as the model reads them) the
 * preference maps to under `mapping`. */
enum status_code tui_gen_targets(const struct tui_gen *g, const double *pref,
                                 enum mapping_kind mapping, double *t, struct status *st);

/* Checks and queues r (0 and st filled when it is not valid); returns its id. */
unsigned tui_gen_submit(struct tui_gen *g, const struct tui_gen_req *r, struct status *st);
/* Stops the running request at its next token; nothing new starts. */
void tui_gen_cancel(struct tui_gen *g);
/* True while a request is queued or running. */
int tui_gen_busy(struct tui_gen *g);

/* The read end of the wake-up pipe: readable when events wait. */
int tui_gen_fd(const struct tui_gen *g);
/* Takes every waiting event (and empties the pipe); *out is NULL when none. */
size_t tui_gen_take(struct tui_gen *g, struct tui_gen_event **out);
void tui_gen_events_free(struct tui_gen_event *ev, size_t n);

#endif
