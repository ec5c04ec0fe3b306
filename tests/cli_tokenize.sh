#!/bin/sh
# ric tokenize and ric train-tokenizer on GPT-2's real tokenizer files.
. "$top_srcdir/tests/lib.sh"

GPT2="$top_srcdir/tests/fixtures/gpt2-tokenizer"

out=$("$RIC" tokenize --tokenizer "$GPT2" -- "Hello world")
is "$out" "15496 995" "Hello world is 15496 995, as in GPT-2"
out=$("$RIC" tokenize --tokenizer "$GPT2" --decode -- 15496 995)
is "$out" "Hello world" "and decodes back"
out=$("$RIC" tokenize --tokenizer "$GPT2" --decode -- "15496,995")
is "$out" "Hello world" "ids may be separated by commas"
out=$(printf 'Hello world' | "$RIC" tokenize --tokenizer "$GPT2")
is "$out" "15496 995" "without TEXT, standard input is encoded"
out=$("$RIC" tokenize --tokenizer "$GPT2" -- "a<|endoftext|>b")
is "$out" "64 50256 65" "<|endoftext|> in the text is the special token"
out=$("$RIC" tokenize --tokenizer "$GPT2" --no-special -- "a<|endoftext|>b")
is "$out" "64 27 91 437 1659 5239 91 29 65" "--no-special encodes it as text"
out=$("$RIC" tokenize --tokenizer "$GPT2" -- "-x")
is "$out" "12 87" "TEXT may start with a dash after --"
out=$("$RIC" tokenize --tokenizer "$GPT2" --decode -- 47249)
like "$(printf '%s' "$out" | od -An -tx1)" '^ *f0 9f 98$' "ids ending mid-character decode to the raw bytes"

# The decoded output is exact: every byte of a file comes back.
printf 'caf\303\251 \344\270\255\346\226\207 \360\237\230\200\n\n  tabs\tand \377 invalid\n' > "$TEST_TMP/in.txt"
"$RIC" tokenize --tokenizer "$GPT2" < "$TEST_TMP/in.txt" > "$TEST_TMP/ids.txt"
"$RIC" tokenize --tokenizer "$GPT2" --decode < "$TEST_TMP/ids.txt" > "$TEST_TMP/out.txt"
ok "encode then decode gives the same bytes" cmp "$TEST_TMP/in.txt" "$TEST_TMP/out.txt"

err=$("$RIC" tokenize --tokenizer "$TEST_TMP/none" -- x 2>&1); rc=$?
is "$rc" 1 "a missing tokenizer folder fails"
like "$err" "^ric: tokenizer folder $TEST_TMP/none: No such file or directory\$" "and is named"
mkdir "$TEST_TMP/bad"
printf '{"a": 0,' > "$TEST_TMP/bad/vocab.json"
printf '#version: 0.2\n' > "$TEST_TMP/bad/merges.txt"
err=$("$RIC" tokenize --tokenizer "$TEST_TMP/bad" -- x 2>&1)
like "$err" "^ric: $TEST_TMP/bad/vocab.json: not valid JSON: .*\(line 1, byte [0-9]+\)" "bad JSON names the file and line"
cp "$GPT2/vocab.json" "$TEST_TMP/bad/vocab.json"
printf '#version: 0.2\n\304\240 t\nh e x\n' > "$TEST_TMP/bad/merges.txt"
err=$("$RIC" tokenize --tokenizer "$TEST_TMP/bad" -- x 2>&1)
is "$err" "ric: $TEST_TMP/bad/merges.txt line 3: not two tokens separated by one space" "a bad merges line is named"
err=$("$RIC" tokenize --tokenizer "$GPT2" --decode -- 15496 50257 2>&1); rc=$?
is "$rc" 1 "an id out of range fails"
is "$err" "ric: id 50257 is out of range (vocabulary of 50257)" "and says so"
fails 2 "a non-numeric id is a usage error" "$RIC" tokenize --tokenizer "$GPT2" --decode -- 12 abc
fails 2 "--tokenizer is required" "$RIC" tokenize -- x
fails 2 "TEXT is one argument" "$RIC" tokenize --tokenizer "$GPT2" -- a b

# tokenizer.json of the Llama family (fixtures from the npm encoders, see
# tests/tokenizer/convert_llama_js.mjs).
for m in llama2 llama3; do
	mkdir "$TEST_TMP/$m"
	gzip -dc "$top_srcdir/tests/fixtures/$m-tokenizer/tokenizer.json.gz" > "$TEST_TMP/$m/tokenizer.json"
	cp "$top_srcdir/tests/fixtures/$m-tokenizer/tokenizer_config.json" "$TEST_TMP/$m/"
