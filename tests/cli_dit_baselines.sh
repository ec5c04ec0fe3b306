#!/bin/sh
# ric eval's baselines on an image RiC model, as for text: the unconditioned
# SFT model (ric sft --unconditioned), best-of-n over the RiC model's and the
# SFT model's samples, and Rewarded Soups of two experts (ric sft --expert)
# mixed in weight space -- each an eval run under the RiC run with its points,
# samples, front and hypervolume, its images in its own folder beside the
# store. Image runs record the DDIM sampling, not the text sampling, and
# --weights bf16|int8 is refused on an image model (it samples in F32).
. "$top_srcdir/tests/lib.sh"
T=$TEST_TMP
q() { sqlite3 "$RIC_STORE" "$1"; }
cd "$T" || exit 1
icons icons --eval-fraction 0.25
icons_dit dit 100
S="--base dit --dataset icons --steps 60 --batch 4 --lr 1e-3"
# shellcheck disable=SC2086
"$RIC" sft $S --out ric > /dev/null 2>&1
# shellcheck disable=SC2086
"$RIC" sft $S --out uncond --unconditioned > /dev/null 2>&1
# shellcheck disable=SC2086
"$RIC" sft $S --out ex-bright --expert bright --name ex-bright > /dev/null 2>&1
# shellcheck disable=SC2086
"$RIC" sft $S --out ex-color --expert color > /dev/null 2>&1
ok "RiC, unconditioned and expert image models are trained" \
	test -f ric/ric.json -a -f uncond/ric.json -a -f ex-bright/ric.json -a -f ex-color/ric.json
like "$(cat ex-bright/ric.json)" '"expert": "bright"' "an image expert names its objective"
is "$(q "SELECT value FROM params p JOIN runs r ON r.id = p.run_id WHERE r.name = 'ex-bright'
	AND key = 'expert'")" "bright" "and its run records it"

out=$("$RIC" eval --model ric --dataset icons --prompts 2 --step 0.5 --ddim-steps 4 --seed 3 \
	--baseline sft:uncond --baseline best-of-n:2 --baseline sft-best-of-n:2:uncond \
	--baseline soups --experts ex-bright,ex-color --name img 2>/dev/null)
like "$out" '^ric: run [0-9]+, 3 points x 2 prompts, hypervolume [0-9.]+' "the RiC model's front"
like "$out" 'sft:uncond: run [0-9]+, 1 point x 2 prompts, hypervolume [0-9.]+ .*unconditioned' \
	"the unconditioned SFT baseline's point"
like "$out" 'best-of-n:2: run [0-9]+, 3 points x 2 prompts, hypervolume [0-9.]+' "best-of-n's front"
like "$out" 'sft-best-of-n:2:uncond: run [0-9]+, 3 points x 2 prompts' "best-of-n over the SFT model"
like "$out" 'soups: run [0-9]+, 3 points x 2 prompts, hypervolume [0-9.]+ .*weight-space mix' \
	"Rewarded Soups of the DiT experts"
