#!/usr/bin/env bash
# Moves a CIFAR-10 archive (the full one: 110.6 MB .tar.xz) to the GPU machine in parts small
# enough for a call's 64 MiB, each checked by MD5 there.
#
# Here:   bash tools/gpu-kit/data-parts.sh split [ARCHIVE] [SIZE ...]
#           -> .gpu-data/cifar-parts/cifar10.part.NN, part NN of the NN-th SIZE (bytes, or with
#              split's suffixes: 28M is 28 MiB), the last SIZE repeated to the archive's end
#              (default 28M), and cifar10.md5 (each part's MD5, then the archive's). prepare.sh
#              gives the sizes that fill each call's carry. .gpu-data/ is ignored by git.
# There:  bash tools/gpu-kit/data-parts.sh receive [NN ...]
#           moves the parts this call carried into .gpu-data/cifar10/ (kept between calls on a warm
#           machine, not being a carried path) and checks each one's MD5; exits 1 on a mismatch
#           (the part is removed) and 3 when a part NN (default: every part) is not there, naming
#           it. Once all are there it joins them, checks the archive's MD5 (exit 1 on a mismatch)
#           and extracts it: .gpu-data/cifar10/**/cifar-10-batches-bin/.
#         bash tools/gpu-kit/data-parts.sh folder   prints the extracted cifar-10-batches-bin folder
#                                                   (exit 3 when there is none)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
root=$(pwd)
parts=.gpu-data/cifar-parts
dest=.gpu-data/cifar10

folder() { find "$root/$dest" -type d -name cifar-10-batches-bin 2>/dev/null | head -1; }

case "${1:-}" in
split)
  archive=${2:-../shared/datasets/cifar10/cifar-10-binary.tar.xz}
  [ -f "$archive" ] || archive=../../shared/datasets/cifar10/cifar-10-binary.tar.xz
  [ -f "$archive" ] || { echo "data-parts: no archive at ${2:-../shared/datasets/cifar10/}" >&2; exit 1; }
  shift $(( $# < 2 ? $# : 2 ))
  sizes=("$@"); (( ${#sizes[@]} )) || sizes=(28M)
  rm -rf "$parts" && mkdir -p "$parts"
  length=$(stat -c %s "$archive") offset=0 n=0
  while (( offset < length )); do
    size=$(numfmt --from=iec "${sizes[$(( n < ${#sizes[@]} ? n : ${#sizes[@]} - 1 ))]}")
    (( size > 0 )) || { echo "data-parts: a part of $size bytes" >&2; exit 1; }
    dd if="$archive" of="$parts/cifar10.part.$(printf %02d "$n")" bs=1M iflag=skip_bytes,count_bytes \
      skip="$offset" count="$size" status=none
    offset=$(( offset + size )) n=$(( n + 1 ))
  done
  (cd "$parts" && md5sum cifar10.part.* > cifar10.md5)
  (cd "$(dirname "$archive")" && md5sum "$(basename "$archive")") >> "$parts/cifar10.md5"
  ls -la "$parts"
  ;;
receive)
  shift
  mkdir -p "$dest"
  if [ -f "$parts/cifar10.md5" ]; then cp "$parts/cifar10.md5" "$dest/"; fi
  for p in "$parts"/cifar10.part.*; do if [ -f "$p" ]; then mv -f "$p" "$dest/"; fi; done
  [ -f "$dest/cifar10.md5" ] || { echo "data-parts: missing cifar10.md5 (carry it with every call that carries parts)" >&2; exit 3; }
  cd "$dest"
  if [ -n "$(folder)" ]; then echo "data-parts: extracted already: $(folder)"; exit 0; fi
  bad=()
  while read -r sum file; do
    if [ -f "$file" ] && ! echo "$sum  $file" | md5sum -c --quiet - >/dev/null 2>&1; then bad+=("$file"); rm -f "$file"; fi
  done < <(grep 'cifar10\.part\.' cifar10.md5)
  (( ${#bad[@]} == 0 )) || { echo "data-parts: MD5 mismatch, removed: ${bad[*]}" >&2; exit 1; }
  mapfile -t all < <(grep -o 'cifar10\.part\.[0-9]*' cifar10.md5)
  wanted=(); for n in "$@"; do wanted+=("cifar10.part.$n"); done
  (( ${#wanted[@]} )) || wanted=("${all[@]}")
  missing=(); for f in "${wanted[@]}"; do [ -f "$f" ] || missing+=("$f"); done
  echo "data-parts: $(find . -maxdepth 1 -name 'cifar10.part.*' | wc -l) of ${#all[@]} parts here"
  (( ${#missing[@]} == 0 )) || { echo "data-parts: missing ${missing[*]} (carried by an earlier call on this machine?)" >&2; exit 3; }
  for f in "${all[@]}"; do [ -f "$f" ] || exit 0; done
  name=$(grep -v 'cifar10\.part\.' cifar10.md5 | awk '{print $2}')
  cat "${all[@]}" > "$name"
  grep " $name\$" cifar10.md5 | md5sum -c - || { echo "data-parts: $name: MD5 mismatch after joining" >&2; rm -f "$name"; exit 1; }
  tar -xf "$name"
  rm -f cifar10.part.* "$name"
  echo "data-parts: extracted $(folder)"
  ;;
folder)
  f=$(folder)
  [ -n "$f" ] || { echo "missing: $dest/**/cifar-10-batches-bin (data-parts.sh receive, every part)" >&2; exit 3; }
  echo "$f"
  ;;
*)
  echo "usage: data-parts.sh split [ARCHIVE] [SIZE ...] | receive [NN ...] | folder" >&2
  exit 2
  ;;
esac
