#!/bin/sh
# ric logits and ric grads against PyTorch (tests/fixtures/gpt2, made by its
# make.sh from the reference script): relative error max|ric - torch| /
# max|torch| per tensor at most 1e-4, for F32, F16 and BF16 checkpoints.
. "$top_srcdir/tests/lib.sh"
fx="$top_srcdir/tests/fixtures/gpt2"
cmp="$top_builddir/tests/st_compare"
tol=1e-4

while IFS='|' read -r name tokens targets pad; do
	case $name in ''|'#'*) continue ;; esac
	out=$("$RIC" logits --model "$fx/$name" --tokens "$tokens" --out "$TEST_TMP/$name-f.safetensors" 2>&1 &&
	      "$cmp" "$TEST_TMP/$name-f.safetensors" "$fx/$name/forward.safetensors" $tol 2>&1)
	_tap_result $? "$name: logits match PyTorch ($(echo "$out" | tail -n 1))" "$out"
	[ "$targets" = - ] && continue
	out=$("$RIC" grads --model "$fx/$name" --tokens "$tokens" --targets "$targets" \
	          --out "$TEST_TMP/$name-g.safetensors" 2>&1 &&
	      "$cmp" "$TEST_TMP/$name-g.safetensors" "$fx/$name/grads.safetensors" $tol 2>&1)
	_tap_result $? "$name: loss and every gradient match PyTorch ($(echo "$out" | tail -n 1))" "$out"
done < "$fx/cases.txt"

# the comparison can fail: another model of the same shape, or a tolerance
# below float rounding
rows=$(sed -n 's/^lm-2l|\([^|]*\)|.*/\1/p' "$fx/cases.txt")
"$RIC" logits --model "$fx/lm-f16" --tokens "$rows" --out "$TEST_TMP/other.safetensors"
fails 1 "another model's logits are caught" "$cmp" "$TEST_TMP/other.safetensors" \
	"$fx/lm-2l/forward.safetensors" $tol
fails 1 "the comparison sees float rounding" "$cmp" "$TEST_TMP/lm-2l-g.safetensors" \
	"$fx/lm-2l/grads.safetensors" 1e-9

fails 2 "rows of unequal length are a usage error" "$RIC" logits --model "$fx/lm-2l" \
	--tokens "1,2,3;4,5" --out "$TEST_TMP/x.safetensors"
err=$("$RIC" logits --model "$fx/lm-2l" --tokens "1,2,99" --out "$TEST_TMP/x.safetensors" 2>&1)
like "$err" "token 99 \(row 0, position 2\) is outside the vocabulary of 64" "a bad token is named"
fails 1 "targets of another shape are an error" "$RIC" grads --model "$fx/lm-2l" \
	--tokens "1,2,3" --targets "1,2" --out "$TEST_TMP/x.safetensors"
out=$("$RIC" bench train --layers 1 --heads 2 --embd 16 --vocab 32 --ctx 16 --batch 2 --seq 8 \
	--steps 2 --json | tail -n 1)
like "$out" '^\{.*"tokens_per_s": ?[0-9.e+]+' "bench train ends with a JSON line"
out=$("$RIC" bench generate --layers 1 --heads 2 --embd 16 --vocab 32 --ctx 16 --batch 3 \
	--seq 4 --new-tokens 5 --json | tail -n 1)
like "$out" '^\{.*"tokens_per_s": ?[0-9.e+]+' "bench generate ends with a JSON line"
for w in bf16 int8; do
	out=$("$RIC" bench generate --layers 1 --heads 2 --embd 32 --vocab 40 --ctx 16 --batch 7 \
		--seq 4 --new-tokens 5 --weights $w --json | tail -n 1)
	like "$out" "\"weights\": ?\"$w\".*\"tokens_per_s\": ?[0-9.e+]+" "bench generate --weights $w"
done
out=$("$RIC" bench memory --mib 8 --threads 2 --json | tail -n 1)
like "$out" '"read_gb_s": ?[0-9.e+]+.*"ceiling_int8_tok_s": ?[0-9.e+]+' "bench memory reports GB/s and ceilings"
# the weights a token reads: GPT-2 small's matrices and tied head (not wpe);
# the SmolLM2-135M shape's (tied); an untied Llama's head but not its embedding
like "$out" '"weights_per_token": ?123532032[,.]' "bench memory counts GPT-2's matrices and head"
out=$("$RIC" bench memory --mib 8 --arch qwen2 --layers 30 --heads 9 --kv-heads 3 --embd 576 \
	--inner 1536 --vocab 49152 --json | tail -n 1)
like "$out" '"weights_per_token": ?134479872[,.]' "bench memory counts a tied Llama's weights"
out=$("$RIC" bench memory --mib 8 --arch llama --layers 30 --heads 9 --kv-heads 3 --embd 576 \
	--inner 1536 --vocab 49152 --json | tail -n 1)
like "$out" '"weights_per_token": ?134479872[,.]' "bench memory: an untied head is read, its embedding gathered"
fails 2 "bench --weights names a known type" "$RIC" bench generate --weights f8
# --model: a checkpoint's own shape instead of a random model (llama2.c's
# model in Hugging Face form, make bench LLAMA2C=...)
lg="$top_srcdir/tests/fixtures/llama/llama-gqa"
want=$("$RIC" info "$lg" | sed -n 's/^params *\([0-9]*\).*/\1/p')
for w in f32 bf16 int8; do
	out=$("$RIC" bench generate --model "$lg" --batch 2 --seq 3 --new-tokens 4 --weights $w --json |
		tail -n 1)
	like "$out" "\"params\": ?$want,.*\"weights\": ?\"$w\".*\"tokens_per_s\": ?[0-9.e+]+" \
		"bench generate --model decodes the checkpoint ($w)"
done
fails 2 "--model is for generate only" "$RIC" bench train --model "$lg"
fails 1 "a missing --model folder is an error" "$RIC" bench generate --model "$TEST_TMP/none"
done_testing
