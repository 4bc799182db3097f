#!/usr/bin/env bash
# Prepares what bench/gpu-session.sh needs on a GPU machine without Node.js:
#   bash bench/gpu-pack.sh [CIFAR]     (CIFAR: the extracted cifar-10-batches-bin/ or the
#                                       cifar-10-binary.tar.xz archive; needed once, for .gpu-data)
# .gpu-kit/: node, Dawn and the Vulkan loader (../shared/gpu/pack.sh, or GPU_KIT_TOOLS), the bench,
# the AlexNet example, the GEMM tuner (bench/tune-gemm.ts, when there) and the kernel tests
# (test/device/run.ts, as verify.mjs) bundled and minified,
# their WGSL built in; .gpu-data/cifar-subset.tar.xz: data_batch_1 (10,000 training images)
# and the first 2,000 test images, as the lease carries 64 MiB in all.
set -euo pipefail
cifar=${1:-}
cd "$(git rev-parse --show-toplevel)"
tools=${GPU_KIT_TOOLS:-}
for d in ../shared/gpu ../../shared/gpu; do [ -z "$tools" ] && [ -f "$d/pack.sh" ] && tools=$d; done
[ -n "$tools" ] || { echo "gpu-pack.sh: no shared/gpu/pack.sh beside the checkout; set GPU_KIT_TOOLS" >&2; exit 1; }
entries=(bench/index.ts examples/alexnet-cifar/main.ts)
[ -f bench/tune-gemm.ts ] && entries+=(bench/tune-gemm.ts)
# In a git worktree .git is a file: the exclude list is found through git, where pack.sh looks in .git/.
exclude=$(git rev-parse --git-path info/exclude)
shim=$(mktemp -d) && cp "$tools/run.sh" "$shim/" && sed "s#\.git/info/exclude#$exclude#g" "$tools/pack.sh" > "$shim/pack.sh"
bash "$shim/pack.sh" "${entries[@]}"
rm -rf "$shim"
# A smoke run here (gpu-session.sh) unpacks Dawn beside its archive: 21 MB the lease need not carry.
rm -f .gpu-kit/node_modules/webgpu/dist/linux-x64/dawn.node
# Bundled again with the WGSL texts built in (pack.sh's bundles would read src/kernels/wgsl/).
for e in "${entries[@]}"; do
  node scripts/bundle-node.mjs "$e" ".gpu-kit/$(basename "${e%.*}").mjs"
done
# The kernel tests for gpu-session.sh's verify stage (here only: 'vitest' is the shim in this bundler).
node scripts/bundle-node.mjs test/device/run.ts .gpu-kit/verify.mjs
grep -qx '/.gpu-data/' "$exclude" || echo '/.gpu-data/' >> "$exclude"
if [ ! -f .gpu-data/cifar-subset.tar.xz ]; then
  [ -n "$cifar" ] || { echo "gpu-pack.sh: .gpu-data/cifar-subset.tar.xz is missing: give the CIFAR-10 folder or archive" >&2; exit 1; }
  tmp=$(mktemp -d) && d=$tmp/cifar-10-batches-bin && mkdir -p "$d" .gpu-data
  if [ -f "$cifar" ]; then
    mkdir "$tmp/x" && tar -C "$tmp/x" -xf "$cifar" --wildcards '*data_batch_1.bin' '*test_batch.bin' '*batches.meta.txt'
    cifar=$(dirname "$(find "$tmp/x" -name data_batch_1.bin | head -1)")
  fi
  cp "$cifar/data_batch_1.bin" "$cifar/batches.meta.txt" "$d/"
  for i in 2 3 4 5; do : > "$d/data_batch_$i.bin"; done
  head -c $((2000 * 3073)) "$cifar/test_batch.bin" > "$d/test_batch.bin"
  tar -C "$tmp" -cf - cifar-10-batches-bin | xz -T0 -9 > .gpu-data/cifar-subset.tar.xz
  rm -rf "$tmp"
fi
du -cb .gpu-kit .gpu-data | tail -1
