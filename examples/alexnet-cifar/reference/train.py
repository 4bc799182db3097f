#!/usr/bin/env python3
"""The reference's program in PyTorch, runnable beside webgrad's `--model alexnet-seed`.

Trains the reference's network (model.py) on CIFAR-10 in the official binary layout (the files the
example reads: a cifar-10-batches-bin/ folder, or a .tar.gz / .tar.xz holding one) with its
settings: Resize(224) bilinear, ToTensor, Normalize((0.4915, 0.4823, 0.4468), (1, 1, 1)); batch
128, shuffled each epoch; no augmentation; CrossEntropyLoss over the 1000 outputs; SGD(lr 0.01,
momentum 0.9, weight decay 5e-4); test accuracy after each epoch.

The whole data set stays on the device as uint8 (184 MB) and each batch is resized there with
F.interpolate(bilinear, align_corners=False), so that an epoch is not bound by image decoding.
torchvision's Resize(224) on a PIL image (the reference) interpolates the same way: for an
upscale, PIL's bilinear filter is the triangle filter on half-pixel centres with edge clamping, and
antialiasing changes nothing. It differs only by PIL's rounding to 8 bits after each of its two
passes: measured with Pillow 9.4 on random 32×32 images, at most 0.86/255 per pixel, 0.28/255 on
average. webgrad's --model alexnet-seed resizes in float32 like this script.

Writes, in --out, the same files as the webgrad example: metrics.csv and metrics.jsonl (epoch,
train_loss, test_loss, test_accuracy, lr, seconds, images_per_s), steps.jsonl ({step, epoch, loss,
lr} every --log-every steps) and config.json; checkpoint.pt after each epoch's training and after
its evaluation, from which --resume OUT continues (same batches: the order is drawn from --seed and
the epoch by webgrad's own shuffle, so both programs see the same batches). Dropout masks come from
PyTorch's generator and cannot match webgrad's.

  python3 reference/train.py --data DIR --epochs 9 --out runs/torch-seed            (CUDA if present)
  python3 reference/train.py --data DIR --train-subset 8 --test-subset 4 --batch 2 --max-steps 2 --device cpu   (smoke)
  python3 reference/train.py --init pattern --save-init init.safetensors --max-steps 0   (weights webgrad reads with --init-from)
"""
import argparse
import io
import json
import math
import os
import struct
import sys
import tarfile
import time

import numpy as np
import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from model import ReferenceAlexNet  # noqa: E402
from pattern import pattern_init  # noqa: E402

TRAIN_FILES = [f'data_batch_{i}.bin' for i in range(1, 6)]
TEST_FILE = 'test_batch.bin'
RECORD = 3073


def parse_args(argv):
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('--data', help='cifar-10-batches-bin folder, or a .tar.gz/.tar.xz holding one')
    p.add_argument('--epochs', type=int, default=20, help='epochs (20: the reference planned 20 and ran 9)')
    p.add_argument('--batch', type=int, default=128)
    p.add_argument('--eval-batch', type=int, default=500)
    p.add_argument('--lr', type=float, default=0.01)
    p.add_argument('--momentum', type=float, default=0.9)
    p.add_argument('--weight-decay', type=float, default=5e-4)
    p.add_argument('--dropout', type=float, default=0.5)
    p.add_argument('--mean', default='0.4915,0.4823,0.4468')
    p.add_argument('--size', type=int, default=224)
    p.add_argument('--seed', type=int, default=0, help='seed of the batch order, the initialisation and dropout')
    p.add_argument('--init', choices=['torch', 'pattern'], default='torch',
                   help="torch: PyTorch's default (the reference); pattern: the same bounds from a hash of --seed, "
                        "bit for bit webgrad's --init pattern")
    p.add_argument('--init-from', help='initial weights, a safetensors file with the state_dict names (mode1.0.weight, ...)')
    p.add_argument('--save-init', help='write the initial weights as safetensors (webgrad: --init-from FILE)')
    p.add_argument('--out', default=None, help='run folder (default runs/torch-seed-<date>)')
    p.add_argument('--resume', action='store_true', help="continue --out's run from its checkpoint.pt")
    p.add_argument('--log-every', type=int, default=1)
    p.add_argument('--max-steps', type=int, default=None, help='stop after this many steps in all (checkpoint written)')
    p.add_argument('--train-subset', type=int, default=None)
    p.add_argument('--test-subset', type=int, default=None)
    p.add_argument('--device', default='auto', help='auto (CUDA when present), cpu, cuda')
    return p.parse_args(argv)


# ---------------------------------------------------------------------------------------------
# Data: the official binary records, as webgrad's loader reads them


