import { WebgradError } from '../errors.js';
import { record } from '../graph/record.js';
import { nllBackwardKernel, nllKernel } from '../kernels/nll.js';
import { fmt } from '../tensor/shape.js';
import { bindingLimits, requireWhole } from '../kernels/ranges.js';
import { checkTensor, Tensor } from '../tensor/tensor.js';
import { allOrNothing } from '../graph/scope.js';
import { mul, sub } from './elementwise.js';
import { mean } from './reduce.js';
import { checkInputs, type Labels } from './loss.js';

/**
 * Mean negative log-likelihood of log-probabilities [N, C] (from logSoftmax) at class labels [N]:
 * PyTorch's F.nll_loss with its default mean reduction. Returns a scalar.
 */
export function nllLoss(logProbs: Tensor, labels: Labels): Tensor {
  checkTensor(logProbs, 'nllLoss: logProbs');
  requireWhole(bindingLimits(), ['nllLoss: logProbs', logProbs.shape]);
  // All or nothing: labels made here are freed if the loss's allocation is refused for memory.
  return allOrNothing(() => {
    const { n, c, labels: y } = checkInputs('nllLoss', logProbs, labels, 'logProbs');
    const loss = nllKernel(logProbs, y, n, c);
    // As crossEntropy: the labels are an input when they are the caller's tensor (so that disposing
    // them before backward() is named there), saved when made here from numbers.
    const own = y !== labels;
    return record(loss, 'nllLoss', own ? [logProbs] : [logProbs, y], (g) => [nllBackwardKernel(y, g, n, c), null], own ? [y] : []);
  });
}

/** Mean squared error mean((a − b)²) of two tensors of the same shape (PyTorch's F.mse_loss). */
export function mseLoss(a: Tensor, b: Tensor): Tensor {
  checkTensor(a, 'mseLoss: a');
  checkTensor(b, 'mseLoss: b');
  for (const [t, name] of [[a, 'a'], [b, 'b']] as const) {
    if (t.dtype !== 'float32') throw new WebgradError(`webgrad: mseLoss: ${name} must be float32, got ${t.dtype} (shape ${fmt(t.shape)})`);
  }
  if (a.shape.join() !== b.shape.join()) throw new WebgradError(`webgrad: mseLoss: a ${fmt(a.shape)} and b ${fmt(b.shape)} must have the same shape`);
  return allOrNothing(() => {
    const d = sub(a, b);
    const sq = mul(d, d);
    const out = mean(sq);
    if (!out.node) {
      d.dispose();
      sq.dispose();
    }
    return out;
  });
}
