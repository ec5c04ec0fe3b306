#!/bin/sh
# Sharded generation and scoring (issue 19): under `mpirun -np N` the sampling
# half of `ric online` and `ric eval`'s grid, baselines and desired grid give
# each rank its share of the samples, gather them on every rank, and rank 0
# alone writes the store. Same seeds, so the same samples, scores, fronts and
# trained policy as one process. Skipped when ric was built without MPI.
. "$top_srcdir/tests/lib.sh"

mpi_required
command -v sqlite3 >/dev/null 2>&1 || skip_all "sqlite3 is not installed (./bootstrap installs it)"
command -v python3 >/dev/null 2>&1 || skip_all "python3 is not installed (./bootstrap installs it)"
MPIRUN="mpirun --oversubscribe"
CLOSE="python3 $top_srcdir/tests/st_close.py"
chat="$top_srcdir/tests/fixtures/gpt2/chat"
cd "$TEST_TMP" || exit 1
export RIC_STORE="$TEST_TMP/store.db"

awk 'BEGIN {
	split("ab cd ef", w, " "); split("W V X Y", p, " ")
	for (i = 0; i < 40; i++) {
		r = ""
		for (j = 0; j <= i % 6; j++) r = r (j ? " " : "") w[1 + (i + j) % 3]
		printf "{\"prompt\": \"%s%d\", \"response\": \"%s\", \"split\": \"%s\"}\n", p[1 + i % 4], i, r, i < 32 ? "train" : "eval"
	}
}' >rows.jsonl
ok "import" "$RIC" dataset import rows.jsonl --name toy
ok "relabel" "$RIC" relabel --dataset toy --objective length=length --objective brevity=brevity:4
ok "a RiC policy" "$RIC" sft --base "$chat" --dataset toy --steps 2 --batch 4 --out ric --name ric

