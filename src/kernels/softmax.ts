import { runtime } from '../device/current.js';
import { Tensor } from '../tensor/tensor.js';
import { Uniforms, bytesOf } from '../runtime/uniforms.js';

const params = (outer: number, r: number, inner: number): Uint8Array => bytesOf(new Uniforms().u32(outer, r, inner, 0));

/** Softmax (or log-softmax when `log`) of x viewed as [outer, r, inner], along r. */
export function softmaxKernel(x: Tensor, outer: number, r: number, inner: number, log: boolean): Tensor {
  const y = Tensor.empty(x.shape);
  if (y.size === 0) return y;
  runtime().dispatch(
    { files: ['softmax'], entry: 'forward', overrides: { LOG: log ? 1 : 0 }, label: log ? 'logSoftmax' : 'softmax' },
    { uniforms: params(outer, r, inner), buffers: [x.buffer, y.buffer], workgroups: outer * inner },
  );
  return y;
}

/** The input gradient of softmax (or log-softmax) from its output y and the output gradient g. */
export function softmaxBackwardKernel(y: Tensor, g: Tensor, outer: number, r: number, inner: number, log: boolean): Tensor {
  const dx = Tensor.empty(y.shape);
  if (dx.size === 0) return dx;
  runtime().dispatch(
    { files: ['softmax'], entry: 'backward', overrides: { LOG: log ? 1 : 0 }, label: log ? 'logSoftmax backward' : 'softmax backward' },
    { uniforms: params(outer, r, inner), buffers: [y.buffer, g.buffer, dx.buffer], workgroups: outer * inner },
  );
  return dx;
}
