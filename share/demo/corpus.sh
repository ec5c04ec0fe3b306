#!/bin/sh
# corpus.sh OUTDIR: extract the demo corpus and its prompt/response rows from
# the installed Debian packages fortunes, fortunes-min and wordnet-base.
#
#   sh share/demo/corpus.sh demo/corpus
#
# Writes OUTDIR/corpus.txt (one document a line, every line opened with
# <|endoftext|> so that `ric pretrain OUTDIR/corpus.txt` sees separate
# documents while the BPE trainer skips the marker), OUTDIR/rows.jsonl
# ({"prompt", "response"} rows for `ric dataset import`) and
# OUTDIR/WORDNET-LICENSE (WordNet's licence requires the notice on all copies).
# FORTUNES and WORDNET override the source folders. The output depends only on
# the installed files: C locale, sorted file order, no randomness.
set -eu
LC_ALL=C
export LC_ALL
out=${1:?usage: corpus.sh OUTDIR}
fortunes=${FORTUNES:-/usr/share/games/fortunes}
wordnet=${WORDNET:-/usr/share/wordnet}
copyright=${WORDNET_COPYRIGHT:-/usr/share/doc/wordnet-base/copyright}
for f in "$fortunes" "$wordnet/data.noun" "$copyright"; do
	[ -e "$f" ] || { echo "corpus.sh: $f: missing (install fortunes, fortunes-min, wordnet-base)" >&2; exit 1; }
done
mkdir -p "$out"
bs=$(printf '\b')

# Fortune files are the extension-less ones; art and ascii-art are pictures.
# Overstrikes (X\bX bold, _\bX underline) keep the struck character; other
# control characters become spaces.
fortune_text() {
	for f in "$fortunes"/*; do
		case ${f##*/} in
		*.dat | *.u8 | art | ascii-art) continue ;;
		esac
		[ -f "$f" ] || continue
		cat "$f"
		printf '\n%%\n'
	done | sed "s/.$bs//g; s/$bs//g" | tr '\001-\011\013-\037\177' '[ *]'
}

# WordNet's data files are Latin-1; licence lines start with two spaces.
wordnet_text() {
	for pos in noun verb adj adv; do
		grep -v '^  ' "$wordnet/data.$pos" | iconv -f ISO-8859-1 -t UTF-8
	done
}

# Both awk programs print "D<TAB>document" and "R<TAB>kind<TAB>prompt<TAB>response";
# documents and fields hold no tabs since whitespace is normalised.
common='
function norm(s) { gsub(/[ \t\r\n]+/, " ", s); sub(/^ /, "", s); sub(/ $/, "", s); return s }
function row(kind, p, r) { printf "R\t%s\t%s\t%s\n", kind, p, r }
'

fortune_awk='
/^%$/ { flush(buf); buf = ""; next }
{ buf = buf " " $0 }
END { flush(buf) }
function flush(text,   doc, body, author, at, n, i, s, ok, rest) {
	doc = norm(text)
	if (doc == "") return
	printf "D\t%s\n", doc
	body = doc
	# The attribution is the text after the last " -- ", when it looks like a name.
	at = 0
	s = doc
	while (match(s, / -- ?/)) { at += RSTART; s = substr(s, RSTART + 1) }
	if (at) {
		body = norm(substr(doc, 1, at - 1))
		author = norm(substr(doc, at + 3))
		sub(/[,(].*$/, "", author)
		sub(/^- */, "", author)
		author = norm(author)
		if (author != "" && length(author) <= 60 && body != "" && author !~ /^[^A-Za-z]/)
			row("quote", "Quote by " author ":", body)
		else
			body = doc
	}
	# Sentences end in . ! or ? (closing quotes and brackets kept) before a space.
	n = 0
	s = body
	while (match(s, "[.!?][\")" q "]* ")) {
		sent[++n] = substr(s, 1, RSTART + RLENGTH - 2)
		s = substr(s, RSTART + RLENGTH)
	}
	if (s != "") sent[++n] = s
	if (n < 2) return
	ok = 1
	for (i = 1; i <= n; i++)
		if (length(sent[i]) < 20 || length(sent[i]) > 400) ok = 0
	if (!ok) return
	rest = sent[2]
	for (i = 3; i <= n; i++) rest = rest " " sent[i]
	row("continue", sent[1], rest)
}
'

wordnet_awk='
BEGIN { pos["n"] = "noun"; pos["v"] = "verb"; pos["a"] = "adjective"; pos["s"] = "adjective"; pos["r"] = "adverb" }
{
	bar = index($0, " | ")
	if (!bar) next
	gloss = norm(substr($0, bar + 3))
	split(substr($0, 1, bar - 1), f, " ")
	nw = hex(f[4])
	for (i = 0; i < nw; i++) {
		w = f[5 + 2 * i]
		sub(/\([a-z]+\)$/, "", w)   # adjective markers: (a) (p) (ip)
		gsub(/_/, " ", w)
		word[i] = w
	}
	# The definition runs to the first quoted example; examples are the quoted spans.
	q = index(gloss, "\"")
	def = q ? substr(gloss, 1, q - 1) : gloss
	def = norm(def)
	sub(/[; ]+$/, "", def)
	rest = q ? substr(gloss, q) : ""
	ne = 0
	while (match(rest, /"[^"]+"/)) {
		ex[++ne] = norm(substr(rest, RSTART + 1, RLENGTH - 2))
		rest = substr(rest, RSTART + RLENGTH)
	}
	p = pos[f[3]]
	doc = word[0] " (" p "): " def
	for (i = 1; i <= ne; i++) doc = doc "; \"" ex[i] "\""
	printf "D\t%s\n", doc
	if (def != "")
		row("define", "Define " word[0] " (" p "):", def)
	# An example is kept for the first synset word it contains (a word
	# of 5+ letters may be inflected: its stem without the last letter counts).
	for (i = 1; i <= ne; i++) {
		e = tolower(ex[i])
		for (j = 0; j < nw; j++) {
			w = tolower(word[j])
			if (index(e, w) || (length(w) >= 5 && index(e, substr(w, 1, length(w) - 1)))) {
				row("use", "Use " word[j] " in a sentence:", ex[i])
				break
			}
		}
	}
}
function hex(s,   i, v) {
	v = 0
	for (i = 1; i <= length(s); i++) v = v * 16 + index("0123456789abcdef", tolower(substr(s, i, 1))) - 1
	return v
}
'

# JSON strings: escape backslash and quote; no control characters are left.
tmp="$out/.corpus.$$"
trap 'rm -f "$tmp"' EXIT
{ fortune_text | awk -v q="'" "$common$fortune_awk"; wordnet_text | awk "$common$wordnet_awk"; } > "$tmp"
awk -F '\t' '$1 == "D" { print "<|endoftext|>" $2 }' "$tmp" > "$out/corpus.txt"
awk -F '\t' '
function js(s) { gsub(/\\/, "&&", s); gsub(/"/, "\\\"", s); return "\"" s "\"" }
$1 == "R" { printf "{\"prompt\": %s, \"response\": %s, \"kind\": %s}\n", js($3), js($4), js($2) }
' "$tmp" > "$out/rows.jsonl"
sed -n '/^License: WordNet3.0/,/^$/p' "$copyright" > "$out/WORDNET-LICENSE"
# A summary on stderr, in a fixed order.
awk -F '\t' '{ n[$1 == "D" ? "documents" : $2]++ }
END { printf "corpus.sh: %d documents; rows: %d quote, %d continue, %d define, %d use\n",
      n["documents"], n["quote"], n["continue"], n["define"], n["use"] }' "$tmp" >&2
rm -f "$tmp"
