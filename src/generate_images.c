/* generate_images: DDIM samples of an image model into a PNG grid. */
#include "config.h"

#include "src/generate_images.h"
#include "src/cli.h"
#include "engine/checkpoint.h"
#include "engine/diffusion.h"
#include "engine/image.h"
#include "engine/mapping.h"
#include "engine/ricmeta.h"

#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static volatile sig_atomic_t gi_interrupted;
static void gi_on_sigint(int sig) { (void)sig; gi_interrupted = 1; }
static int gi_abort(void *ctx) { (void)ctx; return gi_interrupted; }

/* The condition of --pref (mapped) or --scores, from the model's ric.json. */
static enum status_code gi_targets(const struct generate_images_opts *o,
                                   const struct model_config *c, double *t, struct status *st)
{
	struct ricmeta m;
	ricmeta_init(&m);
	enum status_code rc = ricmeta_load(o->model, &m, st);
	if (rc == STATUS_OK && m.n_obj == 0)
		rc = status_set(st, STATUS_INVALID, "%s has no ric.json: --pref and --scores steer a RiC "
		                "image model (ric sft on a relabelled image dataset)", o->model);
	if (rc == STATUS_OK && (int)m.n_obj != c->cond_dim)
		rc = status_set(st, STATUS_INVALID, "%s: ric.json names %zu objectives, config.json's "
		                "cond_dim is %d", o->model, m.n_obj, c->cond_dim);
	size_t N = m.n_obj;
	double *lo = calloc(N ? 2 * N : 1, sizeof *lo), *hi = lo + N, *w = NULL;
	if (rc == STATUS_OK && !lo)
		rc = status_set(st, STATUS_NOMEM, "out of memory");
	if (rc == STATUS_OK)
		ricmeta_ranges(&m, lo, hi);
	if (rc == STATUS_OK && o->pref) {
		struct mapping k = { .kind = m.mapping };
		w = calloc(N, sizeof *w);
		if (!w)
			rc = status_set(st, STATUS_NOMEM, "out of memory");
		if (rc == STATUS_OK && o->mapping)
			rc = mapping_spec_parse(o->mapping, &k, st);
		if (rc == STATUS_OK)
			rc = mapping_parse_vector(o->pref, N, "--pref", w, st);
		if (rc == STATUS_OK)
			rc = mapping_spec_targets(&k, w, N, lo, hi, 0, t, st);
	} else if (rc == STATUS_OK) {
		rc = mapping_parse_vector(o->scores, N, "--scores", t, st);
		for (size_t i = 0; rc == STATUS_OK && i < N; i++)
			if (!(fabs(t[i]) <= RICMETA_Z_MAX))
				rc = status_set(st, STATUS_INVALID, "--scores '%s': value %zu is %g, beyond "
				                "+-%g", o->scores, i + 1, t[i], RICMETA_Z_MAX);
	}
	if (rc == STATUS_OK) {
		printf("targets:");
		for (size_t i = 0; i < N; i++)
			printf(" %s %.2f", m.obj[i].name, t[i]);
		putchar('\n');
	}
	free(w);
	free(lo);
	ricmeta_free(&m);
	return rc;
}

int generate_images_run(const struct generate_images_opts *o)
{
	struct status st = STATUS_INIT;
	struct model_params p = { 0 };
	struct model_pass *m = NULL;
	struct diffusion d = { 0 };
	float *x = NULL, *cond = NULL;
	double *t = NULL;
	struct image *ims = NULL, grid = { 0 };
	size_t n = o->n, done = 0;
	enum status_code rc = checkpoint_load(o->model, &p, NULL, &st);
	if (rc == STATUS_OK && !model_is_image(&p.cfg))
		rc = status_set(&st, STATUS_INVALID, "%s: a %s model is a text model; -o FILE.png draws "
		                "images of an image model (text goes to the terminal: --prompt)",
		                o->model, model_family_of(&p.cfg)->title);
	if (rc == STATUS_OK)
		rc = model_want_denoiser(&p.cfg, o->model, &st);
	if (rc == STATUS_OK)
		rc = diffusion_init(&d, &p.cfg, &st);
	if (rc == STATUS_OK)
		rc = model_pass_new(&m, &p, 0, &st);
	size_t D = m ? m->image_dim : 0, K = (size_t)p.cfg.cond_dim;
	if (rc == STATUS_OK) {
		x = malloc(n * D * sizeof *x);
		ims = calloc(n, sizeof *ims);
		t = calloc(K ? K : 1, sizeof *t);
		cond = malloc(n * (K ? K : 1) * sizeof *cond);
		if (!x || !ims || !t || !cond)
			rc = status_set(&st, STATUS_NOMEM, "out of memory");
	}
	int conditioned = o->pref || o->scores;
	if (rc == STATUS_OK && conditioned)
		rc = gi_targets(o, &p.cfg, t, &st);
	for (size_t i = 0; rc == STATUS_OK && i < n; i++)
		for (size_t k = 0; k < K; k++)
			cond[i * K + k] = (float)t[k];
	struct diffusion_sample_opts so = { .n = n, .steps = o->steps, .guidance = o->guidance,
	                                    .cond = conditioned ? cond : NULL,
	                                    .cond_dim = (int)K, .seed = o->seed, .clip = 1 };
	struct hooks h = { .abort = gi_abort };
	if (rc == STATUS_OK) {
		signal(SIGINT, gi_on_sigint);
		rc = diffusion_sample(m, p.mem, &d, &so, x, &h, &st);
		signal(SIGINT, SIG_DFL);
	}
	for (; rc == STATUS_OK && done < n; done++)
		rc = image_from_chw(x + done * D, p.cfg.image_size, &ims[done], &st);
	if (rc == STATUS_OK) {
		static const uint8_t bg[3] = { 255, 255, 255 };
		size_t cols = o->cols ? o->cols : (size_t)ceil(sqrt((double)n));
		rc = image_grid(ims, n, cols, 2, bg, &grid, &st);
	}
	if (rc == STATUS_OK)
		rc = image_save_png(&grid, o->out, &st);
	if (rc == STATUS_OK)
		printf("%s: %zu image%s of %dx%d, %zu DDIM steps%s, seed %llu\n", o->out, n,
		       n == 1 ? "" : "s", p.cfg.image_size, p.cfg.image_size, o->steps,
		       conditioned ? (o->guidance != 1.0 ? ", guided" : ", conditioned") : "",
		       (unsigned long long)o->seed);
	else
		cli_error("%s", rc == STATUS_CANCELLED ? "interrupted" : st.msg);
	for (size_t i = 0; ims && i < done; i++)
		image_free(&ims[i]);
	image_free(&grid);
	free(ims);
	free(x);
	free(t);
	free(cond);
	model_pass_free(m);
	diffusion_free(&d);
	model_params_free(&p);
	return rc == STATUS_OK ? CLI_OK : CLI_FAIL;
}
