#!/bin/sh
# ric-tui in a real terminal (tmux, fixed size: send-keys and capture-pane)
# with a small RiC checkpoint and a store made here: it opens on the Steer
# screen, a slider move changes the generations, the Front screen shows an
# eval run and selects its points, a job starts from the `:` line and is
# cancelled, the screen survives resizes (and says when it is too small),
# and q leaves the terminal as it found it.
. "$top_srcdir/tests/lib.sh"

tmux_setup 30
CKPT_TOOL="$top_builddir/tests/tui_ckpt"
[ -x "$CKPT_TOOL" ] || skip_all "tests/tui_ckpt is not built (configure found no Check)"

cd "$TEST_TMP" || exit 1
"$CKPT_TOOL" ck 256 1 || exit 1
# A checkpoint without EOS and a long window: its job generates long enough to be cancelled.
"$CKPT_TOOL" slow 1024 0 || exit 1
awk 'BEGIN { split("W V X Y Q K J Z", p, " ")
	for (i = 0; i < 48; i++) printf "{\"prompt\": \"%s\", \"response\": \"ab cd\"}\n", p[1 + i % 8] }' >rows.jsonl
S="$TEST_TMP/s.db"
"$RIC" --store "$S" dataset import rows.jsonl --name toy --eval-fraction 0.5 >/dev/null 2>&1 || exit 1
"$RIC" --store "$S" relabel --dataset toy --objective length=length --objective brevity=brevity:4 \
	>/dev/null 2>&1 || exit 1
ok "ric eval makes an eval run for the Front screen" "$RIC" --store "$S" eval --model ck \
	--dataset toy --prompts 2 --step 0.5 --max-tokens 8 --name front-run

# click X Y: a left click at column X, row Y (0-based), as an xterm (X10) mouse report.
click() {
	local x y
	x=$(printf %x $(($1 + 33))); y=$(printf %x $(($2 + 33)))
	t send-keys -t ric -H 1b 5b 4d 20 "$x" "$y" 1b 5b 4d 23 "$x" "$y"
}
# The sample area: everything below the prompt line.
samples() { pane | sed -n '/^Prompt:/,$p' | head -n 12; }

# UTF-8 first (braille, blocks); the last part runs in the C locale on a vt100.
export LANG=C.UTF-8 LC_ALL=C.UTF-8
t -u -f /dev/null new-session -d -s ric -x 100 -y 30 "sh"
t set-option -t ric remain-on-exit on
t send-keys -t ric "stty -g > '$TEST_TMP/stty.before'; '$RIC_TUI' --store '$S' '$TEST_TMP/ck'; echo EXIT=\$?; stty -g > '$TEST_TMP/stty.after'" Enter
wait_for 'Preference'
_tap_result $? "ric-tui opens on the Steer screen" "$(pane)"
wait_for '^>?length .* 0\.50'
_tap_result $? "one slider per objective, on the simplex" "$(pane)"
wait_for '#4 ✓'
_tap_result $? "four samples stream in and are scored" "$(pane)"
before=$(samples)

t send-keys -t ric Right
wait_for 'length .* 0\.55'
_tap_result $? "Right raises the focused weight" "$(pane)"
wait_for 'brevity .* 0\.45'
_tap_result $? "the other weight gives way" "$(pane)"
changed=1
i=0
while [ $i -lt 100 ]; do
	pane | grep -q '#4 ✓' && [ "$(samples)" != "$before" ] && { changed=0; break; }
	sleep 0.1; i=$((i + 1))
done
_tap_result $changed "the generations change with the slider" "before: $before
after: $(samples)"

t send-keys -t ric ':set temperature 0' Enter
wait_for 'temp 0\.00'
_tap_result $? ":set temperature changes the generation settings" "$(pane)"
t send-keys -t ric ':set colour red' Enter
wait_for "no setting 'colour'"
_tap_result $? "a bad command says what is wrong in the status line" "$(pane)"

# The length slider is on row 2; a click at column 20 puts its weight near 0.15.
click 20 2
wait_for '^>?length .* 0\.1[0-9] '
_tap_result $? "a click on a slider sets its weight" "$(pane)"
wait_for '^ ?brevity .* 0\.8[0-9] '
_tap_result $? "and the other weight gives way" "$(pane)"

t send-keys -t ric 2
wait_for 'front-run'
_tap_result $? "the Front screen shows the eval run with its legend" "$(pane)"
t send-keys -t ric Tab
wait_for 'point 2 of 3'
_tap_result $? "Tab selects the next point and shows it" "$(pane)"
wait_for 'prompt: [A-Z]'
_tap_result $? "the point's sample text and prompt are shown" "$(pane)"

click 27 0
wait_for 'front-run +eval +done'
_tap_result $? "a click on the Runs tab lists the store's runs" "$(pane)"

t send-keys -t ric ":job eval --model '$TEST_TMP/slow' --dataset toy --prompts 8 --step 0.05 --max-tokens 900 --name slow-eval" Enter
wait_for ' eval +running'
_tap_result $? "a job started from the : line runs in the background" "$(pane)"
# The Front screen follows the running evaluation: its points arrive one by one.
t send-keys -t ric 2
wait_for 'slow-eval \(running\)'
_tap_result $? "the running eval appears on the Front screen" "$(pane)"
live=1
i=0
while [ $i -lt 100 ]; do
	t send-keys -t ric s
	sleep 0.2
	pane | grep -Eq 'slow-eval, point [0-9]+ of [0-9]+' && { live=0; break; }
	i=$((i + 1))
