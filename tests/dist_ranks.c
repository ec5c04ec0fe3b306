/* dist_ranks: src/dist.c's gradient sum and waits, under mpirun -np R
 * (tests/mpi_dist.sh runs it on 2 and 3 ranks). Rank 0 prints a line per
 * check, "ok ..." or "FAIL ...", and every rank exits 1 when one failed.
 *
 *   - the ring sum told in parts as a backward pass tells them (from the
 *     end, parts straddling buckets of 1000 floats), with the step sharded
 *     (each rank's chunks, then dist_sum_share of an update of them) and not,
 *     against the sums in double, the same bits on every rank;
 *   - the same sum through the memory the ranks on one host share
 *     (dist_sum_map): every rank sees rank 0's weights, holds the sums of
 *     its own chunks after dist_sum_end, and after each updated its chunks
 *     of the one copy of the weights and dist_sum_share, every rank sees
 *     every update; RIC_MPI_SHM=0 keeps the messages;
 *   - dist_add_up: the same on every rank;
 *   - dist_await_rank0: while rank 0 sleeps 2 s the others wait with their
 *     CPU time small (a blocking MPI call would poll a core the whole time),
 *     and they learn rank 0's error. */
#include "config.h"

#include "src/dist.h"
#include "engine/monotonic.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static int failed;

static void check(int cond, const char *what)
{
	int bad = dist_any(!cond);
	if (dist_rank() == 0)
		printf("%s %s\n", bad ? "FAIL" : "ok", what);
	failed |= bad;
}

static float value(size_t i, int rank) { return (float)sin(0.37 * (double)i + rank) * (1.0f + (float)(i % 7)); }

/* FNV-1a over the bytes, in four lanes: a digest for dist_agree */
static void digest(const float *v, size_t n, unsigned char out[32])
{
	uint64_t h[4] = { 14695981039346656037ULL, 1, 2, 3 };
	const unsigned char *b = (const unsigned char *)v;
	for (size_t i = 0; i < n * sizeof *v; i++) {
		h[i % 4] ^= b[i];
		h[i % 4] *= 1099511628211ULL;
	}
	memcpy(out, h, 32);
}

static int same_everywhere(const float *v, size_t n)
{
	unsigned char d[32];
	struct status st = STATUS_INIT;
	digest(v, n, d);
	return dist_agree("sum", d, &st) == STATUS_OK;
}

static void ring(int shard)
{
	const size_t n = 22017; /* 23 buckets of 1000, the last of 17 */
	int R = dist_size(), me = dist_rank();
	float *v = malloc(n * sizeof *v);
	double *want = malloc(n * sizeof *want);
	if (!v || !want)
		exit(1);
	for (size_t i = 0; i < n; i++) {
		v[i] = value(i, me);
		want[i] = 0;
		for (int r = 0; r < R; r++)
			want[i] += value(i, r);
	}
	setenv("RIC_MPI_SHARD", shard ? "1" : "0", 1);
	struct dist_sum *s = dist_sum_new(n);
	struct status st = STATUS_INIT;
	check(s != NULL && dist_sum_sharded(s) == shard, shard ? "sharded sum made" : "ring sum made");
	if (!s)
		exit(1);
	dist_sum_begin(s, v);
	/* parts of 777 from the end, as the backward pass tells layers; rank 1
	 * tells nothing (a rank without rows): dist_sum_end starts them all */
	for (size_t hi = n; me != 1 && hi > 0;) {
		size_t lo = hi > 777 ? hi - 777 : 0;
		dist_sum_ready(s, lo, hi);
		hi = lo;
	}
	enum status_code rc = dist_sum_end(s, &st);
	check(rc == STATUS_OK, "dist_sum_end");
	size_t k, bad = 0, mine = 0;
	const size_t *own = dist_sum_owned(s, &k);
	if (shard) {
		for (size_t j = 0; j < k; j++)
			for (size_t i = own[2 * j]; i < own[2 * j + 1]; i++, mine++)
				bad += fabs(v[i] - want[i]) > 1e-5 * (1 + fabs(want[i]));
		double all = dist_add_up((double)mine);
		check(bad == 0 && all == (double)n, "each rank holds the sums of its own chunks, "
		      "and the chunks cover every float once");
		/* the update of the own chunks, then every rank gets all */
		for (size_t j = 0; j < k; j++)
			for (size_t i = own[2 * j]; i < own[2 * j + 1]; i++)
				v[i] = 2.0f * v[i] + 1.0f;
		check(dist_sum_share(s, v, &st) == STATUS_OK, "dist_sum_share");
		for (size_t i = 0; i < n; i++)
			want[i] = 2.0 * want[i] + 1.0;
	}
	bad = 0;
	for (size_t i = 0; i < n; i++)
		bad += fabs(v[i] - want[i]) > 1e-5 * (1 + fabs(want[i]));
	check(bad == 0, shard ? "after dist_sum_share every rank holds every updated float"
	                      : "every rank holds the sums");
	check(same_everywhere(v, n), "the same bits on every rank");
	/* a second step on the same object */
	for (size_t i = 0; i < n; i++)
		v[i] = value(i, me);
	dist_sum_begin(s, v);
	rc = dist_sum_end(s, &st);
	if (shard && rc == STATUS_OK)
		rc = dist_sum_share(s, v, &st);
	bad = 0;
	for (size_t i = 0; i < n; i++)
		bad += fabs(v[i] - (shard ? (want[i] - 1.0) / 2.0 : want[i])) > 1e-5 * (1 + fabs(want[i]));
	check(rc == STATUS_OK && bad == 0, "a second step, every bucket started at its end");
	dist_sum_free(s);
	free(v);
	free(want);
}

