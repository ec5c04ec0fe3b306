#!/bin/sh
# ric relabel --weights: rm: scorers loaded for decoding only (BF16, int8; no
# F32 copy) give the F32 forward pass's stats within their rounding, and the
# run records the weights as ric eval does.
. "$top_srcdir/tests/lib.sh"
rm="rm:$top_srcdir/share/demo/reward"
cd "$TEST_TMP" || exit 1
awk 'BEGIN { split("the cat sat on a mat and was very happy today but sad later", w, " "); x = 7
	for (i = 0; i < 24; i++) {
		r = ""; x = (x * 1103515245 + 12345) % 2147483648; k = 2 + int(x / 65536) % 10
		for (j = 0; j < k; j++) { x = (x * 1103515245 + 12345) % 2147483648; r = r (j ? " " : "") w[1 + int(x / 65536) % 14] }
		printf "{\"prompt\": \"Human: tell me a story. Assistant:\", \"response\": \"%s\"}\n", r } }' >rows.jsonl
ok "import the rows" "$RIC" dataset import rows.jsonl --name toy
# mu and sigma of one objective, from dataset show --json
stats() {
	"$RIC" dataset show toy --json | tr '{' '\n' |
		sed -n "s/^\"name\":\"$1\".*\"mu\":\([-0-9.e+]*\),\"sigma\":\([-0-9.e+]*\),.*/\1 \2/p"
}
for w in f32 bf16 int8; do
	out=$("$RIC" relabel --dataset toy --objective "rm$w=$rm" --weights $w 2>&1); rc=$?
	is "$rc" 0 "relabel --weights $w scores through rm:"
	run=$(echo "$out" | sed -n 's/^run \([0-9]*\) (relabel)$/\1/p')
	like "$("$RIC" show "$run")" "weights +$w" "the relabel run records --weights $w"
done
"$RIC" relabel --dataset toy --objective "rmdef=$rm" >/dev/null 2>&1
like "$("$RIC" show 5)" 'weights +f32' "f32 by default"
# the reduced weights' mu within TOL sigma of f32's, sigma within TOL of it
close() { # OBJECTIVE TOL
	echo "$(stats rmf32) $(stats "$1")" | awk -v tol="$2" '
		{ d = $3 - $1; if (d < 0) d = -d; s = $4 - $2; if (s < 0) s = -s
		  printf "mu %s against %s, sigma %s against %s\n", $3, $1, $4, $2
		  exit !(NF == 4 && $2 > 0 && d <= tol * $2 && s <= tol * $2) }'
}
ok "bf16: mu and sigma within 2% of sigma of f32's ($(close rmbf16 0.02))" close rmbf16 0.02
ok "int8: within 5% ($(close rmint8 0.05))" close rmint8 0.05
ok "the default is f32 itself ($(close rmdef 0))" close rmdef 0
err=$("$RIC" relabel --dataset toy --objective "rmx=$rm" --weights fp4 2>&1); rc=$?
is "$rc" 2 "--weights names a known type"
like "$err" "--weights is f32, bf16 or int8, not 'fp4'" "and says which"
done_testing