def read_records(blobs, name):
    data = np.frombuffer(blobs, dtype=np.uint8)
    if data.size % RECORD:
        raise SystemExit(f'{name}: {data.size} bytes is not a whole number of {RECORD}-byte records')
    data = data.reshape(-1, RECORD)
    return data[:, 1:].reshape(-1, 3, 32, 32).copy(), data[:, 0].astype(np.int64)


def load_cifar(source):
    files = {}
    if os.path.isdir(source):
        for root, _, names in os.walk(source):
            for n in names:
                if n in TRAIN_FILES or n == TEST_FILE:
                    with open(os.path.join(root, n), 'rb') as f:
                        files[n] = f.read()
    else:
        with tarfile.open(source) as tar:
            for m in tar.getmembers():
                n = os.path.basename(m.name)
                if m.isfile() and (n in TRAIN_FILES or n == TEST_FILE):
                    files[n] = tar.extractfile(m).read()
    missing = [n for n in TRAIN_FILES + [TEST_FILE] if n not in files]
    if missing:
        raise SystemExit(f'CIFAR-10: {source} lacks {", ".join(missing)}')
    parts = [read_records(files[n], n) for n in TRAIN_FILES if len(files[n])]
    train = (np.concatenate([p[0] for p in parts]), np.concatenate([p[1] for p in parts]))
    return train, read_records(files[TEST_FILE], TEST_FILE)


class Split:
    """Images (uint8 [n, 3, 32, 32]) and labels kept on the device; batches are resized there."""

    def __init__(self, images, labels, device, size, mean):
        self.images = torch.from_numpy(images).to(device)
        self.labels = torch.from_numpy(labels).to(device)
        self.size = size
        self.mean = torch.tensor(mean, dtype=torch.float32, device=device).view(1, 3, 1, 1)

    def __len__(self):
        return self.labels.numel()

    def batch(self, index):
        x = self.images[index].float().div_(255)
        x = F.interpolate(x, size=self.size, mode='bilinear', align_corners=False)
        return x.sub_(self.mean), self.labels[index]


def mix_seed(*parts):
    """webgrad's mixSeed (data/batches.ts): one 32-bit seed from (seed, epoch)."""
    h = 0x811C9DC5
    for part in parts:
        h = ((h ^ (part & 0xFFFFFFFF)) * 0x01000193) & 0xFFFFFFFF
        h ^= h >> 16
        h = (h * 0x85EBCA6B) & 0xFFFFFFFF
        h ^= h >> 13
    return h


def mulberry32(seed):
    """webgrad's batch-order generator (data/batches.ts), in uint32 arithmetic."""
    a = seed & 0xFFFFFFFF

    def draw():
        nonlocal a
        a = (a + 0x6D2B79F5) & 0xFFFFFFFF
        t = ((a ^ (a >> 15)) * (a | 1)) & 0xFFFFFFFF
        t ^= (t + ((t ^ (t >> 7)) * (t | 61))) & 0xFFFFFFFF
        return ((t ^ (t >> 14)) & 0xFFFFFFFF) / 4294967296

    return draw


def epoch_order(count, seed, epoch):
    """The example's shuffle (Fisher–Yates from mulberry32(mixSeed(seed, epoch))), so that both see the same batches."""
    order = list(range(count))
    random = mulberry32(mix_seed(seed, epoch))
    for i in range(count - 1, 0, -1):
        j = int(random() * (i + 1))
        order[i], order[j] = order[j], order[i]
    return torch.tensor(order, dtype=torch.int64)


# ---------------------------------------------------------------------------------------------
# safetensors, written and read with the standard library (no extra package)


def write_safetensors(path, tensors):
    header, blobs, offset = {}, [], 0
    for name, t in tensors.items():
        data = t.detach().to('cpu', torch.float32).contiguous().numpy().tobytes()
        header[name] = {'dtype': 'F32', 'shape': list(t.shape), 'data_offsets': [offset, offset + len(data)]}
        blobs.append(data)
        offset += len(data)
    text = json.dumps(header, separators=(',', ':')).encode()
    text += b' ' * ((8 - len(text) % 8) % 8)
    with open(path, 'wb') as f:
        f.write(struct.pack('<Q', len(text)))
        f.write(text)
        for b in blobs:
            f.write(b)


def read_safetensors(path):
    with open(path, 'rb') as f:
        n = struct.unpack('<Q', f.read(8))[0]
        header = json.loads(f.read(n))
        body = f.read()
    out = {}
    for name, info in header.items():
        if name == '__metadata__':
            continue
        if info['dtype'] != 'F32':
            raise SystemExit(f'{path}: {name} is {info["dtype"]}, expected F32')
        a, b = info['data_offsets']
        out[name] = torch.from_numpy(np.frombuffer(body[a:b], dtype=np.float32).copy()).reshape(info['shape'])
    return out


