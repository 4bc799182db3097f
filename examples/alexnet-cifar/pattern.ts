/**
 * Deterministic weights and images that webgrad and PyTorch build bit for bit alike from a seed,
 * so that both can start from the same 61 M parameters without moving a 244 MB file. The twin
 * of reference/pattern.py: change both together.
 *
 * Every value comes from a 32-bit integer hash (murmur3's finaliser over a Weyl sequence), which
 * JavaScript (Math.imul) and numpy (uint32 arrays, which wrap) compute exactly alike:
 *   key(seed, t) = fmix32(seed·0x9E3779B9 + (t+1)·0x85EBCA6B)        for the t-th tensor
 *   h(i)         = fmix32(i·0x9E3779B9 + key)                          for its i-th element
 *   u(i)         = (h + 0.5) / 2³²                                      uniform in (0, 1)
 * A parameter is bound·(2u − 1) with PyTorch's default bound for Conv2d and Linear,
 * 1/√fan_in for the weight and for the bias (kaiming_uniform with a = √5, and its bias rule).
 */
import { tensor, type nn, type Tensor } from '../../src/index.js';
import type { CifarSplit } from './data/index.js';
import { IMAGE_BYTES } from './data/cifar-format.js';

export function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** The hashes of elements 0..n-1 of stream (seed, t). */
export function patternHashes(n: number, seed: number, t: number): Uint32Array {
  const key = fmix32((Math.imul(seed, 0x9e3779b9) + Math.imul(t + 1, 0x85ebca6b)) >>> 0);
  const out = new Uint32Array(n);
  for (let i = 0; i < n; i++) out[i] = fmix32((Math.imul(i, 0x9e3779b9) + key) >>> 0);
  return out;
}

/** bound·(2u − 1) for elements 0..n-1 of stream (seed, t), as float32. */
export function patternUniform(n: number, seed: number, t: number, bound: number): Float32Array {
  const h = patternHashes(n, seed, t);
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = bound * (2 * ((h[i] + 0.5) / 4294967296) - 1);
  return out;
}

/**
 * Replaces every parameter of `model` (in state-dict order, t = 0, 1, …) by the pattern, scaled to
 * PyTorch's default bounds: a `.weight` of shape [out, …] has fan_in = the product of the rest,
 * and a `.bias` takes its weight's.
 */
export function patternInit(model: nn.Module, seed: number): void {
  const named = model.namedParameters();
  const fanIn = new Map<string, number>();
  for (const [name, p] of named) if (name.endsWith('.weight')) fanIn.set(name.slice(0, -7), p.shape.slice(1).reduce((a, b) => a * b, 1));
  const state: Record<string, Tensor> = {};
  named.forEach(([name, p], t) => {
    const fan = fanIn.get(name.replace(/\.(weight|bias)$/, ''));
    if (fan === undefined) throw new Error(`patternInit: no weight for the parameter '${name}'`);
    state[name] = tensor(patternUniform(p.size, seed, t, 1 / Math.sqrt(fan)), p.shape);
  });
  try {
    model.loadStateDict(state);
  } finally {
    for (const t of Object.values(state)) t.dispose();
  }
}

/**
 * `count` CIFAR-shaped images of hashed bytes (stream t = 0: byte = h >>> 24) and labels 0–9
 * (stream t = 1: label = h mod 10), in the official CHW byte layout.
 */
export function patternImages(count: number, seed: number): CifarSplit {
  const bytes = patternHashes(count * IMAGE_BYTES, seed, 0);
  const images = new Uint8Array(count * IMAGE_BYTES);
  for (let i = 0; i < images.length; i++) images[i] = bytes[i] >>> 24;
  const labels = Uint8Array.from(patternHashes(count, seed, 1), (h) => h % 10);
  return { images, labels, count };
}
