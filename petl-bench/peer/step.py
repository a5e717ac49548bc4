#!/usr/bin/env python3
"""PyTorch peer of `petl bench-step`: the same MiniLM shapes, methods, loss and timing protocol, in plain torch.

BERT, 6 layers, d 384, 12 heads, FFN 1536, exact GELU, post-LayerNorm (eps 1e-12), vocab 30522, mean pooling over
real tokens -> out_proj (petl's head), cross-entropy. The base is frozen with requires_grad=False; what trains is
what petl trains (the head always; everything under `full`, the word table included). Weights are random: timing
needs the shapes, not the values. Run with Debian's torch: /usr/bin/python3 petl-bench/peer/step.py --threads 1

Prints one JSON line: per method the best-of-3 seconds per step (after a warm-up, methods taking turns), the peak
resident memory, torch's version and the GEMM floor (GFLOP/s of the step's main matmul shapes on this machine).
"""
import argparse
import json
import math
import resource
import time

import torch
import torch.nn.functional as F

V, P, TYPES, D, H, FFN, LAYERS = 30522, 512, 2, 384, 12, 1536, 6


def frozen(*shape, scale=0.02):
    return torch.nn.Parameter(torch.randn(*shape) * scale, requires_grad=False)


class Method:
    """What a method adds, parsed from petl's spec: full, lora:r=8,s=2, prefix:l=16,mid=0, pa:r=32, mam:l=16,r=16,s=2,mid=0."""

    def __init__(self, spec):
        name, _, args = spec.partition(":")
        kv = dict(a.split("=") for a in args.split(",") if a)
        self.spec, self.name = spec, name
        self.full = name == "full"
        self.lora_r = int(kv.get("r", 8)) if name == "lora" else 0
        self.lora_s = float(kv.get("s", 1)) if name == "lora" else 0
        self.prefix_l = int(kv.get("l", 16)) if name in ("prefix", "mam") else 0
        self.pa_r = int(kv.get("r", 64 if name == "pa" else 512)) if name in ("pa", "mam") else 0
        self.pa_s = float(kv.get("s", 1 if name == "pa" else 4)) if name in ("pa", "mam") else 0
        for k in ("mid",):
            if kv.get(k, "0") != "0":
                raise SystemExit("peer: only mid=0 prefixes are modelled")


