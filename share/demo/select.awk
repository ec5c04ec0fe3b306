# select.awk: the demo dataset's rows out of corpus.sh's rows.jsonl, the same
# every time (no randomness), so the text of the shipped dataset can be rebuilt
# from the installed packages instead of being committed.
#
#   awk -f select.awk rows.jsonl > demo.jsonl   # cap 3000, capc 2000, neval 40
#
# Rows longer than 300 characters (prompt + response, about 90 tokens) are
# left out. Of each kind, every k-th remaining row (k = count / cap; cap is
# capc for "continue") is a training row; eval rows come from between them,
# quote, define and use only (their prompts are a name or a word, so the
# stored evaluation holds no corpus text), interleaved by kind so that the
# first N eval rows are an even mix. Each line gets "split".
BEGIN {
	if (cap == "") cap = 3000
	if (capc == "") capc = 2000
	if (neval == "") neval = 40
}
{
	p = $0; sub(/^\{"prompt": "/, "", p); sub(/", "response": .*/, "", p)
	r = $0; sub(/.*"response": "/, "", r); sub(/", "kind": .*/, "", r)
	if (length(p) + length(r) > 300) next
	k = $0; sub(/.*"kind": "/, "", k); sub(/".*/, "", k)
	line[k, n[k]++] = $0
}
END {
	split("quote continue define use", kinds, " ")
	for (j = 1; j <= 4; j++) {
		k = kinds[j]; c = (k == "continue") ? capc : cap
		stride = int(n[k] / c); if (stride < 2) stride = 2
		kept = 0
		for (i = 0; i < n[k] && kept < c; i += stride) { emit(line[k, i], "train"); kept++ }
		if (k == "continue") continue
		es = int(n[k] / neval); if (es < 2) es = 2
		m = 0
		for (i = 1; i + 1 < n[k] && m < neval; i += es)
			ev[k, m++] = line[k, (i % stride) ? i : i + 1]
		ne[k] = m
	}
	for (m = 0; m < neval; m++)
		for (j = 1; j <= 4; j++)
			if (kinds[j] != "continue" && m < ne[kinds[j]]) emit(ev[kinds[j], m], "eval")
}
function emit(s, part) { sub(/\}$/, ", \"split\": \"" part "\"}", s); print s }
