#!/bin/sh
# The bundled demo: a new default store registers it (runs, checkpoints in the
# data folder, the dataset with its text rebuilt at build time, the fronts);
# a store named on purpose stays empty; rows that do not match the shipped
# digest leave the dataset out but keep the runs; the shipped policy
# generates and scores with its learned sentiment reward from any folder.
. "$top_srcdir/tests/lib.sh"
unset RIC_NO_DEMO
share="$top_srcdir/share"
rows="$top_builddir/demo/rows.jsonl"
[ -f "$share/demo/demo.db" ] || { echo "not ok - $share/demo/demo.db is missing"; exit 1; }

out=$("$RIC" runs 2>&1)
like "$out" 'registered the bundled demo' "a new default store says it registered the demo"
like "$out" 'demo-online +online +done' "the online run is there"
like "$out" 'demo-eval-online +eval +done' "its evaluation is there"
like "$out" 'demo-base +pretrain +done' "the base model's run is there"
unlike "$("$RIC" runs 2>&1)" 'registered' "the demo is registered once"

show=$("$RIC" show demo-online)
like "$show" "policy +$share/demo/policy" "the policy checkpoint points into the data folder"
ok "the policy folder is there" test -f "$share/demo/policy/model.safetensors"
like "$("$RIC" show demo-sentiment)" "reward +$share/demo/reward" "so does the reward model"

if [ -f "$rows" ]; then
	n=$(wc -l < "$rows")
	like "$("$RIC" dataset list)" "demo +$n " "the dataset has the $n rows rebuilt from the packages"
	like "$("$RIC" dataset show demo 2>&1)" 'rm:demo/reward' "the dataset keeps its objectives"
else
	echo "not ok - $rows was not built (fortunes, fortunes-min, wordnet-base missing?)"
fi

front=$("$RIC" front demo-eval-online demo-eval-online-sft-best-of-4 demo-eval-online-soups demo-eval-offline)
like "$front" 'demo-eval-online +ric' "the online front is stored"
like "$front" 'demo-eval-online-sft-best-of-4 +sft-best-of-n:4' "best-of-4 over the SFT model is stored beside it"
like "$front" 'demo-eval-online-soups +soups' "so are Rewarded Soups"
like "$front" 'demo-eval-offline +ric' "so is the offline one"

# The image demo (issue 20) beside it.
like "$out" 'demo-image-online +online +done' "the image demo's online run is there too"
like "$("$RIC" show demo-image-online)" "policy +$share/demo/image/policy" \
	"its policy checkpoint points into the data folder"
like "$("$RIC" front demo-image-eval-online demo-image-eval-offline)" \
	'demo-image-eval-offline +ric' "its fronts are stored"

ok "a store named on purpose stays empty" test -z "$("$RIC" --store "$TEST_TMP/own.db" runs 2>&1 | sed 1d)"

# Rows that differ from the shipped digest: the dataset goes, the runs stay.
mkdir -p "$TEST_TMP/share/demo"
cp "$share/demo/demo.db" "$TEST_TMP/share/demo/"
ln -s "$share/lexicons" "$TEST_TMP/share/lexicons"
echo '{"prompt": "x", "response": "y"}' > "$TEST_TMP/share/demo/rows.jsonl"
list=$(XDG_DATA_HOME="$TEST_TMP/other" RIC_DATADIR="$TEST_TMP/share" "$RIC" dataset list 2>"$TEST_TMP/err")
like "$(cat "$TEST_TMP/err")" "dataset is left out: .*rows.jsonl differs" "other rows leave the dataset out, saying why"
unlike "$list" ' demo ' "no dataset without its text"
like "$(XDG_DATA_HOME="$TEST_TMP/other" "$RIC" runs 2>&1)" 'demo-online' "the runs stay"

cd "$TEST_TMP" || exit 1
out=$("$RIC" generate --model "$share/demo/policy" --prompt "Define river (noun):" --pref 0,0,1 \
	--max-tokens 24 --seed 1 2>&1)
like "$out" 'positivity -?[0-9.]+ \(z' "the policy scores with rm:demo/reward from any folder"
done_testing
