import { WebgradError } from '../errors.js';
import { record } from '../graph/record.js';
import { batchNormalizeKernel, batchNormInputGradKernel, batchNormSumsKernel, batchStatsKernel, planBatchNorm, type BatchNormDims } from '../kernels/batchnorm.js';
import { bindingLimits } from '../kernels/ranges.js';
import { fmt, sizeOf } from '../tensor/shape.js';
import { checkTensor, Tensor } from '../tensor/tensor.js';
import { allOrNothing } from '../graph/scope.js';
import { full } from './creation.js';

export interface BatchNormOptions {
  /** Normalise by the batch's statistics (and update the running ones); else by the running ones. Default false, as F.batch_norm. */
  training?: boolean;
  /** Weight of the new batch in the running statistics. Default 0.1. */
  momentum?: number;
  /** Added to the variance. Default 1e-5. */
  eps?: number;
}

function channelVector(t: Tensor | null, c: number, what: string, xShape: readonly number[]): void {
  if (t === null) return;
  checkTensor(t, `batchNorm: ${what}`);
  if (t.dtype !== 'float32' || t.rank !== 1 || t.shape[0] !== c) {
    throw new WebgradError(`webgrad: batchNorm: ${what} must be float32 [${c}] for x ${fmt(xShape)}, got ${fmt(t.shape)} (${t.dtype})`);
  }
}

/**
 * Batch normalisation over axis 1 of x [N, C, …] (PyTorch's F.batch_norm): in training, by the
 * batch's mean and biased variance, blending them into runningMean/runningVar in place (the variance
 * unbiased, as PyTorch's); in evaluation, by the running statistics. weight and bias (each [C]) may be
 * null. Gradients flow to x, weight and bias.
 */
export function batchNorm(
  x: Tensor,
  runningMean: Tensor | null,
  runningVar: Tensor | null,
  weight: Tensor | null = null,
  bias: Tensor | null = null,
  options: BatchNormOptions = {},
): Tensor {
  return batchNormCounting(x, runningMean, runningVar, weight, bias, options, null);
}

/** batchNormCounting's arguments: batchNorm's, then `batchesTracked`. */
type BatchNormCountingArgs = [
  x: Tensor,
  runningMean: Tensor | null,
  runningVar: Tensor | null,
  weight: Tensor | null,
  bias: Tensor | null,
  options: BatchNormOptions,
  batchesTracked: Tensor | null,
];

/** batchNorm that also adds 1 to `batchesTracked` (int32 [1]) when it updates the running statistics (BatchNorm2d). */
export function batchNormCounting(...args: BatchNormCountingArgs): Tensor {
  // All or nothing: the statistics' tensors are freed if an allocation is refused for memory.
  return allOrNothing(() => batchNormOf(...args));
}

function batchNormOf(...[x, runningMean, runningVar, weight, bias, options, batchesTracked]: BatchNormCountingArgs): Tensor {
  checkTensor(x, 'batchNorm: x');
  if (x.dtype !== 'float32') throw new WebgradError(`webgrad: batchNorm: x must be float32, got ${x.dtype} (shape ${fmt(x.shape)})`);
  if (x.rank < 2) throw new WebgradError(`webgrad: batchNorm: x must be [N, C, ...], got ${fmt(x.shape)}`);
  const training = options.training ?? false;
  const momentum = options.momentum ?? 0.1;
  const eps = options.eps ?? 1e-5;
  if (typeof momentum !== 'number' || !(momentum >= 0 && momentum <= 1)) throw new WebgradError(`webgrad: batchNorm: momentum must be in [0, 1], got ${String(momentum)}`);
  if (typeof eps !== 'number' || !(eps >= 0)) throw new WebgradError(`webgrad: batchNorm: eps must be a number >= 0, got ${String(eps)}`);
  const [n, c] = x.shape;
  const s = sizeOf(x.shape.slice(2));
  channelVector(runningMean, c, 'runningMean', x.shape);
  channelVector(runningVar, c, 'runningVar', x.shape);
  channelVector(weight, c, 'weight', x.shape);
  channelVector(bias, c, 'bias', x.shape);
  if ((runningMean === null) !== (runningVar === null)) throw new WebgradError('webgrad: batchNorm: give both runningMean and runningVar, or neither');
  if (!training && runningMean === null) throw new WebgradError(`webgrad: batchNorm: evaluation (training: false) needs runningMean and runningVar (x ${fmt(x.shape)})`);
  if (training && n * s <= 1) throw new WebgradError(`webgrad: batchNorm: training needs more than one value per channel, got x ${fmt(x.shape)}`);
  const d: BatchNormDims = { n, c, s, momentum, eps };
  const plan = planBatchNorm(x.shape, d, bindingLimits());
  const w = weight ?? full([c], 1);
  const b = bias ?? full([c], 0);
  const stats = training
    ? batchStatsKernel(x, d, plan, runningMean && runningVar ? { mean: runningMean, var: runningVar, batchesTracked } : null)
    : { mean: runningMean!, var: runningVar! };
  const y = batchNormalizeKernel(x, stats.mean, stats.var, w, b, d, plan);
  const inputs = [x, ...(weight ? [weight] : []), ...(bias ? [bias] : [])];
  // What the backward reads that is made here (the batch's statistics, the default weight and bias)
  // is saved: the node frees it with itself, and it is freed now when nothing is recorded.
  const saved = [...(training ? [stats.mean, stats.var] : []), ...(weight ? [] : [w]), ...(bias ? [] : [b])];
  // Evaluation's backward reads the running statistics as they are then (only a training forward changes them).
  record(
    y,
    'batchNorm',
    inputs,
    (g) => {
      // The backward plans again: it may run under another policy's binding limit.
      const again = planBatchNorm(x.shape, d, bindingLimits());
      const sums = batchNormSumsKernel(x, stats.mean, stats.var, g, d, again);
      const dx = x.requiresGrad ? batchNormInputGradKernel(x, stats.mean, stats.var, g, w, sums, d, again, training) : null;
      const grads: (Tensor | null)[] = [dx];
      if (weight) grads.push(sums.sumGX);
      else sums.sumGX.dispose();
      if (bias) grads.push(sums.sumG);
      else sums.sumG.dispose();
      return grads;
    },
    saved,
  );
  return y;
}
