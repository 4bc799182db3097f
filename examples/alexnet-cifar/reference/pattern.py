"""Deterministic weights and images that PyTorch and webgrad build bit for bit alike from a seed:
the twin of ../pattern.ts (read its comment for the formula; change both together)."""
import numpy as np
import torch

M32 = 0xFFFFFFFF


def fmix32(h):
    """murmur3's finaliser on a uint32 array (numpy's uint32 arithmetic wraps, as Math.imul)."""
    h = h ^ (h >> np.uint32(16))
    h = h * np.uint32(0x85EBCA6B)
    h = h ^ (h >> np.uint32(13))
    h = h * np.uint32(0xC2B2AE35)
    h = h ^ (h >> np.uint32(16))
    return h


def pattern_hashes(n, seed, t):
    key = int(fmix32(np.array([(seed * 0x9E3779B9 + (t + 1) * 0x85EBCA6B) & M32], dtype=np.uint32))[0])
    i = np.arange(n, dtype=np.uint32)
    return fmix32(i * np.uint32(0x9E3779B9) + np.uint32(key))


def pattern_uniform(n, seed, t, bound):
    h = pattern_hashes(n, seed, t).astype(np.float64)
    return (bound * (2 * ((h + 0.5) / 4294967296.0) - 1)).astype(np.float32)


@torch.no_grad()
def pattern_init(model, seed):
    """Every parameter (state-dict order t = 0, 1, …) to the pattern at PyTorch's default bound 1/sqrt(fan_in)."""
    named = list(model.named_parameters())
    fan_in = {name[:-7]: int(np.prod(p.shape[1:])) for name, p in named if name.endswith('.weight')}
    for t, (name, p) in enumerate(named):
        fan = fan_in[name.rsplit('.', 1)[0]]
        values = pattern_uniform(p.numel(), seed, t, 1 / np.sqrt(fan))
        p.copy_(torch.from_numpy(values).reshape(p.shape))


def pattern_images(count, seed):
    """uint8 images [count, 3, 32, 32] (byte = h >> 24 of stream 0) and int64 labels (h mod 10 of stream 1)."""
    images = (pattern_hashes(count * 3072, seed, 0) >> np.uint32(24)).astype(np.uint8).reshape(count, 3, 32, 32)
    labels = (pattern_hashes(count, seed, 1) % np.uint32(10)).astype(np.int64)
    return torch.from_numpy(images), torch.from_numpy(labels)
