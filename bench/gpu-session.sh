#!/usr/bin/env bash
# Everything measured on a lent NVIDIA GPU, in one call (the lease is minutes): the adapter check,
# PyTorch's timings, the bench (GEMM, AlexNet layers, training steps) beside tfjs-webgpu, the faithful
# AlexNet trained on a CIFAR-10 subset, alexnet-small under the three initialisations, and the
# register-tiled GEMM for comparison. Each stage has a time cap under one overall deadline.
#
# Here, first: bash ../shared/gpu/pack.sh bench/index.ts examples/alexnet-cifar/main.ts
#              cp -r src/kernels/wgsl .gpu-kit/        (the bundles read their WGSL from beside them)
#              .gpu-data/cifar-subset.tar.xz           (cifar-10-batches-bin/: data_batch_1 and
#                                                       2,000 test records; the lease carries 64 MiB)
# There:       bash bench/gpu-session.sh               (results in $OUT: log.txt, results.tar.gz)
# SMOKE=1 runs every stage for a few seconds, to try the script on a machine without a GPU.
set -u
OUT=${OUT:-/tmp/gpu-out}
mkdir -p "$OUT"
exec > >(tee -a "$OUT/log.txt") 2>&1
R=/tmp/webgrad-gpu
rm -rf "$R" && mkdir -p "$R"
deadline=$(( $(date +%s) + ${BUDGET_S:-540} ))
smoke=${SMOKE:-}

# Runs a stage for at most CAP seconds and never past the deadline (30 s kept for packing up).
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
kit="bash .gpu-kit/run.sh"  # (timeout runs commands, not shell functions)

nvidia-smi --query-gpu=name,driver_version,memory.total,clocks.max.sm --format=csv 2>&1
gpu=--require-gpu; [ -n "$smoke" ] && gpu=
if ! stage 90 adapter $kit index.mjs $gpu --no-tfjs --filter '^gemm/square 256$' --reps 3; then
  ls /usr/local/nvidia/share/vulkan/icd.d /usr/share/vulkan/icd.d /etc/vulkan/icd.d 2>&1
  ldconfig -p | grep -i -e vulkan -e nvidia
  exit 1
fi

python3 -c "import tarfile; tarfile.open('.gpu-data/cifar-subset.tar.xz').extractall('$R/cifar')"
data=$R/cifar/cifar-10-batches-bin

if [ -n "$smoke" ]; then
  gemms='^gemm/square 256$'; layers='conv3 (forward|im2col) \(batch 1\)|small step b16'
  steps='--max-steps 2 --train-subset 64 --test-subset 16 --batch 8 --eval-batch 8'; py=/usr/bin/python3
else
  gemms='^gemm/'; layers='^(alexnet/.*batch (8|128)\)|training/)'; steps=; py=python3
fi
# Most wanted first: the GEMM beside tfjs, PyTorch and the other GEMM kernel; then training.
# FAITHFUL_INITS, SMALL_INITS (initialisations to train with; empty skips), TORCH=0 and LAYERS (a
# bench filter) shorten the plan for a short lease.
stage 60 'GEMM bench' $kit index.mjs --filter "$gemms" --json "$R/bench-gemm.json"
stage 40 'workgroup GEMM' $kit index.mjs --gemm workgroup --no-tfjs --filter "$gemms" --json "$R/bench-workgroup.json"
[ "${TORCH:-1}" = 1 ] && stage 60 torch $py bench/torch_reference.py --json "$R/torch.json"
for init in ${FAITHFUL_INITS-kaiming torch}; do
  stage "${FAITHFUL_S:-150}" "faithful alexnet $init" $kit main.mjs --model alexnet --init $init --data "$data" --epochs 30 \
    --batch 128 --eval-batch 250 --log-every 5 --out "$R/alexnet-$init" $steps
done
for init in ${SMALL_INITS-kaiming torch paper}; do
  stage 35 "alexnet-small $init" $kit main.mjs --model alexnet-small --init $init --data "$data" --epochs 30 --batch 128 \
    --eval-batch 500 --log-every 5 --out "$R/small-$init" $steps
done
stage 120 'layers bench' $kit index.mjs --filter "${LAYERS:-$layers}" --profile --json "$R/bench-layers.json"
# conv2d's two forms side by side (the layers bench times the default, implicit on GPUs).
convs='^conv/.*batch 128\)'; [ -n "$smoke" ] && convs='^conv/conv3 .*batch 1\)'
stage 60 'conv forms' $kit index.mjs --no-tfjs --filter "${CONVS:-$convs}" --json "$R/bench-conv.json"

(cd "$R" && tar -czf "$OUT/results.tar.gz" --exclude='*.safetensors' --exclude=cifar .)
ls -la "$OUT"
