#!/bin/sh
# src/dist.c on 2 and 3 ranks (tests/dist_ranks.c): the ring sum of the
# gradients, sharded and not, the sum through shared memory, and the sleeping wait for rank 0 (online
# --eval-each's eval). Skipped when ric was built without MPI.
. "$top_srcdir/tests/lib.sh"

mpi_required
prog="$top_builddir/tests/dist_ranks"

for np in 2 3; do
	out=$(mpirun --oversubscribe -np $np "$prog" 2>&1)
	rc=$?
	printf '%s\n' "$out" | sed -n 's/^# /# /p'
	is "$rc" 0 "dist_ranks on $np ranks exits 0"
	is "$(printf '%s\n' "$out" | grep -c '^FAIL')" 0 "no check failed on $np ranks"
	n=$(printf '%s\n' "$out" | grep -c '^ok')
	is "$n" 30 "all 30 checks ran on $np ranks"
	printf '%s\n' "$out" | grep '^FAIL' | sed 's/^/# /'
done
done_testing
