import { runtime } from '../device/current.js';
import { Tensor } from '../tensor/tensor.js';
import { uniformLayout } from '../runtime/wgsl-struct.js';
import { WebgradError } from '../errors.js';
import { bindingLimitText, fmt } from '../tensor/shape.js';
import type { Binding } from '../runtime/runtime.js';
import { bindableElements, fitsOneBinding, rangeBinding } from './ranges.js';

export const SOFTMAX_PARAMS = uniformLayout('softmax', { outer: 'u32', r: 'u32', inner: 'u32', base: 'u32' });
const params = (outer: number, r: number, inner: number, base: number): Uint8Array => SOFTMAX_PARAMS.pack({ outer, r, inner, base });

/** Outer slabs per dispatch: all when the tensor fits one binding, else as many as fit one (0: not even one). */
const slabsPerRun = (outer: number, slab: number): number => (fitsOneBinding(outer * slab) ? outer : Math.floor(bindableElements() / slab));

/**
 * Runs `entry` over x viewed as [outer, r, inner]: the outer slabs are independent, so tensors
 * larger than one storage binding run a range of slabs at a time, every tensor bound from the
 * aligned offset before the range (all have the same shape, so the same `base`).
 */
function dispatchSlabs(entry: 'forward' | 'backward', log: boolean, tensors: Tensor[], outer: number, r: number, inner: number): void {
  const slab = r * inner;
  const per = slabsPerRun(outer, slab);
  if (per === 0) throw new Error('webgrad: internal: softmax slabs cannot be split (checkSoftmaxBindable was skipped)');
  const label = `${log ? 'logSoftmax' : 'softmax'}${entry === 'backward' ? ' backward' : ''}`;
  for (let o = 0; o < outer; o += per) {
    const k = Math.min(per, outer - o);
    const parts = tensors.map((t) => (per === outer ? { binding: t.buffer as Binding, base: 0 } : rangeBinding(t.buffer, o * slab, k * slab)));
    runtime().dispatch(
      { files: ['grid', 'row_reduce', 'softmax'], entry, overrides: { LOG: log ? 1 : 0 }, label, params: SOFTMAX_PARAMS },
      { uniforms: params(k, r, inner, parts[0].base), buffers: parts.map((q) => q.binding), workgroups: k * inner },
    );
  }
}

/** Refuses, before any GPU work, an x whose slabs [r, inner] along the axis are each larger than a binding. */
export function checkSoftmaxBindable(what: string, shape: readonly number[], outer: number, r: number, inner: number): void {
  // An empty x has nothing to bind (and slabsPerRun counts no slab of it).
  if (outer * r * inner === 0 || slabsPerRun(outer, r * inner) > 0) return;
  throw new WebgradError(
    `webgrad: ${what} ${fmt(shape)} is larger than one storage binding (${bindingLimitText()}), and so is each of its slabs along the axis ([${r}, ${inner}]); use smaller tensors`,
  );
}

/** Softmax (or log-softmax when `log`) of x viewed as [outer, r, inner], along r. */
export function softmaxKernel(x: Tensor, outer: number, r: number, inner: number, log: boolean): Tensor {
  const y = Tensor.empty(x.shape);
  if (y.size === 0) return y;
  dispatchSlabs('forward', log, [x, y], outer, r, inner);
  return y;
}

/** The input gradient of softmax (or log-softmax) from its output y and the output gradient g. */
export function softmaxBackwardKernel(y: Tensor, g: Tensor, outer: number, r: number, inner: number, log: boolean): Tensor {
  const dx = Tensor.empty(y.shape);
  if (dx.size === 0) return dx;
  dispatchSlabs('backward', log, [y, g, dx], outer, r, inner);
  return dx;
}
