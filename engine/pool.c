#include "config.h"

#include "engine/pool.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>

#define POOL_MAX 64
#define POOL_SPIN 300000

/* What the spinning workers read and what they write are on cache lines of
 * their own: the job (written by the caller, then only read, gen last), the
 * count of parts left (written by every thread once a job), and the locks
 * and the rest; so a worker's polls of gen are not disturbed by another
 * worker's completion or by the caller's locking, and a part's completion
 * does not move the job's line away from the threads still reading it. */
#define POOL_LINE 64
static struct {
	_Alignas(POOL_LINE) pool_fn fn; /* the job: */
	void *ctx;
	size_t n, grain, parts;
	atomic_uint gen;          /* bumped for each job */
	_Alignas(POOL_LINE) atomic_int pending; /* parts not finished */
	_Alignas(POOL_LINE) pthread_mutex_t lock; /* guards the condition waits */
	pthread_cond_t wake, done;
	/* Workers asleep (or going to sleep) on wake, and whether the caller
	 * sleeps on done: a job or a completion takes the lock and signals
	 * only then, so while everyone spins a call touches no lock line.
	 * Each side writes its flag, then reads the other's variable (all
	 * sequentially consistent), so one of the two always sees the other:
	 * no wake-up is lost. */
	atomic_int sleepers, waiting;
	pthread_mutex_t busy;     /* held by the call in progress */
	int want, started;        /* threads asked for (caller included); workers running */
	pthread_t tid[POOL_MAX];
	unsigned born[POOL_MAX];
} pool = { .lock = PTHREAD_MUTEX_INITIALIZER, .wake = PTHREAD_COND_INITIALIZER,
           .done = PTHREAD_COND_INITIALIZER, .busy = PTHREAD_MUTEX_INITIALIZER, .want = 1 };

static void pool_range(size_t part, size_t parts, size_t n, size_t grain, size_t *lo, size_t *hi)
{
	size_t blocks = (n + grain - 1) / grain;
	size_t b0 = blocks * part / parts, b1 = blocks * (part + 1) / parts;
	*lo = b0 * grain;
	*hi = b1 * grain < n ? b1 * grain : n;
}

static void pool_run_part(size_t part)
{
	size_t lo, hi;
	if (part < pool.parts) {
		pool_range(part, pool.parts, pool.n, pool.grain, &lo, &hi);
		if (lo < hi)
			pool.fn(pool.ctx, lo, hi);
	}
	if (atomic_fetch_sub(&pool.pending, 1) == 1 && atomic_load(&pool.waiting)) {
		pthread_mutex_lock(&pool.lock);
		pthread_cond_signal(&pool.done);
		pthread_mutex_unlock(&pool.lock);
	}
}

static void *pool_worker(void *arg)
{
	size_t id = (size_t)(uintptr_t)arg;
	unsigned seen = pool.born[id]; /* jobs after the worker's creation are its own */
	for (;;) {
		unsigned g;
		int spins = 0;
		while ((g = atomic_load(&pool.gen)) == seen && spins < POOL_SPIN)
			spins++;
		if (g == seen) {
			pthread_mutex_lock(&pool.lock);
			atomic_fetch_add(&pool.sleepers, 1);
			while ((g = atomic_load(&pool.gen)) == seen)
				pthread_cond_wait(&pool.wake, &pool.lock);
			atomic_fetch_sub(&pool.sleepers, 1);
			pthread_mutex_unlock(&pool.lock);
		}
		seen = g;
		pool_run_part(id);
	}
	return NULL;
}

/* A child of fork() has only the forking thread: forget the workers (and any
 * lock state), so pool_for runs serially there until pool_set_threads. */
static void pool_atfork_child(void)
{
	pthread_mutex_t m = PTHREAD_MUTEX_INITIALIZER;
	pthread_cond_t c = PTHREAD_COND_INITIALIZER;
	pool.lock = m;
	pool.busy = m;
	pool.wake = c;
	pool.done = c;
	pool.started = 0;
	pool.want = 1;
	atomic_store(&pool.sleepers, 0);
	atomic_store(&pool.waiting, 0);
}

static pthread_once_t pool_once = PTHREAD_ONCE_INIT;
static void pool_register(void)
{
	pthread_atfork(NULL, NULL, pool_atfork_child);
}

static atomic_int pool_configured; /* pool_set_threads was called */

static void pool_grow(int n)
{
	pthread_once(&pool_once, pool_register);
	if (n < 1)
		n = 1;
	if (n > POOL_MAX)
		n = POOL_MAX;
	pthread_mutex_lock(&pool.busy);
	/* Workers are started on demand and kept; extra ones just sit idle. */
	while (pool.started + 1 < n) {
		pool.born[pool.started + 1] = atomic_load(&pool.gen);
		if (pthread_create(&pool.tid[pool.started], NULL, pool_worker,
		                   (void *)(uintptr_t)(pool.started + 1)) != 0)
			break;
		pthread_detach(pool.tid[pool.started]);
		pool.started++;
	}
	pool.want = pool.started + 1 < n ? pool.started + 1 : n;
	pthread_mutex_unlock(&pool.busy);
}

void pool_set_threads(int n)
{
	atomic_store(&pool_configured, 1);
	pool_grow(n);
}

int pool_threads(void)
{
	return pool.want;
}

/* Until pool_set_threads is called, as many threads as BLIS_NUM_THREADS asks
 * BLIS for (the programs' one knob so far), else 1. */
static void pool_default(void)
{
	const char *e = getenv("BLIS_NUM_THREADS");
	long n = e ? strtol(e, NULL, 10) : 1;
	if (n > 1 && !atomic_load(&pool_configured))
		pool_grow((int)(n < POOL_MAX ? n : POOL_MAX));
}

static pthread_once_t pool_default_once = PTHREAD_ONCE_INIT;

void pool_for(size_t n, size_t grain, pool_fn fn, void *ctx)
{
	if (n == 0)
		return;
	pthread_once(&pool_default_once, pool_default);
	if (grain == 0)
		grain = 1;
	size_t blocks = (n + grain - 1) / grain;
	if (pool.want <= 1 || blocks < 2 || pthread_mutex_trylock(&pool.busy) != 0) {
		fn(ctx, 0, n);
		return;
	}
	size_t parts = (size_t)pool.want < blocks ? (size_t)pool.want : blocks;
	pool.fn = fn;
	pool.ctx = ctx;
	pool.n = n;
	pool.grain = grain;
	pool.parts = parts;
	/* Parts 1.. go to workers 1..; every worker answers every job (those past
	 * the parts with nothing), so none is still reading this job's fields
	 * when the next one is set up. */
	atomic_store(&pool.pending, pool.started + 1);
	atomic_fetch_add(&pool.gen, 1);
	if (atomic_load(&pool.sleepers) > 0) {
		pthread_mutex_lock(&pool.lock);
		pthread_cond_broadcast(&pool.wake);
		pthread_mutex_unlock(&pool.lock);
	}
	pool_run_part(0);
	int spins = 0;
	while (atomic_load(&pool.pending) > 0 && spins < POOL_SPIN)
		spins++;
	if (atomic_load(&pool.pending) > 0) {
		pthread_mutex_lock(&pool.lock);
		atomic_store(&pool.waiting, 1);
		while (atomic_load(&pool.pending) > 0)
			pthread_cond_wait(&pool.done, &pool.lock);
		atomic_store(&pool.waiting, 0);
		pthread_mutex_unlock(&pool.lock);
	}
	pthread_mutex_unlock(&pool.busy);
}
