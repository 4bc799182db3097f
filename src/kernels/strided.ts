import { runtime } from '../device/current.js';
import { Tensor } from '../tensor/tensor.js';
import { WebgradError } from '../errors.js';
import { bindingLimitText, fmt, type Shape } from '../tensor/shape.js';
import { uniformLayout } from '../runtime/wgsl-struct.js';
import type { Binding } from '../runtime/runtime.js';
import { aligned, bindableElements, fitsOneBinding, rangeBinding } from './ranges.js';

/** A strided view of a buffer: element c of `shape` lies at offset + Σ c_d · strides_d (strides may be negative). */
export interface View {
  shape: Shape;
  offset: number;
  strides: readonly number[];
}

/** Invocations per workgroup, one per element. */
const WORKGROUP = 256;

export const STRIDED_PARAMS = uniformLayout('strided', {
  n: 'u32', rank: 'u32', offset: 'u32', first: 'u32',
  shape: 'array<vec4<u32>, 2>',
  strides: 'array<vec4<i32>, 2>',
});

/** Elements [lo, hi) of the strided side that the view `v` touches (lo = hi when it touches none). */
function span(v: View): [lo: number, hi: number] {
  if (v.shape.some((d) => d === 0)) return [v.offset, v.offset];
  let lo = v.offset;
  let hi = v.offset;
  v.shape.forEach((d, k) => {
    const reach = (d - 1) * v.strides[k];
    if (reach < 0) lo += reach;
    else hi += reach;
  });
  return [lo, hi + 1];
}

/**
 * Refuses, before any GPU work, a view whose strided side cannot be bound: `t` (of `shape`) is
 * larger than one storage binding and the part the view touches is too. (The dense side is copied
 * a range at a time, whatever its size.) `what` names the op and the argument.
 */
export function checkStrided(what: string, shape: Shape, v: View): void {
  const size = shape.reduce((a, b) => a * b, 1);
  if (fitsOneBinding(size)) return;
  const [lo, hi] = span(v);
  if (hi - lo > bindableElements()) {
    throw new WebgradError(
      `webgrad: ${what} ${fmt(shape)} needs ${size * 4} bytes in one storage binding, more than ${bindingLimitText()}, ` +
        `and the view ${fmt(v.shape)} of it spans ${hi - lo} elements (${(hi - lo) * 4} bytes), more than one binding holds; use smaller tensors (batches)`,
    );
  }
}

/** The strided side's binding: the whole buffer when it fits, else the part the view spans (with the offset within it). */
function stridedSide(t: Tensor, v: View, what: string): { binding: Binding; offset: number } {
  if (fitsOneBinding(t.size)) return { binding: t.buffer, offset: v.offset };
  checkStrided(what, t.shape, v);
  const [lo, hi] = span(v);
  const { binding, base } = rangeBinding(t.buffer, lo, hi - lo);
  return { binding, offset: v.offset - lo + base };
}

/** Runs `entry` over the dense side in ranges that each fit one binding, the strided side bound once. */
function run(entry: 'gather' | 'scatter', dense: Tensor, strided: { binding: Binding; offset: number }, v: View): void {
  for (const [first, count] of aligned(dense.size)) {
    const denseBinding: Binding =
      count === dense.size ? dense.buffer : { buffer: dense.buffer, offset: first * 4, size: Math.min(Math.ceil((count * 4) / 16) * 16, dense.buffer.size - first * 4) };
    const uniforms = STRIDED_PARAMS.pack({ n: count, rank: v.shape.length, offset: strided.offset, first, shape: v.shape, strides: v.strides });
    runtime().dispatch(
      { files: ['grid', 'strided'], entry, overrides: { WG: WORKGROUP }, params: STRIDED_PARAMS },
      { uniforms, buffers: entry === 'gather' ? [strided.binding, denseBinding] : [denseBinding, strided.binding], workgroups: Math.ceil(count / WORKGROUP) },
    );
  }
}

/** A dense copy of the view `v` of x (refused, as checkStrided says, when x cannot be bound). */
export function gatherKernel(x: Tensor, v: View, what = 'gather: x'): Tensor {
  const side = stridedSide(x, v, what);
  const out = Tensor.empty(v.shape, x.dtype);
  if (out.size > 0) run('gather', out, side, v);
  return out;
}

/** Writes the dense tensor x (of shape v.shape) into the view `v` of `into`, in place. */
export function scatterKernel(x: Tensor, into: Tensor, v: View, what = 'scatter: into'): void {
  if (x.size === 0) return;
  run('scatter', x, stridedSide(into, v, what), v);
}
