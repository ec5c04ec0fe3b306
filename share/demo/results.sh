#!/bin/sh
# results.sh: the demo's results as Markdown (share/demo/results.md, copied
# into README.md): hypervolumes of every evaluation, the mean obtained reward
# per objective as its weight rises, and example generations of the shipped
# policy. WORK (the build's store), SHARE (where the demo was shipped) and
# RIC as in assets.sh.
set -eu
WORK=${WORK:?}
SHARE=${SHARE:?}
RIC=${RIC:?}
python3 - "$WORK/store.db" <<'PY'
import json, sqlite3, sys
db = sqlite3.connect(sys.argv[1])
q = lambda sql, *a: db.execute(sql, a).fetchall()
def run(name):
    return q("SELECT id FROM runs WHERE name = ?", name)[0][0]
online, offline = run("demo-eval-online"), run("demo-eval-offline")
kids = dict((n.split(":")[0], r) for r, n in q(
    "SELECT f.run_id, f.name FROM fronts f JOIN runs r ON r.id = f.run_id WHERE r.parent_id = ?", online))
prompts = q("SELECT value FROM params WHERE run_id = ? AND key = 'prompts'", online)[0][0]
def hv(r):
    return q("SELECT hypervolume, reference FROM fronts WHERE run_id = ?", r)[0]
def npoints(r):
    return q("SELECT count(*) FROM eval_points WHERE run_id = ?", r)[0][0]
ref = hv(online)[1]
rows = [("RiC online (2 iterations)", online, 1), ("RiC offline", offline, 1),
        ("SFT baseline (unconditioned)", kids["sft"], 1), ("best-of-16 (online policy)", kids["best-of-n"], 16)]
print("| model | hypervolume | points on the grid | generations per prompt |")
print("|---|---:|---:|---:|")
for name, r, cost in rows:
    h, rr = hv(r)
    assert rr == ref, "every front shares one reference point"
    print("| %s | %.3f | %d | %d |" % (name, h, npoints(r), npoints(r) * cost))
print()
print("Held-out prompts: %s; reference point (normalised): %s." % (prompts, ", ".join(
    "%.2f" % v for v in json.loads(ref))))
print()
names = [n for (n,) in q("SELECT o.name FROM objectives o JOIN datasets d ON d.id = o.dataset_id"
                         " WHERE d.name = 'demo' ORDER BY o.pos")]
for label, r in (("RiC online", online), ("RiC offline", offline)):
    smp = [(json.loads(p), json.loads(m)) for p, m in q(
        "SELECT e.preference, s.raw FROM samples s JOIN eval_points e ON e.id = s.point_id"
        " WHERE s.run_id = ?", r)]
    levels = sorted(set(round(w, 4) for p, _ in smp for w in p))
    print("%s: mean obtained reward (raw) of each objective over the held-out samples, by"
          " its own weight (+- one standard error); \"monotone\": no step down by more than"
          " two standard errors, \"rises\": w = 1 above w = 0 by more than two:" % label)
    print()
    print("| objective | " + " | ".join("w = %g" % w for w in levels) + " | monotone | rises |")
    print("|---|" + "---:|" * len(levels) + "---|---|")
    for i, n in enumerate(names):
        ms = []
        for w in levels:
            v = [m[i] for p, m in smp if abs(p[i] - w) < 1e-6]
            mu = sum(v) / len(v)
            var = sum((x - mu) ** 2 for x in v) / (len(v) - 1) if len(v) > 1 else 0.0
            ms.append((mu, (var / len(v)) ** 0.5))
        two = lambda a, b: 2 * (a[1] ** 2 + b[1] ** 2) ** 0.5
        mono = all(b[0] >= a[0] - two(a, b) for a, b in zip(ms, ms[1:]))
        rises = ms[-1][0] - ms[0][0] > two(ms[0], ms[-1])
        print("| %s | " % n + " | ".join("%.3f +- %.3f" % m for m in ms) +
              " | %s | %s |" % ("yes" if mono else "no", "yes" if rises else "no"))
    print()
PY
echo "Example generations of share/demo/policy (temperature 0.7, top-p 0.9, seed 1):"
echo
for prompt in "Quote by Mark Twain:" "Define river (noun):"; do
	for pref in 1,0,0,0 0,1,0,0 0,0,1,0; do
		echo "\`ric generate --model share/demo/policy --prompt \"$prompt\" --pref $pref --seed 1\`"
		echo
		echo '```'
		RIC_DATADIR="$SHARE" "$RIC" generate --model "$SHARE/demo/policy" --prompt "$prompt" \
			--pref "$pref" --max-tokens 48 --temperature 0.7 --top-p 0.9 --seed 1 2>&1
		echo '```'
		echo
	done
done
