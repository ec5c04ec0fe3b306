#!/bin/sh
# ric-tui's data views (issue 18), in a real terminal (tmux) over a store
# with an online run evaluated after every iteration (ric online
# --eval-each): the response view draws the curves ric eval stored with
# their verdict; Front and Steer step through the online iterations; Runs
# shows the lineage as a tree and charts a metric with axes, the marked
# runs overlaid, each with its own glyph (no colours here: NO_COLOR).
. "$top_srcdir/tests/lib.sh"

tmux_setup 30
chat="$top_srcdir/tests/fixtures/gpt2/chat"
cd "$TEST_TMP" || exit 1
split_rows
S="$TEST_TMP/s.db"
{ "$RIC" --store "$S" dataset import rows.jsonl --name toy &&
  "$RIC" --store "$S" relabel --dataset toy --objective length=length --objective brevity=brevity:4 &&
  "$RIC" --store "$S" sft --base "$chat" --dataset toy --steps 6 --batch 4 --out ric --name ric &&
  "$RIC" --store "$S" online --policy ric --dataset toy --iterations 3 --out on --prompts 4 --mix 4 \
	--steps 1 --batch 4 --max-tokens 4 --name on --eval-each --eval-prompts 2 --eval-step 0.5; } \
	>setup.log 2>&1
_tap_result $? "an online run with an eval after each of its 3 iterations" "$(tail -5 setup.log)"

metric() { "$RIC" --store "$S" metrics "$1" "$2" | awk -v k="$3" '$1 == k { print $2 }'; }

export LANG=C.UTF-8 LC_ALL=C.UTF-8 NO_COLOR=1
t -u -f /dev/null new-session -d -s ric -x 160 -y 40 "sh"
t set-option -t ric remain-on-exit on
t send-keys -t ric "'$RIC_TUI' --store '$S' ric; echo EXIT=\$?" Enter
wait_for '#4 ✓'
_tap_result $? "ric-tui steers the SFT model" "$(pane)"

# --- the response view: the curves ric eval stored ---------------------------------
t send-keys -t ric 2
wait_for 'online iteration 3 of 3'
_tap_result $? "Front shows the newest iteration's eval and says which iteration" "$(pane)"
wait_for 'on-eval-3 HV'
unlike "$(pane)" 'on-eval-[12] HV' "and that iteration's eval alone, not every iteration's at once"
t send-keys -t ric R
wait_for 'Response: length obtained'
_tap_result $? "R shows the response view" "$(pane)"
rise=$(metric on-eval-3 weight_rise/length 0)
rise_se=$(metric on-eval-3 weight_rise_se/length 0)
if [ "$(metric on-eval-3 weight_follows/length 0)" = 1 ]; then v=follows; else v="doesn't follow"; fi
want=$(printf '%s: rise %.3g±%.2g' "$v" "$rise" "$rise_se")
wait_for "$want"
_tap_result $? "the legend has on-eval-3's stored curve of length with its verdict ($want)" "$(pane)"
t send-keys -t ric x
wait_for 'Response: brevity obtained'
rise=$(metric on-eval-3 weight_rise/brevity 0)
rise_se=$(metric on-eval-3 weight_rise_se/brevity 0)
if [ "$(metric on-eval-3 weight_follows/brevity 0)" = 1 ]; then v=follows; else v="doesn't follow"; fi
want=$(printf '%s: rise %.3g±%.2g' "$v" "$rise" "$rise_se")
wait_for "$want"
_tap_result $? "x: brevity's curve and verdict ($want)" "$(pane)"
# In raw units the curve is mu + sigma z: its rise is sigma times the z one.
sigma=$("$RIC" --store "$S" show on-eval-3 | sed -n 's/.*objective2 .*sigma=\([^ ]*\).*/\1/p')
want=$(awk -v r="$rise" -v e="$rise_se" -v s="$sigma" 'BEGIN { printf "rise %.3g±%.2g", r * s, e * s }')
t send-keys -t ric u
wait_for ": $want"
_tap_result $? "u: the curve in raw units ($want)" "$(pane)"
t send-keys -t ric u x R

# --- Front steps through the iterations ---------------------------------------------
t send-keys -t ric '<'
wait_for 'online iteration 2 of 3'
_tap_result $? "< shows iteration 2's front" "$(pane)"
like "$(pane)" 'on-eval-2' "its eval run is in the legend"
t send-keys -t ric '<'
wait_for 'online iteration 1 of 3'
_tap_result $? "< again: iteration 1" "$(pane)"
t send-keys -t ric '<'
wait_for 'iteration 1 is the first of 3 with an eval'
_tap_result $? "and it says when there is no earlier one" "$(pane)"
t send-keys -t ric '>'
wait_for 'online iteration 2 of 3'
_tap_result $? "> goes forward again" "$(pane)"

