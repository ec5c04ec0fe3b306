#!/bin/sh
# image_ship.sh: the last stage of image_assets.sh: copy the online policy
# into SHARE/demo/image/policy and write image.db (the store's runs and
# results, without the pictures: the dataset is rebuilt by `make
# demo-images`) and results.md. WORK, SRCDIR and RIC as there.
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
	label "RiC online (2 iterations)" "$WORK/eval-online.txt"
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
	echo "Obtained z by the objective's weight (mean +- SE):"
	echo
	echo '```'
	awk -F'|' '$1 == "OBJ" { if ($2 != last) print $2 ":"; last = $2; print $3 }' "$WORK/results.tmp"
	echo '```'
} > "$SHIP/results.md"
cp "$WORK/timings.txt" "$SHIP/timings.txt"
du -sh "$SHIP" >&2
