#!/bin/sh
# LoRA training (--lora-rank on sft, rm-train, online, pretrain --init): the
# run saves a PEFT adapter folder that the adapter loader reads back (its
# logits are those of the merged checkpoint), records the adapter and its
# base, resumes to the same adapter bytes as an uninterrupted run, refuses bad
# options with one clear error; and RiC end to end with LoRA on a tiny model:
# asking for more of an objective gives more of it. The gradients of the
# training path: tests/test_lora.c (finite differences) and lora_reference.sh
# (ric grads --adapter against PyTorch).
. "$top_srcdir/tests/lib.sh"

TOK="$top_srcdir/tests/fixtures/gpt2/chat"
cmp="$top_builddir/tests/st_compare"
cd "$TEST_TMP" || exit 1

awk 'BEGIN { split("the cat sat on a mat and the dog ran to the park", w, " "); x = 5
	for (k = 0; k < 900; k++) { x = (x * 1103515245 + 12345) % 2147483648; printf "%s ", w[1 + x % 13] }
	print "." }' >text.txt
ok "a tiny base" "$RIC" pretrain --tokenizer "$TOK" --layers 1 --heads 2 --embd 32 --ctx 32 \
	--steps 10 --batch 4 --lr 3e-3 --save-every 0 --out base text.txt
losses() { "$RIC" metrics "$1" "${2:-loss}" | awk 'NR > 1 { print $1, $2 }'; }
header() { head -c 4096 "$1" | tr -c '[:print:]' '\n'; }

awk 'BEGIN { split("ab cd ef", w, " "); x = 11
	for (i = 0; i < 40; i++) { x = (x * 1103515245 + 12345) % 2147483648; k = 1 + int(x / 65536) % 5; r = ""
		for (j = 0; j < k; j++) { x = (x * 1103515245 + 12345) % 2147483648; r = r (j ? " " : "") w[1 + int(x / 65536) % 3] }
		printf "{\"prompt\": \"%s\", \"response\": \"%s\"}\n", substr("WVXY", 1 + i % 4, 1), r } }' >rows.jsonl
ok "import" "$RIC" dataset import rows.jsonl --name toy
ok "relabel" "$RIC" relabel --dataset toy --objective length=length
S="--base base --dataset toy --steps 10 --batch 4 --lr 1e-2 --warmup 2 --template {prompt}{z1}{marker} --marker : --lora-rank 4 --lora-dropout 0.1"

# sft with LoRA: a PEFT adapter folder
ok "sft --lora-rank 4" "$RIC" sft $S --out sft --name sft
ok "an adapter folder: adapter_config.json" test -f sft/adapter_config.json
ok "... adapter_model.safetensors" test -f sft/adapter_model.safetensors
ok "... ric.json beside them" test -f sft/ric.json
fails 1 "... and no full model" test -f sft/model.safetensors
cfg=$(cat sft/adapter_config.json)
like "$cfg" '"peft_type": "LORA"' "peft_type LORA"
like "$cfg" '"r": 4,' "r"
like "$cfg" '"lora_alpha": 8' "lora_alpha (2r by default)"
like "$cfg" '"lora_dropout": 0.1,' "lora_dropout"
like "$cfg" '"fan_in_fan_out": true' "GPT-2's Conv1D: fan_in_fan_out"
like "$cfg" '"bias": "none"' "bias none"
like "$cfg" '"task_type": "CAUSAL_LM"' "task_type"
like "$cfg" '"base_model_name_or_path": "/[^"]*/base"' "the base, as an absolute path"
like "$(tr -d ' \n' < sft/adapter_config.json)" '"target_modules":\["c_attn","c_proj","c_fc"\]' \
	"all-linear written out as PEFT expands it"
h=$(header sft/adapter_model.safetensors)
like "$h" 'base_model.model.transformer.h.0.attn.c_attn.lora_A.weight.*"shape":\[4,32\]' \
	"PEFT's tensor names: lora_A [r, in]"
