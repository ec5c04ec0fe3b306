#!/bin/sh
# ric convert: F32 -> BF16 halves the weights, keeps the tokenizer and ric.json,
# and the BF16 model generates what a BF16-rounded model should.
. "$top_srcdir/tests/lib.sh"
m="$TEST_TMP/in"
mkdir -p "$m" && cp "$top_srcdir"/tests/fixtures/gpt2/chat/* "$m/"
printf '{"objectives": [], "note": "kept"}\n' > "$m/ric.json"

ok "convert to BF16" "$RIC" convert "$m" "$TEST_TMP/bf16"
a=$(wc -c < "$m/model.safetensors"); b=$(wc -c < "$TEST_TMP/bf16/model.safetensors")
[ $((b * 2)) -lt $((a + 4096)) ] && [ $((b * 2)) -gt $((a - 4096)) ]
_tap_result $? "the BF16 weights are half the size ($a -> $b bytes)"
like "$(cat "$TEST_TMP/bf16/config.json")" '"torch_dtype": "bfloat16"' "config.json says bfloat16"
ok "the tokenizer goes along" cmp "$m/tokenizer.json" "$TEST_TMP/bf16/tokenizer.json"
like "$(cat "$TEST_TMP/bf16/ric.json")" '"note": "kept"' "ric.json goes along"

ok "convert back to F32" "$RIC" convert "$TEST_TMP/bf16" "$TEST_TMP/f32" --dtype f32
c=$(wc -c < "$TEST_TMP/f32/model.safetensors")
[ $((c - b)) -gt $((b - 4096)) ]
_tap_result $? "F32 again is twice the BF16 size ($c bytes)"
ok "BF16 of the widened copy" "$RIC" convert "$TEST_TMP/f32" "$TEST_TMP/bf16b"
ok "BF16 -> F32 -> BF16 changes no bit" cmp "$TEST_TMP/bf16/model.safetensors" \
	"$TEST_TMP/bf16b/model.safetensors"
x=$("$RIC" generate --model "$TEST_TMP/bf16" --prompt "Hello" --max-tokens 8 --temperature 0)
y=$("$RIC" generate --model "$TEST_TMP/f32" --prompt "Hello" --max-tokens 8 --temperature 0)
is "$x" "$y" "the BF16 folder and its F32 widening decode alike"

fails 2 "an unknown dtype is refused" "$RIC" convert "$m" "$TEST_TMP/x" --dtype f16
fails 2 "OUT must differ from IN" "$RIC" convert "$m" "$m"
out=$("$RIC" convert "$TEST_TMP/none" "$TEST_TMP/y" 2>&1)
like "$out" 'none' "a missing input is named"
done_testing
