#!/bin/sh
# ric online on an image RiC model, through the same loop as text: a small
# DiT pretrained and RiC-tuned on eight flat-colour icons scored by
# brightness and colorfulness, then online iterations that draw pictures
# under sampled goals, keep the best (MORS) and train on them under the
# scores they got -- every sample stored with its PNG beside the store,
# iteration checkpoints that resume to the same bytes, a cancelled job that
# resumes to the same model as an uninterrupted run (as for text), and
# brightness that follows its requested value afterwards. Then the other
# kind's options and datasets: one error each.
. "$top_srcdir/tests/lib.sh"
T=$TEST_TMP
q() { sqlite3 "$RIC_STORE" "$1"; }
cd "$T" || exit 1
icons icons --eval-fraction 0.25
icons_dit dit 400 --layers 2 --embd 64 --batch 8 --lr 2e-3
icons_ric dit ric 400 --batch 8
ok "an image RiC model is trained" test -f ric/ric.json

O="--policy ric --dataset icons --prompts 16 --ddim-steps 10 --lr 5e-4 --batch 8 --seed 2"
# shellcheck disable=SC2086
out=$("$RIC" online $O --iterations 2 --out online --name on 2>&1)
like "$out" '7 offline images, 2 objective\(s\); 10 DDIM steps, guidance 3' "online reads the image rows"
like "$out" 'iteration 1: 16 samples, [1-9][0-9]* kept; [1-9][0-9]* online rows in the pool' \
	"iteration 1 samples, keeps some and pools them"
like "$out" 'iteration 2: 16 samples, [1-9][0-9]* kept' "and iteration 2"
like "$out" 'model saved to online \(2 iterations\)' "and the policy is saved"
run=$(q "SELECT id FROM runs WHERE name = 'on'")
is "$(q "SELECT stage || ' ' || status FROM runs WHERE id = $run")" "online done" "the online run is done"
is "$(q "SELECT count(*) FROM samples WHERE run_id = $run")" "32" "every sample is stored"
is "$(q "SELECT group_concat(n) FROM (SELECT count(*) n FROM samples WHERE run_id = $run
	GROUP BY iteration ORDER BY iteration)")" "16,16" "with its iteration"
kept=$(q "SELECT sum(kept) FROM samples WHERE run_id = $run")
ok "some samples are kept ($kept of 32)" awk "BEGIN { exit !($kept > 0 && $kept < 32) }"
is "$(q "SELECT CAST(sum(value) AS INTEGER) FROM metrics WHERE run_id = $run AND key = 'kept'")" "$kept" \
	"as the kept metric says"
dir="$T/store.db.files/run-$run"
is "$(q "SELECT value FROM params WHERE run_id = $run AND key = 'images'")" "$dir" \
	"the run's images go beside the store"
