#!/bin/sh
# ric eval on an image RiC model: a tiny DiT pretrained and RiC-tuned on eight
# flat-colour icons scored by brightness and colorfulness, evaluated over the
# preference grid as a text model is -- points, samples and a front with its
# hypervolume in the store, each sample's image a PNG beside the store whose
# path is its response, the folder gone with its run -- and the text path's
# errors for options and datasets of the other kind.
. "$top_srcdir/tests/lib.sh"
T=$TEST_TMP
q() { sqlite3 "$RIC_STORE" "$1"; }
icons "$T/icons" --eval-fraction 0.25
icons_dit "$T/dit" 200
icons_ric "$T/dit" "$T/ric" 200
ok "a tiny image RiC model is trained" test -f "$T/ric/ric.json"

out=$("$RIC" eval --model "$T/ric" --dataset icons --prompts 3 --step 0.25 --ddim-steps 8 \
	--guidance 2 --seed 5 --name img 2>/dev/null)
like "$out" '^ric: run [0-9]+, 5 points x 3 prompts, hypervolume [0-9.]+ \(reference \[' \
	"eval prints the image model's front as a text model's"
like "$out" 'bright +color' "with the image rewards' objectives"
run=$(q "SELECT id FROM runs WHERE name = 'img'")
is "$(q "SELECT stage || ' ' || status FROM runs WHERE id = $run")" "eval done" "the eval run is done"
is "$(q "SELECT count(*) FROM eval_points WHERE run_id = $run")" "5" "it stores the 5 grid points"
is "$(q "SELECT count(*) FROM samples WHERE run_id = $run")" "15" "and 3 samples at each"
is "$(q "SELECT count(*) FROM fronts WHERE run_id = $run AND name = 'ric'")" "1" "and its front"
hv=$(q "SELECT hypervolume FROM fronts WHERE run_id = $run")
ok "whose hypervolume is positive ($hv)" awk "BEGIN { exit !($hv > 0) }"
printf '%s\n' "$out" | grep -q "hypervolume $(printf '%.4f' "$hv")"
_tap_result $? "the printed hypervolume is the stored one" "$hv"
is "$(q "SELECT count(*) FROM front_points fp JOIN fronts f ON f.id = fp.front_id
	WHERE f.run_id = $run")" \
	"$(printf '%s\n' "$out" | grep -c '\*$')" "the stored front holds the starred points"
is "$(q "SELECT key || '=' || value FROM params WHERE run_id = $run AND key IN
	('ddim_steps', 'guidance') ORDER BY key")" "ddim_steps=8
guidance=2" "the sampling is recorded"
dir="$T/store.db.files/run-$run"
is "$(q "SELECT value FROM params WHERE run_id = $run AND key = 'images'")" "$dir" \
	"and the images' folder beside the store"
is "$(ls "$dir" | grep -c '\.png$')" "15" "one PNG per sample"
missing=0
for f in $(q "SELECT response FROM samples WHERE run_id = $run"); do
	case $f in "$dir"/*.png) test -f "$f" || missing=$((missing + 1)) ;; *) missing=$((missing + 1)) ;; esac
done
is "$missing" "0" "each sample's response is the path of its PNG"
first=$(q "SELECT response FROM samples WHERE run_id = $run ORDER BY id LIMIT 1")
is "$(python3 -c "import sys; print(open(sys.argv[1], 'rb').read(4)[1:].decode())" "$first")" \
	"PNG" "a PNG file"
# the score stored is the picture's: brightness of the saved file, in [0, 1]
b=$(q "SELECT json_extract(raw, '\$[0]') FROM samples WHERE id = (SELECT min(id) FROM samples WHERE run_id = $run)" 2>/dev/null)
ok "a sample's stored brightness is in [0, 1] ($b)" awk "BEGIN { exit !($b >= 0 && $b <= 1) }"

# seeded: the same eval draws the same images
"$RIC" eval --model "$T/ric" --dataset icons --prompts 3 --step 0.25 --ddim-steps 8 \
	--guidance 2 --seed 5 --name again > /dev/null 2>&1
run2=$(q "SELECT id FROM runs WHERE name = 'again'")
ok "the same seed draws the same images" cmp "$dir/000007.png" "$T/store.db.files/run-$run2/000007.png"
ok "and scores them the same" test "$(q "SELECT group_concat(raw_mean) FROM eval_points WHERE run_id = $run")" = \
	"$(q "SELECT group_concat(raw_mean) FROM eval_points WHERE run_id = $run2")"

# under mpirun each rank draws its share: the same files and scores
if mpi_ready; then
	mpi_env
	mpirun --oversubscribe -np 2 "$RIC" eval --model "$T/ric" --dataset icons --prompts 3 \
		--step 0.25 --ddim-steps 8 --guidance 2 --seed 5 --name two > /dev/null 2>&1
	run3=$(q "SELECT id FROM runs WHERE name = 'two'")
	same=0
	for f in "$dir"/*.png; do
		cmp -s "$f" "$T/store.db.files/run-$run3/${f##*/}" && same=$((same + 1))
	done
	is "$same" "15" "two ranks draw the same 15 images under the same names"
	is "$(q "SELECT group_concat(raw_mean) FROM eval_points WHERE run_id = $run3")" \
		"$(q "SELECT group_concat(raw_mean) FROM eval_points WHERE run_id = $run")" \
		"and score them the same"
