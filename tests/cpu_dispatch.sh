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
# the automatic choice: skx where AVX-512 F/DQ/BW/VL runs at full width,
# haswell on Zen 4 (AMD family 25), whose halves gain skx nothing
family=$(sed -n 's/^cpu family[^:]*: *//p' /proc/cpuinfo 2>/dev/null | head -n 1)
out=$("$RIC" info --cpu)
like "$out" "features  [A-Za-z]+ family ${family:-[0-9]+}:" "info --cpu names the CPU's family"
if [ $static = yes ] && has avx512f && has avx512dq && has avx512bw && has avx512vl; then
	if grep -q '^vendor_id.*AuthenticAMD' /proc/cpuinfo && [ "$family" = 25 ]; then
		like "$out" 'blis      haswell \(Zen 4 \(AMD family 25\) runs AVX-512 on 256-bit halves' \
			"Zen 4 gets the haswell context"
	else
		like "$out" 'blis      skx \(AVX-512 F/DQ/BW/VL present' "AVX-512 chooses skx"
	fi
fi

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

# ric bench peak: the arithmetic ceiling of each kernel the level chose
if has avx2 && has fma; then
	out=$("$RIC" bench peak --json | tail -n 1)
	like "$out" '"f32_gflop_s":[1-9][0-9.]*,"f32_kernel":"vfmadd' "bench peak times F32 fmas"
	like "$out" '"bf16_gflop_s":[1-9]' "bench peak times the BF16 products"
	like "$out" '"int8_gop_s":[1-9][0-9.]*,"int8_kernel":"vp' "bench peak times the int8 products"
	if has avx512_bf16 && has avx512bw; then
		like "$out" '"bf16_kernel":"vdpbf16ps' "vdpbf16ps is the BF16 ceiling where it serves"
	fi
	if has avx512_vnni && has avx512bw; then
		like "$out" '"int8_kernel":"vpdpbusd' "VNNI is the int8 ceiling where it serves"
		out=$(RIC_CPU=avx2 "$RIC" bench peak --json | tail -n 1)
		like "$out" '"bf16_kernel":"vfmadd 256-bit","int8_gop_s":[1-9][0-9.]*,"int8_kernel":"vpmaddubsw' \
			"RIC_CPU=avx2: the AVX2 kernels' ceilings"
	fi
fi
out=$(RIC_CPU=plain "$RIC" bench peak --json | tail -n 1)
like "$out" '"int8_gop_s":0(\.0)?,"int8_kernel":"plain C' "the plain level has no vector ceiling"
# generate prints its model FLOP/s against the ceiling of its kernel
out=$("$RIC" bench generate --layers 1 --heads 2 --embd 64 --vocab 100 --batch 2 --seq 4 \
	--new-tokens 4 --weights int8 --json | tail -n 1)
like "$out" '"model_gflop_s":[0-9.e+-]+,"peak_gflop_s":[0-9.e+-]+,"peak_kernel":"[^"]+","share_of_peak":' \
	"bench generate gives model FLOP/s and its share of the int8 ceiling"
# and the roofline of a step: 2 rows x 1 layer x (K, V) x 64 x 2 bytes x 6
# positions (4 + 4 / 2) of BF16 cache, weights_per_token x 1.125 bytes of
# int8, their time against the flops' at the peak
out=$("$RIC" bench generate --layers 1 --heads 2 --embd 64 --vocab 100 --batch 2 --seq 4 \
	--new-tokens 4 --weights int8 --mib 8 --json | tail -n 1)
like "$out" '"step_kv_bytes":3072(\.0)?,' "bench generate counts a step's KV cache reads"
rc=0
echo "$out" | awk '{
	n = split($0, f, /[,{}]/)
	for (i = 1; i <= n; i++) { split(f[i], kv, ":"); gsub(/"/, "", kv[1]); v[kv[1]] = kv[2] }
	t = v["step_memory_ms"] > v["step_arithmetic_ms"] ? v["step_memory_ms"] : v["step_arithmetic_ms"]
	flops = v["model_gflop_s"] / v["tokens_per_s"] * 2
	ok = v["step_weight_bytes"] == v["weights_per_token"] * 1.125 && v["read_gb_s"] > 0 &&
	     v["roofline_gflop_s"] <= v["peak_gflop_s"] * 1.000001 &&
	     (v["roofline_gflop_s"] - flops / t * 1e3) ^ 2 <= (1e-6 * v["roofline_gflop_s"]) ^ 2 &&
	     v["share_of_roofline"] >= v["share_of_peak"]
	exit !ok }' || rc=$?
is "$rc" 0 "roofline = step flops / max(memory, arithmetic time), at most the peak"
# bench memory counts the weights a token reads: the Llama family's KV heads
# and gated MLP (SmolLM2-135M: 30 x 3538944 + 49152 x 576)
out=$("$RIC" bench memory --arch llama --layers 30 --heads 9 --kv-heads 3 --embd 576 --inner 1536 \
	--vocab 49152 --mib 8 --json | tail -n 1)
like "$out" '"weights_per_token":134479872' "bench memory counts the Llama shape's matrices"
out=$("$RIC" bench memory --mib 8 --json | tail -n 1)
like "$out" '"weights_per_token":123532032' "and GPT-2 small's"
done_testing
