import { WebgradError } from '../errors.js';
import { runtime } from '../device/current.js';
import { noGrad } from '../graph/record.js';
import { full } from '../ops/creation.js';
import { abs, add, div, maximum, minimum, mul, sqrt } from '../ops/elementwise.js';
import { max, sum } from '../ops/reduce.js';
import { fmt } from '../tensor/shape.js';
import { tidy } from '../graph/scope.js';
import { checkTensor, type Tensor } from '../tensor/tensor.js';

export interface ClipGradNormOptions {
  /** 2 (default) or Infinity (the largest absolute value). */
  normType?: number;
}

/**
 * torch.nn.utils.clip_grad_norm_: the norm of all the parameters' gradients together, as if
 * concatenated, and each gradient scaled in place (its buffer overwritten) by
 * min(1, maxNorm / (norm + 1e-6)). Returns the norm before clipping as a float32 [] on the GPU (read
 * it with `item()`; the caller frees it), so clipping waits for nothing. Parameters without a
 * gradient are skipped; with none at all the norm is 0.
 */
export function clipGradNorm(params: Iterable<Tensor>, maxNorm: number, options: ClipGradNormOptions = {}): Tensor {
  if (params === null || typeof (params as Iterable<Tensor>)[Symbol.iterator] !== 'function') {
    throw new WebgradError('webgrad: clipGradNorm: params must be an iterable of tensors');
  }
  const list = [...params];
  list.forEach((p, i) => checkTensor(p, `clipGradNorm: params[${i}]`));
  if (typeof maxNorm !== 'number' || !(maxNorm >= 0)) throw new WebgradError(`webgrad: clipGradNorm: maxNorm must be a number >= 0, got ${String(maxNorm)}`);
  const normType = options.normType ?? 2;
  if (normType !== 2 && normType !== Infinity) throw new WebgradError(`webgrad: clipGradNorm: normType must be 2 or Infinity, got ${String(normType)}`);
  const grads = list.map((p) => p.grad).filter((g): g is Tensor => g !== null);
  grads.forEach((g, i) => {
    checkTensor(g, `clipGradNorm: a gradient (${i})`, 'float32');
    if (g.size === 0) throw new WebgradError(`webgrad: clipGradNorm: a gradient of shape ${fmt(g.shape)} is empty`);
  });
  return noGrad(() =>
    tidy(() => {
      if (grads.length === 0) return full([], 0);
      const parts = grads.map((g) => (normType === 2 ? sum(mul(g, g)) : max(abs(g))));
      const total = normType === 2 ? sqrt(parts.reduce((a, b) => add(a, b))) : parts.reduce((a, b) => maximum(a, b));
      const coef = minimum(div(maxNorm, add(total, 1e-6)), 1);
      for (const g of grads) {
        const scaled = mul(g, coef);
        runtime().copy(scaled.buffer, 0, g.buffer, 0, g.size * 4);
      }
      return total;
    }),
  );
}
