# stages.sh: the stage runner of the demo recipes (assets.sh, image_assets.sh),
# sourced once they have set log (and read FROM, UNTIL from the environment):
#
#   . "$SRCDIR/share/demo/stages.sh"
#   stage base base_function ARGS...
#
# FROM=STAGE skips the stages before it (kept from an earlier WORK), UNTIL=STAGE
# skips those after it; each stage run is timed into $log.
FROM=${FROM:-}
UNTIL=${UNTIL:-}
DONE=
stage() {
	name=$1
	shift
	if [ -n "$DONE" ] || { [ -n "$FROM" ] && [ "$FROM" != "$name" ]; }; then
		echo "== $name (kept)" >&2
		return 0
	fi
	FROM=
	t0=$(date +%s)
	echo "== $name" >&2
	"$@"
	t1=$(date +%s)
	printf '%-10s %6d s\n' "$name" $((t1 - t0)) | tee -a "$log" >&2
	[ "$UNTIL" != "$name" ] || DONE=1
}
