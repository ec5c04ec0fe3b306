#!/bin/sh
# ric rm asks before deleting when it runs on a terminal (tmux).
. "$top_srcdir/tests/lib.sh"

tmux_setup

DB="$TEST_TMP/s.db"
"$top_builddir/tests/store_fill" "$DB" || exit 1

t -f /dev/null new-session -d -s ric -x 100 -y 24 "sh"
t send-keys -t ric "'$RIC' --store '$DB' rm sft-demo; echo EXIT=\$?" Enter
wait_for 'Delete run 2 \(sft-demo, sft, done\).*\[y/N\]'
_tap_result $? "rm asks on a terminal, naming the run"
t send-keys -t ric n Enter
wait_for 'EXIT=1'
_tap_result $? "answering n keeps it (exit 1)"
out=$("$RIC" --store "$DB" runs)
like "$out" 'sft-demo' "the run is still there"
t send-keys -t ric clear Enter
t send-keys -t ric "'$RIC' --store '$DB' rm sft-demo; echo EXIT=\$?" Enter
wait_for '\[y/N\]'
t send-keys -t ric y Enter
wait_for 'EXIT=0'
_tap_result $? "answering y deletes it (exit 0)"
out=$("$RIC" --store "$DB" runs)
unlike "$out" 'sft-demo' "the run is gone"

done_testing
