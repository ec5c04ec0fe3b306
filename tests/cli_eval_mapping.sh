#!/bin/sh
# ric eval --mapping lp:P: the paper's p-sensitivity study on the tiny RiC
# fixture (tests/cli_eval.sh has the model): one front per P, each run with
# its mapping, the targets each P asks for stored with every sample.
. "$top_srcdir/tests/lib.sh"
m="$TEST_TMP/ric"
tiny_ric "$m"
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

# --- every front says how its targets were set ---------------------------------
ok "eval --help exits 0" "$RIC" eval --help
like "$("$RIC" eval --help 2>&1)" '^usage: ric eval' "and prints the usage, nothing else"
unlike "$("$RIC" eval --help 2>&1)" 'ric: ' "without running an eval"
out=$(run_eval --mapping lp:4 --name how)
like "$out" '^ric: run [0-9]+, .*; mapping lp:4, range data, normalised units$' \
	"the summary names mapping, range and units"
fr=$("$RIC" --store "$db" front p1 p2 p4 pinf)
for p in 1 2 4 inf; do
	like "$fr" " p$p .* lp:$p +data +normalised" "ric front shows the mapping, range and units of p$p"
done

# --- --preset paper: l2 over the standard-normal range, raw units, 128 tokens ---
out=$(run_eval --preset paper --max-tokens 2 --name paper); rc=$?
is "$rc" 0 "eval --preset paper"
like "$out" '; mapping l2, range normal, raw units$' "paper: l2, normal range, raw units"
show=$("$RIC" --store "$db" show paper)
like "$show" 'preset +paper' "the run records its preset"
like "$show" 'range +normal' "and its range"
like "$show" 'range_hi +\[4\.19[0-9]*,4\.19' "with its bounds"
like "$show" 'units +raw' "and its units"
like "$show" 'max_tokens +2' "an option given with the preset overrides it"
# l2 at [1,0] over +-4.19: (4.2, -4.2); the reference is lo in raw units:
# mu + sigma lo = (0.5 + 0.2 * -2, 5 + 3 * -1.5) = (0.1, 0.5)
n=$("$RIC" --store "$db" export paper --what samples --format csv | tr -d '\000' |
	grep -a -c '"\[1,0\]","\[4\.2,-4\.2\]"')
is "$n" 1 "paper targets span the standard-normal range"
like "$out" 'reference \[0\.(1|09999[0-9]*),0\.5\]' "the reference point is lo in raw units"
# the stored hypervolume is the raw means' one above that reference
"$RIC" --store "$db" front paper -o "$TEST_TMP/paper.csv" >/dev/null
hv=$(printf '%s\n' "$out" | sed -n 's/^ric: run [0-9]*, .*hypervolume \([0-9.]*\) .*/\1/p')
want=$(awk -F, 'NR > 1 && $5 == 1 { print $8, $9 }' "$TEST_TMP/paper.csv" | sort -g -r -k1 |
	awk 'BEGIN { y0 = 0.5 } { if ($2 > y0) { hv += ($1 - 0.1) * ($2 - y0); y0 = $2 } }
	     END { printf "%.4f", hv }')
is "$hv" "$want" "raw units: the hypervolume of the raw means"
fr=$("$RIC" --store "$db" front paper)
like "$fr" ' paper .* l2 +normal +raw' "ric front shows the paper front's mapping, range and units"
fr=$("$RIC" --store "$db" front paper p2)
like "$fr" 'not comparable: run [0-9]+ is in raw units, run [0-9]+ in normalised' \
	"raw and normalised hypervolumes are not compared"
like "$("$RIC" --store "$db" front paper p2 --raw)" 'recomputed in raw units' "--raw compares them"
out=$("$RIC" --store "$db" eval --model "$m" --dataset toy --prompts 1 --step 1 --preset paper \
	--name paper128 2>/dev/null); rc=$?
is "$rc" 0 "the paper preset alone"
like "$("$RIC" --store "$db" show paper128)" 'max_tokens +128' "generates 128 new tokens"
out=$(run_eval --preset paper --mapping linf --units normalised --range data --name paper-linf)
like "$out" '; mapping linf, range data, normalised units$' "every preset choice can be overridden"
fails 2 "an unknown preset is refused" "$RIC" --store "$db" eval --model "$m" --dataset toy --preset fast
fails 2 "an unknown range is refused" "$RIC" --store "$db" eval --model "$m" --dataset toy --range wide
fails 2 "unknown units are refused" "$RIC" --store "$db" eval --model "$m" --dataset toy --units z
done_testing
