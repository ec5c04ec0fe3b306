#!/bin/sh
# The TRL hand-off (issue 19): `ric export --format trl` writes the training
# set sft would use as prompt-completion JSONL + ric.json; `ric sft --data`
# on it trains exactly as `ric sft --dataset` (same losses, same model); an
# online run exports its kept samples; `ric import-checkpoint` makes a model
# trained elsewhere a steerable RiC checkpoint recorded as a run.
. "$top_srcdir/tests/lib.sh"

TOK="$top_srcdir/tests/fixtures/gpt2/chat"
cd "$TEST_TMP" || exit 1

# 200 rows: a prompt of four -> 1..8 words drawn from three; all training rows.
awk 'BEGIN { split("ab cd ef", w, " "); split("W V X Y", p, " "); x = 11
	for (i = 0; i < 200; i++) { x = (x * 1103515245 + 12345) % 2147483648; k = 1 + int(x / 65536) % 8; r = ""
		for (j = 0; j < k; j++) { x = (x * 1103515245 + 12345) % 2147483648; r = r (j ? " " : "") w[1 + int(x / 65536) % 3] }
		printf "{\"prompt\": \"%s\", \"response\": \"%s\"}\n", p[1 + i % 4], r
		print p[1 + i % 4] " " r >"text.txt" } }' >rows.jsonl
ok "a tiny base" "$RIC" pretrain --tokenizer "$TOK" --layers 2 --heads 2 --embd 48 --ctx 48 \
	--steps 150 --batch 8 --lr 3e-3 --save-every 0 --out base text.txt
ok "import" "$RIC" dataset import rows.jsonl --name toy --split train

# A dataset that is not relabelled: one clear error, no folder.
out=$("$RIC" export toy --format trl -o notyet 2>&1)
is "$?" 1 "export of a dataset that is not relabelled fails"
like "$out" '^ric: dataset toy is not relabelled: it has no objectives \(run `ric relabel --dataset toy' \
	"saying so, and what to run"
ok "and leaves no folder" test ! -e notyet
like "$(ls)" '^base' "nor a partial one"
fails 1 "sft says the same" "$RIC" sft --base base --dataset toy --out x

ok "relabel" "$RIC" relabel --dataset toy --objective length=length --objective brevity=brevity:4
C="--template {prompt}{z1},{z2}{marker} --marker :"
ok "export --format trl" "$RIC" export toy --format trl -o exp --base base $C
ok "writes train.jsonl and ric.json" test -f exp/train.jsonl -a -f exp/ric.json
is "$(wc -l <exp/train.jsonl | tr -d ' ')" 200 "one line per training row"
first=$(head -n 1 exp/train.jsonl)
r1=$(head -n 1 rows.jsonl | sed 's/.*"response": "\([^"]*\)".*/\1/')
like "$first" '^\{"prompt":"W-?[0-9]+\.[0-9],-?[0-9]+\.[0-9]:","completion":" '"$r1"'<\|endoftext\|>"\}$' \
	"a row: the context with its scores and marker, the response with its space and EOS"
ric=$(cat exp/ric.json)
like "$ric" '"template": "\{prompt\}\{z1\},\{z2\}\{marker\}"' "ric.json carries the template"
like "$ric" '"reward": "brevity:4"' "and the objectives"
like "$ric" '"sigma": [0-9.]+' "with their stats"
like "$ric" '"base_model": "base"' "and the model it is meant for"
ok "--eos sets the EOS text" "$RIC" export toy --format trl -o exp-eos --eos '</s>' $C
like "$(head -n 1 exp-eos/train.jsonl)" '</s>"\}$' "the completion ends with it"

# The round trip: sft on the export = sft on the dataset, step for step.
S="--base base --steps 8 --batch 8 --lr 2e-3 --warmup 2 --seed 5"
ok "sft on the dataset" "$RIC" sft $S --dataset toy $C --out sft-ds --name sft-ds
ok "sft on the export" "$RIC" sft $S --data exp --out sft-trl --name sft-trl
l1=$("$RIC" metrics sft-ds loss | awk 'NR > 1 { print $1, $2 }')
like "$l1" '^1 [0-9.]+' "sft records its losses"
is "$("$RIC" metrics sft-trl loss | awk 'NR > 1 { print $1, $2 }')" "$l1" \
	"the export trains with the same losses as the dataset"
