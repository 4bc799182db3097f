#!/usr/bin/env bash
# Prepares, here, what the lease scripts need on a GPU machine that has no Node.js:
#   bash tools/gpu-kit/pack.sh [CIFAR]       the kit, and the subset for lease 1 (CIFAR: the
#                                            cifar-10-binary.tar.xz archive or an extracted
#                                            cifar-10-batches-bin/; default the shared archive)
#   bash tools/gpu-kit/pack.sh --kit-only    the kit alone (lease 2 carries the full set in parts)
# .gpu-kit/ (ignored by git): node, Dawn and the Vulkan loader (../shared/gpu/pack.sh, or
# GPU_KIT_TOOLS), and the bundles, each with its WGSL built in: index.mjs (the bench), main.mjs (the
# AlexNet example), compare.mjs (its figure), tune-gemm.mjs (the GEMM candidates), verify.mjs (the
# kernel tests), probe.mjs (the adapter's features). The kit's run.sh unpacks node and Dawn under
# /tmp: bash .gpu-kit/run.sh NAME.mjs ARGS.
# .gpu-data/cifar-subset.tar.xz: data_batch_1 (10,000 training images) and the first 2,000 test
# images, compressed with the shared archive's filters (delta over a 32-byte row, then over
# neighbouring bytes, then LZMA2): 21.3 MiB, where plain xz -9 took 28 MB.
set -euo pipefail
cifar=${1:-}
cd "$(git rev-parse --show-toplevel)"
tools=${GPU_KIT_TOOLS:-}
for d in ../shared/gpu ../../shared/gpu; do [ -z "$tools" ] && [ -f "$d/pack.sh" ] && tools=$d; done
[ -n "$tools" ] || { echo "pack.sh: no shared/gpu/pack.sh beside the checkout; set GPU_KIT_TOOLS" >&2; exit 1; }
entries=(bench/index.ts examples/alexnet-cifar/main.ts examples/alexnet-cifar/compare.ts bench/tune-gemm.ts tools/gpu-kit/probe.ts)
# In a git worktree .git is a file: the exclude list is found through git, where pack.sh looks in .git/.
exclude=$(git rev-parse --git-path info/exclude)
# run.sh as shared/gpu has it unpacks dawn.node (21 MB) inside the kit, so that a kit tried here
# (SMOKE=1) would carry it: the kit's run.sh unpacks it under /tmp and links it instead.
# Its esbuild bundles keep the native PNG renderer outside too (scripts/bundle-node.mjs says why).
shim=$(mktemp -d) && sed "s#\.git/info/exclude#$exclude#g; s#--external:webgpu#--external:webgpu --external:@resvg/resvg-js#" "$tools/pack.sh" > "$shim/pack.sh"
grep -q -- '--external:@resvg/resvg-js' "$shim/pack.sh" || { echo "pack.sh: could not adapt $tools/pack.sh's esbuild externals" >&2; exit 1; }
unpack='[ -f "$dawn" ] || xz -dc "$dawn.xz" > "$dawn"'
grep -qF "$unpack" "$tools/run.sh" || { echo "pack.sh: $tools/run.sh no longer unpacks dawn.node as expected" >&2; exit 1; }
sed 's#^\[ -f "$dawn" \] || xz -dc "$dawn.xz" > "$dawn"$#unpacked="$stage/dawn-$(cksum < "$dawn.xz" | cut -d" " -f1).node"; [ -f "$unpacked" ] || xz -dc "$dawn.xz" > "$unpacked"; ln -sfn "$unpacked" "$dawn"#' "$tools/run.sh" > "$shim/run.sh"
grep -q 'ln -sfn "$unpacked"' "$shim/run.sh" || { echo "pack.sh: could not adapt run.sh" >&2; exit 1; }
rm -f .gpu-kit/node_modules/webgpu/dist/linux-x64/dawn.node
bash "$shim/pack.sh" "${entries[@]}"
rm -rf "$shim"
# Bundled again with the WGSL texts built in (pack.sh's bundles would read src/kernels/wgsl/).
for e in "${entries[@]}"; do
  node scripts/bundle-node.mjs "$e" ".gpu-kit/$(basename "${e%.*}").mjs"
done
# The kernel tests for lease1.sh's verify stage (here only: 'vitest' is the shim in this bundler).
node scripts/bundle-node.mjs test/device/run.ts .gpu-kit/verify.mjs
grep -qx '/.gpu-data/' "$exclude" || echo '/.gpu-data/' >> "$exclude"
if [ "$cifar" != --kit-only ] && [ ! -f .gpu-data/cifar-subset.tar.xz ]; then
  if [ -z "$cifar" ]; then
    for cifar in ../shared/datasets/cifar10/cifar-10-binary.tar.xz ../../shared/datasets/cifar10/cifar-10-binary.tar.xz; do
      [ -f "$cifar" ] && break
    done
  fi
  [ -e "$cifar" ] || { echo "pack.sh: no CIFAR-10 at '$cifar': give the archive or the cifar-10-batches-bin folder" >&2; exit 1; }
  tmp=$(mktemp -d) && d=$tmp/cifar-10-batches-bin && mkdir -p "$d" .gpu-data
  if [ -f "$cifar" ]; then
    mkdir "$tmp/x" && tar -C "$tmp/x" -xf "$cifar" --wildcards '*data_batch_1.bin' '*test_batch.bin' '*batches.meta.txt'
    cifar=$(dirname "$(find "$tmp/x" -name data_batch_1.bin | head -1)")
  fi
  cp "$cifar/data_batch_1.bin" "$cifar/batches.meta.txt" "$d/"
  for i in 2 3 4 5; do : > "$d/data_batch_$i.bin"; done
  head -c $((2000 * 3073)) "$cifar/test_batch.bin" > "$d/test_batch.bin"
  tar -C "$tmp" --sort=name --owner=0 --group=0 --numeric-owner --mtime=@0 -cf - cifar-10-batches-bin \
    | xz -T1 --delta=dist=32 --delta=dist=1 --lzma2=preset=9,dict=64MiB > .gpu-data/cifar-subset.tar.xz.tmp
  mv .gpu-data/cifar-subset.tar.xz.tmp .gpu-data/cifar-subset.tar.xz
  rm -rf "$tmp"
fi
# Lease 1's one call, counted as the device tool will count it (the issue asks 60 MiB of its 64).
if [ "$cifar" != --kit-only ]; then
  bash tools/gpu-kit/carry.sh --limit 60 .gpu-kit .gpu-data/cifar-subset.tar.xz
fi
