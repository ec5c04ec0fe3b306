#!/bin/sh
# ric-tui without a terminal: options, their errors, and --bench (run as a
# smoke test on a small checkpoint: its figures are not checked, only that it
# measures and reports them).
. "$top_srcdir/tests/lib.sh"

like "$("$RIC_TUI" --version)" '^ric-tui [0-9]' "--version prints the version"
like "$("$RIC_TUI" --help)" 'usage: ric-tui' "--help prints the usage"
fails 2 "an unknown option is a usage error" "$RIC_TUI" --frobnicate
fails 2 "--threads checks its number" "$RIC_TUI" --threads many
like "$("$RIC_TUI" --threads 0 2>&1)" "--threads wants a whole number in 1..256, not '0'" \
	"and says what it wants"
fails 2 "two checkpoints are one too many" "$RIC_TUI" a b
like "$("$RIC_TUI" --weights f8 2>&1)" "--weights wants f32, bf16 or int8, not 'f8'" \
	"--weights names the types it takes"
fails 2 "an unknown --weights is a usage error" "$RIC_TUI" --weights f8
like "$("$RIC_TUI" </dev/null 2>&1 | cat)" 'must be a terminal' "without a terminal it says so"

CKPT_TOOL="$top_builddir/tests/tui_ckpt"
if [ -x "$CKPT_TOOL" ]; then
	"$CKPT_TOOL" "$TEST_TMP/ck" 256 1 || exit 1
	out=$("$RIC_TUI" --bench --reps 3 "$TEST_TMP/ck" 2>&1)
	like "$out" 'slider move -> first new token drawn: median [0-9.]+ ms' "--bench reports the first-token time"
	like "$out" '4 samples x 48 tokens finished: median [0-9.]+ ms' "--bench reports the 4 x 48 time"
	like "$out" 'threads: 1, tries: 3' "--bench states its thread count"
	like "$out" 'bf16 weights' "--bench decodes with BF16 weights by default"
	# a Llama in int8, straight from its file (and f32)
	"$CKPT_TOOL" "$TEST_TMP/ckl" 256 1 llama || exit 1
	for w in int8 f32; do
		out=$("$RIC_TUI" --bench --reps 1 --weights $w "$TEST_TMP/ckl" 2>&1)
		like "$out" "$w weights" "--bench --weights $w on a Llama says so"
		like "$out" '4 samples x 48 tokens finished: median [0-9.]+ ms' "--bench --weights $w measures"
	done
	fails 1 "--bench on a folder without ric.json says why" "$RIC_TUI" --bench \
		"$top_srcdir/tests/fixtures/gpt2/chat"
fi

done_testing
