"""GPU peer of `Peft.Benchmarks step --device gpu`: one training step of an adapted Linear with PyTorch + PEFT on CUDA.

Written for PyTorch 2.11 and PEFT 0.21 (the H200 machine). Run:
  python3 benchmarks/peers/gpu_step.py --adapter loraplus --shapes 512x1024x1024x8 [--dtype fp32|bf16|fp16] [--tf32]
Prints one line per shape, `N IN OUT R MS` (MS = median milliseconds of a step, synchronized), like the C# command.

A step is the same as benchmarks/peers/step.py and the C# `step`: forward of the adapted layer (frozen nn.Linear with
bias, input without gradient), y.backward(g) with a fixed upstream gradient g, AdamW update, zero_grad. LoRA and LoRA+
are PEFT's own LoRA layer (get_peft_model with LoraConfig(r, lora_alpha = 2r, dropout 0)); LoRA+ uses PEFT's
create_loraplus_optimizer (B at lr * 16). PEFT has no MoRA, so MoRA is the hand-written layer of step.py on the GPU.
TF32 is off unless --tf32 (the goal for 4096^3 compares fp32 with TF32 off).
"""
import argparse
import os
import statistics
import sys
import time

import torch
from torch import nn

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from step import MoRALinear, step  # noqa: E402  the CPU peer's hand-written MoRA and its step (forward, backward, update, zero_grad)


class Wrapped(nn.Module):
    """The module PEFT adapts: one Linear named `layer`."""

    def __init__(self, in_features, out_features):
        super().__init__()
        self.layer = nn.Linear(in_features, out_features)

    def forward(self, x):
        return self.layer(x)


def build(adapter, n, in_f, out_f, r, mora_type, dtype, device, lr=1e-4, ratio=16.0):
    if adapter == "mora":
        model = MoRALinear(in_f, out_f, r, mora_type).to(device=device, dtype=dtype)
        optimizer = torch.optim.AdamW([model.lora_A], lr=lr, weight_decay=0.0, eps=1e-8)
    else:
        from peft import LoraConfig, get_peft_model
        config = LoraConfig(r=r, lora_alpha=2 * r, lora_dropout=0.0, target_modules=["layer"], bias="none")
        model = get_peft_model(Wrapped(in_f, out_f), config).to(device=device, dtype=dtype)
        if adapter == "loraplus":
            from peft.optimizers import create_loraplus_optimizer
            optimizer = create_loraplus_optimizer(model=model, optimizer_cls=torch.optim.AdamW, lr=lr,
                                                  loraplus_lr_ratio=ratio, weight_decay=0.0, eps=1e-8)
        else:
            trainable = [p for p in model.parameters() if p.requires_grad]
            optimizer = torch.optim.AdamW(trainable, lr=lr, weight_decay=0.0, eps=1e-8)
    gen = torch.Generator().manual_seed(0)
    x = (torch.rand(n, in_f, generator=gen) * 2 - 1).to(device=device, dtype=dtype)
    g = (torch.rand(n, out_f, generator=gen) * 2 - 1).to(device=device, dtype=dtype)
    return model, optimizer, x, g


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--adapter", choices=["lora", "loraplus", "mora"], default="loraplus")
    parser.add_argument("--mora-type", choices=["sharing", "rope"], default="sharing")
    parser.add_argument("--shapes", default="512x1024x1024x8,4096x4096x4096x8")
    parser.add_argument("--dtype", choices=["fp32", "bf16", "fp16"], default="fp32")
    parser.add_argument("--tf32", action="store_true")
    parser.add_argument("--seconds", type=float, default=1.5)
    parser.add_argument("--device", default="cuda", help="cuda (the measurement) or cpu (a smoke test of the script)")
    args = parser.parse_args()
    device = torch.device(args.device)
    sync = torch.cuda.synchronize if device.type == "cuda" else (lambda: None)
    dtype = {"fp32": torch.float32, "bf16": torch.bfloat16, "fp16": torch.float16}[args.dtype]
    torch.backends.cuda.matmul.allow_tf32 = args.tf32
    torch.backends.cudnn.allow_tf32 = args.tf32
    try:
        import peft
        peft_version = peft.__version__
    except ImportError:
        peft_version = "missing"
    device_name = torch.cuda.get_device_name() if device.type == "cuda" else "cpu"
    print(f"# torch {torch.__version__} peft {peft_version} device '{device_name}' dtype {args.dtype}"
          f" tf32 {'on' if args.tf32 else 'off'} adapter {args.adapter}" + (f" type {args.mora_type}" if args.adapter == "mora" else ""))
    for shape in args.shapes.split(","):
        n, in_f, out_f, r = (int(v) for v in shape.split("x"))
        model, optimizer, x, g = build(args.adapter, n, in_f, out_f, r, args.mora_type, dtype, device)
        for _ in range(5):
            step(model, optimizer, x, g)
        sync()
        times = []
        start = time.perf_counter()
        while len(times) < 10 or (time.perf_counter() - start < args.seconds and len(times) < 500):
            t0 = time.perf_counter()
            step(model, optimizer, x, g)
            sync()
            times.append((time.perf_counter() - t0) * 1e3)
        print(f"{n} {in_f} {out_f} {r} {statistics.median(times):.3f}", flush=True)
        del model, optimizer, x, g
        if device.type == "cuda":
            torch.cuda.empty_cache()


if __name__ == "__main__":
    main()
