import { WebgradError } from '../errors.js';
import { record } from '../graph/record.js';
import { avgPoolBackwardKernel, avgPoolKernel, planAvgPool, type AvgPoolGeometry } from '../kernels/avgpool.js';
import { bindingLimits } from '../kernels/ranges.js';
import { fmt } from '../tensor/shape.js';
import type { Tensor } from '../tensor/tensor.js';
import { checkPoolInput, pairOf, poolGeometry, poolOptions } from './window.js';

export interface AvgPool2dOptions {
  kernelSize: number | [number, number];
  /** Defaults to kernelSize. */
  stride?: number | [number, number];
  /** Implicit zero padding, at most half the kernel (as PyTorch). */
  padding?: number | [number, number];
  /** Whether padded zeros count in the divisor (PyTorch's count_include_pad). Default true. */
  countIncludePad?: boolean;
}

function pool(x: Tensor, g: AvgPoolGeometry, op: string): Tensor {
  const out = avgPoolKernel(x, g, planAvgPool(`${op}: x`, g, bindingLimits()));
  // The backward plans again: it may run under another policy's binding limit.
  return record(out, op, [x], (grad) => [avgPoolBackwardKernel(grad, g, planAvgPool(`${op}: x`, g, bindingLimits()))]);
}

/**
 * 2-D average pooling of x [N, C, H, W] (floor mode), as torch.nn.functional.avg_pool2d: `avgPool2d(x, 2)`,
 * `avgPool2d(x, 3, { stride: 2, padding: 1 })` or `avgPool2d(x, { kernelSize: 3, stride: 2 })`;
 * stride defaults to kernelSize.
 */
export function avgPool2d(x: Tensor, kernelSize: number | [number, number] | AvgPool2dOptions, rest?: Omit<AvgPool2dOptions, 'kernelSize'>): Tensor {
  checkPoolInput(x, 'avgPool2d');
  const options = poolOptions<AvgPool2dOptions>(kernelSize, rest, 'avgPool2d');
  const g = poolGeometry(x.shape, options, 'avgPool2d');
  const countIncludePad = options.countIncludePad ?? true;
  return pool(x, { ...g, adaptive: false, countIncludePad }, 'avgPool2d');
}

/** Average pooling of x [N, C, H, W] to outputSize [OH, OW] (or OH = OW), as PyTorch's F.adaptive_avg_pool2d. */
export function adaptiveAvgPool2d(x: Tensor, outputSize: number | [number, number]): Tensor {
  checkPoolInput(x, 'adaptiveAvgPool2d');
  const [oh, ow] = pairOf(outputSize, 'adaptiveAvgPool2d: outputSize', 1);
  const [n, c, h, w] = x.shape;
  if (h === 0 || w === 0) throw new WebgradError(`webgrad: adaptiveAvgPool2d: x ${fmt(x.shape)} has an empty spatial dimension`);
  return pool(x, { n, c, h, w, oh, ow, kh: 0, kw: 0, sh: 1, sw: 1, ph: 0, pw: 0, adaptive: true, countIncludePad: true }, 'adaptiveAvgPool2d');
}
