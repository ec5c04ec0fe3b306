#!/bin/sh
# ric online --eval-each: an eval run after every iteration, child of the
# online run, with the front's hypervolume as a metric of the online run.
. "$top_srcdir/tests/lib.sh"
chat="$top_srcdir/tests/fixtures/gpt2/chat"
cd "$TEST_TMP" || exit 1
split_rows
ok "import" "$RIC" --store s.db dataset import rows.jsonl --name toy
ok "relabel" "$RIC" --store s.db relabel --dataset toy --objective length=length --objective brevity=brevity:4
ok "RiC SFT" "$RIC" --store s.db sft --base "$chat" --dataset toy --steps 2 --batch 4 --out ric --name ric
out=$("$RIC" --store s.db online --policy ric --dataset toy --iterations 2 --out on --prompts 4 --mix 4 \
	--steps 1 --batch 4 --max-tokens 4 --name on --eval-each --eval-prompts 2 --eval-step 0.5 2>&1); rc=$?
is "$rc" 0 "online --eval-each"
like "$out" 'iteration 2: ric eval on/checkpoint-2 \(run on-eval-2\)' "it says what it evaluates"
runs=$("$RIC" --store s.db runs)
online=$(printf '%s\n' "$runs" | awk '$2 == "on" { print $1 }')
for k in 1 2; do
	like "$runs" "^ *[0-9]+ +on-eval-$k +eval +done +$online " "the eval of iteration $k is a child of the online run"
	show=$("$RIC" --store s.db show "on-eval-$k")
	like "$show" "model +on/checkpoint-$k" "it evaluates iteration $k's checkpoint"
	like "$show" "online_iteration +$k" "and records the iteration"
	like "$show" 'points +3' "over the --eval-step grid"
	like "$show" 'prompts +2' "on --eval-prompts held-out prompts"
	hv=$("$RIC" --store s.db front "on-eval-$k" | awk '$2 == "on-eval-'$k'" { print $6 }')
	got=$("$RIC" --store s.db metrics on eval_hypervolume | awk '$1 == '$k' { printf "%.4f", $2 }')
	is "$got" "$hv" "the online run's eval_hypervolume at step $k is that front's"
done
like "$("$RIC" --store s.db show on)" 'eval_each +yes' "the online run records --eval-each"
fails 2 "--eval-step must divide 1 sensibly" "$RIC" --store s.db online --policy ric --dataset toy \
	--out x --eval-step 0
done_testing
