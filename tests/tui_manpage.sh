#!/bin/sh
# man/ric-tui.1 and man/ricrc.5 carry blocks made from the ui/ tables (keys,
# settings, color items) between `.\" BEGIN name` and `.\" END name` lines:
# each must equal what ui/gen_keytable prints now, so a binding or setting
# added to the program and not to the pages fails here. Every action and
# its default keys, and every option of `ric-tui --help`, are checked one by one.
#   sh tests/tui_manpage.sh --update    rewrites the blocks (make update-man)
: "${top_srcdir:=$(cd "$(dirname "$0")/.." && pwd)}"
: "${top_builddir:=$(pwd)}"
GEN="$top_builddir/ui/gen_keytable"

# block PAGE NAME: the lines between the markers.
block() {
	awk -v n="$2" '$0 == ".\\\" END " n { p = 0 } p { print } $0 == ".\\\" BEGIN " n { p = 1 }' "$1"
}

# replace PAGE NAME FILE: the block in PAGE becomes FILE's text.
replace() {
	awk -v n="$2" -v f="$3" '
		$0 == ".\\\" END " n { p = 0 }
		!p { print }
		$0 == ".\\\" BEGIN " n { while ((getline l < f) > 0) print l; p = 1 }' "$1" > "$1.new" &&
		mv "$1.new" "$1"
}

pages="ric-tui.1:keys ricrc.5:settings ricrc.5:colors"

if [ "${1:-}" = "--update" ]; then
	for pb in $pages; do
		page="$top_srcdir/man/${pb%%:*}" name=${pb#*:}
		grep -q "^\.\\\\\" BEGIN $name\$" "$page" || { echo "no BEGIN $name in $page" >&2; exit 1; }
		"$GEN" "$name" > "$page.$name" || exit 1
		replace "$page" "$name" "$page.$name" || exit 1
		rm -f "$page.$name"
		echo "  UPDATE   $page ($name)"
	done
	exit 0
fi

. "$top_srcdir/tests/lib.sh"

for pb in $pages; do
	page="$top_srcdir/man/${pb%%:*}" name=${pb#*:}
	want=$("$GEN" "$name")
	got=$(block "$page" "$name")
	[ -n "$want" ] && [ "$got" = "$want" ]
	_tap_result $? "${pb%%:*} has the $name block as gen_keytable makes it (make update-man)" \
		"$(printf '%s\n' "$want" > "$TEST_TMP/want"; printf '%s\n' "$got" > "$TEST_TMP/got";
		   diff "$TEST_TMP/want" "$TEST_TMP/got")"
done

# Each action, by name and with each default key, in the rendered KEYS text.
text=$(sed 's/\\-/-/g; s/\\e/\\/g; s/\\f[BIRP]//g' "$top_srcdir/man/ric-tui.1")
keys=$(printf '%s\n' "$text" | sed -n '/^\.SH KEYS/,/^\.SH [^K]/p')
tab=$(printf '\t')
"$GEN" actions > "$TEST_TMP/actions"
n=0
while IFS="$tab" read -r a defs; do
	n=$((n + 1))
	want="$(printf '%s' "$defs" | sed 's/ /, /g')  $a"
	printf '%s\n' "$keys" | grep -Fqx -- "$want"
	_tap_result $? "ric-tui.1 KEYS documents $want"
done < "$TEST_TMP/actions"
[ "$n" -ge 40 ]
_tap_result $? "gen_keytable lists the actions ($n)"

# The options ric-tui --help lists.
for o in $("$RIC_TUI" --help | grep -oE -- '--[a-z][a-z0-9-]*' | sort -u); do
	printf '%s\n' "$text" | grep -q -- "$o"
	_tap_result $? "ric-tui.1 documents $o"
done

# Sections a reader looks for.
for s in NAME SYNOPSIS DESCRIPTION KEYS MOUSE COMMANDS FILES ENVIRONMENT "EXIT STATUS"; do
	printf '%s\n' "$text" | grep -q "^\.SH \"\{0,1\}$s"
	_tap_result $? "ric-tui.1 has a $s section"
done
rtext=$(sed 's/\\-/-/g; s/\\f[BIRP]//g' "$top_srcdir/man/ricrc.5")
for s in NAME SYNOPSIS DESCRIPTION SETTINGS "KEY BINDINGS" COLORS EXAMPLES FILES; do
	printf '%s\n' "$rtext" | grep -q "^\.SH \"\{0,1\}$s"
	_tap_result $? "ricrc.5 has a $s section"
done

done_testing
