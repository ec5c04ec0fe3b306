/* soup: Rewarded Soups (Rame et al., NeurIPS 2023), the baseline RiC is
 * measured against: models fine-tuned from one base, one per objective
 * ("experts"), mixed in weight space for a preference w:
 *   theta(w) = sum_i w_i theta_i
 *
 *   const struct model_params *experts[2] = { &helpful, &harmless };
 *   double w[2] = { 0.3, 0.7 };
 *   soup_mix(&mixed, experts, w, 2, &st);   // mixed: allocated with the experts' config
 *
 * Every expert and `out` must share the configuration (the same base); w is
 * a preference (finite, >= 0, summing to 1 within MAPPING_SUM_TOL; it is
 * divided by its sum). A one-hot w copies that expert exactly.
 */
#ifndef RIC_ENGINE_SOUP_H
#define RIC_ENGINE_SOUP_H

#include <stddef.h>

#include "engine/model.h"
#include "engine/status.h"

/* Whether a and b can be mixed: the same configuration; STATUS_INVALID naming
 * the first field that differs otherwise. */
enum status_code soup_check(const struct model_params *a, const struct model_params *b,
                            struct status *st);

/* out = sum_i w_i in[i] over every parameter (n >= 1). out may be one of in
 * only when w is one-hot on it. */
enum status_code soup_mix(struct model_params *out, const struct model_params *const *in,
                          const double *w, size_t n, struct status *st);

#endif
