#!/usr/bin/python3
"""PyTorch reference of ric's DiT (engine/dit.h) and its noise schedules.

    dit_ref.py make DIR [--depth N --heads N --hidden N --inner N --size S
                         --patch P --cond K --freq F --schedule linear|cosine
                         --batch B --seed S]
        a random DiT folder (config.json + model.safetensors, F32) with
        inputs.safetensors (x, t, cond, drop, deps) and ref.safetensors:
        eps = DiT(x, t, cond, drop) and grad.NAME = d sum(deps * eps) / d NAME
        for every tensor, computed in float64. With --labels L > 0 an image
        reward model: the final norm's mean over the patches times
        score.weight [L, C] (no final linear), scores = DiT(x, t, cond, drop)
        [B, L] and grad.NAME = d sum(dscores * scores) / d NAME.
    dit_ref.py schedule OUT
        alphas_cumprod of the linear (1e-4..0.02) and cosine schedules over
        1000 steps as diffusers' DDPMScheduler builds them, in float64.
    dit_ref.py bench [--depth N --heads N --hidden N --inner N --patch P --cond K
                      --freq F] --batch B --steps N
        training steps (forward, MSE to noise, backward, AdamW) of a random
        DiT of that shape on 32x32 images in float32 (torch's threads:
        OMP_NUM_THREADS); prints patches/s (make bench, beside ric bench train
        --arch dit).

Run with /usr/bin/python3 (Debian's python3-torch). The model follows
facebookresearch/DiT (models.py): Conv2d patch embedding, adaLN-zero blocks,
timestep MLP on cos|sin sinusoids, final adaLN layer and unpatchify; the
class-label embedder is replaced by an MLP of the normalised reward vector
with a learned null embedding for dropped conditions; positions are learned.
"""
import argparse, json, math, os, struct, sys, time
import torch
import torch.nn.functional as Fn

DT = {"F32": torch.float32, "F64": torch.float64, "I64": torch.int64}
DT_NAME = {v: k for k, v in DT.items()}


def st_read(path):
    raw = open(path, "rb").read()
    (n,) = struct.unpack("<Q", raw[:8])
    header = json.loads(raw[8:8 + n])
    out = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        b, e = info["data_offsets"]
        buf = bytearray(raw[8 + n + b:8 + n + e])
        t = torch.frombuffer(buf, dtype=DT[info["dtype"]]) if e > b else torch.empty(0)
        out[name] = t.reshape(info["shape"]).clone()
    return out


def st_write(path, tensors, metadata=None):
    header, blobs, off = {}, [], 0
    for name in sorted(tensors):
        t = tensors[name].contiguous()
        data = t.view(torch.uint8).numpy().tobytes() if t.numel() else b""
        header[name] = {"dtype": DT_NAME[t.dtype], "shape": list(t.shape),
                        "data_offsets": [off, off + len(data)]}
        blobs.append(data)
        off += len(data)
    if metadata:
        header["__metadata__"] = metadata
    h = json.dumps(header, separators=(",", ":")).encode()
    h += b" " * ((8 - len(h) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(h)))
        f.write(h)
        for blob in blobs:
            f.write(blob)


