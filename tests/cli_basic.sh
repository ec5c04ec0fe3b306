#!/bin/sh
# The ric command line: global options, the subcommand table, help and errors.
. "$top_srcdir/tests/lib.sh"

v=$("$RIC" --version)
like "$v" '^ric [0-9]+\.[0-9]+\.[0-9]+$' "ric --version prints the version"
v=$("$RIC_TUI" --version)
like "$v" '^ric-tui [0-9]+\.[0-9]+\.[0-9]+$' "ric-tui --version prints the version"
h=$("$RIC_TUI" --help)
like "$h" '--store PATH' "ric-tui --help lists --store"
fails 2 "ric-tui rejects an unknown option" "$RIC_TUI" --bogus
fails 1 "ric-tui refuses to run without a terminal" sh -c "'$RIC_TUI' </dev/null >/dev/null"

h=$("$RIC" --help)
like "$h" 'Commands:' "ric --help lists the commands"
like "$h" 'info ' "the overview names every command"
fails 2 "ric with no command is a usage error" "$RIC"
fails 2 "an unknown command is a usage error" "$RIC" frobnicate
err=$("$RIC" frobnicate 2>&1)
is "$err" "ric: no command 'frobnicate' (see \`ric help\`)" "the error names the command"
fails 2 "an unknown global option is a usage error" "$RIC" --bogus info

a=$("$RIC" help info)
b=$("$RIC" info --help)
is "$a" "$b" "ric help CMD equals ric CMD --help"
like "$a" '^usage: ric info' "help starts with the usage line"
fails 2 "ric help on an unknown command" "$RIC" help frobnicate
err=$("$RIC" info --frob 2>&1)
like "$err" "ric info: unknown option '--frob'" "a bad subcommand option names itself"
fails 2 "a bad subcommand option is a usage error" "$RIC" info --frob
err=$("$RIC" tokenize --tokenizer 2>&1)
like "$err" "ric tokenize: option '--tokenizer' needs a value" "a missing option value is named as such"
err=$("$RIC" runs --frob 2>&1)
like "$err" "ric runs: unknown option '--frob'" "an unknown option is still unknown"

out=$("$RIC" info)
like "$out" "data +$top_srcdir/share\$" "uninstalled ric reads share/ from the sources"
like "$out" "store +$HOME/.local/share/ric/store.db" "the default store follows XDG_DATA_HOME"
out=$(RIC_STORE=/tmp/x.db "$RIC" info)
like "$out" 'store +/tmp/x\.db' "RIC_STORE overrides the default"
out=$(RIC_STORE=/tmp/x.db "$RIC" --store /tmp/y.db info)
like "$out" 'store +/tmp/y\.db' "--store overrides RIC_STORE"
out=$("$RIC" info --json)
like "$out" '^\{"version": ?"[0-9.]+", ?"datadir"' "info --json prints one JSON object"
out=$(RIC_DATADIR=/nonexistent "$RIC" info 2>&1); rc=$?
is "$rc" 1 "a missing data folder is an error"
like "$out" '/nonexistent +\(missing\)' "and is named"

done_testing
