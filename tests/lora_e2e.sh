#!/bin/sh
# RiC end to end with LoRA on a tiny model, as tests/ric_e2e.sh does it with
# full fine-tuning: import -> relabel -> pretrain a base -> sft --lora-rank
# -> online --lora-rank (1 iteration, training the same adapter) -> eval,
# with two opposed objectives (length: words, brevity: exp(-words/4)). The
# base stays frozen; requested scores must move the obtained ones the
# requested way.
. "$top_srcdir/tests/lib.sh"

start=$(date +%s)
TOK="$top_srcdir/tests/fixtures/gpt2/chat"
cd "$TEST_TMP" || exit 1

toy_rows

ok "import the toy dataset" "$RIC" dataset import rows.jsonl --name toy --eval-fraction 0.1
ok "relabel it with two opposed objectives" "$RIC" relabel --dataset toy --objective length=length \
	--objective brevity=brevity:4
ok "pretrain a tiny base model" "$RIC" pretrain --tokenizer "$TOK" --out base \
	--layers 2 --heads 2 --embd 48 --ctx 48 --steps 100 --batch 8 --lr 3e-3 --save-every 0 text.txt
sum() { sha256sum base/model.safetensors | cut -d' ' -f1; }
before=$(sum)

S="--base base --dataset toy --epochs 32 --batch 16 --lr 3e-3 --template {prompt}{z1},{z2}{marker} --marker : --lora-rank 16"
ok "conditional SFT with LoRA rank 16 on every linear layer" "$RIC" sft $S --out sft --name sft
ok "it saved an adapter" test -f sft/adapter_config.json
like "$(cat sft/ric.json)" '"name": "length"' "with ric.json beside it"
is "$(sum)" "$before" "the base is untouched"

words() { # MODEL Z1,Z2: mean raw length of 16 responses to W
	"$RIC" generate --model "$1" --prompt W --scores "$2" --n 16 --max-tokens 30 \
		--temperature 0.7 --top-p 0.9 --seed 1 |
		awk '/^rewards:/ { for (i = 2; i < NF; i++) if ($i == "length") { n += $(i + 1); k++ } }
			END { if (k != 16) exit 1; print n / k }'
}
hi=$(words sft 1.5,-1.5)
lo=$(words sft -1.5,1.5)
ok "generate --scores over the adapter: length 1.5 gives longer responses ($hi words) than -1.5 ($lo words)" \
	awk -v a="$hi" -v b="$lo" 'BEGIN { exit !(a > b + 1) }'

ok "one online iteration with LoRA, going on with the sft adapter" "$RIC" online --policy sft \
	--dataset toy --iterations 1 --out online --prompts 32 --max-tokens 30 --batch 16 --lr 1e-3 \
	--lora-rank 16 --name online
ok "online saved an adapter" test -f online/adapter_config.json
like "$("$RIC" show online)" 'lora_r +16' "the online run records it"

O="--policy sft --dataset toy --prompts 16 --max-tokens 20 --batch 16 --lr 1e-3 --lora-rank 16"
ok "two LoRA online iterations" "$RIC" online $O --iterations 2 --out online2
ok "iteration 1, then resumed" "$RIC" online $O --iterations 2 --out online2r --resume online2/checkpoint-1
ok "iteration 1 + resumed iteration 2 give the adapter of two straight iterations" \
	cmp online2/adapter_model.safetensors online2r/adapter_model.safetensors

ok "eval of the online adapter over the preference grid" "$RIC" eval --model online --dataset toy \
	--prompts 8 --step 0.5 --max-tokens 30 --name eval-online
pts=$("$RIC" export eval-online --what points --format csv | tr -d '\r')
means=$(printf '%s\n' "$pts" | awk -F'"' 'NR > 1 { gsub(/[][]/, ""); gsub(",", " "); print $2, $4 }')
for k in 1 2; do
	name=$(echo length brevity | cut -d' ' -f$k)
	up=$(printf '%s\n' "$means" | awk -v k=$k '$k == 1 { print $(2 + k) }')
	down=$(printf '%s\n' "$means" | awk -v k=$k '$k == 0 { print $(2 + k) }')
	ok "eval: mean $name at weight 1 ($up) is higher than at weight 0 ($down)" \
		awk -v a="$up" -v b="$down" 'BEGIN { exit !(a != "" && b != "" && a > b) }'
done
is "$(sum)" "$before" "and the base is still untouched"

echo "# the LoRA pipeline ran in $(($(date +%s) - start)) s"
done_testing
