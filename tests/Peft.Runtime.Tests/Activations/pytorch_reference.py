"""Generates the PyTorch reference values pasted into PyTorchActivationTests.cs.

Run: OPENBLAS_NUM_THREADS=2 /usr/bin/python3 tests/Peft.Runtime.Tests/Activations/pytorch_reference.py
"""
import torch
import torch.nn.functional as F

torch.set_num_threads(1)
xs = [-7.5, -6.0, -5.9, -4.0, -3.0, -2.6, -2.5, -2.4999, -1.3, -0.5, -1e-3, 0.0, 1e-3, 0.1,
      0.5, 1.0, 1.7, 2.0, 2.4999, 2.5, 2.6, 3.0, 3.7, 4.0, 5.0, 5.9, 6.0, 6.5, 10.0]
x = torch.tensor(xs, dtype=torch.float64)


def emit(name, values):
    print(f"    private static readonly double[] {name} = [{', '.join(repr(float(v)) for v in values)}];")


emit("Inputs", xs)
emit("Erf", torch.erf(x).tolist())
emit("GeluExact", F.gelu(x).tolist())
emit("GeluTanh", F.gelu(x, approximate="tanh").tolist())
emit("Silu", F.silu(x).tolist())
