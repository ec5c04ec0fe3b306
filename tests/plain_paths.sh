#!/bin/sh
# Every level of our vectorised kernels (vmath, gemv, gemv_q8) that this
# CPU runs, and the plain C paths everywhere: RIC_CPU=avx512+vnni+bf16|...|plain
# forces the level (engine/cpu), and the tests of each must pass the same
# (the int8 products give the same bits at every level, the BF16 ones stay
# within their stated bound of a double reference: test_gemv).
. "$top_srcdir/tests/lib.sh"

flags=$(grep -m1 '^flags' /proc/cpuinfo 2>/dev/null)
has() { case " $flags " in *" $1 "*) return 0;; esac; return 1; }
levels=plain
has avx2 && has fma && levels="$levels avx2"
if has avx512f && has avx512bw && has avx512vl && has avx2 && has fma; then
	levels="$levels avx512"
	has avx512_vnni && levels="$levels avx512+vnni"
	has avx512_bf16 && levels="$levels avx512+bf16"
	has avx512_vnni && has avx512_bf16 && levels="$levels avx512+vnni+bf16"
fi
for l in $levels; do
	for t in test_gemv test_vmath; do
		out=$(RIC_CPU=$l "$top_builddir/tests/$t" 2>&1)
		_tap_result $? "$t passes at RIC_CPU=$l" "$(printf '%s\n' "$out" | grep -v '^ok' | head -n 5)"
	done
done
# the int8, F32 (x W) and BF16 panel products give the plain C path's bits
# at every level: int8 is exact integer arithmetic, F32 and BF16 keep each
# output's chain of fmas; with vdpbf16ps (+bf16) the BF16 products round the
# activations, so only the int8 and F32 ones are compared there (test_gemv
# bounds the BF16 ones)
RIC_CPU=plain "$top_builddir/tests/gemv_levels" >"$TEST_TMP/plain.bin"
RIC_CPU=plain "$top_builddir/tests/gemv_levels" int8 >"$TEST_TMP/plain8.bin"
for l in $levels; do
	[ $l = plain ] && continue
	case $l in
	*bf16)
		ok "gemv_levels runs at RIC_CPU=$l" sh -c "RIC_CPU=$l '$top_builddir/tests/gemv_levels' int8 >'$TEST_TMP/$l.bin'"
		ok "int8 and F32 products at RIC_CPU=$l are the plain path's bits" \
			cmp "$TEST_TMP/$l.bin" "$TEST_TMP/plain8.bin" ;;
	*)
		ok "gemv_levels runs at RIC_CPU=$l" sh -c "RIC_CPU=$l '$top_builddir/tests/gemv_levels' >'$TEST_TMP/$l.bin'"
		ok "int8, F32 and BF16 products at RIC_CPU=$l are the plain path's bits" \
			cmp "$TEST_TMP/$l.bin" "$TEST_TMP/plain.bin" ;;
	esac
done
# a sample's tokens never change with its batch, at every level and in
# every weight form: 14 sequences decode in tiles of rows (12 and 2 with
# AVX-512) where one decodes alone
d="$top_srcdir/share/demo/policy"
g() { "$RIC" generate --model "$d" --prompt "Quote by Mark Twain:" --temperature 0 --max-tokens 12 "$@"; }
for l in $levels; do
	for w in int8 bf16 f32; do
		b=$(RIC_CPU=$l g --weights $w --n 14 | sed -n '/^--- 13$/,/^--- 14$/p' | sed '1d;$d')
		a=$(RIC_CPU=$l g --weights $w)
		is "$b" "$a" "RIC_CPU=$l, $w: a continuation in a batch of 14 equals it alone"
	done
done
# and the switch does switch: GELU's tanh is a polynomial with AVX2 and
# libm's without, so the logits differ in their last bits
m="$top_srcdir/tests/fixtures/gpt2/chat"
ok "logits at the CPU's own level" "$RIC" logits --model "$m" --tokens "72,101,108,108,111" --out "$TEST_TMP/a.st"
ok "logits on the plain paths" env RIC_CPU=plain "$RIC" logits --model "$m" --tokens "72,101,108,108,111" \
	--out "$TEST_TMP/b.st"
if has avx2; then
	fails 1 "RIC_CPU=plain changes the path taken" cmp -s "$TEST_TMP/a.st" "$TEST_TMP/b.st"
fi
done_testing
