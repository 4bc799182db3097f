import { WebgradError } from '../errors.js';
import { record } from '../graph/record.js';
import { planSoftmax, softmaxBackwardKernel, softmaxKernel } from '../kernels/softmax.js';
import { bindingLimits } from '../kernels/ranges.js';
import { fmt, normaliseAxes, sizeOf } from '../tensor/shape.js';
import { checkTensor, Tensor } from '../tensor/tensor.js';

function along(what: string, x: Tensor, axis: number, log: boolean): Tensor {
  checkTensor(x, `${what}: x`);
  if (x.dtype !== 'float32') throw new WebgradError(`webgrad: ${what}: x must be float32, got ${x.dtype} (shape ${fmt(x.shape)})`);
  if (typeof axis !== 'number') throw new WebgradError(`webgrad: ${what}: axis must be a number, got ${typeof axis}`);
  if (x.rank === 0) throw new WebgradError(`webgrad: ${what}: x must have at least one dimension, got shape ${fmt(x.shape)}`);
  const [a] = normaliseAxes(axis, x.rank, what);
  const outer = sizeOf(x.shape.slice(0, a));
  const r = x.shape[a];
  const inner = sizeOf(x.shape.slice(a + 1));
  const plan = (): ReturnType<typeof planSoftmax> => planSoftmax(what, x.shape, outer, r, inner, bindingLimits());
  const y = softmaxKernel(x, plan(), log);
  // The backward plans again: it may run under another policy's binding limit.
  return record(y, what, [x], (g) => [softmaxBackwardKernel(y, g, plan(), log)]);
}

/** exp(x) / Σ exp(x) along `axis` (PyTorch's softmax(x, dim)), computed stably in one pass. */
export const softmax = (x: Tensor, axis: number): Tensor => along('softmax', x, axis, false);

/** x − log Σ exp(x) along `axis` (PyTorch's log_softmax(x, dim)), stable for large |x|. */
export const logSoftmax = (x: Tensor, axis: number): Tensor => along('logSoftmax', x, axis, true);
