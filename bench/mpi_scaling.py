#!/usr/bin/python3
"""Data-parallel scaling of one training step (issue 19): 1 rank x 1 thread
against `mpirun -np 2` x 1 thread, the two runs interleaved ROUNDS times so
that a busy machine's load falls on both alike, with each phase of a step
(ric bench train's "phases": forward, backward, the sum inside and after the
backward pass, the optimizer) per rank, in wall and in CPU seconds.

    bench/mpi_scaling.py RIC [--shape tiny|small] [--rounds N] [--steps N] [--batch B]
                         [--no-weak] [--ring]

Strong scaling (the goal): the same global batch B on 2 ranks (B/2 rows
each) as on 1; efficiency = (2-rank tokens/s) / (2 x 1-rank tokens/s).
Weak scaling (the convention of Horovod's and DDP's benchmarks), printed
beside it: 2 ranks each with the 1-rank batch (global 2B) against 1 rank,
the same formula; --no-weak leaves it out. Ranks on one host sum through
memory they share (ric bench train's "sum": "shared memory"); --ring adds
a third run per round with RIC_MPI_SHM=0, the ring of messages that
several hosts use, for comparison. The CPU figure uses
CPU seconds per step instead of wall seconds (1-rank CPU / the 2 ranks' mean
CPU): on a machine shared with other work it tells more of what the ranks
would do with a core each, but Open MPI polls while it waits, so a rank
waiting for one that lost its core burns CPU too. The "own cores" estimate
takes that out: a rank's step is its CPU outside the waits after backward
(reduce_wait and gather) plus the smaller of the two ranks' waits (the
sum's own work), the step the slower rank's. Medians over the rounds; the load average before and
after is printed. Only a quiet machine with a core per rank gives the
real (wall) figure.
"""
import json
import os
import statistics
import subprocess
import sys

SHAPES = {
    "tiny": ("--layers 4 --heads 4 --embd 256 --vocab 4096 --ctx 1024", 8, 128, 4),
    "small": ("--layers 12 --heads 12 --embd 768 --vocab 50257 --ctx 1024", 4, 128, 3),
}
PHASES = ["forward", "backward", "reduce_in_backward", "reduce_wait", "optimizer", "gather", "step"]


def run(cmd, env):
    out = subprocess.run(cmd, env=env, capture_output=True, text=True)
    lines = [l for l in out.stdout.splitlines() if l.startswith("{")]
    if out.returncode != 0 or not lines:
        sys.exit("failed: %s\n%s" % (" ".join(cmd), out.stderr))
    return json.loads(lines[-1])


def effs(one, two, per_rank_rows_same):
    """wall, CPU and own-cores efficiency of a 2-rank run against one rank:
    with the same global batch (strong) the ideal 2-rank step is half the
    1-rank step, with the 1-rank batch on each rank (weak) equal to it"""
    k = 1.0 if per_rank_rows_same else 2.0
    eff = two["tokens_per_s"] / (2 * one["tokens_per_s"])
    pc = two["phases_cpu"]
    base = one["phases_cpu"][0]["step"]
    effc = base / (k * statistics.mean(p["step"] for p in pc))
    wait = min(p["reduce_wait"] + p["gather"] for p in pc)
    own = max(p["step"] - p["reduce_wait"] - p["gather"] + wait for p in pc)
    return eff, effc, base / (k * own)


