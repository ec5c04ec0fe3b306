#!/bin/sh
# share/demo/images.sh: the image demo's pictures come from tango-icon-theme
# as a few hundred 32x32 image rows, the same on every run.
. "$top_srcdir/tests/lib.sh"
T=$TEST_TMP
[ -d "${TANGO:-/usr/share/icons/Tango}/32x32" ] || skip_all "tango-icon-theme is not installed"
out=$(sh "$top_srcdir/share/demo/images.sh" "$RIC" "$T/a.db" 2>&1)
like "$out" '^dataset tango-icons: [0-9]{3} images \(32x32\), [0-9]+ train, [0-9]+ eval; 0 bad images skipped' \
	"the icons import as a few hundred image rows"
n=$(sqlite3 "$T/a.db" "SELECT count(*) FROM dataset_rows WHERE image IS NOT NULL")
[ "$n" -ge 200 ] && [ "$n" -le 1000 ]
_tap_result $? "between 200 and 1000 pictures" "got $n"
sh "$top_srcdir/share/demo/images.sh" "$RIC" "$T/b.db" > /dev/null 2>&1
is "$(sqlite3 "$T/a.db" "SELECT hex(image), split FROM dataset_rows ORDER BY id" | sha256sum)" \
	"$(sqlite3 "$T/b.db" "SELECT hex(image), split FROM dataset_rows ORDER BY id" | sha256sum)" \
	"a second run gives the same pictures and split"
out=$(TANGO="$T/none" sh "$top_srcdir/share/demo/images.sh" "$RIC" "$T/c.db" 2>&1)
like "$out" 'install tango-icon-theme' "without the package it says which to install"
done_testing
