/* rm_pairs: what reward-model training on preference pairs does the same
 * for text pairs (cmd_rm_train.c) and image pairs (rm_train_images.c): the
 * Bradley-Terry loss on a batch's scores, the fresh one-label score head,
 * and the end of the stage (the held-out pairs scored, recorded, the model
 * saved). Each variant gives only how a batch of pairs is scored.
 *
 *   rc = rm_pairs_head(&base, o->base, 0.02, &ss->rng, &p, st);   // base consumed
 *   ...forward on pairs chosen[0..n) then rejected[0..n)...
 *   rm_pairs_bt(t->pass->scores, n, B, dscores, &loss, &right);
 *   ...after train_loop_run(&L, st)...
 *   rc = rm_pairs_finish(&L, &po, B, score_pairs, st);
 */
#ifndef RIC_SRC_RM_PAIRS_H
#define RIC_SRC_RM_PAIRS_H

#include "src/pair_order.h"
#include "src/train_loop.h"
#include "engine/rng.h"

/* Bradley-Terry on n pairs scored s[0..n) (chosen) and s[n..2n) (rejected):
 * adds -log sigmoid(s_chosen - s_rejected) of each to *loss and the pairs
 * ranked right to *right; with ds, the gradient of their mean over B pairs
 * into ds[0..2n). */
void rm_pairs_bt(const float *s, size_t n, size_t B, float *ds, double *loss, double *right);

/* p: base itself when it is a reward model already (one label), else base's
 * body under a fresh one-label score head drawn from N(0, std). base is
 * consumed either way; dir names it in the error of more labels. */
enum status_code rm_pairs_head(struct model_params *base, const char *dir, double std,
                               struct rng *rng, struct model_params *p, struct status *st);

/* Scores pairs[0..n) into t->pass->scores: chosen ones, then rejected ones. */
typedef enum status_code (*rm_pairs_score_fn)(void *ctx, struct train *t, const size_t *pairs,
                                              size_t n, const struct hooks *h, struct status *st);

/* After L's training: its model (L->t) in eval mode scores the held-out
 * pairs, B at a time, with score(L->ctx, ...); their accuracy and loss are
 * recorded (eval_accuracy, eval_loss at L->step) and printed, and the model
 * is saved to L->sv->out and recorded as the stage's reward checkpoint. */
enum status_code rm_pairs_finish(struct train_loop *L, const struct pair_order *po, size_t B,
                                 rm_pairs_score_fn score, struct status *st);

#endif
