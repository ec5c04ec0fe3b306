# pairs.py: the sentiment reward model's training pairs (assets.sh, stage
# reward): two training rows of the same dataset whose AFINN-165 positivity
# (the lexicon reward, relabelled into the store) differs by at least MARGIN;
# the more positive one is chosen. The prompt is either row's, drawn at
# random, so that the model cannot learn "the response that fits the prompt
# wins". Fixed seed: the same pairs every time.
#
#   python3 pairs.py STORE DATASET N MARGIN > pairs.jsonl
import json
import random
import sqlite3
import sys

store, dataset, want, margin = sys.argv[1], sys.argv[2], int(sys.argv[3]), float(sys.argv[4])
db = sqlite3.connect(store)
rows = db.execute("""SELECT r.prompt, r.response, w.value FROM dataset_rows r
  JOIN datasets d ON d.id = r.dataset_id JOIN rewards w ON w.row_id = r.id
  JOIN objectives o ON o.id = w.objective_id
  WHERE d.name = ? AND o.name = 'positivity' AND r.split = 'train' ORDER BY r.id""",
                  (dataset,)).fetchall()
if len(rows) < 2:
    sys.exit("pairs.py: dataset %s has no positivity scores (relabel it first)" % dataset)
rng = random.Random(1)
idx = list(range(len(rows)))
out = 0
while out < want:
    before = out
    rng.shuffle(idx)
    for a, b in zip(idx[::2], idx[1::2]):
        pa, ra, va = rows[a]
        pb, rb, vb = rows[b]
        if abs(va - vb) < margin:
            continue
        if va < vb:
            pa, ra, va, pb, rb, vb = pb, rb, vb, pa, ra, va
        p = pa if rng.random() < 0.5 else pb
        print(json.dumps({"prompt": p, "chosen": ra, "rejected": rb}))
        out += 1
        if out >= want:
            break
    if out == before:
        break  # no two rows differ enough (a tiny DEMO_QUICK dataset)
