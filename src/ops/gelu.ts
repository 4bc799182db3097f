import { WebgradError } from '../errors.js';
import { record } from '../graph/record.js';
import { geluBackwardKernel, geluKernel } from '../kernels/gelu.js';
import { checkTensor, type Tensor } from '../tensor/tensor.js';

export interface GeluOptions {
  /** 'none' (default): x·Φ(x) with the exact normal distribution function; 'tanh': PyTorch's tanh approximation. */
  approximate?: 'none' | 'tanh';
}

/** Checks GELU's `approximate` option (PyTorch's names) and says whether it is the tanh form. */
export function geluApprox(options: GeluOptions | undefined, what: string): boolean {
  const a = options?.approximate ?? 'none';
  if (a !== 'none' && a !== 'tanh') throw new WebgradError(`webgrad: ${what}: approximate must be 'none' or 'tanh', got ${String(a)}`);
  return a === 'tanh';
}

/** torch.nn.functional.gelu: x·Φ(x), or with `approximate: 'tanh'` 0.5·x·(1 + tanh(√(2/π)(x + 0.044715x³))). */
export function gelu(x: Tensor, options?: GeluOptions): Tensor {
  checkTensor(x, 'gelu: x', 'float32');
  const approx = geluApprox(options, 'gelu');
  const out = geluKernel(x, approx);
  return record(out, 'gelu', [x], (g) => [geluBackwardKernel(g, x, approx)]);
}
