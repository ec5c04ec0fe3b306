#!/bin/sh
# ric dataset import/list/show and ric relabel: formats, splits, filters, bad
# lines, stats with known answers, and a relabel that resumes after its
# scorer died.
. "$top_srcdir/tests/lib.sh"
export RIC_DATADIR="$top_srcdir/share"
T=$TEST_TMP
scorer="$top_srcdir/share/scorers/example_scorer.py"

# rows of 1..8 words, the last two "rewards"-annotated
i=0
: > "$T/rows.jsonl"
while [ $i -lt 8 ]; do
	i=$((i + 1))
	words=$(seq -s ' ' 1 $i)
	printf '{"prompt": "Q%d", "response": "%s"}\n' $i "$words" >> "$T/rows.jsonl"
done
out=$("$RIC" dataset import "$T/rows.jsonl" --eval-fraction 0.5 --seed 7 2>&1)
like "$out" '^dataset rows: 8 rows \(0 pairs\), [0-9]+ train, [0-9]+ eval; 0 filtered, 0 bad lines skipped' \
	"import prints a summary"
split1=$(echo "$out" | head -n 1)
out=$("$RIC" dataset import "$T/rows.jsonl" --name again --eval-fraction 0.5 --seed 7 2>&1 | head -n 1)
is "${out#dataset again}" "${split1#dataset rows}" "the same seed draws the same split"
out=$("$RIC" show import-1)
like "$out" 'eval_fraction +0.5' "the run records its parameters"
like "$out" 'seed +7' "the run records the seed"
fails 2 "--split and --eval-fraction exclude each other" "$RIC" dataset import "$T/rows.jsonl" \
	--name x --split eval --eval-fraction 0.1
fails 1 "a dataset name is not taken twice" "$RIC" dataset import "$T/rows.jsonl"

# a file that carries its own split: the "split" key wins over the draw
printf '%s\n' '{"prompt": "a", "response": "b", "split": "eval"}' \
	'{"prompt": "a", "response": "c", "split": "train"}' '{"prompt": "a", "response": "d", "split": "eval"}' \
	> "$T/presplit.jsonl"
out=$("$RIC" dataset import "$T/presplit.jsonl" --eval-fraction 0 2>&1)
like "$out" '^dataset presplit: 3 rows \(0 pairs\), 1 train, 2 eval' "a row's \"split\" key sets its split"
printf '%s\n' '{"prompt": "a", "response": "b", "split": "test"}' > "$T/badsplit.jsonl"
out=$("$RIC" dataset import "$T/badsplit.jsonl" 2>&1)
like "$out" 'badsplit.jsonl:1: "split" is "train" or "eval"' "an unknown split is named with its line"

# pairs, gzipped, all held out
printf '%s\n' '{"prompt": "P1", "chosen": "good answer", "rejected": "bad"}' \
	'{"prompt": "P2", "chosen": "fine", "rejected": "awful"}' | gzip > "$T/prefs.jsonl.gz"
out=$("$RIC" dataset import "$T/prefs.jsonl.gz" --split eval)
like "$out" '^dataset prefs: 4 rows \(2 pairs\), 0 train, 4 eval' "pairs from a .gz file"
out=$("$RIC" dataset show prefs --json)
like "$out" '"pairs":2' "show counts the pairs"
like "$out" '"eval":4' "show counts the eval rows"

# several files, each in its own format
out=$("$RIC" dataset import "$T/rows.jsonl" "$T/prefs.jsonl.gz" --name mixed --split train)
like "$out" '^dataset mixed: 12 rows \(2 pairs\), 12 train' "files of different formats go into one dataset"

# HH-RLHF dialogues
printf '%s\n' '{"chosen": "\n\nHuman: hi\n\nAssistant: hello there", "rejected": "\n\nHuman: hi\n\nAssistant: go"}' \
	> "$T/hh.jsonl"
out=$("$RIC" dataset import "$T/hh.jsonl" --format hh-rlhf --split train)
like "$out" '2 rows \(1 pairs\)' "HH-RLHF dialogues become a pair"

# bad lines: the import fails naming the line and leaves nothing behind ...
printf '%s\n' '{"prompt": "a", "response": "b"}' '{"prompt": "a", "response": "c"}' \
	'{"prompt": "a", "response": ""}' '{"prompt": "a", "response": "d"}' > "$T/bad.jsonl"
out=$("$RIC" dataset import "$T/bad.jsonl" 2>&1)
like "$out" 'bad.jsonl:3: "response" is empty' "a bad line is named with its number"
out=$("$RIC" dataset list)
unlike "$out" ' bad ' "a failed import leaves no dataset"
out=$("$RIC" runs --stage import)
like "$out" 'failed' "a failed import is a failed run"
# ... or, asked to, skips it and counts it
out=$("$RIC" dataset import "$T/bad.jsonl" --skip-bad --split train 2>&1)
like "$out" '3 rows .* 1 bad lines skipped' "--skip-bad counts skipped lines"
like "$out" 'skipped .*bad.jsonl:3' "--skip-bad names what it skipped"

# token filters count prompt + response with the tokenizer
out=$("$RIC" dataset import "$T/rows.jsonl" --name short --split train \
	--tokenizer "$top_srcdir/tests/fixtures/gpt2-tokenizer" --max-tokens 6)
# "Q5" + "1 2 3 4 5" is 6 tokens (Q 51 " 2" " 3" " 4" " 5"): rows 1..5 stay
like "$out" '5 rows .* 3 filtered' "--max-tokens filters long rows"

