#!/usr/bin/env python3
"""AdaLoRA reference numbers for Peft.Runtime.Tests, from our own plain-PyTorch restatement (not PEFT itself).

PEFT could not be installed on the development machine, so this script restates in plain torch (double precision)
what PEFT computes for AdaLoRA (src/peft/tuners/adalora/layer.py SVDLinear and RankAllocator, model.py
AdaLoraModel.forward and update_and_allocate, read from PEFT's source):

    y = W0 x + b + (x @ (A * E).T @ B.T) * scaling / (ranknum + 1e-5)       scaling = lora_alpha, ranknum = init_r
    loss += orth_reg_weight * mean over every A and B of ||P P^T - I||_F    (B's covariance is B^T B)
    after the optimizer step: update_and_allocate(step)
        step <  T - tfinal: ipt = |p * grad|, exp_avg_ipt = b1 * exp_avg_ipt + (1 - b1) * ipt,
                            exp_avg_unc = b2 * exp_avg_unc + (1 - b2) * |ipt - exp_avg_ipt|;
                            budget_schedule(step), mask_to_budget when it says so
        step == T - tfinal: mask_to_budget(target budget), reset the EMAs
        step >  T - tfinal: mask E with the final rank pattern
    mask_to_budget: triplet score = s_E + mean_i s_A[k, i] + mean_o s_B[o, k], s = exp_avg_ipt * exp_avg_unc;
                    threshold = kthvalue(all scores, init_bgt - budget); E[k] = 0 where score <= threshold.

Two layers ("first" 6 -> 5, "second" 6 -> 4), init_r 4, target_r 2, tinit 1, tfinal 2, total_step 8, deltaT 1, betas 0.85,
orth_reg_weight 0.5, lora_alpha 8; loss = sum(w1 * y1) + sum(w2 * y2) + regularizer; plain SGD (lr 0.02) on A, E, B;
ten steps (0..9) so that every phase of the schedule runs. Written: initial weights, per-step inputs and loss weights,
and per step the regularizer, the budget, E after the allocation and the triplet scores of the latest mask.

Run: /usr/bin/python3 tests/Peft.Runtime.Tests/Conformance/Fixtures/make_adalora_fixture.py   (writes next to this file)
"""
import json
import os

import torch

from fixture_io import write_safetensors

HERE = os.path.dirname(os.path.abspath(__file__))
IN, OUTS, R, TARGET, TINIT, TFINAL, TOTAL, DELTA_T = 6, {"first": 5, "second": 4}, 4, 2, 1, 2, 8, 1
BETA1, BETA2, ORTH, ALPHA, LR, BATCH, STEPS = 0.85, 0.85, 0.5, 8.0, 0.02, 3, 10
SCALE = ALPHA / (R + 1e-5)
dt = torch.float64

torch.manual_seed(7)
layers = {}
for name, out in OUTS.items():
    layers[name] = {
        "weight": torch.randn(out, IN, dtype=dt), "bias": torch.randn(out, dtype=dt),
        "lora_A": (0.3 * torch.randn(R, IN, dtype=dt)).requires_grad_(), "lora_B": (0.3 * torch.randn(out, R, dtype=dt)).requires_grad_(),
        "lora_E": (0.3 * torch.randn(R, 1, dtype=dt)).requires_grad_(),
    }
initial = {f"{n}.{k}": v.detach().clone() for n, l in layers.items() for k, v in l.items()}
xs = torch.randn(STEPS, BATCH, IN, dtype=dt)
ws = {n: torch.randn(STEPS, BATCH, out, dtype=dt) for n, out in OUTS.items()}

params = [(f"{n}.{k}", l[k]) for n, l in layers.items() for k in ("lora_A", "lora_B", "lora_E")]
ema_ipt, ema_unc = {}, {}
init_bgt, target_bgt = R * len(OUTS), TARGET * len(OUTS)
rank_pattern = None
out = {}


def budget_schedule(step):
    if step <= TINIT:
        return init_bgt, False
    if step > TOTAL - TFINAL:
        return target_bgt, True
    mul = 1 - (step - TINIT) / (TOTAL - TFINAL - TINIT)
    return int((init_bgt - target_bgt) * (mul ** 3) + target_bgt), step % DELTA_T == 0


def update_ipt():
    for key, p in params:
        ipt = (p * p.grad).abs().detach()
        ema_ipt[key] = BETA1 * ema_ipt.get(key, torch.zeros_like(p)) + (1 - BETA1) * ipt
        ema_unc[key] = BETA2 * ema_unc.get(key, torch.zeros_like(p)) + (1 - BETA2) * (ipt - ema_ipt[key]).abs()


def mask_to_budget(budget, step):
    scores = {}
    for n in layers:
        s = lambda k: ema_ipt[f"{n}.{k}"] * ema_unc[f"{n}.{k}"]
        scores[n] = s("lora_E").view(-1) + (s("lora_A").mean(dim=1) + s("lora_B").mean(dim=0))
    threshold = torch.kthvalue(torch.cat([scores[n] for n in layers]), k=init_bgt - budget)[0].item()
    pattern = {}
    with torch.no_grad():
        for n, l in layers.items():
            l["lora_E"].masked_fill_((scores[n] <= threshold).view(-1, 1), 0.0)
            pattern[n] = scores[n] > threshold
            out[f"step{step}.{n}.scores"] = scores[n].clone()
    return pattern


