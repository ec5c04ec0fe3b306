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

/* Floats per allreduce bucket: 1 M (4 MiB). One bucket at a time with the
 * blocking MPI_Allreduce: Open MPI's tuned shared-memory and TCP algorithms
 * run it several times faster than as many MPI_Iallreduce in flight (libnbc)
 * on GPT-2 small, and there is no backward pass left to overlap with. */
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

/* In-place sums over all ranks. Floats go in DIST_BUCKET_FLOATS buckets
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

/* Seconds spent in dist_sum_floats since the start (the allreduce's share of a step). */
double dist_reduce_seconds(void);

#endif
