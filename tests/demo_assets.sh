#!/bin/sh
# make demo-assets in its quick mode (every stage, seconds each): twice from
# scratch gives the same models bit for bit and the same fronts (fixed seeds),
# what it ships registers in a new default store, and results.md has the
# README's tables.
. "$top_srcdir/tests/lib.sh"
unset RIC_NO_DEMO
assets="$top_srcdir/share/demo/assets.sh"
for i in 1 2; do
	RIC="$RIC" SRCDIR="$top_srcdir" WORK="$TEST_TMP/w$i" SHARE="$TEST_TMP/s$i" DEMO_QUICK=1 \
		sh "$assets" > "$TEST_TMP/log$i" 2>&1
	_tap_result $? "quick demo-assets run $i" "$(tail -n 20 "$TEST_TMP/log$i")"
done
for m in base reward policy; do
	ok "$m is the same bit for bit" cmp "$TEST_TMP/s1/demo/$m/model.safetensors" \
		"$TEST_TMP/s2/demo/$m/model.safetensors"
done
ok "the results are the same" cmp "$TEST_TMP/s1/demo/results.md" "$TEST_TMP/s2/demo/results.md"
like "$(cat "$TEST_TMP/w1/timings.txt")" 'total +[0-9]+ s' "it says how long it took"
like "$(cat "$TEST_TMP/s1/demo/timings.txt")" 'total +[0-9]+ s' "the shipped timings have the total too"
res=$(cat "$TEST_TMP/s1/demo/results.md")
like "$res" '\| RiC online \([0-9]+ iterations\) \| [0-9.]+ \|' "results.md has the hypervolume table"
like "$res" '\| Rewarded Soups \(one expert per objective\) \| [0-9.]+ \|' "beside Rewarded Soups"
like "$res" '\| best-of-4 over the SFT model \| [0-9.]+ \|' "and best-of-4 over the SFT model"
like "$res" '\| positivity \| [-0-9.]+ \+- [0-9.]+ \|' "and the reward of each objective by its weight, with its standard error"
like "$res" 'ric generate --model share/demo/policy' "and example generations"
like "$(grep -c . "$TEST_TMP/s1/demo/policy/ric.json")" '^[0-9]+$' "the policy has ric.json"
like "$(cat "$TEST_TMP/s1/demo/policy/config.json")" '"torch_dtype": "bfloat16"' "shipped in BF16"

# What it shipped registers in a new default store, with the dataset's text.
cp "$TEST_TMP/w1/rows.jsonl" "$TEST_TMP/s1/demo/rows.jsonl"
out=$(RIC_DATADIR="$TEST_TMP/s1" "$RIC" dataset list 2>&1)
like "$out" 'registered the bundled demo' "the shipped demo.db registers"
n=$(wc -l < "$TEST_TMP/w1/rows.jsonl")
like "$out" "demo +$n " "with its $n rows"
like "$(RIC_DATADIR="$TEST_TMP/s1" "$RIC" show demo-online)" "$TEST_TMP/s1/demo/policy" \
	"its policy checkpoint in the data folder"
ok "no corpus text in demo.db" test -z "$(sqlite3 "$TEST_TMP/s1/demo/demo.db" \
	"SELECT 1 FROM dataset_rows WHERE prompt <> '' OR response <> '' LIMIT 1")"
done_testing
