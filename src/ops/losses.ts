import { WebgradError } from '../device/errors.js';
import { record } from '../autograd/record.js';
import { nllBackwardKernel, nllKernel } from '../kernels/nll.js';
import { fmt } from '../tensor/shape.js';
import { checkTensor, Tensor } from '../tensor/tensor.js';
import { tensor } from './creation.js';
import { mul, sub } from './elementwise.js';
import { mean } from './reduce.js';
import type { Labels } from './loss.js';

function checkLabels(what: string, x: Tensor, labels: Labels): Tensor {
  const [n, c] = x.shape;
  if (labels instanceof Tensor) {
    checkTensor(labels, `${what}: labels`);
    if (labels.dtype !== 'int32') throw new WebgradError(`webgrad: ${what}: labels must be int32, got ${labels.dtype} (shape ${fmt(labels.shape)})`);
    if (labels.rank !== 1 || labels.shape[0] !== n) {
      throw new WebgradError(`webgrad: ${what}: labels must be [${n}] for logProbs ${fmt(x.shape)}, got ${fmt(labels.shape)}`);
    }
    return labels;
  }
  if (labels === null || typeof labels !== 'object' || typeof labels.length !== 'number') {
    throw new WebgradError(`webgrad: ${what}: labels must be an int32 Tensor or an array of class indices, got ${typeof labels}`);
  }
  if (labels.length !== n) throw new WebgradError(`webgrad: ${what}: labels has ${labels.length} entries but logProbs ${fmt(x.shape)} has ${n} rows`);
  for (let i = 0; i < labels.length; i++) {
    const v = labels[i];
    if (!Number.isInteger(v) || v < 0 || v >= c) {
      throw new WebgradError(`webgrad: ${what}: labels[${i}] = ${v} is not a class index in [0, ${c}) for logProbs ${fmt(x.shape)}`);
    }
  }
  return tensor(labels, [n], { dtype: 'int32' });
}

/**
 * Mean negative log-likelihood of log-probabilities [N, C] (from logSoftmax) at class labels [N]:
 * PyTorch's F.nll_loss with its default mean reduction. Returns a scalar.
 */
export function nllLoss(logProbs: Tensor, labels: Labels): Tensor {
  checkTensor(logProbs, 'nllLoss: logProbs');
  if (logProbs.dtype !== 'float32') throw new WebgradError(`webgrad: nllLoss: logProbs must be float32, got ${logProbs.dtype} (shape ${fmt(logProbs.shape)})`);
  if (logProbs.rank !== 2) throw new WebgradError(`webgrad: nllLoss: logProbs must be [N, C], got ${fmt(logProbs.shape)}`);
  const [n, c] = logProbs.shape;
  const y = checkLabels('nllLoss', logProbs, labels);
  const loss = nllKernel(logProbs, y, n, c);
  record(loss, 'nllLoss', [logProbs], (g) => {
    const dx = nllBackwardKernel(y, g, n, c);
    if (y !== labels) y.dispose();
    return [dx];
  });
  if (y !== labels && !loss.node) y.dispose();
  return loss;
}

/** Mean squared error mean((a − b)²) of two tensors of the same shape (PyTorch's F.mse_loss). */
export function mseLoss(a: Tensor, b: Tensor): Tensor {
  checkTensor(a, 'mseLoss: a');
  checkTensor(b, 'mseLoss: b');
  for (const [t, name] of [[a, 'a'], [b, 'b']] as const) {
    if (t.dtype !== 'float32') throw new WebgradError(`webgrad: mseLoss: ${name} must be float32, got ${t.dtype} (shape ${fmt(t.shape)})`);
  }
  if (a.shape.join() !== b.shape.join()) throw new WebgradError(`webgrad: mseLoss: a ${fmt(a.shape)} and b ${fmt(b.shape)} must have the same shape`);
  const d = sub(a, b);
  const sq = mul(d, d);
  const out = mean(sq);
  if (!out.node) {
    d.dispose();
    sq.dispose();
  }
  return out;
}