done
L2="$TEST_TMP/llama2" L3="$TEST_TMP/llama3"
out=$("$RIC" tokenize --tokenizer "$L2" -- "Hello world!")
is "$out" "15043 3186 29991" "Llama 2: Hello world! as llama-tokenizer-js encodes it"
out=$("$RIC" tokenize --tokenizer "$L2" --bos -- "Hello world!")
is "$out" "1 15043 3186 29991" "--bos starts with <s>, as its tokenizer_config.json says"
out=$("$RIC" tokenize --tokenizer "$L2" --decode -- 15043 3186 29991)
is "$out" "Hello world!" "and decodes without the space the encoder put first"
out=$("$RIC" tokenize --tokenizer "$L3" --bos -- "Hello world!")
is "$out" "128000 9906 1917 0" "Llama 3: as llama3-tokenizer-js encodes it, BOS from the post_processor"
out=$("$RIC" tokenize --tokenizer "$L3" -- "a<|eot_id|>b")
is "$out" "64 128009 65" "its special tokens in the text are special"
for d in "$L2" "$L3"; do
	"$RIC" tokenize --tokenizer "$d" < "$TEST_TMP/in.txt" > "$TEST_TMP/ids.txt"
	"$RIC" tokenize --tokenizer "$d" --decode < "$TEST_TMP/ids.txt" > "$TEST_TMP/out.txt"
	ok "$(basename "$d"): encode then decode gives the same bytes" cmp "$TEST_TMP/in.txt" "$TEST_TMP/out.txt"
done
out=$("$RIC" tokenize --tokenizer "$L2" --info)
like "$out" "kind +SentencePiece BPE with byte fallback \(tokenizer.json\)" "--info names the kind"
like "$out" "bos +1 <s> \(starts every text\)" "and the BOS"
out=$("$RIC" tokenize --tokenizer "$L3" --info)
like "$out" "kind +byte-level BPE \(tokenizer.json\)" "Llama 3 is byte-level"
fails 2 "--info takes no TEXT" "$RIC" tokenize --tokenizer "$L3" --info -- x
mkdir "$TEST_TMP/wp"
printf '{"model": {"type": "WordPiece", "vocab": {"a": 0}}}' > "$TEST_TMP/wp/tokenizer.json"
err=$("$RIC" tokenize --tokenizer "$TEST_TMP/wp" -- x 2>&1); rc=$?
is "$rc" 1 "a WordPiece tokenizer.json fails"
is "$err" "ric: $TEST_TMP/wp/tokenizer.json: model.type WordPiece is not supported (only BPE)" "naming the file and key"
printf '{"normalizer": {"type": "Lowercase"}, "model": {"type": "BPE", "vocab": {"a": 0}, "merges": []}}' > "$TEST_TMP/wp/tokenizer.json"
err=$("$RIC" tokenize --tokenizer "$TEST_TMP/wp" -- x 2>&1)
is "$err" "ric: $TEST_TMP/wp/tokenizer.json: normalizer: type Lowercase is not supported" "an unknown normalizer is named"

# Training: a small vocabulary from text, read back by tokenize.
i=0
while [ $i -lt 40 ]; do
	printf 'The quick brown fox jumps over the lazy dog %d times.\nThe theme of the thing.\n' $i
	i=$((i + 1))
done > "$TEST_TMP/train.txt"
ok "train-tokenizer learns a vocabulary" \
	"$RIC" train-tokenizer --quiet --vocab-size 300 --out "$TEST_TMP/tok" "$TEST_TMP/train.txt"
ok "it writes vocab.json" test -s "$TEST_TMP/tok/vocab.json"
head=$(head -n 1 "$TEST_TMP/tok/merges.txt")
is "$head" "#version: 0.2" "merges.txt has GPT-2's header"
n=$(wc -l < "$TEST_TMP/tok/merges.txt")
is "$n" 44 "vocabulary of 300: 256 bytes + 43 merges + <|endoftext|>"
out=$("$RIC" tokenize --tokenizer "$TEST_TMP/tok" -- "<|endoftext|>")
is "$out" 299 "<|endoftext|> is the last id"
"$RIC" tokenize --tokenizer "$TEST_TMP/tok" < "$TEST_TMP/in.txt" > "$TEST_TMP/ids2.txt"
"$RIC" tokenize --tokenizer "$TEST_TMP/tok" --decode < "$TEST_TMP/ids2.txt" > "$TEST_TMP/out2.txt"
ok "the trained tokenizer round-trips other text exactly" cmp "$TEST_TMP/in.txt" "$TEST_TMP/out2.txt"
words=$("$RIC" tokenize --tokenizer "$TEST_TMP/tok" < "$TEST_TMP/train.txt" | wc -w)
bytes=$(wc -c < "$TEST_TMP/train.txt")
ok "and compresses its training text below 1/3 of its bytes" test $((words * 3)) -lt "$bytes"
"$RIC" train-tokenizer --quiet --vocab-size 300 --out "$TEST_TMP/tok2" "$TEST_TMP/train.txt"
ok "training is deterministic" cmp "$TEST_TMP/tok/merges.txt" "$TEST_TMP/tok2/merges.txt"
err=$("$RIC" train-tokenizer --vocab-size 300 --out "$TEST_TMP/x" "$TEST_TMP/missing.txt" 2>&1); rc=$?
is "$rc" 1 "a missing text file fails"
is "$err" "ric: $TEST_TMP/missing.txt: No such file or directory" "and is named"
fails 2 "--vocab-size below 257 is a usage error" "$RIC" train-tokenizer --vocab-size 100 --out "$TEST_TMP/x" "$TEST_TMP/train.txt"
fails 2 "a FILE is required" "$RIC" train-tokenizer --vocab-size 300 --out "$TEST_TMP/x"

done_testing
