import { WebgradError } from '../errors.js';
import { record } from '../graph/record.js';
import { lrnBackwardKernel, lrnKernel, planLrn, type LrnParams } from '../kernels/lrn.js';
import { bindingLimits } from '../kernels/ranges.js';
import { fmt } from '../tensor/shape.js';
import { checkTensor, type Tensor } from '../tensor/tensor.js';

export interface LocalResponseNormOptions {
  /** Channels in the window (default 5); any size, even or wider than the channel count, as PyTorch. */
  size?: number;
  /** Default 1e-4; divided by size, as PyTorch. */
  alpha?: number;
  /** Default 0.75. */
  beta?: number;
  /** Default 1. */
  k?: number;
}

/**
 * Local response normalisation across channels of x [N, C, ...], exactly
 * torch.nn.functional.local_response_norm: b_c = a_c / (k + alpha/size · Σ_window a²)^beta.
 */
export function localResponseNorm(x: Tensor, options: LocalResponseNormOptions = {}): Tensor {
  options ??= {};
  if (typeof options !== 'object') throw new WebgradError(`webgrad: localResponseNorm: options must be an object { size, alpha, beta, k }, got ${String(options)}`);
  checkTensor(x, 'localResponseNorm: x');
  if (x.dtype !== 'float32') throw new WebgradError(`webgrad: localResponseNorm: x must be float32, got ${x.dtype} (shape ${fmt(x.shape)})`);
  if (x.rank < 3) throw new WebgradError(`webgrad: localResponseNorm: x must have at least 3 dimensions [N, C, ...], got ${fmt(x.shape)}`);
  const o: LrnParams = { size: options.size ?? 5, alpha: options.alpha ?? 1e-4, beta: options.beta ?? 0.75, k: options.k ?? 1 };
  if (!Number.isSafeInteger(o.size) || o.size < 1) {
    throw new WebgradError(`webgrad: localResponseNorm: size must be a positive integer, got ${o.size}`);
  }
  for (const key of ['alpha', 'beta', 'k'] as const) {
    if (!Number.isFinite(o[key])) throw new WebgradError(`webgrad: localResponseNorm: ${key} must be a finite number, got ${o[key]}`);
  }
  const out = lrnKernel(x, o, planLrn(x.shape, bindingLimits()));
  // The backward plans again: it may run under another policy's binding limit.
  return record(out, 'localResponseNorm', [x], (g) => [lrnBackwardKernel(x, g, o, planLrn(x.shape, bindingLimits()))]);
}
