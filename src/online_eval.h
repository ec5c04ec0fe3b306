/* online_eval: `ric online --eval-each` -- after every iteration, `ric eval`
 * of that iteration's checkpoint on the dataset's held-out prompts, as a run
 * of its own whose parent is the online run, so the fronts of successive
 * iterations can be stepped through (the paper's claim that online
 * iterations push the front out, watched).
 *
 *   struct online_eval e = { .dir = "out/checkpoint-2", .iteration = 2, ... };
 *   online_eval_run(&sg, &e, &st);   // eval run "<online run>-eval-2"
 *
 * The eval runs as a child process (`ric eval`, the same program) on the
 * same store: it is a whole stage with its own run. SIGTERM to the online
 * stage reaches it too. The online run records eval_hypervolume and
 * eval_run as metrics at step = the iteration; the eval run records
 * online_run and online_iteration as params.
 */
#ifndef RIC_SRC_ONLINE_EVAL_H
#define RIC_SRC_ONLINE_EVAL_H

#include "src/ricgen.h"
#include "src/stage.h"

struct online_eval {
	const char *dir;           /* the iteration's checkpoint */
	const char *dataset;
	int iteration;
	double prompts, step;      /* --eval-prompts, --eval-step */
	double max_tokens, temperature, top_p, seed;
	const char *weights;       /* decoder_dtype_name */
	const struct ricgen_stops *stops;
	int allow_cmd;
	int image;                 /* an image model: DDIM steps and guidance, not the text sampling */
	double ddim_steps, guidance;
};

enum status_code online_eval_run(struct stage *sg, const struct online_eval *e, struct status *st);

#endif
