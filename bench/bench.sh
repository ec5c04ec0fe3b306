#!/bin/sh
# make bench: the speed table of issue 6, ric beside PyTorch in the same run.
#
#   bench/bench.sh RIC [TORCH_REF]     (make bench passes both)
#
# BENCH_THREADS (default 2) threads for both. The PyTorch rows run when
# /usr/bin/python3 imports torch and the reference script exists
# (TORCH_REF: gpt2_ref.py; bench/torch_decode.py for decoding). LLAMA2C,
# the path of a built llama2.c run binary (not packaged; build it yourself),
# adds three rows of batch-1 decoding beside it. BENCH_ROWS (default all)
# picks groups of rows, e.g. BENCH_ROWS=llama: gpt2 (training and decoding
# GPT-2 shapes, the DiT), llama (the SmolLM2-135M shape beside PyTorch, the
# Llama-2 110M beside llama2.c), lora, mpi, tui, decode (bench/decode_table.sh:
# both shapes against the bandwidth and the kernels' peaks, at every level).
set -u
ric=$1
here=$(dirname "$0")
# the reference script: as given, else beside the source tree or its parent
ref=${2:-}
for r in "$ref" "$here/../../shared/reference/gpt2_ref.py" "$here/../../../shared/reference/gpt2_ref.py"; do
	if [ -n "$r" ] && [ -f "$r" ]; then ref=$r; break; fi
done
th=${BENCH_THREADS:-2}
py=/usr/bin/python3
torch=no
if [ -x $py ] && $py -c 'import torch' 2>/dev/null; then torch=yes; fi

small="--layers 12 --heads 12 --embd 768 --vocab 50257 --ctx 1024"
tiny="--layers 4 --heads 4 --embd 256 --vocab 4096 --ctx 1024"
mid="--layers 6 --heads 6 --embd 288 --vocab 32000 --ctx 1024"

field() { sed -n "s/.*\"$1\": *\([0-9.e+-]*\).*/\1/p" | tail -n 1 | awk '{ printf "%.1f", $1 }'; }
share() { awk -v a="$1" -v b="$2" 'BEGIN { if (a != "" && b != "" && b > 0) printf "%d%%", 100 * a / b + 0.5; else print "-" }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a != "" && b != "" && b > 0) printf "%.2fx", a / b; else print "-" }'; }
row() { printf '%-40s %12s %12s %8s  %s\n' "$1" "$2" "$3" "$4" "$5"; }

echo "machine: $(sed -n 's/^model name[^:]*: //p' /proc/cpuinfo | head -n 1), $(nproc) cores," \
     "threads $th, load $(cut -d' ' -f1-3 /proc/loadavg)"
mem=$("$ric" bench memory --threads $th --json | tail -n 1)
echo "memory read $(echo "$mem" | field read_gb_s) GB/s on $th threads: GPT-2 small batch-1" \
     "decoding ceiling $(echo "$mem" | field ceiling_f32_tok_s) (F32)," \
     "$(echo "$mem" | field ceiling_bf16_tok_s) (BF16), $(echo "$mem" | field ceiling_int8_tok_s) (int8) tok/s"
echo "cpu: $("$ric" info --cpu | tr -s ' ' | paste -sd ';' | sed 's/;/; /g')"
blas=$("$ric" bench blas --threads $th --json | tail -n 1)
sg=$(echo "$blas" | field chosen_gflop_s)
echo "sgemm (training shapes, $th threads): chosen $(echo "$blas" | sed -n 's/.*"chosen": *"\([a-z0-9]*\)".*/\1/p')" \
     "$sg GFLOP/s, BLIS's own ($(echo "$blas" | sed -n 's/.*"own": *"\([a-z0-9]*\)".*/\1/p'))" \
     "$(echo "$blas" | field own_gflop_s), best $(echo "$blas" | field best_gflop_s)" \
     "(chosen = $(echo "$blas" | sed -n 's/.*"chosen_share_of_best": *\([0-9.e+-]*\).*/\1/p' | awk '{ printf "%d", $1 * 100 + 0.5 }')% of best)"
row workload "ric tok/s" "torch tok/s" ratio notes
rows() { case " ${BENCH_ROWS:-all} " in *" all "* | *" $1 "*) return 0 ;; esac; return 1; }

