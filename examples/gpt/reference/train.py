#!/usr/bin/python3
"""The GPT example in PyTorch, runnable beside `npm run gpt`: the same model (model.py), tasks,
held-out split and batches (task.py, the twin of task.ts), AdamW with minGPT's decay groups and
betas (0.9, 0.95), gradient clipping, the warm-up + cosine schedule, and greedy held-out accuracy.
Initial weights come from PyTorch's generator and cannot match webgrad's; start both from one
checkpoint (--load) to compare runs.

  python3 examples/gpt/reference/train.py --steps 300                     (the example's defaults)
  python3 examples/gpt/reference/train.py --check runs/gpt                  (webgrad's checkpoint: same logits?)
  python3 examples/gpt/reference/train.py --steps 50 --bench                (ms per training step on this CPU)

--check DIR loads DIR/model.safetensors (written by `npm run gpt -- --out DIR`, PyTorch's names) into
model.py's GPT and compares its logits on DIR/logits.json's inputs with webgrad's.
"""
import argparse
import json
import os
import sys
import time

import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from model import GPT, decay_groups, load_safetensors, lr_lambda, save_safetensors  # noqa: E402
from task import Task, batch_sampler, make_batch, split_problems  # noqa: E402


def build(cfg):
    return GPT(cfg['vocab'], cfg['blockSize'], cfg['layers'], cfg['heads'], cfg['embed'], cfg['dropout'], cfg['tie'])


def check(folder):
    tensors, meta = load_safetensors(os.path.join(folder, 'model.safetensors'))
    cfg = json.loads(meta['config'])
    model = build(cfg)
    model.load_state_dict(tensors, strict=True)
    model.eval()
    with open(os.path.join(folder, 'logits.json')) as f:
        ref = json.load(f)
    n, t, v = ref['shape']
    with torch.no_grad():
        logits = model(torch.tensor(ref['inputs']).reshape(n, t))
    diff = (logits.reshape(-1) - torch.tensor(ref['logits'])).abs().max().item()
    scale = logits.abs().max().item()
    print(f'{folder}: loaded {len(tensors)} tensors by name (strict); logits [{n}, {t}, {v}] differ from webgrad\'s by at most {diff:.3g} (largest |logit| {scale:.3g})')
    return 0 if diff < 1e-3 else 1


def solve(model, task, ids):
    model.eval()
    seq = torch.tensor([task.sequence(i)[:task.prompt_length] for i in ids])
    with torch.no_grad():
        for _ in range(task.answer_length):
            nxt = model(seq)[:, -1, :].argmax(-1, keepdim=True)
            seq = torch.cat([seq, nxt], 1)
    model.train()
    return seq[:, task.prompt_length:]


def accuracy(model, task, ids):
    answers = solve(model, task, ids)
    _, targets = make_batch(task, ids)
    return (answers == torch.tensor(targets)).all(1).float().mean().item()


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('--task', default='sort', choices=['sort', 'add'])
    p.add_argument('--steps', type=int, default=300)
    p.add_argument('--batch', type=int, default=64)
    p.add_argument('--layers', type=int, default=2)
    p.add_argument('--heads', type=int, default=4)
    p.add_argument('--embed', type=int, default=64)
    p.add_argument('--dropout', type=float, default=0.0)
    p.add_argument('--tie', action='store_true')
    p.add_argument('--lr', type=float, default=2e-3)
    p.add_argument('--warmup', type=int, default=40)
    p.add_argument('--min-lr-ratio', type=float, default=0.1)
    p.add_argument('--weight-decay', type=float, default=0.1)
    p.add_argument('--clip', type=float, default=1.0)
    p.add_argument('--eval-every', type=int, default=100)
    p.add_argument('--seed', type=int, default=0)
    p.add_argument('--load', help='initial weights: a safetensors checkpoint with PyTorch names')
    p.add_argument('--out', help='writes OUT/model.safetensors')
    p.add_argument('--check', metavar='DIR', help="compare with webgrad's checkpoint and logits in DIR, then exit")
    p.add_argument('--bench', action='store_true', help='print the median time of a training step (no evaluation)')
    a = p.parse_args()
    if a.check:
        return check(a.check)
    torch.manual_seed(a.seed)
    task = Task(a.task)
    cfg = {'vocab': task.vocab, 'blockSize': task.prompt_length + task.answer_length - 1, 'layers': a.layers, 'heads': a.heads,
           'embed': a.embed, 'dropout': a.dropout, 'tie': a.tie}
    model = build(cfg)
    if a.load:
        model.load_state_dict(load_safetensors(a.load)[0], strict=True)
    train, test = split_problems(task, a.seed)
    draw = batch_sampler(train, a.batch, a.seed + 1)
    opt = torch.optim.AdamW(decay_groups(model, a.weight_decay), lr=a.lr, betas=(0.9, 0.95))
    sched = torch.optim.lr_scheduler.LambdaLR(opt, lr_lambda(a.warmup, a.steps, a.min_lr_ratio))
    print(f'task {a.task}: {len(train)} training problems, {len(test)} held out; {sum(p.numel() for p in model.parameters())} parameters')
    times = []
    start = time.perf_counter()
    for step in range(1, a.steps + 1):
        t0 = time.perf_counter()
        inputs, targets = make_batch(task, draw())
        logits = model(torch.tensor(inputs))
        loss = F.cross_entropy(logits[:, task.prompt_length - 1:, :].reshape(-1, task.vocab), torch.tensor(targets).reshape(-1))
        opt.zero_grad(set_to_none=True)
        loss.backward()
        if a.clip > 0:
            torch.nn.utils.clip_grad_norm_(model.parameters(), a.clip)
        opt.step()
        sched.step()
        times.append(time.perf_counter() - t0)
        if a.bench:
            continue
        if step % a.eval_every == 0 or step == a.steps:
            acc = accuracy(model, task, test)
            print(f'step {step}: loss {loss.item():.4f}, held-out accuracy {100 * acc:.1f}% ({time.perf_counter() - start:.0f} s)')
    if a.bench:
        times.sort()
        print(f'training step (batch {a.batch}, {a.layers} layers, embed {a.embed}, torch {torch.__version__}, {torch.get_num_threads()} threads): '
              f'median {1000 * times[len(times) // 2]:.2f} ms over {len(times)} steps')
    if a.out:
        os.makedirs(a.out, exist_ok=True)
        save_safetensors(os.path.join(a.out, 'model.safetensors'), model.state_dict(), {'format': 'webgrad-gpt/1', 'config': json.dumps(cfg)})
    return 0


if __name__ == '__main__':
    sys.exit(main())
