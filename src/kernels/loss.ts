import { runtime } from '../device/current.js';
import { Tensor } from '../tensor/tensor.js';
import { uniformLayout } from '../runtime/wgsl-struct.js';

// The mean over no rows is NaN, as PyTorch's (0 · NaN in the kernel).
export /** Invocations per workgroup of the backward, one per element. */
const WORKGROUP = 256;

export const LOSS_PARAMS = uniformLayout('loss', { n: 'u32', c: 'u32', _p0: 'u32', _p1: 'u32', invN: 'f32', _p2: 'u32', _p3: 'u32', _p4: 'u32' });
const params = (n: number, c: number): Uint8Array => LOSS_PARAMS.pack({ n, c, invN: n > 0 ? 1 / n : Number.NaN });

/** Per-row log-sum-exp of logits [n, c]: the log-softmax normaliser. */
export function rowLseKernel(logits: Tensor, n: number, c: number): Tensor {
  const lse = Tensor.empty([n]);
  if (n === 0) return lse;
  runtime().dispatch({ files: ['grid', 'row_reduce', 'loss'], entry: 'rowLse', params: LOSS_PARAMS }, { uniforms: params(n, c), buffers: [logits.buffer, lse.buffer], workgroups: n });
  return lse;
}

/** Mean over rows of lse_n − logits[n, label_n]: a scalar tensor (NaN where a label is out of range, which the next readback reports). */
export function nllMeanKernel(logits: Tensor, labels: Tensor, lse: Tensor, n: number, c: number): Tensor {
  const loss = Tensor.empty([]);
  runtime().dispatch(
    { files: ['grid', 'row_reduce', 'loss'], entry: 'mean', params: LOSS_PARAMS },
    { uniforms: params(n, c), buffers: [logits.buffer, labels.buffer, lse.buffer, loss.buffer, runtime().checks.binding('crossEntropyLabels')], workgroups: 1 },
  );
  return loss;
}

/** g · (softmax(logits) − one-hot(labels)) / n, with g the loss's scalar gradient. */
export function crossEntropyBackwardKernel(logits: Tensor, labels: Tensor, lse: Tensor, g: Tensor, n: number, c: number): Tensor {
  const dx = Tensor.empty([n, c]);
  if (dx.size === 0) return dx;
  runtime().dispatch(
    { files: ['grid', 'row_reduce', 'loss'], entry: 'backward', overrides: { WG: WORKGROUP }, params: LOSS_PARAMS },
    { uniforms: params(n, c), buffers: [logits.buffer, labels.buffer, lse.buffer, g.buffer, dx.buffer], workgroups: Math.ceil(dx.size / WORKGROUP) },
  );
  return dx;
}

/** [1] float32: how many rows have their first maximum at the label. */
export function countCorrectKernel(logits: Tensor, labels: Tensor, n: number, c: number): Tensor {
  const out = Tensor.empty([1]);
  runtime().dispatch(
    { files: ['grid', 'row_reduce', 'loss'], entry: 'countCorrect', params: LOSS_PARAMS },
    { uniforms: params(n, c), buffers: [logits.buffer, out.buffer, labels.buffer, runtime().checks.binding('countCorrectLabels')], workgroups: 1 },
  );
  return out;
}
