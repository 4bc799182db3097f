#!/usr/bin/env bash
# Lease 1: every number the project needs from a lent NVIDIA GPU, in ONE call (no idle gap for the
# machine to go back in), each stage under a cap, in the order of their value, so that a short or
# cut call loses the least valuable:
#   probe        the adapter Dawn picks, its features, limits, subgroup sizes and subgroup-matrix
#                configurations (Dawn toggles allow_unsafe_apis,vulkan_enable_f16_on_nvidia), and
#                again as webgrad's init() makes the instance; stops the call where it is not a GPU
#   torch        PyTorch's times of the bench's cases (fp32, TF32 off, recorded in the JSON)
#   GEMM         the GEMM cases beside tfjs-webgpu
#   steps        the training steps beside tfjs (mlp, alexnet-small, faithful alexnet and
#                alexnet-seed at batch 128; tfjs builds alexnet-seed's even-window LRN from ops)
#   layers       AlexNet's layers at batch 128 beside tfjs
#   conv forms   every form of conv2d the policy lists (CONV_VARIANTS: implicit, im2col, and
#                Winograd on conv3-5), at batch 128
#   profile      both batch-128 steps: GPU time per kernel, buffers created
#   verify       the kernel tests on the GPU (test/device/run.ts), under a time budget
#   robustness   the headline cases without Dawn's robustness transform
#   tune-gemm    the GEMM's candidate configurations, each checked against a reference
#   cold start   `bench --warm-up` where the bench has that flag (skipped with a note otherwise)
#   headline     on the 10k/2k subset: PyTorch's alexnet-seed 9 epochs, then webgrad's as far as
#                the time left goes, both from the same initialisation (--init pattern) and batches
#
# Every bench and PyTorch case is appended to $OUT/results.jsonl as soon as it is measured (with a
# line per stage: its exit status and seconds), so a stage killed at its cap keeps what it measured;
# every process shares one GEMM autotune table ($TUNE); each bench stage prints the pipelines it
# compiled and the milliseconds spent. $OUT ends with log.txt, results.jsonl, DATE-CARD.json (the
# lines merged, by stage), results.tar.gz (each stage's own files), headline.svg and headline.md.
#
# Here first: bash tools/gpu-kit/pack.sh   (the kit and the subset; README.md: the call's arguments)
# There:      TIMEOUT_S=550 bash tools/gpu-kit/lease1.sh     (TIMEOUT_S: the call's timeout_s)
# SMOKE=1 runs every stage on tiny cases here (lavapipe, PyTorch on the CPU), through the kit.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
cd "$here/../.."
source "$here/lib.sh"
smoke=${SMOKE:-}
begin lease1 "${TIMEOUT_S:-550}"
need .gpu-kit/run.sh .gpu-kit/node.xz .gpu-kit/probe.mjs .gpu-kit/index.mjs .gpu-kit/main.mjs .gpu-kit/compare.mjs \
  .gpu-kit/verify.mjs .gpu-kit/tune-gemm.mjs .gpu-data/cifar-subset.tar.xz
kit=(bash .gpu-kit/run.sh)
TUNE=/tmp/webgrad-autotune.json   # one table for every process of this lease
rm -f "$TUNE"
merged="$(date -u +%F)-$(card | tr 'A-Z' 'a-z' | sed -E 's/[^a-z0-9]+/-/g; s/^-|-$//g' | cut -c1-40)"
if command -v nvidia-smi >/dev/null; then nvidia-smi --query-gpu=name,driver_version,memory.total,clocks.max.sm --format=csv || true; fi

# DATE-CARD.json: results.jsonl's lines by stage (to commit as bench/results/DATE-CARD.json).
merge() { python3 "$here/merge.py" "$OUT/results.jsonl" "$OUT/$merged.json" "$(card)"; }
on_finish merge
headline_out() {
  for f in headline.svg table.md; do
    if [ -f "$R/headline/$f" ]; then cp "$R/headline/$f" "$OUT/headline.${f##*.}"; fi
  done
}
on_finish headline_out

if [ -n "$smoke" ]; then
  gemms='^gemm/square 256$'; steps='^training/mlp step'; layers='^alexnet/conv3 forward \(batch 1\)'
  convs='^conv/conv3 .* forward \(batch 1\)'; profiled='^training/mlp step'; robust='^gemm/square 256$'
  torchargs=(--device cpu --reps 3 --filter '^gemm/square 256$|small step b16'); py=/usr/bin/python3; gpu=(); verify=(--files kernels/selection.test.ts)
  tune=(--quick); cold='^gemm/square 256$'
else
  gemms='^gemm/'; steps='^training/'; layers='^alexnet/.*batch 128\)|^attention/'; convs='^conv/.*batch 128\)'
  profiled='^training/alexnet(-seed)? step b128$'; robust='^gemm/(square 4096|fc6)|^alexnet/conv. (forward|backward) \(batch 128\)|^training/alexnet(-seed)? step b128$'
  torchargs=(); py=python3; gpu=(--require-gpu); verify=(); tune=(); cold='^training/alexnet-seed step b128$'
fi
# The smoke leaves autotuning as lavapipe's default (off): a table file turns it on, and the
# conv tuner's candidates take minutes there.
tunefile=$TUNE; if [ -n "$smoke" ]; then tunefile=; fi
bench=("${kit[@]}" index.mjs --jsonl "$OUT/results.jsonl" ${tunefile:+--autotune-file "$tunefile"})

