#!/usr/bin/env bash
# Here, before lease 2 (lease2.sh): the kit (pack.sh --kit-only, about 34 MB) and the full CIFAR-10
# archive (110.6 MB) in four parts of at most 28 MiB under .gpu-data/cifar-parts/ (data-parts.sh),
# so that call 1 carries the kit and one part, call 2 two parts, call 3 the last.
#   bash tools/gpu-kit/prepare.sh
# SMOKE=1: the mini set (3.4 MB) in four parts of 1 MiB instead, to try lease2.sh here.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
cd "$here/../.."
shared=../shared; [ -d "$shared/datasets" ] || shared=../../shared
bash "$here/pack.sh" --kit-only
if [ -n "${SMOKE:-}" ]; then
  bash "$here/data-parts.sh" split "$shared/datasets/cifar10/cifar10-mini.tar.gz" 1
else
  bash "$here/data-parts.sh" split "$shared/datasets/cifar10/cifar-10-binary.tar.xz" "${PART_MIB:-28}"
fi
du -sb .gpu-kit .gpu-data/cifar-parts/*
