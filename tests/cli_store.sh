#!/bin/sh
# The store commands: runs, show, metrics, export, tag, rm, store check/vacuum/bench,
# and the store's faults as the command line reports them.
. "$top_srcdir/tests/lib.sh"

FILL="$top_builddir/tests/store_fill"

# First use creates the default store (XDG) and an empty list is no error.
out=$("$RIC" runs 2>&1); rc=$?
is "$rc" 0 "ric runs on a new store succeeds"
like "$out" 'no runs yet' "and says there are none"
[ -f "$HOME/.local/share/ric/store.db" ]
_tap_result $? "the default store is created on first use"

DB="$TEST_TMP/s.db"
"$FILL" "$DB" || exit 1
export RIC_STORE="$DB"

out=$("$RIC" runs)
like "$out" '^ID +NAME +STAGE +STATUS +PARENT +CREATED +TIME +TAGS' "runs prints a header"
like "$out" ' 2  sft-demo         sft     done         1  ' "runs aligns its columns"
is "$(printf '%s\n' "$out" | wc -l | tr -d ' ')" 5 "runs lists every run"
first=$(printf '%s\n' "$out" | sed -n 2p)
like "$first" '^ 4  eval-demo' "newest first"
out=$("$RIC" runs --stage sft)
like "$out" 'sft-demo' "--stage keeps the stage"
unlike "$out" 'eval-demo' "--stage drops the others"
out=$("$RIC" runs --tag paper)
like "$out" 'eval-demo' "--tag keeps tagged runs"
unlike "$out" 'sft-demo' "--tag drops the others"
fails 2 "an unknown stage is a usage error" "$RIC" runs --stage bogus
out=$("$RIC" runs --json)
like "$out" '^\[\{"id":4,"name":"eval-demo","stage":"eval","status":"done","parent":2,' "runs --json is an array of runs"
like "$out" '"error":"reward process exited"' "with their errors"
out=$("$RIC" runs --limit 1 --json)
unlike "$out" 'sft-demo' "--limit caps the list"

out=$("$RIC" show sft-demo)
like "$out" 'name +sft-demo' "show by name"
like "$out" 'lr +0.0003' "show lists parameters"
like "$out" 'loss +50 +1.5' "show lists latest metrics"
like "$out" '/tmp/sft-50.safetensors' "show lists checkpoints"
like "$out" 'online-3 +online +failed' "show lists children"
like "$out" 'first try' "show lists notes"
out2=$("$RIC" show 2)
is "$out2" "$out" "show by id is the same run"
out2=$("$RIC" show baseline)
is "$out2" "$out" "show by a unique tag is the same run"
out=$("$RIC" show paper --json)
like "$out" '"fronts":\[\{"id":1,"name":"linf","hypervolume":1.25,"reference":\[-0.2,0.4\],"points":3\}\]' "show --json has the front"
like "$out" '"samples":3,"points":3' "and the result counts"
out=$("$RIC" show nothing-like-it 2>&1); rc=$?
is "$rc" 1 "show of an unknown run fails"
like "$out" "no run with the id, name or tag 'nothing-like-it'" "and names it"

out=$("$RIC" metrics sft-demo loss)
is "$(printf '%s\n' "$out" | wc -l | tr -d ' ')" 51 "metrics prints every step"
like "$out" '^STEP +VALUE +TIME' "under a header"
like "$out" '50 +1.5 ' "with the values"
out=$("$RIC" metrics 2 lr --json)
like "$out" '^\[\{"step":1,"value":0.0003,"time_ms":1700000001000\}' "metrics --json"
out=$("$RIC" metrics 2 nope 2>&1); rc=$?
is "$rc" 1 "an unknown metric fails"
like "$out" "no metric 'nope'" "and names the key"
fails 2 "metrics wants a run and a key" "$RIC" metrics 2

