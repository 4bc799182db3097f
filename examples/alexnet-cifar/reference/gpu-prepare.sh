#!/usr/bin/env bash
# Here, before the headline run (gpu-headline.sh) on a GPU machine without Node.js:
#   bash examples/alexnet-cifar/reference/gpu-prepare.sh
# .gpu-kit/: node, Dawn and the Vulkan loader (../shared/gpu/pack.sh), the example (main.mjs) and its
# comparison figure (compare.mjs) bundled, their WGSL built in (about 30 MB);
# .gpu-data/cifar-parts/: the full CIFAR-10 archive in parts under the lease's 64 MiB (data-parts.sh).
# Run it in a plain checkout: pack.sh appends to .git/info/exclude, which a `git worktree` lacks
# (its .git is a file), as for bench/gpu-pack.sh.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../../.."
shared=../shared; [ -d "$shared/gpu" ] || shared=../../shared
entries=(examples/alexnet-cifar/main.ts examples/alexnet-cifar/compare.ts)
bash "$shared/gpu/pack.sh" "${entries[@]}"
# Bundled again with the WGSL texts built in (pack.sh's bundles would read src/kernels/wgsl/).
for e in "${entries[@]}"; do
  node scripts/bundle-node.mjs "$e" ".gpu-kit/$(basename "${e%.*}").mjs"
done
bash examples/alexnet-cifar/reference/data-parts.sh split "$shared/datasets/cifar10/cifar-10-binary.tar.xz" "${PART_MIB:-30}"
du -sb .gpu-kit .gpu-data/cifar-parts/*
