/* Prototypes of the kernels for one element type: included by kernels.h with
 * KERNELS_REAL and KERNELS_SUF defined (no include guard on purpose). */
#define R KERNELS_REAL
#define S KERNELS_SUF

/* C = alpha A B + beta C; A [m,k], B [k,n], C [m,n], each with its strides. */
void S(gemm)(size_t m, size_t n, size_t k, R alpha, const R *a, size_t rsa, size_t csa,
             const R *b, size_t rsb, size_t csb, R beta, R *c, size_t rsc, size_t csc);

/* out[n] = wte[tokens[n]] + wpe[pos[n]] for N rows of C. */
void S(encoder_forward)(R *out, const int *tokens, const int *pos, const R *wte, const R *wpe,
                        size_t N, size_t C);
void S(encoder_backward)(R *dwte, R *dwpe, const R *dout, const int *tokens, const int *pos,
                         size_t N, size_t C);

/* mean and rstd ([N]) may be NULL when no backward pass follows. */
void S(layernorm_forward)(R *out, R *mean, R *rstd, const R *inp, const R *w, const R *b,
                          size_t N, size_t C, double eps);
void S(layernorm_backward)(R *dinp, R *dw, R *db, const R *dout, const R *inp, const R *w,
                           const R *mean, const R *rstd, size_t N, size_t C);

/* out [N, OC] = inp [N, IC] W [IC, OC] + bias (bias may be NULL). */
void S(matmul_forward)(R *out, const R *inp, const R *w, const R *bias, size_t N, size_t IC,
                       size_t OC);
/* dinp = dout W^T (when dinp is not NULL); dw += inp^T dout; dbias += column sums. */
void S(matmul_backward)(R *dinp, R *dw, R *dbias, const R *dout, const R *inp, const R *w,
                        size_t N, size_t IC, size_t OC);

/* gelu_new: the tanh approximation. dinp may equal dout. */
void S(gelu_forward)(R *out, const R *inp, size_t n);
void S(gelu_backward)(R *dinp, const R *inp, const R *dout, size_t n);

/* a += b */
void S(residual_forward)(R *a, const R *b, size_t n);

/* Causal self-attention for B sequences of T tokens: qkv [B*T, 3C] (q | k | v),
 * att [B, NH, T, T] keeps the probabilities (zero above the diagonal),
 * out [B*T, C] the heads side by side. */
void S(attention_forward)(R *out, R *att, const R *qkv, size_t B, size_t T, size_t C, size_t NH);
/* dqkv is overwritten; datt is scratch of B*NH*T*T (the heads run in parallel). */
void S(attention_backward)(R *dqkv, R *datt, const R *dout, const R *qkv, const R *att, size_t B,
                           size_t T, size_t C, size_t NH);

/* Sum of -log softmax(logits[n])[targets[n]] over rows whose target is not -100;
 * *count gets the number of such rows. logits are left as they are. */
double S(crossentropy_forward)(const R *logits, const int *targets, size_t N, size_t V,
                               size_t *count);
/* logits become scale * (softmax - onehot) in place; rows with target -100 become 0. */
void S(crossentropy_backward)(R *logits, const int *targets, size_t N, size_t V, R scale);

#undef R
#undef S
