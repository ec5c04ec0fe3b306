#!/bin/sh
# ric generate --pref/--scores, ric eval and ric front on a tiny RiC checkpoint:
# the byte-level fixture model with a ric.json beside it, scored with rule
# rewards (brevity: exp(-words/20); length: words).
. "$top_srcdir/tests/lib.sh"
chat="$top_srcdir/tests/fixtures/gpt2/chat"
m="$TEST_TMP/ric"
tiny_ric "$m"

# --- generate -------------------------------------------------------------
out=$("$RIC" generate --model "$m" --prompt "Hi" --pref 0.2,0.8 --max-tokens 8 --seed 1)
like "$out" '^preference 0\.2,0\.8, mapping linf' "generate names the preference and mapping"
# linf: brevity -2 + min(1, 0.4) 4 = -0.4; length at hi
like "$out" 'targets: brevity -0\.4 length 2\.5' "linf targets"
out=$("$RIC" generate --model "$m" --prompt "Hi" --pref 0.2,0.8 --mapping l2 --max-tokens 8)
# l2: -2 + 4 (0.2 / sqrt(0.68)) = -1.03; -1.5 + 4 (0.8 / sqrt(0.68)) = 2.38
like "$out" 'targets: brevity -1\.0 length 2\.4' "l2 targets"
out=$("$RIC" generate --model "$m" --prompt "Hi" --scores 1.04,-0.04 --max-tokens 8)
like "$out" 'targets: brevity 1\.0 length 0\.0' "--scores are rounded to one decimal, never -0.0"
line=$(printf '%s\n' "$out" | grep '^rewards:')
like "$line" '^rewards: brevity [0-9.e-]+ \(z -?[0-9.]+\) length [0-9]+ \(z -?[0-9.]+\)$' \
	"generate prints raw and normalised rewards"
# length's z is (words - 5) / 3, brevity's z is (exp(-words/20) - 0.5) / 0.2
printf '%s\n' "$line" | awk '{
	w = $7; zl = substr($9, 1, length($9) - 1) + 0; zb = substr($5, 1, length($5) - 1) + 0
	d1 = zl - (w - 5) / 3; d2 = zb - (exp(-w / 20) - 0.5) / 0.2
	exit !(d1 < 0.006 && d1 > -0.006 && d2 < 0.006 && d2 > -0.006) }'
_tap_result $? "the printed rewards are the response's, normalised with ric.json's stats" "$line"
n=$("$RIC" generate --model "$m" --prompt "Hi" --pref 0.5,0.5 --n 3 --max-tokens 4 | grep -c '^rewards:')
is "$n" "3" "--n 3 scores three responses"
# the fixture's window is 64 tokens: a longer context loses its oldest tokens
long=$(printf 'x%.0s' $(seq 1 150))
ok "a context longer than the window still generates" \
	"$RIC" generate --model "$m" --prompt "$long" --pref 0.5,0.5 --max-tokens 100
fails 1 "--pref on a plain checkpoint is refused" "$RIC" generate --model "$chat" --prompt x --pref 0.5,0.5
out=$("$RIC" generate --model "$chat" --prompt x --pref 0.5,0.5 2>&1)
like "$out" 'not a RiC checkpoint' "and says why"
fails 1 "a preference of the wrong length is refused" "$RIC" generate --model "$m" --prompt x --pref 1
fails 1 "a preference that does not sum to 1 is refused" "$RIC" generate --model "$m" --prompt x --pref 0.2,0.2
fails 2 "--pref with --scores is refused" "$RIC" generate --model "$m" --prompt x --pref 0.5,0.5 --scores 1,1
fails 1 "an unknown mapping is refused" "$RIC" generate --model "$m" --prompt x --pref 0.5,0.5 --mapping cubic

# --- eval -----------------------------------------------------------------
db="$TEST_TMP/store.db"
"$top_builddir/tests/eval_fill" "$db" toy 5
run_eval() {
	"$RIC" --store "$db" eval --model "$m" --dataset toy --prompts 3 --max-tokens 6 --step 0.5 "$@"
}
out=$(run_eval --baseline "sft:$chat" --baseline best-of-n:2 --name first 2>"$TEST_TMP/err")
rc=$?
is "$rc" "0" "eval with two baselines succeeds"
like "$(cat "$TEST_TMP/err")" 'ric eval: point 3/3: mean z' "eval reports progress on stderr"
like "$out" '^ric: run 1, 3 points x 3 prompts, hypervolume [0-9.]+ \(reference \[-2,-1\.5\]\)' \
	"the RiC run: 3 grid points, reference = lo"
