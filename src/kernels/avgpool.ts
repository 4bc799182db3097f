import { runtime } from '../device/current.js';
import { declareKernel } from '../runtime/kernel.js';
import { Tensor } from '../tensor/tensor.js';
import { uniformLayout } from '../runtime/wgsl-struct.js';
import { fmt } from '../tensor/shape.js';
import { blockBinding, planBlocks, type BindingLimits, type BlockPlan } from './ranges.js';
import type { WindowGeometry } from './window-geometry.js';

/** x [n, c, h, w] pooled to [n, c, oh, ow]; kernel, stride and padding are unused when adaptive. */
export interface AvgPoolGeometry extends WindowGeometry {
  adaptive: boolean;
  countIncludePad: boolean;
}

/** Invocations per workgroup, one per output (forward) or input (backward) element. */
const WORKGROUP = 256;

function spec(g: AvgPoolGeometry, entry: 'forward' | 'backward') {
  return AVGPOOL.spec(entry, { ADAPTIVE: g.adaptive ? 1 : 0, COUNT_PAD: g.countIncludePad ? 1 : 0 });
}

export const AVGPOOL_PARAMS = uniformLayout('avgpool', {
  n: 'u32', c: 'u32', h: 'u32', w: 'u32',
  oh: 'u32', ow: 'u32', kh: 'u32', kw: 'u32',
  sh: 'u32', sw: 'u32', ph: 'u32', pw: 'u32',
});
const AVGPOOL = declareKernel({ file: 'avgpool', entries: ['forward', 'backward'], params: AVGPOOL_PARAMS, workgroup: WORKGROUP });

// The geometry's fields are the struct's, by name (the two flags go in as overrides).
const params = (g: AvgPoolGeometry): Uint8Array => AVGPOOL_PARAMS.pack(g);

/**
 * Plans a pooling: planes are pooled independently, so tensors larger than one storage binding run
 * a range of planes at a time, each bound from an aligned offset (the kernels index from their
 * bindings' starts). The backward binds the same planes of the other sides: the same plan.
 */
export function planAvgPool(what: string, g: AvgPoolGeometry, limits: BindingLimits): BlockPlan {
  return planBlocks(limits, g.n * g.c, [g.h * g.w, g.oh * g.ow], (limit) =>
    `webgrad: ${what} ${fmt([g.n, g.c, g.h, g.w])} is larger than one storage binding (${limit}), and so are the fewest planes it can be split into; use smaller planes`,
  );
}

function dispatchPlanes(g: AvgPoolGeometry, plan: BlockPlan, entry: 'forward' | 'backward', src: Tensor, dst: Tensor): void {
  const sizes = entry === 'forward' ? [g.h * g.w, g.oh * g.ow] : [g.oh * g.ow, g.h * g.w];
  for (const run of plan.runs) {
    const part = { ...g, n: run[1], c: 1 };
    runtime().dispatch(spec(g, entry), {
      uniforms: params(part),
      buffers: [blockBinding(src.buffer, sizes[0], run, plan.whole), blockBinding(dst.buffer, sizes[1], run, plan.whole)],
      workgroups: Math.ceil((run[1] * sizes[1]) / WORKGROUP),
    });
  }
}

export function avgPoolKernel(x: Tensor, g: AvgPoolGeometry, plan: BlockPlan): Tensor {
  const out = Tensor.empty([g.n, g.c, g.oh, g.ow]);
  if (out.size === 0) return out;
  dispatchPlanes(g, plan, 'forward', x, out);
  return out;
}

export function avgPoolBackwardKernel(grad: Tensor, g: AvgPoolGeometry, plan: BlockPlan): Tensor {
  const dx = Tensor.empty([g.n, g.c, g.h, g.w]);
  if (dx.size === 0) return dx;
  dispatchPlanes(g, plan, 'backward', grad, dx);
  return dx;
}
