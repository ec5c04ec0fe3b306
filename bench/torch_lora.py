#!/usr/bin/python3
"""LoRA training speed and memory of a random Llama-family model in plain
PyTorch: the reference's model (../shared/reference/llama_ref.py, class
Llama) with requires_grad off on every base weight, a LoRA adapter of rank R
(alpha 2R, PEFT's init: A uniform, B zero) on every linear layer, AdamW on
the adapter alone, mean cross-entropy over random tokens. What `make bench`
sets beside `ric bench train --lora-rank R` (same flags).

  torch_lora.py [--arch qwen2] [--layers 24 --heads 14 --kv-heads 2 --embd 896
                --inner 4864 --vocab 151936 --ctx 1024] [--batch 4 --seq 256]
                [--steps 2 --threads 2 --lora-rank 16] [--dtype f32|bf16]
                [--ref PATH/llama_ref.py]
prints one JSON line: tokens_per_s (median step), peak_rss_kib, last_loss.
--dtype bf16 keeps the frozen base in BF16 (the adapter and its products in
F32, as PEFT with a BF16 base does under autocast-free training).
"""
import argparse, json, os, resource, sys, time
if "--threads" in sys.argv:  # the BLAS under torch reads OMP_NUM_THREADS
    os.environ["OMP_NUM_THREADS"] = sys.argv[sys.argv.index("--threads") + 1]
import torch

ap = argparse.ArgumentParser()
for k, v in [("layers", 24), ("heads", 14), ("kv-heads", 2), ("embd", 896), ("inner", 4864),
             ("vocab", 151936), ("ctx", 1024), ("batch", 4), ("seq", 256), ("steps", 2),
             ("threads", 2), ("lora-rank", 16)]:
    ap.add_argument("--" + k, type=int, default=v)
ap.add_argument("--arch", default="qwen2")
ap.add_argument("--dtype", default="f32", choices=["f32", "bf16"])
here = os.path.dirname(os.path.abspath(__file__))
ap.add_argument("--ref", default=os.path.join(here, "..", "..", "shared", "reference", "llama_ref.py"))
a = ap.parse_args()
if not os.path.exists(a.ref):
    a.ref = os.path.join(here, "..", "..", "..", "shared", "reference", "llama_ref.py")
sys.path.insert(0, os.path.dirname(os.path.abspath(a.ref)))
from llama_ref import Llama  # noqa: E402

torch.set_num_threads(a.threads)
torch.manual_seed(0)
cfg = {"model_type": a.arch, "vocab_size": a.vocab, "hidden_size": a.embd,
       "intermediate_size": a.inner, "num_hidden_layers": a.layers,
       "num_attention_heads": a.heads, "num_key_value_heads": a.kv_heads,
       "max_position_embeddings": a.ctx, "rms_norm_eps": 1e-6, "rope_theta": 10000.0,
       "tie_word_embeddings": True}
m = Llama(cfg)
dt = torch.bfloat16 if a.dtype == "bf16" else torch.float32
with torch.no_grad():
    for name in m.names():
        w = m.w(name)
        w.data = (torch.ones_like(w) if "norm" in name else torch.randn_like(w) * 0.02).to(dt)
        w.requires_grad_(False)
R = a.lora_rank
params = []
for i in range(a.layers):
    pre = f"model.layers.{i}."
    for mod in ["self_attn.q_proj", "self_attn.k_proj", "self_attn.v_proj", "self_attn.o_proj",
                "mlp.gate_proj", "mlp.up_proj", "mlp.down_proj"]:
        out_f, in_f = m.w(pre + mod + ".weight").shape
        A = torch.nn.Parameter((torch.rand(R, in_f) * 2 - 1) / in_f ** 0.5)
        B = torch.nn.Parameter(torch.zeros(out_f, R))
        m.lora[pre + mod] = (A, B, 2.0)
        params += [A, B]

if dt != torch.float32:  # the base in BF16, activations and adapter in F32
    # every op reads a weight through m.w: widened to F32 there, one tensor
    # at a time (the embedding lookup and the tied head included)
    w0 = m.w

    def w_mixed(name):
        t = w0(name)
        return t.float() if t.dtype != torch.float32 else t
    m.w = w_mixed

opt = torch.optim.AdamW(params, lr=1e-4, weight_decay=0.0)
g = torch.Generator().manual_seed(99)
ids = torch.randint(0, a.vocab, (a.batch, a.seq), generator=g)
tgt = torch.randint(0, a.vocab, (a.batch, a.seq), generator=g)
times, cpu, loss = [], [], None


def cpu_s():  # every thread of the process: fairer than the wall clock on a shared machine
    ru = resource.getrusage(resource.RUSAGE_SELF)
    return ru.ru_utime + ru.ru_stime


for s in range(a.steps + 1):
    t0, c0 = time.perf_counter(), cpu_s()
    logits = m(ids).float()
    loss = torch.nn.functional.cross_entropy(logits.view(-1, a.vocab), tgt.view(-1))
    opt.zero_grad(set_to_none=True)
    loss.backward()
    torch.nn.utils.clip_grad_norm_(params, 1.0)
    opt.step()
    if s > 0:
        times.append(time.perf_counter() - t0)
        cpu.append(cpu_s() - c0)
times.sort()
cpu.sort()
med = times[len(times) // 2]
print(json.dumps({"bench": "torch_lora", "tokens_per_s": a.batch * a.seq / med,
                  "median_step_s": med, "cpu_s_per_step": cpu[len(cpu) // 2],
                  "peak_rss_kib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
                  "trained_params": sum(p.numel() for p in params), "last_loss": loss.item(),
                  "dtype": a.dtype}))