like "$h" 'base_model.model.transformer.h.0.attn.c_attn.lora_B.weight.*"shape":\[96,4\]' \
	"... lora_B [out, r]"
like "$h" 'base_model.model.transformer.h.0.mlp.c_proj.lora_A.weight.*"shape":\[4,128\]' \
	"... every linear layer"
show=$("$RIC" show sft)
like "$show" 'adapter_base +/[^ ]*/base' "the run records the adapter's base"
like "$show" 'lora_r +4' "... its rank"
like "$show" 'lora_targets +all-linear' "... its targets"
like "$show" 'lora_params +2048' "... and its size (2 x 4 x (32 + 96 + 32 + 32 + 32 + 128 + 128 + 32))"

# round trip: the adapter loader reads the saved adapter; over the base it
# gives the merged model's logits, and not the base's
rows="1,5,9,3,7;2,2,8,4,6"
ok "ric logits --adapter over the saved adapter" "$RIC" logits --adapter sft --tokens "$rows" --out a.safetensors
ok "ric merge of the saved adapter" "$RIC" merge sft merged
ok "... logits of the merged checkpoint" "$RIC" logits --model merged --tokens "$rows" --out m.safetensors
ok "adapter over its base == merged checkpoint" "$cmp" a.safetensors m.safetensors 1e-5
ok "base logits" "$RIC" logits --model base --tokens "$rows" --out b.safetensors
fails 1 "training moved the model off its base" "$cmp" a.safetensors b.safetensors 1e-5
ok "ric generate --model ADAPTER" "$RIC" generate --model sft --prompt W --max-tokens 4 --seed 1

# resume: stopped at 4 and resumed equals 10 straight (with dropout on)
rc=0
"$RIC" sft $S --out sft-h --stop-at 4 --name sft-a >/dev/null 2>&1 || rc=$?
is "$rc" 130 "LoRA sft stops at --stop-at"
ok "the checkpoint is an adapter with its optimizer and trainer state" test -f sft-h/checkpoint-4/adapter_model.safetensors \
	-a -f sft-h/checkpoint-4/optimizer.safetensors -a -f sft-h/checkpoint-4/trainer_state.json
ok "LoRA sft resumes" "$RIC" sft $S --out sft-h --resume sft-h/checkpoint-4 --name sft-b
ok "4 + 6 resumed LoRA steps give the same adapter bytes as 10 straight" \
	cmp sft/adapter_model.safetensors sft-h/adapter_model.safetensors
is "$(losses sft-b)" "$(losses sft | tail -n 6)" "and the same losses"
is "$(losses sft-b grad_norm)" "$(losses sft grad_norm | tail -n 6)" "and gradient norms"
fails 1 "--resume with another --lora-rank is refused" "$RIC" sft $(echo "$S" | sed 's/--lora-rank 4/--lora-rank 8/') \
	--out sft-x --resume sft-h/checkpoint-4
# a job stopped at step 4 (as a cancel would stop it), then `ric job resume`
wait_end() { # ID: until the stored state is no longer queued or running (or 60 s)
	n=0
	while [ $n -lt 600 ]; do
		"$RIC" job show "$1" | grep -Eq '^state +(running|queued)|stored state: (running|queued)' || return 0
		sleep 0.1; n=$((n + 1))
	done
	return 1
}
id=$("$RIC" job start sft $S --out "$TEST_TMP/sft-j" --stop-at 4 2>/dev/null)
like "$id" '^[0-9]+$' "a LoRA sft job starts"
ok "... and stops" wait_end "$id"
like "$("$RIC" job show "$id")" 'state +cancelled' "... cancelled at step 4"
ok "ric job resume" "$RIC" job resume "$id"
ok "the resumed job ends" wait_end "$id"
like "$("$RIC" job show "$id")" 'state +done' "... done"
ok "the interrupted and resumed job's adapter equals the straight run's" \
	cmp sft/adapter_model.safetensors sft-j/adapter_model.safetensors

