#!/bin/sh
# ric generate on a tiny byte-level model (tests/fixtures/gpt2/chat).
. "$top_srcdir/tests/lib.sh"
m="$top_srcdir/tests/fixtures/gpt2/chat"

a=$("$RIC" generate --model "$m" --prompt "Hello" --max-tokens 12 --temperature 0 | od -An -c)
b=$("$RIC" generate --model "$m" --prompt "Hello" --max-tokens 12 --temperature 0 | od -An -c)
is "$a" "$b" "greedy decoding is repeatable"
like "$a" '^ +H +e +l +l +o' "the output starts with the prompt"

one=$("$RIC" generate --model "$m" --prompt "Hi there" --max-tokens 10 --seed 5 --top-k 40 \
	| od -An -c)
two=$("$RIC" generate --model "$m" --prompt "Hi there" --max-tokens 10 --seed 5 --top-k 40 --n 3 \
	| sed -n '/^--- 1$/,/^--- 2$/p' | sed '1d;$d' | od -An -c)
is "$one" "$two" "a continuation decoded with two others equals it decoded alone"
n=$("$RIC" generate --model "$m" --prompt "x" --max-tokens 3 --n 3 | grep -c '^--- [123]$')
is "$n" "3" "--n 3 prints three continuations"
other=$("$RIC" generate --model "$m" --prompt "Hi there" --max-tokens 10 --seed 6 --top-k 40 \
	| od -An -c)
[ "$one" != "$other" ]
_tap_result $? "another seed gives another continuation"

# reduced-precision weights: on the BF16 demo policy, bf16 decoding reads
# exactly the stored weights (tests/test_gemv.c bounds the logits); int8
# decodes the same way in one batch as row by row
d="$top_srcdir/share/demo/policy"
g() { "$RIC" generate --model "$d" --prompt "Quote by Mark Twain:" --temperature 0 --max-tokens 24 "$@"; }
is "$(g --weights bf16)" "$(g --weights f32)" "bf16 greedy output on a BF16 checkpoint equals f32"
i1=$(g --weights int8 --n 3 | sed -n '/^--- 2$/,/^--- 3$/p' | sed '1d;$d')
i2=$(g --weights int8 | tail -n +1)
is "$i1" "$i2" "int8: a continuation in a batch of 3 equals it alone"
like "$(g --weights int8 --pref 0,1,0)" '^rewards: informativeness' "int8 on a RiC preference scores its output"
out=$(g --scores 0,1e300,0 2>&1)
like "$out" "^ric: --scores '0,1e300,0': value 2 is 1e\\+300, beyond \\+-1e\\+06" \
	"a desired score beyond +-1e6 is refused, naming --scores"
unlike "$out" '0000000000' "no long number reaches the prompt or the output"
fails 1 "generate exits 1 on such a score" "$RIC" generate --model "$d" --prompt x --scores 1e300,0,0
is "$(g --temperature 1e-40 --max-tokens 8)" "$(g --temperature 0 --max-tokens 8)" \
	"a temperature of 1e-40 decodes as greedy"
fails 2 "--weights names a known type" "$RIC" generate --model "$m" --prompt x --weights fp4

fails 2 "--prompt is required" "$RIC" generate --model "$m"
fails 2 "--top-p above 1 is refused" "$RIC" generate --model "$m" --prompt x --top-p 2
fails 1 "a missing model is an error" "$RIC" generate --model "$TEST_TMP/none" --prompt x
done_testing