# The caps (seconds) in the stages' order: the probe's whole, then the others scaled together to fit
# what is left less the headline's share (60 s, or a quarter of a short call). A stage that ends
# early leaves its time to the later ones.
c_probe=15 c_probe2=10
headline_min=$(( $(left) / 4 < 60 ? $(left) / 4 : 60 ))
read -r c_torch c_gemm c_steps c_layers c_conv c_profile c_verify c_robust c_tune c_cold < <(
  fit $(( $(left) - c_probe - c_probe2 - headline_min )) 50 40 60 60 45 30 45 30 35 20 | paste -sd' ')
echo "caps: probe $c_probe + $c_probe2, torch $c_torch, GEMM $c_gemm, steps $c_steps, layers $c_layers, conv forms $c_conv, profile $c_profile," \
  "verify $c_verify, robustness $c_robust, tune-gemm $c_tune, cold start $c_cold, headline the rest ($(left)s in all)"

torch_stage() {
  if "$py" -c 'import torch' 2>/dev/null; then
    stage "$c_torch" torch "$py" bench/torch_reference.py "${torchargs[@]}" --jsonl "$OUT/results.jsonl" --json "$R/torch.json" || true
  else
    echo "=== torch: skipped, no PyTorch for $py"
  fi
}
probe() { stage "$c_probe" "$1" "${kit[@]}" probe.mjs "${gpu[@]}" --jsonl "$OUT/results.jsonl" --json "$R/probe.json"; }
if ! probe probe; then
  ls /usr/local/nvidia/share/vulkan/icd.d /usr/share/vulkan/icd.d /etc/vulkan/icd.d 2>&1 || true
  ldconfig -p | grep -i -e vulkan -e nvidia || true
  # The device notes' own recipe for Vulkan there: the loaders unpacked into / (LOADER_ROOT), then
  # ldconfig, the driver's libraries on the path; run.sh's copy under /tmp was not enough. (Not
  # under SMOKE=1, unless a LOADER_ROOT other than / tries the path here.)
  retry=; if [ -z "$smoke" ] || [ -n "${LOADER_ROOT:-}" ]; then retry=1; fi
  if [ -n "$retry" ]; then
    echo "=== no GPU adapter: the loaders into ${LOADER_ROOT:-/}, ldconfig, and the probe again"
    for deb in .gpu-kit/deb/*.deb; do dpkg -x "$deb" "${LOADER_ROOT:-/}"; done
    if [ -z "${LOADER_ROOT:-}" ]; then ldconfig || true; fi
    export LD_LIBRARY_PATH="/usr/local/nvidia/lib64:/usr/local/nvidia/lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
    if [ -z "${VK_DRIVER_FILES:-}" ] && [ -f /usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json ]; then
      export VK_DRIVER_FILES=/usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json
    fi
  fi
  if [ -z "$retry" ] || ! probe 'probe, loaders in /'; then
    # No webgrad figure can come from this machine: PyTorch's still can, for the next lease.
    torch_stage
    exit 1
  fi
fi
stage "$c_probe2" 'probe, webgrad flags' "${kit[@]}" probe.mjs --toggles '' --jsonl "$OUT/results.jsonl" --json "$R/probe-webgrad.json" || true
torch_stage
stage "$c_gemm" GEMM "${bench[@]}" --filter "$gemms" || true
stage "$c_steps" steps "${bench[@]}" --filter "$steps" || true
stage "$c_layers" layers "${bench[@]}" --filter "$layers" || true
stage "$c_conv" 'conv forms' "${bench[@]}" --no-tfjs --filter "$convs" || true
stage "$c_profile" profile "${bench[@]}" --no-tfjs --filter "$profiled" --reps 3 --profile || true
stage "$c_verify" verify "${kit[@]}" verify.mjs "${verify[@]}" --budget $(( c_verify > 15 ? c_verify - 10 : 5 )) --json "$R/verify.json" || true
stage "$c_robust" robustness "${bench[@]}" --no-robustness --no-tfjs --filter "$robust" || true
stage "$c_tune" tune-gemm "${kit[@]}" tune-gemm.mjs "${tune[@]}" --json "$R/tune-gemm.json" || true
# The first use's cost (pipelines compiled, autotuning) where the bench can measure it (--warm-up).
help=$("${kit[@]}" index.mjs --help 2>/dev/null || true)
if grep -q -- '--warm-up' <<< "$help"; then
  # Without the drivers' shader caches, which the stages before filled (NVIDIA's; Mesa's here).
  stage "$c_cold" 'cold start' env __GL_SHADER_DISK_CACHE=0 MESA_SHADER_CACHE_DIR="$(mktemp -d)" \
    "${bench[@]}" --no-tfjs --warm-up --filter "$cold" || true
else
  echo "=== cold start: skipped, this bench has no --warm-up"
  jsonl type stage stage 'cold start' rc skipped seconds 0 cap 0 note 'the bench has no --warm-up'
fi

# The headline on the subset: PyTorch's 9 epochs first (a minute on an H100), then webgrad's.
mkdir -p "$R/cifar"
tar -C "$R/cifar" -xJf .gpu-data/cifar-subset.tar.xz
cap=$(left)
stage "$cap" headline env OUT="$R/headline" TIMEOUT_S="$cap" RESERVE_S=5 RUNS='pytorch webgrad-seed' RUNS_DIR="$R/runs" \
  DATA="$R/cifar/cifar-10-batches-bin" TORCH_S=$(( cap / 3 < 120 ? cap / 3 : 120 )) AUTOTUNE_FILE="$tunefile" bash "$here/headline.sh" || true