is "$(ls "$dir" | grep -c '\.png$')" "32" "one PNG per sample"
missing=0
for f in $(q "SELECT response FROM samples WHERE run_id = $run"); do
	case $f in "$dir"/*.png) test -f "$f" || missing=$((missing + 1)) ;; *) missing=$((missing + 1)) ;; esac
done
is "$missing" "0" "each sample's response is its PNG's path"
is "$(q "SELECT count(*) FROM samples WHERE run_id = $run AND prompt <> ''")" "0" \
	"and an image sample has no prompt"
is "$(q "SELECT group_concat(key || '=' || value, ' ') FROM params WHERE run_id = $run AND key IN
	('kind', 'ddim_steps', 'guidance', 'cond_drop') ORDER BY key")" \
	"cond_drop=0.1 ddim_steps=10 guidance=3 kind=image" "the image sampling is recorded"
is "$(q "SELECT count(*) FROM params WHERE run_id = $run AND key IN
	('temperature', 'top_p', 'max_tokens', 'stop', 'template')")" "0" "and no text sampling"
# the stored scores are the saved pictures': brightness of a kept PNG, recomputed
f=$(q "SELECT response FROM samples WHERE run_id = $run AND kept = 1 ORDER BY id LIMIT 1")
b=$(q "SELECT json_extract(raw, '\$[0]') FROM samples WHERE run_id = $run AND response = '$f'")
rb=$(python3 -c "
import struct, sys, zlib
d = open(sys.argv[1], 'rb').read(); i = 8; idat = b''
while i < len(d):
    n, = struct.unpack('>I', d[i:i + 4]); t = d[i + 4:i + 8]; c = d[i + 8:i + 8 + n]; i += 12 + n
    if t == b'IHDR': w, h, bd, ct = struct.unpack('>IIBB', c[:10])
    if t == b'IDAT': idat += c
assert bd == 8 and ct == 2, (bd, ct)
raw = zlib.decompress(idat); s = 3 * w; prev = bytearray(s); tot = 0
for y in range(h):
    f = raw[y * (s + 1)]; line = bytearray(raw[y * (s + 1) + 1:(y + 1) * (s + 1)])
    for x in range(s):
        a = line[x - 3] if x >= 3 else 0; b = prev[x]; c = prev[x - 3] if x >= 3 else 0
        if f == 1: line[x] = (line[x] + a) & 255
        elif f == 2: line[x] = (line[x] + b) & 255
        elif f == 3: line[x] = (line[x] + (a + b) // 2) & 255
        elif f == 4:
            p = a + b - c; pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
            line[x] = (line[x] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
    prev = line
    for x in range(0, s, 3): tot += 0.299 * line[x] + 0.587 * line[x + 1] + 0.114 * line[x + 2]
print(tot / (w * h) / 255)" "$f")
ok "a kept sample's stored brightness is its PNG's ($b, $rb)" \
	awk "BEGIN { d = $b - $rb; exit !(d < 0.01 && d > -0.01) }"
ok "iteration checkpoints" test -f online/checkpoint-1/trainer_state.json -a \
	-f online/checkpoint-2/model.safetensors
like "$(cat online/checkpoint-1/trainer_state.json)" '"png": "89504e47' \
	"the pool travels in trainer_state.json as PNG bytes"
ok "the online policy carries ric.json" test -f online/ric.json
fails 1 "and no tokenizer" test -e online/tokenizer.json -o -e online/vocab.json

# resumed after iteration 1: the same bytes as two straight iterations
# shellcheck disable=SC2086
out=$("$RIC" online $O --iterations 2 --out resumed --resume online/checkpoint-1 --name onr 2>&1)
like "$out" 'resuming after iteration 1 of online/checkpoint-1' "online resumes after iteration 1"
ok "iteration 1 + resumed iteration 2 equal two straight iterations" \
	cmp online/model.safetensors resumed/model.safetensors
rrun=$(q "SELECT id FROM runs WHERE name = 'onr'")
is "$(q "SELECT group_concat(DISTINCT iteration) FROM samples WHERE run_id = $rrun")" "2" \
	"the resumed run samples iteration 2 alone"

# a cancelled job resumes from its last iteration to the same model
# shellcheck disable=SC2086
"$RIC" online $O --iterations 2 --steps 150 --out straight > /dev/null 2>&1
# shellcheck disable=SC2086
id=$("$RIC" job start online $O --iterations 2 --steps 150 --out job 2>/dev/null)
n=0
while [ $n -lt 1200 ] && ! test -d job/checkpoint-1; do sleep 0.1; n=$((n + 1)); done
ok "the job has checkpointed iteration 1" test -d job/checkpoint-1
ok "job cancel stops it during iteration 2" "$RIC" job cancel "$id"
like "$("$RIC" job show "$id")" 'state +cancelled' "the job is cancelled"
fails 1 "before iteration 2's checkpoint" test -e job/checkpoint-2
ok "job resume restarts it" "$RIC" job resume "$id"
n=0
while [ $n -lt 1800 ] && "$RIC" job show "$id" | grep -Eq '^state +(running|queued)'; do
	sleep 0.1; n=$((n + 1))
done
like "$("$RIC" job show "$id")" 'state +done' "the resumed job is done"
ok "cancel + resume gives the same model as an uninterrupted run" \
	cmp straight/model.safetensors job/model.safetensors

# after online, the brightness asked for is the brightness obtained
out=$("$RIC" eval --model online --dataset icons --prompts 8 --step 1 --ddim-steps 10 \
	--desired-grid --desired-levels 3 --name after 2>/dev/null)
like "$out" 'bright +-1.6:[-0-9.]+\+-[0-9.]+ -0.1:[-0-9.]+\+-[0-9.]+ 1.4:[-0-9.]+\+-[0-9.]+ +rise [0-9.]+\+-[0-9.]+, > 2 SE, monotone within 2 SE: follows' \
	"brightness follows its desired score after online (rises > 2 SE, monotone)"
child=$(q "SELECT id FROM runs WHERE name = 'after-desired-grid'")
lo=$(q "SELECT avg(json_extract(raw, '\$[0]')) FROM samples WHERE run_id = $child AND
	json_extract(desired, '\$[0]') < -1")
hi=$(q "SELECT avg(json_extract(raw, '\$[0]')) FROM samples WHERE run_id = $child AND
	json_extract(desired, '\$[0]') > 1")
ok "asked darker, it is darker: mean brightness $lo -> $hi" awk "BEGIN { exit !($hi > $lo + 0.1) }"

# --eval-each: an image eval of every iteration, with the image sampling
# shellcheck disable=SC2086
"$RIC" online $O --prompts 8 --iterations 1 --steps 2 --out each --name each --eval-each \
	--eval-prompts 2 --eval-step 1 > /dev/null 2>&1
erun=$(q "SELECT id FROM runs WHERE name = 'each-eval-1'")
is "$(q "SELECT status FROM runs WHERE id = $erun")" "done" "--eval-each evaluates the iteration"
is "$(q "SELECT group_concat(key || '=' || value, ' ') FROM params WHERE run_id = $erun AND key IN
	('ddim_steps', 'guidance') ORDER BY key")" "ddim_steps=10 guidance=3" \
	"with the online stage's DDIM steps and guidance"

# under mpirun each rank draws and scores its share, every rank trains on all
if mpi_ready; then
	mpi_env
	# 7 pictures: the ranks' shares differ (3 and 4)
	M="--policy ric --dataset icons --prompts 7 --ddim-steps 4 --batch 4 --steps 2 --seed 5 --iterations 2"
	# shellcheck disable=SC2086
	"$RIC" online $M --out m1 --name m1 > /dev/null 2>&1
	# shellcheck disable=SC2086
	mpirun --oversubscribe -np 2 "$RIC" online $M --out m2 --name m2 > /dev/null 2>&1
	smp() { q "SELECT s.iteration, s.desired, s.raw, s.norm, s.kept FROM samples s JOIN runs r ON
		r.id = s.run_id WHERE r.name = '$1' AND s.iteration = $2 ORDER BY s.id"; }
	is "$(q "SELECT count(*) FROM samples s JOIN runs r ON r.id = s.run_id WHERE r.name = 'm2'")" \
		"14" "two ranks: every sample stored once"
	a=$(smp m1 1)
	ok "two ranks draw iteration 1's pictures, scores and kept flags as one process" \
		test -n "$a" -a "$a" = "$(smp m2 1)"
	r1=$(q "SELECT id FROM runs WHERE name = 'm1'")
	r2=$(q "SELECT id FROM runs WHERE name = 'm2'")
	same=0
	for i in 0 1 2 3 4 5 6; do
		cmp -s "store.db.files/run-$r1/00000$i.png" "store.db.files/run-$r2/00000$i.png" &&
			same=$((same + 1))
	done
	is "$same" "7" "into the same files"
	# the gradients are summed in another order: the policies agree to rounding
	ok "and train the same policy" python3 "$top_srcdir/tests/st_close.py" m1/model.safetensors \
		m2/model.safetensors
fi

# the other kind's options, models and datasets: one error each
out=$("$RIC" online $O --out bad --max-tokens 8 2>&1)
like "$out" "ric is an image model: --max-tokens samples a text model" "--max-tokens on an image model"
out=$("$RIC" online $O --out bad --weights bf16 2>&1)
like "$out" "--weights bf16: ric is an image model, which samples in F32" "--weights bf16 on an image model"
out=$("$RIC" online $O --out bad --lora-rank 4 2>&1)
like "$out" "--lora-rank: ric is an image model" "--lora-rank on an image model"
printf '%s\n' '{"prompt": "a", "response": "b"}' '{"prompt": "c", "response": "dd"}' > text.jsonl
"$RIC" dataset import text.jsonl --name text > /dev/null 2>&1
"$RIC" relabel --dataset text --objective bright=length --objective color=length > /dev/null 2>&1
out=$("$RIC" online --policy ric --dataset text --out bad 2>&1)
like "$out" "dataset text holds text rows: ric is an image model" "an image model on a text dataset"
gpt2="$top_srcdir/tests/fixtures/gpt2/chat"
if [ -d "$gpt2" ]; then
	cp -r "$gpt2" textric
	cat > textric/ric.json <<'JSON'
{"objectives": [
  {"name": "bright", "reward": "length", "mu": 0.5, "sigma": 0.2, "lo": -2, "hi": 2},
  {"name": "color", "reward": "length", "mu": 5, "sigma": 3, "lo": -1.5, "hi": 2.5}],
 "template": "{prompt} <1> {z1} <2> {z2}{marker}", "marker": "\nA:", "mapping": "linf"}
JSON
	out=$("$RIC" online --policy textric --dataset icons --out bad 2>&1)
	like "$out" "dataset icons holds images: textric is a text model" "a text model on an image dataset"
	out=$("$RIC" online --policy textric --dataset text --out bad --ddim-steps 4 2>&1)
	like "$out" "textric is a text model: --ddim-steps samples an image model" \
		"--ddim-steps on a text model"
	mkdir -p elsewhere # where no file is called icons
	out=$(cd elsewhere && "$RIC" rm-train --base ../textric --pairs icons --out bad 2>&1)
	like "$out" "dataset icons holds images: ../textric is a text model" \
		"rm-train: a text model on an image dataset"
fi
done_testing
