// Float64 references of the transformer ops for the fuzz table (test/kernels/fuzz/table-transformer.ts):
// gelu (exact and tanh), layerNorm, embedding, tril/triu and scaled dot-product attention, written
// from PyTorch 1.13's definitions, independently of webgrad.
import { broadcastAt, broadcastShapes, build, type Nd } from './nd.js';

/** erfc(z) for z ≥ 0 (Numerical Recipes' erfcc: relative error under 1.2e-7 everywhere). */
function erfcPositive(z: number): number {
  const t = 1 / (1 + 0.5 * z);
  const poly = -1.26551223 + t * (1.00002368 + t * (0.37409196 + t * (0.09678418 + t * (-0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277))))))));
  return t * Math.exp(-z * z + poly);
}

/** Φ(x), the standard normal distribution function. */
export function normalCdf(x: number): number {
  if (Number.isNaN(x)) return NaN;
  const z = Math.abs(x) / Math.SQRT2;
  const tail = 0.5 * erfcPositive(z);
  return x >= 0 ? 1 - tail : tail;
}

/** F.gelu: x·Φ(x), or the tanh form; −inf gives NaN (−inf · 0), as PyTorch's. */
export function geluValue(x: number, tanh: boolean): number {
  if (x === -Infinity) return NaN;
  if (x === Infinity) return Infinity;
  if (!tanh) return x * normalCdf(x);
  const inner = Math.sqrt(2 / Math.PI) * (x + 0.044715 * x * x * x);
  return 0.5 * x * (1 + (Number.isFinite(inner) ? Math.tanh(inner) : Math.sign(inner)));
}

/** F.layer_norm over the trailing `n` elements of each row (biased variance), with weight and bias of n elements. */
export function layerNormNd(x: Nd, n: number, weight: Nd | null, bias: Nd | null, eps: number): Nd {
  const out = new Float64Array(x.data.length);
  for (let r = 0; r * n < x.data.length; r++) {
    const row = x.data.subarray(r * n, (r + 1) * n);
    const mean = row.reduce((a, v) => a + v, 0) / n;
    const variance = row.reduce((a, v) => a + (v - mean) ** 2, 0) / n;
    const inv = 1 / Math.sqrt(variance + eps);
    for (let i = 0; i < n; i++) out[r * n + i] = (row[i] - mean) * inv * (weight ? weight.data[i] : 1) + (bias ? bias.data[i] : 0);
  }
  return { shape: [...x.shape], data: out };
}

/** F.embedding: weight's rows at the indices, [...indices.shape, dim]. */
export function embeddingNd(indices: Nd, weight: Nd): Nd {
  const dim = weight.shape[1];
  return build([...indices.shape, dim], (idx) => weight.data[indices.data[idx.slice(0, -1).reduce((acc, v, d) => acc * indices.shape[d] + v, 0)] * dim + idx[idx.length - 1]]);
}

/** torch.tril (lower) / torch.triu: x's last two dimensions with the other triangle zeroed. */
export const triangleNd = (x: Nd, diagonal: number, lower: boolean): Nd =>
  build(x.shape, (idx) => {
    const offset = idx[idx.length - 1] - idx[idx.length - 2];
    return (lower ? offset <= diagonal : offset >= diagonal) ? broadcastAt(x, idx) : 0;
  });

export interface AttentionReferenceArgs {
  /** Broadcasts to [.., L, S]: `bool` takes part where not zero, `float` is added to the scores. */
  mask?: { values: Nd; kind: 'bool' | 'float' } | null;
  causal?: boolean;
  scale?: number;
}

/**
 * softmax(q·kᵀ·scale + mask)·v for q [.., L, E], k [.., S, E], v [.., S, Ev] (leading dimensions
 * broadcast), PyTorch's math path: a row with no key taking part is NaN, one with no keys at all (S = 0) is 0.
 */
export function attentionNd(q: Nd, k: Nd, v: Nd, { mask = null, causal = false, scale }: AttentionReferenceArgs = {}): Nd {
  const [L, E] = q.shape.slice(-2);
  const S = k.shape[k.shape.length - 2];
  const Ev = v.shape[v.shape.length - 1];
  const batch = broadcastShapes(q.shape.slice(0, -2), k.shape.slice(0, -2), v.shape.slice(0, -2))!;
  const s = scale ?? 1 / Math.sqrt(E);
  const out = build([...batch, L, Ev], () => 0);
  const rows = out.data.length / Math.max(1, Ev);
  for (let r = 0; Ev > 0 && r < rows; r++) {
    const idx: number[] = [];
    let rest = r;
    for (const d of [...batch, L].reverse()) {
      idx.unshift(rest % d);
      rest = Math.floor(rest / d);
    }
    const b = idx.slice(0, -1);
    const i = idx[idx.length - 1];
    const scores: number[] = [];
    for (let j = 0; j < S; j++) {
      let dot = 0;
      for (let e = 0; e < E; e++) dot += broadcastAt(q, [...b, i, e]) * broadcastAt(k, [...b, j, e]);
      let score = dot * s;
      // PyTorch 1.13 adds −inf for a key left out (its math path's baddbmm): +inf + −inf is NaN.
      if (causal && j > i) score += -Infinity;
      if (mask?.kind === 'bool' && broadcastAt(mask.values, [...b, i, j]) === 0) score += -Infinity;
      if (mask?.kind === 'float') score += broadcastAt(mask.values, [...b, i, j]);
      scores.push(score);
    }
    const top = Math.max(...scores);
    const weights = scores.map((x) => Math.exp(x - top));
    const total = weights.reduce((a, w) => a + w, 0);
    for (let c = 0; c < Ev; c++) {
      let acc = 0;
      for (let j = 0; j < S; j++) acc += (weights[j] / total) * broadcastAt(v, [...b, j, c]);
      out.data[r * Ev + c] = acc;
    }
  }
  return out;
}