ok "into the same model" cmp sft-ds/model.safetensors sft-trl/model.safetensors
is "$("$RIC" show sft-trl | awk '$1 == "rows" { print $2 }')" \
	"$("$RIC" show sft-ds | awk '$1 == "rows" { print $2 }')" "on the same rows"
like "$(cat sft-trl/ric.json)" '"template": "\{prompt\}\{z1\},\{z2\}\{marker\}"' \
	"its checkpoint carries the export's ric.json"
fails 2 "--data and --dataset exclude each other" "$RIC" sft $S --data exp --dataset toy --out x
fails 2 "--data takes its template from ric.json" "$RIC" sft $S --data exp --template '{prompt}{z1}{z2}' --out x
like "$("$RIC" sft $S --data nosuch --out x 2>&1)" 'ric: nosuch: not an export of `ric export --format trl` \(nosuch/ric.json\)' \
	"--data of a folder that is no export says so"
mkdir bad-trl
printf '{"prompt": "W"}\n' >bad-trl/train.jsonl
cp exp/ric.json bad-trl/
like "$("$RIC" sft $S --data bad-trl --out x 2>&1)" 'bad-trl/train.jsonl:1: .*completion' \
	"a bad line names the file, the line and the key"

# The unconditioned baseline exports as such.
ok "export --unconditioned" "$RIC" export toy --format trl -o exp-u --unconditioned --marker :
like "$(head -n 1 exp-u/train.jsonl)" '^\{"prompt":"W:","completion":" ' "prompt + marker, no scores"
like "$(cat exp-u/ric.json)" '"conditioned": false' "ric.json says it is unconditioned"
ok "sft on it" "$RIC" sft --base base --steps 1 --batch 4 --data exp-u --out sft-u --name sft-u
like "$("$RIC" show sft-u)" 'conditioned +no' "trains the baseline"

# Online: the kept samples, relabelled with the scores they obtained.
ok "a policy that ends its answers" "$RIC" sft --base base --dataset toy $C --epochs 10 --batch 16 \
	--lr 2e-3 --out policy
ok "one online iteration" "$RIC" online --policy policy --dataset toy --iterations 1 --out online \
	--prompts 32 --mix 0 --lr 1e-4 --max-tokens 20 --name online
kept=$("$RIC" export online --what samples | grep -c '"kept": *true')
ok "it kept some samples ($kept)" test "$kept" -gt 0
ok "export of the online run" "$RIC" export online --format trl -o exp-on
is "$(wc -l <exp-on/train.jsonl | tr -d ' ')" "$kept" "one line per kept sample"
like "$(head -n 1 exp-on/train.jsonl)" '^\{"prompt":"[WVXY]-?[0-9]+\.[0-9],-?[0-9]+\.[0-9]:","completion":" .*<\|endoftext\|>"\}$' \
	"conditioned on the scores they obtained, under the policy's template"
like "$(cat exp-on/ric.json)" '"run": [0-9]+' "with the policy's ric.json"
fails 1 "an online run takes no conditioning options" "$RIC" export online --format trl -o x --marker :
out=$("$RIC" export sft-ds --format trl -o x 2>&1)
like "$out" 'sft-ds is a run of stage sft: --format trl exports a relabelled dataset or an online run' \
	"another run is refused"
out=$("$RIC" export toy --format trl -o exp $C 2>&1)
like "$out" 'exp exists and is not empty' "an export never writes over a folder"
fails 2 "--format trl wants -o DIR" "$RIC" export toy --format trl
fails 2 "--base goes with --format trl" "$RIC" export online --what samples --base base

