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
	icons "$T/icons"
	icons_dit "$T/dit" 30
	icons_ric "$T/dit" "$T/ric" 10
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

# icons DIR [IMPORT-OPTIONS...]: eight flat-colour 32x32 pictures in DIR,
# imported (ric dataset import-images DIR) as the image dataset icons into
# the store $TEST_TMP/store.db, exported as RIC_STORE (BLIS_NUM_THREADS=1).
icons() {
	local dir=$1 i=0 c
	shift
	export RIC_STORE="$TEST_TMP/store.db" BLIS_NUM_THREADS=1
	mkdir -p "$dir"
	for c in "255 0 0" "0 255 0" "0 0 255" "255 255 0" "0 255 255" "255 0 255" "40 40 40" "200 200 200"; do
		# shellcheck disable=SC2086
		python3 "$top_srcdir/tests/mkpng.py" "$dir/i$i.png" 32 32 rgb $c
		i=$((i + 1))
	done
	"$RIC" dataset import-images "$dir" "$@" > /dev/null 2>&1
}

# icons_dit OUT STEPS [PRETRAIN-OPTIONS...]: a tiny DiT pretrained on icons
# into OUT (1 layer, 2 heads, 32 wide, batch 4, lr 3e-3, seed 1; options
# given override these), then icons scored: bright=brightness and
# color=colorfulness.
icons_dit() {
	local out=$1 steps=$2
	shift 2
	"$RIC" pretrain --arch dit --dataset icons --layers 1 --heads 2 --embd 32 --batch 4 --lr 3e-3 \
		--seed 1 --out "$out" --steps "$steps" "$@" > /dev/null 2>&1
	"$RIC" relabel --dataset icons --objective bright=brightness --objective color=colorfulness \
		> /dev/null 2>&1
}

# icons_ric BASE OUT STEPS [SFT-OPTIONS...]: the RiC model OUT tuned from the
# DiT BASE on the scored icons (batch 4, lr 1e-3; options given override).
icons_ric() {
	local base=$1 out=$2 steps=$3
	shift 3
	"$RIC" sft --base "$base" --dataset icons --out "$out" --steps "$steps" --batch 4 --lr 1e-3 \
		"$@" > /dev/null 2>&1
}

# toy_task: toy_rows in this folder, imported as the dataset toy (a tenth
# held out) and scored by two opposed objectives, length=length and
# brevity=brevity:4 (two checks).
toy_task() {
	toy_rows
	ok "import the toy dataset" "$RIC" dataset import rows.jsonl --name toy --eval-fraction 0.1
	ok "relabel it with two opposed objectives" "$RIC" relabel --dataset toy \
		--objective length=length --objective brevity=brevity:4
}

# toy_base DESCRIPTION [PRETRAIN-OPTIONS...]: the check DESCRIPTION that a
# tiny base is pretrained on text.txt into base (GPT-2, 2 layers, 2 heads,
# 48 wide, 48 positions, 100 steps of 8; options given override these).
toy_base() {
	local d=$1
	shift
	ok "$d" "$RIC" pretrain --tokenizer "$top_srcdir/tests/fixtures/gpt2/chat" --out base \
		--layers 2 --heads 2 --embd 48 --ctx 48 --steps 100 --batch 8 --lr 3e-3 --save-every 0 \
		"$@" text.txt
}

# toy_words MODEL Z1,Z2 [GENERATE-OPTIONS...]: generate --scores: the mean
# raw length (words) of 16 responses of MODEL to "W" for the desired scores
# Z1,Z2 (length, brevity), read from the rewards lines it prints.
toy_words() {
	local model=$1 z=$2
	shift 2
	"$RIC" generate --model "$model" --prompt W --scores "$z" --n 16 --max-tokens 30 \
		--temperature 0.7 --top-p 0.9 --seed 1 "$@" |
		awk '/^rewards:/ { for (i = 2; i < NF; i++) if ($i == "length") { n += $(i + 1); k++ } }
			END { if (k != 16) exit 1; print n / k }'
}

