#!/usr/bin/env bash
# Training step of one adapted Linear: Peft.Benchmarks `step` against the PyTorch peer, same sitting.
# Usage: [ROUNDS=3] benchmarks/step-vs-torch.sh [lora|loraplus|mora] [shapes] [extra args, e.g. --mora-type rope, --path generated]
# (--path runtime|generated picks our kernels; the peer ignores it). ROUNDS > 1 alternates ours and the peer that many
# times and keeps each side's fastest median per shape (a shared machine's load then falls on both alike).
# Prints N IN OUT R, both medians in ms, and speed-up = torch / ours (≥ 1 means we are faster).
set -euo pipefail
cd "$(dirname "$0")/.."
adapter="${1:-loraplus}"
shapes="${2:-64x768x768x8,512x1024x1024x8,256x2048x2048x16}"
rounds="${ROUNDS:-1}"
shift $(( $# > 2 ? 2 : $# ))
peer_args=()
for arg in "$@"; do peer_args+=("$arg"); done
filtered=()
while (( ${#peer_args[@]} )); do
  if [[ "${peer_args[0]}" == "--path" ]]; then peer_args=("${peer_args[@]:2}"); continue; fi
  filtered+=("${peer_args[0]}"); peer_args=("${peer_args[@]:1}")
done
dotnet build -c Release benchmarks/Peft.Benchmarks -v q -nologo > /dev/null
ours_all="" torch_all=""
for (( round = 0; round < rounds; round++ )); do
  ours=$(dotnet run -c Release --no-build --project benchmarks/Peft.Benchmarks -- step --adapter "$adapter" --shapes "$shapes" "$@")
  torch=$(env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE OPENBLAS_NUM_THREADS=2 /usr/bin/python3 benchmarks/peers/step.py --adapter "$adapter" --shapes "$shapes" ${filtered[@]+"${filtered[@]}"})
  (( round == 0 )) && { echo "$ours" | grep '^#' | head -1 || true; echo "$torch" | grep '^#' || true; }
  ours_all+=$(echo "$ours" | grep -v '^#')$'\n'
  torch_all+=$(echo "$torch" | grep -v '^#')$'\n'
done
best() { awk 'NF == 5 {k = $1"x"$2"x"$3"x"$4; if (!(k in m) || $5 < m[k]) m[k] = $5} END {for (k in m) print k, m[k]}' | sort; }
echo "N IN OUT R ours_ms torch_ms speedup"
join <(echo "$ours_all" | best) <(echo "$torch_all" | best) |
  awk '{split($1, s, "x"); printf "%s %s %s %s %.3f %.3f %.2fx\n", s[1], s[2], s[3], s[4], $2, $3, $3 / $2}' |
  sort -n -k1,1 -k2,2 -k4,4