train() { # name shape-flags batch seq steps abort-trials
	ab=""; [ "$6" -gt 0 ] && ab="--abort $6"
	out=$("$ric" bench train $2 --batch $3 --seq $4 --steps $5 --threads $th $ab --json | tail -n 1)
	ours=$(echo "$out" | field tokens_per_s)
	rss=$(echo "$out" | field peak_rss_kib | awk '{ printf "%d", $1 / 1024 }')
	ab=$(echo "$out" | field abort_ms_max)
	gf=$(echo "$out" | field gflops)
	theirs=""
	if [ $torch = yes ] && [ -f "$ref" ]; then
		theirs=$($py "$ref" bench $2 --batch $3 --seq $4 --steps $5 --threads $th | field tokens_per_s)
	fi
	row "$1" "$ours" "${theirs:--}" "$(ratio "$ours" "$theirs")" \
	    "$gf model GFLOP/s = $(share "$gf" "$sg") of sgemm, peak RSS ${rss} MiB, cancel max ${ab:--} ms"
}

decode() { # name shape-flags batch extra-flags key new-tokens abort-trials [ceiling tok/s]
	ab=""; [ "$7" -gt 0 ] && ab="--abort $7"
	out=$("$ric" bench generate $2 --batch $3 --seq 16 --new-tokens $6 --threads $th $4 $ab --json | tail -n 1)
	ours=$(echo "$out" | field tokens_per_s)
	ab=$(echo "$out" | field abort_ms_max)
	theirs=""
	if [ $torch = yes ]; then
		theirs=$($py "$here/torch_decode.py" $2 --batch $3 --seq 16 --new-tokens $6 --threads $th | field tokens_per_s)
	fi
	c=""; [ -n "${8:-}" ] && c="$(share "$ours" "$8") of ceiling $8, "
	row "$1" "$ours" "${theirs:--}" "$(ratio "$ours" "$theirs")" "${c}cancel max ${ab:--} ms"
	echo "$ours" > "${TMPDIR:-/tmp}/ric-bench-$$-$5"
}

if rows gpt2; then
# the cancel latency (abort flag to return, worst of N) on the first rows only
train "train GPT-2 small, batch 4 x 64" "$small" 4 64 3 4
train "train tiny 4L/256, batch 8 x 128" "$tiny" 8 128 5 0
# the image DiT (issue 20): DDPM steps on 32x32 images in 64 patches of 4,
# patches/s beside tests/dit_ref.py's PyTorch model of the same shape
dit() { # name layers heads embd batch steps
	out=$("$ric" bench train --arch dit --layers $2 --heads $3 --embd $4 --batch $5 --steps $6 \
	      --threads $th --json | tail -n 1)
	ours=$(echo "$out" | field tokens_per_s)
	theirs=""
	if [ $torch = yes ] && [ -f "$here/../tests/dit_ref.py" ]; then
		theirs=$(OMP_NUM_THREADS=$th $py "$here/../tests/dit_ref.py" bench --depth $2 --heads $3 \
		         --hidden $4 --inner $((4 * $4)) --batch $5 --steps $6 | field patches_per_s)
	fi
	row "$1" "$ours" "${theirs:--}" "$(ratio "$ours" "$theirs")" "patches/s (tok/s columns)"
}
dit "train DiT 4L/128 32x32/4, batch 32" 4 4 128 32 5
# ceilings: batch 1 reads every weight once a token (ric bench memory);
# batch 32 does 2 flops a weight a token, 0.247 GFLOP, at the sgemm rate
c32=$(awk -v g="$sg" 'BEGIN { if (g > 0) printf "%.1f", g / 0.247064 }')
decode "decode GPT-2 small, batch 1, int8" "$small" 1 "--weights int8" i1 64 4 \
	"$(echo "$mem" | field ceiling_int8_tok_s)"
decode "decode GPT-2 small, batch 1, BF16" "$small" 1 "--weights bf16" b1 64 0 \
	"$(echo "$mem" | field ceiling_bf16_tok_s)"
