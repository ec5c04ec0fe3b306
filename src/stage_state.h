/* stage_state: a training checkpoint that a stage can resume from exactly:
 * the model folder (checkpoint_save) plus optimizer.safetensors (AdamW m and
 * v) and trainer_state.json (optimizer step, stage step, RNG state, and any
 * stage-specific data position).
 *
 *   struct stage_state ss = { .step = 100, .rng = r };
 *   stage_state_save("out/checkpoint-100", &params, &save_opts, &opt, &ss, &st);
 *   ...
 *   stage_state_load("out/checkpoint-100", &params, &opt, &ss, &st);  // params allocated
 *
 * The folder appears whole or not at all: it is written as DIR.partial and
 * renamed into place (an older DIR is replaced).
 */
#ifndef RIC_SRC_STAGE_STATE_H
#define RIC_SRC_STAGE_STATE_H

#include "engine/checkpoint.h"
#include "engine/optim.h"
#include "engine/rng.h"
#include "engine/status.h"

#include <jansson.h>

struct stage_state {
	long step;           /* stage steps done */
	struct rng rng;
	json_t *extra;       /* stage data (owned; may be NULL) */
};

enum status_code stage_state_save(const char *dir, const struct model_params *p,
                                  const struct checkpoint_save_opts *o, const struct optim *opt,
                                  const struct stage_state *ss, struct status *st);

/* Reads the model into p (allocated here) and the state into ss. */
enum status_code stage_state_load_model(const char *dir, struct model_params *p,
                                        struct stage_state *ss, struct status *st);
/* Reads DIR/trainer_state.json alone into ss. */
enum status_code stage_state_read(const char *dir, struct stage_state *ss, struct status *st);
/* Restores m, v and the step of an optimizer made with optim_init for the same model. */
enum status_code stage_state_load_optim(const char *dir, struct optim *opt, struct status *st);

/* True when DIR holds a trainer_state.json. */
int stage_state_exists(const char *dir);

#endif
