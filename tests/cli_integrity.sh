#!/bin/sh
# Interrupted work never looks complete, and signals reach only our own
# processes (issue 14, items 2, 3, 4 and 6): an import stopped by a signal,
# killed outright or stopped by a full disk leaves no dataset; a run whose
# process died shows failed; a job whose pid now belongs to another process is
# not signalled, and a job's log is read only from ric's jobs folder; a
# relabel with a bad spec stores no objective, and rm-objective removes one.
. "$top_srcdir/tests/lib.sh"
export RIC_DATADIR="$top_srcdir/share"
T=$TEST_TMP
command -v sqlite3 >/dev/null || skip_all "needs the sqlite3 program (see ./bootstrap)"
DB="$XDG_DATA_HOME/ric/store.db"

# q SQL: one value from the store, read beside the writer (WAL).
q() { sqlite3 -cmd '.timeout 5000' "$DB" "$1"; }

# wait_for SQL: until the query answers something other than 0 (at most 20 s).
wait_for() {
	local i=0
	while [ "$(q "$1" 2>/dev/null)" = 0 ] || [ -z "$(q "$1" 2>/dev/null)" ]; do
		i=$((i + 1))
		[ $i -gt 400 ] && return 1
		sleep 0.05
	done
}

awk 'BEGIN { for (i = 0; i < 1000000; i++)
	printf "{\"prompt\": \"Q%d\", \"response\": \"answer number %d here\"}\n", i, i }' > "$T/big.jsonl"
head -n 3 "$T/big.jsonl" > "$T/small.jsonl"
"$RIC" dataset import "$T/small.jsonl" --name small > /dev/null 2>&1

# ---- item 2: an interrupted import ------------------------------------------
"$RIC" dataset import "$T/big.jsonl" --name big > "$T/term.out" 2>&1 &
pid=$!
wait_for "SELECT count(*) FROM dataset_rows r JOIN datasets d ON d.id = r.dataset_id WHERE d.name = 'big'"
kill -TERM $pid
rc=0; wait $pid || rc=$?
is "$rc" 130 "SIGTERM stops an import with status 130"
like "$(cat "$T/term.out")" 'interrupted by signal 15.*' "it says it was interrupted"
like "$(cat "$T/term.out")" 'partial dataset big was removed' "and that the partial dataset is gone"
out=$("$RIC" dataset list)
unlike "$out" ' big ' "dataset list does not show it"
is "$(q "SELECT count(*) FROM datasets WHERE name = 'big'")" 0 "no row of it is left"
is "$(q "SELECT status FROM runs WHERE stage = 'import' ORDER BY id DESC LIMIT 1")" cancelled \
	"its import run is cancelled, not running"
fails 1 "relabel cannot use it" "$RIC" relabel --dataset big --objective n=length
ok "store check passes" "$RIC" store check

# killed outright: the rows stay, but never visible, and store check removes them
"$RIC" dataset import "$T/big.jsonl" --name big > /dev/null 2>&1 &
pid=$!
wait_for "SELECT count(*) FROM dataset_rows r JOIN datasets d ON d.id = r.dataset_id WHERE d.name = 'big'"
kill -KILL $pid
wait $pid 2>/dev/null
run=$(q "SELECT max(id) FROM runs WHERE stage = 'import'")
out=$("$RIC" dataset list)
unlike "$out" ' big ' "an import killed with SIGKILL leaves no visible dataset"
fails 1 "nor a usable one" "$RIC" dataset show big
out=$("$RIC" store check 2>&1)
like "$out" "run $run: running, but its process \\(pid $pid\\) is gone: marked failed" \
	"store check finds the import run dead and marks it failed"
