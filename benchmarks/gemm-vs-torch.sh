#!/usr/bin/env bash
# Runs the C# GEMM benchmark and the PyTorch/OpenBLAS peer in one sitting and prints the ratios.
# Usage: benchmarks/gemm-vs-torch.sh [sizes, default 256,512,1024] [rounds, default 3]
# Rounds alternate ours/peer so that background load hits both alike; the best round of each counts.
# The peer is PyTorch's CPU matmul on Debian's OpenBLAS with OPENBLAS_NUM_THREADS=2, the faster of
# torch.set_num_threads(1) and (2). It runs with OpenBLAS's own CPU detection (OPENBLAS_CORETYPE and
# OPENBLAS_L2_SIZE removed from the environment: on AMD Zen 5 OpenBLAS 0.3.21 then picks its AVX-512
# "Cooperlake" kernels), and once more with OPENBLAS_CORETYPE=Haswell (AVX2 kernels), the override
# that some environments set.
set -euo pipefail
cd "$(dirname "$0")/.."
sizes="${1:-256,512,1024}"
rounds="${2:-3}"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

lscpu | grep -E '^Model name|^CPU\(s\)|^CPU family|^Model:' | sed 's/^/# /'
echo "# OpenBLAS picks: $(env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE OPENBLAS_VERBOSE=2 /usr/bin/python3 -c 'import torch; a = torch.ones(8, 8); a @ a' 2>&1 | grep -m1 Core)"
dotnet build benchmarks/Peft.Benchmarks -c Release -v quiet -nologo >/dev/null
for round in $(seq "$rounds"); do
  dotnet run -c Release --no-build --project benchmarks/Peft.Benchmarks -- gemm --sizes "$sizes" >"$tmp/ours.$round"
  env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE OPENBLAS_NUM_THREADS=2 \
    /usr/bin/python3 benchmarks/peers/gemm.py --sizes "$sizes" >"$tmp/torch.$round"
  env -u OPENBLAS_L2_SIZE OPENBLAS_CORETYPE=Haswell OPENBLAS_NUM_THREADS=2 \
    /usr/bin/python3 benchmarks/peers/gemm.py --sizes "$sizes" >"$tmp/haswell.$round"
done

# best GFLOPS per size over the rounds: "size gflops"; cpu: the same from the "by process CPU time" comments
best() { cat "$tmp/$1".* | awk '!/^#/ && NF == 4 { if ($4 > b[$1]) b[$1] = $4 } END { for (s in b) print s, b[s] }' | sort -n; }
peak="$(cat "$tmp"/ours.* | awk '/^peak GFLOPS/ { if ($3 > p) p = $3 } END { print p }')"
join <(best ours) <(best torch) | join - <(best haswell) | awk -v peak="$peak" '
  BEGIN { printf "%-6s %10s %10s %14s %9s %12s %14s\n", "size", "ours", "torch", "torch-haswell", "of peak", "ours/torch", "ours/haswell" }
  { printf "%-6s %10.1f %10.1f %14.1f %8.0f%% %11.2fx %13.2fx\n", $1, $2, $3, $4, 100 * $2 / peak, $2 / $3, $2 / $4 }
  END { printf "peak GFLOPS %.1f (FMA loop, all cores)\n", peak }'

# Wall-clock rates suffer from whatever else runs; rates per busy core by CPU time much less so.
cpu() { cat "$tmp/$1".* | awk '/by process CPU time/ { n = $2; v = $(NF - 4); if (v > b[n]) b[n] = v } END { for (s in b) print s, b[s] }' | sort -n; }
echo "# by process CPU time, GFLOPS per busy core (best over rounds):"
join <(cpu ours) <(cpu torch) | join - <(cpu haswell) | awk '
  { printf "# %-6s ours %7.1f  torch %7.1f  torch-haswell %7.1f  ours/torch %5.2fx\n", $1, $2, $3, $4, $2 / $3 }'
