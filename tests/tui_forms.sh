#!/bin/sh
# ric-tui as htop/tig/lazygit users expect it (issue 18), in a real terminal
# (tmux): the new-job form (fields from the stage's own options, completion,
# checked before anything starts, the :job line for experts), the Runs
# filter's fields and its history kept across sessions, and theme presets.
. "$top_srcdir/tests/lib.sh"

tmux_setup 30
tui_toy_store
mkdir -p "$XDG_CONFIG_HOME/ric"
printf 'set samples 2\ntheme light\n' >"$XDG_CONFIG_HOME/ric/ricrc"

# wait_gone REGEX: until the pane no longer shows it.
wait_gone() {
	i=0
	while [ $i -lt "$_tmux_polls" ] && pane | grep -Eq -- "$1"; do
		sleep 0.1; i=$((i + 1))
	done
}
start() {
	t send-keys -t ric "'$RIC_TUI' --store '$S' '$TEST_TMP/ck' 2>'$TEST_TMP/err'; echo EXIT=\$?" Enter
	wait_for '#2 ✓'
}

export LANG=C.UTF-8 LC_ALL=C.UTF-8
t -u -f /dev/null new-session -d -s ric -x 110 -y 32 "sh"
t set-option -t ric remain-on-exit on
start
_tap_result $? "ric-tui starts with a theme preset in ricrc" "$(pane)"
unlike "$(pane)" 'problem in ricrc' "theme light is a ricrc command"

# ---- compare mode's B from an adapter of A's base --------------------------
t send-keys -t ric ':load b ' "$TEST_TMP/ck" Enter
wait_for 'not a PEFT adapter folder'
_tap_result $? ":load b of a full checkpoint says B must be an adapter of A's base" "$(pane)"

# ---- the new-job form ------------------------------------------------------
t send-keys -t ric 3
wait_for 'Runs \('
t send-keys -t ric 4 n
wait_for 'New job: relabel'
_tap_result $? "n on Jobs opens a form (after an import: relabel)" "$(pane)"
like "$(row 'dataset NAME')" '\*--dataset NAME' "its required --dataset is a field, marked '*'"
like "$(pane)" 's start' "the hint bar shows the form's keys"
# Another stage: the stage row, Tab completes the stage's name.
t send-keys -t ric k Enter
wait_for '^stage: relabel'
t send-keys -t ric C-u 'sf' Tab
wait_for '^stage: sft'
_tap_result $? "Tab completes a stage name" "$(pane)"
t send-keys -t ric Enter
wait_for 'New job: sft'
_tap_result $? "the form follows the stage" "$(pane)"
like "$(pane)" '\*--base DIR' "sft's fields are its required options: --base"
like "$(pane)" '\*--out DIR' "... and --out"
like "$(row 'dataset NAME')" '\*--dataset NAME +\(empty\)' "... and --dataset (or --data), empty"
# Start without them: refused, each error beside its field, nothing started.
t send-keys -t ric s
wait_for 'fields to fix'
_tap_result $? "s on an incomplete form says what to fix" "$(pane)"
like "$(row 'dataset NAME')" 'required' "the missing --dataset says so beside its field"
like "$(pane)" 'sft cannot start without it' "... as do --base and --out"
jobs=$("$RIC" --store "$S" job list 2>&1)
unlike "$jobs" 'sft' "no job was started"
# Fill them in: the folder, a dataset (a wrong one first), --out.
t send-keys -t ric Enter
wait_for '^--base: '
t send-keys -t ric "$TEST_TMP/ck" Enter
wait_for '--base DIR +/'
t send-keys -t ric Enter
wait_for '^--dataset: '
t send-keys -t ric 'nosuch' Enter
wait_for "no dataset 'nosuch'"
_tap_result $? "a dataset the store lacks is refused beside the field" "$(pane)"
t send-keys -t ric Enter
wait_for '^--dataset: nosuch'
t send-keys -t ric C-u 'to' Tab
wait_for '^--dataset: toy'
_tap_result $? "Tab completes the store's datasets" "$(pane)"
t send-keys -t ric Enter
wait_gone "no dataset 'nosuch'"
like "$(row 'dataset NAME')" 'toy' "the dataset is set"
t send-keys -t ric Enter
wait_for '^--out: '
t send-keys -t ric "$TEST_TMP/out" Enter
# One more option, its name completed, its value asked for at once.
t send-keys -t ric +
wait_for '^add option: '
t send-keys -t ric 'ste' Tab
wait_for '^add option: --steps'
_tap_result $? "Tab completes the stage's option names" "$(pane)"
t send-keys -t ric Enter
wait_for '^--steps: '
t send-keys -t ric 3 Enter
wait_for '--steps N +3'
_tap_result $? "the added option shows with its value" "$(pane)"
# The experts' way: the same job on the :job line.
t send-keys -t ric :
wait_for '^:.* --dataset toy --out .*/out --steps 3'
_tap_result $? ": leaves the form for the :job line with its arguments" "$(pane)"
t send-keys -t ric C-a
wait_for '^:job sft --base /'
_tap_result $? "... the whole job, from its stage on" "$(pane)"
t send-keys -t ric Escape
wait_gone '^:job'
# A relabel job from the form: checked, then started.
t send-keys -t ric n
wait_for 'New job: relabel'
t send-keys -t ric Enter
wait_for '^--dataset: '
t send-keys -t ric 'toy' Enter s
wait_for 'job 1 started'
_tap_result $? "a complete form starts its job" "$(pane)"
like "$("$RIC" --store "$S" job list 2>&1)" 'relabel --dataset toy' "ric job list has it"

# ---- the Runs filter: fields, errors, history --------------------------------
t send-keys -t ric 3 '\'
wait_for '^filter:'
t send-keys -t ric 'stage=import name~2'
wait_for 'Runs \(1\)  filter: stage=import name~2'
_tap_result $? "filter fields act as they are typed" "$(pane)"
t send-keys -t ric Enter
wait_for '1 of [0-9]+ runs match'
t send-keys -t ric '\'
wait_for '^filter: *$'
_tap_result $? "the filter line starts empty" "$(pane)"
t send-keys -t ric 'colour=red'
wait_for "no field 'colour'"
_tap_result $? "a field that does not exist says so while typed" "$(pane)"
t send-keys -t ric Escape
wait_for 'Runs \(1\)  filter: stage=import name~2'
_tap_result $? "Esc brings the filter from before back" "$(pane)"
t send-keys -t ric q
wait_for 'EXIT=0'
_tap_result $? "q quits" "$(pane)"
ok "the filter history is kept in the state folder" grep -qx 'stage=import name~2' "$XDG_STATE_HOME/ric/filter_history"
t send-keys -t ric clear Enter
start
t send-keys -t ric 3 '\'
wait_for '^filter:'
t send-keys -t ric Up
wait_for '^filter: stage=import name~2'
_tap_result $? "Up recalls the last session's filter" "$(pane)"
wait_for 'Runs \(1\)'
_tap_result $? "... and applies it" "$(pane)"
t send-keys -t ric Escape
wait_for 'Runs \([2-9]\)'
t send-keys -t ric q
wait_for 'EXIT=0'
# The job started from the form ends before its store goes away.
for i in $(seq 1 50); do
	"$RIC" --store "$S" job list 2>&1 | grep -q running || break
	sleep 0.2
done
done_testing
