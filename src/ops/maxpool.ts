import { isGradEnabled, record } from '../graph/record.js';
import { maxPoolBackwardKernel, maxPoolKernel, maxPoolValuesKernel, planMaxPool, type MaxPoolGeometry } from '../kernels/maxpool.js';
import { bindingLimits } from '../kernels/ranges.js';
import type { Tensor } from '../tensor/tensor.js';
import { checkPoolInput, poolGeometry, poolOptions } from './window.js';

export interface MaxPool2dOptions {
  kernelSize: number | [number, number];
  /** Defaults to kernelSize. */
  stride?: number | [number, number];
  /** Implicit -inf padding, at most half the kernel (as PyTorch). */
  padding?: number | [number, number];
}

/**
 * 2-D max pooling of x [N, C, H, W] (floor mode), as torch.nn.functional.max_pool2d: `maxPool2d(x, 2)`,
 * `maxPool2d(x, 3, { stride: 2, padding: 1 })` or `maxPool2d(x, { kernelSize: 3, stride: 2 })`;
 * stride defaults to kernelSize. The gradient goes to each window's maximum.
 */
export function maxPool2d(x: Tensor, kernelSize: number | [number, number] | MaxPool2dOptions, rest?: Omit<MaxPool2dOptions, 'kernelSize'>): Tensor {
  checkPoolInput(x, 'maxPool2d');
  const options = poolOptions<MaxPool2dOptions>(kernelSize, rest, 'maxPool2d');
  const g: MaxPoolGeometry = poolGeometry(x.shape, options, 'maxPool2d');
  const plan = planMaxPool(g, bindingLimits());
  // Without a backward to record, nothing needs the argmax indices.
  if (!isGradEnabled() || !x.requiresGrad) return maxPoolValuesKernel(x, g, plan);
  const { out, indices } = maxPoolKernel(x, g, plan);
  // The backward plans again: it may run under another policy's binding limit.
  return record(out, 'maxPool2d', [x], (grad) => [maxPoolBackwardKernel(grad, indices, g, planMaxPool(g, bindingLimits()))], [indices]);
}