CSV="$TEST_TMP/samples.csv"
"$RIC" export paper --what samples --format csv -o "$CSV" 2>/dev/null
_tap_result $? "export -o writes a file"
crlf=$(od -An -c "$CSV" | tr -d ' \n' | grep -o '\\r\\n' | wc -l | tr -d ' ')
is "$crlf" 4 "CSV records end in CRLF (header + 3)"
grep -Fq 'id,iteration,point,prompt,response,preference,desired,raw,norm,kept,time_ms' "$CSV"
_tap_result $? "the CSV has a header"
grep -Fq '1,0,1,Tell me about cats.,"Cats, I say, are ""fine"".","[0,1]","[-0.2,0.9]","[0.1,0.9]","[-0.5,1]",,' "$CSV"
_tap_result $? "commas and quotes are quoted, quotes doubled, an unknown kept is empty"
grep -Fq '"Two lines:' "$CSV" && grep -Fq 'rain, then sun.","[0.5,0.5]"' "$CSV"
_tap_result $? "a line break stays inside a quoted field"
grep -Fq "$(printf '3,0,3,Caf\303\251?,Tr\303\250s bien,')" "$CSV"
_tap_result $? "UTF-8 passes through unquoted"
ls "$TEST_TMP" | grep -q '\.tmp\.' && r=1 || r=0
_tap_result $r "no temporary file is left"
out=$("$RIC" export 4 --what points)
is "$(printf '%s\n' "$out" | wc -l | tr -d ' ')" 3 "points as JSON lines"
like "$out" '"preference":\[0.5,0.5\],"raw_mean":\[0.3,0.6' "with their vectors"
out=$("$RIC" export sft-demo --what metrics --format csv)
is "$(printf '%s\n' "$out" | wc -l | tr -d ' ')" 101 "metrics as CSV (header + 100)"
out=$("$RIC" export paper --what samples --format jsonl)
like "$out" '"response":"Two lines:\\nrain, then sun."' "JSON lines escape line breaks"
fails 2 "--what is checked" "$RIC" export 4 --what weights
fails 2 "--format is checked" "$RIC" export 4 --what points --format xml
fails 2 "--what is required" "$RIC" export 4

ok "tag adds a tag" "$RIC" tag 3 retry-me
out=$("$RIC" runs --tag retry-me)
like "$out" 'online-3' "the tag finds the run"
out=$("$RIC" show retry-me)
like "$out" 'name +online-3' "and names it"
ok "tag --remove takes it off" "$RIC" tag retry-me retry-me --remove
fails 1 "removing a tag the run lacks fails" "$RIC" tag 3 retry-me --remove
fails 2 "tag wants a run and a tag" "$RIC" tag 3

out=$("$RIC" rm 3 </dev/null 2>&1); rc=$?
is "$rc" 1 "rm without a terminal and without --yes refuses"
like "$out" 'without --yes' "and says why"
out=$("$RIC" runs)
like "$out" 'online-3' "the run is still there"
ok "rm --yes deletes" "$RIC" rm --yes 3
out=$("$RIC" runs)
unlike "$out" 'online-3' "the run is gone"
fails 1 "rm of a missing run fails" "$RIC" rm --yes 3

out=$("$RIC" store check)
like "$out" "$DB: ok \\(schema version 4\\)" "store check passes"
out=$("$RIC" store check --json)
like "$out" '"ok":true' "store check --json"
ok "store vacuum" "$RIC" store vacuum
out=$("$RIC" store bench --rows 500 --batch 100)
like "$out" '^imported 500 rows with 3 rewards each, 100 rows per transaction' "store bench imports"
fails 2 "store wants an action" "$RIC" store
fails 2 "an unknown store action is a usage error" "$RIC" store frob

# Faults: one clear error naming the file; the file untouched.
BAD="$TEST_TMP/bad.db"
i=0; while [ $i -lt 100 ]; do echo "not a database, just text"; i=$((i + 1)); done > "$BAD"
cp "$BAD" "$BAD.orig"
out=$("$RIC" --store "$BAD" runs 2>&1); rc=$?
is "$rc" 1 "a text file as store fails"
is "$out" "ric: $BAD: not a SQLite database (so not a ric store)" "with one line naming the file"
cmp -s "$BAD" "$BAD.orig"
_tap_result $? "and leaves it untouched"

RO="$TEST_TMP/ro.db"
cp "$DB" "$RO"; chmod 444 "$RO"; cp "$RO" "$RO.orig"
out=$("$RIC" --store "$RO" tag 2 x 2>&1); rc=$?
is "$rc" 1 "a read-only store fails"
like "$out" "^ric: $RO: the store file is read-only" "naming the file"
cmp -s "$RO" "$RO.orig"
_tap_result $? "and leaves it untouched"

# A ric process killed in the middle of a transaction.
KILLED="$TEST_TMP/killed.db"
"$RIC" store bench --rows 5000000 --batch 50000 -o "$KILLED" >/dev/null 2>&1 &
pid=$!
i=0; while [ $i -lt 100 ] && [ ! -s "$KILLED-wal" ]; do sleep 0.05; i=$((i + 1)); done
sleep 0.5
kill -9 $pid; wait $pid 2>/dev/null
out=$("$RIC" --store "$KILLED" store check 2>&1); rc=$?
is "$rc" 0 "a store whose writer was killed with SIGKILL passes ric store check"

done_testing
