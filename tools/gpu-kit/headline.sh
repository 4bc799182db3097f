#!/usr/bin/env bash
# The headline: the reference's program in PyTorch (examples/alexnet-cifar/reference/train.py) and
# webgrad's alexnet-seed, EPOCHS (9) epochs each, from the same initialisation (INIT=pattern:
# PyTorch's default bounds from a shared hash, bit for bit alike) and the same batches in the same
# order (train.py replays webgrad's shuffle); only the dropout masks differ. Both write every
# step's loss (LOG_EVERY=1) to steps.jsonl and each epoch's metrics.
#
#   RUNS       the runs, in order (default 'webgrad-seed pytorch'; also webgrad-alexnet: the
#              faithful model with He initialisation)
#   DATA       the cifar-10-batches-bin folder (default .gpu-data/cifar10/cifar-10-batches-bin,
#              where data-parts.sh receive puts the full set)
#   TIMEOUT_S  the seconds this may take in all (the call's timeout_s, or the cap lease1.sh gives);
#              TORCH_S, SEED_S, ALEXNET_S cap each run; PyTorch starts only with at least
#              MIN_TORCH_S (default 0) left
#   RUNS_DIR   the runs' folders (default .gpu-data/headline, kept on a warm machine between calls):
#              each run writes a checkpoint after each epoch, and a second call continues it
#   AUTOTUNE_FILE  the lease's GEMM autotune table; WEBGRAD_ARGS more flags for webgrad's runs
#              (such as --no-robustness or --conv im2col where lease 1 found them faster)
# Writes, in $OUT: log.txt, results.jsonl (each run's stage), results.tar.gz (each run's
# metrics.csv, metrics.jsonl, steps.jsonl, config.json, curves.svg), headline.svg and table.md
# (every run's test accuracy and loss per epoch, the card named). Here, the same figure from
# fetched runs: npx tsx examples/alexnet-cifar/compare.ts headline.svg pytorch=DIR webgrad-seed=DIR --table
# SMOKE=1 runs it on a few images of the mini set, PyTorch on the CPU, webgrad on whatever adapter
# Dawn finds, through the kit where there is one (else tsx), and also moves weights both ways.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
cd "$here/../.."
source "$here/lib.sh"
smoke=${SMOKE:-}
begin headline "${TIMEOUT_S:-540}"
RUNS=${RUNS:-webgrad-seed pytorch}
RUNS_DIR=${RUNS_DIR:-.gpu-data/headline}
EPOCHS=${EPOCHS:-9}
INIT=${INIT:-pattern}
LOG_EVERY=${LOG_EVERY:-1}
mkdir -p "$RUNS_DIR"

if [ -f .gpu-kit/run.sh ]; then
  webgrad=(bash .gpu-kit/run.sh main.mjs); compare=(bash .gpu-kit/run.sh compare.mjs)
else
  webgrad=(npx tsx examples/alexnet-cifar/main.ts); compare=(npx tsx examples/alexnet-cifar/compare.ts)
fi
if [ -n "$smoke" ]; then
  mini=../shared/datasets/cifar10/cifar10-mini.tar.gz; [ -f "$mini" ] || mini=../../shared/datasets/cifar10/cifar10-mini.tar.gz
  DATA=${DATA:-$mini}; py=${PYTHON:-/usr/bin/python3}
  sizes=(--train-subset 4 --test-subset 2 --batch 2 --eval-batch 2); EPOCHS=${SMOKE_EPOCHS:-2}
  torch_extra=(--device cpu)
else
  DATA=${DATA:-.gpu-data/cifar10/cifar-10-batches-bin}; py=${PYTHON:-python3}
  sizes=(--batch 128 --eval-batch 500); torch_extra=()
fi
need "$DATA"
gpu=$(card)
echo "data $DATA; runs $RUNS in $RUNS_DIR; $EPOCHS epochs; init $INIT; card $gpu"
tune=(); [ -n "${AUTOTUNE_FILE:-}" ] && tune=(--autotune-file "$AUTOTUNE_FILE")