like "$out" "sft:$chat: run 2, 1 point x 3 prompts" "the SFT baseline: one unconditioned point"
like "$out" 'best-of-n:2: run 3, 3 points x 3 prompts' "best-of-n: one point per preference"
show=$("$RIC" --store "$db" show first)
like "$show" 'samples +9' "every sample is stored (3 points x 3 prompts)"
like "$show" 'points +3' "every grid point is stored"
like "$show" 'generation_cost|reference +\[-2,-1\.5\]' "the reference point is a parameter"
like "$("$RIC" --store "$db" show 3)" 'generation_cost +2' "best-of-n records its cost"
like "$("$RIC" --store "$db" show 2)" 'samples +3' "the SFT baseline stores its samples"
runs=$("$RIC" --store "$db" runs)
like "$runs" '^ *2 +first-sft +eval' "the SFT baseline is named after its run"
like "$runs" '^ *3 +first-best-of-2 +eval' "so is best-of-n"
csv=$("$RIC" --store "$db" export first --what samples --format csv | tr -d '\000')
n=$(printf '%s\n' "$csv" | grep -a -c ',Tell [0-9]\.,')
is "$n" "0" "no training prompt is evaluated"
n=$(printf '%s\n' "$csv" | grep -a -c '^[0-9]*,0,[0-9]*,Say [012]\.,')
is "$n" "9" "the first 3 distinct eval prompts, each at every point"
# the grid point [0,1] asks linf targets (lo_1, hi_2) = (-2, 2.5)
n=$(printf '%s\n' "$csv" | grep -a -c '"\[0,1\]","\[-2,2\.5\]"')
is "$n" "3" "samples carry their preference and desired scores"
# Tiny models emit broken UTF-8; JSON export must still write every sample.
json=$("$RIC" --store "$db" export first --what samples); rc=$?
is "$rc" 0 "JSON export of samples succeeds"
is "$(printf '%s\n' "$json" | grep -c '^{"id": *[0-9]')" 9 "one JSON line per sample"
if command -v python3 >/dev/null 2>&1; then
	printf '%s\n' "$json" | python3 -c 'import json,sys; [json.loads(l) for l in sys.stdin]'
	_tap_result $? "every line is valid JSON"
fi
n=$("$RIC" --store "$db" runs --stage eval | grep -c 'eval')
is "$n" "3" "three eval runs"

hv1=$(printf '%s\n' "$out" | sed -n 's/^ric: run 1, .*hypervolume \([0-9.]*\) .*/\1/p')
again=$(run_eval --name second 2>/dev/null)
hv2=$(printf '%s\n' "$again" | sed -n 's/^ric: run 4, .*hypervolume \([0-9.]*\) .*/\1/p')
is "$hv2" "$hv1" "the same seed gives the same front"

# reduced-precision decoding, recorded with the run
bf=$(run_eval --weights bf16 --baseline "sft:$chat" --name bf 2>/dev/null); rc=$?
is "$rc" "0" "eval decodes with bf16 weights"
like "$("$RIC" --store "$db" show bf)" 'weights +bf16' "the eval run records its weights"
like "$("$RIC" --store "$db" show bf-sft)" 'weights +bf16' "so does its SFT baseline"
like "$("$RIC" --store "$db" show bf)" 'samples +9' "and stores every sample"
q8=$(run_eval --weights int8 --name q8 2>/dev/null); rc=$?
is "$rc" "0" "eval decodes with int8 weights"
like "$("$RIC" --store "$db" show q8)" 'weights +int8' "int8 is recorded"
like "$("$RIC" --store "$db" show second)" 'weights +f32' "f32 by default"
fails 2 "--weights names a known type" "$RIC" --store "$db" eval --model "$m" --dataset toy --weights fp4

