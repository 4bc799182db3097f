import { runtime } from '../device/current.js';
import { Tensor } from '../tensor/tensor.js';
import { uniformLayout } from '../runtime/wgsl-struct.js';
import { WebgradError } from '../errors.js';
import { bindingLimitText, fmt } from '../tensor/shape.js';
import { blockBinding, blockRuns } from './ranges.js';
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

/**
 * Planes are pooled independently, so tensors larger than one storage binding run a range of planes
 * at a time, each bound from an aligned offset (the kernels index from their bindings' starts).
 */
function dispatchPlanes(g: AvgPoolGeometry, entry: 'forward' | 'backward', src: Tensor, dst: Tensor): void {
  const sizes = entry === 'forward' ? [g.h * g.w, g.oh * g.ow] : [g.oh * g.ow, g.h * g.w];
  const runs = blockRuns(g.n * g.c, sizes);
  if (!runs) throw new Error('webgrad: internal: avgPool2d planes cannot be split (checkAvgPoolBindable was skipped)');
  for (const run of runs) {
    const part = { ...g, n: run[1], c: 1 };
    runtime().dispatch(spec(g, entry), {
      uniforms: params(part),
      buffers: [blockBinding(src.buffer, sizes[0], run, runs.length === 1), blockBinding(dst.buffer, sizes[1], run, runs.length === 1)],
      workgroups: Math.ceil((run[1] * sizes[1]) / WORKGROUP),
    });
  }
}

/** Refuses, before any GPU work, a pooling whose planes cannot be split into ranges that fit a binding. */
export function checkAvgPoolBindable(what: string, shape: readonly number[], g: AvgPoolGeometry): void {
  if (blockRuns(g.n * g.c, [g.h * g.w, g.oh * g.ow])) return;
  throw new WebgradError(
    `webgrad: ${what} ${fmt(shape)} is larger than one storage binding (${bindingLimitText()}), and so are the fewest planes it can be split into; use smaller planes`,
  );
}

export function avgPoolKernel(x: Tensor, g: AvgPoolGeometry): Tensor {
  const out = Tensor.empty([g.n, g.c, g.oh, g.ow]);
  if (out.size === 0) return out;
  dispatchPlanes(g, 'forward', x, out);
  return out;
}

export function avgPoolBackwardKernel(grad: Tensor, g: AvgPoolGeometry): Tensor {
  const dx = Tensor.empty([g.n, g.c, g.h, g.w]);
  if (dx.size === 0) return dx;
  dispatchPlanes(g, 'backward', grad, dx);
  return dx;
}
