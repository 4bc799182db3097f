#!/usr/bin/env bash
# Here: what a device call would carry, counted as the device tool counts it (the working tree's
# tracked and untracked-not-ignored files, plus the carried paths; 64 MiB a call), so that a lease
# never meets "the working tree is larger than 64 MiB" with the machine already started.
#   bash tools/gpu-kit/carry.sh [--limit MIB] PATH...   prints the tree, each PATH and the total
#                                                       in MiB; exits 1 over MIB (default 64) or
#                                                       when a PATH is missing
#   bash tools/gpu-kit/carry.sh --tree-bytes            the working tree's bytes alone
# Run it in the checkout the session was started in: that one travels, whichever worktree calls.
set -euo pipefail
cd "$(git rev-parse --show-toplevel)"

tree_bytes() {
  # -c lists a tracked file deleted here too: count what exists, as only that can travel.
  git ls-files -z -c -o --exclude-standard | xargs -0 -r stat -c '%s' -- 2>/dev/null \
    | awk '{ s += $1 } END { printf "%d\n", s }'
}
mib() { awk -v b="$1" 'BEGIN { printf "%.1f", b / 1048576 }'; }

limit=64
case "${1:-}" in
--tree-bytes) tree_bytes; exit 0 ;;
--limit) limit=$2; shift 2 ;;
esac

tree=$(tree_bytes)
total=$tree
printf '  %-52s %7s MiB\n' "working tree (tracked, untracked not ignored)" "$(mib "$tree")"
missing=()
for p in "$@"; do
  if [ ! -e "$p" ]; then missing+=("$p"); continue; fi
  b=$(du -sb -- "$p" | cut -f1)
  total=$(( total + b ))
  printf '  %-52s %7s MiB\n' "$p" "$(mib "$b")"
done
printf '  %-52s %7s MiB (limit %s MiB)\n' "in all" "$(mib "$total")" "$limit"
(( ${#missing[@]} == 0 )) || { echo "carry.sh: missing ${missing[*]} (pack.sh / prepare.sh first)" >&2; exit 1; }
if (( total > limit * 1048576 )); then
  echo "carry.sh: $(mib "$total") MiB is over the ${limit} MiB a call may carry: carry less, or make the parts smaller (prepare.sh)" >&2
  exit 1
fi
