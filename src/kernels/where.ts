import { runtime } from '../device/current.js';
import { declareKernel } from '../runtime/kernel.js';
import { Tensor } from '../tensor/tensor.js';
import type { Shape } from '../tensor/shape.js';
import { BROADCAST_PARAMS, broadcastParams } from './elementwise.js';

/** Invocations per workgroup, one per element. */
const WORKGROUP = 256;
const WHERE = declareKernel({ file: 'where', entries: ['main'], params: BROADCAST_PARAMS, workgroup: WORKGROUP });

/** cond ? a : b over `shape` (already checked and broadcast by the caller). */
export function whereKernel(cond: Tensor, a: Tensor, b: Tensor, shape: Shape): Tensor {
  const out = Tensor.empty(shape);
  if (out.size === 0) return out;
  runtime().dispatch(
    WHERE.spec('main', { COND_FLOAT: cond.dtype === 'float32' ? 1 : 0 }),
    { uniforms: broadcastParams(shape, a.shape, b.shape, cond.shape), buffers: [cond.buffer, a.buffer, b.buffer, out.buffer], workgroups: Math.ceil(out.size / WORKGROUP) },
  );
  return out;
}
