import { runtime } from '../device/current.js';
import { declareKernel } from '../runtime/kernel.js';
import { Tensor } from '../tensor/tensor.js';
import { fmt, type Shape } from '../tensor/shape.js';
import { uniformLayout } from '../runtime/wgsl-struct.js';
import type { Binding } from '../runtime/runtime.js';
import { alignedRanges, bindableIn, BindingLimitError, fitsOne, limitText, rangeBinding, type BindingLimits } from './ranges.js';

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
const STRIDED = declareKernel({ file: 'strided', entries: ['gather', 'scatter'], params: STRIDED_PARAMS, workgroup: WORKGROUP });

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
 * A copy between a strided view and a dense tensor: the strided side bound whole (`span` null) or
 * only the part the view spans, the dense side a range at a time, each fitting one binding.
 */
export interface StridedPlan {
  view: View;
  span: [lo: number, hi: number] | null;
  dense: [start: number, count: number][];
}

/**
 * Plans a copy through the view `v` of a tensor of `shape`: refused when that tensor is larger than
 * one storage binding and the part the view touches is too (the dense side is copied a range at a
 * time, whatever its size). `what` names the op and the argument.
 */
export function planStrided(what: string, shape: Shape, v: View, limits: BindingLimits): StridedPlan {
  const size = shape.reduce((a, b) => a * b, 1);
  const dense = alignedRanges(limits, v.shape.reduce((a, b) => a * b, 1));
  if (fitsOne(limits, size)) return { view: v, span: null, dense };
  const [lo, hi] = span(v);
  if (hi - lo > bindableIn(limits)) {
    throw new BindingLimitError(
      `webgrad: ${what} ${fmt(shape)} needs ${size * 4} bytes in one storage binding, more than ${limitText(limits)}, ` +
        `and the view ${fmt(v.shape)} of it spans ${hi - lo} elements (${(hi - lo) * 4} bytes), more than one binding holds; use smaller tensors (batches)`,
    );
  }
  return { view: v, span: [lo, hi], dense };
}

/** The strided side's binding: the whole buffer, or the part the view spans (with the offset within it). */
function stridedSide(t: Tensor, p: StridedPlan): { binding: Binding; offset: number } {
  if (!p.span) return { binding: t.buffer, offset: p.view.offset };
  const [lo, hi] = p.span;
  const { binding, base } = rangeBinding(t.buffer, lo, hi - lo);
  return { binding, offset: p.view.offset - lo + base };
}

/** Runs `entry` over the dense side in the plan's ranges, the strided side bound once. */
function run(entry: 'gather' | 'scatter', dense: Tensor, strided: { binding: Binding; offset: number }, p: StridedPlan): void {
  const v = p.view;
  for (const [first, count] of p.dense) {
    const denseBinding: Binding =
      count === dense.size ? dense.buffer : { buffer: dense.buffer, offset: first * 4, size: Math.min(Math.ceil((count * 4) / 16) * 16, dense.buffer.size - first * 4) };
    const uniforms = STRIDED_PARAMS.pack({ n: count, rank: v.shape.length, offset: strided.offset, first, shape: v.shape, strides: v.strides });
    runtime().dispatch(STRIDED.spec(entry), {
      uniforms,
      buffers: entry === 'gather' ? [strided.binding, denseBinding] : [denseBinding, strided.binding],
      workgroups: Math.ceil(count / WORKGROUP),
    });
  }
}

/** A dense copy of the plan's view of x. */
export function gatherKernel(x: Tensor, plan: StridedPlan): Tensor {
  const out = Tensor.empty(plan.view.shape, x.dtype);
  if (out.size > 0) run('gather', out, stridedSide(x, plan), plan);
  return out;
}

/** Writes the dense tensor x (of shape plan.view.shape) into the plan's view of `into`, in place. */
export function scatterKernel(x: Tensor, into: Tensor, plan: StridedPlan): void {
  if (x.size === 0) return;
  run('scatter', x, stridedSide(into, plan), plan);
}