decode "decode GPT-2 small, batch 1, F32" "$small" 1 "" f1 32 0 "$(echo "$mem" | field ceiling_f32_tok_s)"
decode "decode 15M (6L/288/32000), batch 1, int8" "$mid" 1 "--weights int8" m1 64 0
decode "decode GPT-2 small, batch 32, int8 (aggregate)" "$small" 32 "--weights int8" i32 16 0 "$c32"
decode "decode GPT-2 small, batch 32, BF16 (aggregate)" "$small" 32 "--weights bf16" b32 16 0 "$c32"
fi
# The Llama family on the SmolLM2-135M shape (30 layers, 576 wide, 9 heads over
# 3 KV heads, MLP 1536, vocab 49152, tied), against plain PyTorch with a KV cache.
smol="--arch llama --layers 30 --heads 9 --kv-heads 3 --embd 576 --inner 1536 --vocab 49152 --ctx 1024"
if rows llama; then
ltorch=""
if [ $torch = yes ]; then
	ltorch=$($py "$here/torch_llama_decode.py" $smol --batch 1 --seq 16 --new-tokens 32 --threads $th | field tokens_per_s)
fi
# the bandwidth ceiling of this shape (every weight read once a token): a
# program at the ceiling for F32 reads 4 bytes a weight, so no F32 program
# is more than ceiling / other's speed faster than another; the F32 row
# gives both sides' shares. Read before and after the rows (the higher: on
# a shared machine the bandwidth left to one process moves within seconds)
smem=$("$ric" bench memory $smol --threads $th --json | tail -n 1)
sout=""
for w in int8 bf16 f32; do
	sout="$sout $w=$("$ric" bench generate $smol --batch 1 --seq 16 --new-tokens 32 --threads $th \
		--weights $w --json | tail -n 1 | field tokens_per_s)"
done
smem2=$("$ric" bench memory $smol --threads $th --json | tail -n 1)
[ "$(echo "$smem2" | field read_gb_s | cut -d. -f1)" -gt "$(echo "$smem" | field read_gb_s | cut -d. -f1)" ] &&
	smem=$smem2
echo "SmolLM2-135M shape: memory read $(echo "$smem" | field read_gb_s) GB/s (the higher of before" \
     "and after the rows), batch-1 ceiling $(echo "$smem" | field ceiling_f32_tok_s) (F32)," \
     "$(echo "$smem" | field ceiling_bf16_tok_s) (BF16), $(echo "$smem" | field ceiling_int8_tok_s) (int8) tok/s"
for w in int8 bf16 f32; do
	ours=$(echo "$sout" | tr ' ' '\n' | sed -n "s/^$w=//p")
	c=$(echo "$smem" | field ceiling_${w}_tok_s)
	note="ric $(share "$ours" "$c") of the $w ceiling $c"
	[ $w = f32 ] && note="$note, PyTorch $(share "$ltorch" "$c")"
	row "decode SmolLM2-135M shape, batch 1, $w" "$ours" "${ltorch:--}" "$(ratio "$ours" "$ltorch")" \
	    "$note (GQA 9/3, SwiGLU, tied)"
done
fi
# Issue 21's decoding table: batch 1 against the read bandwidth, batch 32
# against the peak of the instruction that serves it (ric bench peak), both
# shapes, at the chosen level and forced to AVX2 (group decode).
if rows decode; then
	BENCH_THREADS=$th sh "$here/decode_table.sh" "$ric"
fi
# LoRA training (issue 17), batch 4 x 256, 2 timed steps (the 0.5B shape
# takes minutes a step on a busy 2-core machine): on the SmolLM2-135M shape
# full training against a rank-16 adapter on every linear layer, and on the
# Qwen2.5-0.5B shape the adapter against bench/torch_lora.py (llama_ref.py's
# model, base requires_grad off), the base in F32 and in BF16 (ric: frozen
# in BF16 with activations recomputed, as a BF16 checkpoint trains; torch:
# --dtype bf16). LORA_BENCH=0 skips these rows.
if [ "${LORA_BENCH:-1}" != 0 ] && rows lora; then
	qwen="--arch qwen2 --layers 24 --heads 14 --kv-heads 2 --embd 896 --inner 4864 --vocab 151936 --ctx 1024"
	lora() { # name shape-flags extra-flags torch(yes/no) [torch-only flags] [ric-only flags]
		out=$("$ric" bench train $2 --batch 4 --seq 256 --steps 2 --threads $th $3 $6 --json | tail -n 1)
		ours=$(echo "$out" | field tokens_per_s)
		rss=$(echo "$out" | field peak_rss_kib | awk '{ printf "%d", $1 / 1024 }')
		theirs=""; trss=""
		if [ "$4" = yes ] && [ $torch = yes ]; then
			tout=$($py "$here/torch_lora.py" $2 --batch 4 --seq 256 --steps 2 --threads $th $3 $5)
			theirs=$(echo "$tout" | field tokens_per_s)
			trss=$(echo "$tout" | field peak_rss_kib | awk '{ printf "%d", $1 / 1024 }')
		fi
		row "$1" "$ours" "${theirs:--}" "$(ratio "$ours" "$theirs")" \
		    "peak RSS ${rss} MiB${trss:+ (torch ${trss} MiB)}, trained $(echo "$out" | field trained_params) params"
	}
	lora "train SmolLM2-135M shape, full, 4 x 256" "$smol" "" no
	lora "train SmolLM2-135M shape, LoRA r16, 4 x 256" "$smol" "--lora-rank 16" yes
	lora "train Qwen2.5-0.5B shape, LoRA r16, 4 x 256" "$qwen" "--lora-rank 16" yes
	lora "train Qwen2.5-0.5B shape, LoRA r16, BF16 base, 4 x 256" "$qwen" "--lora-rank 16" yes \
		"--dtype bf16" "--weights bf16"