# samples RUN: everything but ids and times, the texts in hex (tiny models write broken UTF-8)
samples() { sqlite3 "$RIC_STORE" "SELECT s.iteration, hex(s.prompt), hex(s.response), s.preference,
	s.desired, s.raw, s.norm, s.kept FROM samples s JOIN runs r ON r.id = s.run_id
	WHERE r.name = '$1' ORDER BY s.id"; }
# same_samples A B: the same non-empty list
same_samples() { samples "$1" >a.txt; samples "$2" >b.txt; [ -s a.txt ] && cmp -s a.txt b.txt; }
runs() { "$RIC" runs | awk 'NR > 1' | wc -l | tr -d ' '; }
losses() { "$RIC" metrics "$1" loss | awk 'NR > 1 { print $1, $2 }'; }
same_losses() {
	losses "$1" >a.txt
	losses "$2" >b.txt
	[ -s a.txt ] && paste a.txt b.txt | awk '$1 != $3 || ($2 - $4) > 1e-5 || ($4 - $2) > 1e-5 { bad = 1 }
		END { exit bad }'
}

# online: 7 prompts, so the ranks' shares differ (3 and 4)
O="--policy ric --dataset toy --iterations 2 --prompts 7 --mix 4 --steps 2 --batch 4 --max-tokens 6 --seed 5"
ok "online, one process" "$RIC" online $O --out on-1 --name on-1
n=$(runs)
ok "online on two ranks" $MPIRUN -np 2 "$RIC" online $O --out on-2 --name on-2
is "$(runs)" "$((n + 1))" "one online run (rank 0 alone writes the store)"
is "$(samples on-2 | wc -l | tr -d ' ')" 14 "every sample of both iterations stored once"
ok "the same samples, desired and obtained scores and kept flags" same_samples on-1 on-2
ok "the same losses: every rank trained on the same gathered samples" same_losses on-1 on-2
ok "the same policy" $CLOSE on-1/model.safetensors on-2/model.safetensors
# --eval-each: rank 0 runs each iteration's eval (a child process) while
# rank 1 waits for it asleep (tests/mpi_dist.sh times such a wait)
out=$($MPIRUN -np 2 "$RIC" online $O --out on-3 --name on-3 --eval-each --eval-prompts 2 \
	--eval-step 0.5 2>&1); rc=$?
is "$rc" 0 "online --eval-each on two ranks"
like "$out" 'iteration 2: ric eval on-3/checkpoint-2 \(run on-3-eval-2\)' "rank 0 evaluates each iteration"
like "$("$RIC" runs)" 'on-3-eval-2 +eval +done' "the eval runs are done"
ok "and the policy is the one-process one" $CLOSE on-1/model.safetensors on-3/model.safetensors

# eval: the RiC grid, every baseline kind and the desired grid; 5 prompts
# in batches of 2 (ranks' shares 2 and 3, or 1, 2 and 2)
E="--model ric --dataset toy --prompts 5 --step 0.5 --max-tokens 6 --batch 2 --baseline sft:$chat
	--baseline best-of-n:2 --baseline soups --experts $chat,$chat --desired-grid --desired-levels 2"
"$RIC" eval $E --name e1 >e1.out 2>e1.err
is "$?" 0 "eval, one process"
n=$(runs)
$MPIRUN -np 2 "$RIC" eval $E --name e2 >e2.out 2>e2.err
is "$?" 0 "eval on two ranks"
is "$(runs)" "$((n + 5))" "five eval runs, written by rank 0 alone"
# the printed fronts, hypervolumes and weight curves, run ids aside
sed 's/run [0-9]*/run N/' e1.out >e1.n
sed 's/run [0-9]*/run N/' e2.out >e2.n
ok "the same tables, fronts, hypervolumes and curves" cmp e1.n e2.n
like "$(cat e1.n)" 'soups: run N, 3 points x 5 prompts' "and the tables are there"
is "$(grep -c 'point 1/3' e2.err)" 1 "rank 0 alone reports progress"
for r in "" -sft -best-of-2 -soups -desired-grid; do
	ok "e1$r and e2$r: the same samples and scores" same_samples "e1$r" "e2$r"
done
pts() { sqlite3 "$RIC_STORE" "SELECT p.preference, p.raw_mean, p.norm_mean FROM eval_points p
	JOIN runs r ON r.id = p.run_id WHERE r.name = '$1' ORDER BY p.id"; }
pts e1 >a.txt; pts e2 >b.txt
ok "the same stored points" cmp a.txt b.txt
fronts() { sqlite3 "$RIC_STORE" "SELECT f.name, f.hypervolume FROM fronts f JOIN runs r ON r.id = f.run_id
	WHERE r.name LIKE '$1%' ORDER BY f.id"; }
fronts e1 >a.txt; fronts e2 >b.txt
ok "the same stored fronts" test -s a.txt -a "$(cat a.txt)" = "$(cat b.txt)"
$MPIRUN -np 3 "$RIC" eval $E --name e3 >e3.out 2>/dev/null
is "$?" 0 "eval on three ranks"
sed 's/run [0-9]*/run N/' e3.out >e3.n
ok "the same tables on three ranks" cmp e1.n e3.n
ok "and the same best-of-n samples" same_samples e1-best-of-2 e3-best-of-2

# int8 decoding weights: each rank makes its own copy, the samples stay those of one process
W="--model ric --dataset toy --prompts 7 --step 0.5 --max-tokens 8 --batch 3 --weights int8"
"$RIC" eval $W --name w1 2>/dev/null | sed 's/run [0-9]*/run N/' >w1.n
$MPIRUN -np 2 "$RIC" eval $W --name w2 2>/dev/null | sed 's/run [0-9]*/run N/' >w2.n
ok "int8 weights: the same table on two ranks" cmp w1.n w2.n
ok "and the same samples" same_samples w1 w2

# A rank that cannot open a baseline's model (rank 1 reads another copy,
# corrupt, at the same relative path): every rank stops with its error, the
# run and the baseline run are marked failed, and the job ends at once.
mkdir -p a b
ln -s ../ric a/ric && ln -s ../ric b/ric
cp -r "$chat" a/sftx && cp -r "$chat" b/sftx
printf 'XXXX' | dd of=b/sftx/model.safetensors bs=1 seek=8 conv=notrunc 2>/dev/null
F="--model ric --dataset toy --prompts 4 --step 0.5 --max-tokens 4 --baseline sft:sftx --name e5"
out=$(timeout 120 mpirun --oversubscribe -np 1 -wdir a "$RIC" eval $F : -np 1 -wdir b "$RIC" eval $F 2>&1)
rc=$?
is "$rc" 1 "a baseline one rank cannot open fails the eval (not a hang)"
like "$out" 'rank 1: sftx/model.safetensors: not valid JSON' "with that rank's error"
like "$("$RIC" runs | awk '$2 == "e5" || $2 == "e5-sft"' | grep -c failed)" '^2$' \
	"the eval run and its baseline run are marked failed"
like "$("$RIC" show e5)" 'sftx/model.safetensors: not valid JSON' "the run records the error"
done_testing