def shapes(cfg):
    """Tensor names and shapes in ric's checkpoint order."""
    C, I, K, F = cfg["hidden_size"], cfg["intermediate_size"], cfg["cond_dim"], cfg["frequency_embedding_size"]
    p, ch, S = cfg["patch_size"], cfg["in_channels"], cfg["sample_size"]
    T, PD = (S // p) ** 2, ch * p * p
    out = [("x_embedder.proj.weight", [C, PD]), ("x_embedder.proj.bias", [C]), ("pos_embed", [T, C]),
           ("t_embedder.mlp.0.weight", [C, F]), ("t_embedder.mlp.0.bias", [C]),
           ("t_embedder.mlp.2.weight", [C, C]), ("t_embedder.mlp.2.bias", [C])]
    if K > 0:
        out += [("y_embedder.mlp.0.weight", [C, K]), ("y_embedder.mlp.0.bias", [C]),
                ("y_embedder.mlp.2.weight", [C, C]), ("y_embedder.mlp.2.bias", [C])]
    out.append(("y_embedder.null", [C]))
    for i in range(cfg["depth"]):
        b = f"blocks.{i}."
        out += [(b + "attn.qkv.weight", [3 * C, C]), (b + "attn.qkv.bias", [3 * C]),
                (b + "attn.proj.weight", [C, C]), (b + "attn.proj.bias", [C]),
                (b + "mlp.fc1.weight", [I, C]), (b + "mlp.fc1.bias", [I]),
                (b + "mlp.fc2.weight", [C, I]), (b + "mlp.fc2.bias", [C]),
                (b + "adaLN_modulation.1.weight", [6 * C, C]), (b + "adaLN_modulation.1.bias", [6 * C])]
    out += [("final_layer.adaLN_modulation.1.weight", [2 * C, C]),
            ("final_layer.adaLN_modulation.1.bias", [2 * C])]
    if cfg.get("num_labels", 0) > 0:
        out.append(("score.weight", [cfg["num_labels"], C]))
    else:
        out += [("final_layer.linear.weight", [PD, C]), ("final_layer.linear.bias", [PD])]
    return out


def timestep_embedding(t, dim):
    """DiT's TimestepEmbedder.timestep_embedding: the angle in float32 as there."""
    half = dim // 2
    freqs = torch.exp(-math.log(10000.0) * torch.arange(half, dtype=torch.float64) / half).float()
    args = (t.float()[:, None] * freqs[None]).double()
    emb = torch.cat([torch.cos(args), torch.sin(args)], dim=-1)
    if dim % 2:
        emb = torch.cat([emb, torch.zeros_like(emb[:, :1])], dim=-1)
    return emb


def modulate(x, shift, scale):
    return x * (1 + scale.unsqueeze(1)) + shift.unsqueeze(1)


def dit_forward(cfg, P, x, t, cond, drop):
    """eps of images x [B, ch, S, S] at timesteps t [B] under cond [B, K] (drop [B]: null)."""
    C, H, p, ch, S = cfg["hidden_size"], cfg["num_heads"], cfg["patch_size"], cfg["in_channels"], cfg["sample_size"]
    K, G = cfg["cond_dim"], S // p
    B = x.shape[0]
    dt = P["pos_embed"].dtype
    w = P["x_embedder.proj.weight"].reshape(C, ch, p, p)
    h = Fn.conv2d(x, w, P["x_embedder.proj.bias"], stride=p).flatten(2).transpose(1, 2)
    h = h + P["pos_embed"]
    te = timestep_embedding(t, cfg["frequency_embedding_size"]).to(dt)
    te = Fn.linear(Fn.silu(Fn.linear(te, P["t_embedder.mlp.0.weight"], P["t_embedder.mlp.0.bias"])),
                   P["t_embedder.mlp.2.weight"], P["t_embedder.mlp.2.bias"])
    null = P["y_embedder.null"].expand(B, C)
    if K > 0 and cond is not None:
        ye = Fn.linear(Fn.silu(Fn.linear(cond, P["y_embedder.mlp.0.weight"], P["y_embedder.mlp.0.bias"])),
                       P["y_embedder.mlp.2.weight"], P["y_embedder.mlp.2.bias"])
        ye = torch.where(drop[:, None] > 0, null, ye)
    else:
        ye = null
    c = te + ye
    sc = Fn.silu(c)
    for i in range(cfg["depth"]):
        b = f"blocks.{i}."
        mod = Fn.linear(sc, P[b + "adaLN_modulation.1.weight"], P[b + "adaLN_modulation.1.bias"])
        sh1, s1, g1, sh2, s2, g2 = mod.chunk(6, dim=1)
        y = modulate(Fn.layer_norm(h, (C,), eps=1e-6), sh1, s1)
        qkv = Fn.linear(y, P[b + "attn.qkv.weight"], P[b + "attn.qkv.bias"])
        q, k, v = qkv.reshape(B, -1, 3, H, C // H).permute(2, 0, 3, 1, 4)
        a = torch.softmax(q @ k.transpose(-2, -1) / math.sqrt(C // H), dim=-1) @ v
        a = a.transpose(1, 2).reshape(B, -1, C)
        h = h + g1.unsqueeze(1) * Fn.linear(a, P[b + "attn.proj.weight"], P[b + "attn.proj.bias"])
        y = modulate(Fn.layer_norm(h, (C,), eps=1e-6), sh2, s2)
        m = Fn.gelu(Fn.linear(y, P[b + "mlp.fc1.weight"], P[b + "mlp.fc1.bias"]), approximate="tanh")
        h = h + g2.unsqueeze(1) * Fn.linear(m, P[b + "mlp.fc2.weight"], P[b + "mlp.fc2.bias"])
    sh, s = Fn.linear(sc, P["final_layer.adaLN_modulation.1.weight"],
                      P["final_layer.adaLN_modulation.1.bias"]).chunk(2, dim=1)
    h = modulate(Fn.layer_norm(h, (C,), eps=1e-6), sh, s)
    if cfg.get("num_labels", 0) > 0:  # the reward head: mean over the patches, then the score
        return Fn.linear(h.mean(dim=1), P["score.weight"])
    o = Fn.linear(h, P["final_layer.linear.weight"], P["final_layer.linear.bias"])
    # DiT's unpatchify: (n, h, w, p, q, c) -> (n, c, h p, w q)
    o = o.reshape(B, G, G, p, p, ch)
    return torch.einsum("nhwpqc->nchpwq", o).reshape(B, ch, S, S)


def config(a):
    labels = getattr(a, "labels", 0)
    extra = {"num_labels": labels} if labels > 0 else {}
    return {**extra, "model_type": "dit",
            "architectures": ["RicDiTRewardModel" if labels > 0 else "RicDiT"], "sample_size": a.size,
            "patch_size": a.patch, "in_channels": 3, "hidden_size": a.hidden, "depth": a.depth,
            "num_heads": a.heads, "intermediate_size": a.inner, "frequency_embedding_size": a.freq,
            "cond_dim": a.cond, "num_train_timesteps": 1000,
            "beta_schedule": "linear" if a.schedule == "linear" else "squaredcos_cap_v2",
            "beta_start": 0.0001, "beta_end": 0.02, "prediction_type": "epsilon",
            "layer_norm_eps": 1e-6, "torch_dtype": "float32"}


def cmd_make(a):
    torch.manual_seed(a.seed)
    cfg = config(a)
    os.makedirs(a.dir, exist_ok=True)
    json.dump(cfg, open(os.path.join(a.dir, "config.json"), "w"), indent=2)
    # every tensor random (adaLN-zero's zeros would hide the blocks' gradients)
    P = {n: (torch.randn(s) * (0.5 if len(s) == 1 else 1.0 / math.sqrt(s[-1]))).float()
         for n, s in shapes(cfg)}
    st_write(os.path.join(a.dir, "model.safetensors"), P, {"format": "pt"})
    B, S = a.batch, a.size
    x = torch.randn(B, 3, S, S).float()
    t = torch.randint(0, 1000, (B,)).float()
    cond = torch.randn(B, max(a.cond, 1)).float()[:, :a.cond]
    drop = torch.tensor([float(i % 3 == 1) for i in range(B)])
    deps = (torch.randn(B, a.labels) if a.labels > 0 else torch.randn(B, 3, S, S)).float()
    inputs = {"x": x, "t": t, "drop": drop, "deps": deps}
    if a.cond > 0:
        inputs["cond"] = cond
    st_write(os.path.join(a.dir, "inputs.safetensors"), inputs)
    P64 = {n: v.double().requires_grad_(True) for n, v in P.items()}
    eps = dit_forward(cfg, P64, x.double(), t, cond.double() if a.cond else None, drop)
    (eps * deps.double()).sum().backward()
    ref = {"scores" if a.labels > 0 else "eps": eps.detach().float()}
    for n, v in P64.items():
        ref["grad." + n] = v.grad.float()
    st_write(os.path.join(a.dir, "ref.safetensors"), ref)


def alphas_cumprod(kind, T=1000, beta_start=1e-4, beta_end=0.02):
    if kind == "linear":  # DDPMScheduler beta_schedule="linear"; the ends as config.json's floats
        f32 = lambda v: torch.tensor(v, dtype=torch.float32).item()
        betas = torch.linspace(f32(beta_start), f32(beta_end), T, dtype=torch.float64)
    else:  # "squaredcos_cap_v2": betas_for_alpha_bar with max_beta 0.999
        f = lambda u: math.cos((u + 0.008) / 1.008 * math.pi / 2) ** 2
        betas = torch.tensor([min(1 - f((i + 1) / T) / f(i / T), 0.999) for i in range(T)],
                             dtype=torch.float64)
    return torch.cumprod(1.0 - betas, dim=0)


def cmd_schedule(a):
    st_write(a.out, {"linear": alphas_cumprod("linear"), "cosine": alphas_cumprod("cosine")})


def cmd_bench(a):
    a.size = 32
    cfg = config(a)
    torch.manual_seed(0)
    P = {n: torch.nn.Parameter(torch.randn(s) * 0.02) for n, s in shapes(cfg)}
    opt = torch.optim.AdamW(P.values(), lr=1e-4)
    B, S, K = a.batch, cfg["sample_size"], cfg["cond_dim"]
    T = (S // cfg["patch_size"]) ** 2
    x = torch.randn(B, 3, S, S)
    cond = torch.randn(B, K) if K else None
    drop = torch.zeros(B)
    for step in range(a.steps + 1):
        if step == 1:
            start = time.perf_counter()  # the first step warms up
        noise = torch.randn_like(x)
        t = torch.randint(0, 1000, (B,)).float()
        loss = Fn.mse_loss(dit_forward(cfg, P, x + noise, t, cond, drop), noise)
        opt.zero_grad()
        loss.backward()
        opt.step()
    dt = time.perf_counter() - start
    print(json.dumps({"torch": torch.__version__, "threads": torch.get_num_threads(),
                      "patches_per_s": a.steps * B * T / dt}))


def main():
    ap = argparse.ArgumentParser()
    sub = ap.add_subparsers(dest="cmd", required=True)
    m = sub.add_parser("make")
    m.add_argument("dir")
    for k, v in [("depth", 2), ("heads", 2), ("hidden", 16), ("inner", 24), ("size", 8),
                 ("patch", 2), ("cond", 2), ("freq", 8), ("batch", 3), ("seed", 0), ("labels", 0)]:
        m.add_argument("--" + k, type=int, default=v)
    m.add_argument("--schedule", default="cosine", choices=["linear", "cosine"])
    s = sub.add_parser("schedule")
    s.add_argument("out")
    b = sub.add_parser("bench")
    for k, v in [("depth", 4), ("heads", 4), ("hidden", 128), ("inner", 512), ("patch", 4),
                 ("cond", 0), ("freq", 64), ("batch", 32), ("steps", 10)]:
        b.add_argument("--" + k, type=int, default=v)
    b.add_argument("--schedule", default="cosine")
    a = ap.parse_args()
    {"make": cmd_make, "schedule": cmd_schedule, "bench": cmd_bench}[a.cmd](a)


if __name__ == "__main__":
    main()
