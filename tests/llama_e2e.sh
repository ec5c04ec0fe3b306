#!/bin/sh
# RiC end to end on a tiny Llama (GQA, tied, SwiGLU) made by
# `ric pretrain --arch llama`: import -> relabel -> pretrain -> sft ->
# generate -> eval -> online, then a Llama reward model (rm-train) scoring
# rows through rm:DIR. As tests/ric_e2e.sh does for GPT-2: on held-out
# prompts, each objective's mean obtained value is higher where the
# preference asks for it than where it does not.
. "$top_srcdir/tests/lib.sh"

start=$(date +%s)
TOK="$top_srcdir/tests/fixtures/gpt2/chat"
cd "$TEST_TMP" || exit 1

toy_task
toy_base "pretrain a tiny Llama base (4 heads over 2 KV heads)" --arch llama --kv-heads 2 --heads 4
like "$(cat base/config.json)" '"LlamaForCausalLM"' "the base is a LlamaForCausalLM"
like "$(cat base/config.json)" '"num_key_value_heads": 2' "with 2 KV heads"
like "$("$RIC" info base)" 'family +llama' "ric info names the family"
err=$("$RIC" pretrain --arch bert --tokenizer "$TOK" --out x --steps 1 text.txt 2>&1)
like "$err" "model type 'bert' is not one of gpt2, llama, mistral, qwen2" "pretrain --arch names the known types"
fails 2 "an unknown --arch is bad usage (exit 2)" "$RIC" pretrain --arch bogus --tokenizer "$TOK" \
	--out x --steps 1 text.txt
err=$("$RIC" pretrain --arch qwen2 --heads 4 --kv-heads 3 --tokenizer "$TOK" --out x --steps 1 text.txt 2>&1)
like "$err" "num_key_value_heads 3 does not divide num_attention_heads 4" "and --kv-heads that do not divide --heads"
fails 2 "which is bad usage too" "$RIC" pretrain --arch qwen2 --heads 4 --kv-heads 3 \
	--tokenizer "$TOK" --out x --steps 1 text.txt
fails 2 "--kv-heads on GPT-2 is bad usage" "$RIC" pretrain --heads 4 --kv-heads 2 \
	--tokenizer "$TOK" --out x --steps 1 text.txt
fails 2 "--heads not dividing --embd is bad usage" "$RIC" pretrain --arch mistral --heads 5 \
	--embd 48 --tokenizer "$TOK" --out x --steps 1 text.txt
fails 2 "an odd head size is bad usage (rotary pairs)" "$RIC" pretrain --arch llama --heads 16 \
	--embd 48 --tokenizer "$TOK" --out x --steps 1 text.txt
for bad in 0 -4 2.5 x 300000; do
	fails 2 "--ffn $bad is bad usage" "$RIC" pretrain --arch llama --ffn "$bad" \
		--tokenizer "$TOK" --out x --steps 1 text.txt
done
like "$("$RIC" pretrain --arch llama --ffn 2.5 --tokenizer "$TOK" --out x text.txt 2>&1)" \
	"--ffn wants a whole number" "and says so"
ok "no refused pretrain wrote its --out" test ! -e x

S="--base base --dataset toy --epochs 8 --batch 16 --lr 2e-3 --template {prompt}{z1},{z2}{marker} --marker :"
ok "conditional SFT of the Llama base" "$RIC" sft $S --out sft
like "$(cat sft/config.json)" '"model_type": "llama"' "the SFT checkpoint is written as a Llama"

hi=$(toy_words sft 1.5,-1.5)
lo=$(toy_words sft -1.5,1.5)
ok "generate --scores: asking for length 1.5 gives longer responses ($hi words) than -1.5 ($lo words)" \
	awk -v a="$hi" -v b="$lo" 'BEGIN { exit !(a > b + 1) }'
hi=$(toy_words sft 1.5,-1.5 --weights bf16)
lo=$(toy_words sft -1.5,1.5 --weights bf16)
ok "the same with BF16 weights ($hi against $lo words)" \
	awk -v a="$hi" -v b="$lo" 'BEGIN { exit !(a > b + 1) }'

ok "eval over the preference grid" "$RIC" eval --model sft --dataset toy --prompts 8 --step 0.5 \
	--max-tokens 30 --name eval-sft
toy_follows eval-sft

ok "one online iteration on the Llama policy (int8 sampling)" "$RIC" online --policy sft \
	--dataset toy --iterations 1 --out online --prompts 16 --mix 16 --lr 1e-4 --max-tokens 30 \
	--weights int8
like "$("$RIC" show online-6)" 'samples +16' "every online sample is stored"
like "$(cat online/config.json)" '"model_type": "llama"' "the online policy is written as a Llama"

