#!/bin/sh
# The baselines RiC is measured against, on the tiny byte-level fixture:
# Rewarded Soups (one rejection-sampling fine-tune per objective, `ric sft
# --expert`, mixed in weight space per grid point by `ric eval --baseline
# soups --experts`) and best-of-n over the unconditioned SFT model.
. "$top_srcdir/tests/lib.sh"
chat="$top_srcdir/tests/fixtures/gpt2/chat"
cd "$TEST_TMP" || exit 1
# 60 training rows, a prompt of four -> 1..8 words; 8 eval rows.
awk 'BEGIN {
	split("ab cd ef", w, " "); split("W V X Y", p, " "); x = 7
	for (i = 0; i < 68; i++) {
		x = (x * 1103515245 + 12345) % 2147483648; k = 1 + int(x / 65536) % 8
		r = ""
		for (j = 0; j < k; j++) r = r (j ? " " : "") w[1 + (i + j) % 3]
		printf "{\"prompt\": \"%s\", \"response\": \"%s\", \"split\": \"%s\"}\n", p[1 + i % 4], r, i < 60 ? "train" : "eval"
	}
}' >rows.jsonl
grep '"train"' rows.jsonl >train.jsonl
ok "import" "$RIC" --store s.db dataset import rows.jsonl --name toy
ok "relabel" "$RIC" --store s.db relabel --dataset toy --objective length=length --objective brevity=brevity:4
T="--base $chat --dataset toy --steps 2 --batch 4 --lr 1e-3"
ok "RiC SFT" "$RIC" --store s.db sft $T --out ric --name ric
ok "the unconditioned SFT model" "$RIC" --store s.db sft $T --unconditioned --out plain --name plain

# --- experts: rejection-sampling SFT on the top quantile of one objective -------
ok "an expert for length" "$RIC" --store s.db sft $T --expert length --out e-length --name e-length
ok "an expert for brevity" "$RIC" --store s.db sft $T --expert brevity --expert-quantile 0.5 \
	--out e-brevity --name e-brevity
