#!/bin/sh
# engine/cpu: one place detects the CPU's features and chooses our kernels'
# level and BLIS's context; RIC_CPU and RIC_BLIS force them, and a value
# that cannot be honoured is one clear error. Every BLIS context this CPU
# runs gives the same products (logits and gradients) within 1e-5 relative.
. "$top_srcdir/tests/lib.sh"

out=$("$RIC" info --cpu)
like "$out" '^features  ' "info --cpu lists the CPU's features"
like "$out" 'kernels   (avx512|avx2|plain)' "info --cpu names our kernels' level"
like "$out" 'blis      [a-z0-9]+ \(' "info --cpu names BLIS's context with a reason"
out=$("$RIC" info --cpu --json)
like "$out" '"blis_own":"[a-z0-9]+"' "info --cpu --json names BLIS's own choice"

out=$(RIC_BLIS=bogus "$RIC" info --cpu 2>&1); rc=$?
like "$rc:$out" "^2:ric: RIC_BLIS='bogus': say skx, zen3, haswell, generic or auto" \
	"RIC_BLIS=bogus is one clear error"
out=$(RIC_CPU=sse9 "$RIC" info --cpu 2>&1); rc=$?
like "$rc:$out" "^2:ric: RIC_CPU='sse9': say avx512\\+vnni\\+bf16, avx512\\+vnni, avx512\\+bf16, avx512, avx2 or plain" \
	"RIC_CPU=sse9 is one clear error"
out=$(RIC_CPU=plain "$RIC" info --cpu)
like "$out" 'kernels   plain \(forced by RIC_CPU=plain\)' "RIC_CPU=plain forces the plain level"
flags=$(grep -m1 '^flags' /proc/cpuinfo 2>/dev/null)
has() { case " $flags " in *" $1 "*) return 0;; esac; return 1; }
if ! has avx512bw; then
	fails 2 "RIC_CPU=avx512 on a CPU without AVX-512 is refused" env RIC_CPU=avx512 "$RIC" info --cpu
else
	out=$(RIC_CPU=avx512 "$RIC" info --cpu)
	like "$out" 'kernels   avx512 \(forced' "RIC_CPU=avx512 is AVX-512 without the VNNI and BF16 kernels"
	if has avx512_bf16; then
		out=$("$RIC" info --cpu)
		like "$out" 'kernels   avx512[+a-z]*\+bf16 \(.*vdpbf16ps' "AVX512_BF16 serves the BF16 products"
	else
		out=$(RIC_CPU=avx512+bf16 "$RIC" info --cpu 2>&1); rc=$?
		like "$rc:$out" "^2:ric: RIC_CPU=avx512\\+bf16: this CPU lacks AVX512_BF16" \
			"RIC_CPU=avx512+bf16 without AVX512_BF16 is refused"
	fi
fi

static=no
"$RIC" info --cpu --json | grep -q '"blis_static":true' && static=yes
m="$top_srcdir/tests/fixtures/gpt2/lm-2l"
gen() { # context out
	env RIC_BLIS=$1 "$RIC" grads --model "$m" --tokens "1,2,3,4,5,6,7,8;9,10,11,12,13,14,15,16" \
		--targets "2,3,4,5,6,7,8,9;10,11,12,13,14,15,16,17" --out "$2"
}
if [ $static = yes ]; then
	ok "gradients with BLIS's generic kernels" gen generic "$TEST_TMP/generic.st"
	for b in skx zen3 haswell; do
		case $b in
		skx) has avx512f && has avx512dq && has avx512bw && has avx512vl || continue ;;
		*) has avx2 && has fma || continue ;;
		esac
		out=$(RIC_BLIS=$b "$RIC" info --cpu)
		like "$out" "blis      $b \\(forced by RIC_BLIS" "RIC_BLIS=$b is the context in use"
		ok "gradients with BLIS's $b kernels" gen $b "$TEST_TMP/$b.st"
		ok "$b gives generic's logits and gradients within 1e-5" \
			"$top_builddir/tests/st_compare" "$TEST_TMP/$b.st" "$TEST_TMP/generic.st" 1e-5
	done
else
	fails 2 "RIC_BLIS=skx with the shared BLIS says it cannot choose" env RIC_BLIS=skx "$RIC" info --cpu
	out=$(RIC_BLIS=generic "$RIC" info 2>&1)
	like "$out" 'shared BLIS library' "and says why"
fi

# ric bench blas: the chosen context beside BLIS's own and the others, on a
# small shape (the figures themselves belong to make bench)
out=$("$RIC" bench blas --layers 1 --heads 2 --embd 64 --vocab 100 --batch 2 --seq 8 --json | tail -n 1)
like "$out" '"chosen_gflop_s":[0-9]' "bench blas times the chosen context"
like "$out" '"own_gflop_s":[0-9]' "bench blas times BLIS's own choice"
if [ $static = yes ]; then
	like "$out" '"generic_gflop_s":[0-9]' "bench blas times the other contexts compiled in"
else
	like "$out" '"chosen":"([a-z0-9]+)","own":"\1"' "with the shared BLIS the chosen context is BLIS's own"
fi
like "$out" '"chosen_share_of_best":[0-9.]+' "bench blas gives the chosen one's share of the best"
out=$("$RIC" bench blas --layers 1 --heads 2 --embd 64 --vocab 100 --batch 2 --seq 8)
like "$out" 'blis      [a-z0-9]+ \(' "bench names the BLIS context and why"
done_testing
