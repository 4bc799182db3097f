import { runtime } from '../device/current.js';
import { declareKernel } from '../runtime/kernel.js';
import { Tensor } from '../tensor/tensor.js';
import { uniformLayout } from '../runtime/wgsl-struct.js';

/** Invocations per workgroup of the backward, one per element. */
export const WORKGROUP = 256;

/** labels.wgsl's uniform block, shared with nll.wgsl. */
export const LABEL_PARAMS = uniformLayout('labels', { n: 'u32', c: 'u32', _p0: 'u32', _p1: 'u32', invN: 'f32', _p2: 'u32', _p3: 'u32', _p4: 'u32' });
// The mean over no rows is NaN, as PyTorch's (0 · NaN in the kernel).
/** loss.wgsl: the log-sum-exp, the mean loss, its gradient, and the count of correct rows. */
const LOSS = declareKernel({ file: 'loss', entries: ['rowLse', 'mean', 'backward', 'countCorrect'], params: LABEL_PARAMS });
export const labelParams = (n: number, c: number): Uint8Array => LABEL_PARAMS.pack({ n, c, invN: n > 0 ? 1 / n : Number.NaN });

/** Per-row log-sum-exp of logits [n, c], the log-softmax normaliser, as [n, 2]: (max, log Σ exp(x − max)). */
export function rowLseKernel(logits: Tensor, n: number, c: number): Tensor {
  const lse = Tensor.empty([n, 2]);
  if (n === 0) return lse;
  runtime().dispatch(LOSS.spec('rowLse'), { uniforms: labelParams(n, c), buffers: [logits.buffer, lse.buffer], workgroups: n });
  return lse;
}

/** Mean over rows of (max_n − logits[n, label_n]) + log Σ_n: a scalar tensor (NaN where a label is out of range, which the next readback reports). */
export function nllMeanKernel(logits: Tensor, labels: Tensor, lse: Tensor, n: number, c: number): Tensor {
  const loss = Tensor.empty([]);
  runtime().dispatch(
    LOSS.spec('mean'),
    { uniforms: labelParams(n, c), buffers: [logits.buffer, labels.buffer, lse.buffer, runtime().checks.binding('crossEntropyLabels'), loss.buffer], workgroups: 1 },
  );
  return loss;
}

/** g · (softmax(logits) − one-hot(labels)) / n, with g the loss's scalar gradient. */
export function crossEntropyBackwardKernel(logits: Tensor, labels: Tensor, lse: Tensor, g: Tensor, n: number, c: number): Tensor {
  const dx = Tensor.empty([n, c]);
  if (dx.size === 0) return dx;
  runtime().dispatch(
    LOSS.spec('backward', { WG: WORKGROUP }),
    { uniforms: labelParams(n, c), buffers: [logits.buffer, labels.buffer, lse.buffer, g.buffer, dx.buffer], workgroups: Math.ceil(dx.size / WORKGROUP) },
  );
  return dx;
}

/** [1] float32: how many rows have their first maximum at the label. */
export function countCorrectKernel(logits: Tensor, labels: Tensor, n: number, c: number): Tensor {
  const out = Tensor.empty([1]);
  runtime().dispatch(
    LOSS.spec('countCorrect'),
    { uniforms: labelParams(n, c), buffers: [logits.buffer, labels.buffer, out.buffer, runtime().checks.binding('countCorrectLabels')], workgroups: 1 },
  );
  return out;
}
