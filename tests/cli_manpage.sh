#!/bin/sh
# man/ric.1 documents every subcommand of `ric help` and every long option each
# one's --help lists, so the page cannot fall behind the program.
. "$top_srcdir/tests/lib.sh"

page="$top_srcdir/man/ric.1"
# Roff escapes dashes; compare on the unescaped text.
text=$(sed 's/\\-/-/g; s/\\f[BIRP]//g' "$page")

cmds=$("$RIC" --help | sed -n '/^Commands:/,/^$/p' | awk 'NF > 1 && $1 != "Commands:" { print $1 }')
n=$(printf '%s\n' "$cmds" | wc -l)
[ "$n" -ge 10 ]
_tap_result $? "ric --help lists the commands ($n)"

for c in $cmds; do
	printf '%s\n' "$text" | grep -Eq "^\.B[RI]? \"?$c[\" ]|^\.B[RI]? \"?$c\$"
	_tap_result $? "ric.1 has an entry for '$c'"
	missing=""
	for o in $("$RIC" help "$c" | grep -oE -- '--[a-z][a-z0-9-]*' | sort -u); do
		[ "$o" = "--help" ] && continue
		printf '%s\n' "$text" | grep -q -- "$o" || missing="$missing $o"
	done
	[ -z "$missing" ]
	_tap_result $? "ric.1 names every option of '$c'" "missing:$missing"
done

done_testing
