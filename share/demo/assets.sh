#!/bin/sh
# assets.sh: build the bundled demo from nothing but the installed Debian
# packages (fortunes, fortunes-min, wordnet-base), with fixed seeds.
#
#   make demo-assets                      # what you normally run
#   RIC=src/ric SRCDIR=. WORK=demo/work sh share/demo/assets.sh
#   FROM=sft UNTIL=online ...             # only the stages sft to online
#
# Stages (each one timed; the whole takes about 1.5 hours on 2 quiet cores):
#   corpus     share/demo/corpus.sh: corpus.txt and rows.jsonl
#   tokenizer  byte-level BPE, 4,096 entries, ric train-tokenizer
#   base       ric pretrain: GPT-2, 4 layers, 4 heads, 192 wide, 128 tokens
#   rows       per kind at most 3,000 training rows (continue: 2,000) and a
#              held-out eval set of quote/define/use prompts ("split" key),
#              relabelled for the rule objectives informativeness and
#              brevity:20; the same rows again as demo-afinn, labelled with
#              the AFINN-165 lexicon (positivity) for the reward model
#   baseline   the unconditioned SFT baseline (chosen rows, prompt + marker)
#   reward     a learned sentiment reward: ric rm-train on pairs of training
#              rows whose AFINN positivity differs (share/demo/pairs.py),
#              then the demo rows relabelled for positivity=rm:demo/reward
#   sft        RiC offline SFT on the three objectives
#   experts    Rewarded Soups experts: one unconditioned SFT per objective
#              on the rows in its top 30%
#   online     RiC online iterations
#   eval       online, offline, the SFT baseline, best-of-4 over it and
#              Rewarded Soups on the held-out prompts, one reference point
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
# are kept as they are); UNTIL=STAGE stops after that stage.
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

. "$SRCDIR/share/demo/stages.sh"

if [ "$QUICK" = 1 ]; then
	PRE="--steps 10 --batch 4 --val 0.002"; CAP=40; CAPC=20; NEVAL=4; PAIRS=32
	SFT="--epochs 1"; ONL="--iterations 2 --prompts 8 --mix 8"; EVP=2; EVSTEP=0.5
	SHARE=${SHARE:-$WORK/share-out}
else
	PRE="--steps 2000 --batch 16 --val 0.03"; CAP=3000; CAPC=2000; NEVAL=40; PAIRS=4000
	SFT="--epochs 2"; ONL="--iterations 6 --prompts 512 --mix 1024"; EVP=120; EVSTEP=0.25
	SHARE=${SHARE:-$SRCDIR/share}
fi
export SHARE
# Three objectives that each follow their weight (issue 16): two rules and a
# learned sentiment reward. The AFINN lexicon itself (positivity) and a
# learned fluency reward did not: see README.
OBJECTIVES="informativeness brevity positivity"
# Each score follows its own label: with bare numbers ([z1 z2 z3]) this small
# policy could not tell the fields apart (a sign or a digit more moves every
# later one), so raising one target moved the others' rewards.
TEMPLATE='{prompt} [inf {z1} brev {z2} pos {z3}]{marker}'
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

# Every later stage trains from the base as it ships (BF16), widened back to
# F32 exactly, so a rebuild from any stage on reproduces the shipped models.
base() {
	rm -rf "$WORK/base-pretrain" "$WORK/base-bf16" "$WORK/base"
	"$RIC" pretrain --tokenizer "$WORK/tokenizer" --out "$WORK/base-pretrain" --layers 4 \
		--heads 4 --embd 192 --ctx 128 $PRE --lr 2e-3 --warmup 100 --save-every 500 --seed 1 \
		--name demo-base "$WORK/corpus/text.txt"
	"$RIC" convert "$WORK/base-pretrain" "$WORK/base-bf16" --dtype bf16
	"$RIC" convert "$WORK/base-bf16" "$WORK/base" --dtype f32
}

