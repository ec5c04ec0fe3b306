#!/bin/sh
# share/demo/corpus.sh on the installed fortunes and wordnet-base: clean text,
# rows that ric dataset import takes, sane counts, the same bytes every run.
. "$top_srcdir/tests/lib.sh"
[ -d /usr/share/games/fortunes ] || skip_all "fortunes is not installed (./bootstrap installs it)"
[ -d /usr/share/wordnet ] || skip_all "wordnet-base is not installed (./bootstrap installs it)"
T=$TEST_TMP
script="$top_srcdir/share/demo/corpus.sh"

ok "the script runs" sh "$script" "$T/a"
ok "a second run into another folder" sh "$script" "$T/b"
for f in corpus.txt rows.jsonl WORDNET-LICENSE; do
	ok "two runs give the same $f" cmp "$T/a/$f" "$T/b/$f"
done
ok "the WordNet licence notice is kept" grep -q 'WordNet 3.0 Copyright 2006 by Princeton University' "$T/a/WORDNET-LICENSE"

# Picture lines of the art files (30+ characters, under a quarter letters)
# must not show up; their text fortunes may also sit in other files.
LC_ALL=C grep -v '^%$' /usr/share/games/fortunes/art /usr/share/games/fortunes/ascii-art -h |
	sed 's/^[[:space:]]*//; s/[[:space:]]*$//; s/[[:space:]][[:space:]]*/ /g' |
	awk '{ t = $0; n = gsub(/[A-Za-z]/, "", t) } length($0) >= 30 && n * 4 < length($0)' | LC_ALL=C sort -u > "$T/art"
ok "the art files have picture lines to look for" test -s "$T/art"
is "$(LC_ALL=C grep -c -F -f "$T/art" "$T/a/corpus.txt")" 0 "no ascii-art text in the corpus"
bs=$(printf '\b')
is "$(LC_ALL=C grep -c "$bs" "$T/a/corpus.txt" "$T/a/rows.jsonl" | awk -F: '{ s += $2 } END { print s }')" 0 \
	"no backspaces left"
ok "corpus.txt is UTF-8" iconv -f UTF-8 -t UTF-8 -o /dev/null "$T/a/corpus.txt"
ok "rows.jsonl is UTF-8" iconv -f UTF-8 -t UTF-8 -o /dev/null "$T/a/rows.jsonl"

docs=$(wc -l < "$T/a/corpus.txt")
rows=$(wc -l < "$T/a/rows.jsonl")
is "$(grep -c -v '^<|endoftext|>.' "$T/a/corpus.txt")" 0 "every document opens with <|endoftext|>"
count() { grep -c "^{\"prompt\": \"$1" "$T/a/rows.jsonl"; }
quote=$(count 'Quote by ') define=$(count 'Define ') use=$(count 'Use ')
cont=$(grep -c '"kind": "continue"' "$T/a/rows.jsonl")
echo "# $docs documents; rows: $quote quote, $cont continue, $define define, $use use"
in_range() { [ "$1" -ge "$2" ] && [ "$1" -le "$3" ]; }
ok "documents: 120k-150k" in_range "$docs" 120000 150000
ok "quote rows: 5k-10k" in_range "$quote" 5000 10000
ok "first-sentence rows: 2k-6k" in_range "$cont" 2000 6000
ok "define rows: 100k-130k" in_range "$define" 100000 130000
ok "use rows: 30k-60k" in_range "$use" 30000 60000
is "$((quote + cont + define + use))" "$rows" "every row is of one of the four kinds"

out=$("$RIC" dataset import "$T/a/rows.jsonl" --name demo 2>&1)
like "$out" "^dataset demo: $rows rows \\(0 pairs\\).*0 bad lines skipped" "ric dataset import takes every row"
done_testing
