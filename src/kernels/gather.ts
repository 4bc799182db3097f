import { runtime } from '../device/current.js';
import { declareKernel } from '../runtime/kernel.js';
import { uniformLayout } from '../runtime/wgsl-struct.js';
import { Tensor } from '../tensor/tensor.js';

export const GATHER_PARAMS = uniformLayout('gather', {
  n: 'u32', rank: 'u32', dim: 'u32', _p0: 'u32',
  indexShape: 'array<vec4<u32>, 2>',
  xShape: 'array<vec4<u32>, 2>',
});
/** One invocation per element of the output (forward) or of x's gradient (backward). */
const GATHER = declareKernel({ file: 'gather', entries: ['forward', 'backward'], params: GATHER_PARAMS, workgroup: 256 });

/** out (index's shape) = x at index along `dim`; shapes checked (and bindable) by the caller. */
export function gatherKernel(x: Tensor, dim: number, index: Tensor): Tensor {
  const out = Tensor.empty(index.shape, x.dtype);
  if (out.size === 0) return out;
  runtime().dispatch(
    GATHER.spec('forward'),
    {
      uniforms: GATHER_PARAMS.pack({ n: out.size, rank: x.rank, dim, indexShape: index.shape, xShape: x.shape }),
      buffers: [x.buffer, index.buffer, out.buffer, runtime().checks.binding('gatherIndex')],
      workgroups: Math.ceil(out.size / GATHER.workgroup),
    },
  );
  return out;
}

/** gx (x's shape `xShape`): each element the sum of grad (index's shape) where index points at it along `dim`. */
export function gatherBackwardKernel(grad: Tensor, dim: number, index: Tensor, xShape: readonly number[]): Tensor {
  const gx = Tensor.empty(xShape);
  if (gx.size === 0) return gx;
  runtime().dispatch(
    GATHER.spec('backward'),
    {
      uniforms: GATHER_PARAMS.pack({ n: gx.size, rank: xShape.length, dim, indexShape: index.shape, xShape }),
      buffers: [grad.buffer, index.buffer, gx.buffer],
      workgroups: Math.ceil(gx.size / GATHER.workgroup),
    },
  );
  return gx;
}