fi
if rows gpt2; then
for k in i1 b1 i32 b32; do eval "$k=\$(cat \"\${TMPDIR:-/tmp}/ric-bench-\$\$-$k\")"; done
rm -f "${TMPDIR:-/tmp}/ric-bench-$$-"*
echo "batch 32 aggregate / batch 1 (GPT-2 small): int8 $(ratio "$i32" "$i1"), BF16 $(ratio "$b32" "$b1")"
echo "against the issue's quiet-machine figures (2 threads): PyTorch 32-34 tok/s," \
     "llama2.c (110M) 63-71 tok/s: int8 batch 1 is $(ratio "$i1" 33) and $(ratio "$i1" 67)"
fi

# llama2.c beside ric, when LLAMA2C names its run (or runomp) binary: a
# random Llama-2 of the 110M shape (bench/llama2c_model.py), the same weights
# in llama2.c's model.bin and as a Hugging Face Llama folder that ric
# decodes (ric bench generate --model), batch 1.
if ! rows llama; then
	:
elif [ -n "${LLAMA2C:-}" ] && [ -x "$LLAMA2C" ] && [ -x $py ] && $py -c 'import numpy' 2>/dev/null; then
	l2dir=$(mktemp -d)
	$py "$here/llama2c_model.py" "$l2dir" --hf "$l2dir/hf"
	theirs=$(cd "$l2dir" && OMP_NUM_THREADS=$th "$LLAMA2C" model.bin -n 128 -s 1 2>&1 >/dev/null |
		sed -n 's/.*achieved tok\/s: *\([0-9.]*\).*/\1/p' | tail -n 1 | awk '{ printf "%.1f", $1 }')
	l2="--arch llama --layers 12 --heads 12 --embd 768 --inner 2048 --vocab 32000"
	lmem=$("$ric" bench memory $l2 --threads $th --json | tail -n 1)
	lout=""
	for w in int8 bf16 f32; do
		lout="$lout $w=$("$ric" bench generate --model "$l2dir/hf" --batch 1 --seq 16 --new-tokens 112 \
			--threads $th --weights $w --json | tail -n 1 | field tokens_per_s)"
	done
	lmem2=$("$ric" bench memory $l2 --threads $th --json | tail -n 1)
	[ "$(echo "$lmem2" | field read_gb_s | cut -d. -f1)" -gt "$(echo "$lmem" | field read_gb_s | cut -d. -f1)" ] &&
		lmem=$lmem2
	echo "Llama-2 110M: memory read $(echo "$lmem" | field read_gb_s) GB/s (the higher of before and after)"
	for w in int8 bf16 f32; do
		ours=$(echo "$lout" | tr ' ' '\n' | sed -n "s/^$w=//p")
		c=$(echo "$lmem" | field ceiling_${w}_tok_s)
		note="ric $(share "$ours" "$c") of the $w ceiling $c"
		[ $w = f32 ] && note="$note, llama2.c $(share "$theirs" "$c")"
		row "decode Llama-2 110M, batch 1, $w" "$ours" "${theirs:--}" "$(ratio "$ours" "$theirs")" \
		    "$note (llama2.c: F32, OMP_NUM_THREADS=$th)"
	done
	rm -rf "$l2dir"
else
	echo "llama2.c: skipped (LLAMA2C=path/to/llama2.c/run to time it beside ric; needs numpy)"
fi

