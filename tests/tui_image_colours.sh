#!/bin/sh
# ric-tui's half-block pictures carry the picture's own colours in each of
# the terminal's colour depths, read back from a real terminal (tmux,
# capture-pane -e): a picture of known colours is written over an image
# eval point's PNG, and on the Front screen every cell's foreground (top
# pixel) and background (bottom pixel) must be that PNG's pixels: exactly
# in 24-bit colour (COLORTERM=truecolor under TERM=tmux-256color, drawn
# through its -direct terminfo entry), the nearest palette entry in 256
# colours, the nearest basic colour on an 8-colour terminal; Steer names
# each depth, and 8 colours as the fallback it is. tests/tui_pixels.py
# writes the picture and reads the screen.
. "$top_srcdir/tests/lib.sh"

tmux_setup 60
T=$TEST_TMP
px="$top_srcdir/tests/tui_pixels.py"
export RIC_STORE="$T/store.db" BLIS_NUM_THREADS=1
tiny_image_ric
"$RIC" eval --model "$T/ric" --dataset icons --prompts 2 --step 0.5 --ddim-steps 3 \
	--name img-eval > /dev/null 2>&1
run=$(sqlite3 "$RIC_STORE" "SELECT id FROM runs WHERE name = 'img-eval'")
# every point's pictures become the known one, whichever point is selected
python3 "$px" write "$T/pic.png"
n=0
for f in "$T/store.db.files/run-$run"/*.png; do cp "$T/pic.png" "$f"; n=$((n + 1)); done
ok "the eval run's $n pictures replaced by one of known colours" test "$n" -ge 6

# a 24-bit tmux: as a user sets it up (-2, tmux-256color, Tc/RGB); its
# -direct entry built here (ncurses-term's tmux-direct is not everywhere)
printf '%s\n' 'set -g default-terminal tmux-256color' 'set -ga terminal-overrides ",*:Tc,*:RGB"' \
	> "$T/tmux.conf"
cat > "$T/direct.src" <<'EOF'
tmux-direct|tmux with 24-bit colour (a copy for ric's tests),
	colors#0x1000000, pairs#0x10000, RGB,
	setaf=\E[%?%p1%{8}%<%t3%p1%d%e38:2::%p1%{65536}%/%d:%p1%{256}%/%{255}%&%d:%p1%{255}%&%d%;m,
	setab=\E[%?%p1%{8}%<%t4%p1%d%e48:2::%p1%{65536}%/%d:%p1%{256}%/%{255}%&%d:%p1%{255}%&%d%;m,
	use=tmux-256color,
EOF
ok "a direct-colour terminfo entry for tmux" tic -x -o "$T/terminfo" "$T/direct.src"

export LANG=C.UTF-8 LC_ALL=C.UTF-8
unset COLORTERM NO_COLOR
t -2 -f "$T/tmux.conf" new-session -d -s ric -x 160 -y 60 "sh"
t set-option -t ric remain-on-exit on

# depth ENV NAME MODE: ric-tui under ENV says NAME on Steer, and Front's
# picture is the PNG's pixels in MODE
depth() {
	lbl=$(printf '%s' "$1" | sed "s|TERMINFO=$T/terminfo|TERMINFO=(tmux-direct)|")
	t send-keys -t ric "clear; env $1 '$RIC_TUI' --store '$RIC_STORE' '$T/ric'; echo EXIT=\$?" Enter
	wait_for "4 images  $2"
	_tap_result $? "$lbl: Steer says $2" "$(pane)"
	t send-keys -t ric 2
	wait_for 'point 1 of'
	_tap_result $? "$lbl: Front selects the eval run's first point" "$(pane)"
	i=0
	while [ $i -lt 50 ] && [ "$(pane | grep -o '▀' | wc -l)" -lt 512 ]; do sleep 0.1; i=$((i + 1)); done
	t capture-pane -e -p -t ric > "$T/screen.txt"
	ok "$lbl: every half block is the picture's pixels ($3)" python3 "$px" check "$3" "$T/pic.png" \
		< "$T/screen.txt"
	t send-keys -t ric q
	wait_for 'EXIT=0'
	_tap_result $? "$lbl: q quits" "$(pane)"
}
t send-keys -t ric 'echo TERM=$TERM' Enter
wait_for 'TERM=tmux'
like "$(pane)" 'TERM=tmux-256color' "the pane's TERM is tmux-256color"
depth "TERMINFO=$T/terminfo COLORTERM=truecolor" '24-bit colour' truecolor
# pixel (10, 10) of the picture is (83, 85, 127)
n=$(grep -o '38;2;83;85;127' "$T/screen.txt" | wc -l)
ok "as 38;2;R;G;B escapes ($n of pixel (10, 10)'s colour)" test "$n" -ge 1
depth "TERMINFO=$T/terminfo" '256 colours' 256
# screen-256color has no screen-direct entry: truecolor asked, 256 given
depth "TERM=screen-256color COLORTERM=truecolor" '256 colours' 256
# xterm-direct comes with ncurses-term (./bootstrap installs it)
if infocmp xterm-direct > /dev/null 2>&1; then
	depth "TERM=xterm-256color COLORTERM=truecolor" '24-bit colour' truecolor
fi
depth "TERM=xterm" '8 colours' 8
depth "TERM=screen COLORTERM=truecolor" '8 colours' 8
done_testing
