"""Generates the PyTorch reference values pasted into PyTorchReferenceTests.cs.

Run: OPENBLAS_NUM_THREADS=2 /usr/bin/python3 tests/Peft.Runtime.Tests/Optimizers/pytorch_reference.py
Inputs are exact dyadic numbers so C# and Python start from bit-identical values:
  p0[i]   = ((37 i) mod 17 - 8) / 8
  g_t[i]  = ((13 i + 7 t) mod 11 - 5) / 4          (t = 0, 1, 2: three steps)
"""
import torch

torch.set_num_threads(1)
N, STEPS = 37, 3


def initial(dtype):
    return torch.tensor([((37 * i) % 17 - 8) / 8 for i in range(N)], dtype=dtype)


def gradient(t, dtype):
    return torch.tensor([((13 * i + 7 * t) % 11 - 5) / 4 for i in range(N)], dtype=dtype)


def run(make_optimizer, dtype):
    p = torch.nn.Parameter(initial(dtype))
    opt = make_optimizer([p])
    for t in range(STEPS):
        p.grad = gradient(t, dtype)
        opt.step()
    return p.detach()


def emit(name, values, suffix):
    body = ", ".join(repr(float(v)) + suffix for v in values)
    print(f"    private static readonly {'float' if suffix == 'f' else 'double'}[] {name} = [{body}];")


cases = {
    "AdamW": lambda ps: torch.optim.AdamW(ps, lr=0.01, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.1),
    # β1 = 0.3 makes torch.lerp take its other branch (weight 0.7 ≥ 0.5).
    "AdamWLowBeta1": lambda ps: torch.optim.AdamW(ps, lr=0.02, betas=(0.3, 0.99), eps=1e-6, weight_decay=0.0),
    "SgdMomentum": lambda ps: torch.optim.SGD(ps, lr=0.05, momentum=0.9, weight_decay=0.01),
    "SgdNesterov": lambda ps: torch.optim.SGD(ps, lr=0.05, momentum=0.9, nesterov=True),
}
for name, make in cases.items():
    emit(name + "Double", run(make, torch.float64).tolist(), "")
    emit(name + "Float", run(make, torch.float32).tolist(), "f")
