/* Types and prototypes of the Llama passes for one element type: included by
 * llama.h with LLAMA_REAL and LLAMA_SUF defined (no include guard on purpose). */
#define R LLAMA_REAL
#define S LLAMA_SUF

struct S(llama_layer_acts) {
	R *ln1, *rstd1;   /* [N, C], [N] with N = B*T */
	R *qkv;           /* [N, (NH + 2 NKV) D]: q | k | v, q and k rotated */
	R *att;           /* [B, NH, T, T] softmax probabilities */
	R *atty;          /* [N, NH D] */
	R *res2;          /* [N, C] residual after attention */
	R *ln2, *rstd2;   /* [N, C], [N] */
	R *gu;            /* [N, 2 I]: gate | up */
	R *act;           /* [N, I]: silu(gate) * up */
	R *res3;          /* [N, C] the layer's output */
};

struct S(llama_acts) {
	int train;             /* keep backward scratch */
	size_t B, T;           /* shape of the last forward */
	R *mem;                /* one allocation for everything below */
	size_t cap;
	int *ints;             /* pos [N], last [B] */
	size_t icap;
	double *cs;            /* rotary table [T, D] */
	size_t cscap;
	size_t nlayer;
	struct S(llama_layer_acts) *layer;
	R *encoded;            /* [N, C] */
	R *lnf, *rstdf;
	R *logits;             /* [N, V] (language model); backward turns it into dlogits */
	R *scores;             /* [B, labels] (reward model) */
	R *dres, *dc, *dact, *dgu, *dqkv, *datt; /* backward scratch */
	int *pos, *last;
	double loss_sum;
	size_t count;
	struct S(lora_run) *lora; /* an adapter over the frozen weights (not owned), or NULL */
	const uint16_t *frozen;   /* the matrices and embedding frozen in BF16 at the layout's
	                           * offsets (model_params.frozen; w's copies unused), or NULL */
	R *panel;                 /* [KERNELS_BF16_PANEL]: a frozen weight's rows widened */
	int recompute;            /* keep each layer's input alone; backward recomputes the
	                           * rest of a layer's activations before it needs them */
	const struct model_grads_hook *ready; /* told as backward completes each part, or NULL */
};

void S(llama_acts_init)(struct S(llama_acts) *a, int train);
void S(llama_acts_free)(struct S(llama_acts) *a);
enum status_code S(llama_forward)(const struct llama_layout *lay, const R *w,
                                  struct S(llama_acts) *a, const int *tokens, size_t B, size_t T,
                                  const int *targets, const struct hooks *h, struct status *st);
enum status_code S(llama_backward)(const struct llama_layout *lay, const R *w, R *g,
                                   struct S(llama_acts) *a, const int *tokens, const int *targets,
                                   R scale, const R *dscores, const struct hooks *h,
                                   struct status *st);

#undef R
#undef S
