#include "config.h"

#include "src/pair_order.h"
#include "engine/rng.h"

#include <math.h>
#include <stdlib.h>

enum status_code pair_order_split(struct pair_order *po, const unsigned char *is_eval,
                                  size_t npairs, double eval, uint64_t seed, const char *what,
                                  struct status *st)
{
	po->order = malloc((npairs ? npairs : 1) * sizeof *po->order);
	po->perm = malloc((npairs ? npairs : 1) * sizeof *po->perm);
	if (!po->order || !po->perm)
		return status_set(st, STATUS_NOMEM, "out of memory");
	size_t k = 0;
	for (size_t i = 0; i < npairs; i++)
		if (is_eval && is_eval[i])
			po->order[k++] = i;
	po->neval = k;
	for (size_t i = 0; i < npairs; i++)
		if (!is_eval || !is_eval[i])
			po->order[k++] = i;
	if (po->neval == 0) {
		struct rng r;
		rng_seed(&r, seed ^ 0x9a125ULL);
		rng_shuffle(&r, po->order, npairs);
		po->neval = (size_t)floor(eval * (double)npairs);
		if (eval > 0 && po->neval == 0)
			po->neval = 1;
	}
	if (po->neval >= npairs)
		return status_set(st, STATUS_INVALID, "%s: no training pairs left after the held-out ones",
		                  what);
	po->ntrain = npairs - po->neval;
	po->perm_epoch = -1;
	return STATUS_OK;
}

size_t pair_order_train(struct pair_order *po, uint64_t seed, size_t g)
{
	/* a shuffle moves places alone: shuffling the training pairs' places
	 * and reading them through order is shuffling the pairs */
	return po->order[po->neval + rng_epoch_order(po->perm, &po->perm_epoch, po->ntrain, seed, g)];
}

void pair_order_free(struct pair_order *po)
{
	free(po->order);
	free(po->perm);
	po->order = po->perm = NULL;
}
