#!/bin/sh
# A learned image reward: ric dataset pair-images ranks an image dataset's
# pictures by brightness into pairs, ric rm-train trains a small DiT reward
# model on them, and it ranks held-out pictures (never seen in training) by
# brightness well above chance: its pairwise accuracy on the held-out pairs,
# and rm:DIR's scores in relabel against the brightness of the eval rows.
# One clear error each for the wrong kinds of model and data.
. "$top_srcdir/tests/lib.sh"
T=$TEST_TMP
export RIC_STORE="$T/store.db"
export BLIS_NUM_THREADS=1
# 96 pictures: a random colour, a random diagonal ramp and noise, so
# brightness is not one pixel's value
python3 - "$T/pics" <<'EOF'
import os, random, struct, sys, zlib
out = sys.argv[1]
os.makedirs(out)
rnd = random.Random(7)
def png(path, px):
    raw = b"".join(b"\0" + bytes(v for p in row for v in p) for row in px)
    chunk = lambda t, d: struct.pack(">I", len(d)) + t + d + struct.pack(">I", zlib.crc32(t + d) & 0xffffffff)
    with open(path, "wb") as f:
        f.write(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 32, 32, 8, 2, 0, 0, 0))
                + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))
for i in range(96):
    base = [rnd.randint(0, 255) for _ in range(3)]
    ramp = rnd.uniform(-2, 2)
    px = [[tuple(max(0, min(255, int(b + ramp * (x + y - 31) + rnd.gauss(0, 12)))) for b in base)
           for x in range(32)] for y in range(32)]
    png(os.path.join(out, "p%02d.png" % i), px)
EOF
"$RIC" dataset import-images "$T/pics" --name pics --eval-fraction 0.25 --seed 1 > /dev/null 2>&1
"$RIC" relabel --dataset pics --objective bright=brightness > /dev/null 2>&1

out=$("$RIC" dataset pair-images pics --by bright --name bpairs --pairs 600 --margin 0.02 2>&1)
like "$out" 'dataset bpairs: 600 pairs of images from pics ranked by bright, [0-9]+ train, [0-9]+ eval' \
	"pair-images draws pairs ranked by an objective"
