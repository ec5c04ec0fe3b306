#!/bin/sh
# ric dataset import-images: folders and files of every PNG kind become
# 32x32 image rows on the background; bad PNGs are named, skipped on request,
# and a failed import leaves nothing behind.
. "$top_srcdir/tests/lib.sh"
T=$TEST_TMP
mk="$top_srcdir/tests/mkpng.py"
export RIC_STORE="$T/store.db"
mkdir -p "$T/icons/sub"
python3 "$mk" "$T/icons/a.png" 64 32 rgb 255 0 0
python3 "$mk" "$T/icons/sub/b.png" 16 16 rgba 0 0 255 128
python3 "$mk" "$T/icons/c.png" 40 40 grey16
python3 "$mk" "$T/icons/d.png" 10 20 pal 0 200 0
echo "not an image" > "$T/icons/readme.txt"
px() { python3 "$mk" --pixel "$RIC_STORE" "$@"; }

out=$("$RIC" dataset import-images "$T/icons" --background black --eval-fraction 0 2>&1)
like "$out" '^dataset icons: 4 images \(32x32\), 4 train, 0 eval; 0 bad images skipped' \
	"a folder's PNGs (every level down, nothing else) become image rows"
is "$(sqlite3 "$RIC_STORE" "SELECT group_concat(response, ' ') FROM dataset_rows")" \
	"$T/icons/a.png $T/icons/c.png $T/icons/d.png $T/icons/sub/b.png" "in path order, the path as response"
# a.png is 64x32 red: 32x16 in rows 8..23, black above and below
is "$(px 1 0 7)" "32 32 0 0 0" "a wide picture is padded above with the background"
is "$(px 1 31 8)" "32 32 255 0 0" "and keeps its colour where it lands"
is "$(px 1 0 24)" "32 32 0 0 0" "and is padded below"
# c.png: a 16-bit grey ramp, black at the left, white at the right
# (40 -> 32: each output pixel averages 1.25 source pixels; the ramp's
# second pixel is 65535/39 -> 7, its second-last 38*65535/39 -> 248)
is "$(px 2 0 16)" "32 32 1 1 1" "16-bit grey reads (left end: (0 + 7/4) / 1.25)"
is "$(px 2 31 16)" "32 32 254 254 254" "16-bit grey reads (right end: (248/4 + 255) / 1.25)"
# d.png: 10x20 paletted, left half green, right half transparent; 16x32 centred
is "$(px 3 8 5)" "32 32 0 200 0" "a palette colour reads"
is "$(px 3 20 5)" "32 32 0 0 0" "a transparent palette entry shows the background"
is "$(px 3 7 5)" "32 32 0 0 0" "a narrow picture is padded at the sides"
# b.png: blue at alpha 128 over black
is "$(px 4 16 16)" "32 32 0 0 128" "alpha is composited onto the background"
out=$("$RIC" dataset show icons)
like "$out" 'images 4: 32x32 RGB PNGs in the store' "show says the rows are images"
unlike "$out" 'PNG.*IHDR' "show prints no image bytes"
like "$("$RIC" dataset show icons --json)" '"kind":"image"' "show --json gives the kind"

out=$("$RIC" dataset import-images "$T/icons/sub/b.png" 2>&1)
like "$out" '^dataset b: 1 images' "a single file, named after it; white by default"
is "$(px 5 16 16)" "32 32 127 127 255" "blue at alpha 128 over white"

size=$(wc -c < "$T/icons/a.png")
head -c $((size - 20)) "$T/icons/a.png" > "$T/icons/cut.png"
out=$("$RIC" dataset import-images "$T/icons" --name cut 2>&1)
like "$out" "ric: import-images: $T/icons/cut.png: bad PNG: file is truncated" "a truncated PNG is named"
like "$out" 'partial dataset cut was removed' "and the import removes what it stored"
is "$(sqlite3 "$RIC_STORE" "SELECT count(*) FROM datasets WHERE name = 'cut'")" "0" "no dataset cut"
out=$("$RIC" dataset import-images "$T/icons" --name cut --skip-bad 2>&1)
like "$out" '^dataset cut: 4 images .* 1 bad images skipped' "--skip-bad skips it"
fails 1 "a file that is not there is named" "$RIC" dataset import-images "$T/nothere.png"
out=$("$RIC" dataset import-images "$T/icons/readme.txt" 2>&1)
like "$out" "readme.txt: not a PNG file" "a file that is no PNG is named"
fails 2 "a bad --background is a usage error" "$RIC" dataset import-images "$T/icons" --background mauve
mkdir "$T/empty"
out=$("$RIC" dataset import-images "$T/empty" 2>&1)
like "$out" 'empty: no .png files in this folder' "an empty folder says so"
# relabel with the image rewards: known answers on the pictures above
ok "relabel scores image rows with image rewards" "$RIC" relabel --dataset icons \
	--objective b=brightness --objective sym=symmetry --objective col=colorfulness --objective jpeg=jpeg
val() { sqlite3 "$RIC_STORE" "SELECT printf('%.6f', w.value) FROM rewards w JOIN objectives o
	ON o.id = w.objective_id WHERE o.name = '$1' AND w.row_id = $2"; }
is "$(val b 1)" "0.149500" "brightness: red over half the square, BT.601 luma 0.299 / 2"
is "$(val b 4)" "0.057224" "brightness: blue 128 everywhere, 0.114 * 128 / 255"
is "$(val sym 4)" "1.000000" "symmetry: a flat picture is its own mirror"
is "$(val col 2)" "0.000000" "colorfulness: grey has none"
like "$(val jpeg 1)" '^-0\.[0-9]+$' "jpeg: minus kilobytes"
out=$("$RIC" relabel --dataset icons --objective p=positivity 2>&1)
like "$out" "objective p: reward 'positivity' scores text, and dataset icons holds images" \
	"a text reward on an image dataset is one clear error"
printf '%s\n' '{"prompt": "a", "response": "b"}' > "$T/text.jsonl"
"$RIC" dataset import "$T/text.jsonl" --name text > /dev/null 2>&1
out=$("$RIC" relabel --dataset text --objective j=jpeg 2>&1)
like "$out" "objective j: reward 'jpeg' scores images, and dataset text holds text" \
	"an image reward on a text dataset is one clear error"
# cmd: scorers get each picture as a PNG file: this one replies with its width
cat > "$T/width.py" <<'PY'
import json, struct, sys
for line in sys.stdin:
    rows = json.loads(line)["batch"]
    w = [struct.unpack(">I", open(r["image"], "rb").read(24)[16:20])[0] for r in rows]
    print(json.dumps({"rewards": w}), flush=True)
PY
ok "relabel runs a cmd: scorer on image rows" "$RIC" relabel --dataset icons --objective w="cmd:python3 $T/width.py"
is "$(val w 3)" "32.000000" "the scorer read a 32x32 PNG from the path it was given"
out=$("$RIC" export icons --format trl -o "$T/trl" 2>&1)
like "$out" 'dataset icons holds images \(ric dataset import-images\): this stage trains a text model' \
	"a text stage given an image dataset is one clear error"
like "$("$RIC" store check 2>&1)" 'ok \(schema version 4\)' "the store is consistent afterwards"
done_testing
