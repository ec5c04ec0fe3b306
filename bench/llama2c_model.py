#!/usr/bin/python3
"""Writes a random Llama-2 checkpoint of the 110M shape (dim 768, 12 layers,
12 heads, hidden 2048, vocab 32000, context 1024) in llama2.c's model.bin
format, and a tokenizer.bin of one-character tokens, so that `make bench`
can time llama2.c's `run` beside `ric bench generate` on a model of the same
size (109.6M parameters; GPT-2 with vocab 32000 has 109.5M).

With --hf DIR2 the same weights are also written as a Hugging Face Llama
folder (config.json, model.safetensors in F32, tokenizer.json) that ric
loads: the same model, so `ric bench generate --model DIR2` times ric on
exactly what llama2.c runs. llama2.c rotates the pairs (2j, 2j+1) of each
head, Hugging Face the halves (j, j + head_dim/2): the rows of wq and wk are
permuted as llama2.c's export.py does, and nothing else changes.

  llama2c_model.py DIR [--hf DIR2]   # DIR/model.bin, DIR/tokenizer.bin
"""
import array, json, os, struct, sys

out = sys.argv[1]
hf = sys.argv[sys.argv.index("--hf") + 1] if "--hf" in sys.argv else None
dim, hidden, layers, heads, vocab, ctx = 768, 2048, 12, 12, 32000, 1024
hs = dim // heads
n = (vocab * dim + layers * dim + 4 * layers * dim * dim + layers * dim
     + 3 * layers * dim * hidden + dim + ctx * hs)
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
if hf is None:
    sys.exit(0)

import numpy as np

os.makedirs(hf, exist_ok=True)
blk = np.frombuffer(block.tobytes(), dtype=np.float32)
at = [0]


def take(*shape):
    """The next tensor of model.bin's stream (the block repeated)."""
    count = int(np.prod(shape))
    idx = (np.arange(at[0], at[0] + count, dtype=np.int64)) % blk.size
    at[0] += count
    return blk[idx].reshape(shape)


def rope_rows(w):
    """llama2.c's interleaved rotary pairs to Hugging Face's halves."""
    return w.reshape(heads, hs // 2, 2, dim).transpose(0, 2, 1, 3).reshape(dim, dim)


t = {}
t["model.embed_tokens.weight"] = take(vocab, dim)
att_norm = take(layers, dim)
wq, wk, wv, wo = take(layers, dim, dim), take(layers, dim, dim), take(layers, dim, dim), take(layers, dim, dim)
ffn_norm = take(layers, dim)
w1, w2, w3 = take(layers, hidden, dim), take(layers, dim, hidden), take(layers, hidden, dim)
t["model.norm.weight"] = take(dim)
for l in range(layers):
    p = "model.layers.%d." % l
    t[p + "input_layernorm.weight"] = att_norm[l]
    t[p + "post_attention_layernorm.weight"] = ffn_norm[l]
    t[p + "self_attn.q_proj.weight"] = rope_rows(wq[l])
    t[p + "self_attn.k_proj.weight"] = rope_rows(wk[l])
    t[p + "self_attn.v_proj.weight"] = wv[l]
    t[p + "self_attn.o_proj.weight"] = wo[l]
    t[p + "mlp.gate_proj.weight"] = w1[l]
    t[p + "mlp.down_proj.weight"] = w2[l]
    t[p + "mlp.up_proj.weight"] = w3[l]
header, off = {}, 0
for k in sorted(t):
    nb = t[k].size * 4
    header[k] = {"dtype": "F32", "shape": list(t[k].shape), "data_offsets": [off, off + nb]}
    off += nb
h = json.dumps(header, separators=(",", ":")).encode()
h += b" " * (-len(h) % 8)
with open(os.path.join(hf, "model.safetensors"), "wb") as f:
    f.write(struct.pack("<Q", len(h)) + h)
    for k in sorted(t):
        f.write(np.ascontiguousarray(t[k], dtype="<f4").tobytes())
cfg = {"architectures": ["LlamaForCausalLM"], "model_type": "llama", "hidden_size": dim,
       "intermediate_size": hidden, "num_hidden_layers": layers, "num_attention_heads": heads,
       "num_key_value_heads": heads, "vocab_size": vocab, "max_position_embeddings": ctx,
       "rms_norm_eps": 1e-5, "rope_theta": 10000.0, "tie_word_embeddings": True,
       "hidden_act": "silu", "bos_token_id": 1, "eos_token_id": 2, "torch_dtype": "float32"}
with open(os.path.join(hf, "config.json"), "w") as f:
    json.dump(cfg, f, indent=1)
# llama2.c's tokenizer.bin holds one printable character per id, repeated:
# the first id of each character keeps it ("▁" for the space), the others are
# placeholders no text encodes to; SentencePiece-style, no merges
v = {}
for i in range(vocab):
    c = chr(32 + i % 95)
    c = "\u2581" if c == " " else c
    v[c if c not in v else "<t%d>" % i] = i
tok = {"version": "1.0", "added_tokens": [],
       "normalizer": {"type": "Sequence", "normalizers": [
           {"type": "Prepend", "prepend": "\u2581"},
           {"type": "Replace", "pattern": {"String": " "}, "content": "\u2581"}]},
       "pre_tokenizer": None,
       "model": {"type": "BPE", "dropout": None, "unk_token": None, "continuing_subword_prefix": None,
                 "end_of_word_suffix": None, "fuse_unk": True, "byte_fallback": False,
                 "vocab": v, "merges": []},
       "decoder": {"type": "Sequence", "decoders": [
           {"type": "Replace", "pattern": {"String": "\u2581"}, "content": " "},
           {"type": "Fuse"}, {"type": "Strip", "content": " ", "start": 1, "stop": 0}]}}
with open(os.path.join(hf, "tokenizer.json"), "w") as f:
    json.dump(tok, f, ensure_ascii=False)