# bad input: one clear error each
out=$("$RIC" sft $S --out bad --lora-rank 0 2>&1); rc=$?
is "$rc" 2 "--lora-rank 0 is a usage error"
like "$out" '--lora-rank' "... naming the option"
out=$("$RIC" sft $S --out bad --lora-alpha 0 2>&1); rc=$?
is "$rc" 2 "--lora-alpha 0 is a usage error"
like "$out" '--lora-alpha 0: the scale must be above 0' "... saying why"
out=$("$RIC" sft $S --out bad --lora-targets c_attn,q_proj 2>&1); rc=$?
is "$rc" 1 "an unknown target module fails"
like "$out" "--lora-targets: 'q_proj' is not a linear layer of this GPT-2 model \(c_attn, c_proj, c_fc\)" \
	"... naming it and the layers there are"
is "$(printf '%s\n' "$out" | wc -l)" 1 "... in one line"
fails 2 "--lora-alpha without --lora-rank" "$RIC" sft --base base --dataset toy --out bad --lora-alpha 4
# LoRA on the DiT image model is refused in words that say so (its passes
# have no adapter hooks; engine/lora.c's own refusal: test_lora.c)
DIT="$top_srcdir/tests/fixtures/dit/dit-32"
out=$("$RIC" sft --base "$DIT" --dataset toy --out bad --lora-rank 2 2>&1); rc=$?
is "$rc" 2 "sft --lora-rank over an image model is a usage error"
like "$out" "--lora-rank: [^ ]*dit-32 is an image model, which trains in full \(LoRA is for the text families\)" \
	"... naming the model and why"
out=$("$RIC" pretrain --arch dit --dataset toy --out bad --lora-rank 2 2>&1); rc=$?
is "$rc" 2 "pretrain --arch dit --lora-rank is a usage error"
like "$out" "--lora-rank: --arch dit trains in full \(LoRA is for the text families\)" "... saying so"
fails 2 "pretrain --lora-rank without --init" "$RIC" pretrain --tokenizer "$TOK" --out bad --lora-rank 2 text.txt

# rm-train with LoRA: the score head is trained with the adapter (modules_to_save)
awk 'BEGIN { split("great good nice happy", g, " "); split("awful bad sad poor", b, " "); x = 3
	for (k = 0; k < 48; k++) { x = (x * 1103515245 + 12345) % 2147483648
		printf "{\"prompt\": \"Q: how was it? A:\", \"chosen\": \" it was %s\", \"rejected\": \" it was %s\"}\n", g[1 + x % 4], b[1 + int(x / 7) % 4] } }' >pairs.jsonl
R="--base base --pairs pairs.jsonl --steps 12 --batch 4 --lr 3e-2 --warmup 2 --max-len 32 --lora-rank 2 --lora-targets c_attn"
out=$("$RIC" rm-train $R --out rm --name rm 2>&1)
_tap_result $? "rm-train --lora-rank 2 --lora-targets c_attn" "$out"
like "$out" 'held-out pairwise accuracy 1\.0000' "the reward adapter ranks the held-out pairs"
cfg=$(tr -d ' \n' < rm/adapter_config.json)
like "$cfg" '"modules_to_save":\["score"\]' "the score head is saved with the adapter"
like "$cfg" '"task_type":"SEQ_CLS"' "as a sequence-classification adapter"
like "$(header rm/adapter_model.safetensors)" 'base_model.model.score.weight.*"shape":\[1,32\]' \
	"under PEFT's saved name"
ok "a reward adapter over a language-model base scores" "$RIC" logits --model rm --tokens "$rows" --out rs.safetensors
ok "ric merge of the reward adapter" "$RIC" merge rm rm-merged
ok "... scores of the merged reward model" "$RIC" logits --model rm-merged --tokens "$rows" --out rms.safetensors
ok "reward adapter == merged reward model" "$cmp" rs.safetensors rms.safetensors 1e-5
"$RIC" rm-train $R --out rm-h --stop-at 5 --name rm-a >/dev/null 2>&1
ok "LoRA rm-train resumes" "$RIC" rm-train $R --out rm-h --resume rm-h/checkpoint-5 --name rm-b
ok "5 + 7 resumed steps give the same reward adapter" cmp rm/adapter_model.safetensors rm-h/adapter_model.safetensors

