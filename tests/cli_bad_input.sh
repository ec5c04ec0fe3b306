#!/bin/sh
# Inputs that are cut short, out of range or not what their name says: each is
# one clear error, and nothing half-done is left looking complete (issue 14).
. "$top_srcdir/tests/lib.sh"
export RIC_DATADIR="$top_srcdir/share"
T=$TEST_TMP
chat="$top_srcdir/tests/fixtures/gpt2/chat"

# a truncated .gz: what came before the cut is no whole file
i=0
while [ $i -lt 1000 ]; do
	i=$((i + 1))
	printf '{"prompt": "Q%d", "response": "answer %d of %d"}\n' $i $((i * 7919)) $i
done | gzip > "$T/whole.jsonl.gz"
size=$(wc -c < "$T/whole.jsonl.gz")
head -c $((size * 3 / 10)) "$T/whole.jsonl.gz" > "$T/cut.jsonl.gz"
head -c 10 "$T/whole.jsonl.gz" > "$T/header.jsonl.gz"
out=$("$RIC" dataset import "$T/cut.jsonl.gz" 2>&1); rc=$?
is "$rc" 1 "a truncated .gz fails the import"
like "$out" "cut\.jsonl\.gz: unexpected end of file after line [0-9]+ \(the file is truncated" \
	"the error names the file and says it is truncated"
out=$("$RIC" dataset import "$T/header.jsonl.gz" 2>&1); rc=$?
is "$rc" 1 "a gzip header alone fails the import"
like "$out" "header\.jsonl\.gz: unexpected end of file after line 0" "it names the file"
out=$("$RIC" dataset import "$T/cut.jsonl.gz" --skip-bad 2>&1); rc=$?
is "$rc" 1 "--skip-bad does not skip a truncated file"
unlike "$("$RIC" dataset list 2>&1)" 'cut|header' "no dataset is left from them"
out=$("$RIC" dataset import "$T/whole.jsonl.gz" 2>&1)
like "$out" '^dataset whole: 1000 rows' "the whole file imports all 1,000 rows"

# a scorer answering 1e308 stops the relabel with one clear message
printf '#!/bin/sh\nwhile read -r l; do echo "{\\"reward\\": 1e308}"; done\n' > "$T/huge.sh"
out=$("$RIC" relabel --dataset whole --objective "huge=cmd:sh $T/huge.sh" --batch 1 2>&1); rc=$?
is "$rc" 1 "a reward of 1e308 fails the relabel"
like "$out" "objective huge: reward 'cmd:sh [^']*huge.sh': row 1 scored 1e\\+308, beyond \\+-1e\\+06" \
	"the error names the objective, the scorer and the bound"

# --store: a folder that does not exist is not made; '' is no store
out=$("$RIC" --store "$T/no/such/x.db" runs 2>&1); rc=$?
is "$rc" 1 "--store in a missing folder fails"
like "$out" "no/such/x\.db: cannot create the store: its folder .*no/such: No such file" \
	"it says the folder does not exist"
ok "and creates no folder" test ! -e "$T/no"
out=$(RIC_STORE="$T/no/such/y.db" "$RIC" runs 2>&1); rc=$?
is "$rc" 1 "RIC_STORE in a missing folder fails the same way"
ok "and creates no folder either" test ! -e "$T/no"
out=$("$RIC" --store '' runs 2>&1); rc=$?
is "$rc" 2 "--store '' is a usage error"
like "$out" "--store wants a file name, not ''" "it says so"
out=$("$RIC_TUI" --store '' 2>&1); rc=$?
is "$rc" 2 "ric-tui --store '' is a usage error"
like "$out" "--store wants a file name" "ric-tui says so"
ok "the default store's folders are made" "$RIC" runs
ok "under XDG_DATA_HOME" test -f "$XDG_DATA_HOME/ric/store.db"

# a folder or FIFO named model.safetensors (a FIFO would block a reader)
mkdir "$T/odd" && cp "$chat"/config.json "$chat"/tokenizer.json "$T/odd/"
mkfifo "$T/odd/model.safetensors"
out=$(timeout 20 "$RIC" generate --model "$T/odd" --prompt x 2>&1); rc=$?
is "$rc" 1 "a FIFO named model.safetensors fails at once"
like "$out" "odd/model\.safetensors: not a regular file \(a FIFO\)" "it is called a FIFO"
rm "$T/odd/model.safetensors" && mkdir "$T/odd/model.safetensors"
out=$("$RIC" generate --model "$T/odd" --prompt x 2>&1)
like "$out" "odd/model\.safetensors: not a regular file \(a folder\)" "a folder there is called a folder"

# convert onto a full disk (a file size limit: EFBIG) leaves nothing behind
xfsz() { sh -c 'trap "" XFSZ; ulimit -f 8; exec "$@"' sh "$@"; }
out=$(xfsz "$RIC" convert "$chat" "$T/conv" 2>&1); rc=$?
is "$rc" 1 "convert fails when the weights cannot be written"
like "$out" "conv/model\.safetensors: write failed: File too large" "it names the file of OUT"
ok "no OUT folder is left" test ! -e "$T/conv"
is "$(ls "$T" | grep -c 'conv\.tmp')" 0 "nor a temporary folder"
ok "convert into a new folder" "$RIC" convert "$chat" "$T/conv"
cp -R "$T/conv" "$T/conv.before"
out=$(xfsz "$RIC" convert --dtype f32 "$chat" "$T/conv" 2>&1); rc=$?
is "$rc" 1 "converting over it fails the same way"
ok "and leaves the old checkpoint as it was" diff -r "$T/conv.before" "$T/conv"
is "$(ls "$T" | grep -c 'conv\.tmp')" 0 "with no temporary folder"
ok "convert over an existing checkpoint" "$RIC" convert --dtype f32 "$chat" "$T/conv/"
[ "$(wc -c < "$T/conv/model.safetensors")" -gt 30000 ]
_tap_result $? "replaces its BF16 weights with F32 ones"
ln -s conv "$T/link"
ok "convert through a symlink to a checkpoint" "$RIC" convert "$chat" "$T/link"
ok "the symlink stays a symlink" test -L "$T/link"
[ "$(wc -c < "$T/conv/model.safetensors")" -lt 30000 ]
_tap_result $? "and the folder it points to gets the BF16 weights"
# Number options: one parser for every command, and a number whose exponent
# is out of range (strtod's ERANGE: 1e-400 would become 0) is a usage error.
for args in "generate --model m --prompt p --temperature 1e-400" \
	"eval --model m --dataset d --top-p 1e-400" "online --policy p --dataset d --out o --lr 1e-400" \
	"dataset import f --eval-fraction 1e-400"; do
	set -- $args
	out=$("$RIC" "$@" 2>&1); rc=$?
	is "$rc" 2 "ric $1: an option of 1e-400 is a usage error"
	like "$out" "wants a number in .*, not '1e-400'" "and says so"
done
done_testing
