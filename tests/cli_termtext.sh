#!/bin/sh
# Names from files reach the terminal without their control characters: a
# reward name "\033]0;pwned\007" from a JSONL import would set the window
# title through dataset import, dataset show, relabel, generate, errors ...
. "$top_srcdir/tests/lib.sh"
cd "$TEST_TMP" || exit 1

ESC=$(printf '\033') BEL=$(printf '\007')
# clean DESCRIPTION TEXT: TEXT has no ESC or BEL byte.
clean() {
	case $2 in
	*"$ESC"* | *"$BEL"*) _tap_result 1 "$1" "$(printf '%s' "$2" | od -c | head -20)" ;;
	*) _tap_result 0 "$1" ;;
	esac
}

printf '%s\n' '{"prompt": "p1", "response": "r one", "rewards": {"h\u001b]0;pwned\u0007": 1}}' \
	'{"prompt": "p2", "response": "r two", "rewards": {"h\u001b]0;pwned\u0007": 2}}' \
	'{"prompt": "p3", "response": "r three", "rewards": {"h\u001b]0;pwned\u0007": 3}}' >rows.jsonl
name=$(printf 'd\033]0;pwned\007')
out=$("$RIC" dataset import rows.jsonl --name "$name" --eval-fraction 0 2>&1)
like "$out" 'dataset d ]0;pwned : 3 rows' "dataset import names the dataset, its controls as spaces"
clean "dataset import prints no escape sequence" "$out"
out=$("$RIC" dataset show "$name" 2>&1)
like "$out" 'h ]0;pwned  +given' "dataset show lists the objective"
clean "dataset show prints no escape sequence" "$out"
out=$("$RIC" dataset list 2>&1)
clean "dataset list prints no escape sequence" "$out"
out=$("$RIC" relabel --dataset "$name" 2>&1)
like "$out" 'h ]0;pwned  +given' "relabel reports the objective"
clean "relabel prints no escape sequence" "$out"
out=$("$RIC" show 1 2>&1)
clean "show prints no escape sequence" "$out"
out=$("$RIC" relabel --dataset "$name" --objective "$(printf 'x\033]0;y\007')=nope" 2>&1)
like "$out" "objective x ]0;y : unknown reward spec 'nope'" "an error names it"
clean "and prints no escape sequence" "$out"
like "$("$RIC" dataset show "$name" --json)" '"name":"h\\u001[bB]]0;pwned\\u0007"' \
	"JSON keeps the name exactly (escaped)"

CKPT_TOOL="$top_builddir/tests/tui_ckpt"
if [ -x "$CKPT_TOOL" ]; then
	"$CKPT_TOOL" ck 256 1 || exit 1
	sed 's|"name": "length"|"name": "len\\u001b]0;pwned\\u0007"|' ck/ric.json >ck/ric.new &&
		mv ck/ric.new ck/ric.json
	grep -q 'pwned' ck/ric.json || exit 1
	out=$("$RIC" generate --model ck --prompt hi --pref 0.5,0.5 --max-tokens 8 --temperature 0 2>&1)
	like "$out" 'targets: len ]0;pwned  1.5' "generate names the objective"
	clean "generate prints no escape sequence (names, nor the model's bytes)" "$out"
	out=$("$RIC" generate --model ck --prompt hi --max-tokens 32 --n 2 2>&1)
	clean "plain generate prints none either" "$out"
fi
done_testing
