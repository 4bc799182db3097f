import { runtime } from '../device/current.js';
import { declareKernel } from '../runtime/kernel.js';
import { Tensor } from '../tensor/tensor.js';
import { uniformLayout } from '../runtime/wgsl-struct.js';
import { fmt } from '../tensor/shape.js';
import type { Binding, KernelSpec } from '../runtime/runtime.js';
import { blockBinding, planBlocks, type BindingLimits, type BlockPlan } from './ranges.js';
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

export const MAXPOOL = declareKernel({
  file: 'maxpool',
  entries: ['forward', 'forwardMax', 'forwardMax3s2', 'backward', 'backward3s2'],
  params: MAXPOOL_PARAMS,
  workgroup: WORKGROUP,
});

function params(total: number, g: MaxPoolGeometry): Uint8Array {
  return MAXPOOL_PARAMS.pack({ total, h: g.h, w: g.w, oh: g.oh, ow: g.ow, kh: g.kh, kw: g.kw, sh: g.sh, sw: g.sw, ph: g.ph, pw: g.pw });
}

/**
 * Plans a pooling: planes are pooled independently, so tensors larger than one storage binding run
 * a range of planes at a time, each binding its planes of every tensor from an aligned offset (the
 * kernels index from their bindings' starts). Refuses planes that cannot be split so.
 */
export function planMaxPool(g: MaxPoolGeometry, limits: BindingLimits): BlockPlan {
  return planBlocks(limits, g.n * g.c, [g.h * g.w, g.oh * g.ow], (limit) =>
    `webgrad: maxPool2d: x ${fmt([g.n, g.c, g.h, g.w])} is larger than one storage binding (${limit}), and so are the fewest planes it can be split into; use smaller planes`,
  );
}

/** Runs `spec` over the plan's runs of planes, `rowsPerPlane` invocations per plane. */
function dispatchPlanes(spec: KernelSpec, g: MaxPoolGeometry, plan: BlockPlan, tensors: [Tensor, 'in' | 'out'][], rowsPerPlane: number): void {
  const planeSize = { in: g.h * g.w, out: g.oh * g.ow };
  for (const run of plan.runs) {
    const rows = run[1] * rowsPerPlane;
    const buffers: Binding[] = tensors.map(([t, side]) => blockBinding(t.buffer, planeSize[side], run, plan.whole));
    runtime().dispatch(spec, { uniforms: params(rows, g), buffers, workgroups: Math.ceil(rows / WORKGROUP) });
  }
}

/** The pooled maxima [n, c, oh, ow] and, for each, the int32 index y·W + x of its input in the plane. */
export function maxPoolKernel(x: Tensor, g: MaxPoolGeometry, plan: BlockPlan): { out: Tensor; indices: Tensor } {
  const shape = [g.n, g.c, g.oh, g.ow];
  const out = Tensor.empty(shape);
  const indices = Tensor.empty(shape, 'int32');
  if (out.size > 0) {
    dispatchPlanes(MAXPOOL.spec('forward'), g, plan, [[x, 'in'], [out, 'out'], [indices, 'out']], g.oh);
  }
  return { out, indices };
}

/** The pooled maxima only, for when no backward will run. */
export function maxPoolValuesKernel(x: Tensor, g: MaxPoolGeometry, plan: BlockPlan): Tensor {
  const out = Tensor.empty([g.n, g.c, g.oh, g.ow]);
  if (out.size > 0) {
    // AlexNet's 3/2 windows (without padding, up to 8 rows) have a vec4 path.
    const fast = g.kw === 3 && g.sw === 2 && g.pw === 0 && g.ph === 0 && g.kh <= 8;
    const spec: KernelSpec = fast
      ? MAXPOOL.spec('forwardMax3s2', { KH: g.kh })
      : MAXPOOL.spec('forwardMax');
    dispatchPlanes(spec, g, plan, [[x, 'in'], [out, 'out']], g.oh);
  }
  return out;
}

/** The input gradient [n, c, h, w]: each element gathers the gradients of the windows that chose it. */
export function maxPoolBackwardKernel(grad: Tensor, indices: Tensor, g: MaxPoolGeometry, plan: BlockPlan): Tensor {
  const gx = Tensor.empty([g.n, g.c, g.h, g.w]);
  if (gx.size > 0) {
    // AlexNet's 3/2 windows (no column padding) stream each input row once.
    const streamed = g.kw === 3 && g.sw === 2 && g.pw === 0;
    dispatchPlanes(
      MAXPOOL.spec(streamed ? 'backward3s2' : 'backward'),
      g,
      plan,
      [[grad, 'out'], [indices, 'out'], [gx, 'in']],
      g.h,
    );
  }
  return gx;
}
