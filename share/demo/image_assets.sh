#!/bin/sh
# image_assets.sh: build the bundled image demo (issue 20) from nothing but
# the installed tango-icon-theme package, with fixed seeds.
#
#   make demo-image-assets                (also part of make demo-assets)
#   RIC=src/ric SRCDIR=. WORK=demo/image-work sh share/demo/image_assets.sh
#
# Stages (each one timed into timings.txt):
#   images    share/demo/images.sh: the Tango icons as dataset tango-icons
#   relabel   bright=brightness, color=colorfulness (lo, hi: 5% and 95%)
#   base      ric pretrain --arch dit: 4 blocks, 4 heads, 128 wide, patches
#             of 4, unconditional noise prediction
#   sft       RiC offline SFT on the normalised rewards (--cond-drop 0.1)
#   online    2 RiC online iterations (DDIM pictures, MORS, relabelled)
#   eval      online and offline RiC on the preference grid, the
#             unconditional base (sft:) and best-of-4 as baselines, from
#             noise seeds 1000.. that no training stage drew
#   ship      share/demo/image/: policy (F32; the DiT samples only in F32),
#             image.db (runs and results, ids moved past the text demo's,
#             no picture rows) and results.md
# DEMO_QUICK=1 shrinks every stage to seconds (tests/demo_image_assets.sh);
# it ships into SHARE, by default WORK/share-out.
set -eu
LC_ALL=C
export LC_ALL
RIC=${RIC:?set RIC to the ric program}
SRCDIR=${SRCDIR:-.}
WORK=${WORK:-demo/image-work}
QUICK=${DEMO_QUICK:-0}
export BLIS_NUM_THREADS=${BLIS_NUM_THREADS:-2}
SRCDIR=$(cd "$SRCDIR" && pwd)
export RIC SRCDIR
# FROM=STAGE goes on in an earlier WORK from that stage; UNTIL=STAGE stops
# after that stage (share/demo/stages.sh).
FROM=${FROM:-}
[ -n "$FROM" ] || rm -rf "$WORK"
mkdir -p "$WORK"
WORK=$(cd "$WORK" && pwd)
export WORK
export RIC_STORE="$WORK/store.db"
export RIC_NO_DEMO=1
log=$WORK/timings.txt
if [ -n "$FROM" ]; then echo "-- again from $FROM:" >> "$log"; else : > "$log"; fi
t_all=$(date +%s)

. "$SRCDIR/share/demo/stages.sh"

if [ "$QUICK" = 1 ]; then
	SHAPE="--layers 1 --heads 2 --embd 32"; PRE="--steps 4 --batch 4"
	SFT="--steps 4 --batch 4"; ONL="--prompts 4 --mix 4 --ddim-steps 4"
	EV="--prompts 2 --step 0.5 --ddim-steps 4"; HV_SEEDS="1000 2000"; ITERS=${IMG_ONLINE_ITERS:-2}
	SHARE=${SHARE:-$WORK/share-out}
else
	SHAPE="--layers 4 --heads 4 --embd 128"; PRE="--steps ${IMG_PRE_STEPS:-2000} --batch 32"
	SFT="--steps ${IMG_SFT_STEPS:-1000} --batch 32"; ONL="--prompts ${IMG_ONLINE_PROMPTS:-128} --mix ${IMG_ONLINE_PROMPTS:-128} --ddim-steps 20"
	EV="--prompts ${IMG_EVAL_PROMPTS:-32} --step 0.25 --ddim-steps 20"; HV_SEEDS="1000 2000 3000 4000 5000"
	ITERS=${IMG_ONLINE_ITERS:-4}
	SHARE=${SHARE:-$SRCDIR/share}
fi
export SHARE
# The online iterations (image_ship.sh names them in results.md).
export ITERS

images() {
	sh "$SRCDIR/share/demo/images.sh" "$RIC" "$RIC_STORE"
}

relabel() {
	"$RIC" relabel --dataset tango-icons --objective bright=brightness \
		--objective color=colorfulness --quantiles 0.05,0.95
}

base() {
	"$RIC" pretrain --arch dit --dataset tango-icons --out "$WORK/base" $SHAPE $PRE \
		--lr 1e-3 --save-every 0 --seed 1 --name demo-image-base
}

sft() {
	"$RIC" sft --base "$WORK/base" --dataset tango-icons --out "$WORK/offline" $SFT \
		--lr 5e-4 --warmup 20 --cond-drop 0.1 --seed 1 --name demo-image-offline
}

online() {
	"$RIC" online --policy "$WORK/offline" --dataset tango-icons --iterations "$ITERS" \
		--out "$WORK/online" $ONL --batch 16 --lr 2e-4 --seed 1 --name demo-image-online
}

evaluate() {
	E="--dataset tango-icons $EV --guidance 3"
	"$RIC" eval --model "$WORK/online" $E --seed 1000 --baseline "sft:$WORK/base" \
		--baseline best-of-n:4 --name demo-image-eval-online > "$WORK/eval-online.txt"
	"$RIC" eval --model "$WORK/offline" $E --seed 1000 --name demo-image-eval-offline \
		> "$WORK/eval-offline.txt"
	cat "$WORK/eval-online.txt" "$WORK/eval-offline.txt"
	# Online against offline on more held-out noise: the same grid and
	# reference from seeds 2000.., 3000.., ... (no set overlaps another or
	# the shipped one); image_ship.sh reports mean +- SE over the sets and
	# leaves these runs out of image.db.
	: > "$WORK/eval-hv.txt"
	for seed in $HV_SEEDS; do
		for m in online offline; do
			out=$WORK/eval-$m.txt
			if [ "$seed" != 1000 ]; then
				out=$WORK/eval-hv-$m-$seed.txt
				"$RIC" eval --model "$WORK/$m" $E --seed "$seed" \
					--name "demo-image-hv-$m-$seed" > "$out"
			fi
			# the first hypervolume: the RiC model's (baselines follow it)
			hv=$(sed -n 's/.*hypervolume \([-0-9.]*\).*/\1/p' "$out" | head -n 1)
			echo "$m $seed ${hv:?no hypervolume in $out}" >> "$WORK/eval-hv.txt"
		done
	done
	cat "$WORK/eval-hv.txt"
}

stage images images
stage relabel relabel
stage base base
stage sft sft
stage online online
stage eval evaluate
stage ship sh "$SRCDIR/share/demo/image_ship.sh"
echo "total      $(( $(date +%s) - t_all )) s" | tee -a "$log" >&2
cp "$log" "$SHARE/demo/image/timings.txt"