# relabel: stats with known answers. short has responses of 1..5 words:
# mu 3, sigma sqrt(2), z = (w - 3) / sqrt(2)
out=$("$RIC" relabel --dataset short --objective len=length --objective b=brevity:4 2>&1)
like "$out" 'len +length +5 ' "relabel scores every row"
out=$("$RIC" dataset show short --json)
like "$out" '"name":"len","spec":"length","unscored":0,"mu":3.0,"sigma":1.414213562373095,"lo":-1.414213562373095,"hi":1.414213562373095' \
	"mu, sigma (population), lo and hi (min and max of z)"
out=$("$RIC" relabel --dataset short --objective len --quantiles 0.25,0.75)
out=$("$RIC" dataset show short --json)
# z = -1.41 -0.71 0 0.71 1.41: the 0.25 and 0.75 quantiles are -0.71 and 0.71
like "$out" '"lo":-0.7071067811865475,"hi":0.7071067811865475' "--quantiles sets lo and hi from quantiles of z"
fails 1 "an objective keeps its spec" "$RIC" relabel --dataset short --objective len=brevity
out=$("$RIC" relabel --dataset short --objective x=nonsense 2>&1)
like "$out" "unknown reward spec 'nonsense'" "an unknown spec is refused"

# imported rewards ("given") are summarised, not scored
printf '%s\n' '{"prompt": "a", "response": "b", "rewards": {"h": 1}}' \
	'{"prompt": "a", "response": "c", "rewards": {"h": 3}}' > "$T/given.jsonl"
"$RIC" dataset import "$T/given.jsonl" --split train > /dev/null
out=$("$RIC" relabel --dataset given 2>&1)
like "$out" 'h +given +0 ' "relabel keeps imported rewards"
out=$("$RIC" dataset show given --json)
like "$out" '"name":"h","spec":"given","unscored":0,"mu":2.0,"sigma":1.0,"lo":-1.0,"hi":1.0' \
	"and computes their stats"

# resume: a scorer that dies after 2 requests of 2 rows; what it scored stays
spec="cmd:python3 $scorer --die-after 2"
out=$("$RIC" relabel --dataset rows --objective "w=$spec" --batch 2 2>&1)
rc=$?
like "$out" "relabel: objective w: reward 'cmd:python3 .*example_scorer.py --die-after 2': the scorer exited with status 1 \(request 3, 2 answered before\)" \
	"a dying scorer fails the stage, naming the command"
out=$("$RIC" dataset show rows --json)
like "$out" '"name":"w","spec":"cmd:[^"]*","unscored":4\}' "the 4 rows scored before it died are kept"
out=$("$RIC" runs --stage relabel)
like "$out" 'relabel.*failed' "the failed relabel is a failed run"
out=$("$RIC" relabel --dataset rows --objective "w=$spec" --batch 2 2>&1)
like "$out" 'w +cmd:.* 4 ' "running it again scores only the 4 rows left"
# the scorer counts words as length does: the stats of both must agree
out=$("$RIC" relabel --dataset rows --objective len=length 2>&1)
out=$("$RIC" dataset show rows --json)
w=$(echo "$out" | sed -n 's/.*"name":"w",[^}]*"unscored":0,\("mu":[^}]*\)}.*/\1/p')
l=$(echo "$out" | sed -n 's/.*"name":"len",[^}]*"unscored":0,\("mu":[^}]*\)}.*/\1/p')
like "$w" '^"mu":[0-9.]+,"sigma":[0-9.]+,"lo":-[0-9.]+,"hi":[0-9.]+$' "the resumed objective has stats"
is "$w" "$l" "its stats equal those of the same scores computed in one go"
out=$("$RIC" store check 2>&1)
like "$out" 'ok \(schema version 4\)' "the store is consistent afterwards"
# relabel as a stage: a background job that ends done, and a SIGTERM that
# stops it between batches, keeps what it scored and cancels the run.
id=$("$RIC" job start relabel --dataset rows --objective jl=length 2>/dev/null)
like "$id" '^[0-9]+$' "job start relabel prints the job id"
n=0
while [ $n -lt 300 ] && "$RIC" job show "$id" | grep -Eq '^state +(running|queued)'; do
	sleep 0.1; n=$((n + 1))
done
like "$("$RIC" job list)" "^ *$id +done" "the relabel job shows as done in job list"
like "$("$RIC" dataset show rows --json)" '"name":"jl","spec":"length","unscored":0' \
	"the relabel job scored every row"
printf '#!/bin/sh\nwhile read -r l; do sleep 0.4; echo "{\\"reward\\": 1}"; done\n' >"$T/slow.sh"
"$RIC" relabel --dataset rows --objective "slow=cmd:sh $T/slow.sh" --batch 1 >/dev/null 2>"$T/slow.err" &
pid=$!
n=0
while [ $n -lt 100 ] && ! "$RIC" dataset show rows --json | grep -Eq '"name":"slow","spec":"[^"]*","unscored":[1-7][,}]'; do
	sleep 0.1; n=$((n + 1))
done
kill -TERM "$pid"
rc=0
wait "$pid" || rc=$?
is "$rc" 130 "a relabel stopped by SIGTERM exits 130"
like "$(cat "$T/slow.err")" 'stopped; run [0-9]+ cancelled' "it says it stopped"
like "$("$RIC" runs --stage relabel)" 'relabel +cancelled' "the stopped relabel run is cancelled"
like "$("$RIC" dataset show rows --json)" '"name":"slow","spec":"[^"]*","unscored":[1-7][,}]' \
	"the rows scored before SIGTERM are kept"
done_testing