like "$out" 'ok \(schema version 4\)' "and the store is consistent after"
is "$(q "SELECT count(*) FROM datasets WHERE name = 'big'")" 0 "the incomplete dataset went with it"
is "$(q "SELECT status FROM runs WHERE id = $run")" failed "the run is failed"
# an incomplete dataset whose import ended: importing the name again replaces it
q "INSERT INTO datasets(name, run_id, created_ms, complete) VALUES('half', $run, 0, 0)"
ok "importing that name again replaces it" "$RIC" dataset import "$T/small.jsonl" --name half
q "INSERT INTO datasets(name, run_id, created_ms, complete) VALUES('half2', $run, 0, 0)"
out=$("$RIC" store check 2>&1)
like "$out" 'dataset [0-9]+ \(half2\): incomplete, its import \(run [0-9]+\) ended without finishing it: removed' \
	"store check reports an incomplete dataset and removes it"
ok "and the store is consistent again" "$RIC" store check

# a full disk (a file size limit here): the write fails, nothing shows
FULL="$T/full.db"
"$RIC" --store "$FULL" runs > /dev/null 2>&1
rc=0
out=$(ulimit -f 2048 && "$RIC" --store "$FULL" dataset import "$T/big.jsonl" --name full 2>&1) || rc=$?
is "$rc" 1 "an import that hits the file size limit fails (no SIGXFSZ death)"
like "$out" 'import: .*(disk|full|I/O|i/o)' "with the write error"
out=$("$RIC" --store "$FULL" dataset list)
unlike "$out" ' full ' "the dataset does not show"
out=$("$RIC" --store "$FULL" store check 2>&1)
like "$out" 'ok \(schema version 4\)' "store check then passes"
like "$out" '(dataset 1 \(full\): incomplete.*removed|run 1: running.*marked failed)' \
	"putting right what the failed import could not"
is "$(sqlite3 "$FULL" "SELECT count(*) FROM datasets")" 0 "nothing of it is left"

# ---- item 3: a run whose process died ---------------------------------------
head -n 30000 "$T/big.jsonl" > "$T/mid.jsonl"
"$RIC" dataset import "$T/mid.jsonl" --name mid > /dev/null 2>&1
"$RIC" relabel --dataset mid --objective n=length --batch 1 > /dev/null 2>&1 &
pid=$!
wait_for "SELECT count(*) FROM rewards"
kill -KILL $pid
wait $pid 2>/dev/null
run=$(q "SELECT max(id) FROM runs WHERE stage = 'relabel'")
out=$("$RIC" runs --stage relabel --json)
like "$out" "\"id\":$run,[^}]*\"status\":\"failed\"" "ric runs shows a killed relabel as failed"
like "$out" "\"error\":\"stale: its process \\(pid $pid\\) is gone\"" "saying why"
ok "store check passes after" "$RIC" store check

# kill -9 of a job's whole session: the job and its run end failed together
id=$("$RIC" job start relabel --dataset mid --objective n=length --batch 1 2>/dev/null)
wait_for "SELECT count(*) FROM jobs WHERE id = $id AND state = 'running'"
jpid=$(q "SELECT pid FROM jobs WHERE id = $id")
jrun=$(q "SELECT run_id FROM jobs WHERE id = $id")
sid=$(awk '{ sub(/.*\) /, ""); print $4 }' /proc/$jpid/stat)
kill -KILL -- -"$sid"
i=0; while kill -0 "$jpid" 2>/dev/null && [ $i -lt 100 ]; do sleep 0.05; i=$((i + 1)); done
out=$("$RIC" job list)
like "$out" "^ *$id +failed" "job list shows the job of a killed session failed"
is "$(q "SELECT state FROM jobs WHERE id = $id")" failed "the jobs table says failed"
is "$(q "SELECT status FROM runs WHERE id = $jrun")" failed "and so does its run"
# a resumed job's new run links to the run it continues
ok "the job resumes" "$RIC" job resume "$id"
wait_for "SELECT count(*) FROM jobs WHERE id = $id AND state IN ('done', 'failed')"
is "$(q "SELECT state FROM jobs WHERE id = $id")" done "the resumed job finishes"
nrun=$(q "SELECT run_id FROM jobs WHERE id = $id")
out=$("$RIC" runs --json)
like "$out" "\"id\":$nrun,[^}]*\"resumed_from\":$jrun" "its new run continues the killed one"
like "$("$RIC" show "$nrun")" "resumes +$jrun" "ric show says which run it resumes"

