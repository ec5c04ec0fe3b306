#!/bin/sh
# The bundled image demo (issue 20): share/demo/image_assets.sh in its quick
# mode (every stage on the Tango icons, seconds each) ships a RiC DiT policy,
# image.db and results.md; a new default store registers it beside the text
# demo (the text demo's ids after its own, references kept, the policy's
# checkpoint in the data folder, no pictures in the shipped file, the
# evaluation's pictures shipped beside it and copied into the new store);
# ric-tui opens the shipped policy on Steer with its pictures, Runs lists its
# runs, and Front shows the open image model's fronts with the selected
# point's picture; removing a run removes the copies and leaves share/ as it
# was.
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
like "$(cat "$ship/results.md")" '\| 2000\.\. \| [0-9.]+ \| [0-9.]+ \| [-+0-9.]+ \|' \
	"online and offline on another held-out seed set"
like "$(cat "$ship/results.md")" '\| mean \+- SE \| [0-9.]+ \+- [0-9.]+ \| [0-9.]+ \+- [0-9.]+ \| -?[0-9.]+ \+- [0-9.]+ \|' \
	"and their hypervolumes' mean +- SE with the paired difference's"
ok "the extra seed sets' runs stay out of image.db" \
	test "$(sqlite3 "$ship/image.db" "SELECT count(*) FROM runs WHERE name LIKE 'demo-image-hv-%'")" = 0
ok "no pictures in image.db" test "$(sqlite3 "$ship/image.db" "SELECT count(*) FROM dataset_rows")" = 0
ok "no work folder in image.db" test -z "$(sqlite3 "$ship/image.db" \
	"SELECT 1 FROM params WHERE value LIKE '%$T%' UNION SELECT 1 FROM checkpoints WHERE path LIKE '%$T%' OR meta LIKE '%$T%'")"

# The evaluation's pictures, by run name, every one a shipped sample names,
# and pictures.am lists exactly them for make install.
n_png=$(find "$ship/pictures" -name '*.png' | wc -l)
n_named=$(sqlite3 "$ship/image.db" "SELECT count(DISTINCT r.name || '/' || s.response) FROM samples s
	JOIN runs r ON r.id = s.run_id WHERE s.response LIKE '%.png'")
ok "it ships the evaluation's pictures ($n_png PNGs, $n_named named)" \
	test "$n_png" -gt 0 -a "$n_png" = "$n_named"
ok "in a folder per eval run" test -d "$ship/pictures/demo-image-eval-online" -a \
	-d "$ship/pictures/demo-image-eval-offline"
listed=$(grep -o 'share/demo/image/pictures/[^ ]*\.png' "$ship/pictures.am" | sort)
found=$(cd "$T/s" && find demo/image/pictures -name '*.png' | sed 's|^|share/|' | sort)
ok "pictures.am lists every shipped picture" test -n "$listed" -a "$listed" = "$found"

# Beside the text demo in a new default store.
cp "$top_srcdir/share/demo/demo.db" "$T/s/demo/demo.db"
export RIC_DATADIR="$T/s"
sums() { (cd "$T/s" && find . -type f | sort | xargs sha256sum); }
sums > "$T/share.sum"
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

# The pictures copied beside the new store, where the eval would have drawn
# them; removing the run removes the copies, never the shipped files.
store=$XDG_DATA_HOME/ric/store.db
eid=$(sqlite3 "$store" "SELECT id FROM runs WHERE name = 'demo-image-eval-online'")
n_ship=$(ls "$ship/pictures/demo-image-eval-online" | wc -l)
ok "registration copies the eval's $n_ship pictures beside the store" \
	test "$(ls "$store.files/run-$eid" | wc -l)" = "$n_ship"
ok "and its samples name the copies" test "$(sqlite3 "$store" "SELECT count(*) FROM samples
	WHERE run_id = $eid AND response LIKE '$store.files/run-$eid/%.png'")" -gt 0
"$RIC" rm demo-image-eval-online --yes > "$T/rm" 2>&1
_tap_result $? "ric rm removes the image demo's eval run" "$(cat "$T/rm")"
ok "with its copied pictures" test ! -e "$store.files/run-$eid"
sums > "$T/share2.sum"
ok "and share/ is as it was, byte for byte" cmp "$T/share.sum" "$T/share2.sum"

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
t -u -f /dev/null new-session -d -s ric -x 110 -y 44 "sh"
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
# Front: the open model's fronts (not the text demo's, which are newer),
# and the selected point's picture, read from the store's copy.
t send-keys -t ric 2
wait_for 'demo-image-eval-online'
_tap_result $? "Front shows the open image model's eval" "$(pane)"
wait_for 'demo-image-eval-offline'
_tap_result $? "beside the offline RiC eval it stands on" "$(pane)"
unlike "$(pane)" 'demo-eval-' "and not the text demo's"
wait_for 'point 1 of'
_tap_result $? "with its first point selected" "$(pane)"
n=$(pane | grep -o '▀' | wc -l | tr -d ' ')
ok "the point's picture is drawn in half blocks ($n cells)" test "$n" -ge 64
t send-keys -t ric q
wait_for 'EXIT=0'
_tap_result $? "q quits with status 0" "$(pane)"
like "$(cat "$T/err")" 'registered the bundled demos' "its first start registered the demos"
done_testing
