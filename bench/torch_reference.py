"""PyTorch timings of the bench's cases, for the side-by-side on a GPU machine (where PyTorch is).

    python3 bench/torch_reference.py [--json FILE] [--jsonl FILE] [--reps N] [--device cuda|cpu] [--filter REGEX] [--large]

Case names match bench/cases/*.ts, so the JSON merges with `npm run bench -- --json`. float32 with
TF32 off (matmul and cuDNN), cudnn.benchmark on (PyTorch's best algorithm per shape). Each case is
the median of --reps timed repetitions after 3 warm-ups, timed with CUDA events (wall time on CPU).
The training steps run with dropout off, as the bench's do. --jsonl appends a line naming the run
(device, torch, TF32 as set) and then one line per case as soon as it is timed, as the bench's
--jsonl does, so that a run cut short keeps what it measured.
"""
import argparse
import json
import os
import re
import statistics
import sys
import time

import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "examples", "alexnet-cifar", "reference"))
from model import ReferenceAlexNet  # noqa: E402

p = argparse.ArgumentParser()
p.add_argument("--json")
p.add_argument("--jsonl", help="append each case to this file as one JSON line, as soon as it is timed")
p.add_argument("--reps", type=int, default=20)
p.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
p.add_argument("--filter", default=".")
p.add_argument("--large", action="store_true", help="on CPU, also the GPU-sized cases")
args = p.parse_args()
dev = torch.device(args.device)
cuda = dev.type == "cuda"
torch.backends.cuda.matmul.allow_tf32 = False
torch.backends.cudnn.allow_tf32 = False
torch.backends.cudnn.benchmark = True
large = cuda or args.large
device_name = torch.cuda.get_device_name(0) if cuda else "cpu"
# As set, read back: the JSON says what the timings ran under.
tf32 = {"matmul": torch.backends.cuda.matmul.allow_tf32, "cudnn": torch.backends.cudnn.allow_tf32}
run_id = f"{time.strftime('%Y-%m-%dT%H:%M:%S')} {os.getpid()}"


def line(record):
    if args.jsonl:
        with open(args.jsonl, "a") as f:
            f.write(json.dumps({"run": run_id, **record}) + "\n")


line({"type": "run", "side": "pytorch", "torch": torch.__version__, "device": device_name, "tf32": tf32, "reps": args.reps,
      "argv": sys.argv[1:]})


def timed(fn, reps):
    for _ in range(3):
        fn()
    times = []
    for _ in range(reps):
        if cuda:
            start, end = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
            start.record()
            fn()
            end.record()
            torch.cuda.synchronize()
            times.append(start.elapsed_time(end))
        else:
            t0 = time.perf_counter()
            fn()
            times.append((time.perf_counter() - t0) * 1e3)
    return statistics.median(times)


cases = []


def wanted(name, is_large=False):
    """Whether the case runs: the operands of the others are never made."""
    return (large or not is_large) and re.search(args.filter, name, re.I) is not None


def case(name, shape, flops, fn, is_large=False):
    if not wanted(name, is_large):
        return
    ms = timed(fn, args.reps)
    cases.append({"name": name, "shape": shape, "ms": ms, "gflops": flops / ms / 1e6 if flops else None})
    line({"type": "case", "side": "pytorch", **cases[-1]})
    print(f"  {name:45s} {ms:9.3f} ms  {flops / ms / 1e6 if flops else 0:9.1f} GFLOP/s", flush=True)


def rand(*shape):
    return torch.rand(*shape, device=dev) * 2 - 1


# GEMM: square, and AlexNet's FC layers at batch 32 as linear runs them (W is [out, in]).
for n in [256, 512, 1024, 2048, 4096]:
    if not wanted(f"gemm/square {n}", n > 1024):
        continue
    a, b = rand(n, n), rand(n, n)
    case(f"gemm/square {n}", f"{n}x{n} · {n}x{n}", 2 * n**3, lambda a=a, b=b: torch.mm(a, b), n > 1024)
for i, o, layer in [(9216, 4096, "fc6"), (4096, 4096, "fc7"), (4096, 10, "fc8")]:
    if not any(wanted(f"gemm/{layer} {op}") for op in ("forward x·Wᵀ", "dx = g·W", "dW = gᵀ·x")):
        continue
    x, w, g = rand(32, i), rand(o, i), rand(32, o)
    f = 2 * 32 * i * o
    case(f"gemm/{layer} forward x·Wᵀ", f"32x{i} · {o}x{i}ᵀ", f, lambda x=x, w=w: torch.mm(x, w.t()))
    case(f"gemm/{layer} dx = g·W", f"32x{o} · {o}x{i}", f, lambda g=g, w=w: torch.mm(g, w))
    case(f"gemm/{layer} dW = gᵀ·x", f"32x{o}ᵀ · 32x{i}", f, lambda g=g, x=x: torch.mm(g.t(), x))

# AlexNet's layers (bench/cases/alexnet.ts).
LAYERS = [("conv1", 3, 96, 224, 11, 4, 2), ("conv2", 96, 256, 27, 5, 1, 2), ("conv3", 256, 384, 13, 3, 1, 1),
          ("conv4", 384, 384, 13, 3, 1, 1), ("conv5", 384, 256, 13, 3, 1, 1)]
