# Sourced by bench/gpu-session.sh and examples/alexnet-cifar/reference/gpu-headline.sh: the start of
# a lease-bound script, and one stage of it.
#   begin LOG_DIR SCRATCH BUDGET     copies all output to LOG_DIR/log.txt, empties the folder SCRATCH
#                                    and sets `deadline` BUDGET_S (default BUDGET) seconds from now.
begin() {
  mkdir -p "$1"
  exec > >(tee -a "$1/log.txt") 2>&1
  rm -rf "$2" && mkdir -p "$2"
  deadline=$(( $(date +%s) + ${BUDGET_S:-$3} ))
}

# 30 s before the deadline are kept for packing up results.
#   stage CAP NAME COMMAND ARGS...   runs COMMAND for at most CAP seconds, never past the deadline,
#                                    and returns its exit status (1 when no time is left).
# (timeout runs commands, not shell functions: pass a program, e.g. `bash script.sh`.)
stage() {
  local cap=$1 name=$2; shift 2
  local left=$(( deadline - $(date +%s) - 30 ))
  (( left < cap )) && cap=$left
  if (( cap < 5 )); then echo "=== $name: skipped, no time left"; return 1; fi
  echo "=== $(date +%T) $name (at most ${cap}s)"
  local t0=$(date +%s)
  timeout "$cap" "$@"
  local rc=$?
  echo "=== $name: exit $rc after $(( $(date +%s) - t0 ))s"
  return $rc
}