run=$(q "SELECT id FROM runs WHERE name = 'img'")
for b in sft best-of-2 sft-best-of-2 soups; do
	brun=$(q "SELECT id FROM runs WHERE name = 'img-$b'")
	is "$(q "SELECT status || ' ' || parent_id FROM runs WHERE id = $brun")" "done $run" \
		"$b is a done eval run under the RiC run"
	n=$(q "SELECT count(*) FROM eval_points WHERE run_id = $brun")
	is "$(q "SELECT count(*) FROM samples WHERE run_id = $brun")" "$((n * 2))" \
		"$b stores 2 samples at each of its $n points"
	hv=$(q "SELECT hypervolume FROM fronts WHERE run_id = $brun")
	ok "$b has a front with a hypervolume ($hv)" awk "BEGIN { exit !(\"$hv\" != \"\" && $hv >= 0) }"
	dir="$T/store.db.files/run-$brun"
	is "$(q "SELECT value FROM params WHERE run_id = $brun AND key = 'images'")" "$dir" \
		"$b keeps its images in its own folder"
	missing=0
	for f in $(q "SELECT response FROM samples WHERE run_id = $brun"); do
		case $f in "$dir"/*.png) test -f "$f" || missing=$((missing + 1)) ;; *) missing=$((missing + 1)) ;; esac
	done
	is "$missing" "0" "each $b sample's response is a PNG of that folder"
	is "$(q "SELECT group_concat(key || '=' || value, ' ') FROM params WHERE run_id = $brun AND key IN
		('ddim_steps', 'guidance') ORDER BY key")" "ddim_steps=4 guidance=3" "$b records the DDIM sampling"
	is "$(q "SELECT count(*) FROM params WHERE run_id = $brun AND key IN
		('temperature', 'top_p', 'max_tokens', 'stop', 'weights')")" "0" "and no text sampling"
done
is "$(q "SELECT value FROM params WHERE run_id = $run AND key = 'seeds'")" \
	"image i of a point from noise seeded 3 + i" "the RiC run records its seeds"
is "$(q "SELECT count(*) FROM params WHERE run_id = $run AND key IN
	('temperature', 'top_p', 'max_tokens', 'stop', 'weights')")" "0" "and no text sampling"
bo=$(q "SELECT id FROM runs WHERE name = 'img-best-of-2'")
like "$(q "SELECT value FROM params WHERE run_id = $bo AND key = 'seeds'")" \
	"sample k of image i from noise seeded 3 \\+ 1000003 k \\+ i" "best-of-n records its seeds"
sb=$(q "SELECT id FROM runs WHERE name = 'img-sft'")
is "$(q "SELECT value FROM params WHERE run_id = $sb AND key = 'conditioned'")" \
	"no (the null condition)" "the SFT baseline samples on the null condition"
# best-of-n keeps, per point and image, the best of the same 2 samples by
# w . z: the brighter at w = (1, 0), the more colourful at w = (0, 1)
pt() { q "SELECT json_extract(raw_mean, '\$[$2]') FROM eval_points WHERE run_id = $bo AND
	json_extract(preference, '\$[0]') = $1"; }
b1=$(pt 1 0); b0=$(pt 0 0); c1=$(pt 1 1); c0=$(pt 0 1)
ok "best-of-n picks the brighter at w = (1, 0) ($b1 >= $b0) and the more colourful at (0, 1) ($c0 >= $c1)" \
	awk "BEGIN { exit !($b1 >= $b0 && $c0 >= $c1) }"
# the soup at w = (1, 0) is the bright expert itself: the same pictures
"$RIC" eval --model ric --dataset icons --prompts 2 --step 1 --ddim-steps 4 --seed 3 \
	--baseline sft:ex-bright --baseline soups --experts ex-bright,ex-color --name one > /dev/null 2>&1
e1=$(q "SELECT id FROM runs WHERE name = 'one-sft'")
s1=$(q "SELECT id FROM runs WHERE name = 'one-soups'")
a=$(q "SELECT group_concat(raw, ';') FROM (SELECT s.raw FROM samples s JOIN eval_points p ON
	p.id = s.point_id WHERE s.run_id = $s1 AND json_extract(p.preference, '\$[0]') = 1 ORDER BY s.id)")
b=$(q "SELECT group_concat(raw, ';') FROM (SELECT raw FROM samples WHERE run_id = $e1 ORDER BY id)")
ok "the soup of weights (1, 0) scores as the bright expert alone ($a)" test -n "$a" -a "$a" = "$b"
fa=$(q "SELECT s.response FROM samples s JOIN eval_points p ON p.id = s.point_id WHERE
	s.run_id = $s1 AND json_extract(p.preference, '\$[0]') = 1 ORDER BY s.id LIMIT 1")
fb=$(q "SELECT response FROM samples WHERE run_id = $e1 ORDER BY id LIMIT 1")
ok "and draws its pictures" cmp "$fa" "$fb"

out=$("$RIC" online --policy uncond --dataset icons --out bad 2>&1)
like "$out" "uncond: an unconditioned model \\(ric sft --unconditioned or --expert\\); the online stage" \
	"online refuses an unconditioned image model"

# --weights on an image model: one error, in eval and generate
out=$("$RIC" eval --model ric --dataset icons --prompts 2 --weights int8 2>&1)
like "$out" "--weights int8: ric is an image model, which samples in F32" "eval refuses --weights int8"
out=$("$RIC" generate --model ric -o "$T/x.png" --weights bf16 2>&1)
like "$out" "--weights bf16: ric is an image model, which samples in F32" "generate refuses --weights bf16"
fails 1 "and writes nothing" test -e "$T/x.png"
# a baseline of the other kind
gpt2="$top_srcdir/tests/fixtures/gpt2/chat"
if [ -d "$gpt2" ]; then
	out=$("$RIC" eval --model ric --dataset icons --prompts 2 --baseline "sft:$gpt2" 2>&1)
	like "$out" "$gpt2 is a text model, ric an image model: a baseline is a model of the RiC model's kind" \
		"a text baseline for an image model"
fi
done_testing