def main():
    args = sys.argv[1:]
    if not args:
        sys.exit(__doc__)
    ric, shape, rounds, steps, gbatch, weak, ring = args[0], "small", 3, None, None, True, False
    i = 1
    while i < len(args):
        if args[i] == "--no-weak":
            weak = False
            i += 1
            continue
        if args[i] == "--ring":
            ring = True
            i += 1
            continue
        if i + 1 >= len(args):
            sys.exit("%s needs a value" % args[i])
        if args[i] == "--shape":
            shape = args[i + 1]
        elif args[i] == "--rounds":
            rounds = int(args[i + 1])
        elif args[i] == "--steps":
            steps = int(args[i + 1])
        elif args[i] == "--batch":
            gbatch = int(args[i + 1])
        else:
            sys.exit("unknown option %s" % args[i])
        i += 2
    if shape not in SHAPES:
        sys.exit("--shape: tiny or small")
    flags, batch, seq, nsteps = SHAPES[shape]
    steps = steps or nsteps
    batch = gbatch or batch

    def bench(b):
        return [ric, "bench", "train"] + flags.split() + ["--batch", str(b), "--seq", str(seq),
                                                          "--steps", str(steps), "--threads", "1",
                                                          "--json"]
    env = dict(os.environ, BLIS_NUM_THREADS="1")
    mpi = ["mpirun", "--oversubscribe", "-np", "2"]
    if os.getuid() == 0:
        mpi.append("--allow-run-as-root")
    load0 = open("/proc/loadavg").read().split()[:3]
    rows = []
    for r in range(rounds):
        row = {"one": run(bench(batch), env), "strong": run(mpi + bench(batch), env)}
        if ring:
            row["ring"] = run(mpi + bench(batch), dict(env, RIC_MPI_SHM="0"))
        if weak:
            row["weak"] = run(mpi + bench(2 * batch), env)
        rows.append(row)
        line = "round %d: 1 rank %.1f tok/s" % (r + 1, row["one"]["tokens_per_s"])
        for kind in ("strong", "ring", "weak"):
            if kind in row:
                e = effs(row["one"], row[kind], kind == "weak")
                row[kind + "_eff"] = e
                line += "; %s (%s) %.1f tok/s: %.0f%% (CPU %.0f%%, own cores %.0f%%)" % (
                    kind, row[kind].get("sum", "?"), row[kind]["tokens_per_s"], 100 * e[0],
                    100 * e[1], 100 * e[2])
        print(line + ", load %s" % open("/proc/loadavg").read().split()[0], flush=True)
    load1 = open("/proc/loadavg").read().split()[:3]
    med = statistics.median
    print("%s (batch %d x %d), %d rounds of %d steps, load %s before, %s after" %
          (shape, batch, seq, rounds, steps, " ".join(load0), " ".join(load1)))
    names = {"strong": "strong scaling (the goal; global batch %d on 2 ranks)" % batch,
             "ring": "strong scaling, ring of messages (RIC_MPI_SHM=0)",
             "weak": "weak scaling (batch %d on each of 2 ranks)" % batch}
    for kind in ("strong", "ring", "weak"):
        if kind in rows[0]:
            print("median %s: %.0f%% (wall), %.0f%% (CPU), %.0f%% (CPU, own cores estimate), "
                  "allreduce %.0f%% of a step" %
                  (names[kind], 100 * med(r[kind + "_eff"][0] for r in rows),
                   100 * med(r[kind + "_eff"][1] for r in rows),
                   100 * med(r[kind + "_eff"][2] for r in rows),
                   100 * med(r[kind]["allreduce_share"] for r in rows)))
    for unit, key in (("wall", "phases"), ("CPU", "phases_cpu")):
        print("median %s seconds per step:  %s" % (unit, "  ".join("%10s" % p for p in PHASES)))
        print("  1 rank, batch %-3d           :  %s" % (batch, "  ".join(
            "%10.3f" % med(r["one"][key][0][p] for r in rows) for p in PHASES)))
        for kind in ("strong", "ring", "weak"):
            if kind not in rows[0]:
                continue
            for k in range(2):
                print("  %-6s rank %d (%d rows)%s:  %s" % (
                    kind, k, batch // 2 if kind != "weak" else batch,
                    " " * (6 if kind != "weak" else 5), "  ".join(
                        "%10.3f" % med(r[kind][key][k][p] for r in rows) for p in PHASES)))


main()
