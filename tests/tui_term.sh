#!/bin/sh
# ric-tui refuses a terminal it cannot draw on (TERM=dumb, an unknown TERM)
# with one message, leaving the terminal as it was, and a --store in a
# missing folder (issue 14).
. "$top_srcdir/tests/lib.sh"

tmux_setup 20
cd "$TEST_TMP" || exit 1
export LANG=C.UTF-8 LC_ALL=C.UTF-8
t -u -f /dev/null new-session -d -s ric -x 100 -y 30 "sh"
t set-option -t ric remain-on-exit on

t send-keys -t ric "stty -g > '$TEST_TMP/stty.before'; TERM=dumb '$RIC_TUI'; echo EXIT=\$?; stty -g > '$TEST_TMP/stty.after'" Enter
wait_for 'EXIT=[0-9]'
_tap_result $? "ric-tui on TERM=dumb ends" "$(pane)"
like "$(pane)" "ric-tui: the terminal type 'dumb' cannot move the cursor \\(TERM\\)" \
	"and says the terminal cannot move the cursor"
like "$(pane)" 'EXIT=1' "with status 1"
ok "the terminal settings are as before" cmp "$TEST_TMP/stty.before" "$TEST_TMP/stty.after"
is "$(pane | grep -c 'ric-tui:')" 1 "one message, nothing drawn"

t send-keys -t ric "clear; TERM=no-such-terminal-xyz '$RIC_TUI'; echo EXIT2=\$?" Enter
wait_for 'EXIT2=[0-9]'
_tap_result $? "ric-tui on an unknown TERM ends" "$(pane)"
like "$(pane)" "the terminal type 'no-such-terminal-xyz' is unknown" "and names it"
like "$(pane)" 'EXIT2=1' "with status 1"

t send-keys -t ric "clear; '$RIC_TUI' --store '$TEST_TMP/no/such/x.db'; echo EXIT3=\$?" Enter
wait_for 'EXIT3=[0-9]'
_tap_result $? "ric-tui with --store in a missing folder ends" "$(pane)"
like "$(pane)" "no/such/x\\.db: cannot create the store: its folder" "it says the folder is missing"
like "$(pane)" 'EXIT3=1' "with status 1"
ok "and made no folder" test ! -e "$TEST_TMP/no"
done_testing
