#!/usr/bin/env bash
# Runs the C# GEMM benchmark and the PyTorch/OpenBLAS peer in one sitting and prints the ratios.
# Usage: benchmarks/gemm-vs-torch.sh [sizes, default 256,512,1024] [rounds, default 3]
# Rounds alternate ours/peer so that background load hits both alike; the best round of each counts.
# The peer is PyTorch's CPU matmul on OpenBLAS with OPENBLAS_NUM_THREADS=2 (the issue's setting: OpenBLAS
# picks its kernels by CPU detection); it is also run with OPENBLAS_CORETYPE=SkylakeX, forcing OpenBLAS's
# AVX-512 kernels, as the stronger peer.
set -euo pipefail
cd "$(dirname "$0")/.."
sizes="${1:-256,512,1024}"
rounds="${2:-3}"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

lscpu | grep -E '^Model name|^CPU\(s\)' | sed 's/^/# /'
dotnet build benchmarks/Peft.Benchmarks -c Release -v quiet -nologo >/dev/null
for round in $(seq "$rounds"); do
  dotnet run -c Release --no-build --project benchmarks/Peft.Benchmarks -- gemm --sizes "$sizes" >"$tmp/ours.$round"
  OPENBLAS_NUM_THREADS=2 /usr/bin/python3 benchmarks/peers/gemm.py --sizes "$sizes" >"$tmp/torch.$round"
  OPENBLAS_NUM_THREADS=2 OPENBLAS_CORETYPE=SkylakeX /usr/bin/python3 benchmarks/peers/gemm.py --sizes "$sizes" >"$tmp/torch512.$round"
done

# best GFLOPS per size over the rounds: "size gflops"
best() { cat "$tmp/$1".* | awk '!/^#/ && NF == 4 { if ($4 > b[$1]) b[$1] = $4 } END { for (s in b) print s, b[s] }' | sort -n; }
peak="$(cat "$tmp"/ours.* | awk '/^peak GFLOPS/ { if ($3 > p) p = $3 } END { print p }')"
join <(best ours) <(best torch) | join - <(best torch512) | awk -v peak="$peak" '
  BEGIN { printf "%-6s %10s %10s %12s %9s %14s %12s\n", "size", "ours", "torch", "torch-avx512", "of peak", "ours/torch", "ours/avx512" }
  { printf "%-6s %10.1f %10.1f %12.1f %8.0f%% %13.2fx %11.2fx\n", $1, $2, $3, $4, 100 * $2 / peak, $2 / $3, $2 / $4 }
  END { printf "peak GFLOPS %.1f (FMA loop, all cores)\n", peak }'
