#!/bin/sh
# A resumed eval job (issue 18, bug 7) continues where the interrupted run
# stopped: the points it finished are taken, not generated again, its
# progress never goes back below them, the new run links to the run it
# continues and ends with the same points as an eval never interrupted.
. "$top_srcdir/tests/lib.sh"

CKPT_TOOL="$top_builddir/tests/tui_ckpt"
[ -x "$CKPT_TOOL" ] || skip_all "tests/tui_ckpt is not built (configure found no Check)"
cd "$TEST_TMP" || exit 1
# No EOS and a long window: each point takes a while.
"$CKPT_TOOL" slow 1024 0 || exit 1
awk 'BEGIN { split("W V X Y Q K J Z", p, " ")
	for (i = 0; i < 48; i++) printf "{\"prompt\": \"%s\", \"response\": \"ab cd\"}\n", p[1 + i % 8] }' >rows.jsonl
S="$TEST_TMP/s.db"
"$RIC" --store "$S" dataset import rows.jsonl --name toy --eval-fraction 0.5 >/dev/null 2>&1 || exit 1
"$RIC" --store "$S" relabel --dataset toy --objective length=length --objective brevity=brevity:4 \
	>/dev/null 2>&1 || exit 1
ARGS="--model slow --dataset toy --prompts 8 --step 0.05 --max-tokens 900 --no-stop"

points() { "$RIC" --store "$S" show "$1" 2>/dev/null | awk '$1 == "points" { print $2; exit }'; }
# The step the job's new run reports (empty while the job still shows run 3's).
job_step() { "$RIC" --store "$S" job list 2>/dev/null | awk '$1 == "1" && $7 != "3" { print $3 }' | cut -d/ -f1; }
job_state() { "$RIC" --store "$S" job list 2>/dev/null | awk '$1 == "1" { print $2 }'; }

# shellcheck disable=SC2086
ok "the eval starts as a job" "$RIC" --store "$S" job start eval $ARGS --name ev
i=0
while [ $i -lt 600 ]; do
	n=$(points 3)
	[ -n "$n" ] && [ "$n" -ge 3 ] && break
	sleep 0.05; i=$((i + 1))
done
ok "cancelling it mid-way" "$RIC" --store "$S" job cancel 1
k=$(points 3)
total=$("$RIC" --store "$S" job list | awk '$1 == "1" { print $3 }' | cut -d/ -f2)
P=7 # the dataset's distinct eval prompts
[ -n "$k" ] && [ "$k" -ge 3 ] && [ "$k" -lt 21 ]
_tap_result $? "the interrupted run stopped part way ($k of 21 points)" "$("$RIC" --store "$S" show 3)"

ok "the job resumes" "$RIC" --store "$S" job resume 1
# Poll the job's progress until it ends: it never drops below the points taken.
lowest=999999
i=0
while [ $i -lt 1200 ]; do
	st=$(job_step)
	case "$st" in '' | *[!0-9]*) ;; *) [ "$st" -lt "$lowest" ] && lowest=$st ;; esac
	[ "$(job_state)" = "done" ] && break
	sleep 0.02; i=$((i + 1))
done
is "$(job_state)" "done" "the resumed job finishes"
[ "$lowest" -ge $((k * P)) ]
_tap_result $? "the new run's progress goes on from $((k * P)) of $total, never back to 0 (lowest seen: $lowest)"
like "$("$RIC" --store "$S" job logs 1)" "continuing run 3: $k of 21 points taken" \
	"the log says which run it continues and how many points it took"

new=$("$RIC" --store "$S" runs 2>/dev/null | awk '$2 == "ev" && $4 == "done" { print $1 }' | head -n 1)
shown=$("$RIC" --store "$S" show ev)
like "$shown" "resumes +3" "ric show NAME names the resumed run, which links to the run it continues"
is "$(points ev)" "21" "the resumed run holds every point"

# Its points and front are those of an eval never interrupted.
# shellcheck disable=SC2086
"$RIC" --store "$S" eval $ARGS --name straight >straight.txt 2>/dev/null
front() { "$RIC" --store "$S" front "$1" 2>&1 | sed 's/run [0-9]*/run N/g; s/^[0-9][0-9]* /N /; s/straight\|ev/NAME/g' | tr -s ' '; }
is "$(front ev)" "$(front straight)" "the resumed run's points and front equal an uninterrupted eval's"
[ -n "$new" ]
_tap_result $? "the resumed run is listed as done ($new)" "$("$RIC" --store "$S" runs)"
done_testing
