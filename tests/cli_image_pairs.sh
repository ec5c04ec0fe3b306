#!/bin/sh
# Human preference pairs of pictures from files: ric dataset
# import-image-pairs reads a JSON Lines file of {prompt?, chosen, rejected}
# PNG paths (relative to the file), fits each picture as import-images does
# and stores pairs that ric rm-train learns; here the known preference is
# brighter > darker, and rm:DIR ranks held-out pictures that way. Bad input
# (a missing or corrupt PNG, a bad line, chosen == rejected, a full disk):
# one error naming the file and line, and no dataset left behind.
. "$top_srcdir/tests/lib.sh"
T=$TEST_TMP
export RIC_STORE="$T/store.db"
export BLIS_NUM_THREADS=1
# 72 pictures of 40x24 (padded to 32x32 on import): a random colour, a
# ramp and noise; 48 go into pairs (brighter chosen, by mean luma), 24 are
# held out. pairs.jsonl names them relative to its own folder.
python3 - "$T" <<'EOF'
import json, os, random, struct, sys, zlib
top = sys.argv[1]
os.makedirs(os.path.join(top, "set", "img"))
rnd = random.Random(11)
def png(path, px):
    raw = b"".join(b"\0" + bytes(v for p in row for v in p) for row in px)
    chunk = lambda t, d: struct.pack(">I", len(d)) + t + d + struct.pack(">I", zlib.crc32(t + d) & 0xffffffff)
    with open(path, "wb") as f:
        f.write(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", len(px[0]), len(px), 8, 2, 0, 0, 0))
                + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))
luma = []
for i in range(72):
    base = [rnd.randint(0, 255) for _ in range(3)]
    ramp = rnd.uniform(-2, 2)
    px = [[tuple(max(0, min(255, int(b + ramp * (x + y - 31) + rnd.gauss(0, 12)))) for b in base)
           for x in range(40)] for y in range(24)]
    png(os.path.join(top, "set", "img", "p%02d.png" % i), px)
    luma.append(sum(0.299 * p[0] + 0.587 * p[1] + 0.114 * p[2] for row in px for p in row) / (40 * 24))
with open(os.path.join(top, "set", "pairs.jsonl"), "w") as f:
    n = 0
    while n < 400:
        a, b = rnd.randrange(48), rnd.randrange(48)
        if abs(luma[a] - luma[b]) < 5:
            continue
        c, r = (a, b) if luma[a] > luma[b] else (b, a)
        line = {"chosen": "img/p%02d.png" % c, "rejected": "img/p%02d.png" % r}
        if n % 2:
            line["prompt"] = "a picture %d" % n
        f.write(json.dumps(line) + "\n")
        n += 1
os.makedirs(os.path.join(top, "held"))
for i in range(48, 72):
    os.link(os.path.join(top, "set", "img", "p%02d.png" % i), os.path.join(top, "held", "p%02d.png" % i))
EOF
cd "$T" || exit 1
out=$("$RIC" dataset import-image-pairs set/pairs.jsonl --eval-fraction 0.2 --seed 3 2>&1)
like "$out" 'dataset pairs: 400 pairs of images \(32x32\), [0-9]+ train, [0-9]+ eval' \
	"import-image-pairs stores the file's 400 pairs, named after the file"
q() { sqlite3 "$RIC_STORE" "$1"; }
is "$(q "SELECT count(*) FROM dataset_rows r JOIN datasets d ON d.id = r.dataset_id
	WHERE d.name = 'pairs' AND r.image IS NOT NULL")" 800 "as 800 image rows"
is "$(q "SELECT count(*) FROM dataset_rows c JOIN dataset_rows r ON c.dataset_id = r.dataset_id
	AND c.pair_id = r.pair_id AND c.role = 'chosen' AND r.role = 'rejected'
	JOIN datasets d ON d.id = c.dataset_id AND d.name = 'pairs' WHERE c.split = r.split")" 400 \
	"each pair a chosen and a rejected row of one split"
is "$(q "SELECT count(DISTINCT c.split) FROM dataset_rows c JOIN datasets d ON d.id = c.dataset_id
	AND d.name = 'pairs'")" 2 "some pairs held out for evaluation"
is "$(q "SELECT count(*) FROM dataset_rows c JOIN datasets d ON d.id = c.dataset_id
	AND d.name = 'pairs' WHERE c.prompt LIKE 'a picture %'")" 400 "the prompts given are kept (200 pairs)"
# the pictures are the ones import-images makes of the same files
"$RIC" dataset import-images set/img --name pics > /dev/null 2>&1
is "$(q "SELECT count(*) FROM dataset_rows a JOIN datasets da ON da.id = a.dataset_id AND da.name = 'pairs'
	JOIN dataset_rows b ON b.response = a.response JOIN datasets db ON db.id = b.dataset_id
	AND db.name = 'pics' WHERE a.image = b.image")" 800 "each picture fitted to 32x32 as import-images fits it"
like "$(python3 "$top_srcdir/tests/mkpng.py" --pixel "$RIC_STORE" \
	"$(q "SELECT min(r.id) FROM dataset_rows r JOIN datasets d ON d.id = r.dataset_id AND d.name = 'pairs'")" 0 0)" \
	'^32 32 255 255 255$' "on the white background (a 40x24 picture is padded)"

# rm-train learns the preference; rm: ranks the held-out pictures by brightness
"$RIC" pretrain --arch dit --dataset pics --layers 1 --heads 2 --embd 32 --steps 1 --batch 2 \
	--out "$T/dit" > /dev/null 2>&1
out=$("$RIC" rm-train --base "$T/dit" --pairs pairs --out "$T/rm" --steps 150 --batch 16 \
	--lr 3e-3 --seed 1 2>&1)
