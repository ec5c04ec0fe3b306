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

# ric job options STAGE: the stage's options as data, from its usage and help
# (what ric-tui's new-job form is built from).
opt() { # STAGE NAME: that option's object, compact
	"$RIC" job options "$1" | /usr/bin/env python3 -c 'import json, sys
d = json.load(sys.stdin)
o = [o for o in d["options"] if o["name"] == sys.argv[1]]
print(json.dumps(o[0], sort_keys=True) if o else "none", d["positional"], d["positional_required"])' "$2" 2>&1
}
if command -v python3 >/dev/null 2>&1; then
	like "$(opt sft base)" '"arg": "DIR".*"required": true' "sft --base DIR is required"
	like "$(opt sft dataset)" '"group": 1.*"required": false' "sft --dataset is one of a group ..."
	like "$(opt sft data)" '"arg": "DIR", "default": "", "group": 1' "... with --data DIR"
	like "$(opt sft steps)" '"required": false' "sft --steps is not required"
	like "$(opt sft batch)" '"default": "8"' "its default is read from the help"
	like "$(opt sft job)" '^none' "--job (set by job start) is left out"
	like "$(opt relabel objective)" '"repeat": true' "relabel --objective repeats"
	like "$(opt pretrain out)" 'FILES\.\.\. True' "pretrain takes its FILES..., required"
	like "$(opt online allow-cmd)" '"arg": ""' "a flag has no argument"
else
	like "$("$RIC" job options sft)" '"name": *"base"' "ric job options sft names --base"
fi
fails 2 "job options of a stage that is no job is a usage error" "$RIC" job options info
done_testing