def load_initial(model, path):
    state = read_safetensors(path)
    # webgrad's checkpoints prefix the model's tensors with 'model.'
    state = {k[6:] if k.startswith('model.') else k: v for k, v in state.items()}
    own = model.state_dict()
    missing = [k for k in own if k not in state]
    if missing:
        raise SystemExit(f'--init-from {path}: no {", ".join(missing[:3])}...')
    model.load_state_dict({k: state[k] for k in own})


# ---------------------------------------------------------------------------------------------


class Metrics:
    COLUMNS = [('epoch', 'epoch'), ('train_loss', 'trainLoss'), ('test_loss', 'testLoss'), ('test_accuracy', 'testAccuracy'),
               ('lr', 'lr'), ('seconds', 'seconds'), ('images_per_s', 'imagesPerSecond')]

    def __init__(self, out, resume):
        self.out = out
        header = ','.join(c for c, _ in self.COLUMNS) + '\n'
        csv = os.path.join(out, 'metrics.csv')
        existing = open(csv).read() if resume and os.path.exists(csv) else ''
        if not existing.startswith(header):
            with open(csv, 'w') as f:
                f.write(header)
            for name in ('metrics.jsonl', 'steps.jsonl'):
                open(os.path.join(out, name), 'w').close()

    def _append(self, name, text):
        with open(os.path.join(self.out, name), 'a') as f:
            f.write(text)

    def epoch(self, record):
        fmt = lambda v: repr(v) if isinstance(v, int) else repr(float(v)) if math.isfinite(v) else ('nan' if v != v else ('inf' if v > 0 else '-inf'))
        self._append('metrics.csv', ','.join(fmt(record[k]) for _, k in self.COLUMNS) + '\n')
        clean = {k: (record[k] if math.isfinite(record[k]) else None) for _, k in self.COLUMNS}
        self._append('metrics.jsonl', json.dumps(clean) + '\n')

    def step(self, step, epoch, loss, lr):
        self._append('steps.jsonl', json.dumps({'step': step, 'epoch': epoch, 'loss': loss, 'lr': lr}) + '\n')


def save_checkpoint(path, model, opt, progress):
    tmp = path + '.tmp'
    torch.save({'model': model.state_dict(), 'optimizer': opt.state_dict(), 'progress': progress,
                'rng': torch.get_rng_state(), 'cuda_rng': torch.cuda.get_rng_state_all() if torch.cuda.is_available() else None}, tmp)
    os.replace(tmp, path)


@torch.no_grad()
def evaluate(model, split, batch):
    model.eval()
    loss_sum, correct = 0.0, 0
    for start in range(0, len(split), batch):
        x, y = split.batch(torch.arange(start, min(start + batch, len(split)), device=split.labels.device))
        logits = model(x)
        loss_sum += F.cross_entropy(logits, y, reduction='sum').item()
        correct += (logits.argmax(1) == y).sum().item()
    model.train()
    return loss_sum / len(split), correct / len(split)


