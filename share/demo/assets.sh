#!/bin/sh
# assets.sh: build the bundled demo from nothing but the installed Debian
# packages (fortunes, fortunes-min, wordnet-base), with fixed seeds.
#
#   make demo-assets                      # what you normally run
#   RIC=src/ric SRCDIR=. WORK=demo/work sh share/demo/assets.sh
#
# Stages (each one timed; the whole takes about an hour on 2 cores):
#   corpus     share/demo/corpus.sh: corpus.txt and rows.jsonl
#   tokenizer  byte-level BPE, 4,096 entries, ric train-tokenizer
#   base       ric pretrain: GPT-2, 4 layers, 4 heads, 192 wide, 128 tokens
#   rows       per kind at most 3,000 training rows (continue: 2,000) and a
#              held-out eval set of quote/define/use prompts ("split" key)
#   reward     a learned fluency reward: ric rm-train on pairs labelled by a
#              rule (a response beats the same words shuffled)
#   relabel    positivity, informativeness, brevity:20 and rm:demo/reward
#   sft        RiC offline SFT, and the unconditioned SFT baseline
#   online     2 RiC online iterations
#   eval       online, offline, the SFT baseline and best-of-16 on the
#              held-out prompts, one reference point for all
#   ship       BF16 copies into share/demo/{base,reward,policy}, demo.db (the
#              store's runs and evaluation results, no corpus text) and
#              results.md (the README table)
# DEMO_QUICK=1 shrinks every stage to seconds to check the script itself
# (tests/demo_assets.sh); it ships into SHARE, by default WORK/share-out.
# SHARE is the data folder shipped into (default: the sources' share/).
set -eu
LC_ALL=C
export LC_ALL
RIC=${RIC:?set RIC to the ric program}
SRCDIR=${SRCDIR:-.}
WORK=${WORK:-demo/work}
QUICK=${DEMO_QUICK:-0}
export BLIS_NUM_THREADS=${BLIS_NUM_THREADS:-2}
SRCDIR=$(cd "$SRCDIR" && pwd)

# FROM=STAGE goes on in an earlier WORK from that stage (the ones before it
# are kept as they are).
FROM=${FROM:-}
[ -n "$FROM" ] || rm -rf "$WORK"
mkdir -p "$WORK/share/demo"
WORK=$(cd "$WORK" && pwd)
# The data folder of every stage: the lexicons, and the reward model under
# demo/reward as it will be shipped (ric.json names it rm:demo/reward).
[ -e "$WORK/share/lexicons" ] || ln -s "$SRCDIR/share/lexicons" "$WORK/share/lexicons"
export RIC_DATADIR="$WORK/share"
export RIC_STORE="$WORK/store.db"
log=$WORK/timings.txt
if [ -n "$FROM" ]; then echo "-- again from $FROM:" >> "$log"; else : > "$log"; fi
t_all=$(date +%s)

stage() {
	name=$1
	shift
	if [ -n "$FROM" ] && [ "$FROM" != "$name" ]; then
		echo "== $name (kept)" >&2
		return 0
	fi
	FROM=
	t0=$(date +%s)
	echo "== $name" >&2
	"$@"
	t1=$(date +%s)
	printf '%-10s %6d s\n' "$name" $((t1 - t0)) | tee -a "$log" >&2
}

if [ "$QUICK" = 1 ]; then
	PRE="--steps 10 --batch 4 --val 0.002"; CAP=40; CAPC=20; NEVAL=4; PAIRS=32
	SFT="--epochs 1"; ONL="--prompts 8 --mix 8"; EVP=2; EVSTEP=0.5
	SHARE=${SHARE:-$WORK/share-out}
else
	PRE="--steps 2000 --batch 16 --val 0.03"; CAP=3000; CAPC=2000; NEVAL=40; PAIRS=3000
	SFT="--epochs 2"; ONL="--prompts 512 --mix 1024"; EVP=120; EVSTEP=0.25
	SHARE=${SHARE:-$SRCDIR/share}
fi
export SHARE
OBJ="--objective positivity=positivity --objective informativeness=informativeness \
--objective brevity=brevity:20 --objective fluency=rm:demo/reward"
# Each score follows its own label: with bare numbers ([z1 z2 z3 z4]) this
# small policy could not tell the fields apart (a sign or a digit more moves
# every later one), so raising one target moved the others' rewards.
TEMPLATE='{prompt} [pos {z1} inf {z2} brev {z3} flu {z4}]{marker}'
MARKER='
'

corpus() {
	sh "$SRCDIR/share/demo/corpus.sh" "$WORK/corpus"
	# The quick mode trains on every 40th document.
	if [ "$QUICK" = 1 ]; then
		awk 'NR % 40 == 0' "$WORK/corpus/corpus.txt" > "$WORK/corpus/text.txt"
	else
		ln -s corpus.txt "$WORK/corpus/text.txt"
	fi
}