# pretrain --init with LoRA (continued pretraining of a model)
P="--init base --steps 6 --batch 4 --lr 1e-2 --save-every 0 --lora-rank 2 --lora-targets c_fc"
ok "pretrain --init --lora-rank" "$RIC" pretrain $P --out cont --name cont text.txt
ok "... saves an adapter" test -f cont/adapter_config.json
rc=0
"$RIC" pretrain $P --out cont-h --stop-at 3 --name cont-a text.txt >/dev/null 2>&1 || rc=$?
is "$rc" 130 "... stops at --stop-at"
ok "... resumes" "$RIC" pretrain $P --out cont-h --resume cont-h/checkpoint-3 --name cont-b text.txt
ok "... to the same adapter" cmp cont/adapter_model.safetensors cont-h/adapter_model.safetensors

# A Llama-family base stored in BF16 stays BF16 while the adapter trains
# (products widen the BF16 rows; activations recomputed in backward): the
# run says so, and the adapter resumes to the same bytes. Its gradients
# against PyTorch: lora_reference.sh (bf16-all); against the F32 path:
# test_lora.c.
ok "a BF16 Llama base" "$RIC" bench save b16 --arch llama --layers 2 --heads 2 --kv-heads 1 \
	--embd 32 --inner 48 --vocab 257 --ctx 64 --weights bf16 --tokenizer "$TOK"
B="--base b16 --dataset toy --steps 6 --batch 4 --lr 1e-2 --warmup 2 --template {prompt}{z1}{marker} --marker : --lora-rank 4 --lora-dropout 0.1"
ok "sft --lora-rank over the BF16 base" "$RIC" sft $B --out b16-sft --name b16-sft
like "$("$RIC" show b16-sft)" 'lora_base_dtype +bf16' "the run records the base kept in BF16"
like "$("$RIC" show sft)" 'lora_base_dtype +f32' "... and an F32 base's F32"
"$RIC" sft $B --out b16-h --stop-at 3 --name b16-a >/dev/null 2>&1
ok "... resumes" "$RIC" sft $B --out b16-h --resume b16-h/checkpoint-3 --name b16-b
ok "3 + 3 resumed steps over the BF16 base give the same adapter bytes" \
	cmp b16-sft/adapter_model.safetensors b16-h/adapter_model.safetensors
ok "rm-train --lora-rank over the BF16 base" "$RIC" rm-train --base b16 --pairs pairs.jsonl --steps 4 \
	--batch 4 --max-len 32 --lora-rank 2 --out b16-rm --name b16-rm
like "$("$RIC" show b16-rm)" 'lora_base_dtype +bf16' "... with the base in BF16"
# online over the BF16 base: the base stays BF16 in training too, and each
# iteration samples from decoding weights built from the BF16 base and the
# adapter (no F32 copy of the model; test_lora.c shows they equal the merged
# copy's with the F32 matrices poisoned)
O="--policy b16-sft --dataset toy --prompts 8 --max-tokens 12 --batch 4 --steps 2 --lr 1e-3 --lora-rank 4"
ok "online --lora-rank over the BF16 base: two iterations" "$RIC" online $O --iterations 2 \
	--out b16-on --name b16-on
on=$("$RIC" show b16-on)
like "$on" 'lora_base_dtype +bf16' "... with the base in BF16"
like "$on" 'weights +bf16' "... sampling from BF16 decoding weights"
ok "... iteration 1, then resumed" "$RIC" online $O --iterations 2 --out b16-onr \
	--resume b16-on/checkpoint-1 --name b16-onr
ok "... gives the adapter bytes of two straight iterations" \
	cmp b16-on/adapter_model.safetensors b16-onr/adapter_model.safetensors
ok "... and int8 sampling over it" "$RIC" online $O --iterations 1 --weights int8 --out b16-on8 \
	--name b16-on8
done_testing
