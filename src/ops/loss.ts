import { WebgradError } from '../errors.js';
import { record } from '../graph/record.js';
import { countCorrectKernel, crossEntropyBackwardKernel, nllMeanKernel, rowLseKernel } from '../kernels/loss.js';
import { fmt } from '../tensor/shape.js';
import { bindingLimits, requireWhole } from '../kernels/ranges.js';
import { checkTensor, Tensor } from '../tensor/tensor.js';
import { allOrNothing } from '../graph/scope.js';
import { tensor } from './creation.js';

/**
 * Class labels: an int32 tensor [N], or numbers (checked against the class count here). A
 * tensor's values live on the GPU: crossEntropy and countCorrect check them there, and the next readback throws
 * a WebgradError naming the first label out of range.
 */
export type Labels = Tensor | ArrayLike<number>;

/**
 * Checks scores [N, C] (named `name` in messages) and their labels [N]; numbers become an int32
 * tensor made here (the caller owns it), a tensor is returned as it is.
 */
export function checkInputs(what: string, logits: Tensor, labels: Labels, name = 'logits'): { n: number; c: number; labels: Tensor } {
  checkTensor(logits, `${what}: ${name}`);
  if (logits.dtype !== 'float32') throw new WebgradError(`webgrad: ${what}: ${name} must be float32, got ${logits.dtype} (shape ${fmt(logits.shape)})`);
  if (logits.rank !== 2) throw new WebgradError(`webgrad: ${what}: ${name} must be [N, C], got ${fmt(logits.shape)}`);
  const [n, c] = logits.shape;
  if (c === 0) throw new WebgradError(`webgrad: ${what}: ${name} ${fmt(logits.shape)} have no classes`);
  // The loss kernels bind the scores whole (their mean and count run in one workgroup).
  requireWhole(bindingLimits(), [`${what}: ${name}`, logits.shape]);
  if (labels instanceof Tensor) {
    checkTensor(labels, `${what}: labels`);
    if (labels.dtype !== 'int32') throw new WebgradError(`webgrad: ${what}: labels must be int32, got ${labels.dtype} (shape ${fmt(labels.shape)})`);
    if (labels.rank !== 1 || labels.shape[0] !== n) {
      throw new WebgradError(`webgrad: ${what}: labels must be [${n}] for ${name} ${fmt(logits.shape)}, got ${fmt(labels.shape)}`);
    }
    return { n, c, labels };
  }
  if (labels === null || typeof labels !== 'object' || typeof labels.length !== 'number') {
    throw new WebgradError(`webgrad: ${what}: labels must be an int32 Tensor or an array of class indices, got ${typeof labels}`);
  }
  if (labels.length !== n) throw new WebgradError(`webgrad: ${what}: labels has ${labels.length} entries but ${name} ${fmt(logits.shape)} has ${n} rows`);
  for (let i = 0; i < labels.length; i++) {
    const v = labels[i];
    if (!Number.isInteger(v) || v < 0 || v >= c) {
      throw new WebgradError(`webgrad: ${what}: labels[${i}] = ${v} is not a class index in [0, ${c}) for ${name} ${fmt(logits.shape)}`);
    }
  }
  return { n, c, labels: tensor(labels, [n], { dtype: 'int32' }) };
}

/**
 * Mean cross-entropy of logits [N, C] against class labels [N] (PyTorch's F.cross_entropy):
 * a fused, numerically stable log-softmax and negative log-likelihood. Returns a scalar.
 */
export function crossEntropy(logits: Tensor, labels: Labels): Tensor {
  // All or nothing: labels, lse and loss are freed if an allocation is refused for memory.
  return allOrNothing(() => {
    const { n, c, labels: y } = checkInputs('crossEntropy', logits, labels);
    const lse = rowLseKernel(logits, n, c);
    const loss = nllMeanKernel(logits, y, lse, n, c);
    // The labels are an input when they are the caller's tensor (so that disposing them before
    // backward() is named there), saved when made here from numbers.
    const own = y !== labels;
    return record(
      loss,
      'crossEntropy',
      own ? [logits] : [logits, y],
      (g) => [crossEntropyBackwardKernel(logits, y, lse, g, n, c), null],
      own ? [lse, y] : [lse],
    );
  });
}

/** [1] float32: how many rows of logits [N, C] have their first maximum at the label (on the GPU). */
export function countCorrect(logits: Tensor, labels: Labels): Tensor {
  return allOrNothing(() => {
    const { n, c, labels: y } = checkInputs('countCorrect', logits, labels);
    const out = countCorrectKernel(logits, y, n, c);
    if (y !== labels) y.dispose();
    return out;
  });
}
