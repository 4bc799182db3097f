import { WebgradError } from '../errors.js';
import { isGradEnabled, record } from '../graph/record.js';
import { maxPoolBackwardKernel, maxPoolKernel, maxPoolValuesKernel, planMaxPool, type MaxPoolGeometry } from '../kernels/maxpool.js';
import { bindingLimits } from '../kernels/ranges.js';
import { fmt } from '../tensor/shape.js';
import { checkTensor, type Tensor } from '../tensor/tensor.js';
import { pairOf, poolOptions, windowOutput } from './window.js';

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
  checkTensor(x, 'maxPool2d: x');
  if (x.dtype !== 'float32') throw new WebgradError(`webgrad: maxPool2d: x must be float32, got ${x.dtype} (shape ${fmt(x.shape)})`);
  if (x.rank !== 4) throw new WebgradError(`webgrad: maxPool2d: x must be [N, C, H, W], got ${fmt(x.shape)}`);
  const options = poolOptions<MaxPool2dOptions>(kernelSize, rest, 'maxPool2d');
  const [kh, kw] = pairOf(options.kernelSize, 'maxPool2d: kernelSize', 1);
  const [sh, sw] = pairOf(options.stride ?? [kh, kw], 'maxPool2d: stride', 1);
  const [ph, pw] = pairOf(options.padding ?? 0, 'maxPool2d: padding', 0);
  if (2 * ph > kh || 2 * pw > kw) {
    throw new WebgradError(`webgrad: maxPool2d: padding [${ph}, ${pw}] must be at most half of kernelSize [${kh}, ${kw}]`);
  }
  const [n, c, h, w] = x.shape;
  const oh = windowOutput(h, kh, sh, ph, 'maxPool2d: kernelSize (height)', x.shape);
  const ow = windowOutput(w, kw, sw, pw, 'maxPool2d: kernelSize (width)', x.shape);
  const g: MaxPoolGeometry = { n, c, h, w, oh, ow, kh, kw, sh, sw, ph, pw };
  const plan = planMaxPool(g, bindingLimits());
  // Without a backward to record, nothing needs the argmax indices.
  if (!isGradEnabled() || !x.requiresGrad) return maxPoolValuesKernel(x, g, plan);
  const { out, indices } = maxPoolKernel(x, g, plan);
  // The backward plans again: it may run under another policy's binding limit.
  return record(out, 'maxPool2d', [x], (grad) => [maxPoolBackwardKernel(grad, indices, g, planMaxPool(g, bindingLimits()))], [indices]);
}
