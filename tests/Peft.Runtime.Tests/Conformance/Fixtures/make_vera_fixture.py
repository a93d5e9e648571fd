#!/usr/bin/env python3
"""VeRA reference numbers for Peft.Runtime.Tests, from our own plain-PyTorch restatement of PEFT (not PEFT itself).

PEFT could not be installed on the development machine, so this script restates what PEFT 0.21 computes for VeRA
(src/peft/tuners/vera/model.py _init_vera_A_vera_B / _kaiming_init, layer.py Linear.forward / get_delta_weight,
read from PEFT's source):

    generator = torch.Generator(device="cpu").manual_seed(projection_prng_key)
    vera_A [r, in_max]  = uniform(-bound, bound) with bound = sqrt(3) * sqrt(2) / sqrt(in_max)   (float32, drawn first)
    vera_B [out_max, r] = uniform(-bound, bound) with bound = sqrt(3) * sqrt(2) / sqrt(r)        (same generator, after A)
    in_max / out_max: the largest in / out features over the targeted Linear layers
    y = W0 x + b + lambda_b * ((lambda_d * (x @ A[:, :in].T)) @ B[:out, :].T)
    delta W = (lambda_b[:, None] * B[:out, :]) @ (lambda_d[:, None] * A[:, :in])

The adapter folder is laid out as PEFT's save_pretrained writes it: adapter_config.json (VeraConfig's fields, sorted),
adapter_model.safetensors with base_model.model.<path>.vera_lambda_b [out], .vera_lambda_d [r] and, with save_projection,
base_model.vera_A [r, in_max] and base_model.vera_B [out_max, r].

Run: /usr/bin/python3 tests/Peft.Runtime.Tests/Conformance/Fixtures/make_vera_fixture.py   (writes next to this file)
"""
import json
import math
import os

import torch

from fixture_io import write_safetensors

HERE = os.path.dirname(os.path.abspath(__file__))
RANK, KEY, BATCH = 3, 7, 4
LAYERS = {"enc": (6, 5), "dec": (4, 9)}  # path: (in, out); in_max 6, out_max 9
IN_MAX = max(i for i, _ in LAYERS.values())
OUT_MAX = max(o for _, o in LAYERS.values())


def kaiming(shape, generator):
    fan = shape[1]
    bound = math.sqrt(3.0) * (math.sqrt(2) / math.sqrt(fan))
    return torch.empty(shape).uniform_(-bound, bound, generator=generator)


generator = torch.Generator(device="cpu").manual_seed(KEY)
vera_a = kaiming((RANK, IN_MAX), generator)
vera_b = kaiming((OUT_MAX, RANK), generator)
A, B = vera_a.double(), vera_b.double()

torch.manual_seed(2025)
reference = {"vera_A": vera_a, "vera_B": vera_b}
adapter = {"base_model.vera_A": vera_a, "base_model.vera_B": vera_b}
for path, (n_in, n_out) in LAYERS.items():
    w0 = torch.randn(n_out, n_in, dtype=torch.float64)
    bias = torch.randn(n_out, dtype=torch.float64)
    lambda_b = (0.5 * torch.randn(n_out)).double()
    lambda_d = (0.1 + 0.5 * torch.randn(RANK)).double()
    x = torch.randn(BATCH, n_in, dtype=torch.float64)
    dy = torch.randn(BATCH, n_out, dtype=torch.float64)
    p = {name: t.clone().requires_grad_(True) for name, t in {"lambda_b": lambda_b, "lambda_d": lambda_d, "x": x}.items()}
    sliced_a, sliced_b = A[:, :n_in], B[:n_out, :]
    y = p["x"] @ w0.T + bias + p["lambda_b"] * ((p["lambda_d"] * (p["x"] @ sliced_a.T)) @ sliced_b.T)
    y.backward(dy)
    with torch.no_grad():
        merged = w0 + (lambda_b[:, None] * sliced_b) @ (lambda_d[:, None] * sliced_a)
    for name, value in {"w0": w0, "bias": bias, "lambda_b": lambda_b, "lambda_d": lambda_d, "x": x, "dy": dy, "y": y.detach(),
                        "dx": p["x"].grad, "dlambda_b": p["lambda_b"].grad, "dlambda_d": p["lambda_d"].grad, "merged": merged}.items():
        reference[f"{path}.{name}"] = value
    adapter[f"base_model.model.{path}.vera_lambda_b"] = lambda_b.float()
    adapter[f"base_model.model.{path}.vera_lambda_d"] = lambda_d.float()

# The projections for other sizes and keys, to check the generator bit for bit.
for key, (r, n_in, n_out) in {0: (4, 13, 7), 123456: (8, 300, 17)}.items():
    g = torch.Generator(device="cpu").manual_seed(key)
    reference[f"key{key}.vera_A"] = kaiming((r, n_in), g)
    reference[f"key{key}.vera_B"] = kaiming((n_out, r), g)

write_safetensors(os.path.join(HERE, "vera_reference.safetensors"), reference)
folder = os.path.join(HERE, "vera")
os.makedirs(folder, exist_ok=True)
write_safetensors(os.path.join(folder, "adapter_model.safetensors"), adapter)
config = {
    "base_model_name_or_path": None, "bias": "none", "d_initial": 0.1, "fan_in_fan_out": False, "inference_mode": True,
    "init_weights": True, "layers_pattern": None, "layers_to_transform": None, "modules_to_save": None, "peft_type": "VERA",
    "projection_prng_key": KEY, "r": RANK, "revision": None, "save_projection": True, "target_modules": ["dec", "enc"],
    "task_type": None, "vera_dropout": 0.0,
}
with open(os.path.join(folder, "adapter_config.json"), "w") as f:
    json.dump(config, f, indent=2, sort_keys=True)
    f.write("\n")
print("wrote", HERE)