# length is the word count: its 0.7 quantile over the 60 training rows
# (linear between order statistics) and how many rows reach it
want=$(awk -F'"' '{ print split($8, a, " ") }' train.jsonl | sort -n | awk '{ v[NR] = $1 }
	END { h = (NR - 1) * 0.7; f = int(h); t = v[f + 1] + (h - f) * (v[f + 2] - v[f + 1])
	      for (i = 1; i <= NR; i++) n += v[i] >= t; printf "%s %d %d", t, n, NR - n }')
show=$("$RIC" --store s.db show e-length)
got=$(printf '%s\n' "$show" | awk '$1 == "expert_threshold" { t = $2 } $1 == "rows" { n = $2 }
	$1 == "rows_skipped_expert" { s = $2 } END { printf "%s %s %s", t + 0, n, s }')
is "$got" "$want" "the length expert trains on the rows at or above its 0.7 quantile"
like "$show" 'expert +length' "the run records its objective"
like "$show" 'conditioned +no' "an expert is unconditioned"
like "$show" 'pair_responses +both' "and keeps both rows of a pair by default"
like "$("$RIC" --store s.db show e-brevity)" 'expert_quantile +0\.5' "the quantile is recorded"
like "$(cat e-length/ric.json)" '"expert": "length"' "ric.json names the expert's objective"
like "$(cat e-length/ric.json)" '"conditioned": false' "and says it is unconditioned"
fails 1 "an expert for an objective the dataset lacks" "$RIC" --store s.db sft $T --expert humour --out x
err=$("$RIC" --store s.db sft $T --expert humour --out x 2>&1)
like "$err" "no objective 'humour' for --expert" "says which"
fails 2 "--expert-quantile needs --expert" "$RIC" --store s.db sft $T --expert-quantile 0.5 --out x
fails 2 "--expert-quantile is in 0..1" "$RIC" --store s.db sft $T --expert length --expert-quantile 2 --out x

# --- the soup over the grid -------------------------------------------------------
E="--store s.db eval --model ric --dataset toy --prompts 3 --max-tokens 6 --step 0.5"
out=$("$RIC" $E --name rs --baseline soups --experts e-brevity,e-length \
	--baseline sft-best-of-n:2:plain --baseline sft:e-length 2>"$TEST_TMP/err"); rc=$?
is "$rc" 0 "eval with Rewarded Soups and best-of-n over the SFT model"
like "$out" 'soups: run [0-9]+, 3 points x 3 prompts, hypervolume [0-9.]+ .*; weight-space mix' \
	"the soup has one point per grid preference"
like "$out" 'sft-best-of-n:2:plain: run [0-9]+, 3 points x 3 prompts' "so has best-of-n over SFT"
runs=$("$RIC" --store s.db runs)
like "$runs" ' rs-soups +eval +done' "the soup is a run named after the eval"
like "$runs" ' rs-sft-best-of-2 +eval +done' "so is best-of-n over SFT"
show=$("$RIC" --store s.db show rs-soups)
like "$show" 'expert1 +length=e-length' "experts are paired with objectives by the name they record"
like "$show" 'expert2 +brevity=e-brevity' "whatever the order given"
like "$show" 'samples +9' "every sample is stored"
like "$(printf '%s\n' "$show" | sed -n '/Fronts/,$p')" 'soups +[0-9]+ +[0-9.]+' "with its front and hypervolume"
like "$("$RIC" --store s.db show rs-sft-best-of-2)" 'policy +sft' "best-of-n over SFT says which policy it reranks"
like "$("$RIC" --store s.db show rs-sft-best-of-2)" 'generation_cost +2' "and its cost"
like "$out" 'run [0-9]+: obtained z against each objective' "the soup's weight curves are reported"
# The soup at [1,0] is the length expert itself: its samples are those of
# sft:e-length, which decodes the same prompts with the same seeds.
csv() { "$RIC" --store s.db export "$1" --what samples --format csv | tr -d '\000\r'; }
soup=$(csv rs-soups | grep -a '"\[1,0\]"' | LC_ALL=C sed 's/^[0-9]*,0,[0-9]*,//; s/,"\[1,0\]".*//')
expert=$(csv rs-sft | LC_ALL=C sed -n '2,$p' | LC_ALL=C sed 's/^[0-9]*,0,[0-9]*,//; s/,"\[0,0\]".*//')
[ -n "$soup" ] && [ "$(printf "%s\n" "$soup" | wc -l)" -eq 3 ]
_tap_result $? "the soup has three samples at [1,0]" "$soup"
is "$soup" "$expert" "the soup at a one-hot preference is that objective's expert"
soup0=$(csv rs-soups | grep -a '"\[0,1\]"' | LC_ALL=C sed 's/^[0-9]*,0,[0-9]*,//; s/,"\[0,1\]".*//')
mid=$(csv rs-soups | grep -a '"\[0\.5,0\.5\]"' | LC_ALL=C sed 's/^[0-9]*,0,[0-9]*,//; s/,"\[0\.5,0\.5\]".*//')
[ -n "$soup0" ] && [ "$soup0" != "$soup" ] || [ "$mid" != "$soup" ]
_tap_result $? "other preferences decode other models"
# the same experts in objective order give the same soup
"$RIC" $E --name rs2 --baseline soups --experts e-length,e-brevity >/dev/null 2>&1
is "$(csv rs2-soups | cut -d, -f4- | LC_ALL=C sed 's/,[0-9]*$//')" \
	"$(csv rs-soups | cut -d, -f4- | LC_ALL=C sed 's/,[0-9]*$//')" "the order of --experts does not matter"

# --- ric soup: one soup written out -------------------------------------------------
out=$("$RIC" soup --experts e-length,e-brevity --pref 1,0 --out s-length); rc=$?
is "$rc" 0 "ric soup writes a soup"
like "$out" '^soup of 1 e-length \(length\) \+ 0 e-brevity \(brevity\) saved to s-length$' "and says what it mixed"
ok "a one-hot soup is that expert, bit for bit" cmp e-length/model.safetensors s-length/model.safetensors
ok "the half soup" "$RIC" soup --experts e-length,e-brevity --pref 0.5,0.5 --out s-half
! cmp -s e-length/model.safetensors s-half/model.safetensors &&
	! cmp -s e-brevity/model.safetensors s-half/model.safetensors
_tap_result $? "is neither expert"
ric=$(cat s-half/ric.json)
like "$ric" '"soup": \[' "its ric.json records the soup"
like "$ric" '"objective": "brevity"' "with each expert's objective"
unlike "$ric" '"expert":' "and is no longer an expert of one objective"
ok "ric generate takes the soup" "$RIC" generate --model s-half --prompt W --max-tokens 3
fails 1 "a preference per expert" "$RIC" soup --experts e-length,e-brevity --pref 1 --out s-x
fails 1 "weights summing to 1" "$RIC" soup --experts e-length,e-brevity --pref 0.5,0.2 --out s-x
fails 1 "--out is not an expert" "$RIC" soup --experts e-length,e-brevity --pref 1,0 --out e-length
fails 2 "--experts, --pref and --out are required" "$RIC" soup --experts e-length
ok "s-x was never written" test ! -e s-x

# --- what a demanding user gets wrong ---------------------------------------------
fails 2 "soups without --experts" "$RIC" $E --baseline soups
fails 2 "--experts without soups" "$RIC" $E --experts e-length,e-brevity
err=$("$RIC" $E --baseline soups --experts e-length 2>&1)
like "$err" '--experts names 1 model; the RiC model has 2 objectives' "one expert per objective"
err=$("$RIC" $E --baseline soups --experts e-length,e-length 2>&1)
like "$err" 'e-length and e-length are both experts for .length.' "two experts for one objective"
err=$("$RIC" $E --baseline soups --experts e-length,plain 2>&1)
like "$err" 'some name their objective' "an expert that names none beside one that does"
err=$("$RIC" $E --baseline soups --experts plain,ric 2>&1)
like "$err" 'taken in objective order' "models that name no objective are taken in order, with a note"
mkdir -p wide
"$RIC" pretrain --tokenizer "$chat" --out wide --layers 1 --heads 2 --embd 32 --ctx 16 --steps 1 \
	--batch 2 train.jsonl >/dev/null 2>&1
err=$("$RIC" $E --baseline soups --experts plain,wide 2>&1)
like "$err" 'not fine-tuned from one base' "experts of different shapes are refused"
err=$("$RIC" soup --experts plain,wide --pref 0.5,0.5 --out s-x 2>&1)
like "$err" 'experts plain and wide: .*not fine-tuned from one base' "by ric soup too"
fails 2 "sft-best-of-n wants K and a folder" "$RIC" $E --baseline sft-best-of-n:2
fails 2 "sft-best-of-n wants a number" "$RIC" $E --baseline sft-best-of-n:x:plain
done_testing
