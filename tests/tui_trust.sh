#!/bin/sh
# ric-tui opening a checkpoint whose ric.json has a cmd: reward: it runs
# nothing until the user has seen the command and said yes (default no).
. "$top_srcdir/tests/lib.sh"

tmux_setup 20
CKPT_TOOL="$top_builddir/tests/tui_ckpt"
[ -x "$CKPT_TOOL" ] || skip_all "tests/tui_ckpt is not built (configure found no Check)"
cd "$TEST_TMP" || exit 1
"$CKPT_TOOL" ck 256 1 || exit 1
# The scorer leaves a mark as it starts (this tiny model's bytes need not be
# UTF-8, which a scorer refuses: starting is what counts here).
printf 'import sys\nopen("ran", "a").close()\nfor line in sys.stdin:\n    print("{\\"reward\\": 1}", flush=True)\n' >scorer.py
sed 's|"brevity:4"|"cmd:python3 scorer.py --from-ric-json"|' ck/ric.json >ck/ric.new &&
	mv ck/ric.new ck/ric.json
grep -q 'scorer.py' ck/ric.json || exit 1

# The question may take several rows: look for it in them joined.
asks() {
	local i=0
	while [ $i -lt 100 ]; do
		pane | tr -d '\n' | grep -Fq -- "$1" && return 0
		sleep 0.1; i=$((i + 1))
	done
	return 1
}
export LANG=C.UTF-8 LC_ALL=C.UTF-8
t -u -f /dev/null new-session -d -s ric -x 60 -y 24 "sh"
t set-option -t ric remain-on-exit on
t send-keys -t ric "'$RIC_TUI' --store '$TEST_TMP/s.db' ck; echo EXIT=\$?" Enter
asks "objective 'brevity' wants to run a program: python3 scorer.py --from-ric-json -- run it? y/n"
_tap_result $? "opening the checkpoint asks before running its command, showing it whole" "$(pane)"
sleep 1
[ ! -e ran ]
_tap_result $? "nothing runs while the question waits"
t send-keys -t ric Enter
sleep 0.5
asks "run it? y/n"
_tap_result $? "Enter is no answer: the question stays" "$(pane)"
t send-keys -t ric Escape
wait_for 'brevity is not scored'
_tap_result $? "Esc says no, and the status line says the objective is not scored" "$(pane)"
wait_for '#1 .*'
sleep 1
[ ! -e ran ]
_tap_result $? "after a no the command never ran"
t send-keys -t ric ":load ck" Enter
asks "wants to run a program: python3 scorer.py --from-ric-json"
_tap_result $? "loading it again asks again" "$(pane)"
t send-keys -t ric y
# The status says so, unless the first generation's scoring already speaks
# (then the scorer refused this model's bytes: it was used).
wait_for "brevity scores with cmd:python3 scorer.py|objective 'brevity': reward 'cmd:python3"
_tap_result $? "y opens the reward for the next generation" "$(pane)"
i=0
while [ $i -lt 50 ] && [ ! -e ran ]; do sleep 0.1; i=$((i + 1)); done
[ -e ran ]
_tap_result $? "and the command runs"
t send-keys -t ric q
wait_for 'EXIT=0'
_tap_result $? "q leaves" "$(pane)"
done_testing
