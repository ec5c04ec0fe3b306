#!/bin/sh
# ship.sh: the last stage of assets.sh: copy what the demo ships into
# share/demo/ and write demo.db (the store's runs and results without corpus
# text) and results.md (the README's table). WORK, SRCDIR and RIC as there;
# SHARE is the data folder shipped into (default SRCDIR/share).
set -eu
LC_ALL=C
export LC_ALL
RIC=${RIC:?}
WORK=${WORK:?}
SRCDIR=${SRCDIR:?}
SHARE=${SHARE:-$SRCDIR/share}
export SHARE
SHIP=$SHARE/demo
mkdir -p "$SHIP"
[ -e "$SHARE/lexicons" ] || ln -s "$SRCDIR/share/lexicons" "$SHARE/lexicons"
export RIC_STORE="$WORK/store.db"
export RIC_DATADIR="$WORK/share"

rm -rf "$SHIP/base" "$SHIP/reward" "$SHIP/policy" "$SHIP/demo.db"
"$RIC" convert "$WORK/base" "$SHIP/base"
cp -R "$WORK/share/demo/reward" "$SHIP/reward"
cp -R "$WORK/online-bf16" "$SHIP/policy"
# ric.json names the base model by the path it was trained from.
sed -i "s|\"$WORK/base\"|\"demo/base\"|" "$SHIP/policy/ric.json"

db=$SHIP/demo.db
cp "$WORK/store.db" "$db"
rows_sha=$(sha256sum "$WORK/rows.jsonl" | cut -d' ' -f1)
sha() { sha256sum "$SHIP/$1/model.safetensors" | cut -d' ' -f1; }
# The final checkpoint of a run: its highest step.
final="(SELECT c.id FROM checkpoints c JOIN runs r ON r.id = c.run_id WHERE r.name = %s
        ORDER BY c.step DESC, c.id DESC LIMIT 1)"
sqlite3 "$db" <<SQL
PRAGMA foreign_keys = ON;
BEGIN;
-- Corpus text stays out: rows are rebuilt from the packages, and the online
-- samples were drawn from training prompts.
UPDATE dataset_rows SET prompt = '', response = '';
-- The AFINN-labelled copy of the rows only made the reward model's pairs.
DELETE FROM datasets WHERE name = 'demo-afinn';
DELETE FROM samples WHERE run_id IN (SELECT id FROM runs WHERE stage = 'online');
DELETE FROM jobs;
UPDATE checkpoints SET path = 'demo/base', sha256 = '$(sha base)'
 WHERE id = $(printf "$final" "'demo-base'");
UPDATE checkpoints SET path = 'demo/reward', sha256 = '$(sha reward)'
 WHERE id = $(printf "$final" "'demo-sentiment'");
UPDATE checkpoints SET path = 'demo/policy', sha256 = '$(sha policy)'
 WHERE id = $(printf "$final" "'demo-online'");
DELETE FROM checkpoints WHERE path NOT IN ('demo/base', 'demo/reward', 'demo/policy');
UPDATE params SET value = replace(replace(value, '$WORK/share/', ''), '$WORK/', '');
UPDATE datasets SET source = 'demo/rows.jsonl';
INSERT INTO params(run_id, key, value)
 SELECT run_id, 'rows_sha256', '$rows_sha' FROM datasets WHERE name = 'demo';
COMMIT;
VACUUM;
PRAGMA journal_mode = DELETE;
SQL
sh "$SRCDIR/share/demo/results.sh" > "$SHIP/results.md"
cp "$WORK/timings.txt" "$SHIP/timings.txt"
du -sh "$SHARE" >&2
# The README shows results.md between its markers.
readme=$SRCDIR/README.md
if [ "$SHARE" = "$SRCDIR/share" ] && grep -q '^<!-- demo-results -->$' "$readme"; then
	awk -v res="$SHIP/results.md" '
		/^<!-- demo-results -->$/ { print; while ((getline l < res) > 0) print l; skip = 1; next }
		/^<!-- \/demo-results -->$/ { skip = 0 }
		!skip' "$readme" > "$readme.tmp" && mv "$readme.tmp" "$readme"
fi
