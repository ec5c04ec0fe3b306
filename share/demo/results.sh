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
# the baselines: eval runs under the online one, named demo-eval-online-KIND
kids = dict((n[len("demo-eval-online-"):], r) for r, n in q(
    "SELECT id, name FROM runs WHERE parent_id = ? AND stage = 'eval'", online))
prompts = q("SELECT value FROM params WHERE run_id = ? AND key = 'prompts'", online)[0][0]
def hv(r):
    return q("SELECT hypervolume, reference FROM fronts WHERE run_id = ?", r)[0]
def npoints(r):
    return q("SELECT count(*) FROM eval_points WHERE run_id = ?", r)[0][0]
ref = hv(online)[1]
iters = q("SELECT value FROM params p JOIN runs r ON r.id = p.run_id"
          " WHERE r.name = 'demo-online' AND p.key = 'iterations'")
iters = iters[0][0] if iters else "?"
# generations per prompt: one per grid point for the conditioned models and
# the soups, one for the SFT model, K for best-of-K (reranked per point)
rows = [("RiC online (%s iterations)" % iters, online, None), ("RiC offline", offline, None),
        ("Rewarded Soups (one expert per objective)", kids["soups"], None),
        ("best-of-4 over the SFT model", kids["sft-best-of-4"], 4),
        ("SFT baseline (unconditioned)", kids["sft"], 1)]
print("| model | hypervolume | points on the grid | generations per prompt |")
print("|---|---:|---:|---:|")
for name, r, cost in rows:
    h, rr = hv(r)
    assert rr == ref, "every front shares one reference point"
    print("| %s | %.3f | %d | %d |" % (name, h, npoints(r), cost or npoints(r)))
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
echo "Example generations of share/demo/policy (temperature 0.7, top-p 0.9, seed 1), each"
echo "objective's weight 1 in turn:"
echo
# the unit preferences of the policy's objectives: 1,0,0 0,1,0 0,0,1
n=$(python3 -c 'import json, sys; print(len(json.load(open(sys.argv[1]))["objectives"]))' \
	"$SHARE/demo/policy/ric.json")
prefs=$(awk -v n="$n" 'BEGIN { for (i = 1; i <= n; i++) { s = ""
	for (j = 1; j <= n; j++) s = s (j > 1 ? "," : "") (i == j); printf "%s ", s } }')
for prompt in "Quote by Mark Twain:" "Define river (noun):"; do
	for pref in $prefs; do
		echo "\`ric generate --model share/demo/policy --prompt \"$prompt\" --pref $pref --seed 1\`"
		echo
		echo '```'
		RIC_DATADIR="$SHARE" "$RIC" generate --model "$SHARE/demo/policy" --prompt "$prompt" \
			--pref "$pref" --max-tokens 48 --temperature 0.7 --top-p 0.9 --seed 1 2>&1
		echo '```'
		echo
	done
done
