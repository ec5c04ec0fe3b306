#!/bin/sh
# Every training stage runs the one loop of src/train_loop.c: a run stopped
# at --stop-at and resumed from its checkpoint equals an uninterrupted run,
# in its parameters and its losses step for step. (pretrain: cli_stages.sh;
# online, sft's model: ric_e2e.sh.)
. "$top_srcdir/tests/lib.sh"

TOK="$top_srcdir/tests/fixtures/gpt2/chat"
cd "$TEST_TMP" || exit 1

awk 'BEGIN { split("the cat sat on a mat and the dog ran to the park", w, " "); x = 5
	for (k = 0; k < 900; k++) { x = (x * 1103515245 + 12345) % 2147483648; printf "%s ", w[1 + x % 13] }
	print "." }' >text.txt
ok "a tiny base" "$RIC" pretrain --tokenizer "$TOK" --layers 1 --heads 2 --embd 32 --ctx 32 \
	--steps 10 --batch 4 --lr 3e-3 --save-every 0 --out base text.txt

# losses RUN: the loss of every step, "step value" per line
losses() { "$RIC" metrics "$1" "${2:-loss}" | awk 'NR > 1 { print $1, $2 }'; }

awk 'BEGIN { split("great good nice happy", g, " "); split("awful bad sad poor", b, " "); x = 3
	for (k = 0; k < 48; k++) { x = (x * 1103515245 + 12345) % 2147483648
		printf "{\"prompt\": \"Q: how was it? A:\", \"chosen\": \" it was %s\", \"rejected\": \" it was %s\"}\n", g[1 + x % 4], b[1 + int(x / 7) % 4] } }' >pairs.jsonl
R="--base base --pairs pairs.jsonl --steps 12 --batch 4 --lr 3e-3 --warmup 2 --weight-decay 0.01 --max-len 32"
ok "rm-train straight" "$RIC" rm-train $R --out rm --name rm
rc=0
"$RIC" rm-train $R --out rm-halves --stop-at 5 --name rm-a >/dev/null 2>&1 || rc=$?
is "$rc" 130 "rm-train stops at --stop-at"
ok "the stop left optimizer and trainer state" \
	test -f rm-halves/checkpoint-5/optimizer.safetensors -a -f rm-halves/checkpoint-5/trainer_state.json
ok "rm-train resumes" "$RIC" rm-train $R --out rm-halves --resume rm-halves/checkpoint-5 --name rm-b
ok "5 + 7 resumed rm-train steps give the same reward model as 12 straight" \
	cmp rm/model.safetensors rm-halves/model.safetensors
is "$(losses rm-b)" "$(losses rm | tail -n 7)" "the resumed rm-train losses equal the straight run's"
is "$(losses rm-b train_accuracy)" "$(losses rm train_accuracy | tail -n 7)" "and so do its training accuracies"
is "$(losses rm | awk '{ printf "%s ", $1 }')" "1 2 3 4 5 6 7 8 9 10 11 12 " "one loss per step"
like "$(losses rm-b | head -n 1)" '^6 [0-9]+\.[0-9]+' "the resumed run records from step 6 on"

awk 'BEGIN { split("ab cd ef", w, " "); x = 11
	for (i = 0; i < 40; i++) { x = (x * 1103515245 + 12345) % 2147483648; k = 1 + int(x / 65536) % 5; r = ""
		for (j = 0; j < k; j++) { x = (x * 1103515245 + 12345) % 2147483648; r = r (j ? " " : "") w[1 + int(x / 65536) % 3] }
		printf "{\"prompt\": \"%s\", \"response\": \"%s\"}\n", substr("WVXY", 1 + i % 4, 1), r } }' >rows.jsonl
ok "import" "$RIC" dataset import rows.jsonl --name toy
ok "relabel" "$RIC" relabel --dataset toy --objective length=length
S="--base base --dataset toy --steps 10 --batch 4 --lr 2e-3 --warmup 2 --template {prompt}{z1}{marker} --marker :"
ok "sft straight" "$RIC" sft $S --out sft --name sft
rc=0
"$RIC" sft $S --out sft-halves --stop-at 4 --name sft-a >/dev/null 2>&1 || rc=$?
is "$rc" 130 "sft stops at --stop-at"
ok "sft resumes" "$RIC" sft $S --out sft-halves --resume sft-halves/checkpoint-4 --name sft-b
ok "4 + 6 resumed sft steps give the same model as 10 straight" cmp sft/model.safetensors sft-halves/model.safetensors
is "$(losses sft-b)" "$(losses sft | tail -n 6)" "the resumed sft losses equal the straight run's"
like "$(losses sft-b | head -n 1)" '^5 [0-9]+\.[0-9]+' "from step 5 on"
is "$(losses sft-b grad_norm)" "$(losses sft grad_norm | tail -n 6)" "and so do its gradient norms"
# A resumed run trusts its optimizer state no more than its weights: a NaN
# moment or a negative second moment is refused, naming file and element.
# poke DIR TENSOR INDEX BYTES: overwrite one float of optimizer.safetensors
poke() {
	f=$1/optimizer.safetensors
	h=$(od -An -t u8 -N8 "$f" | tr -d ' ')
	a=$(dd if="$f" bs=1 skip=8 count="$h" 2>/dev/null |
		sed -n "s/.*\"$2\":{[^}]*\"data_offsets\":\[\([0-9]*\),.*/\1/p")
	printf "$4" | dd of="$f" bs=1 seek=$((8 + h + a + 4 * $3)) conv=notrunc 2>/dev/null
}
cp -r sft-halves/checkpoint-4 bad-nan
poke bad-nan exp_avg 3 '\000\000\300\177'
like "$("$RIC" sft $S --out sft-nan --resume bad-nan 2>&1)" \
	"bad-nan/optimizer.safetensors: tensor 'exp_avg': element 3 is NaN" "a NaN first moment is refused"
cp -r sft-halves/checkpoint-4 bad-neg
poke bad-neg exp_avg_sq 2 '\000\000\200\277'
like "$("$RIC" sft $S --out sft-neg --resume bad-neg 2>&1)" \
	"bad-neg/optimizer.safetensors: tensor 'exp_avg_sq': element 2 is negative" \
	"a negative second moment is refused"
ok "neither left a model behind" test ! -e sft-nan/model.safetensors -a ! -e sft-neg/model.safetensors
done_testing
