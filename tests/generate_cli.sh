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

fails 2 "--prompt is required" "$RIC" generate --model "$m"
fails 2 "--top-p above 1 is refused" "$RIC" generate --model "$m" --prompt x --top-p 2
fails 1 "a missing model is an error" "$RIC" generate --model "$TEST_TMP/none" --prompt x
done_testing
