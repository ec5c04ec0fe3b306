#!/bin/sh
# ric-tui steering a RiC image model (a tiny DiT trained here, as in
# tests/cli_dit.sh) in a real terminal (tmux): Steer shows the images in a
# grid of half blocks in the terminal's colours, a slider move runs the
# DDIM sampling again, the colour depth falls back to 8 colours and to ASCII
# shading (NO_COLOR), and q leaves the terminal as it found it.
. "$top_srcdir/tests/lib.sh"

tmux_setup 60
T=$TEST_TMP
export RIC_STORE="$T/store.db" BLIS_NUM_THREADS=1
tiny_image_ric
ok "a RiC DiT to steer" test -f "$T/ric/ric.json"

pane() { t capture-pane -p -t ric; }
blocks() { pane | grep -o '▀' | wc -l; }

export LANG=C.UTF-8 LC_ALL=C.UTF-8
t -u -f /dev/null new-session -d -s ric -x 110 -y 40 "sh"
t set-option -t ric remain-on-exit on
t send-keys -t ric "TERM=screen-256color '$RIC_TUI' --store '$T/s.db' '$T/ric'; echo EXIT=\$?; stty -a | tr ' ;' '\\n\\n' | grep -xE 'icanon|echo' | tr '\\n' ' '; echo DONE-\$((1 + 1))" Enter
wait_for 'Preference'
_tap_result $? "ric-tui opens a RiC image model on the Steer screen" "$(pane)"
wait_for '#4 ✓'
_tap_result $? "four images are sampled to the last DDIM step" "$(pane)"
like "$(pane)" 'loaded .*ric: an image model, 2 objectives|4 images, 20 DDIM steps in [0-9]+ ms' \
	"the status line says what ran"
like "$(pane)" '20 DDIM steps  guidance 3.0  4 images  256 colours' \
	"the parameters line names the steps, guidance and the colour depth"
n=$(blocks)
ok "the grid is drawn in half blocks ($n cells)" test "$n" -ge 256
# the cells' colours: SGR 38;5;N foreground and 48;5;N background per half block
esc=$(t capture-pane -e -p -t ric | grep -c '38;5;[0-9]*.*48;5;[0-9]*m▀\|48;5;[0-9]*.*38;5;[0-9]*m▀')
ok "each half block carries a 256-colour foreground and background ($esc rows)" test "$esc" -ge 8
# a slider move runs the sampling again: weight 0 says so and samples
# nothing, the next Right samples the four images again
i=0
while [ $i -lt 12 ]; do t send-keys -t ric Left; i=$((i + 1)); done
wait_for 'bright .* 0\.00 →' && wait_for '4 images  256 colours *$'
t send-keys -t ric Left
wait_for 'already at 0'
_tap_result $? "Left takes the focused weight to 0" "$(pane)"
t send-keys -t ric Right
wait_for '4 images, 20 DDIM steps in'
_tap_result $? "a slider key samples the images again" "$(pane)"
like "$(pane)" 'bright .*0\.05' "under the new weight"
t send-keys -t ric ":set steps 4" Enter
wait_for '4 images, 4 DDIM steps in'
_tap_result $? ":set steps 4 samples again in 4 DDIM steps" "$(pane)"
t send-keys -t ric ":set guidance 1.5" Enter
wait_for 'guidance 1\.5  4 images  256 colours *$'
_tap_result $? ":set guidance 1.5 samples again with that guidance" "$(pane)"
t send-keys -t ric s
wait_for 'pictures are not saved from ric-tui: ric generate --model'
_tap_result $? "s says where an image model's pictures are saved" "$(pane)"
# compare: A | B, each side its own grid of four
t send-keys -t ric c
i=0
while [ $i -lt 100 ] && [ "$(pane | grep -o '#[1-4] ✓' | wc -l)" -ne 8 ]; do sleep 0.1; i=$((i + 1)); done
is "$(pane | grep -o '#[1-4] ✓' | wc -l | tr -d ' ')" "8" "c compares A | B: two grids of four"
t send-keys -t ric q
wait_for 'DONE-2'
_tap_result $? "q quits" "$(pane)"
like "$(pane)" 'EXIT=0' "with status 0"
like "$(pane)" 'icanon echo' "and the terminal back in canonical mode with echo"

# 8 colours and NO_COLOR: clear fallbacks
t send-keys -t ric "clear; TERM=screen '$RIC_TUI' --store '$T/s.db' '$T/ric'; echo EXIT8=\$?" Enter
wait_for '#4 ✓'
like "$(pane)" '4 images  8 colours' "an 8-colour terminal gets the 8 basic colours"
n=$(blocks)
ok "still as half blocks ($n cells)" test "$n" -ge 256
t send-keys -t ric q
wait_for 'EXIT8=0'
_tap_result $? "and quits" "$(pane)"
t send-keys -t ric "clear; NO_COLOR=1 '$RIC_TUI' --store '$T/s.db' '$T/ric'; echo EXITN=\$?" Enter
wait_for '#4 ✓'
like "$(pane)" '4 images  ASCII shading' "NO_COLOR draws ASCII shading"
is "$(blocks)" "0" "with no half blocks"
t send-keys -t ric q
wait_for 'EXITN=0'
_tap_result $? "and quits" "$(pane)"
done_testing
