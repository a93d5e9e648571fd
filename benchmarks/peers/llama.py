"""Peer of `Peft.Benchmarks llama`: a Llama decoder with LoRA on q_proj and v_proj in plain PyTorch.

transformers and PEFT cannot be installed on the development machines, so the model is written here
the way transformers' modeling_llama.py computes it (RMSNorm in float32, rotate-half rotary embeddings,
grouped-query attention in eager mode: softmax(q·kᵀ/√d + causal mask)·v, SiLU-gated MLP) with LoRA as
PEFT's lora.Linear (y = W0·x + s·B(A(dropout(x))), dropout 0 here).

Run: OPENBLAS_NUM_THREADS=2 /usr/bin/python3 benchmarks/peers/llama.py [--threads 1] [--steps 10]
Prints `llama-forward TOKENS_PER_S` (no-grad forward of the batch), `llama-train MS` (forward, loss,
backward, AdamW step on the adapters, zero_grad) as medians, and `llama-peak-rss MB`.
"""
import argparse
import math
import resource
import statistics
import time

import torch
from torch import nn
import torch.nn.functional as F


class LoRALinear(nn.Module):
    def __init__(self, base, r, alpha):
        super().__init__()
        self.base = base
        self.lora_A = nn.Linear(base.in_features, r, bias=False)
        self.lora_B = nn.Linear(r, base.out_features, bias=False)
        nn.init.kaiming_uniform_(self.lora_A.weight, a=math.sqrt(5))
        nn.init.zeros_(self.lora_B.weight)
        self.scaling = alpha / r

    def forward(self, x):
        return self.base(x) + self.lora_B(self.lora_A(x)) * self.scaling


class RMSNorm(nn.Module):
    def __init__(self, dim, eps):
        super().__init__()
        self.weight = nn.Parameter(torch.ones(dim))
        self.eps = eps

    def forward(self, x):
        variance = x.pow(2).mean(-1, keepdim=True)
        return self.weight * (x * torch.rsqrt(variance + self.eps))


def rotate_half(x):
    half = x.shape[-1] // 2
    return torch.cat((-x[..., half:], x[..., :half]), dim=-1)


