#!/usr/bin/env bash
# Moves the full CIFAR-10 archive (110.6 MB .tar.xz) to the GPU machine in parts small enough for
# the lease's 64 MiB per call (with the ~30 MB kit in the first call), checked by MD5 there.
#
# Here:   bash examples/alexnet-cifar/reference/data-parts.sh split [ARCHIVE] [PART_MIB]
#           -> .gpu-data/cifar-parts/cifar10.part.NN (PART_MIB, default 28) and cifar10.md5
#              (the parts' and the whole archive's MD5). .gpu-data/ is ignored by git.
# Then, one call per group of parts, carrying e.g. [".gpu-kit", ".gpu-data/cifar-parts/cifar10.part.00",
#   ".gpu-data/cifar-parts/cifar10.md5"], [".gpu-data/cifar-parts/cifar10.part.01", ...]:
# There:  bash examples/alexnet-cifar/reference/data-parts.sh receive
#           moves the carried parts into .gpu-data/cifar10/ (kept between calls on a warm machine,
#           not being a carried path), checks each part's MD5, and once all are there joins them,
#           checks the archive's MD5 and extracts .gpu-data/cifar10/cifar-10-batches-bin/.
#         bash examples/alexnet-cifar/reference/data-parts.sh status   (what has arrived)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../../.."
parts=.gpu-data/cifar-parts
dest=.gpu-data/cifar10
name=cifar-10-binary.tar.xz

case "${1:-}" in
split)
  archive=${2:-../shared/datasets/cifar10/$name}
  [ -f "$archive" ] || archive=/work/shared/datasets/cifar10/$name
  mib=${3:-28}
  rm -rf "$parts" && mkdir -p "$parts"
  split -b "${mib}M" -d "$archive" "$parts/cifar10.part."
  (cd "$parts" && md5sum cifar10.part.* > cifar10.md5)
  (cd "$(dirname "$archive")" && md5sum "$name") >> "$parts/cifar10.md5"
  ls -la "$parts"
  ;;
receive)
  mkdir -p "$dest"
  if [ -f "$parts/cifar10.md5" ]; then cp "$parts/cifar10.md5" "$dest/"; fi
  for p in "$parts"/cifar10.part.*; do if [ -f "$p" ]; then mv -f "$p" "$dest/"; fi; done
  [ -f "$dest/cifar10.md5" ] || { echo "data-parts: no cifar10.md5 yet (carry it with a part)" >&2; exit 1; }
  cd "$dest"
  want=$(grep -c 'cifar10\.part\.' cifar10.md5)
  while read -r sum file; do
    if [ -f "$file" ] && ! echo "$sum  $file" | md5sum -c --quiet -; then
      echo "data-parts: $file is corrupt; removed" >&2
      rm -f "$file"
    fi
  done < <(grep 'cifar10\.part\.' cifar10.md5)
  have=$(find . -maxdepth 1 -name 'cifar10.part.*' | wc -l)
  echo "data-parts: $have of $want parts here"
  if [ "$have" = "$want" ] && [ ! -d cifar-10-batches-bin ]; then
    cat cifar10.part.* > "$name"
    grep " $name\$" cifar10.md5 | md5sum -c -
    tar -xJf "$name"
    rm -f cifar10.part.*
    ls -la cifar-10-batches-bin
  fi
  ;;
status)
  ls -la "$dest" 2>/dev/null || echo "nothing in $dest"
  ;;
*)
  echo "usage: data-parts.sh split [ARCHIVE] [PART_MIB] | receive | status" >&2
  exit 2
  ;;
esac
