#!/bin/sh
# image_ship.sh: the last stage of image_assets.sh: copy the online policy
# into SHARE/demo/image/policy and write image.db (the store's runs and
# results, without the dataset's pictures: they are rebuilt by `make
# demo-images`), the evaluation's pictures (pictures/RUN-NAME/*.png, which
# src/demo.c copies beside a new store; pictures.am lists them for `make
# install`) and results.md. WORK, SRCDIR and RIC as there.
set -eu
LC_ALL=C
export LC_ALL
RIC=${RIC:?}
WORK=${WORK:?}
SRCDIR=${SRCDIR:?}
SHARE=${SHARE:-$SRCDIR/share}
SHIP=$SHARE/demo/image
rm -rf "$SHIP"
mkdir -p "$SHIP/policy"
# The DiT samples in F32 only, so the policy ships as trained (5 MB).
for f in config.json model.safetensors ric.json; do
	cp "$WORK/online/$f" "$SHIP/policy/$f"
done
# ric.json's run is the online run's id in the work store; registered
# beside the text demo the ids move (store_seed_add), so it goes (ric eval
# would take another run as the parent). base_model names the work folder.
sed -i "s|\"$WORK/offline\"|\"demo/image/offline\"|; s|\"$WORK/base\"|\"demo/image/base\"|;
	/^  \"run\": [0-9]*,\$/d" "$SHIP/policy/ric.json"

db=$SHIP/image.db
cp "$WORK/store.db" "$db"
sha=$(sha256sum "$SHIP/policy/model.safetensors" | cut -d' ' -f1)
sqlite3 "$db" > /dev/null <<SQL
PRAGMA foreign_keys = ON;
BEGIN;
-- The pictures stay out: the dataset is rebuilt from tango-icon-theme, and
-- the online samples were drawn for training.
DELETE FROM samples WHERE run_id IN (SELECT id FROM runs WHERE stage = 'online');
DELETE FROM datasets WHERE name = 'tango-icons';
-- The extra held-out seed sets measure the hypervolume (results.md) only.
DELETE FROM runs WHERE name LIKE 'demo-image-hv-%';
DELETE FROM jobs;
UPDATE runs SET name = 'demo-image-' || stage WHERE stage IN ('import', 'relabel');
UPDATE checkpoints SET path = 'demo/image/policy', sha256 = '$sha'
 WHERE id = (SELECT c.id FROM checkpoints c JOIN runs r ON r.id = c.run_id
             WHERE r.name = 'demo-image-online' ORDER BY c.step DESC, c.id DESC LIMIT 1);
DELETE FROM checkpoints WHERE path <> 'demo/image/policy';
UPDATE params SET value = replace(value, '$WORK/', '');
UPDATE checkpoints SET meta = replace(meta, '$WORK/', '');
UPDATE samples SET response = replace(response, '$WORK/', '');
COMMIT;
VACUUM;
PRAGMA journal_mode = DELETE;
SQL

# The evaluation's pictures, the ones the shipped samples name, by run name:
# a new store's runs get new ids, their names stay.
mkdir -p "$SHIP/pictures"
sqlite3 -separator ' ' "$db" "SELECT r.name, s.response FROM samples s JOIN runs r ON r.id = s.run_id
	WHERE s.response LIKE '%.png' ORDER BY r.name, s.response" |
while read -r name resp; do
	mkdir -p "$SHIP/pictures/$name"
	cp "$WORK/$resp" "$SHIP/pictures/$name/${resp##*/}"
done
{
	echo "# Written by share/demo/image_ship.sh: the image demo's evaluation pictures,"
	echo "# installed under demo/image/pictures (src/demo.c copies them beside a new store)."
	k=0
	for d in "$SHIP"/pictures/*/; do
		[ -d "$d" ] || continue
		k=$((k + 1))
		name=$(basename "$d")
		echo "ricdemoimagepics${k}dir = \$(pkgdatadir)/demo/image/pictures/$name"
		printf 'dist_ricdemoimagepics%d_DATA =' "$k"
		for f in "$d"*.png; do
			printf ' \\\n\tshare/demo/image/pictures/%s/%s' "$name" "${f##*/}"
		done
		echo
	done
} > "$SHIP/pictures.am"

# results.md: the hypervolumes, and per objective the obtained score at
# each weight (mean +- SE over the images) as ric eval printed them. The
# online eval's output holds RiC online, then the sft: and best-of-4 runs.
label() {
	awk -v first="$1" '
	/hypervolume/ {
		n++
		name = n == 1 ? first : $1
		sub(/:$/, "", name)
		hv = $0; sub(/.*hypervolume /, "", hv); sub(/ .*/, "", hv)
		print "HV|" name "|" hv
		next
	}
	/^  (bright|color) / { print "OBJ|" name "|" $0 }' "$2"
}
{
	label "RiC online (${ITERS:-4} iterations)" "$WORK/eval-online.txt"
	label "RiC offline" "$WORK/eval-offline.txt"
} | sed 's/|best-of-n:4|/|best-of-4|/; s/^HV|sft:[^|]*|/HV|sft:base (the unconditional base)|/' > "$WORK/results.tmp"
pts=$(grep -o '[0-9]* points x [0-9]* prompts' "$WORK/eval-online.txt" | head -1 | sed 's/prompts/images/')
{
	echo "Image demo (issue 20): a RiC DiT on the Tango icons, objectives bright"
	echo "(brightness) and color (colorfulness), evaluated on $pts (DDIM 20"
	echo "steps, guidance 3) from noise seeds 1000 on, which no training stage drew."
	echo "Hypervolume over normalised means, reference: each objective's lo."
	echo
	echo "| model | hypervolume |"
	echo "|---|---|"
	awk -F'|' '$1 == "HV" { print "| " $2 " | " $3 " |" }' "$WORK/results.tmp"
	echo
	echo "Online against offline on $(awk '$1 == "online"' "$WORK/eval-hv.txt" | wc -l) held-out noise-seed sets"
	echo "(each $pts from seeds S.., the same grid and reference):"
	echo
	echo "| seeds | online | offline | online - offline |"
	echo "|---|---|---|---|"
	awk '$1 == "online" { on[$2] = $3; order[++n] = $2 } $1 == "offline" { off[$2] = $3 }
	function stat(v, k,   i, m, q) {
		for (i = 1; i <= k; i++) m += v[i]
		m /= k
		for (i = 1; i <= k; i++) q += (v[i] - m) ^ 2
		return sprintf("%.3f +- %.3f", m, k > 1 ? sqrt(q / (k - 1) / k) : 0)
	}
	END {
		for (i = 1; i <= n; i++) {
			s = order[i]; a[i] = on[s]; b[i] = off[s]; d[i] = on[s] - off[s]
			printf "| %s.. | %.4f | %.4f | %+.4f |\n", s, a[i], b[i], d[i]
		}
		printf "| mean +- SE | %s | %s | %s |\n", stat(a, n), stat(b, n), stat(d, n)
	}' "$WORK/eval-hv.txt"
	echo
	echo "Obtained z by the objective's weight (mean +- SE):"
	echo
	echo '```'
	awk -F'|' '$1 == "OBJ" { if ($2 != last) print $2 ":"; last = $2; print $3 }' "$WORK/results.tmp"
	echo '```'
} > "$SHIP/results.md"
cp "$WORK/timings.txt" "$SHIP/timings.txt"
du -sh "$SHIP" >&2
