import { runtime } from '../device/current.js';
import { declareKernel } from '../runtime/kernel.js';
import { uniformLayout } from '../runtime/wgsl-struct.js';
import { Tensor } from '../tensor/tensor.js';

export const LAYERNORM_PARAMS = uniformLayout('layernorm', { rows: 'u32', n: 'u32', eps: 'f32', _p0: 'u32' });

const LAYERNORM = declareKernel({ file: 'layernorm', entries: ['forward', 'backward', 'paramsBackward'], params: LAYERNORM_PARAMS });

/** x viewed as [rows, n], normalised over n. */
export interface LayerNormGeometry {
  rows: number;
  n: number;
  eps: number;
}

/**
 * y = LayerNorm(x) over rows of n (weight and bias [n], or both null), and the per-row (mean, rstd)
 * pairs [rows, 2] the backward reads. Shapes are checked by the caller.
 */
export function layerNormKernel(x: Tensor, weight: Tensor | null, bias: Tensor | null, g: LayerNormGeometry): { y: Tensor; stats: Tensor } {
  const y = Tensor.empty(x.shape);
  const stats = Tensor.empty([g.rows, 2]);
  if (y.size === 0) return { y, stats };
  runtime().dispatch(
    LAYERNORM.spec('forward', { AFFINE: weight ? 1 : 0 }),
    {
      uniforms: LAYERNORM_PARAMS.pack(g),
      // Without an affine transform the weight and bias bindings are not read: x stands in for them.
      buffers: [x.buffer, (weight ?? x).buffer, (bias ?? x).buffer, y.buffer, stats.buffer],
      workgroups: g.rows,
    },
  );
  return { y, stats };
}

/** dx of LayerNorm from the output gradient `grad`, x and the forward's stats. */
export function layerNormBackwardKernel(grad: Tensor, x: Tensor, weight: Tensor | null, stats: Tensor, g: LayerNormGeometry): Tensor {
  const dx = Tensor.empty(x.shape);
  if (dx.size === 0) return dx;
  runtime().dispatch(
    LAYERNORM.spec('backward', { AFFINE: weight ? 1 : 0 }),
    { uniforms: LAYERNORM_PARAMS.pack(g), buffers: [x.buffer, (weight ?? x).buffer, grad.buffer, stats.buffer, dx.buffer], workgroups: g.rows },
  );
  return dx;
}

/** The gradients of the weight and bias [n]: sums over the rows of grad·x̂ and of grad. */
export function layerNormParamsBackwardKernel(grad: Tensor, x: Tensor, stats: Tensor, g: LayerNormGeometry): { dweight: Tensor; dbias: Tensor } {
  const dweight = Tensor.empty([g.n]);
  const dbias = Tensor.empty([g.n]);
  if (g.n === 0) return { dweight, dbias };
  runtime().dispatch(
    LAYERNORM.spec('paramsBackward', { AFFINE: 1 }),
    { uniforms: LAYERNORM_PARAMS.pack(g), buffers: [x.buffer, grad.buffer, stats.buffer, dweight.buffer, dbias.buffer], workgroups: g.n },
  );
  return { dweight, dbias };
}
