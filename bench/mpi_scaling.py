#!/usr/bin/python3
"""Data-parallel scaling of one training step (issue 19): 1 rank x 1 thread
against `mpirun -np 2` x 1 thread, the two runs interleaved ROUNDS times so
that a busy machine's load falls on both alike, with each phase of a step
(ric bench train's "phases": forward, backward, the sum inside and after the
backward pass, the optimizer) per rank, in wall and in CPU seconds.

    bench/mpi_scaling.py RIC [--shape tiny|small] [--rounds N] [--steps N] [--batch B]

Efficiency = (2-rank tokens/s) / (2 x 1-rank tokens/s). The CPU figure uses
CPU seconds per step instead of wall seconds (1-rank CPU / the 2 ranks' mean
CPU): on a machine shared with other work it tells more of what the ranks
would do with a core each, but Open MPI polls while it waits, so a rank
waiting for one that lost its core burns CPU too. The "own cores" estimate
takes that out: a rank's step is its CPU outside the wait after backward
plus the smaller of the two ranks' waits (the sum's own work), the step
the slower rank's. Medians over the rounds; the load average before and
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


def main():
    args = sys.argv[1:]
    if not args:
        sys.exit(__doc__)
    ric, shape, rounds, steps, gbatch = args[0], "small", 3, None, None
    i = 1
    while i < len(args):
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
    flags, batch, seq, nsteps = SHAPES[shape]
    steps = steps or nsteps
    batch = gbatch or batch
    bench = [ric, "bench", "train"] + flags.split() + ["--batch", str(batch), "--seq", str(seq),
                                                        "--steps", str(steps), "--threads", "1",
                                                        "--json"]
    env = dict(os.environ, BLIS_NUM_THREADS="1")
    mpi = ["mpirun", "--oversubscribe", "-np", "2"]
    if os.getuid() == 0:
        mpi.append("--allow-run-as-root")
    load0 = open("/proc/loadavg").read().split()[:3]
    rows = []
    for r in range(rounds):
        one = run(bench, env)
        two = run(mpi + bench, env)
        eff = two["tokens_per_s"] / (2 * one["tokens_per_s"])
        pc = two["phases_cpu"]
        cpu2 = statistics.mean(p["step"] for p in pc)
        effc = one["phases_cpu"][0]["step"] / (2 * cpu2)
        wait = min(p["reduce_wait"] for p in pc)
        own = max(p["step"] - p["reduce_wait"] + wait for p in pc)
        effo = one["phases_cpu"][0]["step"] / (2 * own)
        rows.append((one, two, eff, effc, effo))
        print("round %d: 1 rank %.1f tok/s, 2 ranks %.1f tok/s: efficiency %.0f%% (CPU %.0f%%, "
              "own cores %.0f%%), allreduce %.0f%% of a step, load %s" %
              (r + 1, one["tokens_per_s"], two["tokens_per_s"], 100 * eff, 100 * effc, 100 * effo,
               100 * two["allreduce_share"], open("/proc/loadavg").read().split()[0]), flush=True)
    load1 = open("/proc/loadavg").read().split()[:3]
    med = statistics.median
    print("%s (batch %d x %d), %d rounds, load %s before, %s after" %
          (shape, batch, seq, rounds, " ".join(load0), " ".join(load1)))
    print("median efficiency %.0f%% (wall), %.0f%% (CPU), %.0f%% (CPU, own cores estimate)" %
          (100 * med(r[2] for r in rows), 100 * med(r[3] for r in rows),
           100 * med(r[4] for r in rows)))
    for kind, key in (("wall", "phases"), ("CPU", "phases_cpu")):
        print("median %s seconds per step:  %s" % (kind, "  ".join("%10s" % p for p in PHASES)))
        print("  1 rank, whole batch     :  %s" % "  ".join(
            "%10.3f" % med(r[0][key][0][p] for r in rows) for p in PHASES))
        for k in range(2):
            print("  2 ranks, rank %d (half)  :  %s" % (k, "  ".join(
                "%10.3f" % med(r[1][key][k][p] for r in rows) for p in PHASES)))


main()
