#!/usr/bin/env bash
# Prepares what bench/gpu-session.sh needs on a GPU machine without Node.js (../shared/gpu/):
#   bash bench/gpu-pack.sh CIFAR_DIR     (CIFAR_DIR: the extracted cifar-10-batches-bin/)
# .gpu-kit/: node, Dawn and the Vulkan loader (pack.sh), the bench and the AlexNet example bundled
# and minified, with their WGSL beside them; .gpu-data/cifar-subset.tar.xz: data_batch_1 (10,000
# training images) and the first 2,000 test images, as the lease carries 64 MiB in all.
set -euo pipefail
cifar=${1:?usage: gpu-pack.sh CIFAR_DIR}
cd "$(git rev-parse --show-toplevel)"
entries=(bench/index.ts examples/alexnet-cifar/main.ts)
bash ../shared/gpu/pack.sh "${entries[@]}"
# Bundled as ESM, CommonJS dependencies (cli-progress) still call require().
banner="import{createRequire}from'node:module';const require=createRequire(import.meta.url);"
for e in "${entries[@]}"; do
  n=$(basename "${e%.*}")
  node_modules/.bin/esbuild "$e" --bundle --minify --platform=node --format=esm --target=node20 \
    --external:webgpu --banner:js="$banner" --outfile=".gpu-kit/$n.mjs" --log-level=warning
done
mkdir -p .gpu-kit/wgsl && cp src/kernels/wgsl/*.wgsl .gpu-kit/wgsl/
grep -qx '/.gpu-data/' .git/info/exclude || echo '/.gpu-data/' >> .git/info/exclude
if [ ! -f .gpu-data/cifar-subset.tar.xz ]; then
  tmp=$(mktemp -d) && d=$tmp/cifar-10-batches-bin && mkdir -p "$d" .gpu-data
  cp "$cifar/data_batch_1.bin" "$cifar/batches.meta.txt" "$d/"
  for i in 2 3 4 5; do : > "$d/data_batch_$i.bin"; done
  head -c $((2000 * 3073)) "$cifar/test_batch.bin" > "$d/test_batch.bin"
  tar -C "$tmp" -cf - cifar-10-batches-bin | xz -T0 -9 > .gpu-data/cifar-subset.tar.xz
  rm -rf "$tmp"
fi
du -cb .gpu-kit .gpu-data | tail -1
