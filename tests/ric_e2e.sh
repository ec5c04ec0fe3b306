#!/bin/sh
# RiC end to end on a toy task: import -> relabel -> (pretrain a base) -> sft
# -> online (1 iteration) -> eval, with two opposed objectives (length: words,
# brevity: exp(-words/L)). On the held-out prompts, each objective's mean
# obtained value must be higher where the preference asks for it (weight 1)
# than where it does not (weight 0). The pretrain step only makes a tiny base
# model quickly.
. "$top_srcdir/tests/lib.sh"

start=$(date +%s)
cd "$TEST_TMP" || exit 1

# Eight prompts (toy_rows) so that eval has several distinct ones.
toy_task
toy_base "pretrain a tiny base model on the same text"

S="--base base --dataset toy --epochs 8 --batch 16 --lr 2e-3 --template {prompt}{z1},{z2}{marker} --marker :"
ok "conditional SFT" "$RIC" sft $S --out sft
ric=$(cat sft/ric.json)
like "$ric" '"name": "length"' "ric.json names the objective"
like "$ric" '"template": "\{prompt\}\{z1\},\{z2\}\{marker\}"' "ric.json keeps the template"
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
out=$("$RIC" online $O --iterations 1 --out cut --max-tokens 1 2>&1)
like "$out" 'iteration 1: 32 samples, 0 kept' "samples cut at --max-tokens before their EOS are never kept"
ok "an online iteration sampling with int8 weights" "$RIC" online $O --iterations 1 \
	--out online-q8 --weights int8 --name online-q8
show=$("$RIC" show online-q8)
like "$show" 'weights +int8' "the sampling weights are recorded"
like "$show" 'samples +32' "int8 sampling stores every sample"
like "$("$RIC" show online-7)" 'weights +f32' "f32 by default"
fails 2 "--weights names a known type" "$RIC" online $O --iterations 1 --out bad --weights fp4
ok "two online iterations" "$RIC" online $O --iterations 2 --out online2
ok "resume after the first iteration" "$RIC" online $O --iterations 2 --out online2r --resume online/checkpoint-1
ok "iteration 1 + resumed iteration 2 equal two straight iterations" cmp online2/model.safetensors online2r/model.safetensors

ok "an online iteration with the Dirichlet goal sampler" "$RIC" online $O --iterations 1 \
	--out online-dir --sampler dirichlet --name online-dir
csv=$("$RIC" export online-dir --what samples --format csv)
like "$csv" 'kept' "samples export with their kept flag"
# The preference is the first quoted field (the toy prompts and responses
# hold no commas): Dirichlet draws, on the simplex and not all alike.
ok "the Dirichlet sampler stores its preference (on the simplex, varied)" \
	sh -c "printf '%s\n' \"\$1\" | awk -F'\"' 'NR > 1 { n++; gsub(/[][]/, \"\", \$2); split(\$2, w, \",\")
		if (w[1] < 0 || w[2] < 0 || w[1] + w[2] < 0.999999 || w[1] + w[2] > 1.000001) bad = 1; seen[\$2] = 1 }
		END { for (x in seen) d++; exit bad || n != 32 || d < 2 }'" - "$csv"

# The offline mix: MORS thresholds over the whole offline set, then --mix N
# survivors drawn without replacement, so the iteration trains on exactly
# its kept samples + N offline rows (a draw filtered by its own quantiles
# kept about 60% of N).
train_rows() {
	"$RIC" export "$1" --what metrics --format csv | awk -F, '$1 == "train_rows" { print $3 }'
}
out=$("$RIC" online $O --iterations 1 --out mix40 --mix 40 --name mix40 2>&1)
pool=$(printf '%s\n' "$out" | sed -n 's/.*; \([0-9]*\) online rows in the pool.*/\1/p')
is "$(train_rows mix40)" "$((pool + 40))" "--mix 40 trains on the kept samples + 40 offline rows"
out=$("$RIC" online $O --iterations 1 --out mixall --mix 100000 --name mixall 2>&1)
like "$out" 'note: only [0-9]+ of [0-9]+ offline rows pass the 0.7-quantile rule; --mix 100000 mixes all of them' \
	"a --mix above the survivors says so"
surv=$(printf '%s\n' "$out" | sed -n 's/.*note: only \([0-9]*\) of .*/\1/p')
pool=$(printf '%s\n' "$out" | sed -n 's/.*; \([0-9]*\) online rows in the pool.*/\1/p')
is "$(train_rows mixall)" "$((pool + surv))" "and mixes every survivor once"

