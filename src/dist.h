/* dist: the ranks of an `mpirun -np N ric ...` job, and every MPI call ric
 * makes (DESIGN.md: distribution stays at the edge; engine and store never
 * see MPI). Built without MPI, or started without mpirun, ric is rank 0 of 1
 * and every call here is a no-op that succeeds.
 *
 *   dist_init(&argc, &argv);                    // first thing in main
 *   size_t lo, hi;
 *   dist_span(B, &lo, &hi);                     // this rank's rows of a global batch
 *   ... gradients of rows lo..hi ...
 *   dist_sum_floats(grads, n, &st);             // allreduce, in buckets
 *
 * or, overlapping the backward pass (src/train_loop.c):
 *
 *   struct dist_sum *s = dist_sum_new(n);       // NULL: one rank, or out of memory
 *   dist_sum_begin(s, grads);                   // every step
 *   pass->grads = (struct model_grads_hook){ dist_sum_ready, s };
 *   ... backward: each complete bucket's ring starts at once ...
 *   dist_sum_end(s, &st);                       // the rest, then waits for all
 *   if (dist_sum_sharded(s)) {                  // this rank's chunks summed alone
 *       spans = dist_sum_owned(s, &k);          // ... AdamW on them (train_step_spans) ...
 *       dist_sum_share(s, weights, &st);        // every rank's chunks to all
 *   }
 *   if (dist_rank() == 0) ... write the store ...
 *   dist_finish(rc);                            // last thing in main
 *
 * A rank that ends with an error (exit status other than 0 or 130, the
 * cancel) aborts the whole job, so no rank waits forever on a dead one.
 */
#ifndef RIC_SRC_DIST_H
#define RIC_SRC_DIST_H

#include <stddef.h>

#include "engine/status.h"

/* Floats per allreduce bucket: 1 M (4 MiB), unless RIC_MPI_BUCKET (floats)
 * says otherwise: larger buckets for slow networks, tiny ones for tests. */
#define DIST_BUCKET_FLOATS ((size_t)1 << 20)

/* Joins the job when started by mpirun (Open MPI's environment says so);
 * otherwise nothing happens. On rank > 0 stdout goes to /dev/null: rank 0
 * speaks for the job. Returns 0, or -1 (message printed) when MPI fails. */
int dist_init(int *argc, char ***argv);
/* Leaves the job with exit status rc: an error aborts every rank. Returns rc. */
int dist_finish(int rc);

int dist_rank(void);
int dist_size(void);
/* Whether this build has MPI at all (ric info, the tests). */
int dist_built(void);

/* This rank's contiguous share [lo, hi) of n items (ranks differ by at most one). */
void dist_span(size_t n, size_t *lo, size_t *hi);
void dist_span_of(size_t n, int rank, size_t *lo, size_t *hi);

/* In-place sums over all ranks. Floats go in buckets
 * summed one after the other. */
enum status_code dist_sum_floats(float *v, size_t n, struct status *st);
enum status_code dist_sum_doubles(double *v, size_t n, struct status *st);
/* Whether flag is set on any rank (every rank must call it). */
int dist_any(int flag);
/* Rank 0's bytes to every rank. */
enum status_code dist_bcast(void *buf, size_t bytes, struct status *st);
/* v holds n items of `size` bytes, each rank having filled its span
 * (dist_span): rank 0 gets every rank's span in place. */
enum status_code dist_gather_spans(void *v, size_t n, size_t size, struct status *st);
/* The same, but every rank gets every span (an allgather): ranks that
 * share out generation and scoring all go on with the whole result. */
enum status_code dist_share_spans(void *v, size_t n, size_t size, struct status *st);
/* n byte strings of any length, each rank having filled its span (p[i]
 * malloc'd, len[i] bytes; NULL and 0 for none): afterwards every rank holds
 * malloc'd copies of the other ranks' items as well (its own stay). */
enum status_code dist_share_blobs(void **p, size_t *len, size_t n, struct status *st);
/* The same for n NUL-terminated strings (NULL stays NULL). */
enum status_code dist_share_texts(char **v, size_t n, struct status *st);
/* Every rank's 32-byte digest of `what` must equal rank 0's: otherwise one
 * error naming the first rank that differs. */
enum status_code dist_agree(const char *what, const unsigned char digest[32], struct status *st);

/* Every rank's rc of the same point: the first failing rank's code, with
 * its message in st on every rank; STATUS_OK when all succeeded. After a
 * failure every rank knows, the ranks end without aborting each other. */
