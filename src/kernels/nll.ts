import { runtime } from '../device/current.js';
import { declareKernel } from '../runtime/kernel.js';
import { Tensor } from '../tensor/tensor.js';
import { LABEL_PARAMS, labelParams } from './loss.js';

/** Invocations per workgroup of the backward, one per element. */
const WORKGROUP = 256;
const NLL = declareKernel({ file: 'nll', entries: ['forward', 'backward'], params: LABEL_PARAMS });

/** −mean over rows of logProbs[n, label_n]: a scalar (NaN where a label is out of range, which the next readback reports). */
export function nllKernel(logProbs: Tensor, labels: Tensor, n: number, c: number): Tensor {
  const loss = Tensor.empty([]);
  runtime().dispatch(
    NLL.spec('forward'),
    { uniforms: labelParams(n, c), buffers: [logProbs.buffer, labels.buffer, loss.buffer, runtime().checks.binding('nllLossLabels')], workgroups: 1 },
  );
  return loss;
}

/** −g/n at each row's label, 0 elsewhere. */
export function nllBackwardKernel(labels: Tensor, g: Tensor, n: number, c: number): Tensor {
  const dx = Tensor.empty([n, c]);
  if (dx.size === 0) return dx;
  runtime().dispatch(
    NLL.spec('backward', { WG: WORKGROUP }),
    { uniforms: labelParams(n, c), buffers: [g.buffer, labels.buffer, dx.buffer], workgroups: Math.ceil(dx.size / WORKGROUP) },
  );
  return dx;
}
