#!/bin/sh
# ric-tui steering a Llama-family RiC checkpoint in a real terminal (tmux):
# it opens on the Steer screen, four samples stream in and are scored, and a
# slider move changes the generations. The GPT-2 screen tests are in
# tests/tui_screen.sh; this is the same Steer screen on the other family.
. "$top_srcdir/tests/lib.sh"

tmux_setup 30
CKPT_TOOL="$top_builddir/tests/tui_ckpt"
[ -x "$CKPT_TOOL" ] || skip_all "tests/tui_ckpt is not built (configure found no Check)"

cd "$TEST_TMP" || exit 1
"$CKPT_TOOL" ck 256 1 llama || exit 1
like "$(cat ck/config.json)" '"LlamaForCausalLM"' "the checkpoint is a Llama"
S="$TEST_TMP/s.db"
awk 'BEGIN { for (i = 0; i < 8; i++) printf "{\"prompt\": \"P%d\", \"response\": \"ab cd\"}\n", i }' >rows.jsonl
"$RIC" --store "$S" dataset import rows.jsonl --name toy --eval-fraction 0.5 >/dev/null 2>&1 || exit 1

samples() { pane | sed -n '/^Prompt:/,$p' | head -n 12; }

export LANG=C.UTF-8 LC_ALL=C.UTF-8
t -u -f /dev/null new-session -d -s ric -x 100 -y 30 "sh"
t set-option -t ric remain-on-exit on
t send-keys -t ric "'$RIC_TUI' --store '$S' '$TEST_TMP/ck'; echo EXIT=\$?" Enter
wait_for 'Preference'
_tap_result $? "ric-tui opens a Llama checkpoint on the Steer screen" "$(pane)"
wait_for '#4 ✓'
_tap_result $? "four samples stream in and are scored" "$(pane)"
before=$(samples)
t send-keys -t ric Right
wait_for 'length .* 0\.55'
_tap_result $? "Right raises the focused weight" "$(pane)"
changed=1
i=0
while [ $i -lt 100 ]; do
	pane | grep -q '#4 ✓' && [ "$(samples)" != "$before" ] && { changed=0; break; }
	sleep 0.1; i=$((i + 1))
done
_tap_result $changed "the Llama's generations change with the slider" "before: $before
after: $(samples)"
# a job on the Llama checkpoint, started from the : line, runs to its end
t send-keys -t ric ":job eval --model '$TEST_TMP/ck' --dataset toy --prompts 2 --step 1 --max-tokens 4 --name llama-eval" Enter
wait_for 'job 1 started'
_tap_result $? "a job on the Llama checkpoint starts from the : line" "$(pane)"
for i in $(seq 1 300); do
	"$RIC" --store "$S" job list 2>&1 | grep -q 'running\|queued' || break
	sleep 0.2
done
like "$("$RIC" --store "$S" job list 2>&1)" ' done .* eval --model' "the eval job on the Llama ends done"
like "$("$RIC" --store "$S" show llama-eval 2>&1)" 'points +2' "its two preference points are stored"
t send-keys -t ric q
wait_for 'EXIT=0'
_tap_result $? "q quits cleanly" "$(pane)"
done_testing
