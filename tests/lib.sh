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
