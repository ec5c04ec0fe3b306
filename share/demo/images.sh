#!/bin/sh
# images.sh RIC STORE: import the image demo's pictures into STORE as the
# dataset tango-icons, from the installed Debian package tango-icon-theme
# (public domain): its hand-drawn 32x32 and 16x16 icons, regular files only
# (the theme's many symbolic links are aliases of the same pictures), in
# sorted order, 10% held out for evaluation with seed 0.
#
#   sh share/demo/images.sh src/ric demo/images.db
#
# TANGO overrides the theme folder. Nothing of it is committed: the rows are
# rebuilt from the installed files, and the output depends only on them.
set -eu
LC_ALL=C
export LC_ALL
ric=${1:?usage: images.sh RIC STORE}
store=${2:?usage: images.sh RIC STORE}
tango=${TANGO:-/usr/share/icons/Tango}
[ -d "$tango/32x32" ] || { echo "images.sh: $tango/32x32: missing (install tango-icon-theme)" >&2; exit 1; }
mkdir -p "$(dirname "$store")"
list=$(find "$tango/32x32" "$tango/16x16" -type f -name '*.png' | sort)
[ -n "$list" ] || { echo "images.sh: no PNG files under $tango" >&2; exit 1; }
# shellcheck disable=SC2086
"$ric" --store "$store" dataset import-images $list --name tango-icons --background white \
	--eval-fraction 0.1 --seed 0
