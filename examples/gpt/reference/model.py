"""minGPT's architecture in PyTorch with the names of examples/gpt/model.ts, so that checkpoints move
both ways: token and position embeddings, pre-norm nn.TransformerEncoderLayer blocks (causal
self-attention, a 4x MLP with the tanh GELU), a final LayerNorm, a linear head or the tied embedding.
Also a minimal safetensors reader and writer (float32 only), so nothing beyond torch is needed."""
import json
import math
import struct

import torch
import torch.nn as nn
import torch.nn.functional as F


def gelu_tanh(x):
    return F.gelu(x, approximate='tanh')


def causal_mask(t, dtype=torch.float32):
    return torch.triu(torch.full((t, t), float('-inf'), dtype=dtype), diagonal=1)


class GPT(nn.Module):
    def __init__(self, vocab, block_size, layers, heads, embed, dropout=0.0, tie=False):
        super().__init__()
        self.tie = tie
        self.wte = nn.Embedding(vocab, embed)
        self.wpe = nn.Embedding(block_size, embed)
        self.drop = nn.Dropout(dropout)
        self.blocks = nn.Sequential(*[
            nn.TransformerEncoderLayer(embed, heads, dim_feedforward=4 * embed, dropout=dropout, activation=gelu_tanh,
                                       batch_first=True, norm_first=True)
            for _ in range(layers)
        ])
        self.ln_f = nn.LayerNorm(embed)
        self.head = None if tie else nn.Linear(embed, vocab, bias=False)
        self.init_min_gpt(layers)

    def init_min_gpt(self, layers):
        """minGPT's: N(0, 0.02) weights, N(0, 0.02/sqrt(2 layers)) residual projections, zero biases."""
        with torch.no_grad():
            for name, p in self.named_parameters():
                if name.endswith('bias'):
                    p.zero_()
                elif not (name.startswith('ln_f.') or '.norm' in name):
                    std = 0.02 / math.sqrt(2 * layers) if name.endswith(('out_proj.weight', 'linear2.weight')) else 0.02
                    p.normal_(0.0, std)

    def forward(self, idx):
        t = idx.shape[1]
        pos = torch.arange(t, device=idx.device)
        x = self.drop(self.wte(idx) + self.wpe(pos))
        mask = causal_mask(t, x.dtype).to(idx.device)
        for block in self.blocks:
            x = block(x, src_mask=mask)
        x = self.ln_f(x)
        return F.linear(x, self.wte.weight) if self.tie else self.head(x)


def decay_groups(model, weight_decay):
    """minGPT's split: linear weights decay; biases, LayerNorms and embeddings do not."""
    decay, none = [], []
    for name, p in model.named_parameters():
        is_norm = name.startswith('ln_f.') or '.norm' in name
        (decay if name.endswith('weight') and not is_norm and not name.startswith(('wte.', 'wpe.')) else none).append(p)
    return [{'params': decay, 'weight_decay': weight_decay}, {'params': none, 'weight_decay': 0.0}]


def lr_lambda(warmup, total, min_ratio=0.0):
    """examples/gpt's schedule (optim.CosineWarmupLR): linear warm-up from 0, then cosine to min_ratio."""
    def f(t):
        if t < warmup:
            return t / warmup
        progress = min(1.0, (t - warmup) / max(1, total - warmup))
        return min_ratio + (1 - min_ratio) * 0.5 * (1 + math.cos(math.pi * progress))
    return f


def load_safetensors(path):
    with open(path, 'rb') as f:
        n = struct.unpack('<Q', f.read(8))[0]
        header = json.loads(f.read(n))
        data = f.read()
    meta = header.pop('__metadata__', {})
    out = {}
    for name, info in header.items():
        if info['dtype'] != 'F32':
            raise ValueError(f'{name}: only F32 is read here, got {info["dtype"]}')
        start, end = info['data_offsets']
        out[name] = torch.frombuffer(bytearray(data[start:end]), dtype=torch.float32).reshape(info['shape']).clone()
    return out, meta


def save_safetensors(path, tensors, metadata=None):
    header, blobs, offset = {}, [], 0
    for name, t in tensors.items():
        b = t.detach().to(torch.float32).contiguous().cpu().numpy().tobytes()
        header[name] = {'dtype': 'F32', 'shape': list(t.shape), 'data_offsets': [offset, offset + len(b)]}
        blobs.append(b)
        offset += len(b)
    if metadata:
        header['__metadata__'] = metadata
    text = json.dumps(header).encode()
    text += b' ' * (-len(text) % 8)
    with open(path, 'wb') as f:
        f.write(struct.pack('<Q', len(text)))
        f.write(text)
        for b in blobs:
            f.write(b)
