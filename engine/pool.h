/* pool: persistent worker threads for the loops BLIS does not run.
 *
 *   static void scale(void *ctx, size_t lo, size_t hi) { ... rows lo..hi-1 ... }
 *   pool_set_threads(2);                 // kernels_set_threads calls this
 *   pool_for(rows, 64, scale, &args);    // [0, rows) in contiguous parts
 *
 * The caller's thread runs the first part itself, so with one thread nothing
 * is handed off. Workers sleep between calls (a short spin first), so they do
 * not compete with BLIS's own threads, which only run inside gemm calls the
 * caller makes outside pool_for. A call made while another is running (from
 * another thread, or from inside a part) runs serially on the calling thread.
 * How [0, n) is split never changes what a part computes, so results do not
 * depend on the thread count when parts write disjoint outputs. A child
 * process made by fork() starts with no workers (serial) until it calls
 * pool_set_threads itself.
 */
#ifndef RIC_ENGINE_POOL_H
#define RIC_ENGINE_POOL_H

#include <stddef.h>

typedef void (*pool_fn)(void *ctx, size_t lo, size_t hi);

/* Threads pool_for uses (the caller included); 1 = serial. Before the first
 * call, BLIS_NUM_THREADS from the environment (else 1) applies. */
void pool_set_threads(int n);
int pool_threads(void);

/* Runs fn on parts of [0, n), each a multiple of grain long (but the last). */
void pool_for(size_t n, size_t grain, pool_fn fn, void *ctx);

#endif
