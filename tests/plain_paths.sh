#!/bin/sh
# The plain C paths of the vectorised kernels (vmath, gemv, gemv_q8), as on
# a CPU without AVX2: RIC_NO_AVX2=1 turns the AVX2 versions off, and their
# tests must pass the same (the int8 and BF16 products give the same bits
# as the AVX2 ones: test_gemv compares them with one row alone and with a
# double reference).
. "$top_srcdir/tests/lib.sh"

for t in test_gemv test_vmath; do
	out=$(RIC_NO_AVX2=1 "$top_builddir/tests/$t" 2>&1)
	_tap_result $? "$t passes on the plain C paths" "$(printf '%s\n' "$out" | grep -v '^ok' | head -n 5)"
done
# and the switch does switch: GELU's tanh is a polynomial with AVX2 and
# libm's without, so the logits differ in their last bits
m="$top_srcdir/tests/fixtures/gpt2/chat"
ok "logits with AVX2" "$RIC" logits --model "$m" --tokens "72,101,108,108,111" --out "$TEST_TMP/a.st"
ok "logits on the plain paths" env RIC_NO_AVX2=1 "$RIC" logits --model "$m" --tokens "72,101,108,108,111" \
	--out "$TEST_TMP/b.st"
if grep -q avx2 /proc/cpuinfo 2>/dev/null; then
	fails 1 "RIC_NO_AVX2 changes the path taken" cmp -s "$TEST_TMP/a.st" "$TEST_TMP/b.st"
fi
done_testing