epochs_done() { if [ -f "$RUNS_DIR/$1/metrics.csv" ]; then echo $(( $(wc -l < "$RUNS_DIR/$1/metrics.csv") - 1 )); else echo 0; fi; }
# Each run's metrics into $R, which packing up puts in results.tar.gz.
export_run() {
  mkdir -p "$R/$1"
  for f in metrics.csv metrics.jsonl steps.jsonl config.json curves.svg; do
    if [ -f "$RUNS_DIR/$1/$f" ]; then cp "$RUNS_DIR/$1/$f" "$R/$1/"; fi
  done
}
# The figure and the table of every run so far (packing up runs it too, so a cut call has them).
figure() {
  local runs=() r
  for r in $RUNS; do if [ -f "$RUNS_DIR/$r/metrics.jsonl" ]; then runs+=("$r=$RUNS_DIR/$r"); fi; done
  (( ${#runs[@]} )) || return 0
  if [ -f .gpu-kit/run.sh ] && [ ! -f .gpu-kit/compare.mjs ]; then return 0; fi
  "${compare[@]}" "$OUT/headline.svg" "${runs[@]}" --title 'CIFAR-10: the reference program, PyTorch vs webgrad' --table > "$OUT/table.md"
  echo "card: $gpu (webgrad: Dawn on Vulkan; PyTorch: fp32, TF32 off)" >> "$OUT/table.md"
  for r in $RUNS; do export_run "$r"; done
}
on_finish figure

# webgrad's run DIR (more flags after it): continues from DIR's checkpoint where there is one.
webgrad_run() {
  local cap=$1 label=$2 dir=$3; shift 3
  if [ -f "$dir/config.json" ]; then
    stage "$cap" "$label" "${webgrad[@]}" --resume "$dir" --epochs "$EPOCHS" --data "$DATA" "${tune[@]}"
  else
    stage "$cap" "$label" "${webgrad[@]}" --out "$dir" --epochs "$EPOCHS" --data "$DATA" "${sizes[@]}" --log-every "$LOG_EVERY" \
      "${tune[@]}" ${WEBGRAD_ARGS:-} "$@"
  fi
}

for run in $RUNS; do
  if (( $(epochs_done "$run") >= EPOCHS )); then echo "=== $run: done already ($EPOCHS epochs)"; continue; fi
  case $run in
  pytorch)
    if (( $(left) < ${MIN_TORCH_S:-0} )); then echo "=== PyTorch: skipped, $(left)s left (MIN_TORCH_S ${MIN_TORCH_S})"; continue; fi
    stage "${TORCH_S:-3000}" 'PyTorch alexnet-seed' "$py" examples/alexnet-cifar/reference/train.py --data "$DATA" --epochs "$EPOCHS" \
      --out "$RUNS_DIR/pytorch" --resume --init "$INIT" --log-every "$LOG_EVERY" "${sizes[@]}" "${torch_extra[@]}" || true ;;
  webgrad-seed)
    webgrad_run "${SEED_S:-3000}" 'webgrad alexnet-seed' "$RUNS_DIR/webgrad-seed" --model alexnet-seed --init "$INIT" || true ;;
  webgrad-alexnet)
    webgrad_run "${ALEXNET_S:-3000}" 'webgrad alexnet (He init)' "$RUNS_DIR/webgrad-alexnet" --model alexnet || true ;;
  *) echo "headline: unknown run $run (pytorch, webgrad-seed, webgrad-alexnet)" >&2; exit 2 ;;
  esac
done
if [ -n "$smoke" ] && [ -f "$RUNS_DIR/webgrad-seed/checkpoint.safetensors" ]; then
  # Weights both ways: webgrad's checkpoint (model.mode1.* names) into PyTorch's model, and
  # PyTorch's initial weights into webgrad.
  stage 120 'webgrad checkpoint into PyTorch' "$py" examples/alexnet-cifar/reference/train.py \
    --init-from "$RUNS_DIR/webgrad-seed/checkpoint.safetensors" --save-init "$RUNS_DIR/torch-init.safetensors" --max-steps 0 --out "$RUNS_DIR/roundtrip"
  stage 300 'PyTorch weights into webgrad' "${webgrad[@]}" --model alexnet-seed --init-from "$RUNS_DIR/torch-init.safetensors" \
    --data "$DATA" "${sizes[@]}" --epochs 1 --max-steps 1 --out "$RUNS_DIR/roundtrip-webgrad"
fi
for r in $RUNS; do echo "$r: $(epochs_done "$r") of $EPOCHS epochs"; done
