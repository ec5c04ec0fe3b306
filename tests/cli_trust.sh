#!/bin/sh
# Nothing read from a file starts a program without the user's consent: a
# checkpoint's ric.json or a store's objective with a cmd: reward (or an rm:
# folder outside the checkpoint) is skipped or refused, naming it, unless the
# command line says --allow-cmd or gives the spec itself.
. "$top_srcdir/tests/lib.sh"

CKPT_TOOL="$top_builddir/tests/tui_ckpt"
[ -x "$CKPT_TOOL" ] || skip_all "tests/tui_ckpt is not built (configure found no Check)"
cd "$TEST_TMP" || exit 1

# A scorer that leaves a mark when it starts, then gives every row 1 (and,
# given a count, dies after that many requests).
cat >scorer.py <<'EOF'
import json, sys
open(sys.argv[1], "a").close()
limit = int(sys.argv[2]) if len(sys.argv) > 2 else None
for n, line in enumerate(sys.stdin, 1):
    if limit is not None and n > limit:
        sys.exit(1)
    req = json.loads(line)
    reply = {"rewards": [1] * len(req["batch"])} if "batch" in req else {"reward": 1}
    print(json.dumps(reply), flush=True)
EOF
mark="$TEST_TMP/ran"
spec="cmd:python3 $TEST_TMP/scorer.py $mark"

"$CKPT_TOOL" ck 256 1 || exit 1
sed "s|\"brevity:4\"|\"$spec\"|" ck/ric.json >ck/ric.new && mv ck/ric.new ck/ric.json
grep -q "scorer.py" ck/ric.json || exit 1

# ric generate --pref: skipped with a warning that names the command.
out=$("$RIC" generate --model ck --prompt hi --pref 0.5,0.5 --max-tokens 4 2>err)
rc=$?
is "$rc" 0 "generate --pref on a checkpoint with a cmd: reward still generates"
[ ! -e "$mark" ]
_tap_result $? "and does not start the checkpoint's command"
like "$(cat err)" "warning: objective 'brevity': reward 'cmd:python3 .*/scorer.py .*/ran' came from a file and starts a program" \
	"it warns, naming the command"
like "$(cat err)" "pass --allow-cmd" "and says how to allow it"
like "$out" '^rewards: length [0-9.e+-]+ \(z [0-9.-]+\) brevity not-scored$' \
	"the skipped objective is marked not scored"
# (no new tokens: this tiny model's bytes need not be UTF-8, which a scorer refuses)
out=$("$RIC" generate --model ck --prompt hi --pref 0.5,0.5 --max-tokens 0 --allow-cmd 2>err)
[ -e "$mark" ]
_tap_result $? "with --allow-cmd the command runs" "$(cat err)"
like "$out" '^rewards: length .* brevity 1 \(z 2\.00\)$' "and scores"
rm -f "$mark"

# ric eval and ric online need every objective: they refuse before starting.
awk 'BEGIN { for (i = 0; i < 8; i++) printf "{\"prompt\": \"p%d\", \"response\": \"ab cd\"}\n", i }' >rows.jsonl
"$RIC" dataset import rows.jsonl --name toy --eval-fraction 0.5 >/dev/null 2>&1 || exit 1
out=$("$RIC" eval --model ck --dataset toy --prompts 1 --step 1 --max-tokens 2 2>&1)
rc=$?
is "$rc" 1 "eval refuses a checkpoint's cmd: reward"
like "$out" "objective 'brevity': reward 'cmd:python3 .*scorer.py .*' came from a file .*pass --allow-cmd" \
	"naming it and the way to allow it"
is "$("$RIC" runs --stage eval | grep -c eval)" 0 "no eval run was made"
[ ! -e "$mark" ]
_tap_result $? "and nothing ran"
out=$("$RIC" online --policy ck --dataset toy --out on --prompts 1 --max-tokens 2 2>&1)
is "$?" 1 "online refuses it too"
like "$out" "objective 'brevity': reward 'cmd:python3 .*' came from a file .*pass --allow-cmd" "with the same message"
[ ! -e "$mark" ]
_tap_result $? "and nothing ran"
out=$("$RIC" eval --model ck --dataset toy --prompts 1 --step 1 --max-tokens 2 --allow-cmd 2>&1)
is "$?" 0 "eval --allow-cmd runs it" "$out"
[ -e "$mark" ]
_tap_result $? "and the command ran"
rm -f "$mark"

