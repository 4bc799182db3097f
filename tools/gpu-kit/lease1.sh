#!/usr/bin/env bash
# Everything measured on a lent NVIDIA GPU, in one call (the lease is minutes), in the order of what
# the speed issue needs most, so that a short BUDGET_S cuts the diagnostics at the end:
#   adapter     Dawn found the GPU (not a software adapter)
#   verify      the kernel tests (test/device/run.ts) on the GPU, under its defaults
#   GEMM        the GEMM bench cases beside tfjs-webgpu
#   layers      the AlexNet layers and training steps beside tfjs-webgpu
#   torch       PyTorch's times of the same cases (fp32, TF32 off; bench/torch_reference.py)
#   robustness  the headline cases again with Dawn's robustness transform off (--no-robustness)
#   profile     the faithful AlexNet training step at batch 128: GPU time per kernel, buffers
#               created, time creating them and recording time per step (unquantised timestamps)
#   GEMM_TUNE   the GEMM's candidate configurations at 4096³ and every AlexNet shape, each checked
#               against a reference (arguments: GEMM_TUNE_ARGS, output: $R/tune-gemm.json)
#   conv forms  conv2d's implicit and im2col forms side by side
#   training    the faithful AlexNet on CIFAR-10 with the time left (FAITHFUL_INITS)
# Each stage has a cap, under one overall deadline (BUDGET_S, default 510 s). The stages' --json
# outputs are merged into $OUT/DATE-CARD.json (to commit as bench/results/DATE-CARD.json and
# summarise in bench/RESULTS.md); $OUT/log.txt is the whole log, $OUT/results.tar.gz the rest.
#
# Here, first: bash bench/gpu-pack.sh --kit-only  (docs/gpu-kit.md: the lease, call by call)
# There:       bash bench/gpu-session.sh
# SMOKE=1 runs every stage on tiny cases (a few minutes on lavapipe), to try the script without a GPU.
# TORCH=0, LAYERS (a bench filter), FAITHFUL_INITS (empty skips training), GEMM_TUNE=0 shorten it.
set -u
source "$(dirname "${BASH_SOURCE[0]}")/gpu-stage.sh"
OUT=${OUT:-/tmp/gpu-out}
R=/tmp/webgrad-gpu
begin "$OUT" "$R" 510
smoke=${SMOKE:-}
kit="bash .gpu-kit/run.sh"  # (timeout runs commands, not shell functions)

card=$(nvidia-smi --query-gpu=name --format=csv,noheader 2>/dev/null | head -1)
nvidia-smi --query-gpu=name,driver_version,memory.total,clocks.max.sm --format=csv 2>&1
gpu=--require-gpu; [ -n "$smoke" ] && gpu=
if ! stage 60 adapter $kit index.mjs $gpu --no-tfjs --filter '^gemm/square 256$' --reps 3 --json "$R/adapter.json"; then
  ls /usr/local/nvidia/share/vulkan/icd.d /usr/share/vulkan/icd.d /etc/vulkan/icd.d 2>&1
  ldconfig -p | grep -i -e vulkan -e nvidia
  exit 1
fi
[ -z "$card" ] && [ -n "$smoke" ] && card=smoke-software
[ -n "$card" ] || card=$(python3 -c "import json; print(json.load(open('$R/adapter.json'))['adapter'])" 2>/dev/null || echo unknown)
name="$(date -u +%F)-$(echo "$card" | tr 'A-Z' 'a-z' | sed -E 's/[^a-z0-9]+/-/g; s/^-|-$//g' | cut -c1-40)"
if [ -n "$smoke" ]; then
  step='small step b16'; gemms='^gemm/square 256$'; layers='conv3 (forward|im2col) \(batch 1\)'
  tune=${GEMM_TUNE_ARGS---quick}; torchargs="--device cpu --reps 3 --filter ^gemm/square.256|small.step.b16"
  steps='--max-steps 1 --train-subset 16 --test-subset 8 --batch 4 --eval-batch 4'; py=/usr/bin/python3
  verify=--quick; robust='^gemm/square 256$|conv3 forward \(batch 1\)'