# toy_follows RUN: two checks on the eval run RUN over the preference grid:
# each objective's mean raw reward is higher at weight 1 than at weight 0.
# Its points export as id,"[w1,w2]","[raw1,raw2]",... (length, brevity).
toy_follows() {
	local pts means k name up down
	pts=$("$RIC" export "$1" --what points --format csv | tr -d '\r')
	means=$(printf '%s\n' "$pts" | awk -F'"' 'NR > 1 { gsub(/[][]/, ""); gsub(",", " "); print $2, $4 }')
	for k in 1 2; do
		name=$(echo length brevity | cut -d' ' -f$k)
		up=$(printf '%s\n' "$means" | awk -v k=$k '$k == 1 { print $(2 + k) }')
		down=$(printf '%s\n' "$means" | awk -v k=$k '$k == 0 { print $(2 + k) }')
		ok "eval: mean $name at weight 1 ($up) is higher than at weight 0 ($down)" \
			awk -v a="$up" -v b="$down" 'BEGIN { exit !(a != "" && b != "" && a > b) }'
	done
}

# tiny_ric DIR: the byte-level fixture model (tests/fixtures/gpt2/chat)
# copied to DIR as a tiny RiC checkpoint: its ric.json asks for two rule
# rewards, brevity (exp(-words/20)) and length (words), mapping linf.
tiny_ric() {
	cp -r "$top_srcdir/tests/fixtures/gpt2/chat" "$1"
	cat > "$1/ric.json" <<'JSON'
{"objectives": [
  {"name": "brevity", "reward": "brevity", "mu": 0.5, "sigma": 0.2, "lo": -2, "hi": 2},
  {"name": "length", "reward": "length", "mu": 5, "sigma": 3, "lo": -1.5, "hi": 2.5}],
 "template": "{prompt} <1> {z1} <2> {z2}{marker}", "marker": "\nA:", "mapping": "linf"}
JSON
}

# split_rows: rows.jsonl in this folder, 40 rows: a prompt of four ("W",
# "V", "X", "Y") -> 1..6 words drawn from three; the last 8 the eval split.
split_rows() {
	awk 'BEGIN {
		split("ab cd ef", w, " "); split("W V X Y", p, " ")
		for (i = 0; i < 40; i++) {
			r = ""
			for (j = 0; j <= i % 6; j++) r = r (j ? " " : "") w[1 + (i + j) % 3]
			printf "{\"prompt\": \"%s\", \"response\": \"%s\", \"split\": \"%s\"}\n", p[1 + i % 4], r, i < 32 ? "train" : "eval"
		}
	}' >rows.jsonl
}

# mpi_ready: ric was built with MPI and mpirun is installed.
mpi_ready() {
	"$RIC" info | grep -q '^mpi  *yes' && command -v mpirun > /dev/null 2>&1
}

# mpi_env: what every mpirun of the tests needs: root allowed, ranks on a
# small shared box (no binding, no network but the loopback). In an ASan
# build the leak check stays on: what Open MPI allocates and keeps until
# exit is suppressed by tests/lsan-mpi.supp, which names its libraries. Its
# components are dlopened and gone by the check, so the slow unwinder
# (fast_unwind_on_malloc=0) is what follows their stacks back into libmpi.
mpi_env() {
	export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
	export OMPI_MCA_hwloc_base_binding_policy=none OMPI_MCA_btl_tcp_if_include=lo
	export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}fast_unwind_on_malloc=0"
	export LSAN_OPTIONS="${LSAN_OPTIONS:+$LSAN_OPTIONS:}suppressions=$top_srcdir/tests/lsan-mpi.supp:print_suppressions=0"
}

# mpi_required: skips the test without MPI or mpirun, else mpi_env.
mpi_required() {
	"$RIC" info | grep -q '^mpi  *yes' || skip_all "ric was built without MPI (configure --with-mpi)"
	command -v mpirun > /dev/null 2>&1 || skip_all "mpirun is not installed (./bootstrap installs openmpi-bin)"
	mpi_env
}
