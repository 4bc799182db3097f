#!/usr/bin/env bash
# Lease 2: the headline on the full CIFAR-10 (webgrad's alexnet-seed, 9 epochs), in three calls
# issued back to back (the machine goes back after ~30 s idle, taking the received parts with it).
# Call N carries cifar10.md5 and part N-1 (call 1 the kit too), each part sized by prepare.sh to
# fill its call's 64 MiB; the call that carries the last part joins, extracts and trains:
#   call 1  carries the kit and part 00            TIMEOUT_S=60  bash tools/gpu-kit/lease2.sh 1
#   call 2  carries part 01                        TIMEOUT_S=60  bash tools/gpu-kit/lease2.sh 2
#   call 3  carries part 02, then trains           TIMEOUT_S=T   bash tools/gpu-kit/lease2.sh 3
#   (any lease with 4 spare minutes and the data)  TIMEOUT_S=T   bash tools/gpu-kit/lease2.sh pytorch
# Each call checks first what earlier calls left on the machine and exits 3 naming what is missing
# (the machine went back: start the lease again); a part with a wrong MD5 exits 1. The last call
# runs headline.sh: webgrad's 9 epochs, then PyTorch's 9 if at least MIN_TORCH_S (240) seconds
# are left (else `lease2.sh pytorch` in a later call); T is the call's timeout_s, and the
# headline's deadline counts from this script's start (receiving and extracting the data included).
# Here, after lease 1: bash tools/gpu-kit/lease2.sh plan RESULTS   (lease 1's results.jsonl or
# DATE-CARD.json) prints whether the 9 epochs fit at lease 1's alexnet-seed images/s, and the calls
# with what each carries (carry.sh).
# Prepare with: bash tools/gpu-kit/prepare.sh  (SMOKE=1: the mini set in small parts, to try here)
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
cd "$here/../.."
source "$here/lib.sh"
t0=$(date +%s)
call=${1:-}
parts=(bash "$here/data-parts.sh")
kit_files=(.gpu-kit/run.sh .gpu-kit/node.xz .gpu-kit/main.mjs .gpu-kit/compare.mjs)
# What remains of TIMEOUT_S (default: a call's 600), for the headline's own deadline.
remaining() { echo $(( ${TIMEOUT_S:-600} - ($(date +%s) - t0) )); }

case $call in
[1-9])
  need "${kit_files[@]}"
  # This call's part and every earlier one: a part missing means the machine went back (exit 3).
  wanted=(); for (( i = 0; i < call; i++ )); do wanted+=("$(printf %02d "$i")"); done
  "${parts[@]}" receive "${wanted[@]}"
  total=$(grep -c 'cifar10\.part\.' .gpu-data/cifar10/cifar10.md5)
  (( call <= total )) || { echo "lease2.sh: call $call, but the archive has $total parts" >&2; exit 2; }
  if (( call < total )); then echo "lease2.sh: call $call of $total received; call $(( call + 1 )) carries part $(printf %02d "$call")"; exit 0; fi
  data=$("${parts[@]}" folder)
  exec env TIMEOUT_S="$(remaining)" DATA="$data" RUNS='webgrad-seed pytorch' MIN_TORCH_S="${MIN_TORCH_S:-240}" \
    AUTOTUNE_FILE=/tmp/webgrad-autotune.json bash "$here/headline.sh"
  ;;
pytorch)
  data=$("${parts[@]}" folder)
  exec env TIMEOUT_S="$(remaining)" DATA="$data" RUNS=pytorch bash "$here/headline.sh"
  ;;
plan)
  results=${2:-}
  [ -f "$results" ] || { echo "usage: lease2.sh plan RESULTS (lease 1's results.jsonl or DATE-CARD.json)" >&2; exit 2; }
  python3 - "$results" <<'EOF'
import json, sys
path = sys.argv[1]
text = open(path).read()
lines = [json.loads(t) for t in text.splitlines() if t.strip().startswith("{")] if path.endswith(".jsonl") else \
    [l for s in json.loads(text)["stages"].values() for l in s["lines"]]
steps = [l for l in lines if l.get("type") == "case" and l.get("name") == "training/alexnet-seed step b128" and "webgrad" in l]
if not steps:
    sys.exit(f"{path}: no webgrad 'training/alexnet-seed step b128' case: lease 1's steps stage did not reach it")
ms = min(l["webgrad"]["ms"] for l in steps)
torch = [l for l in lines if l.get("side") == "pytorch" and l.get("name") == "training/alexnet-seed step b128"]
# An epoch: 391 steps of 128, and the 10,000 test images forward (about a third of a step per 128).
epoch_s = 391 * ms / 1e3 + 10000 / 128 * ms / 3 / 1e3
total_s = 9 * epoch_s
# A lease: 900 s in all; the machine's start (~120 s), calls 1 and 2 (uploads of ~62 MiB, ~30 s each
# with their commands), call 3's upload and download (~20 s) and a margin (~30 s) leave call 3 about
# 700 s, of which a command may take 600; receiving, startup and packing up take ~60 s of those.
call3 = 600
train_s = call3 - 60
print(f"lease 1: webgrad alexnet-seed step at batch 128: {ms:.1f} ms ({128e3 / ms:.0f} images/s)"
      + (f"; PyTorch {torch[0]['ms']:.1f} ms" if torch else ""))
print(f"an epoch: ~{epoch_s:.0f} s; 9 epochs: ~{total_s:.0f} s; call 3 trains for at most ~{train_s} s")
if total_s <= train_s:
    print("GO: the 9 epochs fit one lease.")
else:
    fit = int(train_s // epoch_s)
    need_ms = ms * train_s / total_s
    print(f"NOT YET: {fit} of 9 epochs would fit; the 9 fit at about {need_ms:.0f} ms a step or less. "
          "Run lease 2 once the step is there (the calls below are the same then).")
print("The calls, issued back to back, then give_back (T = min(600, budget_left_s of the previous reply - 60)):")
EOF
  dir=.gpu-data/cifar-parts
  need "$dir/cifar10.md5"
  total=$(grep -c 'cifar10\.part\.' "$dir/cifar10.md5")
  for (( c = 1; c <= total; c++ )); do
    mapfile -t carry < <(lease2_carry "$c")
    t=60; (( c < total )) || t=T
    printf '  %d. run carry=[%s]\n     command="TIMEOUT_S=%s bash tools/gpu-kit/lease2.sh %d" timeout_s=%s\n' \
      "$c" "$(printf '"%s", ' "${carry[@]}" | sed 's/, $//')" "$t" "$c" "$t"
    bash "$here/carry.sh" "${carry[@]}" | sed 's/^/    /'
  done
  echo "  PyTorch's 9 epochs (~4 min) run in call $total when 240 s are left after webgrad's, else in a call"
  echo '  with carry=[] command="TIMEOUT_S=300 bash tools/gpu-kit/lease2.sh pytorch" timeout_s=300 if the lease has 5 minutes.'
  ;;
*)
  echo "usage: lease2.sh CALL|pytorch (on the GPU machine) | plan RESULTS (here)" >&2
  exit 2
  ;;
esac
