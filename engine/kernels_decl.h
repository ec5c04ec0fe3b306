/* Prototypes of the kernels for one element type: included by kernels.h with
 * KERNELS_REAL and KERNELS_SUF defined (no include guard on purpose). */
#define R KERNELS_REAL
#define S KERNELS_SUF

/* C = alpha A B + beta C; A [m,k], B [k,n], C [m,n], each with its strides. */
void S(gemm)(size_t m, size_t n, size_t k, R alpha, const R *a, size_t rsa, size_t csa,
             const R *b, size_t rsb, size_t csb, R beta, R *c, size_t rsc, size_t csc);

/* The same on one thread: for products too thin to gain from BLIS's threads
 * (a LoRA adapter's r-wide ones), which on a busy machine lose more at
 * their barriers than they win. */
void S(gemm_1t)(size_t m, size_t n, size_t k, R alpha, const R *a, size_t rsa, size_t csa,
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
/* dinp = dout W^T (when dinp is not NULL); dw += inp^T dout (dw NULL: a frozen
 * weight, skipped); dbias += column sums. */
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

/* The same with grouped-query heads: qkv rows q [NH*D] | k [NKV*D] | v [NKV*D],
 * out [B*T, NH*D]; NKV divides NH. */
void S(attention_gqa_forward)(R *out, R *att, const R *qkv, size_t B, size_t T, size_t NH,
                              size_t NKV, size_t D);
void S(attention_gqa_backward)(R *dqkv, R *datt, const R *dout, const R *qkv, const R *att,
                               size_t B, size_t T, size_t NH, size_t NKV, size_t D);

/* Full (non-causal) self-attention, as the DiT's patches see each other: the
 * same layout as attention_forward, att [B, NH, T, T] dense. */
void S(attention_full_forward)(R *out, R *att, const R *qkv, size_t B, size_t T, size_t C,
                               size_t NH);
void S(attention_full_backward)(R *dqkv, R *datt, const R *dout, const R *qkv, const R *att,
                                size_t B, size_t T, size_t C, size_t NH);

/* DiT. SiLU x * sigmoid(x); backward overwrites dinp (may equal dout). */
void S(silu_forward)(R *out, const R *inp, size_t n);
void S(silu_backward)(R *dinp, const R *inp, const R *dout, size_t n);
/* adaLN-zero's gate: a [B*T, C] += gate[b] (rows of C, stride ldg) * y, per
 * sequence b; backward overwrites dy and adds into dgate. */
void S(gated_residual_forward)(R *a, const R *y, const R *gate, size_t ldg, size_t B, size_t T,
                               size_t C);
void S(gated_residual_backward)(R *dy, R *dgate, const R *dout, const R *y, const R *gate,
                                size_t ldg, size_t B, size_t T, size_t C);

/* Llama family. out[n] = wte[tokens[n]]; backward adds into dwte. */
void S(embedding_forward)(R *out, const int *tokens, const R *wte, size_t N, size_t C);
void S(embedding_backward)(R *dwte, const R *dout, const int *tokens, size_t N, size_t C);
/* RMSNorm: out = w * x / sqrt(mean(x^2) + eps); rstd [N] may be NULL. Backward
 * adds into dinp and dw. */
void S(rmsnorm_forward)(R *out, R *rstd, const R *inp, const R *w, size_t N, size_t C, double eps);
void S(rmsnorm_backward)(R *dinp, R *dw, const R *dout, const R *inp, const R *w, const R *rstd,
                         size_t N, size_t C);
/* nn.Linear: out [N, OC] (row stride ldo) = inp [N, IC] W^T + bias, W [OC, IC]. */
void S(linear_forward)(R *out, size_t ldo, const R *inp, const R *w, const R *bias, size_t N,
                       size_t IC, size_t OC);
/* The same with the rows split between the pool's threads, each part on one
 * BLIS thread: for the many small products of a DiT (hundreds of rows),
 * where BLIS's own threads meet at spinning barriers that a busy machine
 * turns into waits of whole time slices (BLIS's threads are never used:
 * with one pool thread it runs on one). A row's result does not depend on
 * the split (the same K blocking), so it equals linear_forward's. */
void S(linear_forward_rows)(R *out, size_t ldo, const R *inp, const R *w, const R *bias, size_t N,
                            size_t IC, size_t OC);
/* dinp = (acc: +=) dout W (when dinp is not NULL); dW += dout^T inp (dW NULL: frozen,
 * skipped); dbias += column sums;
 * dout rows have stride ldd. */
void S(linear_backward)(R *dinp, int acc, R *dw, R *dbias, const R *dout, size_t ldd,
                        const R *inp, const R *w, size_t N, size_t IC, size_t OC);
/* The same over a frozen BF16 weight W [OC, IC] (a LoRA base kept in its
 * checkpoint's dtype): W's rows are widened to R a panel at a time into
 * `panel` (KERNELS_BF16_PANEL elements) and multiplied there, so no copy
 * of the whole weight in R exists. No weight gradient: W is frozen. */
void S(linear_forward_bf16)(R *out, size_t ldo, const R *inp, const uint16_t *w, const R *bias,
                            size_t N, size_t IC, size_t OC, R *panel);
/* dinp = (acc: +=) dout W. */
void S(linear_backward_bf16)(R *dinp, int acc, const R *dout, size_t ldd, const uint16_t *w,
                             size_t N, size_t IC, size_t OC, R *panel);
/* out[n] = wte[tokens[n]] widened from BF16. */
void S(embedding_forward_bf16)(R *out, const int *tokens, const uint16_t *wte, size_t N, size_t C);
/* dst [n] = src [n] widened from BF16. */
void S(bf16_widen)(R *dst, const uint16_t *src, size_t n);
/* Rotary embedding in Hugging Face's rotate-half layout, in place on nh heads of
 * D in each of N rows (stride ld); cs [position, D]: cos [D/2] then sin [D/2].
 * inverse rotates back (the backward pass). */
void S(rope_rotate)(R *x, size_t ld, size_t N, const int *pos, size_t nh, size_t D,
                    const double *cs, int inverse);
/* gu rows: gate [I] | up [I]; out = silu(gate) * up. Backward overwrites dgu. */
void S(swiglu_forward)(R *out, const R *gu, size_t N, size_t I);
void S(swiglu_backward)(R *dgu, const R *gu, const R *dout, size_t N, size_t I);

/* Sum of -log softmax(logits[n])[targets[n]] over rows whose target is not -100;
 * *count gets the number of such rows. logits are left as they are. */
double S(crossentropy_forward)(const R *logits, const int *targets, size_t N, size_t V,
                               size_t *count);
/* logits become scale * (softmax - onehot) in place; rows with target -100 become 0. */
void S(crossentropy_backward)(R *logits, const int *targets, size_t N, size_t V, R scale);

#undef R
#undef S
