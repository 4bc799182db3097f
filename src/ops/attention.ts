import { WebgradError } from '../errors.js';
import { runtime } from '../device/current.js';
import { checkSeed } from '../runtime/generator.js';
import { broadcastShapes, fmt } from '../tensor/shape.js';
import { checkTensor, Tensor } from '../tensor/tensor.js';
import { tidy } from '../graph/scope.js';
import { attentionComposed, type AttentionArgs } from './attention-composed.js';
import { attentionFused } from './attention-fused.js';
import { expand } from './layout.js';

export interface ScaledDotProductAttentionOptions {
  /**
   * Broadcasts to [.., L, S]. An int32 mask is PyTorch's boolean one: a query attends to a key
   * where it is not zero (a row with no such key gives NaN, as PyTorch's math path does). A float32
   * mask is added to the scores (−Infinity excludes).
   */
  attnMask?: Tensor | null;
  /** A query i attends to keys j ≤ i (the mask tril(ones(L, S))); not with attnMask. Default false. */
  isCausal?: boolean;
  /** Dropout on the attention weights (default 0; applied whenever given, as PyTorch's); each call draws its seed from the device's generator. */
  dropoutP?: number;
  /** Multiplies q·kᵀ; default 1/√E. */
  scale?: number | null;
  /** The dropout mask's seed, instead of the generator's next. */
  seed?: number;
}

/**
 * PyTorch's F.scaled_dot_product_attention: softmax(q·kᵀ·scale + mask) · v, with dropout on the
 * weights, for q [.., L, E], k [.., S, E], v [.., S, Ev] (leading dimensions broadcast); returns
 * [.., L, Ev]. Runs the fused kernels (memory linear in L and S) where they apply: head sizes up to
 * 64, a mask without a gradient; else matmul, softmax and dropout (attention-composed.ts), which
 * draws the same dropout mask from the same seed.
 */
export function scaledDotProductAttention(q: Tensor, k: Tensor, v: Tensor, options: ScaledDotProductAttentionOptions = {}): Tensor {
  options ??= {};
  if (typeof options !== 'object') throw new WebgradError(`webgrad: scaledDotProductAttention: options must be an object { attnMask, isCausal, dropoutP, scale }, got ${String(options)}`);
  const { args, batch } = checkAttention(q, k, v, options);
  const same = [q, k, v].every((t) => t.rank - 2 === batch.length && t.shape.slice(0, -2).every((d, i) => d === batch[i]));
  if (!same) {
    // Leading dimensions that broadcast: expanded copies (differentiable) for the fused kernels.
    return tidy(() => {
      const full = (t: Tensor): Tensor => expand(t, [...batch, ...t.shape.slice(-2)]);
      return attentionFused(full(q), full(k), full(v), batch, args) ?? attentionComposed(q, k, v, args);
    });
  }
  return attentionFused(q, k, v, batch, args) ?? attentionComposed(q, k, v, args);
}

/** The checks at scaledDotProductAttention's entry, before any GPU work; what the forms need. */
function checkAttention(q: Tensor, k: Tensor, v: Tensor, options: ScaledDotProductAttentionOptions): { args: AttentionArgs; batch: number[] } {
  const what = 'scaledDotProductAttention';
  checkTensor(q, `${what}: q`, 'float32');
  checkTensor(k, `${what}: k`, 'float32');
  checkTensor(v, `${what}: v`, 'float32');
  const shapes = `q ${fmt(q.shape)}, k ${fmt(k.shape)}, v ${fmt(v.shape)}`;
  if (q.rank < 2 || k.rank < 2 || v.rank < 2) throw new WebgradError(`webgrad: ${what}: q, k and v must have at least 2 dimensions ([.., L, E], [.., S, E], [.., S, Ev]), got ${shapes}`);
  const E = q.shape[q.rank - 1];
  if (k.shape[k.rank - 1] !== E) throw new WebgradError(`webgrad: ${what}: k's last dimension must be q's (E = ${E}), got ${shapes}`);
  if (v.shape[v.rank - 2] !== k.shape[k.rank - 2]) throw new WebgradError(`webgrad: ${what}: v and k must have as many rows (S), got ${shapes}`);
  const batch = broadcastShapes(broadcastShapes(q.shape.slice(0, -2), k.shape.slice(0, -2), `${what} (${shapes})`), v.shape.slice(0, -2), `${what} (${shapes})`);
  const L = q.shape[q.rank - 2];
  const S = k.shape[k.rank - 2];
  const mask = options.attnMask ?? null;
  if (mask !== null) {
    checkTensor(mask, `${what}: attnMask`);
    const scores = [...batch, L, S];
    const to = broadcastShapes(mask.shape, scores, `${what} (attnMask ${fmt(mask.shape)} against the scores ${fmt(scores)})`);
    if (to.length !== scores.length || to.some((d, i) => d !== scores[i])) {
      throw new WebgradError(`webgrad: ${what}: attnMask ${fmt(mask.shape)} must broadcast to the scores' shape ${fmt(scores)} (${shapes})`);
    }
  }
  const causal = options.isCausal ?? false;
  if (typeof causal !== 'boolean') throw new WebgradError(`webgrad: ${what}: isCausal must be a boolean, got ${String(causal)}`);
  if (causal && mask !== null) throw new WebgradError(`webgrad: ${what}: give attnMask or isCausal, not both (as PyTorch)`);
  const dropoutP = options.dropoutP ?? 0;
  if (typeof dropoutP !== 'number' || !(dropoutP >= 0 && dropoutP <= 1)) throw new WebgradError(`webgrad: ${what}: dropoutP must be in [0, 1], got ${String(dropoutP)}`);
  const scale = options.scale ?? (E > 0 ? 1 / Math.sqrt(E) : 1);
  if (typeof scale !== 'number' || !Number.isFinite(scale)) throw new WebgradError(`webgrad: ${what}: scale must be a finite number, got ${String(scale)}`);
  const seed = dropoutP > 0 ? (options.seed === undefined ? runtime().generator.nextSeed() : checkSeed(options.seed, `${what}: seed`)) : 0;
  return { args: { mask, causal, dropoutP, seed, scale }, batch };
}
