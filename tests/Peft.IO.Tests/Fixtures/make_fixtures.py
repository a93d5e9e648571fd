#!/usr/bin/env python3
"""Builds the PEFT compatibility fixtures of Peft.IO.Tests from the specifications.

Hugging Face PEFT and the `safetensors` package could not be installed where these fixtures were made
(no PyPI; Debian has neither), so this script does NOT run PEFT. It writes the files as PEFT would,
following the published formats:

* safetensors: u64 little-endian header length N, N bytes of compact JSON padded with spaces to a
  multiple of 8, tensors sorted by dtype alignment (descending) then name, contiguous data.
* PEFT LoRA adapters: adapter_config.json (PEFT field names, sorted keys, indent 2) and
  adapter_model.safetensors with keys base_model.model.<module>.lora_A.weight [r, in] and
  base_model.model.<module>.lora_B.weight [out, r]; scale alpha/r, or alpha/sqrt(r) with use_rslora;
  rank_pattern / alpha_pattern keys match the end of a module path.
* MoRA (official fork kongds/MoRA): use_mora true, mora_type 1 or 6; r_hat = int(sqrt((in+out)*r)+0.5);
  the square M is stored under both lora_A and lora_B; the delta is the fork's _apply_mora operator.

Expected merged weights and forward outputs are computed here in float64 with Debian's PyTorch.
Run: /usr/bin/python3 tests/Peft.IO.Tests/Fixtures/make_fixtures.py   (writes next to this file)
"""
import json
import math
import os
import struct

import torch

HERE = os.path.dirname(os.path.abspath(__file__))

DTYPES = {  # name -> (torch dtype, alignment rank in the reference Dtype enum, integer view for bytes)
    "F64": (torch.float64, 17, torch.int64),
    "F32": (torch.float32, 15, torch.int32),
    "BF16": (torch.bfloat16, 12, torch.int16),
    "F16": (torch.float16, 11, torch.int16),
}
TORCH_TO_NAME = {v[0]: k for k, v in DTYPES.items()}