class Attention(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.heads, self.kv_heads, self.head_dim = c.heads, c.kv_heads, c.hidden // c.heads
        self.q_proj = nn.Linear(c.hidden, self.heads * self.head_dim, bias=False)
        self.k_proj = nn.Linear(c.hidden, self.kv_heads * self.head_dim, bias=False)
        self.v_proj = nn.Linear(c.hidden, self.kv_heads * self.head_dim, bias=False)
        self.o_proj = nn.Linear(self.heads * self.head_dim, c.hidden, bias=False)

    def forward(self, x, cos, sin, mask):
        b, s, _ = x.shape
        q = self.q_proj(x).view(b, s, self.heads, self.head_dim).transpose(1, 2)
        k = self.k_proj(x).view(b, s, self.kv_heads, self.head_dim).transpose(1, 2)
        v = self.v_proj(x).view(b, s, self.kv_heads, self.head_dim).transpose(1, 2)
        q = q * cos + rotate_half(q) * sin
        k = k * cos + rotate_half(k) * sin
        groups = self.heads // self.kv_heads
        if groups > 1:
            k = k.repeat_interleave(groups, dim=1)
            v = v.repeat_interleave(groups, dim=1)
        scores = torch.matmul(q, k.transpose(2, 3)) / math.sqrt(self.head_dim) + mask
        probs = F.softmax(scores, dim=-1, dtype=torch.float32).to(q.dtype)
        out = torch.matmul(probs, v).transpose(1, 2).reshape(b, s, -1)
        return self.o_proj(out)


class MLP(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.gate_proj = nn.Linear(c.hidden, c.intermediate, bias=False)
        self.up_proj = nn.Linear(c.hidden, c.intermediate, bias=False)
        self.down_proj = nn.Linear(c.intermediate, c.hidden, bias=False)

    def forward(self, x):
        return self.down_proj(F.silu(self.gate_proj(x)) * self.up_proj(x))


class DecoderLayer(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.input_layernorm = RMSNorm(c.hidden, c.eps)
        self.self_attn = Attention(c)
        self.post_attention_layernorm = RMSNorm(c.hidden, c.eps)
        self.mlp = MLP(c)

    def forward(self, x, cos, sin, mask):
        x = x + self.self_attn(self.input_layernorm(x), cos, sin, mask)
        return x + self.mlp(self.post_attention_layernorm(x))


class Llama(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.embed_tokens = nn.Embedding(c.vocab, c.hidden)
        self.layers = nn.ModuleList(DecoderLayer(c) for _ in range(c.layers))
        self.norm = RMSNorm(c.hidden, c.eps)
        self.lm_head = nn.Linear(c.hidden, c.vocab, bias=False)
        head_dim = c.hidden // c.heads
        inv_freq = 1.0 / (c.theta ** (torch.arange(0, head_dim, 2, dtype=torch.float32) / head_dim))
        freqs = torch.outer(torch.arange(c.seq, dtype=torch.float32), inv_freq)
        emb = torch.cat((freqs, freqs), dim=-1)
        self.register_buffer("cos", emb.cos()[None, None], persistent=False)
        self.register_buffer("sin", emb.sin()[None, None], persistent=False)
        self.register_buffer("mask", torch.full((c.seq, c.seq), float("-inf")).triu(1)[None, None], persistent=False)

    def forward(self, ids):
        x = self.embed_tokens(ids)
        for layer in self.layers:
            x = layer(x, self.cos, self.sin, self.mask)
        return self.lm_head(self.norm(x))


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--threads", type=int, default=1, help="torch intra-op threads; OpenBLAS takes OPENBLAS_NUM_THREADS")
    p.add_argument("--steps", type=int, default=10)
    p.add_argument("--hidden", type=int, default=512)
    p.add_argument("--intermediate", type=int, default=1376)
    p.add_argument("--layers", type=int, default=8)
    p.add_argument("--heads", type=int, default=8)
    p.add_argument("--kv-heads", type=int, default=8)
    p.add_argument("--vocab", type=int, default=4096)
    p.add_argument("--seq", type=int, default=128)
    p.add_argument("--batch", type=int, default=4)
    p.add_argument("--rank", type=int, default=8)
    p.add_argument("--alpha", type=float, default=16)
    c = p.parse_args()
    c.kv_heads, c.eps, c.theta = c.kv_heads, 1e-6, 10000.0
    torch.set_num_threads(c.threads)
    torch.manual_seed(0)
    model = Llama(c)
    model.requires_grad_(False)
    for layer in model.layers:
        layer.self_attn.q_proj = LoRALinear(layer.self_attn.q_proj, c.rank, c.alpha)
        layer.self_attn.v_proj = LoRALinear(layer.self_attn.v_proj, c.rank, c.alpha)
    trainable = [q for q in model.parameters() if q.requires_grad]
    optimizer = torch.optim.AdamW(trainable, lr=1e-4, weight_decay=0.0)
    ids = torch.randint(0, c.vocab, (c.batch, c.seq))
    tokens = c.batch * c.seq
    print(f"# torch {torch.__version__}, threads {torch.get_num_threads()}, trainable {sum(q.numel() for q in trainable)}")

    def forward():
        with torch.no_grad():
            model(ids)

    def train():
        logits = model(ids)
        loss = F.cross_entropy(logits[:, :-1].reshape(-1, c.vocab), ids[:, 1:].reshape(-1))
        loss.backward()
        optimizer.step()
        optimizer.zero_grad(set_to_none=True)

    for run, name in ((forward, "forward"), (train, "train")):
        for _ in range(2):
            run()
        times = []
        for _ in range(c.steps):
            start = time.perf_counter()
            run()
            times.append(time.perf_counter() - start)
        median = statistics.median(times)
        if name == "forward":
            print(f"llama-forward {tokens / median:.0f}")
        else:
            print(f"llama-train {median * 1000:.1f}")
    print(f"llama-peak-rss {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f}")


if __name__ == "__main__":
    main()