fi

# deleting the run deletes its images; the other run's stay
"$RIC" rm "$run" --yes > /dev/null 2>&1
fails 1 "ric rm removes the run's images" test -e "$dir"
is "$(ls "$T/store.db.files/run-$run2" | grep -c '\.png$')" "15" "and leaves the other run's"

# --desired-grid: the child run keeps its images in a folder of its own
"$RIC" eval --model "$T/ric" --dataset icons --prompts 2 --step 0.5 --ddim-steps 4 \
	--desired-grid --desired-levels 2 --name dg > /dev/null 2>&1
child=$(q "SELECT id FROM runs WHERE name = 'dg-desired-grid'")
is "$(ls "$T/store.db.files/run-$child" | grep -c '\.png$')" "8" \
	"the desired grid's 2 objectives x 2 levels x 2 images are its own"

# the other kind of model, dataset or option: one error each
printf '%s\n' '{"prompt": "a", "response": "b"}' > "$T/text.jsonl"
"$RIC" dataset import "$T/text.jsonl" --name text > /dev/null 2>&1
out=$("$RIC" eval --model "$T/ric" --dataset text 2>&1)
like "$out" "dataset text holds text rows: an image model is evaluated on an image dataset" \
	"an image model on a text dataset"
out=$("$RIC" eval --model "$T/ric" --dataset icons --ddim-steps 5000 2>&1)
like "$out" "--ddim-steps 5000: the model has 1000 timesteps" "too many DDIM steps"
out=$("$RIC" eval --model "$T/dit" --dataset icons 2>&1)
like "$out" "not a RiC checkpoint \\(no ric.json\\)" "an unconditioned image model"
gpt2="$top_srcdir/tests/fixtures/gpt2/chat"
if [ -d "$gpt2" ]; then
	m="$T/text-ric"
	tiny_ric "$m"
	out=$("$RIC" eval --model "$m" --dataset icons 2>&1)
	like "$out" "dataset icons holds images: $m is a text model" "a text model on an image dataset"
	out=$("$RIC" eval --model "$m" --dataset text --guidance 2 2>&1)
	like "$out" "is a text model: --ddim-steps and --guidance sample an image model" \
		"--guidance on a text model"
	out=$("$RIC" eval --model "$m" --dataset text --split train --prompts 1 --step 0.5 --max-tokens 4 --name t 2>/dev/null)
	like "$out" '^ric: run [0-9]+, 3 points x 1 prompts' "a text model evaluates as before"
	trun=$(q "SELECT id FROM runs WHERE name = 't'")
	is "$(q "SELECT count(*) FROM params WHERE run_id = $trun AND key = 'images'")" "0" \
		"with no images folder"
	fails 1 "nor any files beside the store" test -e "$T/store.db.files/run-$trun"
fi
done_testing
