#!/bin/sh
# ric job: every subcommand answers --help with the help (issue 18, bug 13).
. "$top_srcdir/tests/lib.sh"

for sub in list start show resume logs cancel; do
	out=$("$RIC" job $sub --help 2>&1)
	rc=$?
	is "$rc" 0 "ric job $sub --help exits 0"
	like "$out" 'ric job resume ID' "ric job $sub --help prints the job help"
done
out=$("$RIC" job cancel 3 -h 2>&1)
is "$?" 0 "-h after an id is help too"
fails 2 "an unknown subcommand is still a usage error" "$RIC" job frobnicate
done_testing