fails 1 "an unknown dataset is an error" "$RIC" --store "$db" eval --model "$m" --dataset nope
err=$(run_eval --split nosuch 2>&1)
like "$err" "no rows in split 'nosuch'" "a split without rows is an error"
fails 1 "a step that does not divide 1 is refused" "$RIC" --store "$db" eval --model "$m" --dataset toy --step 0.3
fails 1 "a plain checkpoint is refused" "$RIC" --store "$db" eval --model "$chat" --dataset toy
fails 2 "an unknown baseline is refused" "$RIC" --store "$db" eval --model "$m" --dataset toy --baseline rl
fails 2 "--dataset is required" "$RIC" --store "$db" eval --model "$m"

# --- front ----------------------------------------------------------------
fr=$("$RIC" --store "$db" front first 2 3 -o "$TEST_TMP/front.csv")
rc=$?
is "$rc" "0" "front of three runs"
like "$fr" "^run +name +front" "a table of the fronts"
hvf=$(printf '%s\n' "$fr" | awk '$1 == 1 { print $6 }')
is "$hvf" "$(printf '%.4f' "$hv1")" "front shows the stored hypervolume"
unlike "$fr" 'recomputed' "the same reference needs no recomputation"
n=$(wc -l < "$TEST_TMP/front.csv")
is "$n" "8" "CSV: a header and 3 + 1 + 3 points"
head -1 "$TEST_TMP/front.csv" | grep -q '^run,run_name,front,point,on_front,pref_1,pref_2,raw_1,raw_2,norm_1,norm_2'
_tap_result $? "CSV header"
# every row: norm = (raw - mu) / sigma of the mean, preferences of the grid
awk -F, 'NR > 1 {
	d1 = $10 - ($8 - 0.5) / 0.2; d2 = $11 - ($9 - 5) / 3
	if (d1 > 1e-9 || d1 < -1e-9 || d2 > 1e-9 || d2 < -1e-9) bad = 1 }
	END { exit bad }' "$TEST_TMP/front.csv"
_tap_result $? "CSV points carry raw and normalised means that agree"
prefs=$(awk -F, '$1 == 1 { printf "%s;%s ", $6, $7 }' "$TEST_TMP/front.csv")
is "$prefs" "0;1 0.5;0.5 1;0 " "the RiC run's grid in lattice order"
fr=$("$RIC" --store "$db" front first 2 --reference 0,-3)
like "$fr" 'recomputed with the common reference \[0,-3\]' "--reference recomputes and says so"
unlike "$fr" 'not comparable' "runs of one model share objectives and stats"
# Other normalisation stats: normalised hypervolumes do not compare.
m2="$TEST_TMP/ric-stats"
cp -r "$m" "$m2"
sed 's/"mu": 0.5, "sigma": 0.2/"mu": 0.4, "sigma": 0.3/' "$m/ric.json" >"$m2/ric.json"
"$RIC" --store "$db" eval --model "$m2" --dataset toy --prompts 3 --max-tokens 6 --step 0.5 \
	--name other-stats >/dev/null 2>&1
like "$("$RIC" --store "$db" show other-stats)" 'objective1 +brevity=brevity mu=0.4' \
	"eval records each objective with its stats"
fr=$("$RIC" --store "$db" front first other-stats)
like "$fr" 'not comparable in normalised units: the normalisation stats differ: brevity has mu 0.5 sigma 0.2 in run 1, mu 0.4 sigma 0.3 in run [0-9]+' \
	"front says the stats differ"