else
  step='^training/alexnet step b128$'; gemms='^gemm/'; layers='^(alexnet/.*batch (8|128)\)|training/)'
  tune=${GEMM_TUNE_ARGS-}; torchargs=; steps=; py=python3
  verify=; robust='^gemm/(square 4096|fc6)|^alexnet/conv. (forward|backward) \(batch 128\)|^training/alexnet step b128$'
fi
# The kernel tests under this adapter's defaults, before anything is timed: a failure is in
# $R/verify.json and the log, and the session goes on (its figures are then suspect).
[ -f .gpu-kit/verify.mjs ] && stage 90 verify $kit verify.mjs $verify --budget 75 --json "$R/verify.json"
stage 60 GEMM $kit index.mjs --filter "$gemms" --json "$R/bench-gemm.json"
stage 150 layers $kit index.mjs --filter "${LAYERS:-$layers}" --json "$R/bench-layers.json"
[ "${TORCH:-1}" = 1 ] && stage 60 torch $py bench/torch_reference.py $torchargs --json "$R/torch.json"
# Dawn's robustness transform clamps every workgroup-memory read of the GEMM's inner loop: the
# headline cases without it (webgrad alone: tfjs shares the Dawn instance, so it would lose it too).
stage 90 robustness $kit index.mjs --no-robustness --no-tfjs --filter "$robust" --json "$R/bench-no-robustness.json"
# Where the step's time goes, and whether it creates buffers.
stage 90 profile $kit index.mjs --no-tfjs --filter "$step" --reps 3 --profile --json "$R/profile.json"
if [ "${GEMM_TUNE:-1}" = 1 ] && [ -f .gpu-kit/tune-gemm.mjs ]; then
  stage 90 GEMM_TUNE $kit tune-gemm.mjs $tune --json "$R/tune-gemm.json"
fi
# conv2d's two forms side by side (the layers bench times the default, implicit on GPUs).
convs='^conv/.*batch 128\)'; [ -n "$smoke" ] && convs='^conv/conv3 .*batch 1\)'
stage 60 'conv forms' $kit index.mjs --no-tfjs --filter "${CONVS:-$convs}" --json "$R/bench-conv.json"

# Training on the full CIFAR-10 where data-parts.sh has received it, else on the kit's subset.
cifar=
if [ -d .gpu-data/cifar10/cifar-10-batches-bin ]; then
  cifar=.gpu-data/cifar10/cifar-10-batches-bin
elif [ -f .gpu-data/cifar-subset.tar.xz ]; then
  python3 -c "import tarfile; tarfile.open('.gpu-data/cifar-subset.tar.xz').extractall('$R/cifar')"
  cifar=$R/cifar/cifar-10-batches-bin
fi
if [ -n "$cifar" ]; then
  for init in ${FAITHFUL_INITS-kaiming}; do
    stage 150 "faithful alexnet $init" $kit main.mjs --model alexnet --init $init --data "$cifar" \
      --epochs 30 --batch 128 --eval-batch 250 --log-every 5 --out "$R/alexnet-$init" $steps
  done
else
  echo "=== training: skipped, no CIFAR-10 in .gpu-data/"
fi

# One JSON of every stage's output, named by date and card.
python3 - "$R" "$OUT/$name.json" "$card" <<'EOF' || echo "merging the JSON failed"
import json, os, sys
r, out, card = sys.argv[1:4]
merged = {"card": card, "stages": {}}
for f in sorted(os.listdir(r)):
    if f.endswith(".json"):
        try:
            merged["stages"][f[:-5]] = json.load(open(os.path.join(r, f)))
        except ValueError as e:
            merged["stages"][f[:-5]] = {"error": str(e)}
json.dump(merged, open(out, "w"), indent=1)
print(f"wrote {out} ({', '.join(merged['stages'])}): commit it as bench/results/{os.path.basename(out)}")
EOF
(cd "$R" && tar -czf "$OUT/results.tar.gz" --exclude='*.safetensors' --exclude=cifar .)
ls -la "$OUT"