# ---- item 4: signals only for our own processes ----------------------------
sleep 100 &
victim=$!
q "INSERT INTO jobs(argv, pid, state, heartbeat_ms, started_ms, created_ms, proc_start, log_path)
   VALUES('[\"sft\"]', $victim, 'running', 0, 0, 0,
          '$(cat /proc/sys/kernel/random/boot_id)/$(readlink /proc/self/ns/pid | tr -dc 0-9):1',
          '/etc/passwd')"
fake=$(q "SELECT max(id) FROM jobs")
"$RIC" job cancel "$fake" --timeout 1 > "$T/cancel.out" 2>&1
ok "job cancel does not signal a process whose start time differs" kill -0 "$victim"
like "$(cat "$T/cancel.out")" 'pid .* now belongs to another process' "it says the pid is another's now"
# a row from an older ric: a pid without a start time is not signalled either
q "INSERT INTO jobs(argv, pid, state, heartbeat_ms, started_ms, created_ms)
   VALUES('[\"sft\"]', $victim, 'running', 0, 0, 0)"
old=$(q "SELECT max(id) FROM jobs")
fails 1 "cancel refuses a job whose process cannot be identified" "$RIC" job cancel "$old" --timeout 1
ok "and the process lives on" kill -0 "$victim"
kill "$victim"; wait "$victim" 2>/dev/null
out=$("$RIC" job logs "$fake" 2>&1); rc=$?
is "$rc" 1 "job logs refuses a log path outside the jobs folder"
like "$out" "not a file in ric's jobs folder" "with a clear error"
unlike "$out" 'root:' "and prints nothing of the file"
like "$("$RIC" job logs "$id" 2>&1)" 'relabel' "a log inside the jobs folder still reads"

# ---- item 6: a failed relabel leaves no objective ---------------------------
out=$("$RIC" relabel --dataset small --objective 'bad=regex:(' 2>&1); rc=$?
is "$rc" 1 "a relabel with an invalid regex fails"
like "$out" 'objective bad: .*bad pattern' "naming the objective and the pattern"
out=$("$RIC" dataset show small --json)
unlike "$out" '"name":"bad"' "and the dataset has no new objective"
ok "a relabel with a good spec works after" "$RIC" relabel --dataset small --objective n=length
ok "and so does one with the dataset's own objectives, as sft uses them" "$RIC" relabel \
	--dataset small
ok "a second objective" "$RIC" relabel --dataset small --objective w=brevity
ok "and a third" "$RIC" relabel --dataset small --objective r=regex:a
before=$(q "SELECT count(*) FROM rewards w JOIN objectives o ON o.id = w.objective_id WHERE o.name = 'w'")
is "$before" 3 "the objective has its scores"
out=$("$RIC" dataset rm-objective small w)
like "$out" 'objective w removed' "rm-objective removes an objective"
out=$("$RIC" dataset show small --json)
unlike "$out" '"name":"w"' "it is gone from the dataset"
like "$out" '"objectives":\[\{"name":"n",[^]]*\{"name":"r"' "the others keep their order"
is "$(q "SELECT count(*) FROM rewards w LEFT JOIN objectives o ON o.id = w.objective_id WHERE o.id IS NULL")" 0 \
	"its scores went with it"
is "$(q "SELECT group_concat(pos) FROM (SELECT pos FROM objectives o JOIN datasets d ON d.id = o.dataset_id WHERE d.name = 'small' ORDER BY pos)")" \
	"0,1" "positions close the gap"
ok "store check passes" "$RIC" store check
fails 1 "an unknown objective is an error" "$RIC" dataset rm-objective small nope
fails 2 "rm-objective wants two names" "$RIC" dataset rm-objective small

done_testing
