import { tidy } from '../graph/scope.js';
import type { Tensor } from '../tensor/tensor.js';
import { dropout } from './dropout.js';
import { add, mul } from './elementwise.js';
import { transpose } from './layout.js';
import { matmul } from './matmul.js';
import { tril } from './masking.js';
import { ones } from './creation.js';
import { where } from './selection.js';
import { softmax } from './softmax.js';

/** What the checked call of scaledDotProductAttention passes on (attention.ts checks it all). */
export interface AttentionArgs {
  /** int32: take part where not zero; float32: added to the scores. */
  mask: Tensor | null;
  causal: boolean;
  dropoutP: number;
  /** The dropout mask's seed (used when dropoutP > 0). */
  seed: number;
  scale: number;
}

/**
 * softmax(q·kᵀ·scale + mask) · v from matmul, softmax and where, with their gradients: the reference
 * the fused kernel is tested against, and the form that runs where it does not apply. Its memory
 * grows with L·S.
 */
export function attentionComposed(q: Tensor, k: Tensor, v: Tensor, args: AttentionArgs): Tensor {
  return tidy(() => {
    const [L, S] = [q.shape[q.rank - 2], k.shape[k.rank - 2]];
    let scores = mul(matmul(q, transpose(k, -2, -1)), args.scale);
    if (args.causal) scores = where(tril(ones([L, S])), scores, -Infinity);
    // PyTorch's bool mask is −inf added (as the fused kernels do): a key left out whose score is +inf or NaN still makes the row NaN.
    if (args.mask?.dtype === 'int32') scores = add(scores, where(args.mask, 0, -Infinity));
    else if (args.mask) scores = add(scores, args.mask);
    let weights = softmax(scores, -1);
    if (args.dropoutP > 0) weights = dropout(weights, { p: args.dropoutP, seed: args.seed });
    return matmul(weights, v);
  });
}
