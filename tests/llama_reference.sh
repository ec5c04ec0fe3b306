#!/bin/sh
# ric logits and ric grads on Llama-family folders against PyTorch
# (tests/fixtures/llama, made by its make.sh from the reference script):
# relative error max|ric - torch| / max|torch| per tensor at most 1e-4 for
# every variant (Llama, Qwen2, Mistral; GQA, one KV head; rope scaling none,
# linear, llama3; biases; tied and untied; reward models; F32, F16, BF16);
# then the errors a broken folder gets.
. "$top_srcdir/tests/lib.sh"
fx="$top_srcdir/tests/fixtures/llama"
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

fails 1 "the comparison sees float rounding" "$cmp" "$TEST_TMP/llama-gqa-g.safetensors" \
	"$fx/llama-gqa/grads.safetensors" 1e-9
# another variant's logits for the same rows are caught
"$RIC" logits --model "$fx/rm-llama" --tokens "1,2,3,4,5;9,8,7,6,2;20,21,22,23,3" \
	--out "$TEST_TMP/other.safetensors"
fails 1 "another model's scores are caught" "$cmp" "$TEST_TMP/other.safetensors" \
	"$fx/rm-qwen2/forward.safetensors" $tol

# broken folders: one error naming the file and the key or tensor
bad="$TEST_TMP/bad"
edit() { # edit SED-EXPR: a copy of llama-gqa with config.json edited
	rm -rf "$bad" && cp -r "$fx/llama-gqa" "$bad" && sed -i "$1" "$bad/config.json"
}
edit 's/"intermediate_size": 24/"intermediate_size": 25/'
err=$("$RIC" logits --model "$bad" --tokens "1,2" --out "$TEST_TMP/x.safetensors" 2>&1)
like "$err" "model.safetensors: tensor 'model.layers.0.mlp.gate_proj.weight': shape \[24, 32\], but config.json needs \[25, 32\]" \
	"a tensor of the wrong shape is named"
edit 's/"num_key_value_heads": 2/"num_key_value_heads": 3/'
err=$("$RIC" logits --model "$bad" --tokens "1,2" --out "$TEST_TMP/x.safetensors" 2>&1)
like "$err" "config.json: num_key_value_heads 3 does not divide num_attention_heads 4" \
	"KV heads that do not divide the heads are named"
edit 's/"model_type": "llama"/"model_type": "gemma"/'
err=$("$RIC" logits --model "$bad" --tokens "1,2" --out "$TEST_TMP/x.safetensors" 2>&1)
like "$err" "config.json: key 'model_type' = \"gemma\" is not supported" "an unknown model_type is named"
edit 's/"rope_theta": 10000.0,/"rope_theta": 10000.0, "rope_scaling": {"rope_type": "dynamic", "factor": 2.0},/'
err=$("$RIC" logits --model "$bad" --tokens "1,2" --out "$TEST_TMP/x.safetensors" 2>&1)
like "$err" "config.json: key 'rope_scaling.rope_type' = \"dynamic\" is not supported" \
	"an unknown rope type is named"
edit 's/"tie_word_embeddings": false/"tie_word_embeddings": true/'
err=$("$RIC" logits --model "$bad" --tokens "1,2" --out "$TEST_TMP/x.safetensors" 2>&1)
like "$err" "tensor 'lm_head.weight': differs from model.embed_tokens.weight" \
	"a separate head under a tied config is refused"

# ric convert writes the layout save_pretrained writes (names, tied head left
# out, config.json of the same model_type), and reads back to the same logits
for name in llama-gqa qwen2-tie rm-llama; do
	rm -rf "$TEST_TMP/in" && cp -r "$fx/$name" "$TEST_TMP/in" &&
		cp "$top_srcdir/tests/fixtures/gpt2/chat/tokenizer.json" "$TEST_TMP/in/"
	rows=$(sed -n "s/^$name|\([^|]*\)|.*/\1/p" "$fx/cases.txt")
	out=$("$RIC" convert "$TEST_TMP/in" "$TEST_TMP/$name-f32" --dtype f32 2>&1 &&
	      "$RIC" logits --model "$TEST_TMP/$name-f32" --tokens "$rows" --out "$TEST_TMP/c.safetensors" 2>&1 &&
	      "$cmp" "$TEST_TMP/c.safetensors" "$fx/$name/forward.safetensors" $tol 2>&1)
	_tap_result $? "$name: converted to F32, the same logits ($(echo "$out" | tail -n 1))" "$out"
	type=$(sed -n 's/.*"model_type": "\([a-z0-9]*\)".*/\1/p' "$fx/$name/config.json")
	ok "$name: config.json keeps model_type $type" grep -q "\"model_type\": \"$type\"" \
		"$TEST_TMP/$name-f32/config.json"
	out=$("$RIC" convert "$TEST_TMP/in" "$TEST_TMP/$name-bf16" --dtype bf16 2>&1 &&
	      "$RIC" logits --model "$TEST_TMP/$name-bf16" --tokens "$rows" --out "$TEST_TMP/c.safetensors" 2>&1 &&
	      "$cmp" "$TEST_TMP/c.safetensors" "$fx/$name/forward.safetensors" 3e-2 2>&1)
	_tap_result $? "$name: converted to BF16, logits within BF16 rounding ($(echo "$out" | tail -n 1))" "$out"