tokenizer() {
	"$RIC" train-tokenizer --vocab-size 4096 --out "$WORK/tokenizer" --quiet "$WORK/corpus/text.txt"
}

base() {
	"$RIC" pretrain --tokenizer "$WORK/tokenizer" --out "$WORK/base" --layers 4 --heads 4 \
		--embd 192 --ctx 128 $PRE --lr 2e-3 --warmup 100 --save-every 500 --seed 1 \
		--name demo-base "$WORK/corpus/text.txt"
}

# The dataset rows (share/demo/select.awk), imported with their own split.
rows() {
	awk -v cap="$CAP" -v capc="$CAPC" -v neval="$NEVAL" -f "$SRCDIR/share/demo/select.awk" \
		"$WORK/corpus/rows.jsonl" > "$WORK/rows.jsonl"
	"$RIC" dataset import "$WORK/rows.jsonl" --name demo
}

# Fluency pairs: a training response of 6+ words (chosen) against the same
# words in a shuffled order (rejected), a fixed LCG drawing the permutation.
reward() {
	awk -v want="$PAIRS" '
	BEGIN { x = 12345 }
	/"split": "train"/ {
		r = $0; sub(/.*"response": "/, "", r); sub(/", "kind": .*/, "", r)
		p = $0; sub(/^\{"prompt": "/, "", p); sub(/", "response": .*/, "", p)
		nw = split(r, w, " ")
		if (nw < 6 || (NR % 3) != 0) next
		for (i = nw; i > 1; i--) {
			x = (x * 1103515245 + 12345) % 2147483648
			j = 1 + int(x / 65536) % i; t = w[i]; w[i] = w[j]; w[j] = t
		}
		s = w[1]; for (i = 2; i <= nw; i++) s = s " " w[i]
		if (s == r) next
		printf "{\"prompt\": \"%s\", \"chosen\": \"%s\", \"rejected\": \"%s\"}\n", p, r, s
		if (++got >= want) exit
	}' "$WORK/rows.jsonl" > "$WORK/pairs.jsonl"
	"$RIC" rm-train --base "$WORK/base" --pairs "$WORK/pairs.jsonl" --out "$WORK/reward" \
		--epochs 1 --batch 16 --lr 5e-4 --warmup 20 --max-len 96 --seed 1 --name demo-fluency
	"$RIC" convert "$WORK/reward" "$WORK/share/demo/reward"
}

# lo and hi (the range preferences map into, and the hypervolume's reference)
# are the 5% and 95% quantiles: targets the policy has seen in training.
relabel() {
	"$RIC" relabel --dataset demo $OBJ --quantiles 0.05,0.95
}

sft() {
	"$RIC" sft --base "$WORK/base" --dataset demo --out "$WORK/offline" $SFT --batch 16 \
		--lr 1e-3 --warmup 50 --max-len 128 --template "$TEMPLATE" --marker "$MARKER" \
		--mapping l2 --seed 1 --name demo-offline
	"$RIC" sft --base "$WORK/base" --dataset demo --out "$WORK/baseline" $SFT --batch 16 \
		--lr 1e-3 --warmup 50 --max-len 128 --marker "$MARKER" --unconditioned --seed 1 \
		--name demo-sft-baseline
}

online() {
	"$RIC" online --policy "$WORK/offline" --dataset demo \
		--iterations 2 --out "$WORK/online" $ONL --batch 16 --lr 5e-5 --quantile 0.9 \
		--max-tokens 48 --seed 1 --name demo-online
}

evaluate() {
	for m in offline online baseline; do
		"$RIC" convert "$WORK/$m" "$WORK/$m-bf16"
	done
	E="--dataset demo --prompts $EVP --step $EVSTEP --max-tokens 48 --seed 7"
	"$RIC" eval --model "$WORK/online-bf16" $E \
		--baseline "sft:$WORK/baseline-bf16" --baseline best-of-n:16 --name demo-eval-online \
		> "$WORK/eval-online.txt"
	"$RIC" eval --model "$WORK/offline-bf16" $E \
		--name demo-eval-offline > "$WORK/eval-offline.txt"
	cat "$WORK/eval-online.txt" "$WORK/eval-offline.txt"
}

stage corpus corpus
stage tokenizer tokenizer
stage base base
stage rows rows
stage reward reward
stage relabel relabel
stage sft sft
stage online online
stage eval evaluate
stage ship sh "$SRCDIR/share/demo/ship.sh"
echo "total      $(( $(date +%s) - t_all )) s" | tee -a "$log" >&2
# ship.sh copied the log before its own line and the total were in it.
cp "$log" "$SHARE/demo/timings.txt"