def save_safetensors(path, tensors, metadata=None):
    """Writes a safetensors file as the reference writer lays it out."""
    items = sorted(tensors.items(), key=lambda kv: (-DTYPES[TORCH_TO_NAME[kv[1].dtype]][1], kv[0].encode()))
    header, blobs, offset = {}, [], 0
    if metadata:
        header["__metadata__"] = dict(sorted(metadata.items()))
    for name, tensor in items:
        dtype = TORCH_TO_NAME[tensor.dtype]
        raw = tensor.contiguous().view(DTYPES[dtype][2]).numpy().astype("<i%d" % tensor.element_size()).tobytes()
        header[name] = {"dtype": dtype, "shape": list(tensor.shape), "data_offsets": [offset, offset + len(raw)]}
        blobs.append(raw)
        offset += len(raw)
    text = json.dumps(header, separators=(",", ":"), ensure_ascii=False).encode()
    text += b" " * ((8 - len(text) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text)
        for blob in blobs:
            f.write(blob)


def peft_config(**fields):
    config = {
        "alpha_pattern": {}, "auto_mapping": None, "base_model_name_or_path": "peft-generators/tiny-fixture",
        "bias": "none", "fan_in_fan_out": False, "inference_mode": True, "init_lora_weights": True,
        "layers_pattern": None, "layers_to_transform": None, "loftq_config": {}, "lora_alpha": 8,
        "lora_dropout": 0.0, "megatron_config": None, "megatron_core": "megatron.core", "modules_to_save": None,
        "peft_type": "LORA", "r": 8, "rank_pattern": {}, "revision": None, "target_modules": [],
        "task_type": None, "use_dora": False, "use_rslora": False,
    }
    config.update(fields)
    return config


def write_adapter(folder, config, tensors):
    os.makedirs(folder, exist_ok=True)
    with open(os.path.join(folder, "adapter_config.json"), "w") as f:
        f.write(json.dumps(config, indent=2, sort_keys=True))
    save_safetensors(os.path.join(folder, "adapter_model.safetensors"), tensors, {"format": "pt"})


def pattern_value(pattern, path, default):
    import re
    for key, value in pattern.items():
        if re.match(r"(.*\.)?(%s)$" % key, path):
            return value
    return default


def mora_apply(x, m, in_f, out_f, r, mora_type):
    """The official fork's _apply_mora for types 1 and 6 on rows x [batch, in]."""
    if mora_type == 1:
        sum_inter = in_f // r
        if in_f % r != 0:
            x = torch.cat([x, x[..., : r - in_f % r]], dim=-1)
            sum_inter += 1
        in_x = x.view(*x.shape[:-1], sum_inter, r).sum(dim=-2)
    else:
        sum_inter = in_f // r
        rb1 = in_f // r if in_f % r == 0 else in_f // r + 1
        if in_f % r != 0:
            x = torch.cat([x, x[..., : r - in_f % r]], dim=-1)
            sum_inter += 1
        in_x = x.view(*x.shape[:-1], sum_inter, r)
        inv_freq = 1.0 / (10000 ** (torch.arange(0, r, 2, dtype=torch.float64) / r))
        freqs = torch.outer(torch.arange(rb1, dtype=torch.float64), inv_freq)
        emb = torch.cat((freqs, freqs), dim=-1)
        rh_in_x = torch.cat((-in_x[..., r // 2:], in_x[..., : r // 2]), dim=-1)
        in_x = in_x * emb.cos() + rh_in_x * emb.sin()
    out_x = in_x @ m.T
    if mora_type == 1:
        repeat = out_f // r + (1 if out_f % r else 0)
        out_x = torch.cat([out_x] * repeat, dim=-1)[..., :out_f]
    else:
        out_x = out_x.reshape(*x.shape[:-1], -1)[..., :out_f]
        if out_x.shape[-1] < out_f:
            repeat = out_f // out_x.shape[-1] + (1 if out_f % out_x.shape[-1] else 0)
            out_x = torch.cat([out_x] * repeat, dim=-1)[..., :out_f]
    return out_x


def main():
    torch.manual_seed(20240531)
    shapes = {"encoder.fc1": (6, 5), "encoder.fc2": (4, 6), "head": (3, 4)}
    base = {
        "encoder.fc1.weight": torch.randn(6, 5, dtype=torch.float64).float(),
        "encoder.fc1.bias": torch.randn(6, dtype=torch.float64).float(),
        "encoder.fc2.weight": torch.randn(4, 6, dtype=torch.float64).half(),
        "encoder.fc2.bias": torch.randn(4, dtype=torch.float64).float(),
        "head.weight": torch.randn(3, 4, dtype=torch.float64).bfloat16(),
        "head.bias": torch.randn(3, dtype=torch.float64).float(),
        "embed.weight": torch.randn(7, 5, dtype=torch.float64).float(),
    }
    save_safetensors(os.path.join(HERE, "base_model.safetensors"), base, {"format": "pt"})
    x = torch.randn(2, 5, dtype=torch.float64)

    def merged_file(name, deltas):
        merged = dict(base)
        for module, delta in deltas.items():
            key = module + ".weight"
            merged[key] = (base[key].double() + delta).to(base[key].dtype)
        save_safetensors(os.path.join(HERE, name), merged, {"format": "pt"})

    def fc1_io(name, delta):
        w = base["encoder.fc1.weight"].double()
        y = x @ (w + delta).T + base["encoder.fc1.bias"].double()
        save_safetensors(os.path.join(HERE, name), {"x": x, "y": y})

    # LoRA and rsLoRA (rsLoRA also exercises rank_pattern and alpha_pattern).
    for folder, r, alpha, rs, rank_pattern, alpha_pattern in [
        ("lora", 2, 4, False, {}, {}),
        ("rslora", 4, 8, True, {"head": 2}, {"fc2": 16}),
    ]:
        tensors, deltas = {}, {}
        for module, (out_f, in_f) in shapes.items():
            rank = pattern_value(rank_pattern, module, r)
            a = torch.randn(rank, in_f, dtype=torch.float64).float()
            b = torch.randn(out_f, rank, dtype=torch.float64).float()
            tensors["base_model.model.%s.lora_A.weight" % module] = a
            tensors["base_model.model.%s.lora_B.weight" % module] = b
            a_alpha = pattern_value(alpha_pattern, module, alpha)
            scale = a_alpha / math.sqrt(rank) if rs else a_alpha / rank
            deltas[module] = scale * (b.double() @ a.double())
        write_adapter(os.path.join(HERE, folder), peft_config(
            r=r, lora_alpha=alpha, use_rslora=rs, rank_pattern=rank_pattern, alpha_pattern=alpha_pattern,
            target_modules=sorted(m.split(".")[-1] for m in shapes), task_type="FEATURE_EXTRACTION"), tensors)
        merged_file("merged_%s.safetensors" % folder, deltas)
        fc1_io("io_%s.safetensors" % folder, deltas["encoder.fc1"])

    # MoRA, official fork format: type 1 (sharing) and type 6 (RoPE, r_hat even).
    for folder, mora_type, r, rank_pattern, targets in [
        ("mora1", 1, 1, {}, ["encoder.fc1", "encoder.fc2", "head"]),
        ("mora6", 6, 3, {"head": 2}, ["encoder.fc1", "head"]),
    ]:
        tensors, deltas = {}, {}
        for module in targets:
            out_f, in_f = shapes[module]
            rank = pattern_value(rank_pattern, module, r)
            r_hat = int(math.sqrt((in_f + out_f) * rank) + 0.5)
            assert mora_type == 1 or r_hat % 2 == 0, (module, r_hat)
            m = torch.randn(r_hat, r_hat, dtype=torch.float64).float()
            tensors["base_model.model.%s.lora_A.weight" % module] = m
            tensors["base_model.model.%s.lora_B.weight" % module] = m.clone()
            deltas[module] = mora_apply(torch.eye(in_f, dtype=torch.float64), m.double(), in_f, out_f, r_hat, mora_type).T
        write_adapter(os.path.join(HERE, folder), peft_config(
            r=r, lora_alpha=8, rank_pattern=rank_pattern, use_mora=True, mora_type=mora_type,
            target_modules=sorted(t.split(".")[-1] for t in targets), task_type="FEATURE_EXTRACTION"), tensors)
        merged_file("merged_%s.safetensors" % folder, deltas)
        fc1_io("io_%s.safetensors" % folder, deltas["encoder.fc1"])


if __name__ == "__main__":
    main()
