#!/bin/sh
# RiC end to end on a toy task: import -> relabel -> (pretrain a base) -> sft
# -> online (1 iteration), then asking for a high "length" score must give
# longer responses than asking for a low one. `ric eval` is not used here (it
# belongs to another branch); the contexts are written out by hand from the
# template, exactly as ricmeta builds them.
. "$top_srcdir/tests/lib.sh"

start=$(date +%s)
TOK="$top_srcdir/tests/fixtures/gpt2/chat"
cd "$TEST_TMP" || exit 1

# 300 rows "W" -> 1..10 words drawn from three; deterministic.
awk 'BEGIN {
	split("ab cd ef", w, " "); x = 11
	for (i = 0; i < 300; i++) {
		x = (x * 1103515245 + 12345) % 2147483648; k = 1 + int(x / 65536) % 10
		r = ""
		for (j = 0; j < k; j++) { x = (x * 1103515245 + 12345) % 2147483648; r = r (j ? " " : "") w[1 + int(x / 65536) % 3] }
		printf "{\"prompt\": \"W\", \"response\": \"%s\"}\n", r
		print "W " r >"text.txt"
	}
}' >rows.jsonl

ok "import the toy dataset" "$RIC" dataset import rows.jsonl --name toy --eval-fraction 0.1
ok "relabel it with the length objective" "$RIC" relabel --dataset toy --objective length=length
ok "pretrain a tiny base model on the same text" "$RIC" pretrain --tokenizer "$TOK" --out base \
	--layers 2 --heads 2 --embd 48 --ctx 48 --steps 100 --batch 8 --lr 3e-3 --save-every 0 text.txt

S="--base base --dataset toy --epochs 8 --batch 16 --lr 2e-3 --template {prompt}{z1}{marker} --marker :"
ok "conditional SFT" "$RIC" sft $S --out sft
ric=$(cat sft/ric.json)
like "$ric" '"name": "length"' "ric.json names the objective"
like "$ric" '"template": "\{prompt\}\{z1\}\{marker\}"' "ric.json keeps the template"
like "$ric" '"mu": [0-9.]+' "ric.json carries the stats"
like "$("$RIC" runs --stage sft)" 'sft-4 +sft +done +1 ' "the SFT run's parent is the import run"

rc=0
"$RIC" sft $S --out sft-halves --stop-at 60 >/dev/null 2>&1 || rc=$?
is "$rc" 130 "sft stops at --stop-at"
ok "sft resumes" "$RIC" sft $S --out sft-halves --resume sft-halves/checkpoint-60
ok "resumed SFT equals straight SFT" cmp sft/model.safetensors sft-halves/model.safetensors

ok "one online iteration" "$RIC" online --policy sft --dataset toy --iterations 1 --out online \
	--prompts 32 --mix 32 --lr 1e-4 --max-tokens 30
show=$("$RIC" show online-7)
like "$show" 'samples +32' "every online sample is stored"
like "$show" 'reward/length' "the mean reward of the iteration is a metric"
like "$show" 'sampler +reference' "the goal sampler is recorded"
like "$show" 'quantile +0.7' "the rejection quantile is recorded"
ok "the online policy carries ric.json" test -f online/ric.json

O="--policy sft --dataset toy --prompts 32 --mix 32 --lr 1e-4 --max-tokens 30"
ok "two online iterations" "$RIC" online $O --iterations 2 --out online2
ok "resume after the first iteration" "$RIC" online $O --iterations 2 --out online2r --resume online/checkpoint-1
ok "iteration 1 + resumed iteration 2 equal two straight iterations" cmp online2/model.safetensors online2r/model.safetensors

ok "an online iteration with the Dirichlet goal sampler" "$RIC" online $O --iterations 1 \
	--out online-dir --sampler dirichlet --name online-dir
csv=$("$RIC" export online-dir --what samples --format csv)
like "$csv" 'kept' "samples export with their kept flag"
# Column 6 is the preference (the toy responses hold no commas).
ok "the Dirichlet sampler stores its preference (one objective: always 1)" \
	sh -c "printf '%s\n' \"\$1\" | awk -F, 'NR > 1 { n++; if (\$6 != \"[1]\") bad = 1 } END { exit bad || n != 32 }'" - "$csv"

words() { # MODEL Z: mean words of 16 responses for target Z
	"$RIC" generate --model "$1" --prompt "W$2:" --n 16 --max-tokens 30 --temperature 0.7 \
		--top-p 0.9 --seed 1 | grep -v '^--- ' | sed "s/^W$2://" | awk '{ n += NF } END { print n / NR }'
}
for m in sft online; do
	hi=$(words $m 1.5)
	lo=$(words $m -1.6)
	ok "$m: asking for length 1.5 gives longer responses ($hi words) than -1.6 ($lo words)" \
		awk -v a="$hi" -v b="$lo" 'BEGIN { exit !(a > b + 1) }'
done

ok "an unconditioned SFT baseline trains too" "$RIC" sft --base base --dataset toy --steps 5 \
	--batch 8 --lr 1e-3 --unconditioned --out baseline
like "$(cat baseline/ric.json)" '"conditioned": false' "the baseline says it is unconditioned"

end=$(date +%s)
ok "the whole pipeline ran in under 2 minutes ($((end - start)) s)" test $((end - start)) -lt 120
done_testing
