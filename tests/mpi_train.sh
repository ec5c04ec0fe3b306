#!/bin/sh
# Data parallelism (issue 19): `mpirun -np 2 ric STAGE` splits every global
# batch between the ranks, sums the gradients and takes the same AdamW step;
# the result equals one process with the same batch and seed within float
# tolerance, for pretrain, sft, rm-train and online. Rank 0 alone writes the
# store (one run), ranks that disagree on arguments, files or store are told
# so, and a killed rank ends the job. Skipped when ric was built without MPI.
. "$top_srcdir/tests/lib.sh"

mpi_required
MPIRUN="mpirun --oversubscribe -np 2"
CLOSE="python3 $top_srcdir/tests/st_close.py"
command -v python3 >/dev/null 2>&1 || skip_all "python3 is not installed (./bootstrap installs it)"

TOK="$top_srcdir/tests/fixtures/gpt2/chat"
cd "$TEST_TMP" || exit 1
export RIC_STORE="$TEST_TMP/store.db"

# losses RUN [KEY]: "step value" per line
losses() { "$RIC" metrics "$1" "${2:-loss}" | awk 'NR > 1 { print $1, $2 }'; }
# same_losses A B [KEY]: step for step within 1e-5
same_losses() {
	losses "$1" "${3:-loss}" >a.txt
	losses "$2" "${3:-loss}" >b.txt
	[ -s a.txt ] && paste a.txt b.txt | awk '$1 != $3 || ($2 - $4) > 1e-5 || ($4 - $2) > 1e-5 { bad = 1 }
		END { exit bad }'
}
runs() { "$RIC" runs | awk 'NR > 1' | wc -l | tr -d ' '; }

awk 'BEGIN { split("the cat sat on a mat and the dog ran to the park", w, " "); x = 5
	for (k = 0; k < 900; k++) { x = (x * 1103515245 + 12345) % 2147483648; printf "%s ", w[1 + x % 13] }
	print "." }' >text.txt

# pretrain: an odd batch, so the ranks' shares differ (2 and 3 rows)
P="--tokenizer $TOK --layers 1 --heads 2 --embd 32 --ctx 32 --steps 8 --batch 5 --lr 3e-3 --save-every 0"
ok "pretrain, one process" "$RIC" pretrain $P --out one --name pre-1 text.txt
n=$(runs)
ok "pretrain on two ranks" $MPIRUN "$RIC" pretrain $P --out two --name pre-2 text.txt
is "$(runs)" "$((n + 1))" "two ranks make one run (rank 0 alone writes the store)"
like "$("$RIC" show pre-2)" 'ranks +2' "the run records its ranks"
ok "two ranks give the one-process model" $CLOSE one/model.safetensors two/model.safetensors
ok "and its losses, step for step" same_losses pre-1 pre-2
ok "and its gradient norms" same_losses pre-1 pre-2 grad_norm

# Ranks on one host sum through memory they share (an MPI-3 window: the
# gradients added straight from each other's, one copy of the weights);
# RIC_MPI_SHM=0 keeps the ring of messages that ranks on several hosts use.
B="--layers 1 --heads 2 --embd 32 --vocab 64 --ctx 32 --batch 2 --seq 16 --steps 1 --json"
like "$($MPIRUN "$RIC" bench train $B 2>&1)" '"sum": *"shared memory"' \
	"two ranks on one host sum through shared memory"
like "$(env RIC_MPI_SHM=0 $MPIRUN "$RIC" bench train $B 2>&1)" '"sum": *"messages"' \
	"RIC_MPI_SHM=0: through messages"
ok "pretrain on two ranks, the ring of messages as across hosts" \
	env RIC_MPI_SHM=0 $MPIRUN "$RIC" pretrain $P --out two-m --name pre-2m text.txt
ok "the one-process model" $CLOSE one/model.safetensors two-m/model.safetensors
ok "and its losses" same_losses pre-1 pre-2m

# The AdamW step is sharded: each rank updates its own chunk of every bucket
# and the weights go round; a checkpoint's moments are gathered whole first.
# RIC_MPI_SHARD=0 (every rank steps on the whole sum) gives the same model.
P4=$(printf '%s' "$P" | sed 's/--save-every 0/--save-every 4/')
ok "pretrain with a checkpoint at step 4, one process" "$RIC" pretrain $P4 --out one-s --name pre-1s text.txt
ok "and on two ranks" $MPIRUN "$RIC" pretrain $P4 --out two-s --name pre-2s text.txt
ok "the checkpoint's optimizer moments equal one process's" \
	$CLOSE one-s/checkpoint-4/optimizer.safetensors two-s/checkpoint-4/optimizer.safetensors
