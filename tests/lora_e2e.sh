#!/bin/sh
# RiC end to end with LoRA on a tiny model, as tests/ric_e2e.sh does it with
# full fine-tuning: import -> relabel -> pretrain a base -> sft --lora-rank
# -> online --lora-rank (1 iteration, training the same adapter) -> eval,
# with two opposed objectives (length: words, brevity: exp(-words/4)). The
# base stays frozen; requested scores must move the obtained ones the
# requested way.
. "$top_srcdir/tests/lib.sh"

start=$(date +%s)
cd "$TEST_TMP" || exit 1

toy_task
toy_base "pretrain a tiny base model"
sum() { sha256sum base/model.safetensors | cut -d' ' -f1; }
before=$(sum)

S="--base base --dataset toy --epochs 32 --batch 16 --lr 3e-3 --template {prompt}{z1},{z2}{marker} --marker : --lora-rank 16"
ok "conditional SFT with LoRA rank 16 on every linear layer" "$RIC" sft $S --out sft --name sft
ok "it saved an adapter" test -f sft/adapter_config.json
like "$(cat sft/ric.json)" '"name": "length"' "with ric.json beside it"
is "$(sum)" "$before" "the base is untouched"

hi=$(toy_words sft 1.5,-1.5)
lo=$(toy_words sft -1.5,1.5)
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
toy_follows eval-online
is "$(sum)" "$before" "and the base is still untouched"

echo "# the LoRA pipeline ran in $(($(date +%s) - start)) s"
done_testing
