#!/usr/bin/env bash
# A newer Vulkan stack beside Debian 12's, without touching the system: Mesa 26's lavapipe (the first with
# VK_KHR_cooperative_matrix) and glslang 15 (the first Debian one that compiles GL_KHR_cooperative_matrix), with the
# Debian 13 libraries they need, unpacked from Debian's packages into .tools/vulkan26 (git-ignored). Their glibc is
# newer than Debian 12's, so they run through that glibc's own loader; `dotnet` runs through it as a copy of the
# SDK's muxer whose ELF interpreter and RPATH point there (patchelf), so that its test hosts load lavapipe 26.
#
#   tools/vulkan26.sh fetch                 download and unpack (idempotent; ~70 MB)
#   tools/vulkan26.sh glslang ARGS...       run glslangValidator 15
#   tools/vulkan26.sh dotnet ARGS...        run dotnet with lavapipe 26 as the only Vulkan driver
#
# Used by .ci/run for the half-precision GEMM's tests and by Peft.Gpu.Tests to recompile its checked-in SPIR-V.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
dir="${PEFT_VULKAN26_DIR:-$root/.tools/vulkan26}"
lib="$dir/root/usr/lib/x86_64-linux-gnu"
loader="$lib/ld-linux-x86-64.so.2"

fetch() {
  if [ -f "$dir/.complete" ]; then return; fi
  [ "$(uname -m)" = x86_64 ] || { echo "vulkan26: x86-64 Linux only" >&2; exit 1; }
  command -v apt-get >/dev/null && command -v dpkg >/dev/null || { echo "vulkan26: needs apt-get and dpkg (Debian/Ubuntu)" >&2; exit 1; }
  rm -rf "$dir"; mkdir -p "$dir/lists/partial" "$dir/cache/archives/partial" "$dir/debs"
  cat > "$dir/sources.list" <<LIST
deb http://deb.debian.org/debian trixie main
deb http://deb.debian.org/debian trixie-backports main
LIST
  local apt=(-o "Dir::Etc::sourcelist=$dir/sources.list" -o Dir::Etc::sourceparts=- -o "Dir::State::Lists=$dir/lists"
             -o "Dir::Cache=$dir/cache" -o Dir::State::status=/dev/null -o Debug::NoLocking=1 -o APT::Sandbox::User=root)
  apt-get "${apt[@]}" update -qq
  local wanted=(mesa-vulkan-drivers/trixie-backports glslang-tools spirv-tools)
  local deps
  deps=$(apt-cache "${apt[@]}" depends --recurse --no-recommends --no-suggests --no-conflicts --no-breaks --no-replaces \
           --no-enhances "${wanted[@]}" 2>/dev/null | grep -v '^ ' | grep -v -x -E 'mesa-vulkan-drivers|glslang-tools|spirv-tools' | sort -u)
  (cd "$dir/debs" && apt-get "${apt[@]}" download -qq "${wanted[@]}" $deps)
  for deb in "$dir"/debs/*.deb; do dpkg -x "$deb" "$dir/root"; done
  sed "s#\"library_path\": *\"[^\"]*\"#\"library_path\": \"$lib/libvulkan_lvp.so\"#" \
    "$dir"/root/usr/share/vulkan/icd.d/lvp_icd*.json > "$dir/lvp_icd.json"
  # The muxer resolves the SDK next to its real path, so the copy sits in a hard-linked (else copied) SDK tree.
  local sdk; sdk="$(dirname "$(readlink -f "$(command -v dotnet)")")"
  cp -al "$sdk" "$dir/dotnet" 2>/dev/null || cp -a "$sdk" "$dir/dotnet"
  rm "$dir/dotnet/dotnet"; cp "$sdk/dotnet" "$dir/dotnet/dotnet"
  command -v patchelf >/dev/null || { echo "vulkan26: needs patchelf (apt-get install patchelf)" >&2; exit 1; }
  patchelf --set-interpreter "$loader" --force-rpath --set-rpath "$lib" "$dir/dotnet/dotnet"
  rm -rf "$dir/debs" "$dir/lists" "$dir/cache"
  touch "$dir/.complete"
}

case "${1:-}" in
  fetch) fetch ;;
  glslang) shift; fetch >&2; exec "$loader" --library-path "$lib" "$dir/root/usr/bin/glslangValidator" "$@" ;;
  spirv-dis) shift; fetch >&2; exec "$loader" --library-path "$lib" "$dir/root/usr/bin/spirv-dis" "$@" ;;
  dotnet) shift; fetch >&2; VK_ICD_FILENAMES="$dir/lvp_icd.json" VK_DRIVER_FILES="$dir/lvp_icd.json" exec "$dir/dotnet/dotnet" "$@" ;;
  *) sed -n '2,13p' "$0" | sed 's/^# \{0,1\}//'; exit 2 ;;
esac