for step in range(STEPS):
    loss = torch.zeros((), dtype=dt)
    for n, l in layers.items():
        y = xs[step] @ l["weight"].T + l["bias"] + (xs[step] @ (l["lora_A"] * l["lora_E"]).T @ l["lora_B"].T) * SCALE
        loss = loss + (ws[n][step] * y).sum()
    reg = 0
    for n, l in layers.items():
        reg = reg + torch.norm(l["lora_A"] @ l["lora_A"].T - torch.eye(R, dtype=dt), p="fro")
        reg = reg + torch.norm(l["lora_B"].T @ l["lora_B"] - torch.eye(R, dtype=dt), p="fro")
    reg = ORTH * reg / (2 * len(layers))
    (loss + reg).backward()
    out[f"step{step}.regularizer"] = reg.detach().view(1)
    with torch.no_grad():
        for _, p in params:
            p -= LR * p.grad
    budget = None
    if step < TOTAL - TFINAL:
        update_ipt()
        budget, mask = budget_schedule(step)
        if mask:
            rank_pattern = mask_to_budget(budget, step)
    elif step == TOTAL - TFINAL:
        budget, _ = budget_schedule(step)
        rank_pattern = mask_to_budget(budget, step)
        ema_ipt.clear()
        ema_unc.clear()
    else:
        budget = target_bgt
        with torch.no_grad():
            for n, l in layers.items():
                l["lora_E"].masked_fill_(~rank_pattern[n].view(-1, 1), 0.0)
    out[f"step{step}.budget"] = torch.tensor([float(budget)], dtype=dt)
    for n, l in layers.items():
        out[f"step{step}.{n}.lora_E"] = l["lora_E"].detach().clone()
    for _, p in params:
        p.grad = None

for n in layers:
    out[f"final.{n}.kept"] = rank_pattern[n].to(dt)
    for k in ("lora_A", "lora_B", "lora_E"):
        out[f"final.{n}.{k}"] = layers[n][k].detach().clone()
out.update({f"initial.{k}": v for k, v in initial.items()})
out["x"] = xs
out.update({f"w.{n}": v for n, v in ws.items()})
# The adapter folder as PEFT's save_pretrained lays it out after this training: rank_pattern keyed "<module>.lora_E"
# (adapter name stripped), the ParameterDict tensors cut to the kept triplets (resize_state_dict_by_rank_pattern), no
# ranknum; and what a resized module computes (ranknum stays init_r): outputs for a test input and the merged weights.
folder = os.path.join(HERE, "adalora")
os.makedirs(folder, exist_ok=True)
tensors = {}
probe = torch.randn(BATCH, IN, dtype=dt)
out["probe.x"] = probe
for n, l in layers.items():
    kept = rank_pattern[n]
    a, e, b = l["lora_A"].detach()[kept], l["lora_E"].detach()[kept], l["lora_B"].detach()[:, kept]
    tensors[f"base_model.model.{n}.lora_A"] = a
    tensors[f"base_model.model.{n}.lora_E"] = e
    tensors[f"base_model.model.{n}.lora_B"] = b
    delta = b @ (a * e) * ALPHA / (R + 1e-5)
    out[f"probe.{n}.y"] = probe @ (l["weight"] + delta).T + l["bias"]
    out[f"merged.{n}.weight"] = l["weight"] + delta
write_safetensors(os.path.join(folder, "adapter_model.safetensors"), tensors)
config = {
    "alpha_pattern": {}, "auto_mapping": None, "base_model_name_or_path": None, "beta1": BETA1, "beta2": BETA2, "bias": "none",
    "corda_config": None, "deltaT": DELTA_T, "eva_config": None, "exclude_modules": None, "fan_in_fan_out": False,
    "inference_mode": True, "init_lora_weights": True, "init_r": R, "layer_replication": None, "layers_pattern": None,
    "layers_to_transform": None, "loftq_config": {}, "lora_alpha": ALPHA, "lora_bias": False, "lora_dropout": 0.0,
    "megatron_config": None, "megatron_core": "megatron.core", "modules_to_save": None, "orth_reg_weight": ORTH,
    "peft_type": "ADALORA", "r": 8, "rank_pattern": {f"{n}.lora_E": rank_pattern[n].tolist() for n in layers},
    "revision": None, "target_modules": sorted(OUTS), "target_r": TARGET, "task_type": None, "tfinal": TFINAL, "tinit": TINIT,
    "total_step": TOTAL, "trainable_token_indices": None, "use_dora": False, "use_rslora": False,
}
with open(os.path.join(folder, "adapter_config.json"), "w") as f:
    json.dump(config, f, indent=2, sort_keys=True)
write_safetensors(os.path.join(HERE, "adalora_reference.safetensors"), out)
print({n: rank_pattern[n].tolist() for n in layers})
