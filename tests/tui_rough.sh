#!/bin/sh
# ric-tui's rough edges a first-day user hit (issue 18), in a real terminal
# (tmux): ricrc problems show in the status line even when a checkpoint
# loads, and the filter line's prompt word cannot be edited away.
. "$top_srcdir/tests/lib.sh"

tmux_setup 30
tui_toy_store
mkdir -p "$XDG_CONFIG_HOME/ric"
printf 'set samples 2\nset colour red\n' >"$XDG_CONFIG_HOME/ric/ricrc"


export LANG=C.UTF-8 LC_ALL=C.UTF-8
t -u -f /dev/null new-session -d -s ric -x 100 -y 30 "sh"
t set-option -t ric remain-on-exit on
t send-keys -t ric "'$RIC_TUI' --store '$S' '$TEST_TMP/ck' 2>'$TEST_TMP/err'; echo EXIT=\$?" Enter
wait_for '#2 ✓'
_tap_result $? "the checkpoint loads and generates" "$(pane)"
# Bug 8: the load's own message does not hide the ricrc problem.
like "$(status_line)" 'problem in ricrc.*ricrc:2' "a ricrc problem shows in the status line with a checkpoint loaded"

# Bug 9: the filter line's prompt word is not part of what is edited.
t send-keys -t ric 3
wait_for 'Runs \('
t send-keys -t ric '\'
wait_for '^filter:'
_tap_result $? "\\ opens the filter line with its word in the prompt" "$(pane)"
t send-keys -t ric C-u 'import-1' Enter
wait_for '1 of 2 runs match import-1'
_tap_result $? "C-u then a filter filters (it is not run as a command)" "$(pane)"
unlike "$(pane)" 'unknown command' "no 'unknown command'"
t send-keys -t ric '\'
wait_for '^filter:'
t send-keys -t ric Enter
wait_for '2 of 2 runs'
_tap_result $? "an empty filter shows every run again" "$(pane)"
t send-keys -t ric '/'
wait_for '^search:'
t send-keys -t ric C-u 'import-2' Enter
sleep 0.5
unlike "$(pane)" 'unknown command' "the search line searches"

# Incremental: the filter applies while it is typed; Esc brings back the table.
t send-keys -t ric '\'
wait_for '^filter:'
t send-keys -t ric '2'
wait_for 'Runs \(1\)  filter: 2'
_tap_result $? "the filter applies as it is typed" "$(pane)"
t send-keys -t ric Escape
wait_for 'Runs \(2\)'
_tap_result $? "Esc on the filter line brings every run back" "$(pane)"
# Search as typed, then n / N jump between the matches.
t send-keys -t ric '/'
wait_for '^search:'
t send-keys -t ric 'import-1'
wait_for 'run 1 import-1'
_tap_result $? "the search jumps to its match as it is typed" "$(pane)"
t send-keys -t ric C-u 'import' Enter
wait_for "matches 'import'"
_tap_result $? "Enter keeps the match the search stands on" "$(pane)"
sel() { pane | grep -Eo 'run [12] import-[12]' | head -n 1; }
first=$(sel)
other="run 2 import-2"
[ "$first" = "$other" ] && other="run 1 import-1"
t send-keys -t ric n
wait_for "$other"
_tap_result $? "n jumps to the next match" "$(pane)"
t send-keys -t ric N
wait_for "$first"
_tap_result $? "N jumps back to the previous one" "$(pane)"

# A completion list wider than the hint row says there is more.
t resize-window -t ric -x 50 -y 30 2>/dev/null || t resize-pane -t ric -x 50 -y 30
t send-keys -t ric ':' Tab Tab
wait_for '▼ more'
_tap_result $? "a completion list longer than its row is marked 'more'" "$(pane)"
t send-keys -t ric Escape
# A q sent while ncurses still waits out ESCDELAY would read as Alt-q: wait
# until the Escape has closed the list.
i=0
while [ $i -lt "$_tmux_polls" ] && t capture-pane -p -t ric | grep -q '▼ more'; do
	sleep 0.1; i=$((i + 1))
done
t resize-window -t ric -x 100 -y 30 2>/dev/null || t resize-pane -t ric -x 100 -y 30
sleep 0.2

t send-keys -t ric q
wait_for 'EXIT=0'
_tap_result $? "q quits" "$(pane)"
like "$(cat "$TEST_TMP/err")" 'ricrc:2' "the full list of ricrc problems is printed at the exit"
done_testing