ok "pretrain on two ranks, the step not sharded" \
	env RIC_MPI_SHARD=0 $MPIRUN "$RIC" pretrain $P --out two-ns --name pre-2ns text.txt
ok "the same model" $CLOSE one/model.safetensors two-ns/model.safetensors

# Overlap (the ring): with buckets of 1000 floats the model's 22,016 gradients go in 23
# buckets that straddle the layers, each summed (a ring of messages) as soon as the
# backward pass has completed it; the blocking sum after the backward pass
# (RIC_MPI_OVERLAP=0) and a rank without rows (batch 1: rank 1 starts every
# bucket when its step ends, in the same order) give the same model.
ok "pretrain on two ranks, 23 buckets overlapping the backward pass" \
	env RIC_MPI_SHM=0 RIC_MPI_BUCKET=1000 $MPIRUN "$RIC" pretrain $P --out two-b --name pre-2b text.txt
ok "the one-process model" $CLOSE one/model.safetensors two-b/model.safetensors
ok "and its losses" same_losses pre-1 pre-2b
ok "summed after the backward pass" \
	env RIC_MPI_BUCKET=1000 RIC_MPI_OVERLAP=0 $MPIRUN "$RIC" pretrain $P --out two-c --name pre-2c text.txt
ok "the same model" $CLOSE one/model.safetensors two-c/model.safetensors
P1=$(printf '%s' "$P" | sed 's/--batch 5/--batch 1/')
ok "batch 1, one process" "$RIC" pretrain $P1 --out one-1 --name pre-1-1 text.txt
ok "batch 1 on two ranks: rank 1 has no rows" \
	env RIC_MPI_BUCKET=1000 $MPIRUN "$RIC" pretrain $P1 --out two-1 --name pre-2-1 text.txt
ok "the one-process model" $CLOSE one-1/model.safetensors two-1/model.safetensors
out=$(env RIC_MPI_BUCKET=0 $MPIRUN "$RIC" pretrain $P --out x0 text.txt 2>&1)
like "$out" 'RIC_MPI_BUCKET=0: give floats per bucket' "a bad RIC_MPI_BUCKET is named"
is "$(printf '%s\n' "$out" | grep -c 'RIC_MPI_BUCKET=0')" 1 "by rank 0 alone"

# rm-train: the ranks split the pairs
awk 'BEGIN { split("great good nice happy", g, " "); split("awful bad sad poor", b, " "); x = 3
	for (k = 0; k < 48; k++) { x = (x * 1103515245 + 12345) % 2147483648
		printf "{\"prompt\": \"Q: how was it? A:\", \"chosen\": \" it was %s\", \"rejected\": \" it was %s\"}\n", g[1 + x % 4], b[1 + int(x / 7) % 4] } }' >pairs.jsonl
R="--base one --pairs pairs.jsonl --steps 6 --batch 3 --lr 3e-3 --warmup 2 --max-len 32 --save-every 0"
ok "rm-train, one process" "$RIC" rm-train $R --out rm-1 --name rm-1
ok "rm-train on two ranks" $MPIRUN "$RIC" rm-train $R --out rm-2 --name rm-2
# AdamW divides by the root of each gradient's second moment, so a
# parameter whose gradient is zero but for rounding moves by about lr either
# way: ln_f's bias shifts the chosen and the rejected score alike, and its
# Bradley-Terry gradient cancels. Such weights agree to about 1e-3.
ok "the same reward model" $CLOSE rm-1/model.safetensors rm-2/model.safetensors 2e-3
ok "the same losses" same_losses rm-1 rm-2
ok "the same gradient norms" same_losses rm-1 rm-2 grad_norm
ok "the same training accuracies" same_losses rm-1 rm-2 train_accuracy
# LoRA rm-train with dropout: a rank holds its chosen rows and then its
# rejected ones; each draws the masks its place in the whole batch gives it
L="--lora-rank 4 --lora-dropout 0.3"
ok "LoRA rm-train with dropout, one process" "$RIC" rm-train $R $L --out lrm-1 --name lrm-1
ok "LoRA rm-train with dropout on two ranks" $MPIRUN "$RIC" rm-train $R $L --out lrm-2 --name lrm-2
ok "the same adapter and score head" $CLOSE lrm-1/adapter_model.safetensors lrm-2/adapter_model.safetensors
ok "the same LoRA reward losses" same_losses lrm-1 lrm-2