# --- Steer steps through the iterations' checkpoints --------------------------------
# The SFT model is loaded: > goes to the first iteration, then on.
t send-keys -t ric 1
t send-keys -t ric '>'
wait_for 'Preference  \[online iteration 1 of 3\]'
_tap_result $? "> on Steer loads the first iteration's checkpoint and says which" "$(pane)"
like "$(pane | head -n 1)" 'on/checkpoint-1$' "the header names the checkpoint"
t send-keys -t ric '>'
wait_for 'Preference  \[online iteration 2 of 3\]'
_tap_result $? "> again: the second" "$(pane)"
like "$(pane | head -n 1)" 'on/checkpoint-2$' "the header follows"
wait_for '#4 ✓'
_tap_result $? "and it generates with it" "$(pane)"
t send-keys -t ric '<'
wait_for 'Preference  \[online iteration 1 of 3\]'
_tap_result $? "< steers the previous one" "$(pane)"
t send-keys -t ric R
wait_for 'Response: length obtained'
_tap_result $? "R on Steer opens the response view" "$(pane)"

# --- against the desired score: an eval's --desired-grid curves ----------------------
"$RIC" --store "$S" eval --model ric --dataset toy --prompts 2 --step 0.5 --max-tokens 4 \
	--desired-grid --desired-levels 3 --name dg >dg.log 2>&1
_tap_result $? "an eval with --desired-grid" "$(tail -3 dg.log)"
t send-keys -t ric ':front dg' Enter
wait_for 'front of 1 run'
t send-keys -t ric D
wait_for 'Response: length obtained \(z\) ↑  vs  its desired score \(z\)'
_tap_result $? "D: the response against the desired score" "$(pane)"
rise=$(metric dg-desired-grid desired_rise/length 0)
rise_se=$(metric dg-desired-grid desired_rise_se/length 0)
if [ "$(metric dg-desired-grid desired_follows/length 0)" = 1 ]; then v=follows; else v="doesn't follow"; fi
want=$(printf '%s: rise %.3g±%.2g' "$v" "$rise" "$rise_se")
wait_for "$want"
_tap_result $? "the legend has the --desired-grid curve of length with its verdict ($want)" "$(pane)"
like "$(pane)" 'D vs weight' "the hints offer the way back"

# --- Runs: lineage tree, metric chart, overlays ---------------------------------------
t send-keys -t ric 3
wait_for 'Runs \(9\)'
t send-keys -t ric g j j j j j
wait_for 'run 4 on +online done'
_tap_result $? "the online run is selected" "$(pane)"
t send-keys -t ric J J J
wait_for '├─ 4 on \(online\)  ← this run'
_tap_result $? "its details end with the lineage as a tree, this run marked" "$(pane)"
# (At 160 columns the details stand right of the table, after its rule.)
tree=$(pane)
like "$tree" '│  1 import-1 \(import\)' "the root is the import"
like "$tree" '│  └─ 3 ric \(sft\)' "then the SFT run"
like "$tree" '│     │  ├─ 5 on-eval-1 \(eval\)' "then the online run's evals, a rule down beside them"
like "$tree" '│     │  └─ 7 on-eval-3 \(eval\)' "the last one closing their branch"
like "$tree" '│     └─ 8 dg \(eval\)' "the SFT run's own eval after the online run"
like "$tree" '│        └─ 9 dg-desired-grid \(eval\)' "and its --desired-grid child"
t send-keys -t ric v
wait_for 'loss vs step: 1 run'
_tap_result $? "v charts the run's loss" "$(pane)"
loss=$(metric on loss 3)
like "$(pane)" "★ 4 on $(printf '%.4g' "$loss")" "its legend: the run's glyph, name and last loss"
# Axes: tick labels on the left of the rule, steps under it.
like "$(pane)" '│ +[0-9][0-9.]* │' "the y axis has tick labels"
like "$(pane)" '│ +1 .* 2 .* 3$' "the x axis shows the steps 1..3"
t send-keys -t ric j Space k k
wait_for 'loss vs step: 2 runs'
_tap_result $? "marking the SFT run overlays its loss" "$(pane)"
loss3=$(metric ric loss 6)
like "$(pane)" "★ 4 on $(printf '%.4g' "$loss") +◆ 3 ric $(printf '%.4g' "$loss3")" \
	"the legend has both runs, each with its own glyph"
plot=$(pane | sed -n '/loss vs step/,/★ 4 on/p')
like "$plot" '◆' "the SFT run's points carry its glyph"
like "$plot" '★' "and the online run's theirs"
t send-keys -t ric m
wait_for 'lr vs step: 2 runs'
_tap_result $? "m charts the next metric" "$(pane)"
t send-keys -t ric v
wait_for '│lineage'
_tap_result $? "v again: the details" "$(pane)"

t send-keys -t ric q
wait_for 'EXIT=0'
_tap_result $? "q quits" "$(pane)"
done_testing
