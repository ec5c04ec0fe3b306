/* Types and prototypes of the GPT-2 passes for one element type: included by
 * gpt2.h with GPT2_REAL and GPT2_SUF defined (no include guard on purpose). */
#define R GPT2_REAL
#define S GPT2_SUF

struct S(gpt2_layer_acts) {
	R *ln1, *ln1_mean, *ln1_rstd; /* [N, C], [N], [N] with N = B*T */
	R *qkv;                       /* [N, 3C] */
	R *att;                       /* [B, NH, T, T] softmax probabilities */
	R *atty;                      /* [N, C] heads side by side */
	R *res2;                      /* [N, C] residual after attention */
	R *ln2, *ln2_mean, *ln2_rstd; /* [N, C], [N], [N] */
	R *fch, *fchg;                /* [N, I] before and after gelu */
	R *res3;                      /* [N, C] residual after the MLP: the layer's output */
};

struct S(gpt2_acts) {
	int train;             /* keep backward scratch */
	size_t B, T;           /* shape of the last forward */
	R *mem;                /* one allocation for everything below */
	size_t cap;            /* elements in mem */
	int *ints;             /* pos [N], last [B] */
	size_t icap;
	size_t nlayer;
	struct S(gpt2_layer_acts) *layer;
	R *encoded;            /* [N, C] */
	R *lnf, *lnf_mean, *lnf_rstd;
	R *logits;             /* [N, V] (language model); backward turns it into dlogits */
	R *scores;             /* [B, labels] (reward model) */
	R *dres, *dc, *di, *dqkv, *datt; /* backward scratch */
	int *pos, *last;       /* position of each row; scored token of each sequence */
	double loss_sum;       /* sum of cross-entropy over counted targets */
	size_t count;          /* targets != -100 */
	struct S(lora_run) *lora; /* an adapter over the frozen weights (not owned), or NULL */
	const struct model_grads_hook *ready; /* told as backward completes each part, or NULL */
};

void S(gpt2_acts_init)(struct S(gpt2_acts) *a, int train);
void S(gpt2_acts_free)(struct S(gpt2_acts) *a);

/* tokens [B*T]; targets [B*T] (-100: no loss) or NULL. Fills logits (or
 * scores), and loss_sum/count when targets are given. */
enum status_code S(gpt2_forward)(const struct gpt2_layout *lay, const R *w, struct S(gpt2_acts) *a,
                                 const int *tokens, size_t B, size_t T, const int *targets,
                                 const struct hooks *h, struct status *st);

/* Adds the gradient into g (a parameter set of the same layout; NULL: the
 * weights are frozen and only a->lora's adapter gets gradients) after a
 * forward with train set: of scale * (sum of cross-entropy) for a language
 * model, or of sum(dscores [B, labels] * scores) for a reward model. */
enum status_code S(gpt2_backward)(const struct gpt2_layout *lay, const R *w, R *g,
                                  struct S(gpt2_acts) *a, const int *tokens, const int *targets,
                                  R scale, const R *dscores, const struct hooks *h,
                                  struct status *st);

#undef R
#undef S