chosen_brighter=$(sqlite3 "$RIC_STORE" "SELECT count(*) FROM dataset_rows c JOIN dataset_rows r
	ON c.dataset_id = r.dataset_id AND c.pair_id = r.pair_id AND c.role = 'chosen' AND r.role = 'rejected'
	JOIN datasets d ON d.id = c.dataset_id AND d.name = 'bpairs'
	JOIN dataset_rows sc ON sc.image = c.image JOIN dataset_rows sr ON sr.image = r.image
	JOIN rewards vc ON vc.row_id = sc.id JOIN rewards vr ON vr.row_id = sr.id
	WHERE vc.value > vr.value + 0.02")
is "$chosen_brighter" 600 "each chosen picture is the brighter one by the margin"
mixed=$(sqlite3 "$RIC_STORE" "SELECT count(*) FROM dataset_rows c JOIN dataset_rows r
	ON c.dataset_id = r.dataset_id AND c.pair_id = r.pair_id AND c.id < r.id
	JOIN datasets d ON d.id = c.dataset_id AND d.name = 'bpairs' WHERE c.split <> r.split")
is "$mixed" 0 "a pair's two pictures are of one split"

# the base: a DiT of the shape wanted (its trunk is what rm-train keeps)
"$RIC" pretrain --arch dit --dataset pics --layers 1 --heads 2 --embd 32 --steps 1 --batch 2 \
	--out "$T/dit" > /dev/null 2>&1
out=$("$RIC" rm-train --base "$T/dit" --pairs bpairs --out "$T/rm" --steps 150 --batch 16 \
	--lr 3e-3 --seed 1 2>&1)
like "$out" '600 image pairs: [0-9]+ training, [0-9]+ held out; 150 steps' "rm-train reads the image pairs"
like "$out" "image reward model saved to $T/rm \\(150 steps\\)" "and saves the reward model"
like "$(cat "$T/rm/config.json")" '"RicDiTRewardModel"' "config.json says it scores images"
acc=$(printf '%s\n' "$out" | sed -n 's/^held-out pairwise accuracy \([0-9.]*\) .*/\1/p')
ok "held-out pairs ranked by brightness: accuracy $acc >= 0.85" awk "BEGIN { exit !($acc >= 0.85) }"
like "$("$RIC" info "$T/rm")" "head      score: 1 label of the patches' mean" "ric info shows the score head"

# rm:DIR scores pictures in relabel: the eval rows (held out from every
# pair rm-train saw) ranked as brightness ranks them
"$RIC" relabel --dataset pics --objective learned="rm:$T/rm" > /dev/null 2>&1
conc=$(sqlite3 "$RIC_STORE" "WITH v AS (SELECT r.id, b.value AS b, l.value AS l FROM dataset_rows r
	JOIN datasets d ON d.id = r.dataset_id AND d.name = 'pics'
	JOIN objectives ob ON ob.dataset_id = d.id AND ob.name = 'bright'
	JOIN objectives ol ON ol.dataset_id = d.id AND ol.name = 'learned'
	JOIN rewards b ON b.row_id = r.id AND b.objective_id = ob.id
	JOIN rewards l ON l.row_id = r.id AND l.objective_id = ol.id WHERE r.split = 'eval')
	SELECT round(1.0 * sum((x.b - y.b) * (x.l - y.l) > 0) / count(*), 3) FROM v x JOIN v y ON x.id < y.id")
ok "rm: ranks the held-out pictures by brightness: concordance $conc >= 0.85" \
	awk "BEGIN { exit !($conc >= 0.85) }"

# a RiC DiT conditioned on the learned reward: eval scores its pictures with rm:
"$RIC" sft --base "$T/dit" --dataset pics --out "$T/ric" --steps 2 --batch 4 > /dev/null 2>&1
like "$(cat "$T/ric/ric.json")" "rm:$T/rm" "the RiC model's objectives name rm:DIR"
out=$("$RIC" eval --model "$T/ric" --dataset pics --prompts 2 --step 1 --ddim-steps 2 \
	--allow-cmd --name rm-eval 2>&1)
bad=$(sqlite3 "$RIC_STORE" "SELECT count(*) FROM samples s JOIN runs r ON r.id = s.run_id
	WHERE r.name = 'rm-eval' AND (s.raw IS NULL OR s.raw LIKE '%null%' OR s.raw LIKE '%nan%')")
got=$(sqlite3 "$RIC_STORE" "SELECT count(*) FROM samples s JOIN runs r ON r.id = s.run_id WHERE r.name = 'rm-eval'")
ok "ric eval scored its $got pictures with rm: ($bad unscored)" test "$got" -ge 4 -a "$bad" -eq 0

# the wrong kinds: one error each
out=$("$RIC" generate --model "$T/rm" -o "$T/x.png" 2>&1)
like "$out" "$T/rm: an image reward model \\(DiT\\) scores images; it draws none" \
	"generate refuses a reward model"
out=$("$RIC" sft --base "$T/rm" --dataset pics --out "$T/x" --steps 1 2>&1)
like "$out" "$T/rm: an image reward model \\(DiT\\) scores images" "and so does sft"
out=$("$RIC" relabel --dataset pics --objective noise="rm:$T/dit" 2>&1)
like "$out" "an image model that predicts noise, not an image reward model" "rm: refuses a noise model"
printf '%s\n' '{"prompt": "a", "chosen": "b", "rejected": "c"}' '{"prompt": "d", "chosen": "e", "rejected": "f"}' \
	> "$T/text.jsonl"
"$RIC" dataset import "$T/text.jsonl" --name tpairs > /dev/null 2>&1
out=$("$RIC" rm-train --base "$T/dit" --pairs tpairs --out "$T/x" --steps 1 2>&1)
like "$out" "dataset tpairs holds text rows; an image reward model trains on image pairs" \
	"rm-train on an image base refuses text pairs"
out=$("$RIC" rm-train --base "$T/dit" --pairs pics --out "$T/x" --steps 1 2>&1)
like "$out" "not in a pair; image pairs come from ric dataset pair-images" \
	"and image rows that are not pairs"
out=$("$RIC" dataset pair-images pics --by nothing --name x 2>&1)
like "$out" "pair-images: dataset pics: .*nothing" "pair-images names a missing objective"
done_testing