# sft on a store dataset, read by every rank
awk 'BEGIN { split("ab cd ef", w, " "); x = 11
	for (i = 0; i < 40; i++) { x = (x * 1103515245 + 12345) % 2147483648; k = 1 + int(x / 65536) % 5; r = ""
		for (j = 0; j < k; j++) { x = (x * 1103515245 + 12345) % 2147483648; r = r (j ? " " : "") w[1 + int(x / 65536) % 3] }
		printf "{\"prompt\": \"%s\", \"response\": \"%s\"}\n", substr("WVXY", 1 + i % 4, 1), r } }' >rows.jsonl
ok "import" "$RIC" dataset import rows.jsonl --name toy
ok "relabel" "$RIC" relabel --dataset toy --objective length=length
S="--base one --dataset toy --steps 6 --batch 4 --lr 2e-3 --warmup 2 --template {prompt}{z1}{marker} --marker >"
ok "sft, one process" "$RIC" sft $S --out sft-1 --name sft-1
ok "sft on two ranks" $MPIRUN "$RIC" sft $S --out sft-2 --name sft-2
ok "the same model" $CLOSE sft-1/model.safetensors sft-2/model.safetensors
ok "the same losses" same_losses sft-1 sft-2
# LoRA sft with dropout: each row draws its masks whatever rank holds it
ok "LoRA sft, one process" "$RIC" sft $S --out lsft-1 --name lsft-1 --lora-rank 4 --lora-dropout 0.2
ok "LoRA sft on two ranks" $MPIRUN "$RIC" sft $S --out lsft-2 --name lsft-2 --lora-rank 4 --lora-dropout 0.2
ok "the same adapter" $CLOSE lsft-1/adapter_model.safetensors lsft-2/adapter_model.safetensors
ok "the same LoRA losses" same_losses lsft-1 lsft-2

# relabel: each rank scores its share of every page, rank 0 stores them all
ok "import the rows again" "$RIC" dataset import rows.jsonl --name toy-a
ok "and again" "$RIC" dataset import rows.jsonl --name toy-b
ok "relabel with a reward model, one process" "$RIC" relabel --dataset toy-a \
	--objective rm=rm:rm-1 --objective length=length --batch 8
ok "relabel on two ranks" $MPIRUN "$RIC" relabel --dataset toy-b \
	--objective rm=rm:rm-1 --objective length=length --batch 7
like "$("$RIC" runs --stage relabel | awk 'NR == 2')" 'relabel.*done' "one relabel run"
scores() { sqlite3 "$RIC_STORE" "SELECT o.name, r.value FROM rewards r JOIN objectives o ON o.id = r.objective_id
	JOIN datasets d ON d.id = o.dataset_id WHERE d.name = '$1' ORDER BY o.pos, r.row_id"; }
stats() { sqlite3 "$RIC_STORE" "SELECT o.name, o.mu, o.sigma, o.lo, o.hi FROM objectives o
	JOIN datasets d ON d.id = o.dataset_id WHERE d.name = '$1' ORDER BY o.pos"; }
close_cols() { # FILE-A FILE-B: same lines, numbers within 1e-5
	[ -s "$1" ] && [ "$(wc -l <"$1")" -eq "$(wc -l <"$2")" ] &&
	paste -d'|' "$1" "$2" | awk -F'|' '{ n = NF / 2; for (i = 1; i <= n; i++) { a = $i; b = $(i + n)
		if (a != b && (a - b > 1e-5 || b - a > 1e-5 || a + 0 != a)) bad = 1 } } END { exit bad }'
}
scores toy-a >sa.txt; scores toy-b >sb.txt
is "$(wc -l <sb.txt | tr -d ' ')" 80 "every row scored for both objectives on two ranks"
ok "sharded scores equal unsharded ones" close_cols sa.txt sb.txt
stats toy-a >ta.txt; stats toy-b >tb.txt
ok "and so do mu, sigma, lo and hi" close_cols ta.txt tb.txt

# sft resumed on two ranks from a one-process checkpoint
rc=0
"$RIC" sft $S --out sft-h --stop-at 3 --name sft-h >/dev/null 2>&1 || rc=$?
is "$rc" 130 "sft stops at --stop-at"
ok "and resumes on two ranks" $MPIRUN "$RIC" sft $S --out sft-h --resume sft-h/checkpoint-3 --name sft-h2
ok "3 + 3 steps, the second on two ranks, equal 6 in one process" \
	$CLOSE sft-1/model.safetensors sft-h/model.safetensors