for batch in [8, 128]:
    big = batch > 8
    for name, cin, cout, size, k, s, pad in LAYERS:
        if not any(wanted(f"alexnet/{name} {d} (batch {batch})", big) for d in ("forward", "backward")):
            continue
        out = (size + 2 * pad - k) // s + 1
        x = rand(batch, cin, size, size).requires_grad_()
        w = (rand(cout, cin, k, k) * 0.1).requires_grad_()
        b = rand(cout).requires_grad_()
        gy = rand(batch, cout, out, out)
        f = 2 * batch * cout * out * out * cin * k * k
        shape = f"x {batch}x{cin}x{size}x{size} · w {cout}x{cin}x{k}x{k} s{s} p{pad}"
        with torch.no_grad():
            case(f"alexnet/{name} forward (batch {batch})", shape, f, lambda x=x, w=w, b=b, s=s, pad=pad: F.conv2d(x, w, b, s, pad), big)
        y = F.conv2d(x, w, b, s, pad)
        case(f"alexnet/{name} backward (batch {batch})", shape, 2 * f,
             lambda y=y, x=x, w=w, b=b, gy=gy: torch.autograd.grad(y, [x, w, b], gy, retain_graph=True), big)
    if not any(wanted(f"alexnet/{op} {d} (batch {batch})", big) for op in ("lrn", "maxPool 3/2") for d in ("forward", "backward")):
        continue
    x = rand(batch, 96, 55, 55).requires_grad_()
    size = x.numel()
    with torch.no_grad():
        case(f"alexnet/lrn forward (batch {batch})", f"{batch}x96x55x55", 0, lambda x=x: F.local_response_norm(x, 5, 1e-4, 0.75, 2), big)
        case(f"alexnet/maxPool 3/2 forward (batch {batch})", f"{batch}x96x55x55", 0, lambda x=x: F.max_pool2d(x, 3, 2), big)
    y = F.local_response_norm(x, 5, 1e-4, 0.75, 2)
    case(f"alexnet/lrn backward (batch {batch})", f"{batch}x96x55x55", 0, lambda y=y, x=x: torch.autograd.grad(y, x, torch.ones_like(y), retain_graph=True), big)
    y = F.max_pool2d(x, 3, 2)
    case(f"alexnet/maxPool 3/2 backward (batch {batch})", f"{batch}x96x55x55", 0, lambda y=y, x=x: torch.autograd.grad(y, x, torch.ones_like(y), retain_graph=True), big)


def alexnet(small):
    c = [64, 192, 384, 256, 256] if small else [96, 256, 384, 384, 256]
    fc, flat = (1024, 2304) if small else (4096, 9216)
    nn = torch.nn
    return nn.Sequential(
        nn.Conv2d(3, c[0], 5 if small else 11, 1 if small else 4, 2), nn.ReLU(), nn.LocalResponseNorm(5, 1e-4, 0.75, 2), nn.MaxPool2d(3, 2),
        nn.Conv2d(c[0], c[1], 5, 1, 2), nn.ReLU(), nn.LocalResponseNorm(5, 1e-4, 0.75, 2), nn.MaxPool2d(3, 2),
        nn.Conv2d(c[1], c[2], 3, 1, 1), nn.ReLU(), nn.Conv2d(c[2], c[3], 3, 1, 1), nn.ReLU(),
        nn.Conv2d(c[3], c[4], 3, 1, 1), nn.ReLU(), nn.MaxPool2d(3, 2), nn.Flatten(),
        nn.Linear(flat, fc), nn.ReLU(), nn.Linear(fc, fc), nn.ReLU(), nn.Linear(fc, 10),
    ).to(dev)


# forwardFlops() of examples/alexnet-cifar/models.ts
FORWARD_FLOPS = {"alexnet-small": 364441600, "alexnet": 2262402112, "alexnet-seed": 2270512192}


def step_case(variant, batch, is_large):
    name = f"training/{variant} step b{batch}"
    if not wanted(name, is_large):
        return
    small = variant == "alexnet-small"
    # alexnet-seed: the reference's own network (LRN over 96/256 channels, 1000 outputs).
    model = ReferenceAlexNet(dropout=0).to(dev) if variant == "alexnet-seed" else alexnet(small)
    opt = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9, weight_decay=5e-4)
    size = 32 if small else 224
    x = rand(batch, 3, size, size)
    labels = torch.arange(batch, device=dev) * 7 % 10

    def step():
        opt.zero_grad()
        F.cross_entropy(model(x), labels).backward()
        opt.step()

    outputs = 1000 if variant == "alexnet-seed" else 10
    case(name, f"[{batch},3,{size},{size}] → {outputs}", 3 * FORWARD_FLOPS[variant] * batch, step, is_large)


step_case("alexnet-small", 16, False)
step_case("alexnet-small", 64, False)
step_case("alexnet", 128, True)
step_case("alexnet-seed", 128, True)

result = {"torch": torch.__version__, "device": device_name, "tf32": tf32, "reps": args.reps,
          "method": "median of reps after 3 warm-ups; CUDA events on GPU, wall time on CPU; fp32, TF32 off, cudnn.benchmark", "cases": cases}
print(f"torch {torch.__version__} on {device_name}; TF32 {tf32}")
if args.json:
    with open(args.json, "w") as f:
        json.dump(result, f, indent=1)
