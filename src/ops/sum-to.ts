import { gatherKernel } from '../kernels/strided.js';
import { checkReducibleRuns, reduceKernel, reduceRuns } from '../kernels/reduce.js';
import { fitsOneBinding } from '../kernels/ranges.js';
import { sizeOf, stridesOf, type Shape } from '../tensor/shape.js';
import type { Tensor } from '../tensor/tensor.js';

/**
 * Sums g over the dimensions that broadcasting added to reach g's shape: the gradient of a
 * broadcast (binary ops, expand, where, clamp). Backward rules call it, so it records nothing and
 * runs the kernels itself: the ops it would otherwise call (sum, permute) need it for their own
 * gradients, and an op module importing another that imports it back is a cycle.
 */
export function sumTo(g: Tensor, shape: Shape): Tensor {
  if (g.shape.join() === shape.join()) return g;
  const lead = g.rank - shape.length;
  const axes: number[] = [];
  for (let i = 0; i < g.rank; i++) if (i < lead || (shape[i - lead] === 1 && g.shape[i] !== 1)) axes.push(i);
  if (axes.length === 0) return g.reshape(shape);
  // As [outer, r, inner] with the summed axes in the middle, moved together (a permuted copy) when
  // apart; a g too large to copy in one piece is summed one run of adjacent axes at a time.
  const adjacent = axes.every((a, i) => i === 0 || a === axes[i - 1] + 1);
  checkReducibleRuns('sumTo: the gradient', g.shape, axes);
  if (!adjacent && !fitsOneBinding(g.size)) {
    const flat = reduceRuns('sum', g, axes);
    const out = flat.reshape(shape);
    flat.dispose();
    return out;
  }
  let src = g;
  let first = axes[0];
  if (!adjacent) {
    const kept = [...Array(g.rank).keys()].filter((d) => !axes.includes(d));
    const order = [...kept, ...axes];
    const strides = stridesOf(g.shape);
    src = gatherKernel(g, { shape: order.map((a) => g.shape[a]), offset: 0, strides: order.map((a) => strides[a]) });
    first = kept.length;
  }
  const outer = sizeOf(src.shape.slice(0, first));
  const r = sizeOf(axes.map((a) => g.shape[a]));
  const inner = sizeOf(src.shape.slice(first + axes.length));
  const flat = reduceKernel('sum', src, outer, r, inner, 1);
  if (src !== g) src.dispose();
  const out = flat.reshape(shape);
  flat.dispose();
  return out;
}
