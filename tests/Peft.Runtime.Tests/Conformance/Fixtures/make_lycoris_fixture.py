#!/usr/bin/env python3
"""LoHa and LoKr reference numbers for Peft.Runtime.Tests, from our own plain-PyTorch restatement of PEFT (not PEFT itself).

PEFT cannot be installed on the development machine; this script restates, in plain torch with autograd, what PEFT
0.21 computes for a Linear layer (src/peft/tuners/loha/layer.py and src/peft/tuners/lokr/layer.py, read from PEFT's
source; facts only):

LoHa (LoHaConfig):  delta = s * (hada_w1_a @ hada_w1_b) * (hada_w2_a @ hada_w2_b),  s = alpha / r,
                    hada_w1_a, hada_w2_a [out, r], hada_w1_b, hada_w2_b [r, in]; y = W0 x + b + delta x.
                    (PEFT's HadaWeight.backward is the exact gradient of this product, which autograd reproduces.)
LoKr (LoKrConfig):  (in_m, in_n) = factorization(in, decompose_factor), (out_l, out_k) = factorization(out, ...),
                    W1 [out_l, in_m] = lokr_w1, or lokr_w1_a [out_l, r] @ lokr_w1_b [r, in_m] when
                    decompose_both and r < max(out_l, in_m) / 2; W2 [out_k, in_n] = lokr_w2, or
                    lokr_w2_a [out_k, r] @ lokr_w2_b [r, in_n] when r < max(out_k, in_n) / 2;
                    delta = s * kron(W1, W2), s = alpha / r.
merge: W = W0 + delta. The adapter folders are laid out as PEFT's save_pretrained writes them: adapter_config.json
(every LycorisConfig field, keys sorted) and adapter_model.safetensors with keys base_model.model.proj.<name>
(nn.ParameterDict entries: no ".weight").

Run: /usr/bin/python3 tests/Peft.Runtime.Tests/Conformance/Fixtures/make_lycoris_fixture.py   (writes next to this file)
"""
import json
import os

import torch

from fixture_io import write_safetensors

HERE = os.path.dirname(os.path.abspath(__file__))
BATCH = 3


def factorization(dimension, factor=-1):
    """PEFT's factorization (lokr/layer.py), restated."""
    if factor > 0 and dimension % factor == 0:
        return factor, dimension // factor
    if factor == -1:
        factor = dimension
    m, n = 1, dimension
    length = m + n
    while m < n:
        new_m = m + 1
        while dimension % new_m != 0:
            new_m += 1
        new_n = dimension // new_m
        if new_m + new_n > length or new_m > factor:
            break
        m, n = new_m, new_n
    if m > n:
        n, m = m, n
    return m, n


def stored(*shape, scale=0.5):
    """An adapter tensor as PEFT stores it (float32), used in float64 from here on."""
    return (scale * torch.randn(*shape)).float().double()


def config(peft_type, r, alpha, extra):
    """PEFT 0.21's LoHaConfig / LoKrConfig as save_pretrained writes it (asdict, sort_keys)."""
    fields = {
        "alpha": alpha, "alpha_pattern": {}, "auto_mapping": None, "base_model_name_or_path": None,
        "exclude_modules": None, "inference_mode": True, "init_weights": True, "layers_pattern": None,
        "layers_to_transform": None, "module_dropout": 0.0, "modules_to_save": None, "peft_type": peft_type,
        "peft_version": "0.21.0", "r": r, "rank_dropout": 0.0, "rank_pattern": {}, "revision": None,
        "target_modules": ["proj"], "task_type": None, "use_effective_conv2d": False,
    }
    fields.update(extra)
    return fields


def write_case(name, in_f, out_f, adapter, delta_of, cfg):
    """Runs y = W0 x + b + delta x through autograd and writes <name>_reference.safetensors and the folder <name>/."""
    w0 = torch.randn(out_f, in_f, dtype=torch.float64)
    bias = torch.randn(out_f, dtype=torch.float64)
    x = torch.randn(BATCH, in_f, dtype=torch.float64)
    dy = torch.randn(BATCH, out_f, dtype=torch.float64)
    leaves = {key: t.clone().requires_grad_(True) for key, t in adapter.items()}
    xl = x.clone().requires_grad_(True)
    delta = delta_of(leaves)
    y = xl @ w0.T + bias + xl @ delta.T
    y.backward(dy)
    reference = {"w0": w0, "bias": bias, "x": x, "dy": dy, "y": y.detach(), "dx": xl.grad,
                 "merged": w0 + delta.detach()}
    reference.update({"d" + key: leaves[key].grad for key in adapter})
    write_safetensors(os.path.join(HERE, name + "_reference.safetensors"), reference)
    folder = os.path.join(HERE, name)
    os.makedirs(folder, exist_ok=True)
    write_safetensors(os.path.join(folder, "adapter_model.safetensors"),
                      {"base_model.model.proj." + key: t.float() for key, t in adapter.items()})
    with open(os.path.join(folder, "adapter_config.json"), "w") as f:
        json.dump(cfg, f, indent=2, sort_keys=True)
        f.write("\n")


def lokr_case(name, in_f, out_f, r, alpha, decompose_both, factor):
    (c, d), (a, b) = factorization(in_f, factor), factorization(out_f, factor)
    use_w1 = not (decompose_both and r < max(a, c) / 2)
    use_w2 = not (r < max(b, d) / 2)
    adapter = {}
    adapter.update({"lokr_w1": stored(a, c)} if use_w1 else {"lokr_w1_a": stored(a, r), "lokr_w1_b": stored(r, c)})
    adapter.update({"lokr_w2": stored(b, d)} if use_w2 else {"lokr_w2_a": stored(b, r), "lokr_w2_b": stored(r, d)})

    def delta(p):
        w1 = p["lokr_w1"] if use_w1 else p["lokr_w1_a"] @ p["lokr_w1_b"]
        w2 = p["lokr_w2"] if use_w2 else p["lokr_w2_a"] @ p["lokr_w2_b"]
        return torch.kron(w1, w2) * (alpha / r)

    print(name, "W1", (a, c), "whole" if use_w1 else "a@b", "W2", (b, d), "whole" if use_w2 else "a@b")
    write_case(name, in_f, out_f, adapter, delta, config("LOKR", r, alpha, {
        "decompose_both": decompose_both, "decompose_factor": factor, "rank_dropout_scale": False}))


torch.manual_seed(2025)
IN, OUT, R, ALPHA = 6, 5, 2, 3.0
write_case("loha", IN, OUT,
           {"hada_w1_a": stored(OUT, R), "hada_w1_b": stored(R, IN), "hada_w2_a": stored(OUT, R), "hada_w2_b": stored(R, IN)},
           lambda p: (ALPHA / R) * (p["hada_w1_a"] @ p["hada_w1_b"]) * (p["hada_w2_a"] @ p["hada_w2_b"]),
           config("LOHA", R, ALPHA, {}))

# 12 → 8 splits as W1 [2, 3] ⊗ W2 [4, 4]; rank 1 with decompose_both makes both factors products.
lokr_case("lokr", 12, 8, 1, 2.0, True, -1)
# decompose_factor 2: W1 [2, 2] ⊗ W2 [4, 6]; rank 4 keeps both whole.
lokr_case("lokr_factor", 12, 8, 4, 6.0, False, 2)
print("wrote", HERE)
