#!/usr/bin/env python3
"""DoRA reference numbers for Peft.Runtime.Tests, from our own plain-PyTorch reference (not PEFT itself).

PEFT could not be installed on the development machine, so this script restates, in plain torch with autograd,
what PEFT 0.21 computes for a Linear layer with LoraConfig(use_dora=True) (src/peft/tuners/lora/dora.py
DoraLinearLayer.forward and variants.py DoraLinearVariant, read from PEFT's source):

    lora_weight = B @ A
    weight_norm = ||W0 + s * lora_weight||_2 over dim 1 (one norm per output row), then .detach()
    f = magnitude / weight_norm
    y = W0 x + b + (f - 1) * (W0 x) + f * s * B A x          (eval mode or no dropout: base_result = result - bias)

merge (DoraLinearVariant.merge_safe): W = f * (W0 + s B A) with weight_norm of W0 + s B A.
The adapter folder is written as PEFT's save_pretrained lays it out: adapter_config.json with use_dora true,
adapter_model.safetensors with base_model.model.proj.lora_A.weight [r, in], lora_B.weight [out, r] and
base_model.model.proj.lora_magnitude_vector [out] (no ".weight": LoraModel._get_adapter_state_dict strips it).

Run: /usr/bin/python3 tests/Peft.Runtime.Tests/Conformance/Fixtures/make_dora_fixture.py   (writes next to this file)
"""
import json
import os

import torch

from fixture_io import write_safetensors

HERE = os.path.dirname(os.path.abspath(__file__))
IN, OUT, RANK, ALPHA, BATCH = 6, 5, 2, 3.0, 3
SCALE = ALPHA / RANK


torch.manual_seed(2024)
w0 = torch.randn(OUT, IN, dtype=torch.float64)
bias = torch.randn(OUT, dtype=torch.float64)
# The adapter as PEFT stores it (float32), used in float64 from here on.
a = torch.randn(RANK, IN).double().float().double()
b = (0.5 * torch.randn(OUT, RANK)).float().double()
magnitude = (torch.linalg.norm(w0 + SCALE * b @ a, dim=1) * (1 + 0.3 * torch.randn(OUT, dtype=torch.float64))).float().double()
x = torch.randn(BATCH, IN, dtype=torch.float64)
dy = torch.randn(BATCH, OUT, dtype=torch.float64)

params = {name: t.clone().requires_grad_(True) for name, t in
          {"w0": w0, "bias": bias, "a": a, "b": b, "magnitude": magnitude, "x": x}.items()}
p = params
lora_weight = p["b"] @ p["a"]
weight_norm = torch.linalg.norm(p["w0"] + SCALE * lora_weight.detach(), dim=1).detach()
f = (p["magnitude"] / weight_norm).view(1, -1)
result = p["x"] @ p["w0"].T + p["bias"]
base_result = result - p["bias"]
y = result + (f - 1) * base_result + f * ((p["x"] @ p["a"].T) @ p["b"].T) * SCALE
y.backward(dy)

with torch.no_grad():
    delta = SCALE * b @ a
    merged = (magnitude / torch.linalg.norm(w0 + delta, dim=1)).view(-1, 1) * (w0 + delta)

write_safetensors(os.path.join(HERE, "dora_reference.safetensors"), {
    "w0": w0, "bias": bias, "x": x, "dy": dy,
    "y": y.detach(), "dx": p["x"].grad, "dw0": p["w0"].grad, "dbias": p["bias"].grad,
    "da": p["a"].grad, "db": p["b"].grad, "dmagnitude": p["magnitude"].grad, "merged": merged,
})

folder = os.path.join(HERE, "dora")
os.makedirs(folder, exist_ok=True)
write_safetensors(os.path.join(folder, "adapter_model.safetensors"), {
    "base_model.model.proj.lora_A.weight": a.float(),
    "base_model.model.proj.lora_B.weight": b.float(),
    "base_model.model.proj.lora_magnitude_vector": magnitude.float(),
})
config = {
    "alpha_pattern": {}, "base_model_name_or_path": None, "bias": "none", "fan_in_fan_out": False,
    "inference_mode": True, "init_lora_weights": True, "lora_alpha": ALPHA, "lora_dropout": 0.0,
    "modules_to_save": None, "peft_type": "LORA", "r": RANK, "rank_pattern": {}, "revision": None,
    "target_modules": ["proj"], "task_type": None, "use_dora": True, "use_rslora": False,
}
with open(os.path.join(folder, "adapter_config.json"), "w") as f:
    json.dump(config, f, indent=2, sort_keys=True)
    f.write("\n")
print("wrote", HERE)
