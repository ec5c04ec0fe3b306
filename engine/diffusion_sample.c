/* diffusion_sample: DDIM sampling of an image model, with classifier-free
 * guidance on its reward condition. */
#include "config.h"

#include "engine/diffusion.h"

#include <stdlib.h>
#include <string.h>

enum status_code diffusion_sample(struct model_pass *m, const float *w, const struct diffusion *d,
                                  const struct diffusion_sample_opts *o, float *x,
                                  const struct hooks *h, struct status *st)
{
	size_t n = o->n, D = m->image_dim, S = o->steps;
	if (n == 0 || S == 0 || S > d->T)
		return status_set(st, STATUS_INVALID, "%zu images in %zu steps: want at least one image "
		                  "and 1..%zu steps", n, S, d->T);
	/* guided: each image twice in one batch, conditioned and on the null condition */
	int guided = o->cond && o->guidance != 1.0;
	size_t R = guided ? 2 * n : n;
	float *xb = malloc(R * D * sizeof *xb), *tb = malloc(R * sizeof *tb);
	float *x0 = malloc(n * D * sizeof *x0), *cond = NULL;
	unsigned char *drop = calloc(R, 1);
	int *ts = malloc(S * sizeof *ts);
	enum status_code rc = STATUS_OK;
	if (!xb || !tb || !x0 || !drop || !ts)
		rc = status_set(st, STATUS_NOMEM, "out of memory");
	for (size_t i = 0; rc == STATUS_OK && i < n; i++) {
		struct rng r;
		rng_seed(&r, o->seed + i);
		for (size_t k = 0; k < D; k++)
			x[i * D + k] = rng_normal(&r);
	}
	diffusion_ddim_timesteps(d->T, S, ts);
	for (size_t s = 0; rc == STATUS_OK && s < S; s++) {
		memcpy(xb, x, n * D * sizeof *xb);
		for (size_t i = 0; i < R; i++)
			tb[i] = (float)ts[s];
		if (guided) {
			memcpy(xb + n * D, x, n * D * sizeof *xb);
			memset(drop + n, 1, n);
		}
		struct model_image_batch ib = { .B = R, .x = xb, .t = tb, .cond = NULL,
		                                .drop = drop };
		if (o->cond) {
			/* the null half's conditions are never read: the first half's again */
			if (!cond) {
				size_t kd = (size_t)o->cond_dim;
				cond = malloc(R * (kd ? kd : 1) * sizeof *cond);
				if (!cond) {
					rc = status_set(st, STATUS_NOMEM, "out of memory");
					break;
				}
				memcpy(cond, o->cond, n * kd * sizeof *cond);
				if (guided)
					memcpy(cond + n * kd, o->cond, n * kd * sizeof *cond);
			}
			ib.cond = cond;
		}
		rc = model_image_forward(m, w, &ib, h, st);
		if (rc != STATUS_OK)
			break;
		float *eps = m->eps;
		if (guided)
			diffusion_guide(eps, eps + n * D, n * D, o->guidance);
		diffusion_ddim_step(d, x, eps, x0, n * D, ts[s], s + 1 < S ? ts[s + 1] : -1, o->clip);
		if (o->on_step && o->on_step(o->ctx, s + 1, S, x0))
			rc = status_set(st, STATUS_CANCELLED, "cancelled");
	}
	free(xb);
	free(tb);
	free(x0);
	free(cond);
	free(drop);
	free(ts);
	return rc;
}
