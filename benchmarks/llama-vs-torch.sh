#!/usr/bin/env bash
# A Llama fine-tuning step and a no-grad forward: Peft.Benchmarks `llama` against the PyTorch peer, same sitting.
# Config (both sides): hidden 512, intermediate 1376, 8 layers, 8 heads, 8 KV heads, vocab 4096, sequence 128,
# batch 4, float32, LoRA r 8 α 16 on q_proj and v_proj, AdamW on the adapters.
# Usage: benchmarks/llama-vs-torch.sh [rounds]   (default 2; ours and the peer alternate, each round prints both)
# The peer runs with OpenBLAS on 2 threads and torch intra-op threads 1 and 2; the faster of the two counts.
set -euo pipefail
cd "$(dirname "$0")/.."
rounds="${1:-2}"
dotnet build -c Release benchmarks/Peft.Benchmarks -nologo -v q > /dev/null
peer() { env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE OPENBLAS_NUM_THREADS=2 /usr/bin/python3 benchmarks/peers/llama.py --threads "$1"; }
for round in $(seq 1 "$rounds"); do
  ours=$(dotnet run -c Release --no-build --project benchmarks/Peft.Benchmarks -- llama)
  t1=$(peer 1); t2=$(peer 2)
  value() { echo "$1" | awk -v k="$2" '$1 == k { print $2 }'; }
  best_forward=$(printf '%s\n%s\n' "$(value "$t1" llama-forward)" "$(value "$t2" llama-forward)" | sort -g | tail -1)
  best_train=$(printf '%s\n%s\n' "$(value "$t1" llama-train)" "$(value "$t2" llama-train)" | sort -g | head -1)
  echo "$ours" | grep '^#' || true
  echo "round $round: llama-forward tokens/s ours $(value "$ours" llama-forward) torch $best_forward" \
    "($(awk -v a="$(value "$ours" llama-forward)" -v b="$best_forward" 'BEGIN { printf "%.2fx", a / b }'))"
  echo "round $round: llama-train ms ours $(value "$ours" llama-train) torch $best_train" \
    "($(awk -v a="$(value "$ours" llama-train)" -v b="$best_train" 'BEGIN { printf "%.2fx", b / a }'))"
  echo "round $round: peak RSS MB ours $(value "$ours" llama-peak-rss) torch $(value "$t1" llama-peak-rss)/$(value "$t2" llama-peak-rss)"
done
