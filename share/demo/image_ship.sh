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
sed -i "s|\"$WORK/offline\"|\"demo/image/offline\"|; s|\"$WORK/base\"|\"demo/image/base\"|" \
	"$SHIP/policy/ric.json"

db=$SHIP/image.db
cp "$WORK/store.db" "$db"
sha=$(sha256sum "$SHIP/policy/model.safetensors" | cut -d' ' -f1)
sqlite3 "$db" <<SQL
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

# results.md: the hypervolumes and, per objective, the obtained score at
# each weight (mean +- SE) as ric eval printed them.
{
	echo "Image demo (issue 20): RiC DiT on the Tango icons, objectives bright"
	echo "(brightness) and color (colorfulness); eval from noise seeds 1000.. (no"
	echo "training stage drew them), $(grep -o '[0-9]* points x [0-9]* prompts' "$WORK/eval-online.txt" | head -1) images."
	echo
	echo '```'
	grep -h -E 'hypervolume|^  (bright|color) ' "$WORK/eval-online.txt" "$WORK/eval-offline.txt" \
		| sed "s|$WORK/||g"
	echo '```'
} > "$SHIP/results.md"
cp "$WORK/timings.txt" "$SHIP/timings.txt"
du -sh "$SHIP" >&2
