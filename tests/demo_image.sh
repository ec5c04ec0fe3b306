#!/bin/sh
# The bundled image demo (issue 20): share/demo/image_assets.sh in its quick
# mode (every stage on the Tango icons, seconds each) ships a RiC DiT policy,
# image.db and results.md; a new default store registers it beside the text
# demo (the text demo's ids after its own, references kept, the policy's
# checkpoint in the data folder, no pictures in the shipped file); ric-tui
# opens the shipped policy on Steer with its pictures and Runs lists its
# runs.
. "$top_srcdir/tests/lib.sh"
unset RIC_NO_DEMO
[ -d /usr/share/icons/Tango/32x32 ] || { echo "ok - # SKIP tango-icon-theme is not installed"; done_testing; exit 0; }
T=$TEST_TMP
export BLIS_NUM_THREADS=1
RIC="$RIC" SRCDIR="$top_srcdir" WORK="$T/w" SHARE="$T/s" DEMO_QUICK=1 \
	sh "$top_srcdir/share/demo/image_assets.sh" > "$T/log" 2>&1
_tap_result $? "quick image demo assets" "$(tail -n 20 "$T/log")"
ship=$T/s/demo/image
RIC="$RIC" SRCDIR="$top_srcdir" WORK="$T/w2" SHARE="$T/s2" DEMO_QUICK=1 \
	sh "$top_srcdir/share/demo/image_assets.sh" > "$T/log2" 2>&1
_tap_result $? "again from scratch" "$(tail -n 20 "$T/log2")"
ok "the same policy bit for bit (fixed seeds)" cmp "$ship/policy/model.safetensors" \
	"$T/s2/demo/image/policy/model.safetensors"
ok "the same results" cmp "$ship/results.md" "$T/s2/demo/image/results.md"
for f in policy/config.json policy/model.safetensors policy/ric.json image.db results.md timings.txt; do
	ok "it ships $f" test -s "$ship/$f"
done
like "$(cat "$ship/timings.txt")" 'total +[0-9]+ s' "the shipped timings have the total"
like "$(cat "$ship/results.md")" 'demo-image-eval-offline|hypervolume' "results.md has the hypervolumes"
like "$(cat "$ship/results.md")" 'bright +0:[-0-9.]+\+-[0-9.]+ ' "and each objective's mean +- SE by weight"
ok "no pictures in image.db" test "$(sqlite3 "$ship/image.db" "SELECT count(*) FROM dataset_rows")" = 0
ok "no work folder in image.db" test -z "$(sqlite3 "$ship/image.db" \
	"SELECT 1 FROM params WHERE value LIKE '%$T%' UNION SELECT 1 FROM checkpoints WHERE path LIKE '%$T%' OR meta LIKE '%$T%'")"

# Beside the text demo in a new default store.
cp "$top_srcdir/share/demo/demo.db" "$T/s/demo/demo.db"
export RIC_DATADIR="$T/s"
out=$("$RIC" runs 2>&1)
like "$out" 'registered the bundled demos \(text and images\)' "a new default store registers both demos"
like "$out" 'demo-online +online +done' "the text demo's runs are there"
like "$out" 'demo-image-online +online +done' "and the image demo's"
# The text demo goes in last, its runs the newest (ric-tui's Front shows them
# beside the text policy it opens by default).
image_max=$(sqlite3 "$ship/image.db" "SELECT max(id) FROM runs")
text_id=$(sqlite3 "$T/s/demo/demo.db" "SELECT id FROM runs WHERE name = 'demo-base'")
id=$(printf '%s\n' "$out" | awk '$2 == "demo-base" { print $1 }')
ok "the text demo's ids come after the image demo's ($id = $text_id + $image_max)" \
	test "$id" -eq $((text_id + image_max))
tshow=$("$RIC" show demo-online)
tparent=$(printf '%s\n' "$tshow" | awk '$1 == "parent" { print $2 }')
like "$("$RIC" runs 2>&1 | awk -v p="$tparent" '$1 == p')" 'demo-offline' \
	"the text demo's references move with its ids"
like "$tshow" "policy +$T/s/demo/policy" "its checkpoint is rebased into the data folder"
show=$("$RIC" show demo-image-online)
like "$show" "policy +$ship/policy" "its policy checkpoint points into the data folder"
like "$show" "parent +[0-9]+" "its parent link is kept"
parent=$(printf '%s\n' "$show" | awk '$1 == "parent" { print $2 }')
like "$("$RIC" runs 2>&1 | awk -v p="$parent" '$1 == p')" 'demo-image-offline' \
	"and points at the image demo's offline run, shifted with it"
front=$("$RIC" front demo-image-eval-online demo-image-eval-offline 2>&1)
like "$front" 'demo-image-eval-online +ric' "the image demo's fronts are stored"
like "$front" 'demo-image-eval-offline, front ric \(normalised means, preference\):
 +[-0-9.]+ +[-0-9.]+ +\[' "with their points"
like "$("$RIC" front demo-eval-online 2>&1)" 'demo-eval-online +ric' "beside the text demo's"

# Only the image demo: registered on its own.
mkdir -p "$T/only/demo"
cp -R "$ship" "$T/only/demo/image"
like "$(XDG_DATA_HOME="$T/other" RIC_DATADIR="$T/only" "$RIC" runs 2>&1)" \
	'registered the bundled demo \(images\)' "the image demo alone registers too"

# ric-tui opens the shipped policy in the default store.
tmux_setup 60
pane() { t capture-pane -p -t ric; }
export LANG=C.UTF-8 LC_ALL=C.UTF-8
rm -rf "$XDG_DATA_HOME/ric"
t -u -f /dev/null new-session -d -s ric -x 110 -y 40 "sh"
t set-option -t ric remain-on-exit on
t send-keys -t ric "TERM=screen-256color RIC_DATADIR='$T/s' '$RIC_TUI' '$ship/policy' 2>'$T/err'; echo EXIT=\$?" Enter
wait_for 'Preference'
_tap_result $? "ric-tui opens the image demo's policy on Steer" "$(pane)"
wait_for '#4 ✓'
_tap_result $? "and samples its four pictures" "$(pane)"
t send-keys -t ric 3 '\'
wait_for '^filter:'
t send-keys -t ric 'name~demo-image' Enter
wait_for 'demo-image-online '
_tap_result $? "Runs lists the image demo's runs" "$(pane)"
t send-keys -t ric q
wait_for 'EXIT=0'
_tap_result $? "q quits with status 0" "$(pane)"
like "$(cat "$T/err")" 'registered the bundled demos' "its first start registered the demos"
done_testing
