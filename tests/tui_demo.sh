#!/bin/sh
# ric-tui on its first start with nothing but the bundled demo: it registers
# the demo in the new default store, opens the demo policy with its three
# objectives, streams scored samples, regenerates when a slider moves, shows
# the demo's evaluation fronts, and quits with the terminal restored.
. "$top_srcdir/tests/lib.sh"
unset RIC_NO_DEMO
tmux_setup 30
samples() { pane | sed -n '/^Prompt:/,$p' | head -n 12; }

export LANG=C.UTF-8 LC_ALL=C.UTF-8
t -u -f /dev/null new-session -d -s ric -x 110 -y 32 "sh"
t set-option -t ric remain-on-exit on
t send-keys -t ric "stty -g > '$TEST_TMP/stty.before'; '$RIC_TUI' 2>'$TEST_TMP/err'; echo EXIT=\$?; stty -g > '$TEST_TMP/stty.after'" Enter
wait_for 'share/demo/policy'
_tap_result $? "with no arguments it opens the demo policy" "$(pane)"
wait_for 'mapping l2'
_tap_result $? "with the policy's mapping" "$(pane)"
for o in informativeness brevity positivity; do
	pane | grep -Eq "^>? ?$o +[^ ]+ 0\.33"
	_tap_result $? "a slider for $o at 0.33" "$(pane)"
done
wait_for 'Prompt: Quote by Mark Twain:'
_tap_result $? "the first of the demo's own prompts" "$(pane)"
wait_for '#4 ✓'
_tap_result $? "four samples stream in and are scored" "$(pane)"
before=$(samples)
t send-keys -t ric L L
wait_for '^>informativeness .* 0\.(6|7)'
_tap_result $? "a large step raises informativeness" "$(pane)"
changed=1
i=0
while [ $i -lt 100 ]; do
	pane | grep -q '#4 ✓' && [ "$(samples)" != "$before" ] && { changed=0; break; }
	sleep 0.1; i=$((i + 1))
done
_tap_result $changed "the samples are generated again" "$(pane)"
t send-keys -t ric 2
wait_for 'demo-eval-online'
_tap_result $? "the Front screen shows the demo's evaluation" "$(pane)"
wait_for 'demo-eval-offline'
_tap_result $? "beside the offline one" "$(pane)"
t send-keys -t ric q
wait_for 'EXIT=0'
_tap_result $? "q quits with status 0" "$(pane)"
sleep 0.3
like "$(cat "$TEST_TMP/err")" 'registered the bundled demo' "the first start registered the demo"
ok "the terminal modes are restored" cmp -s "$TEST_TMP/stty.before" "$TEST_TMP/stty.after"
done_testing
