#!/usr/bin/env bash
# Runs on the GPU machine from the repository root: unpacks tmp/gpu-bundle/bundle.tar.xz (made
# by bench/gpu/pack.sh and carried there), makes sure a Vulkan loader is there, and runs the
# benchmark with the given arguments. The JSON goes to stdout and, where $OUT is set, to
# $OUT/gpu-bench.json (with the log beside it).
set -uo pipefail
dir=${GPU_BENCH_DIR:-/tmp/gpu-bench}
mkdir -p "$dir"
tar -C "$dir" -xJf tmp/gpu-bundle/bundle.tar.xz || { echo "run-on-gpu: cannot unpack tmp/gpu-bundle/bundle.tar.xz (run bench/gpu/pack.sh here and carry tmp/gpu-bundle)"; exit 2; }
# GPU_BENCH_NO_GL=1 (testing on a development machine): never unpack packages into /.
if [ -z "${GPU_BENCH_NO_GL:-}" ] && ! ldconfig -p 2>/dev/null | grep -q libvulkan.so.1; then
  for f in "$dir"/gl/*.deb; do [ -f "$f" ] && dpkg -x "$f" /; done
  ldconfig 2>/dev/null || true
fi
# NVIDIA's driver files where the device machines mount them, if the loader finds none itself.
nv=/usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json
if [ -f "$nv" ] && [ -z "${VK_DRIVER_FILES:-}" ] && ! ls /usr/share/vulkan/icd.d/*.json /etc/vulkan/icd.d/*.json >/dev/null 2>&1; then
  export VK_DRIVER_FILES=$nv
fi
nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader 2>/dev/null >&2 || true
out=${OUT:-}
if [ -n "$out" ]; then
  "$dir/node" "$dir/gpu-bench.mjs" --model "$dir/resources/models/dae-gray-sigma25" --torch "$dir/torch_dae_throughput.py" "$@" 2> >(tee "$out/gpu-bench.log" >&2) | tee "$out/gpu-bench.json"
else
  "$dir/node" "$dir/gpu-bench.mjs" --model "$dir/resources/models/dae-gray-sigma25" --torch "$dir/torch_dae_throughput.py" "$@"
fi
