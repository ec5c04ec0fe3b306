#!/bin/sh
# PEFT LoRA adapters (tests/fixtures/lora, made by its make.sh with PyTorch):
# ric logits --adapter and ric grads --adapter against PyTorch to 1e-4
# relative (the adapter's gradients under its own tensor names, base frozen);
# a GPT-2 Conv1D adapter against the base merged by PyTorch; ric merge; an
# adapter folder where a checkpoint is accepted; the errors of bad adapters.
. "$top_srcdir/tests/lib.sh"
fx="$top_srcdir/tests/fixtures/lora"
cmp="$top_builddir/tests/st_compare"
tol=1e-4

while IFS='|' read -r name base tokens targets; do
	case $name in ''|'#'*) continue ;; esac
	out=$("$RIC" logits --adapter "$fx/$name" --tokens "$tokens" --out "$TEST_TMP/$name-f.safetensors" 2>&1 &&
	      "$cmp" "$TEST_TMP/$name-f.safetensors" "$fx/$name/forward.safetensors" $tol 2>&1)
	_tap_result $? "$name: logits over the adapter match PyTorch ($(echo "$out" | tail -n 1))" "$out"
	[ "$targets" = - ] && continue
	out=$("$RIC" grads --adapter "$fx/$name" --tokens "$tokens" --targets "$targets" \
	          --out "$TEST_TMP/$name-g.safetensors" 2>&1 &&
	      "$cmp" "$TEST_TMP/$name-g.safetensors" "$fx/$name/grads.safetensors" $tol 2>&1)
	_tap_result $? "$name: loss and the adapter's gradients match PyTorch ($(echo "$out" | tail -n 1))" "$out"
done < "$fx/cases.txt"

# a base stored in BF16 stays BF16 under the adapter (bf16-all above matched
# PyTorch that way): ric grads says so, as training records lora_base_dtype
row=$(grep '^bf16-all|' "$fx/cases.txt")
like "$("$RIC" grads --adapter "$fx/bf16-all" --tokens "$(echo "$row" | cut -d'|' -f3)" \
	--targets "$(echo "$row" | cut -d'|' -f4)" --out "$TEST_TMP/bf16.safetensors")" \
	'base kept in BF16' "the BF16 base's gradients came through the BF16 path"
unlike "$("$RIC" grads --adapter "$fx/llama-all" --tokens "$(grep '^llama-all|' "$fx/cases.txt" | cut -d'|' -f3)" \
	--targets "$(grep '^llama-all|' "$fx/cases.txt" | cut -d'|' -f4)" --out "$TEST_TMP/f32.safetensors")" \
	'BF16' "an F32 base stays F32"

# the adapter changes the model: the base alone is caught by the comparison
rows=$(sed -n 's/^llama-all|[^|]*|\([^|]*\)|.*/\1/p' "$fx/cases.txt")
"$RIC" logits --model "$top_srcdir/tests/fixtures/llama/llama-gqa" --tokens "$rows" \
	--out "$TEST_TMP/base.safetensors"
fails 1 "the base without its adapter is caught" "$cmp" "$TEST_TMP/base.safetensors" \
	"$fx/llama-all/forward.safetensors" $tol
# --model names the base explicitly
ok "--model BASE --adapter DIR" "$RIC" logits --model "$top_srcdir/tests/fixtures/llama/llama-gqa" \
	--adapter "$fx/llama-all" --tokens "$rows" --out "$TEST_TMP/b2.safetensors"
ok "... gives the adapter's logits" "$cmp" "$TEST_TMP/b2.safetensors" "$fx/llama-all/forward.safetensors" $tol

# ric merge: a full checkpoint with the adapter's logits, loadable alone
for name in llama-all gpt2-conv1d; do
	rows=$(sed -n "s/^$name|[^|]*|\([^|]*\)|.*/\1/p" "$fx/cases.txt")
	out=$("$RIC" merge "$fx/$name" "$TEST_TMP/$name-merged" 2>&1 &&
	      "$RIC" logits --model "$TEST_TMP/$name-merged" --tokens "$rows" --out "$TEST_TMP/m.safetensors" 2>&1 &&
	      "$cmp" "$TEST_TMP/m.safetensors" "$fx/$name/forward.safetensors" $tol 2>&1)
	_tap_result $? "$name: ric merge writes a checkpoint with the adapter's logits ($(echo "$out" | tail -n 1))" "$out"
	ok "$name: the merged folder is a model, not an adapter" test -f "$TEST_TMP/$name-merged/config.json"
