#!/usr/bin/env python3
"""Peer for `Peft.Benchmarks safetensors`: open the same BF16 file with a plain json header parse and
numpy.memmap and convert every tensor to float32, two ways: PyTorch's bf16 -> float conversion and a
numpy bit shift (uint16 << 16 viewed as float32). Best of 5 each.
Run: OPENBLAS_NUM_THREADS=2 /usr/bin/python3 benchmarks/peers/safetensors_load.py [/tmp/peft-bench.safetensors]"""
import json
import struct
import sys
import time

import numpy as np
import torch

torch.set_num_threads(1)
path = sys.argv[1] if len(sys.argv) > 1 else "/tmp/peft-bench.safetensors"


def tensors():
    with open(path, "rb") as f:
        n = struct.unpack("<Q", f.read(8))[0]
        header = json.loads(f.read(n))
    data = np.memmap(path, dtype=np.uint8, mode="r", offset=8 + n)
    for name, info in header.items():
        if name != "__metadata__":
            begin, end = info["data_offsets"]
            yield info["shape"], np.frombuffer(data[begin:end], dtype=np.uint16)


def with_torch():
    return [torch.from_numpy(raw.view(np.int16).copy()).view(torch.bfloat16).reshape(shape).float() for shape, raw in tensors()]


def with_numpy():
    return [(raw.astype(np.uint32) << 16).view(np.float32).reshape(shape) for shape, raw in tensors()]


def best(load):
    times = []
    for _ in range(5):
        start = time.perf_counter()
        load()
        times.append(time.perf_counter() - start)
    return min(times)


mib = sum(raw.size * 2 for _, raw in tensors()) / 2**20
for label, load in (("torch bf16.float()", with_torch), ("numpy shift", with_numpy)):
    seconds = best(load)
    print(f"python peer ({label}): open + BF16->F32 all tensors {seconds * 1000:8.1f} ms  {mib / seconds:8.0f} MiB/s of BF16")
