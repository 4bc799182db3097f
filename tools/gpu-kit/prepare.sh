#!/usr/bin/env bash
# Here, before lease 2 (lease2.sh): the kit (pack.sh --kit-only) and the full CIFAR-10 archive
# (110.6 MB) in one part a call under .gpu-data/cifar-parts/ (data-parts.sh), each part as large as
# its call's carry allows: call 1 carries the kit, cifar10.md5 and part 00; call 2 the md5 and part
# 01; call 3 the md5 and the last part (the smallest, as call 3's upload is time its training loses).
# The room is measured now, from this checkout's working tree (carry.sh), so run it in the checkout
# the session was started in, after the last commit that lease 2 will carry.
#   bash tools/gpu-kit/prepare.sh
# SMOKE=1: the mini set (3.4 MB) in parts of 1, 2 and the rest MiB instead, to try lease2.sh here.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
cd "$here/../.."
source "$here/lib.sh"
shared=../shared; [ -d "$shared/datasets" ] || shared=../../shared
# A call carries at most 64 MiB; CALL_MIB keeps a margin for a file or two committed after this.
limit=$(( ${CALL_MIB:-63} * 1048576 )) md5_room=4096 calls=3
bash "$here/pack.sh" --kit-only
if [ -n "${SMOKE:-}" ]; then
  archive=$shared/datasets/cifar10/cifar10-mini.tar.gz sizes=(1M 2M)
else
  archive=$shared/datasets/cifar10/cifar-10-binary.tar.xz
  tree=$(bash "$here/carry.sh" --tree-bytes) kit=$(du -sb .gpu-kit | cut -f1)
  first=$(( limit - tree - kit - md5_room )) rest=$(( limit - tree - md5_room ))
  (( first > 0 )) || { echo "prepare.sh: the kit and the tree leave call 1 no room for a part" >&2; exit 1; }
  sizes=("$first" "$rest")
fi
bash "$here/data-parts.sh" split "$archive" "${sizes[@]}"
n=$(find .gpu-data/cifar-parts -name 'cifar10.part.*' | wc -l)
(( n <= calls )) || { echo "prepare.sh: the archive takes $n parts, more than lease 2's $calls calls" >&2; exit 1; }
# Each call's carry, checked as the device tool will count it.
for (( c = 1; c <= n; c++ )); do
  mapfile -t carry < <(lease2_carry "$c")
  echo "call $c:"
  bash "$here/carry.sh" "${carry[@]}"
done
