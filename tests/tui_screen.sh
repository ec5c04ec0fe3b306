#!/bin/sh
# ric-tui in a real terminal (tmux): it opens, redraws on resize, quits on q and
# leaves the terminal as it found it.
. "$top_srcdir/tests/lib.sh"

tmux_setup

t -f /dev/null new-session -d -s ric -x 80 -y 24 "sh"
t set-option -t ric remain-on-exit on
t send-keys -t ric "stty -g > '$TEST_TMP/stty.before'; '$RIC_TUI' --store '$TEST_TMP/s.db'; echo EXIT=\$?; stty -g > '$TEST_TMP/stty.after'" Enter
wait_for 'Press q to quit'
_tap_result $? "ric-tui opens its screen"
wait_for "store: $TEST_TMP/s.db"
_tap_result $? "it shows the store in use"
t resize-window -t ric -x 60 -y 20 2>/dev/null || t resize-pane -t ric -x 60 -y 20
sleep 0.3
wait_for 'Press q to quit'
_tap_result $? "it redraws after a resize"
t send-keys -t ric q
wait_for 'EXIT=0'
_tap_result $? "q quits with status 0"
sleep 0.3
cmp -s "$TEST_TMP/stty.before" "$TEST_TMP/stty.after"
_tap_result $? "the terminal modes are restored" "$(diff "$TEST_TMP/stty.before" "$TEST_TMP/stty.after" 2>&1)"

done_testing
