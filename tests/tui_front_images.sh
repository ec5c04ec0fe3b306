#!/bin/sh
# ric-tui's Front screen on an image model's evaluation (a tiny RiC DiT
# trained here, as in tests/tui_images.sh), in a real terminal (tmux): the
# selected point shows the picture ric eval stored for it in half blocks,
# Tab moves to another point and its picture, and a point of another run
# without pictures shows its text as before.
. "$top_srcdir/tests/lib.sh"

tmux_setup 60
T=$TEST_TMP
export RIC_STORE="$T/store.db" BLIS_NUM_THREADS=1
tiny_image_ric
"$RIC" eval --model "$T/ric" --dataset icons --prompts 2 --step 0.5 --ddim-steps 3 \
	--name img-eval > /dev/null 2>&1
run=$(sqlite3 "$RIC_STORE" "SELECT id FROM runs WHERE name = 'img-eval'")
n=$(ls "$T/store.db.files/run-$run" | grep -c '\.png$')
ok "ric eval stored the points' pictures ($n PNGs)" test "$n" -ge 6
# the first point's first picture: its top-left pixel, to find on screen
first=$(sqlite3 "$RIC_STORE" "SELECT s.response FROM samples s JOIN eval_points p ON p.id = s.point_id
	WHERE s.run_id = $run ORDER BY p.id, s.id LIMIT 1")

pane() { t capture-pane -p -t ric; }
blocks() { pane | grep -o '▀' | wc -l | tr -d ' '; }

export LANG=C.UTF-8 LC_ALL=C.UTF-8
t -u -f /dev/null new-session -d -s ric -x 110 -y 44 "sh"
t set-option -t ric remain-on-exit on
t send-keys -t ric "TERM=screen-256color '$RIC_TUI' --store '$RIC_STORE'; echo EXIT=\$?; echo DONE-\$((1 + 1))" Enter
wait_for 'Preference|Runs'
t send-keys -t ric 2
wait_for 'img-eval'
_tap_result $? "the Front screen shows the image model's eval run" "$(pane)"
wait_for 'point 1 of'
_tap_result $? "with its first point selected" "$(pane)"
n=$(blocks)
ok "the point's picture is drawn in half blocks ($n cells)" test "$n" -ge 64
like "$(pane)" "$(basename "$first")" "beside its file name"
esc=$(t capture-pane -e -p -t ric | grep -c '38;5;[0-9]*.*48;5;[0-9]*m▀\|48;5;[0-9]*.*38;5;[0-9]*m▀')
ok "in 256-colour half blocks ($esc rows)" test "$esc" -ge 4
t send-keys -t ric Tab
wait_for 'point 2 of'
_tap_result $? "Tab selects the next point" "$(pane)"
n=$(blocks)
ok "and shows its picture ($n cells)" test "$n" -ge 64
# the pictures are the run's: with its folder gone the text is shown instead
mv "$T/store.db.files" "$T/moved.files"
t send-keys -t ric Tab
wait_for 'point 3 of'
n=$(blocks)
is "$n" 0 "a point whose picture is gone shows its text"
like "$(pane)" '\.png' "its file name"
mv "$T/moved.files" "$T/store.db.files"
t send-keys -t ric q
wait_for 'DONE-2'
_tap_result $? "q quits" "$(pane)"
like "$(pane)" 'EXIT=0' "with status 0"
done_testing
