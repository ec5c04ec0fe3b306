#!/usr/bin/python3
"""Writes a random Llama-2 checkpoint of the 110M shape (dim 768, 12 layers,
12 heads, hidden 2048, vocab 32000, context 1024) in llama2.c's model.bin
format, and a tokenizer.bin of one-character tokens, so that `make bench`
can time llama2.c's `run` beside `ric bench generate` on a model of the same
size (109.6M parameters; GPT-2 with vocab 32000 has 109.5M).

  llama2c_model.py DIR        # DIR/model.bin, DIR/tokenizer.bin
"""
import array, os, struct, sys

out = sys.argv[1]
dim, hidden, layers, heads, vocab, ctx = 768, 2048, 12, 12, 32000, 1024
n = (vocab * dim + layers * dim + 4 * layers * dim * dim + layers * dim
     + 3 * layers * dim * hidden + dim + ctx * (dim // heads))
# one block of small values, repeated: speed does not depend on the values
x, block = 88172645463325252, array.array("f")
for _ in range(1 << 20):
    x = (x * 6364136223846793005 + 1442695040888963407) % (1 << 64)
    block.append(((x >> 40) / float(1 << 24) - 0.5) * 0.04)
with open(os.path.join(out, "model.bin"), "wb") as f:
    f.write(struct.pack("7i", dim, hidden, layers, heads, heads, vocab, ctx))
    left = n
    while left > 0:
        m = min(left, len(block))
        block[:m].tofile(f)
        left -= m
with open(os.path.join(out, "tokenizer.bin"), "wb") as f:
    f.write(struct.pack("i", 1))
    for i in range(vocab):
        f.write(struct.pack("fi", 0.0, 1) + bytes([32 + i % 95]))