class Layer(torch.nn.Module):
    def __init__(self, m):
        super().__init__()
        self.q, self.k, self.v, self.o = (torch.nn.Linear(D, D) for _ in range(4))
        self.ln1, self.ln2 = torch.nn.LayerNorm(D, eps=1e-12), torch.nn.LayerNorm(D, eps=1e-12)
        self.w1, self.w2 = torch.nn.Linear(D, FFN), torch.nn.Linear(FFN, D)
        self.m = m
        if m.lora_r:
            r = m.lora_r
            self.lora = torch.nn.ParameterList([torch.nn.Parameter(torch.randn(D, r) * 0.02) for _ in range(2)]
                                               + [torch.nn.Parameter(torch.zeros(r, D)) for _ in range(2)])
        if m.prefix_l:
            self.pk = torch.nn.Parameter(torch.randn(m.prefix_l, D) * 0.02)
            self.pv = torch.nn.Parameter(torch.randn(m.prefix_l, D) * 0.02)
        if m.pa_r:
            self.down = torch.nn.Linear(D, m.pa_r)
            self.up = torch.nn.Linear(m.pa_r, D)
            torch.nn.init.zeros_(self.up.weight)

    def forward(self, x, mask):  # x [B, T, D], mask additive [B, 1, 1, T]
        B, T, _ = x.shape
        q, k, v = self.q(x), self.k(x), self.v(x)
        if self.m.lora_r:
            q = q + self.m.lora_s * (x @ self.lora[0] @ self.lora[2])
            v = v + self.m.lora_s * (x @ self.lora[1] @ self.lora[3])
        if self.m.prefix_l:
            l = self.m.prefix_l
            k = torch.cat([self.pk.expand(B, l, D), k], 1)
            v = torch.cat([self.pv.expand(B, l, D), v], 1)
            mask = torch.cat([mask.new_zeros(B, 1, 1, l), mask], 3)
        split = lambda t: t.view(B, -1, H, D // H).transpose(1, 2)
        scores = split(q) @ split(k).transpose(-1, -2) / math.sqrt(D // H) + mask
        ctx = (scores.softmax(-1) @ split(v)).transpose(1, 2).reshape(B, T, D)
        h = self.ln1(x + self.o(ctx))
        f = self.w2(F.gelu(self.w1(h)))
        if self.m.pa_r:
            f = f + self.m.pa_s * self.up(F.relu(self.down(h)))
        return self.ln2(h + f)


class Model(torch.nn.Module):
    def __init__(self, m):
        super().__init__()
        self.word, self.pos, self.typ = torch.nn.Embedding(V, D), torch.nn.Embedding(P, D), torch.nn.Embedding(TYPES, D)
        self.ln = torch.nn.LayerNorm(D, eps=1e-12)
        self.layers = torch.nn.ModuleList(Layer(m) for _ in range(LAYERS))
        self.out_proj = torch.nn.Linear(D, 2)
        added = ("lora", "pk", "pv", "down", "up", "out_proj")
        for name, p in self.named_parameters():
            p.requires_grad = m.full or any(part in added for part in name.split("."))

    def forward(self, ids, mask01, labels):
        B, T = ids.shape
        pos = torch.arange(T).expand(B, T)
        x = self.ln(self.word(ids) + self.pos(pos) + self.typ(torch.zeros_like(ids)))
        additive = ((1.0 - mask01) * -10000.0).view(B, 1, 1, T)
        for layer in self.layers:
            x = layer(x, additive)
        pooled = (x * mask01.unsqueeze(-1)).sum(1) / mask01.sum(1, keepdim=True)
        return F.cross_entropy(self.out_proj(pooled), labels)


def gemm_floor(n_rows):
    """Best GFLOP/s of torch's sgemm on the step's main shapes: [N, d]x[d, d], [N, d]x[d, ffn], [N, ffn]x[ffn, d]."""
    best = {}
    for k, n in ((D, D), (D, FFN), (FFN, D)):
        a, b = torch.randn(n_rows, k), torch.randn(k, n)
        for _ in range(3):
            a @ b
        t0 = time.perf_counter()
        reps = 20
        for _ in range(reps):
            a @ b
        best[f"{n_rows}x{k}x{n}"] = 2.0 * n_rows * k * n * reps / (time.perf_counter() - t0) / 1e9
    return best


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--methods", default="full;lora:r=8,s=2;mam:l=16,r=16,s=2,mid=0")
    ap.add_argument("--batch", type=int, default=32)
    ap.add_argument("--tokens", type=int, default=25)
    ap.add_argument("--reps", type=int, default=5)
    ap.add_argument("--threads", type=int, default=1)
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(0)
    ids = torch.randint(1000, V, (a.batch, a.tokens))
    mask = torch.ones(a.batch, a.tokens)
    labels = torch.arange(a.batch) % 2
    models = [(s.strip(), Model(Method(s.strip()))) for s in a.methods.split(";")]

    def step(model):
        model.zero_grad(set_to_none=True)
        model(ids, mask, labels).backward()

    for _, m in models:  # warm-up
        for _ in range(2):
            step(m)
    best = [float("inf")] * len(models)
    for _ in range(3):  # methods take turns; best round per method
        for i, (_, m) in enumerate(models):
            t0 = time.perf_counter()
            for _ in range(a.reps):
                step(m)
            best[i] = min(best[i], (time.perf_counter() - t0) / a.reps)
    out = {
        "side": "torch", "torch": torch.__version__, "threads": a.threads, "batch": a.batch, "tokens": a.tokens,
        "reps": a.reps,
        "methods": [{"method": s, "s_per_step": t} for (s, _), t in zip(models, best)],
        "peak_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0,
        "gemm_gflops": gemm_floor(a.batch * a.tokens),
    }
    print(json.dumps(out))


if __name__ == "__main__":
    main()
