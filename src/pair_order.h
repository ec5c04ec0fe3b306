/* pair_order: which preference pairs a reward model holds out, and the order
 * it trains on the rest, the same for text pairs (cmd_rm_train.c) and image
 * pairs (rm_train_images.c).
 *
 *   struct pair_order po = { 0 };
 *   if (pair_order_split(&po, is_eval, npairs, 0.05, seed, "pairs.jsonl", &st) != STATUS_OK)
 *       return st.code;
 *   for (size_t i = 0; i < po.neval; i++) score(po.order[i]);       // held out
 *   size_t pair = pair_order_train(&po, seed, step * batch + k);     // training
 *   pair_order_free(&po);
 */
#ifndef RIC_SRC_PAIR_ORDER_H
#define RIC_SRC_PAIR_ORDER_H

#include <stddef.h>
#include <stdint.h>

#include "engine/status.h"

struct pair_order {
	size_t *order;     /* pair indices: held out first, then training */
	size_t neval, ntrain;
	size_t *perm;      /* the training pairs in the current epoch's order */
	long perm_epoch;
};

/* Holds out the pairs marked in is_eval (the dataset's own split; NULL for
 * none) or, when none is marked, a random `eval` share of them drawn from
 * seed (at least one when eval > 0). `what` names the pairs in the error
 * when nothing is left to train on. */
enum status_code pair_order_split(struct pair_order *po, const unsigned char *is_eval,
                                  size_t npairs, double eval, uint64_t seed, const char *what,
                                  struct status *st);

/* The training pair at global position g (step * batch + row): epoch after
 * epoch, each a permutation drawn from (seed, epoch), so a resumed run sees
 * the rows an uninterrupted one would. */
size_t pair_order_train(struct pair_order *po, uint64_t seed, size_t g);

void pair_order_free(struct pair_order *po);

#endif
