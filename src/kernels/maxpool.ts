import { runtime } from '../device/current.js';
import { Tensor } from '../tensor/tensor.js';
import { uniformLayout } from '../runtime/wgsl-struct.js';
import type { WindowGeometry } from './window-geometry.js';

/** A pooling window's geometry over NCHW planes (checked by the op). */
export type MaxPoolGeometry = WindowGeometry;

/** One invocation per output row (forward) or input row (backward). */
const WORKGROUP = 64;

export const MAXPOOL_PARAMS = uniformLayout('maxpool', {
  total: 'u32', h: 'u32', w: 'u32', oh: 'u32',
  ow: 'u32', kh: 'u32', kw: 'u32', sh: 'u32',
  sw: 'u32', ph: 'u32', pw: 'u32', _p0: 'u32',
});

function params(total: number, g: MaxPoolGeometry): Uint8Array {
  return MAXPOOL_PARAMS.pack({ total, h: g.h, w: g.w, oh: g.oh, ow: g.ow, kh: g.kh, kw: g.kw, sh: g.sh, sw: g.sw, ph: g.ph, pw: g.pw });
}

/** The pooled maxima [n, c, oh, ow] and, for each, the int32 index y·W + x of its input in the plane. */
export function maxPoolKernel(x: Tensor, g: MaxPoolGeometry): { out: Tensor; indices: Tensor } {
  const shape = [g.n, g.c, g.oh, g.ow];
  const out = Tensor.empty(shape);
  const indices = Tensor.empty(shape, 'int32');
  if (out.size > 0) {
    const rows = g.n * g.c * g.oh;
    runtime().dispatch(
      { files: ['grid', 'window', 'maxpool'], entry: 'forward', overrides: { WG: WORKGROUP }, params: MAXPOOL_PARAMS },
      { uniforms: params(rows, g), buffers: [x.buffer, out.buffer, indices.buffer], workgroups: Math.ceil(rows / WORKGROUP) },
    );
  }
  return { out, indices };
}

/** The pooled maxima only, for when no backward will run. */
export function maxPoolValuesKernel(x: Tensor, g: MaxPoolGeometry): Tensor {
  const out = Tensor.empty([g.n, g.c, g.oh, g.ow]);
  if (out.size > 0) {
    const rows = g.n * g.c * g.oh;
    // AlexNet's 3/2 windows (without padding, up to 8 rows) have a vec4 path.
    const fast = g.kw === 3 && g.sw === 2 && g.pw === 0 && g.ph === 0 && g.kh <= 8;
    runtime().dispatch(
      fast ? { files: ['grid', 'window', 'maxpool'], entry: 'forwardMax3s2', overrides: { KH: g.kh, WG: WORKGROUP }, params: MAXPOOL_PARAMS } : { files: ['grid', 'window', 'maxpool'], entry: 'forwardMax', overrides: { WG: WORKGROUP }, params: MAXPOOL_PARAMS },
      { uniforms: params(rows, g), buffers: [x.buffer, out.buffer], workgroups: Math.ceil(rows / WORKGROUP) },
    );
  }
  return out;
}

/** The input gradient [n, c, h, w]: each element gathers the gradients of the windows that chose it. */
export function maxPoolBackwardKernel(grad: Tensor, indices: Tensor, g: MaxPoolGeometry): Tensor {
  const gx = Tensor.empty([g.n, g.c, g.h, g.w]);
  if (gx.size > 0) {
    const rows = g.n * g.c * g.h;
    // AlexNet's 3/2 windows (no column padding) stream each input row once.
    const streamed = g.kw === 3 && g.sw === 2 && g.pw === 0;
    runtime().dispatch(
      { files: ['grid', 'window', 'maxpool'], entry: streamed ? 'backward3s2' : 'backward', overrides: { WG: WORKGROUP }, params: MAXPOOL_PARAMS },
      { uniforms: params(rows, g), buffers: [grad.buffer, indices.buffer, gx.buffer], workgroups: Math.ceil(rows / WORKGROUP) },
    );
  }
  return gx;
}