enum status_code dist_first_error(enum status_code rc, struct status *st);

/* A sum over the ranks of n floats whose buckets
 * start (a ring of messages, src/dist.c) as soon as the backward pass has
 * completed them.
 * Buckets start from the last to the first, in the same order on every
 * rank whatever order the parts arrive in (a rank without rows in a step
 * tells none: dist_sum_end starts them all), since collectives must be
 * started in the same order everywhere. RIC_MPI_OVERLAP=0 in the
 * environment sums after the backward pass instead, with one blocking
 * MPI_Allreduce per bucket (dist_sum_floats): for comparison. */
struct dist_sum;
struct dist_sum *dist_sum_new(size_t n);
void dist_sum_free(struct dist_sum *s);
/* A new step over v (n floats): no bucket started. */
void dist_sum_begin(struct dist_sum *s, float *v);
/* Floats [lo, hi) of v are final (engine/model.h's grads hook; ctx is s):
 * starts every bucket that is now complete and may start, and lets those
 * in flight progress. */
void dist_sum_ready(void *s, size_t lo, size_t hi);
/* Starts the buckets not started and waits for all: v holds the sums. */
enum status_code dist_sum_end(struct dist_sum *s, struct status *st);

/* The optimizer step sharded (the default with the overlap; RIC_MPI_SHARD=0
 * in the environment: every rank steps on the whole sum): dist_sum_end
 * then stops after the reduce steps, rank r holding the sum of its own
 * chunk of every bucket (dist_sum_owned: n pairs lo, hi, ascending) and
 * nothing else; each rank updates its chunks (engine/train.h's
 * train_step_spans, the norm from dist_add_up of each rank's
 * optim_sumsq_spans) and dist_sum_share sends every rank's chunks of the
 * weights round, so every rank ends with the same bits. Each rank does 1/R
 * of AdamW, and the communication is that of one allreduce. */
int dist_sum_sharded(const struct dist_sum *s);
const size_t *dist_sum_owned(const struct dist_sum *s, size_t *n);
/* Every rank's own chunks of x (s's layout) to every rank: the weights
 * after a sharded step, the optimizer's moments before a checkpoint. */
enum status_code dist_sum_share(struct dist_sum *s, float *x, struct status *st);
/* Every rank on one host (MPI_COMM_TYPE_SHARED spans the job), the step
 * sharded and RIC_MPI_SHM not 0: memory the ranks share (an MPI-3 shared
 * window), n floats for the weights' one copy (*w) and n for this rank's
 * gradients (*g), which the caller moves its weights and gradients into
 * (engine/train.h's train_place, rank 0 copying the weights), then calls
 * dist_sum_mapped. dist_sum_end then waits for every rank's backward pass
 * and adds the ranks' gradients of its own chunks straight from their
 * memory (no messages, no copy), and dist_sum_share of the weights is a
 * wait for the other ranks' updates, which land in the one copy. Collective;
 * returns 0 (the ring of messages stays: ranks on several hosts, a window
 * refused) on every rank alike. One window per job, reused while n stays. */
int dist_sum_map(struct dist_sum *s, float **w, float **g);
/* Whether s sums through the shared window (dist_sum_map said so). */
int dist_sum_shared(const struct dist_sum *s);
/* After the move: every rank waits until rank 0's weights are in place. */
enum status_code dist_sum_mapped(struct dist_sum *s, struct status *st);
/* After work rank 0 does alone (online --eval-each's child eval, minutes
 * long): every rank waits for rank 0 to get here without spinning a core
 * (a nonblocking broadcast tested every few milliseconds, asleep between)
 * and returns rank 0's rc with its message in st; a rank that brings an
 * error of its own keeps it. */
enum status_code dist_await_rank0(enum status_code rc, struct status *st);
/* The sum over the ranks of x, added in rank order: the same bits on every rank. */
double dist_add_up(double x);

/* Seconds this rank spent in the gradients' allreduce since the start:
 * in dist_sum_floats, and in dist_sum_ready/dist_sum_end (the part of the
 * communication the backward pass does not hide). */
double dist_reduce_seconds(void);
/* The part of it spent inside the grads hook (dist_sum_ready), during the
 * backward pass: the rest is the wait after it. */
double dist_hook_seconds(void);
/* The same two in CPU seconds (monotonic_cpu_s): Open MPI polls while it waits. */
void dist_reduce_cpu_seconds(double *all, double *in_hook);

#endif
