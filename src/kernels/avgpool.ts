import { runtime } from '../device/current.js';
import { Tensor } from '../tensor/tensor.js';
import { uniformLayout } from '../runtime/wgsl-struct.js';
import type { WindowGeometry } from './window-geometry.js';

/** x [n, c, h, w] pooled to [n, c, oh, ow]; kernel, stride and padding are unused when adaptive. */
export interface AvgPoolGeometry extends WindowGeometry {
  adaptive: boolean;
  countIncludePad: boolean;
}

/** Invocations per workgroup, one per output (forward) or input (backward) element. */
const WORKGROUP = 256;

function spec(g: AvgPoolGeometry, entry: string) {
  return { files: ['grid', 'avgpool'], entry, params: AVGPOOL_PARAMS, overrides: { ADAPTIVE: g.adaptive ? 1 : 0, COUNT_PAD: g.countIncludePad ? 1 : 0, WG: WORKGROUP } };
}

export const AVGPOOL_PARAMS = uniformLayout('avgpool', {
  n: 'u32', c: 'u32', h: 'u32', w: 'u32',
  oh: 'u32', ow: 'u32', kh: 'u32', kw: 'u32',
  sh: 'u32', sw: 'u32', ph: 'u32', pw: 'u32',
});

// The geometry's fields are the struct's, by name (the two flags go in as overrides).
const params = (g: AvgPoolGeometry): Uint8Array => AVGPOOL_PARAMS.pack(g);

export function avgPoolKernel(x: Tensor, g: AvgPoolGeometry): Tensor {
  const out = Tensor.empty([g.n, g.c, g.oh, g.ow]);
  if (out.size === 0) return out;
  runtime().dispatch(spec(g, 'forward'), { uniforms: params(g), buffers: [x.buffer, out.buffer], workgroups: Math.ceil(out.size / WORKGROUP) });
  return out;
}

export function avgPoolBackwardKernel(grad: Tensor, g: AvgPoolGeometry): Tensor {
  const dx = Tensor.empty([g.n, g.c, g.h, g.w]);
  if (dx.size === 0) return dx;
  runtime().dispatch(spec(g, 'backward'), { uniforms: params(g), buffers: [grad.buffer, dx.buffer], workgroups: Math.ceil(dx.size / WORKGROUP) });
  return dx;
}