like "$fr" 'hv \(own\)' "and shows each run's own hypervolume, not a comparison"
unlike "$fr" 'recomputed' "nothing is put on one normalised scale"
fr=$("$RIC" --store "$db" front first other-stats --raw)
like "$fr" 'recomputed in raw units with the common reference' "--raw compares in raw units"
# --raw of one run, reference 0,0: the 2-D volume of its front's raw means
fr=$("$RIC" --store "$db" front first --raw --reference 0,0 -o "$TEST_TMP/raw.csv")
hvr=$(printf '%s\n' "$fr" | awk '$1 == 1 { print $6 }')
want=$(awk -F, '$1 == 1 && $5 == 1 { n++; x[n] = $8; y[n] = $9 }
	END { for (i = 1; i <= n; i++) { a = 0; for (j = 1; j <= n; j++) if (x[j] < x[i] || (x[j] == x[i] && j < i)) a = a > x[j] ? a : x[j]
		m = 0; for (j = 1; j <= n; j++) if (x[j] >= x[i] && y[j] > m) m = y[j]; h += (x[i] - a) * m }
		printf "%.4f", h }' "$TEST_TMP/raw.csv")
is "${hvr:-none}" "${want:-unset}" "--raw: the front's raw hypervolume above the reference"
# Other objectives: no comparison at all.
m3o="$TEST_TMP/ric-objs"
cp -r "$m" "$m3o"
sed 's/"name": "length"/"name": "words"/' "$m/ric.json" >"$m3o/ric.json"
"$RIC" --store "$db" eval --model "$m3o" --dataset toy --prompts 3 --max-tokens 6 --step 0.5 \
	--name other-objs >/dev/null 2>&1
fr=$("$RIC" --store "$db" front first other-objs --raw)
like "$fr" 'hypervolumes are not comparable: the objectives differ: objective 2 is length in run 1, words in run [0-9]+' \
	"front says the objectives differ, even with --raw"
fails 1 "a run without a front is an error" "$RIC" --store "$db" front 99
fails 2 "front needs a run" "$RIC" --store "$db" front
fails 1 "a bad --reference is an error" "$RIC" --store "$db" front first --reference 0
like "$("$RIC" --store "$db" front first --reference 0,x 2>&1)" "--reference" "naming it"
fails 1 "one unknown run among others is an error" "$RIC" --store "$db" front first no-such-run
like "$("$RIC" --store "$db" front --help)" "^Usage: ric front|usage: ric front|ric front RUN" "front --help"
ok "front --help exits 0" "$RIC" --store "$db" front --help
fails 2 "an unknown option is bad usage" "$RIC" --store "$db" front first --bogus

# --- three objectives ------------------------------------------------------
m3="$TEST_TMP/ric3"
cp -r "$chat" "$m3"
cat > "$m3/ric.json" <<'JSON'
{"objectives": [
  {"name": "brevity", "reward": "brevity", "mu": 0.5, "sigma": 0.2, "lo": -2, "hi": 2},
  {"name": "length", "reward": "length", "mu": 5, "sigma": 3, "lo": -1.5, "hi": 2.5},
  {"name": "a", "reward": "regex:a", "mu": 0, "sigma": 1, "lo": 0, "hi": 3}]}
JSON
out=$("$RIC" --store "$db" eval --model "$m3" --dataset toy --prompts 2 --max-tokens 4 --step 0.5 2>/dev/null)
like "$out" 'run [0-9]+, 6 points x 2 prompts' "3 objectives at step 0.5: 6 grid points"
# eval as a background job: it ends done, with its run and progress recorded
id=$("$RIC" --store "$db" job start eval --model "$m" --dataset toy --prompts 2 --max-tokens 4 \
	--step 0.5 --name as-job 2>/dev/null)
like "$id" '^[0-9]+$' "job start eval prints the job id"
n=0
while [ $n -lt 300 ] && "$RIC" --store "$db" job show "$id" | grep -Eq '^state +(running|queued)'; do
	sleep 0.1; n=$((n + 1))
done
like "$("$RIC" --store "$db" job list)" "^ *$id +done +6/6" "the eval job is done after 3 points x 2 prompts"
like "$("$RIC" --store "$db" runs --stage eval)" 'as-job +eval +done' "its eval run is done"
# SIGTERM once the run exists (the stage's handlers are in place from then
# on): generation stops between batches and the run ends cancelled.
"$RIC" --store "$db" eval --model "$m" --dataset toy --prompts 5 --max-tokens 200 --step 0.005 \
	--batch 1 --name stopped >/dev/null 2>"$TEST_TMP/stop.err" &
pid=$!
n=0
while [ $n -lt 300 ] && ! grep -q 'ric eval: run [0-9]' "$TEST_TMP/stop.err"; do
	sleep 0.05; n=$((n + 1))
done
kill -TERM "$pid"
rc=0
wait "$pid" || rc=$?
is "$rc" 130 "an eval stopped by SIGTERM exits 130"
like "$(cat "$TEST_TMP/stop.err")" 'stopped; run [0-9]+ cancelled' "it says it stopped"
like "$("$RIC" --store "$db" runs --stage eval)" 'stopped +eval +cancelled' "the stopped eval run is cancelled"
done_testing
