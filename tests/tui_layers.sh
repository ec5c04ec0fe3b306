#!/bin/sh
# ric-tui's app modules call one way (issue 18, "the house"): tui_exec on
# top, then the screens jobs -> runs -> front -> steer, then the core
# tui_app.c; no module calls a layer above it (read from the objects' undefined
# symbols, so a call through any macro or header counts too).
. "$top_srcdir/tests/lib.sh"
command -v nm >/dev/null 2>&1 || skip_all "nm is not installed"
obj() { echo "$top_builddir/src/ric_tui-$1.o"; }
[ -f "$(obj tui_app)" ] || skip_all "src/ric_tui-tui_app.o is not built"

# calls_up MODULE PATTERN...: the module's undefined symbols matching any pattern.
calls_up() {
	local m=$1; shift
	nm -u "$(obj "$m")" | awk '{ print $NF }' | grep -E "^($(echo "$@" | tr ' ' '|'))" || true
}
exec_api='tui_app_action tui_app_command tui_app_reload tui_app_tick tui_app_click tui_app_wheel tui_app_free tui_app_resize tui_app_word_line tui_exec_'
is "$(calls_up tui_app $exec_api tui_scr_ tui_screens_)" "" "the core calls no screen and not tui_exec"
is "$(calls_up tui_scr_steer $exec_api tui_scr_front tui_scr_runs tui_scr_jobs)" "" "Steer calls only the core"
is "$(calls_up tui_scr_front $exec_api tui_scr_runs tui_scr_jobs)" "" "Front calls Steer and the core"
is "$(calls_up tui_scr_runs $exec_api tui_scr_jobs)" "" "Runs calls Front and the core"
is "$(calls_up tui_scr_jobs $exec_api)" "" "Jobs calls Runs and the core"
# src/table.c and ui/table.c no longer both export table_* (ric links the first).
is "$(nm "$top_builddir/src/ric-texttable.o" 2>/dev/null | awk '$2 == "T" { print $3 }' | grep -v '^texttable_')" "" \
	"the CLI's tables export only texttable_*"
done_testing
