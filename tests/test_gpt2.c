/* engine/gpt2: the backward pass against finite differences in double precision. */
#include "config.h"

#include "tests/harness.h"
#include "tests/gpt2_util.h"
#include "engine/gpt2.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

struct fd_case {
	struct model_params p;
	struct gpt2_layout lay;
	double *w, *g;
	struct gpt2_acts_f64 a;
};

static void fd_setup(struct fd_case *fc, int labels)
{
	struct status st = STATUS_INIT;
	struct model_config c = gpt2_util_tiny(labels);
	ck_assert_int_eq(model_params_alloc(&fc->p, &c, &st), STATUS_OK);
	gpt2_util_randomize(&fc->p, 7);
	ck_assert_int_eq(gpt2_layout_init(&fc->lay, &fc->p, &st), STATUS_OK);
	fc->w = malloc(fc->p.count * sizeof *fc->w);
	fc->g = calloc(fc->p.count, sizeof *fc->g);
	for (size_t i = 0; i < fc->p.count; i++)
		fc->w[i] = fc->p.mem[i];
	gpt2_acts_init_f64(&fc->a, 1);
}

static void fd_teardown(struct fd_case *fc)
{
	gpt2_acts_free_f64(&fc->a);
	free(fc->w);
	free(fc->g);
	gpt2_layout_free(&fc->lay);
	model_params_free(&fc->p);
}

enum { FD_B = 2, FD_T = 5 };
static const int fd_tokens[FD_B * FD_T] = { 1, 4, 9, 2, 2, 7, 0, 3, 10, 10 };
static const int fd_targets[FD_B * FD_T] = { 4, 9, 2, 2, -100, 0, 3, -100, 5, 6 };
static const double fd_dscores[FD_B * 2] = { 0.7, -1.3, 2.0, 0.4 };

/* The scalar whose gradient backward computes. */
static double fd_objective(struct fd_case *fc)
{
	struct status st = STATUS_INIT;
	int lm = fc->lay.labels == 0;
	ck_assert_int_eq(gpt2_forward_f64(&fc->lay, fc->w, &fc->a, fd_tokens, FD_B, FD_T,
	                                  lm ? fd_targets : NULL, NULL, &st), STATUS_OK);
	if (lm)
		return fc->a.loss_sum / (double)fc->a.count;
	double s = 0.0;
	for (size_t i = 0; i < FD_B * fc->lay.labels; i++)
		s += fd_dscores[i] * fc->a.scores[i];
	return s;
}

static void fd_check(int labels)
{
	struct fd_case fc;
	struct status st = STATUS_INIT;
	fd_setup(&fc, labels);
	fd_objective(&fc);
	double scale = labels ? 1.0 : 1.0 / (double)fc.a.count;
	ck_assert_int_eq(gpt2_backward_f64(&fc.lay, fc.w, fc.g, &fc.a, fd_tokens, fd_targets, scale,
	                                   fd_dscores, NULL, &st), STATUS_OK);
	double worst = 0.0, gmax = 0.0;
	size_t checked = 0;
	for (size_t i = 0; i < fc.p.count; i++) {
		double keep = fc.w[i], h = 1e-6;
		fc.w[i] = keep + h;
		double up = fd_objective(&fc);
		fc.w[i] = keep - h;
		double down = fd_objective(&fc);
		fc.w[i] = keep;
		double fd = (up - down) / (2 * h);
		double err = fabs(fd - fc.g[i]) / fmax(fabs(fd), 1e-3);
		if (err > worst)
			worst = err;
		if (fabs(fc.g[i]) > gmax)
			gmax = fabs(fc.g[i]);
		checked++;
	}
	ck_assert_uint_eq(checked, fc.p.count);
	ck_assert(gmax > 1e-3); /* the gradient is not trivially zero */
	/* per element: |fd - analytic| / max(|fd|, 1e-3) */
	ck_assert_msg(worst < 1e-5, "worst relative gradient error %g", worst);
	fd_teardown(&fc);
}

START_TEST(lm_gradient_matches_finite_differences) { fd_check(0); }
END_TEST

/* The head in vocabulary slices of 3 (4 slices of 11, the last short). */
START_TEST(lm_gradient_in_head_slices_matches_finite_differences)
{
	gpt2_set_head_slice(3);
	fd_check(0);
	gpt2_set_head_slice(0);
}
END_TEST

START_TEST(reward_gradient_matches_finite_differences) { fd_check(2); }
END_TEST

/* The float path runs the same code: it agrees with double to float precision. */
START_TEST(float_forward_agrees_with_double)
{
	struct fd_case fc;
	struct status st = STATUS_INIT;
	fd_setup(&fc, 0);
	double loss64 = fd_objective(&fc);
	struct gpt2_acts a;
	gpt2_acts_init(&a, 0);
	ck_assert_int_eq(gpt2_forward(&fc.lay, fc.p.mem, &a, fd_tokens, FD_B, FD_T, fd_targets, NULL,
	                              &st), STATUS_OK);
	double worst = 0.0;
	for (size_t i = 0; i < FD_B * FD_T * fc.lay.V; i++)
		worst = fmax(worst, fabs(a.logits[i] - fc.a.logits[i]));
	ck_assert_msg(worst < 1e-5, "logits differ by %g", worst);
	ck_assert_double_eq_tol(a.loss_sum / (double)a.count, loss64, 1e-5);
	ck_assert_uint_eq(a.count, 8);
	ck_assert(a.dres == NULL); /* inference keeps no backward buffers */
	gpt2_acts_free(&a);
	fd_teardown(&fc);
}
END_TEST

START_TEST(bad_tokens_are_rejected)
{
	struct fd_case fc;
	struct status st = STATUS_INIT;
	fd_setup(&fc, 0);
	int bad[3] = { 1, 11, 2 };
	ck_assert_int_eq(gpt2_forward_f64(&fc.lay, fc.w, &fc.a, bad, 1, 3, NULL, NULL, &st),
	                 STATUS_INVALID);
	ck_assert_str_eq(st.msg, "token 11 (row 0, position 1) is outside the vocabulary of 11");
	int many[9] = { 0 };
	ck_assert_int_eq(gpt2_forward_f64(&fc.lay, fc.w, &fc.a, many, 1, 9, NULL, NULL, &st),
	                 STATUS_INVALID);
	fd_teardown(&fc);
}
END_TEST

static int abort_always(void *ctx) { (void)ctx; return 1; }

START_TEST(abort_hook_cancels)
{
	struct fd_case fc;
	struct status st = STATUS_INIT;
	fd_setup(&fc, 0);
	struct hooks h = { .abort = abort_always };
	ck_assert_int_eq(gpt2_forward_f64(&fc.lay, fc.w, &fc.a, fd_tokens, FD_B, FD_T, NULL, &h, &st),
	                 STATUS_CANCELLED);
	fd_teardown(&fc);
}
END_TEST

Suite *harness_suite(void)
{
	Suite *s = suite_create("gpt2");
	harness_add(s, "gradcheck",
	            lm_gradient_matches_finite_differences,
	            lm_gradient_in_head_slices_matches_finite_differences,
	            reward_gradient_matches_finite_differences,
	            NULL);
	harness_add(s, "forward",
	            float_forward_agrees_with_double,
	            bad_tokens_are_rejected,
	            abort_hook_cancels,
	            NULL);
	return s;
}