# The dataset rows (share/demo/select.awk), imported with their own split and
# relabelled for the rule objectives; lo and hi (the range preferences map
# into, and the hypervolume's reference) are the 5% and 95% quantiles:
# targets the policy has seen in training. The same rows again as
# demo-afinn, labelled by the AFINN-165 lexicon for the reward model's pairs
# (ship.sh leaves that dataset out of demo.db).
rows() {
	awk -v cap="$CAP" -v capc="$CAPC" -v neval="$NEVAL" -f "$SRCDIR/share/demo/select.awk" \
		"$WORK/corpus/rows.jsonl" > "$WORK/rows.jsonl"
	"$RIC" dataset import "$WORK/rows.jsonl" --name demo
	"$RIC" dataset import "$WORK/rows.jsonl" --name demo-afinn
	"$RIC" relabel --dataset demo-afinn --objective positivity=positivity --quantiles 0.05,0.95
	"$RIC" relabel --dataset demo --objective informativeness=informativeness \
		--objective brevity=brevity:20 --quantiles 0.05,0.95
}

# The unconditioned SFT baseline: prompt + marker -> response, no scores.
baseline() {
	"$RIC" sft --base "$WORK/base" --dataset demo --out "$WORK/baseline" $SFT --batch 16 \
		--lr 1e-3 --warmup 50 --max-len 128 --marker "$MARKER" --unconditioned --seed 1 \
		--name demo-sft-baseline
}

# A sentiment reward learned from AFINN-labelled pairs (share/demo/pairs.py):
# it scores every text, where the lexicon gives most short texts a 0, and it
# is a reward model the policy is steered by, shipped as demo/reward.
reward() {
	python3 "$SRCDIR/share/demo/pairs.py" "$RIC_STORE" demo-afinn "$PAIRS" 0.15 > "$WORK/pairs.jsonl"
	"$RIC" rm-train --base "$WORK/base" --pairs "$WORK/pairs.jsonl" --out "$WORK/reward" \
		--epochs 1 --batch 16 --lr 5e-4 --warmup 20 --max-len 96 --seed 1 --name demo-sentiment
	"$RIC" convert "$WORK/reward" "$WORK/share/demo/reward"
	"$RIC" relabel --dataset demo --objective positivity=rm:demo/reward --quantiles 0.05,0.95
}

sft() {
	"$RIC" sft --base "$WORK/base" --dataset demo --out "$WORK/offline" $SFT --batch 16 \
		--lr 1e-3 --warmup 50 --max-len 128 --template "$TEMPLATE" --marker "$MARKER" \
		--mapping l2 --seed 1 --name demo-offline
}

# Rewarded Soups' experts: unconditioned SFT on the rows in the top 30% of
# one objective each (rejection sampling, as the paper's baseline).
experts() {
	for o in $OBJECTIVES; do
		"$RIC" sft --base "$WORK/base" --dataset demo --out "$WORK/expert-$o" $SFT --batch 16 \
			--lr 1e-3 --warmup 50 --max-len 128 --marker "$MARKER" --expert "$o" --seed 1 \
			--name "demo-expert-$o"
	done
}

online() {
	"$RIC" online --policy "$WORK/offline" --dataset demo --out "$WORK/online" $ONL \
		--batch 16 --lr 5e-5 --quantile 0.9 --max-tokens 48 --seed 1 --name demo-online
}

evaluate() {
	for m in offline online baseline; do
		"$RIC" convert "$WORK/$m" "$WORK/$m-bf16"
	done
	experts=
	for o in $OBJECTIVES; do experts=$experts${experts:+,}$WORK/expert-$o; done
	E="--dataset demo --prompts $EVP --step $EVSTEP --max-tokens 48 --seed 7"
	"$RIC" eval --model "$WORK/online-bf16" $E --baseline "sft:$WORK/baseline-bf16" \
		--baseline "sft-best-of-n:4:$WORK/baseline-bf16" --baseline soups --experts "$experts" \
		--name demo-eval-online > "$WORK/eval-online.txt"
	"$RIC" eval --model "$WORK/offline-bf16" $E \
		--name demo-eval-offline > "$WORK/eval-offline.txt"
	cat "$WORK/eval-online.txt" "$WORK/eval-offline.txt"
}

stage corpus corpus
stage tokenizer tokenizer
stage base base
stage rows rows
stage baseline baseline
stage reward reward
stage sft sft
stage experts experts
stage online online
stage eval evaluate
stage ship sh "$SRCDIR/share/demo/ship.sh"
echo "total      $(( $(date +%s) - t_all )) s" | tee -a "$log" >&2
# ship.sh copied the log before its own line and the total were in it.
cp "$log" "$SHARE/demo/timings.txt"
