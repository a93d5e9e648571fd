#!/usr/bin/env python3
"""IA³ reference numbers for Peft.Runtime.Tests, from our own plain-PyTorch restatement of PEFT (not PEFT itself).

PEFT could not be installed on the development machine, so this script restates what PEFT 0.21 computes for IA³ on a
Linear layer (src/peft/tuners/ia3/layer.py Linear.forward / merge, model.py _check_target_module_feedforward):

    not feed-forward: ia3_l [out, 1];  y = (W0 x + b) * l;     merge: W <- W * l (rows), b <- b * l
    feed-forward:     ia3_l [1, in];   y = W0 (x * l) + b;     merge: W <- W * l (columns), bias unchanged
    a module is feed-forward when its path ends with an entry of feedforward_modules (a list)

The adapter folder is laid out as PEFT's save_pretrained writes it: adapter_config.json (IA3Config's fields, sorted) and
adapter_model.safetensors with base_model.model.<path>.ia3_l.

Run: /usr/bin/python3 tests/Peft.Runtime.Tests/Conformance/Fixtures/make_ia3_fixture.py   (writes next to this file)
"""
import json
import os

import torch

from fixture_io import write_safetensors

HERE = os.path.dirname(os.path.abspath(__file__))
BATCH = 3
LAYERS = {"attn.k_proj": (6, 5, False), "mlp.w1": (5, 7, True)}  # path: (in, out, feed-forward)

torch.manual_seed(2026)
reference, adapter = {}, {}
for path, (n_in, n_out, feedforward) in LAYERS.items():
    w0 = torch.randn(n_out, n_in, dtype=torch.float64)
    bias = torch.randn(n_out, dtype=torch.float64)
    l = (1 + 0.5 * torch.randn((1, n_in) if feedforward else (n_out, 1))).float().double()
    x = torch.randn(BATCH, n_in, dtype=torch.float64)
    dy = torch.randn(BATCH, n_out, dtype=torch.float64)
    p = {name: t.clone().requires_grad_(True) for name, t in {"l": l, "x": x, "w0": w0, "bias": bias}.items()}
    scaling = p["l"].flatten()
    y = (p["x"] * scaling) @ p["w0"].T + p["bias"] if feedforward else (p["x"] @ p["w0"].T + p["bias"]) * scaling
    y.backward(dy)
    with torch.no_grad():
        merged = w0 * l  # [out, in] * [1, in] (columns) or [out, 1] (rows)
        merged_bias = bias if feedforward else bias * l.flatten()
    for name, value in {"w0": w0, "bias": bias, "l": l, "x": x, "dy": dy, "y": y.detach(), "dx": p["x"].grad, "dl": p["l"].grad,
                        "dw0": p["w0"].grad, "dbias": p["bias"].grad, "merged": merged, "merged_bias": merged_bias}.items():
        reference[f"{path}.{name}"] = value
    adapter[f"base_model.model.{path}.ia3_l"] = l.float()

write_safetensors(os.path.join(HERE, "ia3_reference.safetensors"), reference)
folder = os.path.join(HERE, "ia3")
os.makedirs(folder, exist_ok=True)
write_safetensors(os.path.join(folder, "adapter_model.safetensors"), adapter)
config = {
    "base_model_name_or_path": None, "exclude_modules": None, "fan_in_fan_out": False, "feedforward_modules": ["w1"],
    "inference_mode": True, "init_ia3_weights": True, "modules_to_save": None, "peft_type": "IA3", "revision": None,
    "target_modules": ["k_proj", "w1"], "task_type": None,
}
with open(os.path.join(folder, "adapter_config.json"), "w") as f:
    json.dump(config, f, indent=2, sort_keys=True)
    f.write("\n")
print("wrote", HERE)
