# lib.sh: shared helpers for shell tests; each check prints one TAP line.
#
#   . "$top_srcdir/tests/lib.sh"
#   ok "ric prints its version" "$RIC" --version
#   out=$("$RIC" info); like "$out" 'data ' "info names the data folder"
#   done_testing
#
# Every test gets its own HOME, XDG folders and store under a temporary folder,
# so nothing touches the user's files and tests can run in parallel.
set -u

: "${top_srcdir:=$(cd "$(dirname "$0")/.." && pwd)}"
: "${top_builddir:=$(pwd)}"
RIC="$top_builddir/src/ric"
RIC_TUI="$top_builddir/src/ric-tui"

TEST_TMP=$(mktemp -d "$top_builddir/tests/tmp.XXXXXX")
trap 'rm -rf "$TEST_TMP"' EXIT
export HOME="$TEST_TMP/home"
export XDG_DATA_HOME="$HOME/.local/share" XDG_CONFIG_HOME="$HOME/.config" XDG_STATE_HOME="$HOME/.local/state"
unset RIC_STORE RIC_DATADIR
# Fresh default stores stay empty (tests count runs from 1); tests/demo_*.sh
# unset this to see the bundled demo registered.
export RIC_NO_DEMO=1
mkdir -p "$HOME"

_tap_n=0
_tap_failed=0

_tap_result() { # status description [diagnostic]
	_tap_n=$((_tap_n + 1))
	if [ "$1" -eq 0 ]; then
		echo "ok $_tap_n - $2"
	else
		echo "not ok $_tap_n - $2"
		_tap_failed=$((_tap_failed + 1))
		[ -n "${3:-}" ] && printf '%s\n' "$3" | sed 's/^/# /'
	fi
	return 0
}

# ok DESCRIPTION CMD...: the command exits 0.
ok() {
	local d=$1; shift
	local out rc=0
	out=$("$@" 2>&1) || rc=$?
	_tap_result "$rc" "$d" "exit $rc: $out"
}

# fails STATUS DESCRIPTION CMD...: the command exits with STATUS.
fails() {
	local want=$1 d=$2; shift 2
	local out rc=0
	out=$("$@" 2>&1) || rc=$?
	[ "$rc" -eq "$want" ]
	_tap_result $? "$d" "wanted exit $want, got $rc: $out"
}

# like TEXT REGEX DESCRIPTION: TEXT matches the extended REGEX.
like() {
	printf '%s' "$1" | grep -Eq -- "$2"
	_tap_result $? "$3" "no match for /$2/ in: $1"
}

# unlike TEXT REGEX DESCRIPTION
unlike() {
	! printf '%s' "$1" | grep -Eq -- "$2"
	_tap_result $? "$3" "unexpected /$2/ in: $1"
}

# is GOT WANT DESCRIPTION
is() {
	[ "$1" = "$2" ]
	_tap_result $? "$3" "got '$1', wanted '$2'"
}

skip_all() {
	echo "1..0 # SKIP $1"
	exit 0
}

done_testing() {
	echo "1..$_tap_n"
	[ "$_tap_failed" -eq 0 ]
}

# tiny_image_ric: a tiny RiC DiT at $T/ric to steer and evaluate in seconds:
# 8 solid-colour icons imported as dataset icons (into $RIC_STORE), a
# 1-block DiT ($T/dit) pretrained on them, the icons relabelled by
# brightness and colorfulness, RiC SFT on them.
tiny_image_ric() {
	mkdir -p "$T/icons"
	local i=0 c
	for c in "255 0 0" "0 255 0" "0 0 255" "255 255 0" "0 255 255" "255 0 255" "40 40 40" "200 200 200"; do
		# shellcheck disable=SC2086
		python3 "$top_srcdir/tests/mkpng.py" "$T/icons/i$i.png" 32 32 rgb $c
		i=$((i + 1))
	done
	"$RIC" dataset import-images "$T/icons" > /dev/null 2>&1
	"$RIC" pretrain --arch dit --dataset icons --layers 1 --heads 2 --embd 32 --batch 4 --lr 3e-3 \
		--seed 1 --out "$T/dit" --steps 30 > /dev/null 2>&1
	"$RIC" relabel --dataset icons --objective bright=brightness --objective color=colorfulness \
		> /dev/null 2>&1
	"$RIC" sft --base "$T/dit" --dataset icons --out "$T/ric" --steps 10 --batch 4 --lr 1e-3 \
		> /dev/null 2>&1
}

# tmux_setup [SECONDS]: for tests in a real terminal. Skips the test without
# tmux; defines t (tmux on this test's own server, killed on exit) and
# wait_for REGEX, which polls the pane "ric" for up to SECONDS (default 5).
tmux_setup() {
	command -v tmux >/dev/null 2>&1 || skip_all "tmux is not installed (./bootstrap installs it)"
	sock="$TEST_TMP/tmux.sock"
	_tmux_polls=$((${1:-5} * 10))
	trap 't kill-server 2>/dev/null; rm -rf "$TEST_TMP"' EXIT
}
t() { tmux -S "$sock" "$@"; }
wait_for() {
	local i=0
	while [ $i -lt "$_tmux_polls" ]; do
		t capture-pane -p -t ric 2>/dev/null | grep -Eq -- "$1" && return 0
		sleep 0.1; i=$((i + 1))
	done
	return 1
}
# pane: the screen of session "ric" as text; status_line: its last line;
# row REGEX: the first line matching.
pane() { t capture-pane -p -t ric; }
status_line() { pane | tail -n 1; }
row() { pane | grep -E -- "$1" | head -n 1; }

# toy_rows: rows.jsonl and text.txt in this folder, 300 rows: a prompt of
# eight ("W", "V", ...) -> 1..10 words drawn from three; deterministic.
toy_rows() {
	awk 'BEGIN {
		split("ab cd ef", w, " "); split("W V X Y Q K J Z", p, " "); x = 11
		for (i = 0; i < 300; i++) {
			x = (x * 1103515245 + 12345) % 2147483648; k = 1 + int(x / 65536) % 10
			r = ""
			for (j = 0; j < k; j++) { x = (x * 1103515245 + 12345) % 2147483648; r = r (j ? " " : "") w[1 + int(x / 65536) % 3] }
			q = p[1 + i % 8]
			printf "{\"prompt\": \"%s\", \"response\": \"%s\"}\n", q, r
			print q " " r >"text.txt"
		}
	}' >rows.jsonl
}

# tui_toy_store: in $TEST_TMP, a one-layer checkpoint ck (tests/tui_ckpt) and
# the store $S with two datasets, toy and other, of eight rows each.
tui_toy_store() {
	CKPT_TOOL="$top_builddir/tests/tui_ckpt"
	[ -x "$CKPT_TOOL" ] || skip_all "tests/tui_ckpt is not built (configure found no Check)"
	cd "$TEST_TMP" || exit 1
	"$CKPT_TOOL" ck 256 1 || exit 1
	awk 'BEGIN { for (i = 0; i < 8; i++) printf "{\"prompt\": \"P%d\", \"response\": \"ab cd\"}\n", i }' >rows.jsonl
	S="$TEST_TMP/s.db"
	"$RIC" --store "$S" dataset import rows.jsonl --name toy >/dev/null 2>&1 || exit 1
	"$RIC" --store "$S" dataset import rows.jsonl --name other >/dev/null 2>&1 || exit 1
}
