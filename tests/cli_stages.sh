#!/bin/sh
# Long stages: ric pretrain and rm-train, exact resume from a checkpoint, and
# background jobs that are cancelled, killed and resumed.
. "$top_srcdir/tests/lib.sh"

TOK="$top_srcdir/tests/fixtures/gpt2/chat"
cd "$TEST_TMP" || exit 1

# Deterministic text: words drawn by a small LCG.
for i in 0 1 2 3; do
	awk -v seed="$i" 'BEGIN {
		split("the cat sat on a mat and the dog ran to the park while birds sang in trees", w, " ")
		x = seed * 7919 + 1
		for (k = 0; k < 1200; k++) { x = (x * 1103515245 + 12345) % 2147483648; printf "%s ", w[1 + x % 17] }
		print "."
	}' >"d$i.txt"
done

A="--tokenizer $TOK --layers 2 --heads 2 --embd 32 --ctx 32 --batch 4 --lr 3e-3 --steps 40 --save-every 0"
out=$("$RIC" pretrain $A --out straight d0.txt d1.txt d2.txt d3.txt 2>&1)
like "$out" 'validation loss [0-9.]+ over [0-9]+ chunks' "pretrain prints its validation loss"
ok "pretrain writes a loadable model" test -f straight/model.safetensors -a -f straight/config.json -a -f straight/tokenizer.json
out=$("$RIC" generate --model straight --prompt "the cat" --max-tokens 4 --temperature 0 2>&1)
like "$out" '^the cat' "the pretrained model generates"

rc=0
"$RIC" pretrain $A --out halves --stop-at 20 d0.txt d1.txt d2.txt d3.txt >/dev/null 2>&1 || rc=$?
is "$rc" 130 "a stopped stage exits 130"
ok "the stop left a checkpoint with optimizer and trainer state" \
	test -f halves/checkpoint-20/optimizer.safetensors -a -f halves/checkpoint-20/trainer_state.json
ok "resume from the checkpoint" "$RIC" pretrain $A --out halves --resume halves/checkpoint-20 d0.txt d1.txt d2.txt d3.txt
ok "20 + 20 resumed steps give the same parameters as 40 straight" cmp straight/model.safetensors halves/model.safetensors
runs=$("$RIC" runs)
like "$runs" 'pretrain-2 +pretrain +cancelled' "the stopped run is cancelled"
like "$runs" 'pretrain-3 +pretrain +done' "the resumed run is done"
l1=$("$RIC" metrics pretrain-1 loss | tail -n 20 | awk '{print $2}')
l3=$("$RIC" metrics pretrain-3 loss | awk 'NR > 1 {print $2}')
is "$l3" "$l1" "the resumed losses equal the straight run's, step for step"
show=$("$RIC" show pretrain-1)
like "$show" 'n_embd +32' "every parameter is recorded"
like "$show" 'tokens_per_s' "tokens/s is recorded"
like "$show" 'val_loss' "the validation loss is recorded"
like "$show" '40 +policy +straight' "the final model is a registered checkpoint"

# A toy preference task: chosen answers use happy words, rejected ones sad words.
awk 'BEGIN {
	split("great good nice happy love fine", g, " "); split("awful bad sad hate poor ugly", b, " ")
	x = 3
	for (k = 0; k < 200; k++) {
		x = (x * 1103515245 + 12345) % 2147483648; c1 = g[1 + x % 6]; r1 = b[1 + int(x / 7) % 6]
		x = (x * 1103515245 + 12345) % 2147483648; c2 = g[1 + x % 6]; r2 = b[1 + int(x / 7) % 6]
		printf "{\"prompt\": \"Q: how was it? A:\", \"chosen\": \" it was %s %s\", \"rejected\": \" it was %s %s\"}\n", c1, c2, r1, r2
	}
}' >pairs.jsonl
out=$("$RIC" rm-train --base straight --pairs pairs.jsonl --out rm --epochs 2 --batch 8 --lr 3e-3 --max-len 32 --eval 0.2 2>&1)
acc=$(printf '%s\n' "$out" | sed -n 's/^held-out pairwise accuracy \([0-9.]*\).*/\1/p')
ok "rm-train prints the held-out accuracy" test -n "$acc"
ok "the reward model separates held-out pairs (accuracy $acc >= 0.8)" awk -v a="$acc" 'BEGIN { exit !(a >= 0.8) }'
like "$(cat rm/config.json)" 'GPT2ForSequenceClassification' "the reward model is a sequence classifier"
show=$("$RIC" show rm-train-4)
like "$show" 'eval_accuracy' "eval_accuracy is a metric of the run"
like "$show" 'reward +rm' "the reward model is a registered checkpoint"
ok "import the pairs into the store" "$RIC" dataset import pairs.jsonl --name prefs --eval-fraction 0.2
out=$("$RIC" rm-train --base straight --pairs prefs --out rm-ds --epochs 2 --batch 8 --lr 3e-3 --max-len 32 2>&1)
ev=$("$RIC" dataset show prefs | sed -n 's/^rows [0-9]*: train [0-9]*, eval \([0-9]*\);.*/\1/p')
like "$out" "held-out pairwise accuracy (0\\.[89][0-9]*|1\\.0+) \\($((ev / 2)) pairs\\)" \
	"rm-train on a store dataset holds out its eval split ($((ev / 2)) pairs) and separates it"
