#!/usr/bin/env bash
# Here, before the headline run (gpu-headline.sh) on a GPU machine without Node.js:
#   bash examples/alexnet-cifar/reference/gpu-prepare.sh
# .gpu-kit/: the kit of bench/gpu-pack.sh (node, Dawn, the Vulkan loader, the bench, the example and
# its comparison figure, about 30 MB); .gpu-data/cifar-parts/: the full CIFAR-10 archive in parts
# under a call's 64 MiB (data-parts.sh).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../../.."
shared=../shared; [ -d "$shared/gpu" ] || shared=../../shared
bash bench/gpu-pack.sh --kit-only
bash examples/alexnet-cifar/reference/data-parts.sh split "$shared/datasets/cifar10/cifar-10-binary.tar.xz" "${PART_MIB:-28}"
du -sb .gpu-kit .gpu-data/cifar-parts/*
