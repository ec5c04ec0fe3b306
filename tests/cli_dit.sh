#!/bin/sh
# The DiT from the command line: ric pretrain --arch dit on an image dataset
# (checkpoints, resume to the same weights, the loss going down), ric
# generate -o FILE.png (a seeded grid), and one clear error for an image
# model given to a text command and the reverse.
. "$top_srcdir/tests/lib.sh"
T=$TEST_TMP
icons "$T/icons" --eval-fraction 0.25
pngsize() { python3 -c "import struct,sys; d=open(sys.argv[1],'rb').read(); print('%d %d' % struct.unpack('>II', d[16:24]))" "$1"; }

dit="--arch dit --dataset icons --layers 1 --heads 2 --embd 32 --batch 4 --lr 3e-3 --seed 1"
# shellcheck disable=SC2086
out=$("$RIC" pretrain $dit --out "$T/dit" --steps 40 --save-every 20 2>&1)
like "$out" '7 training and 1 validation images of 32x32 in 64 patches' "pretrain reads the image rows"
like "$out" 'validation loss [0-9.]+ over 1 images' "and reports the validation loss"
like "$out" "model saved to $T/dit \\(40 steps, [0-9]+ patches/s\\)" "and saves the model"
like "$(cat "$T/dit/config.json")" '"model_type": "dit"' "config.json names the family"
like "$(cat "$T/dit/config.json")" '"beta_schedule": "squaredcos_cap_v2"' "and records the schedule"
like "$("$RIC" info "$T/dit")" 'image     32x32 RGB in 64 patches of 4x4, noise schedule cosine over 1000 steps' \
	"ric info describes an image model"