static int is_own(const size_t *own, size_t k, size_t i)
{
	for (size_t j = 0; j < k; j++)
		if (i >= own[2 * j] && i < own[2 * j + 1])
			return 1;
	return 0;
}

static void shared(void)
{
	const size_t n = 22017;
	int R = dist_size(), me = dist_rank();
	float *w, *g, *mine = malloc(n * sizeof *mine);
	double *want = malloc(n * sizeof *want);
	struct status st = STATUS_INIT;
	if (!mine || !want)
		exit(1);
	setenv("RIC_MPI_SHARD", "1", 1);
	setenv("RIC_MPI_SHM", "0", 1);
	struct dist_sum *s = dist_sum_new(n);
	check(s && !dist_sum_map(s, &w, &g) && !dist_sum_shared(s),
	      "RIC_MPI_SHM=0: the sum keeps its messages");
	dist_sum_free(s);
	unsetenv("RIC_MPI_SHM");
	s = dist_sum_new(n);
	int on = s && dist_sum_map(s, &w, &g);
	check(on && dist_sum_shared(s), "ranks on one host share memory for the sum");
	if (!on)
		exit(1);
	for (size_t i = 0; i < n; i++) {
		if (me == 0)
			w[i] = (float)i;
		g[i] = value(i, me);
		want[i] = 0;
		for (int r = 0; r < R; r++)
			want[i] += value(i, r);
	}
	check(dist_sum_mapped(s, &st) == STATUS_OK, "dist_sum_mapped");
	size_t bad = 0, k;
	for (size_t i = 0; i < n; i++)
		bad += w[i] != (float)i;
	check(bad == 0, "every rank sees rank 0's weights");
	const size_t *own = dist_sum_owned(s, &k);
	for (int step = 0; step < 2; step++) {
		dist_sum_begin(s, g);
		for (size_t hi = n; hi > 0;) { /* told or not: all of it at the end */
			size_t lo = hi > 777 ? hi - 777 : 0;
			dist_sum_ready(s, lo, hi);
			hi = lo;
		}
		check(dist_sum_end(s, &st) == STATUS_OK, "dist_sum_end over shared memory");
		bad = 0;
		for (size_t j = 0; j < k; j++)
			for (size_t i = own[2 * j]; i < own[2 * j + 1]; i++)
				bad += fabs(g[i] - want[i]) > 1e-5 * (1 + fabs(want[i]));
		check(bad == 0, "each rank holds the sums of its own chunks");
		/* the optimizer's part: its own chunks of the one copy, and the
		 * gradients zeroed for the next step */
		for (size_t i = 0; i < n; i++) {
			if (is_own(own, k, i))
				w[i] = 2.0f * g[i] + (float)step;
			g[i] = 0;
		}
		check(dist_sum_share(s, w, &st) == STATUS_OK, "dist_sum_share of the shared weights");
		bad = 0;
		for (size_t i = 0; i < n; i++)
			bad += fabs(w[i] - (2.0 * want[i] + step)) > 2e-5 * (1 + fabs(want[i]));
		check(bad == 0, "every rank sees every rank's update");
		memcpy(mine, w, n * sizeof *mine);
		check(same_everywhere(mine, n), "the same bits on every rank");
		for (size_t i = 0; i < n; i++)
			g[i] = value(i, me);
	}
	dist_sum_begin(s, mine);
	check(dist_sum_end(s, &st) == STATUS_INTERNAL, "a sum of gradients not in the shared memory "
	      "is refused");
	dist_sum_free(s);
	free(mine);
	free(want);
}

static void await(void)
{
	struct status st = STATUS_INIT;
	double t0 = monotonic_s(), c0 = monotonic_cpu_s();
	enum status_code rc = STATUS_OK;
	if (dist_rank() == 0) {
		struct timespec ts = { 2, 0 };
		nanosleep(&ts, NULL);
		rc = status_set(&st, STATUS_INVALID, "the eval of iteration 1 failed");
	}
	rc = dist_await_rank0(rc, &st);
	double wall = monotonic_s() - t0, cpu = monotonic_cpu_s() - c0;
	double worst = dist_rank() ? cpu : 0.0, longest = dist_rank() ? wall : 1e9;
	/* every rank's figures to all: the largest CPU, the shortest wait */
	for (int r = 1; r < dist_size(); r++) {
		double c = dist_add_up(dist_rank() == r ? cpu : 0.0);
		double w = dist_add_up(dist_rank() == r ? wall : 0.0);
		worst = c > worst ? c : worst;
		longest = w < longest ? w : longest;
	}
	if (dist_rank() == 0)
		printf("# the other ranks waited %.2f s using %.3f s of CPU at most\n", longest, worst);
	check(longest > 1.5 && worst < 0.1, "while rank 0 works alone the others wait asleep");
	check(rc == STATUS_INVALID && strstr(st.msg, "iteration 1 failed") != NULL,
	      "and learn rank 0's error");
}

int main(int argc, char **argv)
{
	setenv("RIC_MPI_BUCKET", "1000", 1);
	if (dist_init(&argc, &argv) != 0)
		return 1;
	if (dist_size() < 2) {
		puts("run me under mpirun -np 2 or more");
		return dist_finish(77);
	}
	ring(0);
	ring(1);
	shared();
	double x = dist_add_up(0.1 * (dist_rank() + 1));
	unsigned char d[32] = { 0 };
	memcpy(d, &x, sizeof x);
	struct status st = STATUS_INIT;
	check(dist_agree("total", d, &st) == STATUS_OK, "dist_add_up: the same bits on every rank");
	await();
	dist_finish(0);
	return failed;
}