done
_tap_result $live "its first points show while it still runs" "$(pane)"
t send-keys -t ric 4
wait_for ' eval +running'
t send-keys -t ric x
wait_for 'Cancel job 1'
_tap_result $? "cancelling a job asks first" "$(pane)"
t send-keys -t ric y
wait_for ' eval +cancelled'
_tap_result $? "the job is cancelled" "$(pane)
$("$RIC" --store "$S" job list 2>&1)"
t send-keys -t ric r
wait_for 'job 1 resumed'
_tap_result $? "r resumes it" "$(pane)"
wait_for ' eval +running'
_tap_result $? "and it runs again" "$(pane)"
t send-keys -t ric x
wait_for 'Cancel job 1'
t send-keys -t ric y
wait_for ' eval +cancelled'
_tap_result $? "cancelled again" "$(pane)"
# Issue 18, bug 7: the resumed run keeps the name, which names it alone, and
# says which run it continues.
shown=$("$RIC" --store "$S" show slow-eval 2>&1)
like "$shown" 'resumes +[0-9]+' "ric show NAME shows the resumed eval run and the run it continues"
# Front shows the resumed run alone, not also the partial run it continues.
t send-keys -t ric 2
wait_for 'slow-eval'
sleep 0.3
is "$(pane | grep -c '│. slow-eval')" 1 "Front's legend has the resumed eval once"

t resize-window -t ric -x 60 -y 20 2>/dev/null || t resize-pane -t ric -x 60 -y 20
t send-keys -t ric 1
wait_for 'Preference'
_tap_result $? "it redraws after a resize" "$(pane)"
t resize-window -t ric -x 30 -y 8 2>/dev/null || t resize-pane -t ric -x 30 -y 8
wait_for 'too small'
_tap_result $? "below the minimum size it says the terminal is too small" "$(pane)"
t resize-window -t ric -x 100 -y 30 2>/dev/null || t resize-pane -t ric -x 100 -y 30
wait_for 'Preference'
_tap_result $? "and comes back when it grows again" "$(pane)"

t send-keys -t ric e
wait_for '^prompt> '
_tap_result $? "e edits the prompt (readline, in the prompt line)" "$(pane)"
t send-keys -t ric C-u 'Hello world' Enter
wait_for '^Prompt: Hello world'
_tap_result $? "the edited prompt is used" "$(pane)"
t send-keys -t ric c
wait_for 'A \(editing\).*B '
_tap_result $? "c compares two preferences A | B side by side" "$(pane)"
wait_for '#1 ✓.*#1 ✓'
_tap_result $? "both sides generate" "$(pane)"
t send-keys -t ric s
wait_for 'saved sample 1 \(A\)'
_tap_result $? "s saves the selected sample into the store" "$(pane)"
t send-keys -t ric '?'
wait_for 'Show the keys of every screen'
_tap_result $? "? shows the help made from the action table" "$(pane)"
t send-keys -t ric '?'
wait_for 'A \(editing\)'
_tap_result $? "? again closes it" "$(pane)"

t send-keys -t ric q
wait_for 'EXIT=0'
_tap_result $? "q quits with status 0" "$(pane)"
sleep 0.3
cmp -s "$TEST_TMP/stty.before" "$TEST_TMP/stty.after"
_tap_result $? "the terminal modes are restored" "$(diff "$TEST_TMP/stty.before" "$TEST_TMP/stty.after" 2>&1)"
grep -q 'set temperature 0' "$XDG_STATE_HOME/ric/history"
_tap_result $? "the command history is kept under XDG_STATE_HOME" "$(cat "$XDG_STATE_HOME/ric/history" 2>&1)"
like "$("$RIC" --store "$S" job list)" 'cancelled' "the job stays in the store after ric-tui exits"
like "$("$RIC" --store "$S" runs --stage generate)" 'generate' "the saved sample's run is in the store"

# ricrc: settings and bindings apply; a bad line is reported, the rest still applies.
mkdir -p "$XDG_CONFIG_HOME/ric"
printf 'set samples 2\nbind z screen-runs\nset colour red\n' >"$XDG_CONFIG_HOME/ric/ricrc"
# Without a checkpoint (and no demo installed) it says how to load one.
t send-keys -t ric "clear; LC_ALL=C TERM=vt100 RIC_DATADIR='$TEST_TMP/nodata' '$RIC_TUI' --store '$S'; echo EXIT2=\$?" Enter
wait_for 'problem in ricrc.*ricrc:3'
_tap_result $? "a bad ricrc line is reported with its file and line" "$(pane)"
t send-keys -t ric r
wait_for ':load PATH'
_tap_result $? "without a checkpoint the status line says :load PATH" "$(pane)"
t send-keys -t ric ":load $TEST_TMP/ck" Enter
wait_for '#2 ok'
_tap_result $? ":load opens a checkpoint and generates" "$(pane)"
like "$(pane)" '^>?length +#+[-+]+ 0\.50' "in the C locale on a vt100 the sliders are ASCII"
unlike "$(pane)" '#3' "ricrc's set samples 2 applies"
t send-keys -t ric z
wait_for 'Runs \('
_tap_result $? "ricrc's bind z screen-runs applies" "$(pane)"
t send-keys -t ric C-c
wait_for 'EXIT2=130'
_tap_result $? "Ctrl-C (SIGINT) quits cleanly with status 130" "$(pane)"

done_testing
