/* The adapter run for one element type: included by lora_run.h with
 * LORA_RUN_REAL and LORA_RUN_SUF defined (no include guard on purpose). */
#define R LORA_RUN_REAL
#define S LORA_RUN_SUF

struct S(lora_run) {
	const struct lora_view *v;  /* NULL: no adapter */
	const R *w;                 /* the adapter's values (v's offsets) */
	R *g;                       /* their gradients, added to by backward (NULL: none) */
	R *u;                       /* [v->n][N * r]: drop(x) A^T of the last forward */
	R *du;                      /* [N * r] */
	R *tmp;                     /* [N * widest input] dropout scratch */
	size_t N, cap_u, cap_t;
};

void S(lora_run_free)(struct S(lora_run) *run);
/* Scratch for N rows; nothing without an adapter. */
enum status_code S(lora_run_reserve)(struct S(lora_run) *run, size_t N, struct status *st);
/* out [N, out] (row stride ldo) += s drop(x) A^T B^T when the weight at
 * offset woff is adapted; x [N, in] contiguous. */
void S(lora_run_forward)(struct S(lora_run) *run, size_t woff, R *out, size_t ldo, const R *x,
                         size_t N);
/* After the base layer's backward: dA, dB added into run->g, and the
 * adapter's part of dx [N, in] added into dx (contiguous). */
void S(lora_run_backward)(struct S(lora_run) *run, size_t woff, R *dx, const R *dout, size_t ldd,
                          const R *x, size_t N);
/* The reward head the pass reads: the adapter's trained one, else base. */
const R *S(lora_run_score)(const struct S(lora_run) *run, const R *base);
/* Where its gradient goes: the adapter's, else base_g (may be NULL). */
R *S(lora_run_score_grad)(const struct S(lora_run) *run, R *base_g);

#undef R
#undef S
