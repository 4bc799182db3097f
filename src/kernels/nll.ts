import { runtime } from '../device/current.js';
import { Tensor } from '../tensor/tensor.js';
import { uniformLayout } from '../runtime/wgsl-struct.js';

/** Invocations per workgroup of the backward, one per element. */
const WORKGROUP = 256;

export const NLL_PARAMS = uniformLayout('nll', { n: 'u32', c: 'u32', _p0: 'u32', _p1: 'u32', invN: 'f32', _p2: 'u32', _p3: 'u32', _p4: 'u32' });
// The mean over no rows is NaN, as PyTorch's (0 · NaN in the kernel).
const params = (n: number, c: number): Uint8Array => NLL_PARAMS.pack({ n, c, invN: n > 0 ? 1 / n : Number.NaN });

/** −mean over rows of logProbs[n, label_n]: a scalar (NaN where a label is out of range, which the next readback reports). */
export function nllKernel(logProbs: Tensor, labels: Tensor, n: number, c: number): Tensor {
  const loss = Tensor.empty([]);
  runtime().dispatch(
    { files: ['grid', 'nll'], entry: 'forward', params: NLL_PARAMS },
    { uniforms: params(n, c), buffers: [labels.buffer, logProbs.buffer, loss.buffer, runtime().checks.binding('nllLossLabels')], workgroups: 1 },
  );
  return loss;
}

/** −g/n at each row's label, 0 elsewhere. */
export function nllBackwardKernel(labels: Tensor, g: Tensor, n: number, c: number): Tensor {
  const dx = Tensor.empty([n, c]);
  if (dx.size === 0) return dx;
  runtime().dispatch(
    { files: ['grid', 'nll'], entry: 'backward', overrides: { WG: WORKGROUP }, params: NLL_PARAMS },
    { uniforms: params(n, c), buffers: [labels.buffer, g.buffer, dx.buffer], workgroups: Math.ceil(dx.size / WORKGROUP) },
  );
  return dx;
}