# rm: folders a ric.json names outside its checkpoint: refused the same way.
mkdir -p outside
cp ck/config.json ck/model.safetensors ck/tokenizer.json outside/
for rm in "rm:../outside" "rm:$TEST_TMP/outside" "rm:link"; do
	"$CKPT_TOOL" ck2 256 1 || exit 1
	ln -sfn "$TEST_TMP/outside" ck2/link
	sed "s|\"brevity:4\"|\"$rm\"|" ck2/ric.json >ck2/ric.new && mv ck2/ric.new ck2/ric.json
	out=$("$RIC" generate --model ck2 --prompt hi --pref 0.5,0.5 --max-tokens 2 2>&1)
	like "$out" "reward '$rm' came from a file and reads /.*/outside, outside the checkpoint's folder" \
		"$rm is not opened without consent"
	like "$out" "brevity not-scored" "$rm: the objective is not scored"
	rm -rf ck2
done
"$CKPT_TOOL" ck2 256 1 || exit 1
mkdir -p ck2/inside && cp outside/* ck2/inside/
sed 's|"brevity:4"|"rm:inside"|' ck2/ric.json >ck2/ric.new && mv ck2/ric.new ck2/ric.json
out=$("$RIC" generate --model ck2 --prompt hi --pref 0.5,0.5 --max-tokens 2 2>&1)
like "$out" "reward 'rm:inside': .*inside: a language model, not a reward model" \
	"an rm: folder inside the checkpoint is opened without asking (this one is no reward model)"

# relabel: a store objective's cmd: (someone else's store) runs only when asked.
"$RIC" relabel --dataset toy --objective "w=$spec 1" --batch 1 >/dev/null 2>&1
[ -e "$mark" ]
_tap_result $? "a cmd: given on the command line runs (and here dies after one row)"
rm -f "$mark"
like "$("$RIC" dataset show toy --json)" '"name":"w","spec":"cmd:[^"]*","unscored":[1-9]' \
	"the store keeps the objective with rows left to score"
out=$("$RIC" relabel --dataset toy 2>&1)
is "$?" 1 "relabel refuses to run a store objective's cmd:"
like "$out" "objective w: reward 'cmd:python3 .*scorer.py .*' came from a file and starts a program.*pass --allow-cmd" \
	"naming it and how to allow it"
[ ! -e "$mark" ]
_tap_result $? "and starts nothing"
like "$("$RIC" runs --stage relabel)" 'failed' "the refusal made no new run" 
n=$("$RIC" runs --stage relabel | grep -c relabel)
is "$n" 1 "only the first relabel has a run"
"$RIC" relabel --dataset toy --objective "w=$spec 1" --batch 1 >/dev/null 2>&1
[ -e "$mark" ]
_tap_result $? "it runs when the user gives the same spec on the command line"
rm -f "$mark"
"$RIC" relabel --dataset toy --allow-cmd >/dev/null 2>&1
[ -e "$mark" ]
_tap_result $? "and with --allow-cmd"
rm -f "$mark"
out=$("$RIC" relabel --dataset toy 2>&1)
is "$?" 0 "with every row scored, relabel needs no consent (it starts nothing)" "$out"
[ ! -e "$mark" ]
_tap_result $? "and nothing ran"

# A job's command line is the store's too: resuming one that may start a
# program needs --allow-cmd again.
id=$("$RIC" job start relabel --dataset nosuch --allow-cmd 2>/dev/null)
n=0
while [ $n -lt 100 ] && ! "$RIC" job show "$id" | grep -Eq '^state +failed'; do
	sleep 0.1; n=$((n + 1))
done
out=$("$RIC" job resume "$id" 2>&1)
is "$?" 1 "job resume refuses a stored command line with --allow-cmd"
like "$out" "job $id: its stored command line may start a program: ric relabel --dataset nosuch --allow-cmd .*ric job resume $id --allow-cmd" \
	"showing it and how to agree"
out=$("$RIC" job resume "$id" --allow-cmd 2>&1)
is "$?" 0 "job resume --allow-cmd resumes it" "$out"
done_testing
