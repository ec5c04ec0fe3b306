#!/bin/sh
# A long stage on a terminal draws a progress bar (tmux); without one it logs lines.
. "$top_srcdir/tests/lib.sh"

tmux_setup 20

cd "$TEST_TMP" || exit 1
awk 'BEGIN { for (k = 0; k < 3000; k++) printf "%s ", (k % 7 ? "the cat" : "a dog"); print "" }' >d.txt
A="--tokenizer $top_srcdir/tests/fixtures/gpt2/chat --layers 1 --heads 2 --embd 16 --ctx 16 --steps 300 --batch 2 --save-every 0"

t -f /dev/null new-session -d -s ric -x 120 -y 24 "sh"
t send-keys -t ric "cd '$TEST_TMP' && '$RIC' pretrain $A --out m d.txt; echo EXIT=\$?" Enter
wait_for 'EXIT=0'
_tap_result $? "pretrain finishes on a terminal"
pane=$(t capture-pane -p -t ric)
like "$pane" 'pretrain \[#{30}\] 300/300 loss [0-9.]+ [0-9]+ tok/s ETA 0m00s' "it ends with a full progress bar"
unlike "$pane" 'ric pretrain: step ' "no plain log lines on a terminal"

out=$("$RIC" pretrain $A --out m2 d.txt 2>&1 </dev/null)
like "$out" 'ric pretrain: step 300/300 loss [0-9.]+ [0-9]+ tok/s ETA 0m00s' "without a terminal it logs plain lines"
unlike "$out" '\[#' "and draws no bar"
done_testing