# online: the training half of every iteration on two ranks
O="--policy sft-1 --dataset toy --iterations 2 --prompts 8 --mix 4 --lr 1e-3 --max-tokens 8 --seed 3"
ok "online, one process" "$RIC" online $O --out on-1 --name on-1
ok "online on two ranks" $MPIRUN "$RIC" online $O --out on-2 --name on-2
ok "the same online policy" $CLOSE on-1/model.safetensors on-2/model.safetensors
ok "the same online losses" same_losses on-1 on-2
is "$("$RIC" export on-2 --what samples | wc -l)" "$("$RIC" export on-1 --what samples | wc -l)" \
	"rank 0 alone stores the samples"

# Bad input: one clear error each.
out=$(mpirun --oversubscribe -np 1 "$RIC" pretrain $P --out x1 text.txt : \
	-np 1 "$RIC" pretrain $P --lr 1e-3 --out x1 text.txt 2>&1)
like "$out" 'rank 1 of 2 differs from rank 0 in its arguments' "ranks started with other arguments"
like "$("$RIC" runs | grep -c ' failed ')" '^1$' "the run is marked failed"
mkdir -p a b
cp text.txt a/ && sed 's/cat/cow/' text.txt >b/text.txt
out=$(mpirun --oversubscribe -np 1 -wdir a "$RIC" pretrain $P --out "$TEST_TMP/x2" text.txt : \
	-np 1 -wdir b "$RIC" pretrain $P --out "$TEST_TMP/x2" text.txt 2>&1)
like "$out" 'rank 1 of 2 differs from rank 0 in its input files' "ranks that read other files"
"$RIC" --store other.db runs >/dev/null 2>&1
out=$(mpirun --oversubscribe -np 1 "$RIC" --store store.db pretrain $P --out x3 text.txt : \
	-np 1 "$RIC" --store other.db pretrain $P --out x3 text.txt 2>&1)
like "$out" 'rank 1: the store .*other.db is not the one rank 0 writes' "a store the ranks do not share"
out=$(mpirun --oversubscribe -np 1 "$RIC" --store store.db pretrain $P --out x4 text.txt : \
	-np 1 "$RIC" --store nosuch.db pretrain $P --out x4 text.txt 2>&1)
like "$out" 'rank 1: .*nosuch.db.*every rank must see the store rank 0 writes' "a store one rank cannot see"

# A killed rank ends the whole job at once, not at the end of a timeout;
# `ric job start --ranks 2` shows it as one job, failed with the rank's
# error, and `ric job resume --ranks 1` finishes it from its last checkpoint.
J="--tokenizer $TOK --layers 1 --heads 2 --embd 32 --ctx 32 --steps 300 --batch 4 --lr 1e-3 --save-every 20"
ok "pretrain 300 steps, one process" "$RIC" pretrain $J --out straight --name straight text.txt
id=$("$RIC" job start --ranks 2 pretrain $J --out jobbed --name jobbed text.txt 2>/dev/null)
like "$id" '^[0-9]+$' "job start --ranks 2 prints one job id"
i=0
while [ $i -lt 300 ] && [ ! -f jobbed/checkpoint-20/trainer_state.json ]; do sleep 0.1; i=$((i + 1)); done
like "$("$RIC" job list)" "--ranks 2 pretrain" "the job list shows one job on 2 ranks"
victim=""
for p in $(pgrep -f "pretrain --job $id "); do
	tr '\0' '\n' <"/proc/$p/environ" 2>/dev/null | grep -qx 'OMPI_COMM_WORLD_RANK=1' && victim=$p
done
ok "found rank 1" test -n "$victim"
kill -9 $victim
i=0
while [ $i -lt 100 ] && [ -n "$(pgrep -f "pretrain --job $id ")" ]; do sleep 0.1; i=$((i + 1)); done
is "$(pgrep -f "pretrain --job $id " | wc -l | tr -d ' ')" 0 "every rank ended within 10 s of the kill"
# the supervisor records how mpirun ended
while [ $i -lt 150 ] && ! "$RIC" job show "$id" | grep -q 'rank 1'; do sleep 0.1; i=$((i + 1)); done
show=$("$RIC" job show "$id")
like "$show" 'state +failed' "the job is marked failed"
like "$show" 'rank 1' "with the rank's error"
ok "job resume --ranks 1 continues it in one process" "$RIC" job resume "$id" --ranks 1
i=0
while [ $i -lt 600 ] && ! "$RIC" job show "$id" | grep -q 'done'; do sleep 0.1; i=$((i + 1)); done
like "$("$RIC" job show "$id")" 'done' "the resumed job is done"
ok "killed on 2 ranks, resumed on 1: the one-process model" \
	$CLOSE straight/model.safetensors jobbed/model.safetensors 1e-4