def main(argv):
    args = parse_args(argv)
    device = torch.device('cuda' if args.device == 'auto' and torch.cuda.is_available() else ('cpu' if args.device == 'auto' else args.device))
    # float32 throughout, as webgrad computes and as bench/torch_reference.py times: PyTorch's
    # default lets cuDNN's convolutions (and, before 1.12, matmuls) round inputs to TF32.
    torch.backends.cuda.matmul.allow_tf32 = False
    torch.backends.cudnn.allow_tf32 = False
    out = args.out or os.path.join('runs', 'torch-seed-' + time.strftime('%Y-%m-%dT%H-%M-%S'))
    os.makedirs(out, exist_ok=True)
    with open(os.path.join(out, 'config.json'), 'w') as f:
        json.dump({**vars(args), 'out': out, 'device': str(device), 'torch': torch.__version__,
                   'card': torch.cuda.get_device_name(device) if device.type == 'cuda' else 'cpu',
                   'tf32': {'matmul': torch.backends.cuda.matmul.allow_tf32, 'cudnn': torch.backends.cudnn.allow_tf32}}, f, indent=2)
    torch.manual_seed(args.seed)
    mean = [float(v) for v in args.mean.split(',')]

    model = ReferenceAlexNet(dropout=args.dropout)
    if args.init == 'pattern':
        pattern_init(model, args.seed)
    if args.init_from:
        load_initial(model, args.init_from)
    if args.save_init:
        write_safetensors(args.save_init, model.state_dict())
        print(f'wrote the initial weights to {args.save_init}')
    model.to(device)
    opt = torch.optim.SGD(model.parameters(), lr=args.lr, momentum=args.momentum, weight_decay=args.weight_decay)
    if args.max_steps == 0:
        return 0
    if not args.data:
        raise SystemExit('--data is needed to train')

    t0 = time.time()
    (xtr, ytr), (xte, yte) = load_cifar(args.data)
    if args.train_subset:
        xtr, ytr = xtr[:args.train_subset], ytr[:args.train_subset]
    if args.test_subset:
        xte, yte = xte[:args.test_subset], yte[:args.test_subset]
    train, test = Split(xtr, ytr, device, args.size, mean), Split(xte, yte, device, args.size, mean)
    print(f'CIFAR-10 from {args.data}: {len(train)} train, {len(test)} test images on {device} ({time.time() - t0:.1f} s)')

    ckpt = os.path.join(out, 'checkpoint.pt')
    progress = {'epoch': 1, 'batch': 0, 'step': 0, 'lossSum': 0.0, 'seen': 0, 'seconds': 0.0}
    resuming = args.resume and os.path.exists(ckpt)
    if resuming:
        state = torch.load(ckpt, map_location=device)
        model.load_state_dict(state['model'])
        opt.load_state_dict(state['optimizer'])
        progress = state['progress']
        # map_location moved the generator states to the device too; they are set from CPU bytes.
        torch.set_rng_state(state['rng'].cpu())
        if state.get('cuda_rng') is not None and torch.cuda.is_available():
            torch.cuda.set_rng_state_all([s.cpu() for s in state['cuda_rng']])
        print(f'resumed {out} at epoch {progress["epoch"]}, batch {progress["batch"]} (step {progress["step"]})')
    metrics = Metrics(out, resuming)
    params = sum(p.numel() for p in model.parameters())
    print(f'alexnet-seed (PyTorch {torch.__version__}): {params:,} parameters; batch {args.batch}, lr {args.lr}, init {args.init}')
    sync = torch.cuda.synchronize if device.type == 'cuda' else (lambda: None)

    model.train()
    for epoch in range(progress['epoch'], args.epochs + 1):
        order = epoch_order(len(train), args.seed, epoch).to(device)
        batches = math.ceil(len(train) / args.batch)
        sync()
        started = time.time() - (progress['seconds'] if progress['batch'] else 0.0)
        if not progress['batch']:
            progress.update(lossSum=0.0, seen=0)
        # The epoch's summed loss stays on the device (no synchronisation per step).
        running = torch.zeros((), dtype=torch.float64, device=device)
        b = progress['batch']
        while b < batches:
            if args.max_steps is not None and progress['step'] >= args.max_steps:
                break
            x, y = train.batch(order[b * args.batch:(b + 1) * args.batch])
            opt.zero_grad(set_to_none=True)
            loss = F.cross_entropy(model(x), y)
            loss.backward()
            opt.step()
            running += loss.detach().double() * len(y)
            progress['step'] += 1
            progress['seen'] += len(y)
            b += 1
            if progress['step'] % args.log_every == 0 or b == batches:
                value = loss.item()
                if not math.isfinite(value):
                    raise SystemExit(f'the loss became {value} at step {progress["step"]}; the last checkpoint is in {out}')
                metrics.step(progress['step'], epoch - 1 + b / batches, value, opt.param_groups[0]['lr'])
            if b % 50 == 0:
                print(f'  epoch {epoch} batch {b}/{batches} loss {loss.item():.4f}', flush=True)
        sync()
        progress['batch'] = b
        progress['lossSum'] += running.item()
        progress['seconds'] = time.time() - started
        save_checkpoint(ckpt, model, opt, progress)
        if b < batches:
            print(f'stopped after --max-steps {args.max_steps}; checkpoint in {out} (continue with --out {out} --resume)')
            return 0
        train_seconds = progress['seconds']
        test_loss, accuracy = evaluate(model, test, args.eval_batch)
        sync()
        seen = progress['seen']
        record = {'epoch': epoch, 'trainLoss': progress['lossSum'] / max(1, seen),
                  'testLoss': test_loss, 'testAccuracy': accuracy, 'lr': opt.param_groups[0]['lr'],
                  'seconds': time.time() - started, 'imagesPerSecond': seen / train_seconds}
        metrics.epoch(record)
        print(f'epoch {epoch}: train loss {record["trainLoss"]:.4f}, test loss {test_loss:.4f}, '
              f'test accuracy {100 * accuracy:.2f}%, {record["imagesPerSecond"]:.1f} images/s, {record["seconds"]:.0f} s', flush=True)
        progress = {'epoch': epoch + 1, 'batch': 0, 'step': progress['step'], 'lossSum': 0.0, 'seen': 0, 'seconds': 0.0}
        save_checkpoint(ckpt, model, opt, progress)
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
