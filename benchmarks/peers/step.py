"""Peer of `Peft.Benchmarks step`: one training step of an adapted Linear in PyTorch.

Run: OPENBLAS_NUM_THREADS=2 /usr/bin/python3 benchmarks/peers/step.py --adapter loraplus --shapes 64x768x768x8
Prints one line per shape, `N IN OUT R MS` (MS = median milliseconds of a step), like the C# command.

A step: forward of the adapted layer (frozen base with bias, input without gradient), backward of
y with a fixed upstream gradient (the gradient of sum(y * g)), torch.optim.AdamW update (LoRA+
groups: A at lr, B at lr * ratio, as PEFT's create_loraplus_optimizer), zero_grad.
The adapters are hand-written like PEFT's LoRA layer and the official MoRA implementation.
"""
import argparse
import math
import statistics
import time

import torch
from torch import nn


class LoRALinear(nn.Module):
    """y = base(x) + s * B(A(x)), A [r, in] Kaiming-uniform(a = sqrt 5), B [out, r] zeros."""

    def __init__(self, in_features, out_features, r, alpha):
        super().__init__()
        self.base = nn.Linear(in_features, out_features)
        self.base.requires_grad_(False)
        self.lora_A = nn.Parameter(torch.empty(r, in_features))
        self.lora_B = nn.Parameter(torch.zeros(out_features, r))
        nn.init.kaiming_uniform_(self.lora_A, a=math.sqrt(5))
        self.scaling = alpha / r

    def forward(self, x):
        return self.base(x) + (x @ self.lora_A.t()) @ self.lora_B.t() * self.scaling


class MoRALinear(nn.Module):
    """y = base(x) + decompress(M compress(x)); r_hat = floor(sqrt((in + out) r) + 0.5), even for RoPE."""

    def __init__(self, in_features, out_features, r, mora_type):
        super().__init__()
        self.base = nn.Linear(in_features, out_features)
        self.base.requires_grad_(False)
        r_hat = int(math.sqrt((in_features + out_features) * r) + 0.5)
        if mora_type == "rope":
            r_hat = r_hat // 2 * 2
        self.r_hat, self.type = r_hat, mora_type
        self.in_features, self.out_features = in_features, out_features
        self.lora_A = nn.Parameter(torch.zeros(r_hat, r_hat))
        self.pad = (r_hat - in_features % r_hat) % r_hat
        self.chunks = (in_features + self.pad) // r_hat
        if mora_type == "rope":
            inv_freq = 1.0 / (10000 ** (torch.arange(0, r_hat, 2).float() / r_hat))
            freqs = torch.outer(torch.arange(self.chunks).float(), inv_freq)
            emb = torch.cat((freqs, freqs), dim=-1)
            self.register_buffer("cos", emb.cos().unsqueeze(0))
            self.register_buffer("sin", emb.sin().unsqueeze(0))

    def forward(self, x):
        r, out_f = self.r_hat, self.out_features
        xp = torch.cat([x, x[..., : self.pad]], dim=-1) if self.pad > 0 else x
        if self.type == "sharing":
            c = xp.view(x.shape[0], self.chunks, r).sum(dim=-2)
            h = c @ self.lora_A.t()
            repeat = (out_f + r - 1) // r
            delta = torch.cat([h] * repeat, dim=-1)[..., :out_f]
        else:
            v = xp.view(x.shape[0], self.chunks, r)
            rot = torch.cat((-v[..., r // 2:], v[..., : r // 2]), dim=-1)
            z = v * self.cos + rot * self.sin
            h = (z @ self.lora_A.t()).reshape(x.shape[0], -1)
            if h.shape[-1] < out_f:
                repeat = (out_f + h.shape[-1] - 1) // h.shape[-1]
                h = torch.cat([h] * repeat, dim=-1)
            delta = h[..., :out_f]
        return self.base(x) + delta


def build(adapter, n, in_f, out_f, r, mora_type, lr=1e-4, ratio=16.0):
    if adapter == "mora":
        layer = MoRALinear(in_f, out_f, r, mora_type)
        groups = [{"params": [layer.lora_A], "lr": lr}]
    else:
        layer = LoRALinear(in_f, out_f, r, alpha=2 * r)
        b_lr = lr * ratio if adapter == "loraplus" else lr
        groups = [{"params": [layer.lora_A], "lr": lr}, {"params": [layer.lora_B], "lr": b_lr}]
    optimizer = torch.optim.AdamW(groups, lr=lr, weight_decay=0.0)
    gen = torch.Generator().manual_seed(0)
    x = torch.rand(n, in_f, generator=gen) * 2 - 1
    g = torch.rand(n, out_f, generator=gen) * 2 - 1
    return layer, optimizer, x, g


def step(layer, optimizer, x, g):
    y = layer(x)
    y.backward(g)
    optimizer.step()
    optimizer.zero_grad(set_to_none=True)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--adapter", choices=["lora", "loraplus", "mora"], default="loraplus")
    parser.add_argument("--mora-type", choices=["sharing", "rope"], default="sharing")
    parser.add_argument("--shapes", default="64x768x768x8,512x1024x1024x8,256x2048x2048x16")
    parser.add_argument("--seconds", type=float, default=1.5)
    args = parser.parse_args()
    torch.set_num_threads(1)
    print(f"# torch {torch.__version__} threads {torch.get_num_threads()} adapter {args.adapter}"
          + (f" type {args.mora_type}" if args.adapter == "mora" else ""))
    for shape in args.shapes.split(","):
        n, in_f, out_f, r = (int(v) for v in shape.split("x"))
        layer, optimizer, x, g = build(args.adapter, n, in_f, out_f, r, args.mora_type)
        for _ in range(3):
            step(layer, optimizer, x, g)
        times = []
        start = time.perf_counter()
        while len(times) < 10 or (time.perf_counter() - start < args.seconds and len(times) < 500):
            t0 = time.perf_counter()
            step(layer, optimizer, x, g)
            times.append((time.perf_counter() - t0) * 1e3)
        print(f"{n} {in_f} {out_f} {r} {statistics.median(times):.3f}")


if __name__ == "__main__":
    main()
