#!/usr/bin/env bash
# Training step of one adapted Linear: Peft.Benchmarks `step` against the PyTorch peer, same sitting.
# Usage: benchmarks/step-vs-torch.sh [lora|loraplus|mora] [shapes] [extra args, e.g. --mora-type rope, --path generated]
# (--path runtime|generated picks our kernels; the peer ignores it).
# Prints N IN OUT R, both medians in ms, and speed-up = torch / ours (≥ 1 means we are faster).
set -euo pipefail
cd "$(dirname "$0")/.."
adapter="${1:-loraplus}"
shapes="${2:-64x768x768x8,512x1024x1024x8,256x2048x2048x16}"
shift $(( $# > 2 ? 2 : $# ))
ours=$(dotnet run -c Release --project benchmarks/Peft.Benchmarks -- step --adapter "$adapter" --shapes "$shapes" "$@")
peer_args=()
while (( $# )); do
  if [[ "$1" == "--path" ]]; then shift 2; continue; fi
  peer_args+=("$1"); shift
done
torch=$(env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE OPENBLAS_NUM_THREADS=2 /usr/bin/python3 benchmarks/peers/step.py --adapter "$adapter" --shapes "$shapes" "${peer_args[@]}")
echo "$ours" | grep '^#' || true
echo "$torch" | grep '^#' || true
echo "N IN OUT R ours_ms torch_ms speedup"
join <(echo "$ours" | grep -v '^#' | awk '{print $1"x"$2"x"$3"x"$4, $5}' | sort) \
     <(echo "$torch" | grep -v '^#' | awk '{print $1"x"$2"x"$3"x"$4, $5}' | sort) |
  awk '{split($1, s, "x"); printf "%s %s %s %s %.3f %.3f %.2fx\n", s[1], s[2], s[3], s[4], $2, $3, $3 / $2}' |
  sort -n -k1,1 -k2,2
