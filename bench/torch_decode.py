#!/usr/bin/python3
"""Batch decoding speed of a random GPT-2 in plain PyTorch, with a KV cache:
the reference `make bench` sets beside `ric bench generate` (same flags).

  torch_decode.py [--layers 12 --heads 12 --embd 768 --vocab 50257 --ctx 1024]
                  [--batch 1 --seq 16 --new-tokens 32 --threads 2]
prints one JSON line with tokens_per_s (new tokens after the first, all
sequences, per second of decoding).
"""
import argparse, json, math, os, sys, time
if "--threads" in sys.argv:  # the BLAS under torch reads OMP_NUM_THREADS
    os.environ["OMP_NUM_THREADS"] = sys.argv[sys.argv.index("--threads") + 1]
import torch

ap = argparse.ArgumentParser()
for k, v in [("layers", 12), ("heads", 12), ("embd", 768), ("vocab", 50257), ("ctx", 1024),
             ("batch", 1), ("seq", 16), ("new-tokens", 32), ("threads", 2)]:
    ap.add_argument("--" + k, type=int, default=v)
a = ap.parse_args()
torch.set_num_threads(a.threads)
torch.manual_seed(0)
C, H, L, V = a.embd, a.heads, a.layers, a.vocab
hs = C // H
r = lambda *s: torch.randn(*s) * 0.02
wte, wpe = r(V, C), r(a.ctx, C)
layers = [dict(ln1=(torch.ones(C), torch.zeros(C)), attn=(r(C, 3 * C), torch.zeros(3 * C)),
               proj=(r(C, C), torch.zeros(C)), ln2=(torch.ones(C), torch.zeros(C)),
               fc=(r(C, 4 * C), torch.zeros(4 * C)), fcp=(r(4 * C, C), torch.zeros(C)))
          for _ in range(L)]
lnf = (torch.ones(C), torch.zeros(C))
ln = lambda x, p: torch.nn.functional.layer_norm(x, (C,), p[0], p[1], 1e-5)
lin = lambda x, p: torch.addmm(p[1], x.reshape(-1, x.shape[-1]), p[0]).view(*x.shape[:-1], -1)


def step(ids, pos, cache):
    B, T = ids.shape
    x = wte[ids] + wpe[pos:pos + T]
    for i, l in enumerate(layers):
        q, k, v = lin(ln(x, l["ln1"]), l["attn"]).split(C, dim=2)
        q, k, v = [t.view(B, T, H, hs).transpose(1, 2) for t in (q, k, v)]
        if cache[i] is not None:
            k, v = torch.cat([cache[i][0], k], 2), torch.cat([cache[i][1], v], 2)
        cache[i] = (k, v)
        att = (q @ k.transpose(-2, -1)) / math.sqrt(hs)
        if T > 1:
            att = att.masked_fill(~torch.ones(T, T, dtype=torch.bool).tril(), float("-inf"))
        y = (att.softmax(-1) @ v).transpose(1, 2).reshape(B, T, C)
        x = x + lin(y, l["proj"])
        x = x + lin(torch.nn.functional.gelu(lin(ln(x, l["ln2"]), l["fc"]), approximate="tanh"), l["fcp"])
    return ln(x[:, -1], lnf) @ wte.T


with torch.no_grad():
    ids = torch.randint(0, V, (a.batch, a.seq))
    cache = [None] * L
    logits = step(ids, 0, cache)
    t0 = time.perf_counter()
    for n in range(a.new_tokens - 1):
        nxt = torch.multinomial(torch.softmax(logits, -1), 1)
        logits = step(nxt, a.seq + n, cache)
    dt = time.perf_counter() - t0
print(json.dumps({"bench": "torch-generate", "threads": a.threads, "batch": a.batch,
                  "tokens_per_s": round(a.batch * (a.new_tokens - 1) / dt, 2)}))
