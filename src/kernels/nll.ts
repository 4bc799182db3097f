import { runtime } from '../device/current.js';
import { Tensor } from '../tensor/tensor.js';
import { Uniforms, bytesOf } from './uniforms.js';

// The mean over no rows is NaN, as PyTorch's (0 · NaN in the kernel).
const params = (n: number, c: number): Uint8Array => bytesOf(new Uniforms().u32(n, c, 0, 0).f32(n > 0 ? 1 / n : Number.NaN));

/** −mean over rows of logProbs[n, label_n]: a scalar (NaN where a label is out of range, which the next readback reports). */
export function nllKernel(logProbs: Tensor, labels: Tensor, n: number, c: number): Tensor {
  const loss = Tensor.empty([]);
  runtime().dispatch(
    { files: ['nll'], entry: 'forward' },
    { uniforms: params(n, c), buffers: [labels.buffer, logProbs.buffer, loss.buffer, runtime().checks.binding('nllLossLabels')], workgroups: 1 },
  );
  return loss;
}

/** −g/n at each row's label, 0 elsewhere. */
export function nllBackwardKernel(labels: Tensor, g: Tensor, n: number, c: number): Tensor {
  const dx = Tensor.empty([n, c]);
  if (dx.size === 0) return dx;
  runtime().dispatch(
    { files: ['nll'], entry: 'backward' },
    { uniforms: params(n, c), buffers: [labels.buffer, g.buffer, dx.buffer], workgroups: Math.ceil(dx.size / 256) },
  );
  return dx;
}