# A Llama reward model: longer answers preferred; it then scores rows in process.
awk 'BEGIN { split("ab cd ef", w, " "); x = 5
	for (i = 0; i < 160; i++) {
		c = ""; r = ""
		x = (x * 1103515245 + 12345) % 2147483648; k = 5 + int(x / 65536) % 4
		for (j = 0; j < k; j++) { x = (x * 1103515245 + 12345) % 2147483648; c = c (j ? " " : "") w[1 + int(x / 65536) % 3] }
		x = (x * 1103515245 + 12345) % 2147483648; r = w[1 + int(x / 65536) % 3]
		printf "{\"prompt\": \"W\", \"chosen\": \"%s\", \"rejected\": \"%s\"}\n", c, r
	}
}' >pairs.jsonl
ok "rm-train a reward model on the Llama base" "$RIC" rm-train --base base --pairs pairs.jsonl \
	--out rm --epochs 2 --batch 8 --lr 3e-3 --eval 0.2 --max-len 48
like "$(cat rm/config.json)" '"LlamaForSequenceClassification"' "it is a LlamaForSequenceClassification"
# two held-out sets, long and short answers: the mean score (mu) rm:rm gives each
awk 'BEGIN { for (i = 0; i < 8; i++) { printf "{\"prompt\": \"W\", \"response\": \"ef ab ef ab cd ef\"}\n" >"long.jsonl"
	printf "{\"prompt\": \"W\", \"response\": \"ef\"}\n" >"short.jsonl" } }'
mu() {
	"$RIC" dataset import "$1.jsonl" --name "$1" >/dev/null 2>&1 &&
	"$RIC" relabel --dataset "$1" --objective rmscore=rm:rm >/dev/null 2>&1 &&
	"$RIC" dataset show "$1" --json | sed -n 's/.*"mu":\([-0-9.e+]*\).*/\1/p'
}
long=$(mu long)
short=$(mu short)
ok "relabel through the Llama reward model (rm:rm) scores longer answers higher ($long against $short)" \
	awk -v a="$long" -v b="$short" 'BEGIN { exit !(a != "" && b != "" && a > b) }'

# Decoding-only loads: a BF16 copy of the SFT policy, with a BF16 copy of the
# reward model inside it as its second objective (rm:rm), evaluates with
# --weights bf16 (neither model held in F32; rm: scores through the KV-cache
# decoder) to the greedy responses of --weights f32, their rm scores within
# 2% of the largest; int8 within 5% where its response is the same.
ok "a BF16 copy of the SFT policy" "$RIC" convert sft sft16 --dtype bf16
ok "with a BF16 copy of the reward model inside it" "$RIC" convert rm sft16/rm --dtype bf16
sed 's|"brevity:4"|"rm:rm"|' sft16/ric.json >sft16/ric.new && mv sft16/ric.new sft16/ric.json
for w in f32 bf16 int8; do
	ok "eval --weights $w scores the rm: objective" "$RIC" eval --model sft16 --dataset toy \
		--prompts 4 --step 1 --max-tokens 12 --temperature 1e-30 --weights $w --name "e16-$w"
	"$RIC" export "e16-$w" --what samples --format jsonl |
		sed -n 's/.*"response":"\([^"]*\)".*"raw":\[[^,]*,\([^]]*\)\].*/\1|\2/p' >"s-$w.txt"
done
rmclose() { # FILE TOL: same responses as f32 (all of them unless some), scores within TOL
	paste -d'|' s-f32.txt "$1" | awk -F'|' -v tol="$2" -v some="${3-}" '
		{ n++; if ($1 != $3) { diff++; next }
		  d = $2 - $4; if (d < 0) d = -d; if (d > worst) worst = d
		  a = $2 < 0 ? -$2 : $2; if (a > big) big = a }
		END { printf "%d of %d responses differ, worst %g of largest %g\n", diff, n, worst, big
		      exit !(n > 0 && (some ? diff < n : diff == 0) && worst <= tol * big) }'
}
ok "bf16: the f32 responses, rm scores within 2% ($(rmclose s-bf16.txt 0.02))" rmclose s-bf16.txt 0.02
ok "int8: rm scores within 5% on the same responses ($(rmclose s-int8.txt 0.05 some))" \
	rmclose s-int8.txt 0.05 some

# --ffn last: its runs would shift the run ids used above
ok "--ffn sets the MLP width" "$RIC" pretrain --arch qwen2 --ffn 40 --kv-heads 1 --tokenizer "$TOK" \
	--out ffn --layers 1 --heads 2 --embd 16 --ctx 16 --steps 2 --save-every 0 text.txt
like "$(cat ffn/config.json)" '"intermediate_size": 40' "as intermediate_size"
like "$("$RIC" info ffn)" 'MLP 40,' "ric info shows it"
ok "--ffn on GPT-2 sets n_inner" "$RIC" pretrain --ffn 24 --tokenizer "$TOK" --out ffn2 --layers 1 \
	--heads 2 --embd 16 --ctx 16 --steps 2 --save-every 0 text.txt
like "$(cat ffn2/config.json)" '"n_inner": 24' "as n_inner"

echo "# the whole pipeline ran in $(($(date +%s) - start)) s"
done_testing
