#!/bin/sh
# ric eval's response curves on the tiny RiC fixture: every grid eval says
# per objective whether the obtained score follows its weight, and stores the
# curve as metrics; --desired-grid sweeps each objective's desired score into
# a child run with its samples and desired_* metrics.
. "$top_srcdir/tests/lib.sh"
m="$TEST_TMP/ric"
tiny_ric "$m"
db="$TEST_TMP/store.db"
"$top_builddir/tests/eval_fill" "$db" toy 3
out=$("$RIC" --store "$db" eval --model "$m" --dataset toy --prompts 3 --max-tokens 8 --step 0.5 \
	--baseline best-of-n:2 --desired-grid --desired-levels 3 --name c 2>/dev/null); rc=$?
is "$rc" 0 "eval with --desired-grid"

# --- obtained against weight, for every grid eval ---------------------------------
like "$out" "run 1: obtained z against each objective's weight" "the RiC run reports its weight curves"
like "$out" 'run 2: obtained z against each objective' "so does best-of-n"
for o in brevity length; do
	like "$out" "^  $o +0:-?[0-9.]+\\+-[0-9.]+ 0\\.5:-?[0-9.]+\\+-[0-9.]+ 1:-?[0-9.]+\\+-[0-9.]+  rise -?[0-9.]+\\+-[0-9.]+, (not )?> 2 SE, (not monotone|monotone within 2 SE): (follows|does not follow)\$" \
		"$o: mean +- SE at each weight and the verdict"
	for k in level mean se count; do
		n=$("$RIC" --store "$db" metrics c "weight_$k/$o" | grep -c '^ *[012] ')
		is "$n" 3 "weight_$k/$o is stored at the three weights"
	done
	for k in rise rise_se monotone follows; do
		n=$("$RIC" --store "$db" metrics c "weight_$k/$o" | grep -c '^ *0 ')
		is "$n" 1 "weight_$k/$o is stored"
	done
done
# the stored mean and SE at weight 0 of length are those of its samples
"$RIC" --store "$db" export c --what samples --format csv | tr -d '\000\r' >"$TEST_TMP/c.csv"
want=$(grep -a '"\[1,0\]"' "$TEST_TMP/c.csv" | LC_ALL=C sed 's/.*"\[\([^],]*\),\([^]]*\)\]",[^,]*,[0-9]*$/\2/' |
	awk '{ s += $1; q += $1 * $1; n++ } END { m = s / n; printf "%.6f %.6f %d", m, sqrt((q - n * m * m) / (n - 1) / n), n }')
got=$(printf '%s %s %s' \
	"$("$RIC" --store "$db" metrics c weight_mean/length | awk '$1 == 0 { printf "%.6f", $2 }')" \
	"$("$RIC" --store "$db" metrics c weight_se/length | awk '$1 == 0 { printf "%.6f", $2 }')" \
	"$("$RIC" --store "$db" metrics c weight_count/length | awk '$1 == 0 { print $2 }')")
is "$got" "$want" "weight 0 of length: the mean, SE and count of its three samples"
follows=$("$RIC" --store "$db" metrics c weight_follows/length | awk '$1 == 0 { print $2 }')
if [ "$follows" = 1 ]; then v=follows; else v="does not follow"; fi
like "$out" "^  length .*: $v\$" "the printed verdict is the stored one"

# --- --desired-grid -----------------------------------------------------------------
runs=$("$RIC" --store "$db" runs)
like "$runs" '^ *3 +c-desired-grid +eval +done +1 ' "the sweep is a child run of the eval"
show=$("$RIC" --store "$db" show c-desired-grid)
like "$show" 'samples +18' "2 objectives x 3 levels x 3 prompts"
like "$show" 'kind +desired-grid' "it says what it is"
like "$show" 'desired_fixed +\[0,0\.5\]' "the others are asked for the middle of their range"
like "$out" 'desired grid: run 3, 3 levels x 3 prompts per objective' "the sweep is summarised"
lv=$("$RIC" --store "$db" metrics c-desired-grid desired_level/length | awk '$1 ~ /^[0-9]+$/ { printf "%s ", $2 }')
is "$lv" "-1.5 0.5 2.5 " "length is swept from lo to hi"
lv=$("$RIC" --store "$db" metrics c-desired-grid desired_level/brevity | awk '$1 ~ /^[0-9]+$/ { printf "%s ", $2 }')
is "$lv" "-2 0 2 " "so is brevity"
# length's lowest level: desired (0, -1.5), obtained mean of its normalised score
"$RIC" --store "$db" export c-desired-grid --what samples --format csv | tr -d '\000\r' >"$TEST_TMP/d.csv"
n=$(grep -a -c '"\[0,-1\.5\]",' "$TEST_TMP/d.csv")
is "$n" 3 "each sample carries its desired scores"
want=$(grep -a '"\[0,-1\.5\]",' "$TEST_TMP/d.csv" | LC_ALL=C sed 's/.*"\[\([^],]*\),\([^]]*\)\]",[^,]*,[0-9]*$/\2/' |
	awk '{ s += $1; n++ } END { printf "%.6f", s / n }')
got=$("$RIC" --store "$db" metrics c-desired-grid desired_mean/length | awk '$1 == 0 { printf "%.6f", $2 }')
is "$got" "$want" "obtained against desired: the mean of the level's samples"
for k in rise monotone follows; do
	n=$("$RIC" --store "$db" metrics c-desired-grid "desired_$k/length" | grep -c '^ *0 ')
	is "$n" 1 "desired_$k/length is stored"
done
unlike "$("$RIC" --store "$db" runs)" 'desired-grid.*(failed|running)' "nothing is left running"
fails 2 "--desired-levels below 2 is refused" "$RIC" --store "$db" eval --model "$m" --dataset toy --desired-levels 1
done_testing