printf '{"prompt": "x", "chosen": "y"}\n' >bad.jsonl
out=$("$RIC" rm-train --base straight --pairs bad.jsonl --out rm2 2>&1)
like "$out" 'bad\.jsonl:1: .*rejected' "a malformed pair names the file, the line and the key"
out=$("$RIC" rm-train --base straight --pairs nosuch --out rm3 2>&1)
like "$out" 'nosuch: neither a file nor a dataset' "an unknown pairs source says so"

# Jobs. A job long enough to be caught running: 600 steps (under a second)
# could end between `job list` and `job cancel` once each ric start-up also
# links Open MPI, so 3000.
J="--tokenizer $TOK --layers 2 --heads 2 --embd 32 --ctx 32 --batch 4 --lr 3e-3 --steps 3000 --save-every 500"
wait_step() { # ID: until the job has made progress (or 20 s)
	n=0
	while [ $n -lt 200 ]; do
		"$RIC" job show "$1" | grep -Eq '^progress +[1-9][0-9]*/' && return 0
		sleep 0.1; n=$((n + 1))
	done
	return 1
}
wait_end() { # ID: until the stored state is no longer queued or running (or 180 s)
	n=0
	while [ $n -lt 1800 ]; do
		"$RIC" job show "$1" | grep -Eq '^state +(running|queued)|stored state: (running|queued)' || return 0
		sleep 0.1; n=$((n + 1))
	done
	return 1
}
"$RIC" pretrain $J --out "$TEST_TMP/ref" d0.txt d1.txt d2.txt d3.txt >/dev/null 2>&1
id=$("$RIC" job start pretrain $J --out "$TEST_TMP/job" d0.txt d1.txt d2.txt d3.txt 2>/dev/null)
like "$id" '^[0-9]+$' "job start prints the job id"
ok "the job makes progress" wait_step "$id"
list=$("$RIC" job list)
like "$list" "^ *$id +running +[0-9]+/3000" "job list shows it running with its progress"
ok "job cancel stops it" "$RIC" job cancel "$id"
show=$("$RIC" job show "$id")
like "$show" 'state +cancelled' "the job is cancelled"
ok "the cancelled job left a checkpoint" sh -c "ls -d '$TEST_TMP'/job/checkpoint-* >/dev/null"
logs=$("$RIC" job logs "$id")
like "$logs" 'stopped; run [0-9]+ cancelled' "job logs shows the stage's output"
ok "job resume restarts it" "$RIC" job resume "$id"
ok "the resumed job ends" wait_end "$id"
like "$("$RIC" job show "$id")" 'state +done' "the resumed job is done"
ok "cancel + resume gives the same model as an uninterrupted run" cmp ref/model.safetensors job/model.safetensors

id=$("$RIC" job start pretrain $J --out "$TEST_TMP/killed" d0.txt d1.txt d2.txt d3.txt 2>/dev/null)
wait_step "$id"
pid=$("$RIC" job show "$id" | awk '$1 == "pid" {print $2}')
kill -KILL "$pid"
ok "the killed job ends" wait_end "$id"
show=$("$RIC" job show "$id")
like "$show" 'state +failed' "a SIGKILLed job is marked failed"
like "$show" 'killed by signal 9' "its error says how it died"
ok "the killed job resumes" "$RIC" job resume "$id"
ok "and completes" wait_end "$id"
like "$("$RIC" job show "$id")" 'state +done' "the resumed killed job is done"

# A job whose supervisor and stage both vanish without a word is stale.
id=$("$RIC" job start pretrain $J --out "$TEST_TMP/stale" d0.txt d1.txt d2.txt d3.txt 2>/dev/null)
wait_step "$id"
pid=$("$RIC" job show "$id" | awk '$1 == "pid" {print $2}')
sup=$(ps -o ppid= -p "$pid" | tr -d ' ')
kill -KILL "$sup"
kill -KILL "$pid"
sleep 0.2
like "$("$RIC" job list)" "^ *$id +failed" "a running job whose process is gone is shown as failed"
like "$("$RIC" job show "$id")" 'stale: its process \(pid [0-9]+\) is gone' "job show says why"

fails 2 "job start refuses a command that is not a stage" "$RIC" job start info
fails 1 "job show of a missing job" "$RIC" job show 999
done_testing