# A model trained elsewhere: the SFT model's files without ric.json.
mkdir foreign
cp sft-ds/config.json sft-ds/model.safetensors sft-ds/tokenizer.json foreign/
out=$("$RIC" import-checkpoint foreign 2>&1)
is "$?" 1 "import-checkpoint of a folder without ric.json fails"
like "$out" 'foreign has no ric.json: give --ric-json FILE' "saying what to give"
printf '{"objectives": [{"name": "a", "reward": "length", "mu": 0, "sigma": -1, "lo": 0, "hi": 1}]}\n' >bad.json
like "$("$RIC" import-checkpoint foreign --ric-json bad.json 2>&1)" '^ric: bad\.json: ' \
	"a bad ric.json is an error naming the file"
printf '{"objectives": [' >broken.json
like "$("$RIC" import-checkpoint foreign --ric-json broken.json 2>&1)" '^ric: broken\.json:1: ' \
	"so is broken JSON, with its line"
like "$("$RIC" import-checkpoint exp --ric-json exp/ric.json 2>&1)" '^ric: .*exp.*config\.json' \
	"a folder without a model is refused"
ok "no file was written on a refusal" test ! -e foreign/ric.json
out=$("$RIC" import-checkpoint foreign --ric-json exp/ric.json --name trl-model 2>&1)
is "$?" 0 "import-checkpoint with the export's ric.json" "$out"
like "$out" 'steer it with' "says how to steer it"
like "$(cat foreign/ric.json)" '"template": "\{prompt\}\{z1\},\{z2\}\{marker\}"' "the folder now carries ric.json"
show=$("$RIC" show trl-model)
like "$show" 'stage +import' "recorded as a run"
like "$show" 'policy +.*foreign' "with the folder as its policy checkpoint"
run=$("$RIC" show trl-model | awk '$1 == "run" { print $2 }')
like "$(cat foreign/ric.json)" "\"run\": $run" "ric.json names the run"
gen=$("$RIC" generate --model foreign --prompt W --pref 1,0 --max-tokens 6 --seed 1 2>&1)
like "$gen" 'targets: length [0-9.-]+ brevity' "ric generate steers it"
ok "held-out prompts" "$RIC" dataset import rows.jsonl --name held --split eval
ok "ric eval evaluates it" "$RIC" eval --model foreign --dataset held --prompts 2 --step 1 --max-tokens 6 --name eval-foreign
like "$("$RIC" show eval-foreign)" 'points +2' "over the preference grid"
cp exp-u/ric.json other.json
like "$("$RIC" import-checkpoint foreign --ric-json other.json 2>&1)" 'foreign/ric.json exists and differs from other.json' \
	"a folder's own ric.json is not replaced by another"
ok "its own ric.json imports again" "$RIC" import-checkpoint foreign
# An export stopped by a signal removes its partial folder (exit 130). The
# rows take long enough to write that TERM lands while they are written; an
# export that finished first is simply tried again under another name.
awk 'BEGIN { for (i = 0; i < 400000; i++)
	printf "{\"prompt\": \"Q%d\", \"response\": \"answer number %d here\"}\n", i, i }' >big.jsonl
ok "a big dataset" "$RIC" dataset import big.jsonl --name big --split train
ok "relabelled" "$RIC" relabel --dataset big --objective length=length
caught=0
for k in 1 2 3 4 5; do
	"$RIC" export big --format trl -o "cut$k" >cut.out 2>&1 &
	pid=$!
	i=0
	while [ ! -s "cut$k.partial.$pid/train.jsonl" ] && kill -0 $pid 2>/dev/null && [ $i -lt 3000 ]; do
		i=$((i + 1)); sleep 0.01
	done
	kill -TERM $pid 2>/dev/null
	rc=0; wait $pid || rc=$?
	[ "$rc" = 130 ] && { caught=1; break; }
	rm -rf "cut$k"
done
is "$caught" 1 "SIGTERM during an export ends it with status 130"
like "$(cat cut.out)" 'interrupted by signal 15 \(Terminated\); nothing was exported' "saying so"
is "$(ls -d cut*.partial.* 2>/dev/null)" "" "and leaves no partial folder"
ok "nor the folder asked for" test ! -e "cut$k"
done_testing