# Stop strings at dialogue turns: a response ends before the stop string,
# which is cut before it is scored or trained on. Here "cd", a word the toy
# model writes often, stands in for "\n\nHuman:".
out=$("$RIC" online $O --iterations 1 --out ostop --name ostop --stop cd 2>&1)
csv=$("$RIC" export ostop --what samples --format csv)
is "$(printf '%s\n' "$csv" | grep -c cd)" 0 "online --stop cd: no stored sample holds cd"
like "$(printf '%s\n' "$csv" | tail -n +2 | cut -d, -f5)" '(ab|ef)' "and the samples are not all empty"
like "$("$RIC" show ostop)" 'stop +\["cd"\]' "the stop strings are a run parameter"
like "$("$RIC" show online-7)" 'stop +\["\\n\\nHuman:"\]' "by default \\n\\nHuman: (the marker : starts no line)"
fails 2 "--stop and --no-stop exclude each other" "$RIC" online $O --out x --stop cd --no-stop
gen=$("$RIC" generate --model sft --prompt W --scores 1.5,-1.5 --n 8 --max-tokens 30 \
	--temperature 0.7 --seed 1 --stop cd | grep -v '^rewards:')
unlike "$gen" 'cd' "generate --scores --stop cd: no response holds cd"
like "$gen" '(ab|ef)' "and some hold words"

hi=$(toy_words sft 1.5,-1.5)
lo=$(toy_words sft -1.5,1.5)
ok "generate --scores: asking sft for length 1.5 gives longer responses ($hi words) than -1.5 ($lo words)" \
	awk -v a="$hi" -v b="$lo" 'BEGIN { exit !(a > b + 1) }'

ok "eval of the online policy over the preference grid" "$RIC" eval --model online --dataset toy \
	--prompts 8 --step 0.5 --max-tokens 30 --name eval-online
show=$("$RIC" show eval-online)
like "$show" 'points +3' "every grid point is stored"
like "$show" 'samples +24' "every sample is stored (3 points x 8 prompts)"
# Per point (id,"[w1,w2]","[raw1,raw2]","[norm1,norm2]",...): the preference
# and the mean raw rewards, objectives in ric.json's order (length, brevity).
pts=$("$RIC" export eval-online --what points --format csv | tr -d '\r')
like "$pts" '^id,preference,raw_mean,norm_mean' "points export with their mean raw rewards"
toy_follows eval-online

ok "an unconditioned SFT baseline trains too" "$RIC" sft --base base --dataset toy --steps 5 \
	--batch 8 --lr 1e-3 --unconditioned --out baseline
like "$(cat baseline/ric.json)" '"conditioned": false' "the baseline says it is unconditioned"
ok "eval with a stop string and a baseline" "$RIC" eval --model online --dataset toy --prompts 4 \
	--step 1 --max-tokens 30 --name eval-stop --stop cd --baseline sft:baseline
is "$("$RIC" export eval-stop --what samples --format csv | grep -c cd)" 0 "eval --stop cd: no sample holds cd"
like "$("$RIC" show eval-stop)" 'stop +\["cd"\]' "eval records its stop strings"
like "$("$RIC" show eval-stop-sft)" 'stop +\["cd"\]' "and so does its baseline run"
is "$("$RIC" export eval-stop-sft --what samples --format csv | grep -c cd)" 0 "whose samples are cut too"

# The unconditioned SFT baseline trains on the chosen answers of pairs, as
# the reference's does; --pair-responses both keeps the rejected ones too.
awk 'BEGIN { for (i = 0; i < 20; i++) printf "{\"prompt\": \"W\", \"chosen\": \"ab ab\", \"rejected\": \"cd\"}\n" }' >pairs.jsonl
ok "import 20 pairs" "$RIC" dataset import pairs.jsonl --name pairs --split train
ok "relabel them" "$RIC" relabel --dataset pairs --objective length=length
P="--base base --dataset pairs --steps 1 --batch 8 --lr 1e-3"
ok "an unconditioned SFT baseline on pairs" "$RIC" sft $P --unconditioned --out b-chosen --name b-chosen
show=$("$RIC" show b-chosen)
like "$show" 'rows +20( |$)' "it trains on the 20 chosen rows of 40"
like "$show" 'pair_responses +chosen' "the choice is recorded"
ok "--pair-responses both" "$RIC" sft $P --unconditioned --pair-responses both --out b-both --name b-both
like "$("$RIC" show b-both)" 'rows +40( |$)' "trains on all 40 rows"
ok "conditioned SFT on pairs" "$RIC" sft $P --out c-pairs --name c-pairs
like "$("$RIC" show c-pairs)" 'rows +40( |$)' "keeps both answers (RiC wants the low-reward rows)"
fails 2 "--pair-responses is chosen or both" "$RIC" sft $P --pair-responses some --out b-x

like "$("$RIC" sft $S --out unlabelled --steps 1 2>&1)" \
	'warning: no label between \{z1\} and \{z2\}' "sft warns of scores with no label between them"
unlike "$("$RIC" sft $S --template '{prompt} a{z1} b{z2}{marker}' --out labelled --steps 1 2>&1)" \
	'warning' "and not when each score has one"

# A figure, not a test: speed belongs to make bench.
echo "# the whole pipeline ran in $(($(date +%s) - start)) s"
done_testing
