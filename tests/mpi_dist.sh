#!/bin/sh
# src/dist.c on 2 and 3 ranks (tests/dist_ranks.c): the ring sum of the
# gradients, sharded and not, the sum through shared memory, and the sleeping wait for rank 0 (online
# --eval-each's eval). Skipped when ric was built without MPI.
. "$top_srcdir/tests/lib.sh"

"$RIC" info | grep -q '^mpi  *yes' || skip_all "ric was built without MPI (configure --with-mpi)"
command -v mpirun >/dev/null 2>&1 || skip_all "mpirun is not installed (./bootstrap installs openmpi-bin)"
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
export OMPI_MCA_hwloc_base_binding_policy=none OMPI_MCA_btl_tcp_if_include=lo
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}fast_unwind_on_malloc=0"
export LSAN_OPTIONS="${LSAN_OPTIONS:+$LSAN_OPTIONS:}suppressions=$top_srcdir/tests/lsan-mpi.supp:print_suppressions=0"
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
