# The shared part of the lease scripts (lease1.sh, lease2.sh, headline.sh), sourced by them.
#
#   begin NAME TIMEOUT     starts a lease-bound script: all output also to $OUT/log.txt, a fresh
#                          scratch folder $R (/tmp/webgrad-NAME), and `deadline`: TIMEOUT seconds
#                          (the call's timeout_s, or the cap a parent gave) from now, less RESERVE_S
#                          (default 25) kept for packing up. Packing up runs after each stage and on
#                          any exit, so that $OUT is whole whenever the call is killed.
#   need PATH...           exits 3 naming every PATH that is missing (files an earlier call carried)
#   fit BUDGET CAP...      the caps, scaled down together where their sum is over BUDGET seconds
#   stage CAP NAME CMD...  runs CMD for at most CAP seconds and never past the deadline; appends a
#                          line {"type":"stage",...} to $OUT/results.jsonl; returns CMD's status
#                          (1 when no time is left). Lines CMD appends to results.jsonl between the
#                          stage's start and end lines are that stage's.
#   left                   seconds left before the deadline
#   card                   the GPU's name (nvidia-smi), or smoke-software / unknown
#   on_finish FUNCTION     FUNCTION runs on exit, before the last packing up (a merged JSON, a figure)
#   lease2_carry CALL      the paths lease 2's call CALL carries, a line each: cifar10.md5 and part
#                          CALL-1, and in call 1 the kit (prepare.sh sizes the parts to fit; plan prints them)
#
# $OUT holds at most MAX_OUT_FILES (8) files, as a call brings back no more: a script writes only
# a few there (log.txt, results.jsonl, and what its on_finish adds), the rest of what it keeps goes
# into $OUT/results.tar.gz from $R; anything over the limit is moved into $OUT/overflow.tar.gz.

MAX_OUT_FILES=8

begin() {
  local name=$1 timeout=$2
  OUT=${OUT:-/tmp/gpu-out}
  R=/tmp/webgrad-$name
  mkdir -p "$OUT" && touch "$OUT/results.jsonl"
  rm -rf "$R" && mkdir -p "$R"
  exec > >(tee -a "$OUT/log.txt") 2>&1
  started=$(date +%s)
  deadline=$(( started + timeout - ${RESERVE_S:-25} ))
  finishers=()
  trap finish EXIT
  trap 'echo "=== stopped by a signal"; exit 143' TERM INT
  echo "=== $(date -u +%FT%TZ) $name: ${timeout}s in all, stages until $(( deadline - started ))s, then packing up"
}

need() {
  local missing=() p
  for p in "$@"; do [ -e "$p" ] || missing+=("$p"); done
  if (( ${#missing[@]} )); then
    echo "missing: ${missing[*]} (carried by an earlier call, or not prepared here: see tools/gpu-kit/README.md)" >&2
    exit 3
  fi
}

fit() {
  local budget=$1 sum=0 c; shift
  for c in "$@"; do sum=$(( sum + c )); done
  for c in "$@"; do
    if (( sum > budget )); then echo $(( c * budget / sum )); else echo "$c"; fi
  done
}

left() { echo $(( deadline - $(date +%s) )); }

card() {
  local c
  c=$(nvidia-smi --query-gpu=name --format=csv,noheader 2>/dev/null | head -1 || true)
  if [ -z "$c" ]; then if [ -n "${SMOKE:-}" ]; then c=smoke-software; else c=unknown; fi; fi
  echo "$c"
}

# A JSON line into $OUT/results.jsonl from KEY VALUE pairs (a whole number is a number).
jsonl() {
  python3 -c 'import json, re, sys
a = sys.argv[1:]
print(json.dumps({k: int(v) if re.fullmatch(r"-?[0-9]+", v) else v for k, v in zip(a[::2], a[1::2])}))' "$@" >> "$OUT/results.jsonl"
}

stage() {
  local cap=$1 stage_name=$2; shift 2
  local l; l=$(left)
  (( l < cap )) && cap=$l
  if (( cap < 5 )); then
    echo "=== $stage_name: skipped, no time left"
    jsonl type stage stage "$stage_name" rc skipped seconds 0 cap "$cap"
    return 1
  fi
  echo "=== $(date +%T) $stage_name (at most ${cap}s)"
  jsonl type stage-start stage "$stage_name" cap "$cap"
  local t0 rc=0; t0=$(date +%s)
  timeout --kill-after=5 "$cap" "$@" || rc=$?
  local took=$(( $(date +%s) - t0 ))
  echo "=== $stage_name: exit $rc after ${took}s$( (( rc == 124 || rc == 137 )) && echo ' (its cap)')"
  jsonl type stage stage "$stage_name" rc "$rc" seconds "$took" cap "$cap"
  pack_up
  return "$rc"
}

on_finish() { finishers+=("$1"); }

# $R into $OUT/results.tar.gz (written aside, then moved: a kill leaves the last whole one).
pack_up() {
  tar -czf "$OUT/.results.tar.gz" -C "$R" --exclude='*.safetensors' --exclude='checkpoint.*' --exclude=cifar --exclude='cifar10*' . 2>/dev/null \
    && mv -f "$OUT/.results.tar.gz" "$OUT/results.tar.gz"
  limit_out
}

limit_out() {
  local files extra
  mapfile -t files < <(cd "$OUT" && find . -type f ! -name '.*' | sed 's#^\./##' | sort)
  (( ${#files[@]} <= MAX_OUT_FILES )) && return 0
  mapfile -t extra < <(printf '%s\n' "${files[@]}" | grep -v -x -e log.txt -e results.jsonl -e results.tar.gz -e overflow.tar.gz | tail -n +$(( MAX_OUT_FILES - 3 )))
  (cd "$OUT" && tar -czf overflow.tar.gz "${extra[@]}" && rm -f "${extra[@]}")
  echo "packing up: ${#extra[@]} files into overflow.tar.gz (a call brings back $MAX_OUT_FILES)"
}

finish() {
  local rc=$? f
  trap - EXIT
  for f in "${finishers[@]}"; do "$f" || echo "packing up: $f failed"; done
  pack_up
  echo "=== $(date -u +%FT%TZ) done (exit $rc) after $(( $(date +%s) - started ))s; in $OUT:"
  ls -la "$OUT"
  exit "$rc"
}

lease2_carry() {
  local dir=.gpu-data/cifar-parts
  (( $1 > 1 )) || echo .gpu-kit
  echo "$dir/cifar10.md5"
  printf '%s/cifar10.part.%02d\n' "$dir" $(( $1 - 1 ))
}
