#!/bin/sh
# ric eval --mapping lp:P: the paper's p-sensitivity study on the tiny RiC
# fixture (tests/cli_eval.sh has the model): one front per P, each run with
# its mapping, the targets each P asks for stored with every sample.
. "$top_srcdir/tests/lib.sh"
chat="$top_srcdir/tests/fixtures/gpt2/chat"
m="$TEST_TMP/ric"
cp -r "$chat" "$m"
cat > "$m/ric.json" <<'JSON'
{"objectives": [
  {"name": "brevity", "reward": "brevity", "mu": 0.5, "sigma": 0.2, "lo": -2, "hi": 2},
  {"name": "length", "reward": "length", "mu": 5, "sigma": 3, "lo": -1.5, "hi": 2.5}],
 "template": "{prompt} <1> {z1} <2> {z2}{marker}", "marker": "\nA:", "mapping": "linf"}
JSON
db="$TEST_TMP/store.db"
"$top_builddir/tests/eval_fill" "$db" toy 2
run_eval() {
	"$RIC" --store "$db" eval --model "$m" --dataset toy --prompts 1 --max-tokens 2 --step 0.5 "$@" 2>/dev/null
}
# desired scores at the centre [0.5,0.5], lo (-2,-1.5), hi (2,2.5):
#   lp:1   the budget shared by the tied weights: x = 0.5       -> (0, 0.5)
#   lp:2   x = 1/sqrt(2) (l2)                                   -> (0.8, 1.3)
#   lp:4   x = 2^(-1/4) = 0.841                                 -> (1.4, 1.9)
#   lp:inf x = min(1, 2 * 0.5) = 1 (linf)                       -> (2, 2.5)
for p in 1 2 4 inf; do
	out=$(run_eval --mapping "lp:$p" --name "p$p"); rc=$?
	is "$rc" 0 "eval --mapping lp:$p"
	like "$("$RIC" --store "$db" show "p$p")" "mapping +lp:$p" "the run records lp:$p"
done
centre() {
	"$RIC" --store "$db" export "$1" --what samples --format csv | tr -d '\000' |
		grep -a -o '"\[0\.5,0\.5\]","\[[^]]*\]"' | head -1
}
is "$(centre p1)" '"[0.5,0.5]","[0,0.5]"' "lp:1 at the centre: the tied weights share the budget"
is "$(centre p2)" '"[0.5,0.5]","[0.8,1.3]"' "lp:2 at the centre is l2"
is "$(centre p4)" '"[0.5,0.5]","[1.4,1.9]"' "lp:4 at the centre"
is "$(centre pinf)" '"[0.5,0.5]","[2,2.5]"' "lp:inf at the centre is linf"
# one-hot preferences: (hi, lo) for every P
for p in 1 4 inf; do
	n=$("$RIC" --store "$db" export "p$p" --what samples --format csv | tr -d '\000' |
		grep -a -c '"\[1,0\]","\[2,-1\.5\]"')
	is "$n" 1 "lp:$p sends [1,0] to (hi, lo)"
done
# l2 itself gives what lp:2 gives
run_eval --mapping l2 --name l2 >/dev/null
is "$(centre l2)" "$(centre p2)" "l2 and lp:2 ask the same targets"

for bad in lp:0.5 lp: lp:x lp:nan p:2; do
	fails 1 "--mapping $bad is refused" "$RIC" --store "$db" eval --model "$m" --dataset toy --mapping "$bad"
done
err=$("$RIC" --store "$db" eval --model "$m" --dataset toy --mapping lp:0.5 2>&1)
like "$err" "P must be >= 1" "and says why"
out=$("$RIC" generate --model "$m" --prompt Hi --pref 0.5,0.5 --mapping lp:4 --max-tokens 2)
like "$out" 'mapping lp:4' "generate takes lp:P too"
like "$out" 'targets: brevity 1\.4 length 1\.9' "with the same targets"
done_testing
