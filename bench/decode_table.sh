#!/bin/sh
# The decoding table of issue 21, every figure beside its ceiling measured
# in the same run:
#   batch 1 (bound by memory): tok/s against the read bandwidth of `ric bench
#     memory` over the weights a token reads (ceiling_<type>_tok_s);
#   batch 32 (bound by arithmetic): model GFLOP/s (2 a weight a token, plus
#     attention) against `ric bench peak`'s rate of the instruction that
#     serves those weights (vdpbf16ps, vpdpbusd or vpmaddubsw), F32 against
#     the chosen BLIS context's sgemm rate (`ric bench blas`), the issue's
#     ceiling for products BLIS could serve.
#   and every row beside its roofline (`ric bench generate`: a step's time is
#     at least max(bytes read / read bandwidth, flops / peak), the bytes
#     every weight once and each row's KV cache; batch 32 sits near the
#     ridge point, so this, not the pure peak, is what it can reach here).
# GPT-2 small and the SmolLM2-135M shape, at the level ric chooses and, on a
# CPU with AVX-512, again forced to AVX2 (RIC_CPU=avx2 RIC_BLIS=zen3), as an
# AVX2-only machine would run.
#
#   bench/decode_table.sh RIC        (make bench runs it; BENCH_THREADS, default 2)
set -u
ric=$1
th=${BENCH_THREADS:-2}
field() { sed -n "s/.*\"$1\": *\([0-9.e+-]*\).*/\1/p" | tail -n 1 | awk '{ printf "%.1f", $1 }'; }
text() { sed -n "s/.*\"$1\": *\"\([^\"]*\)\".*/\1/p" | tail -n 1; }
share() { awk -v a="$1" -v b="$2" 'BEGIN { if (a != "" && b != "" && b > 0) printf "%d%%", 100 * a / b + 0.5; else print "-" }'; }
row() { printf '%-44s %9s %10s %10s %6s %9s %6s  %s\n' "$1" "$2" "$3" "$4" "$5" "$6" "$7" "$8"; }
# rf, rs, rb: roofline GFLOP/s, the share of it reached, what bounds it
roof() {
	rf=$(echo "$1" | field roofline_gflop_s)
	rs=$(share "$(echo "$1" | field model_gflop_s)" "$rf")
	rb=$(echo "$1" | text roofline_bound)
}

small="--layers 12 --heads 12 --embd 768 --vocab 50257 --ctx 1024"
smol="--arch llama --layers 30 --heads 9 --kv-heads 3 --embd 576 --inner 1536 --vocab 49152 --ctx 1024"
levels=auto
"$ric" info --cpu | grep -q '^kernels *avx512' && levels="auto avx2"

for lv in $levels; do
	if [ $lv = auto ]; then set --; else set -- RIC_CPU=avx2 RIC_BLIS=zen3; fi
	cpu=$(env "$@" "$ric" info --cpu --json)
	echo "== ${*:-the chosen level}: kernels $(echo "$cpu" | text kernels)," \
	     "BLIS $(echo "$cpu" | text blis), $th threads, load $(cut -d' ' -f1-3 /proc/loadavg)"
	pk=$(env "$@" "$ric" bench peak --threads $th --json | tail -n 1)
	# F32 products are what BLIS's sgemm computes: the issue's ceiling for F32
	# at batch 32 is the chosen context's sgemm rate, measured now
	bl=$(env "$@" "$ric" bench blas --threads $th --json | tail -n 1)
	sg=$(echo "$bl" | field chosen_gflop_s)
	echo "peaks: F32 $(echo "$pk" | field f32_gflop_s) GFLOP/s ($(echo "$pk" | text f32_kernel))," \
	     "BF16 $(echo "$pk" | field bf16_gflop_s) ($(echo "$pk" | text bf16_kernel))," \
	     "int8 $(echo "$pk" | field int8_gop_s) GOP/s ($(echo "$pk" | text int8_kernel)," \
	     "sgemm $sg GFLOP/s (BLIS $(echo "$bl" | text chosen), 256 rows)"
	row "workload" "tok/s" "GFLOP/s" "ceiling" "share" "roofline" "share" "ceiling is; roofline bound"
	for shape in small smol; do
		eval "flags=\$$shape"
		name="GPT-2 small"; [ $shape = smol ] && name="SmolLM2-135M shape"
		mem=$(env "$@" "$ric" bench memory $flags --threads $th --json | tail -n 1)
		gbs=$(echo "$mem" | field read_gb_s)
		for w in int8 bf16 f32; do
			n=64; [ $w = f32 ] && n=32
			out=$(env "$@" "$ric" bench generate $flags --batch 1 --seq 16 --new-tokens $n \
				--threads $th --weights $w --json | tail -n 1)
			t=$(echo "$out" | field tokens_per_s)
			c=$(echo "$mem" | field ceiling_${w}_tok_s)
			roof "$out"
			row "$name, batch 1, $w" "$t" "$(echo "$out" | field model_gflop_s)" "$c tok/s" \
			    "$(share "$t" "$c")" "$rf" "$rs" "read bandwidth $gbs GB/s; $rb"
		done
		for w in int8 bf16 f32; do
			out=$(env "$@" "$ric" bench generate $flags --batch 32 --seq 16 --new-tokens 16 \
				--threads $th --weights $w --json | tail -n 1)
			g=$(echo "$out" | field model_gflop_s)
			p=$(echo "$out" | field peak_gflop_s)
			what="$(echo "$out" | text peak_kernel) peak"
			if [ $w = f32 ]; then p=$sg; what="sgemm rate (vfmadd peak $(echo "$out" | field peak_gflop_s))"; fi
			roof "$out"
			row "$name, batch 32, $w (aggregate)" "$(echo "$out" | field tokens_per_s)" "$g" \
			    "$p" "$(share "$g" "$p")" "$rf" "$rs" \
			    "$what; $rb at $(echo "$out" | field read_gb_s) GB/s"
		done
	done
	# what a call costs beyond its bytes (built beside src/ric)
	calls="$(dirname "$ric")/../bench/gemv_calls"
	[ -x "$calls" ] && env "$@" "$calls" $th
	echo "load at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
done
