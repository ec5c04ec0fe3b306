#!/usr/bin/python3
"""Batch decoding speed of a random Llama-family model in plain PyTorch, with
a KV cache (rotate-half RoPE, grouped-query attention, SwiGLU, RMSNorm, tied
head): the reference `make bench` sets beside `ric bench generate --arch llama`
(same flags).

  torch_llama_decode.py [--layers 30 --heads 9 --kv-heads 3 --embd 576
                        --inner 1536 --vocab 49152 --ctx 1024]
                        [--batch 1 --seq 16 --new-tokens 32 --threads 2]
prints one JSON line with tokens_per_s (new tokens after the first, all
sequences, per second of decoding).
"""
import argparse, json, math, os, sys, time
if "--threads" in sys.argv:  # the BLAS under torch reads OMP_NUM_THREADS
    os.environ["OMP_NUM_THREADS"] = sys.argv[sys.argv.index("--threads") + 1]
import torch

ap = argparse.ArgumentParser()
for k, v in [("layers", 30), ("heads", 9), ("kv-heads", 3), ("embd", 576), ("inner", 1536),
             ("vocab", 49152), ("ctx", 1024), ("batch", 1), ("seq", 16), ("new-tokens", 32),
             ("threads", 2)]:
    ap.add_argument("--" + k, type=int, default=v)
ap.add_argument("--arch", default="llama")  # accepted for the same flags as ric
a = ap.parse_args()
torch.set_num_threads(a.threads)
torch.manual_seed(0)
C, H, KV, L, V, I = a.embd, a.heads, a.kv_heads, a.layers, a.vocab, a.inner
D = C // H
r = lambda *s: torch.randn(*s) * 0.02
emb = r(V, C)
layers = [dict(n1=torch.ones(C), q=r(H * D, C), k=r(KV * D, C), v=r(KV * D, C), o=r(C, H * D),
               n2=torch.ones(C), g=r(I, C), u=r(I, C), d=r(C, I)) for _ in range(L)]
norm = torch.ones(C)
inv = 1.0 / (10000.0 ** (torch.arange(0, D, 2, dtype=torch.float32) / D))
lin = torch.nn.functional.linear


def rms(x, w):
    return w * (x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + 1e-5))


def rot(x, cos, sin):
    a, b = x.chunk(2, dim=-1)
    return x * cos + torch.cat((-b, a), dim=-1) * sin


def step(ids, pos, cache):
    B, T = ids.shape
    ang = torch.arange(pos, pos + T, dtype=torch.float32)[:, None] * inv[None, :]
    cos, sin = torch.cat((ang, ang), -1).cos(), torch.cat((ang, ang), -1).sin()
    x = emb[ids]
    for i, l in enumerate(layers):
        h = rms(x, l["n1"])
        q = rot(lin(h, l["q"]).view(B, T, H, D).transpose(1, 2), cos, sin)
        k = rot(lin(h, l["k"]).view(B, T, KV, D).transpose(1, 2), cos, sin)
        v = lin(h, l["v"]).view(B, T, KV, D).transpose(1, 2)
        if cache[i] is not None:
            k, v = torch.cat([cache[i][0], k], 2), torch.cat([cache[i][1], v], 2)
        cache[i] = (k, v)
        k, v = k.repeat_interleave(H // KV, 1), v.repeat_interleave(H // KV, 1)
        att = (q @ k.transpose(-2, -1)) / math.sqrt(D)
        if T > 1:
            att = att.masked_fill(~torch.ones(T, T, dtype=torch.bool).tril(), float("-inf"))
        y = (att.softmax(-1) @ v).transpose(1, 2).reshape(B, T, H * D)
        x = x + lin(y, l["o"])
        h = rms(x, l["n2"])
        x = x + lin(torch.nn.functional.silu(lin(h, l["g"])) * lin(h, l["u"]), l["d"])
    return rms(x[:, -1], norm) @ emb.T


with torch.no_grad():
    ids = torch.randint(0, V, (a.batch, a.seq))
    cache = [None] * L
    logits = step(ids, 0, cache)
    t0 = time.perf_counter()
    for n in range(a.new_tokens - 1):
        nxt = torch.multinomial(torch.softmax(logits, -1), 1)
        logits = step(nxt, a.seq + n, cache)
    dt = time.perf_counter() - t0
print(json.dumps({"bench": "torch-llama-generate", "threads": a.threads, "batch": a.batch,
                  "tokens_per_s": round(a.batch * (a.new_tokens - 1) / dt, 2)}))
