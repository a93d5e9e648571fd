#!/usr/bin/env python3
"""PyTorch CPU matmul peer for `Peft.Benchmarks gemm`: prints `M N K GFLOPS` per size.

Usage: OPENBLAS_NUM_THREADS=2 /usr/bin/python3 benchmarks/peers/gemm.py --sizes 256,512,1024 [--runs 9]
Square float32 C = A @ B (out= preallocated, like the C# benchmark), median of the runs after warm-up.
Each size is measured with torch.set_num_threads(1) and (2) and the faster is reported.
"""
import argparse
import statistics
import time

import torch


def median_seconds(n, runs):
    g = torch.Generator().manual_seed(42)
    a = torch.rand(n, n, generator=g) - 0.5
    b = torch.rand(n, n, generator=g) - 0.5
    c = torch.empty(n, n)
    warm = time.perf_counter()
    i = 0
    while i < 3 or time.perf_counter() - warm < 0.3:
        torch.matmul(a, b, out=c)
        i += 1
    probe = time.perf_counter()
    torch.matmul(a, b, out=c)
    repeat = max(1, int(0.02 / max(1e-6, time.perf_counter() - probe)))
    samples = []
    for _ in range(runs):
        begin = time.perf_counter()
        for _ in range(repeat):
            torch.matmul(a, b, out=c)
        samples.append((time.perf_counter() - begin) / repeat)
    return statistics.median(samples)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="256,512,1024")
    parser.add_argument("--runs", type=int, default=9)
    args = parser.parse_args()
    print(f"# torch {torch.__version__}, {torch.__config__.show().count('OpenBLAS') and 'OpenBLAS' or 'BLAS?'}")
    for n in (int(s) for s in args.sizes.split(",")):
        best = None
        for threads in (1, 2):
            torch.set_num_threads(threads)
            seconds = median_seconds(n, args.runs)
            gflops = 2.0 * n * n * n / seconds / 1e9
            print(f"# {n} torch.set_num_threads({threads}): {gflops:.1f}")
            best = gflops if best is None else max(best, gflops)
        print(f"{n} {n} {n} {best:.1f}")


if __name__ == "__main__":
    main()