done

# an adapter folder is a checkpoint to commands that take one: ric generate
# over an adapter (tokenizer from its base) samples what the merged model does
ok "ric merge of an adapter over a base with a tokenizer" "$RIC" merge "$fx/gpt2-chat" "$TEST_TMP/tok-merged"
ok "ric merge copies the base's tokenizer" test -f "$TEST_TMP/tok-merged/tokenizer.json"
gen() { "$RIC" generate --model "$1" --prompt "ab" --n 2 --max-tokens 6 --seed 3 --no-stop 2>&1; }
a=$(gen "$fx/gpt2-chat")
ok "ric generate --model ADAPTER samples" "$RIC" generate --model "$fx/gpt2-chat" --prompt ab --max-tokens 2
b=$(gen "$TEST_TMP/tok-merged")
ok "... the same text as the merged checkpoint" test "$a" = "$b"
c=$(gen "$top_srcdir/tests/fixtures/gpt2/chat")
ok "... and not the base's" test "$a" != "$c"

# bad adapters: one error naming the file and the key or tensor
bad="$TEST_TMP/bad"
edit() { # edit SED-EXPR: a copy of llama-all with adapter_config.json edited
	rm -rf "$bad" && cp -r "$fx/llama-all" "$bad" && sed -i "$1" "$bad/adapter_config.json"
	sed -i "s|\"base_model_name_or_path\": \"[^\"]*\"|\"base_model_name_or_path\": \"$top_srcdir/tests/fixtures/llama/llama-gqa\"|" \
		"$bad/adapter_config.json"
}
run_bad() { "$RIC" logits --adapter "$bad" --tokens "1,2" --out "$TEST_TMP/x.safetensors" 2>&1; }
edit 's/"peft_type": "LORA"/"peft_type": "IA3"/'
like "$(run_bad)" "bad/adapter_config.json: key 'peft_type' = \"IA3\": only LORA adapters are supported" \
	"an adapter of another peft_type is named"
edit 's/"r": 4/"r": 0/'
like "$(run_bad)" "bad/adapter_config.json: key 'r': the rank must be an integer of at least 1" \
	"a rank of 0 is refused"
edit 's/"gate_proj",/"gate_proj", "w1_proj",/'
like "$(run_bad)" "bad/adapter_config.json: key 'target_modules': 'w1_proj' is not a linear layer of this Llama model \(q_proj, k_proj, v_proj, o_proj, gate_proj, up_proj, down_proj\)" \
	"an unknown target module is named"
edit 's/"r": 4/"r": 2/'
like "$(run_bad)" "bad/adapter_model.safetensors: tensor 'base_model.model.model.layers.0.mlp.down_proj.lora_A.weight': shape \[4, 24\], but r = 2 and the base's model.layers.0.mlp.down_proj.weight need \[2, 24\]" \
	"a tensor of another rank is named"
edit 's/"v_proj",//'
like "$(run_bad)" "bad/adapter_model.safetensors: tensor 'base_model.model.model.layers.0.self_attn.v_proj.lora_A.weight' is not the lora_A or lora_B of a layer in target_modules" \
	"a tensor outside target_modules is named"
# a base of other shapes (qwen2-tie is 16 wide, the adapter 32)
rm -rf "$bad" && cp -r "$fx/llama-all" "$bad"
err=$("$RIC" logits --model "$top_srcdir/tests/fixtures/llama/qwen2-tie" --adapter "$bad" \
	--tokens "1,2" --out "$TEST_TMP/x.safetensors" 2>&1)
like "$err" "bad/adapter_model.safetensors: tensor 'base_model.model.model.layers.0.mlp.down_proj.lora_B.weight': shape \[32, 4\], but r = 4 and the base's model.layers.0.mlp.down_proj.weight need \[16, 4\]" \
	"an adapter over a base of other shapes is named"
rm -rf "$bad" && cp -r "$fx/llama-all" "$bad"
sed -i 's|"base_model_name_or_path": "[^"]*"|"base_model_name_or_path": "meta-llama/Llama-2-7b-hf"|' "$bad/adapter_config.json"
like "$(run_bad)" "bad/adapter_config.json: key 'base_model_name_or_path' = \"meta-llama/Llama-2-7b-hf\" is not a model folder here; give the base with --base DIR" \
	"a base that is not here is named"
fails 1 "ric merge of a folder that is no adapter fails" "$RIC" merge "$top_srcdir/tests/fixtures/llama/llama-gqa" "$TEST_TMP/nope"
done_testing
