import { gatherKernel, planStrided } from '../kernels/strided.js';
import { planReduce, reduceKernel, reduceRuns } from '../kernels/reduce.js';
import { bindingLimits } from '../kernels/ranges.js';
import { stridesOf, type Shape } from '../tensor/shape.js';
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
  const plan = planReduce('sumTo: the gradient', g.shape, axes, bindingLimits());
  let flat: Tensor;
  if (plan.route === 'runs') flat = reduceRuns('sum', g, plan.passes);
  else {
    let src = g;
    if (plan.permute) {
      const kept = [...Array(g.rank).keys()].filter((d) => !axes.includes(d));
      const order = [...kept, ...axes];
      const strides = stridesOf(g.shape);
      src = gatherKernel(g, planStrided('sumTo: the gradient', g.shape, { shape: order.map((a) => g.shape[a]), offset: 0, strides: order.map((a) => strides[a]) }, bindingLimits()));
    }
    flat = reduceKernel('sum', src, plan.pass.outer, plan.pass.r, plan.pass.inner, 1);
    if (src !== g) src.dispose();
  }
  const out = flat.reshape(shape);
  flat.dispose();
  return out;
}