first=$(sqlite3 "$RIC_STORE" "SELECT avg(value) FROM metrics m JOIN runs r ON r.id = m.run_id
	WHERE r.stage = 'pretrain' AND m.key = 'loss' AND m.step <= 5")
last=$(sqlite3 "$RIC_STORE" "SELECT avg(value) FROM metrics m JOIN runs r ON r.id = m.run_id
	WHERE r.stage = 'pretrain' AND m.key = 'loss' AND m.step > 35")
ok "the noise-prediction loss falls ($first -> $last)" awk "BEGIN { exit !($last < 0.8 * $first) }"
# resuming from the step-20 checkpoint ends on the same weights
# shellcheck disable=SC2086
"$RIC" pretrain $dit --out "$T/dit-r" --steps 40 --save-every 20 \
	--resume "$T/dit/checkpoint-20" > /dev/null 2>&1
ok "a resumed run ends on the same weights" cmp "$T/dit/model.safetensors" "$T/dit-r/model.safetensors"
# shellcheck disable=SC2086
out=$("$RIC" pretrain $dit --out "$T/dit-lin" --steps 2 --schedule linear --patch 8 2>&1)
like "$(cat "$T/dit-lin/config.json")" '"beta_schedule": "linear"' "--schedule linear is recorded"
like "$(cat "$T/dit-lin/config.json")" '"patch_size": 8' "--patch sets the patch side"

out=$("$RIC" generate --model "$T/dit" -o "$T/grid.png" --n 6 --steps 5 --seed 3 2>&1)
like "$out" "grid.png: 6 images of 32x32, 5 DDIM steps, seed 3" "generate draws a grid"
is "$(pngsize "$T/grid.png")" "104 70" "of 3 x 2 images with 2-pixel gaps"
"$RIC" generate --model "$T/dit" -o "$T/again.png" --n 6 --steps 5 --seed 3 > /dev/null
ok "the same seed draws the same grid" cmp "$T/grid.png" "$T/again.png"
"$RIC" generate --model "$T/dit" -o "$T/other.png" --n 6 --steps 5 --seed 4 > /dev/null
fails 1 "another seed draws another" cmp -s "$T/grid.png" "$T/other.png"
"$RIC" generate --model "$T/dit" -o "$T/col.png" --n 3 --cols 1 --steps 2 > /dev/null
is "$(pngsize "$T/col.png")" "36 104" "--cols 1 stacks them"

# an image model given to text commands, and the reverse: one error each
out=$("$RIC" generate --model "$T/dit" --prompt hello 2>&1)
like "$out" "is an image model \\(DiT\\): it takes no --prompt; give -o FILE.png" \
	"generate --prompt on an image model"
out=$("$RIC" logits --model "$T/dit" --tokens 1,2 --out "$T/l.safetensors" 2>&1)
like "$out" "$T/dit: an image model \\(DiT\\) predicts noise of images; it reads no tokens" \
	"logits on an image model"
out=$("$RIC" grads --model "$T/dit" --tokens 1,2 --targets 2,3 --out "$T/g.safetensors" 2>&1)
like "$out" "$T/dit: an image model \\(DiT\\)" "grads on an image model"
printf 'some text to train on, twice over. some text to train on.\n' > "$T/a.txt"
out=$("$RIC" pretrain --init "$T/dit" --out "$T/x" "$T/a.txt" 2>&1)
like "$out" "$T/dit: an image model \\(DiT\\) trains on images: give --arch dit --dataset NAME" \
	"text pretraining from an image model"
gpt2="$top_srcdir/tests/fixtures/gpt2/chat"
if [ -d "$gpt2" ]; then
	out=$("$RIC" generate --model "$gpt2" -o "$T/t.png" 2>&1)
	like "$out" "is a text model \\(GPT-2\\): -o FILE.png draws images of an image model" \
		"generate -o on a text model"
	out=$("$RIC" pretrain --arch dit --dataset icons --init "$gpt2" --out "$T/x" --steps 1 2>&1)
	like "$out" "a GPT-2 model is a text model; --arch dit trains an image model" \
		"image pretraining from a text model"
fi
printf '%s\n' '{"prompt": "a", "response": "b"}' > "$T/text.jsonl"
"$RIC" dataset import "$T/text.jsonl" --name text > /dev/null 2>&1
out=$("$RIC" pretrain --arch dit --dataset text --out "$T/x" --steps 1 2>&1)
like "$out" "dataset text holds text rows: an image model trains on an image dataset" \
	"image pretraining on a text dataset"
out=$("$RIC" pretrain --arch dit --out "$T/x" 2>&1)
like "$out" "--arch dit trains on images: give --dataset NAME" "--arch dit without --dataset"
out=$("$RIC" pretrain --dataset icons --tokenizer "$T" --out "$T/x" "$T/a.txt" 2>&1)
like "$out" "--dataset, --patch and --schedule train an image model: give --arch dit" \
	"--dataset without --arch dit"
out=$("$RIC" pretrain --arch dit --dataset icons --out "$T/x" --schedule sigmoid 2>&1)
like "$out" "--schedule is cosine or linear, not 'sigmoid'" "an unknown schedule"
out=$("$RIC" generate --model "$T/dit" -o "$T/x.png" --pref 1,0 2>&1)
like "$out" "ric.json" "--pref on a model without ric.json says what is missing"

# RiC SFT on the image dataset: the rewards become the condition vector
"$RIC" relabel --dataset icons --objective bright=brightness --objective color=colorfulness \
	> /dev/null 2>&1
out=$("$RIC" sft --base "$T/dit" --dataset icons --out "$T/ric" --steps 10 --batch 4 --lr 1e-3 2>&1)
like "$out" "7 training images \\(0 unscored\\), a condition of 2 reward\\(s\\), 0.1 of rows on the null condition" \
	"sft conditions an image model on the relabelled rewards"
like "$(cat "$T/ric/config.json")" '"cond_dim": 2' "the model's condition holds the two rewards"
like "$(cat "$T/ric/ric.json")" '"reward": "colorfulness"' "ric.json names them with their stats"
out=$("$RIC" generate --model "$T/ric" -o "$T/pref.png" --pref 1,0 --n 2 --steps 3 2>&1)
like "$out" "targets: bright [0-9.]+ color -[0-9.]+" "--pref maps to the condition's targets"
like "$out" "pref.png: 2 images of 32x32, 3 DDIM steps, guided" "and guides the samples"
"$RIC" generate --model "$T/ric" -o "$T/pref2.png" --pref 0,1 --n 2 --steps 3 > /dev/null
fails 1 "another preference draws other images" cmp -s "$T/pref.png" "$T/pref2.png"
ok "convert writes an image model in BF16 (no tokenizer)" "$RIC" convert "$T/ric" "$T/ric-bf16" --dtype bf16
like "$("$RIC" info "$T/ric-bf16")" 'dtype     BF16' "and it reads back as BF16"
ok "the BF16 copy draws images" "$RIC" generate --model "$T/ric-bf16" -o "$T/bf16.png" --n 2 \
	--steps 2 --scores 1,-1
out=$("$RIC" online --policy "$T/dit" --dataset icons --out "$T/x" 2>&1)
like "$out" "dit: not a RiC checkpoint \\(no ric.json\\)" "online on an image model without ric.json"
out=$("$RIC" generate --model "$T/ric" -o "$T/x.png" --pref 1 2>&1)
like "$out" "--pref" "a preference of the wrong length is named"
out=$("$RIC" sft --base "$T/dit" --dataset text --out "$T/x" --steps 1 2>&1)
like "$out" "dataset text holds text rows: an image model trains on an image dataset" \
	"sft of an image model on a text dataset"
if [ -d "$gpt2" ]; then
	out=$("$RIC" sft --base "$gpt2" --dataset icons --out "$T/x" --steps 1 2>&1)
	like "$out" "dataset icons holds images .*: this stage trains a text model" \
		"sft of a text model on an image dataset"
	out=$("$RIC" sft --base "$gpt2" --dataset icons --out "$T/x" --cond-drop 0.2 2>&1)
	like "$out" "--cond-drop applies to an image model's --base" "--cond-drop on a text model"
fi
done_testing