done
head=$(head -c 4096 "$TEST_TMP/llama-gqa-f32/model.safetensors" | tr -c '[:print:]' ' ')
like "$head" '"model.layers.1.self_attn.k_proj.weight":\{"dtype":"F32","shape":\[16,32\]' \
	"k_proj written [out, in] under its Hugging Face name"
like "$head" '"lm_head.weight"' "an untied head is written"
head=$(head -c 4096 "$TEST_TMP/qwen2-tie-f32/model.safetensors" | tr -c '[:print:]' ' ')
unlike "$head" 'lm_head' "a tied head is not written (as save_pretrained)"
like "$head" '"model.layers.0.self_attn.q_proj.bias"' "Qwen2's q bias is written"

out=$("$RIC" info "$TEST_TMP/qwen2-tie-bf16")
like "$out" 'family +llama \(model_type qwen2, Qwen2ForCausalLM\)' "ric info DIR: family and architecture"
like "$out" '2 layers, hidden 16, 4 heads \(2 key-value\) of 4, MLP 24, vocab 32' "ric info DIR: shapes"
like "$out" 'params +4496 ' "ric info DIR: parameter count"
like "$out" 'dtype +BF16 in 1 file' "ric info DIR: stored dtype"
like "$out" 'tokenizer +byte-level BPE \(tokenizer.json\), 257 tokens' "ric info DIR: tokenizer kind and size"
like "$("$RIC" info --json "$TEST_TMP/qwen2-tie-bf16")" '"tokenizer_kind":"byte-level BPE \(tokenizer.json\), 257 tokens"' \
	"ric info --json DIR: tokenizer_kind"
rm -rf "$TEST_TMP/l2tok" && cp -r "$TEST_TMP/qwen2-tie-bf16" "$TEST_TMP/l2tok" &&
	gzip -dc "$top_srcdir/tests/fixtures/llama2-tokenizer/tokenizer.json.gz" >"$TEST_TMP/l2tok/tokenizer.json"
like "$("$RIC" info "$TEST_TMP/l2tok")" 'tokenizer +SentencePiece BPE with byte fallback \(tokenizer.json\), 32000 tokens' \
	"ric info DIR: a Llama 2 tokenizer's kind"
printf '{"model": {"type": "Unigram", "vocab": []}}' >"$TEST_TMP/l2tok/tokenizer.json"
like "$("$RIC" info "$TEST_TMP/l2tok")" 'tokenizer +tokenizer.json \(does not load: .*model.type Unigram is not supported' \
	"ric info DIR: a tokenizer that does not load says why"
out=$("$RIC" info --json "$fx/rm-llama")
like "$out" '"family":"llama".*"labels":2.*"head":"score"' "ric info --json DIR"
fails 1 "ric info on a folder without config.json fails" "$RIC" info "$TEST_TMP"
# a Mistral with a sliding window shorter than its positions: ric info shows it
cp -r "$fx/mistral-f16" "$TEST_TMP/mistral-win"
sed 's/"max_position_embeddings": 16,/&\n  "sliding_window": 8,/' "$fx/mistral-f16/config.json" \
	>"$TEST_TMP/mistral-win/config.json"
like "$("$RIC" info "$TEST_TMP/mistral-win")" 'window +sliding window of 8 tokens' \
	"ric info DIR: Mistral's sliding window"
like "$("$RIC" info --json "$TEST_TMP/mistral-win")" '"sliding_window":8' "ric info --json: the window"
unlike "$("$RIC" info "$fx/mistral-f16")" 'window' "no window line without one"
done_testing
