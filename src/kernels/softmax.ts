import { runtime } from '../device/current.js';
import { declareKernel } from '../runtime/kernel.js';
import { Tensor } from '../tensor/tensor.js';
import { uniformLayout } from '../runtime/wgsl-struct.js';
import { fmt } from '../tensor/shape.js';
import type { Binding } from '../runtime/runtime.js';
import { planSlabs, rangeBinding, type BindingLimits, type BlockPlan } from './ranges.js';

export const SOFTMAX_PARAMS = uniformLayout('softmax', { outer: 'u32', r: 'u32', inner: 'u32', base: 'u32' });
const SOFTMAX = declareKernel({ file: 'softmax', entries: ['forward', 'backward'], params: SOFTMAX_PARAMS });
const params = (outer: number, r: number, inner: number, base: number): Uint8Array => SOFTMAX_PARAMS.pack({ outer, r, inner, base });

/** x viewed as [outer, r, inner], softmax taken along r; the plan's runs are of outer slabs. */
export interface SoftmaxPlan extends BlockPlan {
  outer: number;
  r: number;
  inner: number;
}

/**
 * Plans a softmax of x viewed as [outer, r, inner] along r: the outer slabs are independent, so
 * tensors larger than one storage binding run a range of slabs at a time, every tensor bound from
 * the aligned offset before the range (all have the same shape, so the same `base`). Refuses an x
 * whose slabs [r, inner] are each larger than a binding; `what` names the op.
 */
export function planSoftmax(what: string, shape: readonly number[], outer: number, r: number, inner: number, limits: BindingLimits): SoftmaxPlan {
  const plan = planSlabs(limits, outer, r * inner, (limit) =>
    `webgrad: ${what}: x ${fmt(shape)} is larger than one storage binding (${limit}), and so is each of its slabs along the axis ([${r}, ${inner}]); use smaller tensors`,
  );
  return { ...plan, outer, r, inner };
}

function dispatchSlabs(entry: 'forward' | 'backward', log: boolean, tensors: Tensor[], p: SoftmaxPlan): void {
  const slab = p.r * p.inner;
  const label = `${log ? 'logSoftmax' : 'softmax'}${entry === 'backward' ? ' backward' : ''}`;
  for (const [o, k] of p.runs) {
    const parts = tensors.map((t) => (p.whole ? { binding: t.buffer as Binding, base: 0 } : rangeBinding(t.buffer, o * slab, k * slab)));
    runtime().dispatch(SOFTMAX.spec(entry, { LOG: log ? 1 : 0 }, label), { uniforms: params(k, p.r, p.inner, parts[0].base), buffers: parts.map((q) => q.binding), workgroups: k * p.inner });
  }
}

/** Softmax (or log-softmax when `log`) of x along the plan's axis. */
export function softmaxKernel(x: Tensor, plan: SoftmaxPlan, log: boolean): Tensor {
  const y = Tensor.empty(x.shape);
  if (y.size === 0) return y;
  dispatchSlabs('forward', log, [x, y], plan);
  return y;
}

/** The input gradient of softmax (or log-softmax) from its output y and the output gradient g. */
export function softmaxBackwardKernel(y: Tensor, g: Tensor, plan: SoftmaxPlan, log: boolean): Tensor {
  const dx = Tensor.empty(y.shape);
  if (dx.size === 0) return dx;
  dispatchSlabs('backward', log, [y, g, dx], plan);
  return dx;
}