# Data parallelism (issue 19): one training step of the same global batch on
# 2 ranks x 1 thread against 1 rank x 1 thread; efficiency = speed-up / 2;
# the allreduce's share is the communication the backward pass does not
# hide. Then each phase of a step (ric bench train's "phases", CPU seconds:
# forward, backward, the sum during and after backward, the optimizer, the
# weights' gather after the sharded step) for 1 rank and each of the 2, and
# the overlapped, sharded sum against the blocking sum after the backward
# pass (RIC_MPI_OVERLAP=0). On a machine shared with other work the figures
# are indicative only (bench/mpi_scaling.py interleaves several rounds).
if ! rows mpi; then
	:
elif "$ric" info | grep -q '^mpi  *yes' && command -v mpirun >/dev/null 2>&1; then
	mpi="mpirun --oversubscribe -np 2"
	[ "$(id -u)" -eq 0 ] && mpi="$mpi --allow-run-as-root"
	phases() { # json-of-1-rank json-of-2-ranks: one line per phase
		[ -x $py ] || return 0
		printf '%s\n%s\n' "$1" "$2" | $py -c '
import json, sys
one, two = (json.loads(l) for l in sys.stdin.read().splitlines()[:2])
names = ["forward", "backward", "reduce_in_backward", "reduce_wait", "optimizer", "gather", "step"]
print("  CPU s per step      " + " ".join("%9s" % n[:9] for n in names))
for label, p in [("1 rank", one["phases_cpu"][0])] + [("2 ranks, rank %d" % r["rank"], r) for r in two["phases_cpu"]]:
    print("  %-19s " % label + " ".join("%9.3f" % p.get(n, 0.0) for n in names))' 2>/dev/null
	}
	dp() { # name shape-flags batch seq steps
		one=$(BLIS_NUM_THREADS=1 "$ric" bench train $2 --batch $3 --seq $4 --steps $5 --threads 1 --json | tail -n 1)
		two=$(BLIS_NUM_THREADS=1 $mpi "$ric" bench train $2 --batch $3 --seq $4 --steps $5 --threads 1 --json | tail -n 1)
		t1=$(echo "$one" | field tokens_per_s)
		t2=$(echo "$two" | field tokens_per_s)
		ar=$(echo "$two" | sed -n 's/.*"allreduce_share": *\([0-9.e+-]*\).*/\1/p' | awk '{ printf "%d%%", $1 * 100 + 0.5 }')
		eff=$(awk -v a="$t2" -v b="$t1" 'BEGIN { if (b > 0) printf "%d%%", 50 * a / b + 0.5; else print "-" }')
		row "$1" "$t2" "$t1" "$(ratio "$t2" "$t1")" "2 ranks vs 1 (1 thread each): efficiency $eff, allreduce ${ar:--} of a step"
		phases "$one" "$two"
		blk=$(BLIS_NUM_THREADS=1 RIC_MPI_OVERLAP=0 $mpi -x RIC_MPI_OVERLAP "$ric" bench train $2 --batch $3 --seq $4 --steps $5 --threads 1 --json | tail -n 1)
		t3=$(echo "$blk" | field tokens_per_s)
		ab=$(echo "$blk" | sed -n 's/.*"allreduce_share": *\([0-9.e+-]*\).*/\1/p' | awk '{ printf "%d%%", $1 * 100 + 0.5 }')
		row "  overlapped vs after backward" "$t2" "$t3" "$(ratio "$t2" "$t3")" "allreduce ${ar:--} vs ${ab:--} of a step"
	}
	row "data parallel (mpirun -np 2)" "2 ranks" "1 rank" speed-up ""
	dp "train tiny (4L/256), batch 8 x 128" "$tiny" 8 128 4
	dp "train GPT-2 small, batch 4 x 128" "$small" 4 128 3
else
	echo "data parallel: skipped (ric built without MPI, or no mpirun)"
fi

# ric-tui's Steer screen (issue 8): slider move -> first new token drawn, and
# 4 samples x 48 tokens finished, on the demo policy when it is there.
tui=$(dirname "$ric")/ric-tui
demo=$here/../share/demo/policy
if ! rows tui; then
	:
elif [ -x "$tui" ] && [ -f "$demo/ric.json" ]; then
	echo "ric-tui --bench on the demo policy:"
	BLIS_NUM_THREADS=$th "$tui" --bench --threads "$th" --reps 10 "$demo"
else
	echo "ric-tui --bench: skipped (no share/demo/policy yet: make demo-assets)"
fi
