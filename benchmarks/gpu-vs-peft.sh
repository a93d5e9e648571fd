#!/usr/bin/env bash
# The GPU training step (Peft.Benchmarks `step --device gpu`) beside PyTorch + PEFT on CUDA, one sitting, same shapes.
#
#   benchmarks/gpu-vs-peft.sh pack     here: publish Peft.Benchmarks self-contained for linux-x64 (NativeAOT when the
#                                      toolchain allows, else the JIT build), pack it as .gpu-bench/peft-bench.tar.xz
#                                      and download the Vulkan loader packages into .gpu-bench/debs (amd64).
#   benchmarks/gpu-vs-peft.sh run      on the GPU machine (the device tool, carry [".gpu-bench"]): unpack the loader,
#                                      point Vulkan at the NVIDIA driver when its manifest is there, run ours with
#                                      --check and the peer (benchmarks/peers/gpu_step.py; PyTorch 2.11 + PEFT 0.21),
#                                      print N IN OUT R ours_ms peft_ms ratio (ratio = peft / ours, ≥ 1: we are faster).
#
# The issue's shapes (run defaults): 512x1024x1024x8 and 4096x4096x4096x8 in fp32 (TF32 off in the peer), and
# 8192x4096x11008x16; every shape runs ours in fp32 and with the float16 base (cooperative matrices, float32 accumulation:
# `step --precision fp16`), the peer in fp32 and bf16.
# Options after the verb: --adapter lora|loraplus|mora (default loraplus), --shapes S, --seconds S.
set -euo pipefail
cd "$(dirname "$0")/.."
verb="${1:-}"; shift || true
adapter=loraplus; shapes="512x1024x1024x8,4096x4096x4096x8,8192x4096x11008x16"; seconds=1.5
while (( $# )); do
  case "$1" in
    --adapter) adapter="$2"; shift 2 ;;
    --shapes) shapes="$2"; shift 2 ;;
    --seconds) seconds="$2"; shift 2 ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done
pack_dir=.gpu-bench

case "$verb" in
pack)
  rm -rf "$pack_dir/publish" && mkdir -p "$pack_dir/debs"
  if dotnet publish benchmarks/Peft.Benchmarks -c Release -r linux-x64 --self-contained -p:PeftPublishAot=true \
       -p:CppCompilerAndLinker="$(command -v clang >/dev/null && echo clang || echo gcc)" -o "$pack_dir/publish" >"$pack_dir/publish.log" 2>&1; then
    echo "published NativeAOT"
  else
    echo "NativeAOT publish failed (see $pack_dir/publish.log); publishing the self-contained JIT build"
    rm -rf "$pack_dir/publish"
    dotnet publish benchmarks/Peft.Benchmarks -c Release -r linux-x64 --self-contained -o "$pack_dir/publish" >>"$pack_dir/publish.log" 2>&1
  fi
  rm -f "$pack_dir/publish/"*.pdb "$pack_dir/publish/"*.dbg
  tar -C "$pack_dir/publish" -cJf "$pack_dir/peft-bench.tar.xz" .
  rm -rf "$pack_dir/publish"
  # The device machine may lack the Vulkan loader: bring it as .deb files (amd64), unpacked there by `run`.
  lists=/tmp/gpu-bench-apt; mkdir -p "$lists/partial"
  o=(-oAPT::Architecture=amd64 -oAPT::Architectures=amd64 -oDir::State::Lists="$lists")
  apt-get "${o[@]}" update -qq && (cd "$pack_dir/debs" && apt-get "${o[@]}" download libvulkan1) \
    || echo "warning: could not download libvulkan1; run relies on the machine's loader" >&2
  du -sh "$pack_dir"/*
  ;;
run)
  [[ -f "$pack_dir/peft-bench.tar.xz" ]] || { echo "no $pack_dir/peft-bench.tar.xz: run 'benchmarks/gpu-vs-peft.sh pack' first" >&2; exit 2; }
  if ! ldconfig -p | grep 'libvulkan\.so\.1' >/dev/null; then
    for f in "$pack_dir"/debs/*.deb; do dpkg -x "$f" /; done
    ldconfig
  fi
  nvidia_icd=/usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json
  [[ -f "$nvidia_icd" && -z "${VK_DRIVER_FILES:-}" ]] && export VK_DRIVER_FILES="$nvidia_icd"
  app=/tmp/peft-bench; rm -rf "$app"; mkdir -p "$app"; tar -C "$app" -xJf "$pack_dir/peft-bench.tar.xz"
  nvidia-smi --query-gpu=name,driver_version,clocks.sm --format=csv,noheader 2>/dev/null | sed 's/^/# /' || true
  ours32=$("$app/Peft.Benchmarks" step --device gpu --check --adapter "$adapter" --shapes "$shapes" --seconds "$seconds")
  echo "$ours32"
  # The float16 base (cooperative matrices); a device without them says so and the column stays empty.
  ours16=$("$app/Peft.Benchmarks" step --device gpu --check --precision fp16 --adapter "$adapter" --shapes "$shapes" --seconds "$seconds") \
    || echo "# ours fp16 failed: see the error above"
  echo "$ours16"
  python="${PYTHON:-python3}"
  peer() { "$python" benchmarks/peers/gpu_step.py --adapter "$adapter" --shapes "$shapes" --seconds "$seconds" --dtype "$1" \
             || echo "# peer ($1) failed: see the error above"; }
  peer32=$(peer fp32)
  peer16=$(peer bf16)
  printf '%s\n' "$peer32" "$peer16" | grep '^#' || true
  # One row per shape; "-" where a run gave no number. Ratios: PEFT's time over ours (≥ 1: we are faster).
  table() { grep -E '^[0-9]+ [0-9]+ [0-9]+ [0-9]+ [0-9.]+$' | awk '{print $1"x"$2"x"$3"x"$4, $5}' | sort; }
  echo "N IN OUT R ours_fp32_ms ours_fp16_ms peft_fp32_ms peft_bf16_ms fp32_ratio half_ratio(peft_bf16/ours_fp16)"
  join -a1 -e - -o auto <(echo "$ours32" | table) <(echo "${ours16:-}" | table) |
    join -a1 -e - -o auto - <(echo "$peer32" | table) | join -a1 -e - -o auto - <(echo "$peer16" | table) |
    awk '{split($1, s, "x"); r32 = ($4 == "-" ? "-" : sprintf("%.2fx", $4 / $2)); r16 = ($3 == "-" || $5 == "-" ? "-" : sprintf("%.2fx", $5 / $3));
          printf "%s %s %s %s %s %s %s %s %s %s\n", s[1], s[2], s[3], s[4], $2, $3, $4, $5, r32, r16}' |
    sort -n -k1,1 -k2,2
  ;;
*)
  echo "usage: benchmarks/gpu-vs-peft.sh pack|run [--adapter lora|loraplus|mora] [--shapes NxINxOUTxR,...] [--seconds S]" >&2
  exit 2
  ;;
esac