like "$out" '400 image pairs: [0-9]+ training, [0-9]+ held out; 150 steps' "rm-train reads the imported pairs"
acc=$(printf '%s\n' "$out" | sed -n 's/^held-out pairwise accuracy \([0-9.]*\) .*/\1/p')
ok "held-out pairs ranked as the file ranks them: accuracy $acc >= 0.85" awk "BEGIN { exit !($acc >= 0.85) }"
"$RIC" dataset import-images held --name held --eval-fraction 0 > /dev/null 2>&1
"$RIC" relabel --dataset held --objective bright=brightness --objective learned="rm:$T/rm" > /dev/null 2>&1
conc=$(q "WITH v AS (SELECT r.id, b.value AS b, l.value AS l FROM dataset_rows r
	JOIN datasets d ON d.id = r.dataset_id AND d.name = 'held'
	JOIN objectives ob ON ob.dataset_id = d.id AND ob.name = 'bright'
	JOIN objectives ol ON ol.dataset_id = d.id AND ol.name = 'learned'
	JOIN rewards b ON b.row_id = r.id AND b.objective_id = ob.id
	JOIN rewards l ON l.row_id = r.id AND l.objective_id = ol.id)
	SELECT round(1.0 * sum((x.b - y.b) * (x.l - y.l) > 0) / count(*), 3) FROM v x JOIN v y ON x.id < y.id")
ok "rm: orders 24 pictures no pair named brighter over darker: concordance $conc >= 0.85" \
	awk "BEGIN { exit !($conc >= 0.85) }"

# bad input: one error with the file and line; no dataset stays
nodata() { is "$(q "SELECT count(*) FROM datasets WHERE name = '$1'")" 0 "$2"; }
good='{"chosen": "img/p01.png", "rejected": "img/p02.png"}'
printf '%s\n' "$good" '{"chosen": "img/p03.png", "rejected": "img/nope.png"}' > set/missing.jsonl
out=$("$RIC" dataset import-image-pairs set/missing.jsonl 2>&1); rc=$?
is "$rc" 1 "a missing picture fails the import"
like "$out" 'import-image-pairs: set/missing.jsonl:2: rejected set/img/nope.png: No such file or directory' \
	"naming the file, line, role and path"
nodata missing "and stores nothing"
printf 'not a png at all' > set/img/corrupt.png
printf '%s\n' "$good" "$good" '{"prompt": "x", "chosen": "img/corrupt.png", "rejected": "img/p02.png"}' \
	> set/corrupt.jsonl
out=$("$RIC" dataset import-image-pairs set/corrupt.jsonl 2>&1); rc=$?
is "$rc" 1 "a corrupt PNG fails the import"
like "$out" 'import-image-pairs: set/corrupt.jsonl:3: chosen set/img/corrupt.png: not a PNG' \
	"naming the file, line and picture"
like "$out" 'the partial dataset corrupt was removed' "and the pairs before it go"
nodata corrupt "no dataset corrupt stays"
printf '%s\n' "$good" '' '{"chosen": "img/p01.png", "rejected": ' > set/badjson.jsonl
out=$("$RIC" dataset import-image-pairs set/badjson.jsonl 2>&1); rc=$?
is "$rc" 1 "a bad JSON line fails the import"
like "$out" 'import-image-pairs: set/badjson.jsonl:3: invalid JSON' "naming the file and line"
printf '%s\n' '{"chosen": "img/p01.png"}' > set/nokey.jsonl
like "$("$RIC" dataset import-image-pairs set/nokey.jsonl 2>&1)" \
	'set/nokey.jsonl:1: missing key "rejected"' "a line without rejected"
printf '%s\n' "$good" '{"chosen": "img/p05.png", "rejected": "./img/../img/p05.png"}' > set/same.jsonl
out=$("$RIC" dataset import-image-pairs set/same.jsonl 2>&1); rc=$?
is "$rc" 1 "chosen and rejected one file fails the import"
like "$out" 'set/same.jsonl:2: chosen and rejected are one file \(set/\./img/\.\./img/p05\.png\)' \
	"whatever the two paths' spelling"
nodata same "nothing stored"
: > set/empty.jsonl
like "$("$RIC" dataset import-image-pairs set/empty.jsonl 2>&1)" 'set/empty.jsonl: no pairs in this file' \
	"an empty file"
like "$("$RIC" dataset import-image-pairs set/nothere.jsonl 2>&1)" 'set/nothere.jsonl: .*No such file' \
	"a missing file"
like "$("$RIC" dataset import-image-pairs set/pairs.jsonl --skip-bad 2>&1)" 'has no --skip-bad' \
	"--skip-bad is refused"
# interrupted (the disk full mid-import): the dataset is removed, never
# complete; what the store held stays
for i in 1 2 3 4 5 6 7 8; do cat set/pairs.jsonl; done > set/big.jsonl
lim=$(( $(wc -c < "$RIC_STORE") / 512 + 400 ))
out=$(sh -c 'trap "" XFSZ; ulimit -f '"$lim"'; exec "$@"' sh "$RIC" dataset import-image-pairs \
	set/big.jsonl 2>&1); rc=$?
ok "an import that runs out of disk fails (status $rc)" test "$rc" -ne 0
like "$out" 'import-image-pairs: .*(full|large|disk|I/O)' "saying why"
unlike "$("$RIC" dataset list)" 'big' "no dataset big is listed"
like "$("$RIC" rm-train --base "$T/dit" --pairs big --out "$T/x" --steps 1 2>&1)" 'big: .*no dataset' \
	"nor can rm-train read it"
like "$("$RIC" dataset list)" 'pairs +' "the earlier datasets stay"
"$RIC" store check > /dev/null 2>&1
nodata big "ric store check removes whatever the full disk kept it from removing"
done_testing
