#!/bin/sh
# make bench-rss: peak resident memory of the decoding-only loads (issue 15).
#
#   bench/bf16_rss.sh RIC [SHAPE-FLAGS...]
#
# Writes a random BF16 policy of the Qwen2.5-0.5B shape (24 layers, 896
# wide, 14 heads over 2 KV heads, MLP 4864, vocab 151936, tied, q/k/v
# biases) with a RiC ric.json, and a reward model of the same shape inside
# it (rm:rm), then runs each program that decodes or scores with them, once
# with f32 weights (the F32 load) and once with bf16 and int8 (the straight
# load: no F32 copy), and prints the peak RSS of each process
# (/usr/bin/time) with its wall time. Figures, not a test: the machine may
# be shared, so compare the rows of one run. About 2 GB of disk under
# TMPDIR and up to about 6 GB of memory (the f32 rows).
set -u
ric=$1
shift
here=$(cd "$(dirname "$0")" && pwd)
top=$here/..
tui=$(dirname "$ric")/ric-tui
shape=${*:-"--arch qwen2 --layers 24 --heads 14 --kv-heads 2 --embd 896 --inner 4864 --vocab 151936 --ctx 1024"}
if [ ! -x /usr/bin/time ]; then
	echo "bench-rss: skipped (no /usr/bin/time: apt-get install time)"
	exit 0
fi
tmp=$(mktemp -d "${TMPDIR:-/tmp}/ric-rss.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
export HOME="$tmp/home" RIC_NO_DEMO=1 BLIS_NUM_THREADS=${BENCH_THREADS:-1}
unset RIC_STORE RIC_DATADIR
mkdir -p "$HOME"
# Llama 3's tokenizer (128256 tokens): the random model's samples decode to
# text (ric-tui --bench waits for the first token drawn), which a small
# vocabulary's would mostly not; GPT-2's test tokenizer without zcat
tok=$top/tests/fixtures/gpt2/chat
if [ -f "$top/tests/fixtures/llama3-tokenizer/tokenizer.json.gz" ] && command -v zcat >/dev/null; then
	tok=$tmp/tok
	mkdir -p "$tok"
	zcat "$top/tests/fixtures/llama3-tokenizer/tokenizer.json.gz" >"$tok/tokenizer.json"
	cp "$top/tests/fixtures/llama3-tokenizer/tokenizer_config.json" "$tok/"
fi

"$ric" bench save "$tmp/policy" $shape --weights bf16 --tokenizer "$tok" || exit 1
"$ric" bench save "$tmp/policy/rm" $shape --labels 1 --weights bf16 --tokenizer "$tok" || exit 1
cat >"$tmp/policy/ric.json" <<'EOF'
{
  "ric_version": 1,
  "mapping": "l2",
  "marker": ":",
  "template": "{prompt} [{z1} {z2}]{marker}",
  "objectives": [
    { "name": "length", "reward": "length", "mu": 3, "sigma": 2, "lo": -1.5, "hi": 1.5 },
    { "name": "score", "reward": "rm:rm", "mu": 0, "sigma": 1, "lo": -1.5, "hi": 1.5 }
  ]
}
EOF
for i in 1 2 3 4 5 6 7 8; do printf '{"prompt": "ab cd %s", "response": "ef"}\n' $i; done >"$tmp/rows.jsonl"
"$ric" dataset import "$tmp/rows.jsonl" --name rss --eval-fraction 0.5 >/dev/null 2>&1 || exit 1
echo "random $(du -sh "$tmp/policy/model.safetensors" | cut -f1) BF16 policy + same-size reward" \
     "model ($shape); threads $BLIS_NUM_THREADS, load $(cut -d' ' -f1-3 /proc/loadavg)"

printf '%-44s %8s %10s  %s\n' "program" weights "peak RSS" "wall"
rss() { # label weights command...
	label=$1 w=$2
	shift 2
	/usr/bin/time -f '%M %e' -o "$tmp/time" "$@" >"$tmp/out" 2>&1
	rc=$?
	[ -n "${RSS_VERBOSE:-}" ] && cat "$tmp/out"
	set -- $(tail -n 1 "$tmp/time")
	note=""
	# the peak holds whatever the end: ric-tui --bench gives up on a slow machine
	[ $rc -ne 0 ] && note=" (exit $rc: $(tail -n 1 "$tmp/out" | cut -c1-60))"
	printf '%-44s %8s %7.2f GB  %s s%s\n' "$label" "$w" \
		"$(awk -v k="$1" 'BEGIN { print k / 1048576 }')" "$2" "$note"
}
for w in f32 bf16 int8; do
	rss "generate, 16 tokens (policy)" $w "$ric" generate --model "$tmp/policy" --prompt "ab cd" \
		--max-tokens 16 --temperature 0 --weights $w
done
for w in f32 bf16 int8; do
	rss "eval, 1 prompt x 2 points (policy + rm:rm)" $w "$ric" eval --model "$tmp/policy" \
		--dataset rss --prompts 1 --step 1 --max-tokens 4 --weights $w --name "rss-$w"
done
if [ -x "$tui" ]; then
	for w in bf16 int8; do
		rss "ric-tui --bench (policy + rm:rm)" $w "$tui" --bench --reps 1 --threads 1 \
			--weights $w "$tmp/policy"
	done
fi
