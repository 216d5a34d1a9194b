#!/usr/bin/env bash
# Packs what the one-shot GPU benchmark needs on a machine without Node into tmp/gpu-bundle/
# (ignored by git), for the device tool's `carry`: one compressed tarball under its 64 MiB limit.
#   - gpu-bench.mjs: bench/gpu/gpu-bench.ts and the engine, bundled by esbuild (tfjs inlined,
#     so there is one tfjs-core); `webgpu` and the wasm backend's binaries stay real files;
#   - node: this machine's Node binary (official builds are self-contained; linux-x64 only);
#   - node_modules: webgpu with only linux-x64's dawn.node, tfjs-backend-wasm's .wasm files
#     and its threaded worker scripts;
#   - torch_dae_throughput.py from ../shared/bench, the starter model, and the Vulkan/EGL loader
#     packages (libvulkan1 ...) in case the GPU machine lacks them.
# Usage: bash bench/gpu/pack.sh     (then see bench/gpu/README.md)
set -euo pipefail
cd "$(dirname "$0")/../.."
out=tmp/gpu-bundle
stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
rm -rf "$out"
mkdir -p "$out"

node_modules/.bin/esbuild bench/gpu/gpu-bench.ts --bundle --platform=node --format=esm --target=node20 \
  --outfile="$stage/gpu-bench.mjs" --log-level=warning --ignore-annotations \
  --external:webgpu --external:@tensorflow/tfjs-node --external:@tensorflow/tfjs-node-gpu --external:sharp \
  --banner:js="import { createRequire as __createRequire } from 'node:module'; import { fileURLToPath as __toPath } from 'node:url'; import { dirname as __dirOf } from 'node:path'; const require = __createRequire(import.meta.url); const __filename = __toPath(import.meta.url); const __dirname = __dirOf(__filename);"

cp "$(readlink -f "$(command -v node)")" "$stage/node"

mkdir -p "$stage/node_modules/webgpu/dist/linux-x64" "$stage/node_modules/@tensorflow/tfjs-backend-wasm/dist" "$stage/node_modules/@tensorflow/tfjs-backend-wasm/wasm-out"
cp node_modules/webgpu/package.json node_modules/webgpu/index.js "$stage/node_modules/webgpu/"
cp node_modules/webgpu/dist/linux-x64/dawn.node "$stage/node_modules/webgpu/dist/linux-x64/"
wasm=node_modules/@tensorflow/tfjs-backend-wasm
cp "$wasm/package.json" "$stage/$wasm/"
cp "$wasm"/dist/*.wasm "$stage/$wasm/dist/"
cp "$wasm"/wasm-out/tfjs-backend-wasm-threaded-simd.js "$wasm"/wasm-out/tfjs-backend-wasm-threaded-simd.worker.js "$stage/$wasm/wasm-out/"

shared=${DENOISE_SHARED:-../shared}
if [ -f "$shared/bench/torch_dae_throughput.py" ]; then cp "$shared/bench/torch_dae_throughput.py" "$stage/"; else echo "pack: $shared/bench/torch_dae_throughput.py not found; the bundle will report torch as missing" >&2; fi
mkdir -p "$stage/resources/models"
cp -r resources/models/dae-gray-sigma25 "$stage/resources/models/"

# The loaders Dawn opens (libvulkan.so.1, EGL); unpacked there only if the machine has none.
mkdir -p "$stage/gl"
if ! (cd "$stage/gl" && apt-get download libvulkan1 >/dev/null 2>&1); then
  echo "pack: could not download libvulkan1 (no apt?); the GPU machine must have its own Vulkan loader" >&2
fi

XZ_OPT=${XZ_OPT:--6 -T0} tar -C "$stage" -cJf "$out/bundle.tar.xz" .
size=$(stat -c %s "$out/bundle.tar.xz")
echo "pack: $out/bundle.tar.xz $((size / 1048576)) MiB"
if [ "$size" -gt $((60 * 1048576)) ]; then echo "pack: over 60 MiB, too big to carry" >&2; exit 1; fi