# job cancel: SIGTERM reaches rank 0, the ranks agree to stop after the same
# step, rank 0 checkpoints it, and the job resumes on 2 ranks.
id=$("$RIC" job start --ranks 2 pretrain $J --out cancelled --name cancelled text.txt 2>/dev/null)
i=0
while [ $i -lt 300 ] && [ ! -f cancelled/checkpoint-20/trainer_state.json ]; do sleep 0.1; i=$((i + 1)); done
ok "job cancel stops a 2-rank job" "$RIC" job cancel "$id" --timeout 30
like "$("$RIC" job show "$id")" 'state +cancelled' "the job is cancelled"
# mpirun and its supervisor end a moment after the ranks
i=0
while [ $i -lt 100 ] && [ -n "$(pgrep -f "pretrain --job $id ")" ]; do sleep 0.1; i=$((i + 1)); done
is "$(pgrep -f "pretrain --job $id " | wc -l | tr -d ' ')" 0 "and no rank is left"
sleep 0.5
ok "job resume on 2 ranks" "$RIC" job resume "$id"
i=0
while [ $i -lt 600 ] && ! "$RIC" job show "$id" | grep -q 'state *done'; do sleep 0.1; i=$((i + 1)); done
like "$("$RIC" job show "$id")" 'state +done' "the resumed 2-rank job is done"
ok "cancelled and resumed on 2 ranks: the one-process model" \
	$CLOSE straight/model.safetensors cancelled/model.safetensors 1e-4

# the image model: every row draws its own noise and timestep, so two ranks
# splitting a batch of 5 (2 and 3 images) train the one-process DiT
mkdir -p icons
i=0
for c in "255 0 0" "0 255 0" "0 0 255" "255 255 0" "0 255 255" "40 40 40" "200 200 200"; do
	# shellcheck disable=SC2086
	python3 "$top_srcdir/tests/mkpng.py" icons/i$i.png 32 32 rgb $c
	i=$((i + 1))
done
ok "import images" "$RIC" dataset import-images icons --eval-fraction 0
D="--arch dit --dataset icons --layers 1 --heads 2 --embd 32 --steps 6 --batch 5 --lr 3e-3 --save-every 0"
ok "dit pretrain, one process" "$RIC" pretrain $D --out dit-1 --name dit-1
ok "dit pretrain on two ranks" $MPIRUN "$RIC" pretrain $D --out dit-2 --name dit-2
ok "two ranks give the one-process DiT" $CLOSE dit-1/model.safetensors dit-2/model.safetensors
ok "and its losses" same_losses dit-1 dit-2
ok "relabel the images" "$RIC" relabel --dataset icons --objective b=brightness
DS="--base dit-1 --dataset icons --steps 4 --batch 5 --lr 3e-3"
ok "dit sft, one process" "$RIC" sft $DS --out dsft-1 --name dsft-1
ok "dit sft on two ranks" $MPIRUN "$RIC" sft $DS --out dsft-2 --name dsft-2
ok "two ranks give the one-process conditioned DiT" $CLOSE dsft-1/model.safetensors \
	dsft-2/model.safetensors
# an image reward model: the ranks split the pairs (2 and 3 of 5)
ok "image pairs" "$RIC" dataset pair-images icons --by b --name ipairs --pairs 30 --margin 0.01
RI="--base dit-1 --pairs ipairs --steps 4 --batch 5 --lr 3e-3 --save-every 0"
ok "image rm-train, one process" "$RIC" rm-train $RI --out irm-1 --name irm-1
ok "image rm-train on two ranks" $MPIRUN "$RIC" rm-train $RI --out irm-2 --name irm-2
ok "the same image reward model" $CLOSE irm-1/model.safetensors irm-2/model.safetensors 2e-3
ok "its losses" same_losses irm-1 irm-2
ok "and training accuracies" same_losses irm-1 irm-2 train_accuracy

# last, as it fails a run: a relabel whose scorer fails on rank 1 only; rank 0
# reports the error, naming the rank
cat >rank1.sh <<EOF
if [ "\${OMPI_COMM_WORLD_RANK:-0}" = 1 ]; then
	exec python3 "$top_srcdir/share/scorers/example_scorer.py" --die-after 0
fi
exec python3 "$top_srcdir/share/scorers/example_scorer.py"
EOF
out=$($MPIRUN "$RIC" relabel --dataset toy-b --objective "r1=cmd:sh $TEST_TMP/rank1.sh" --batch 8 2>&1)
like "$out" "relabel: objective r1: rank 1: reward 'cmd:sh [^']*rank1.sh': the scorer exited with status 1" \
	"an error on rank 1 is reported by rank 0 with the rank"
done_testing
