import { WebgradError } from '../errors.js';
import { noGrad, record } from '../graph/record.js';
import { whereKernel } from '../kernels/where.js';
import { broadcastShapes, fmt } from '../tensor/shape.js';
import { bindingLimits, requireWhole } from '../kernels/ranges.js';
import { allOrNothing, tidy } from '../graph/scope.js';
import { checkTensor, Tensor } from '../tensor/tensor.js';
import { full } from './creation.js';
import { checkComparison, eq, ge, gt, maximum, minimum, mul, sub, type Operand } from './elementwise.js';
import { sumTo } from './sum-to.js';

function operand(v: Operand, what: string): Tensor {
  if (typeof v === 'number') return full([], v);
  checkTensor(v, what);
  if (v.dtype !== 'float32') throw new WebgradError(`webgrad: ${what} must be float32, got ${v.dtype} (shape ${fmt(v.shape)})`);
  return v;
}

/**
 * a where cond is true (not zero), b elsewhere, element-wise with broadcasting (torch.where). cond is
 * a float32 mask (as lt, gt, … give) or int32; a and b may be numbers. Gradients flow to the branch taken.
 */
export function where(cond: Tensor, a: Operand, b: Operand): Tensor {
  checkTensor(cond, 'where: cond');
  // All or nothing: operands made here from numbers are freed if a check or an allocation fails.
  const [ta, tb, shape, out] = allOrNothing(() => {
    const ta = operand(a, 'where: a');
    const tb = operand(b, 'where: b');
    const shape = broadcastShapes(cond.shape, broadcastShapes(ta.shape, tb.shape, 'where'), 'where (cond against a and b)');
    requireWhole(bindingLimits(), ['where: the result', shape]);
    return [ta, tb, shape, whereKernel(cond, ta, tb, shape)] as const;
  });
  // cond is an input (with no gradient), so that a graph returned from a tidy() keeps it; the
  // operands made here from numbers are saved too, so that the node frees them.
  record(
    out,
    'where',
    [cond, ta, tb],
    (g) =>
      tidy(() => {
        const zero = full([], 0);
        return [null, ta.requiresGrad ? sumTo(whereKernel(cond, g, zero, shape), ta.shape) : null, tb.requiresGrad ? sumTo(whereKernel(cond, zero, g, shape), tb.shape) : null];
      }),
    [ta, tb].filter((t, k) => t !== [a, b][k]),
  );
  return out;
}

/**
 * x limited to [min, max], as torch.clamp; either bound may be left out, and each is a number or a
 * tensor that broadcasts with x. x's gradient passes where min ≤ x ≤ max (bounds included); a tensor
 * bound's where x lies beyond it (PyTorch's rule, including a min above the max, which gives the max).
 */
export function clamp(x: Tensor, min?: Operand | null, max?: Operand | null): Tensor {
  checkTensor(x, 'clamp: x');
  if (x.dtype !== 'float32') throw new WebgradError(`webgrad: clamp: x must be float32, got ${x.dtype} (shape ${fmt(x.shape)})`);
  if ((min === undefined || min === null) && (max === undefined || max === null)) {
    throw new WebgradError(`webgrad: clamp: give min, max or both (x ${fmt(x.shape)})`);
  }
  const bound = (v: Operand | null | undefined, name: string): Operand | null => {
    if (v === undefined || v === null) return null;
    if (typeof v === 'number') return v;
    if (!(v instanceof Tensor)) throw new WebgradError(`webgrad: clamp: ${name} must be a number or a Tensor, got ${typeof v}`);
    checkTensor(v, `clamp: ${name}`);
    if (v.dtype !== 'float32') throw new WebgradError(`webgrad: clamp: ${name} must be float32, got ${v.dtype} (shape ${fmt(v.shape)})`);
    broadcastShapes(x.shape, v.shape, `clamp (x against ${name})`);
    return v;
  };
  const lo = bound(min, 'min');
  const hi = bound(max, 'max');
  const out = noGrad(() =>
    tidy(() => {
      const low = lo === null ? x : maximum(x, lo);
      return hi === null ? low : minimum(low, hi);
    }),
  );
  const tensors = [x, ...[lo, hi].filter((b): b is Tensor => b instanceof Tensor)];
  return record(out, 'clamp', tensors, (g) =>
    tidy(() => {
      let mask: Tensor | null = lo === null ? null : ge(x, lo);
      if (hi !== null) mask = mask ? mul(mask, ge(hi, x)) : ge(hi, x);
      const grads: (Tensor | null)[] = [x.requiresGrad ? sumTo(mul(g, mask!), x.shape) : null];
      if (lo instanceof Tensor) {
        const below = hi === null ? gt(lo, x) : mul(gt(lo, x), gt(hi, lo));
        grads.push(lo.requiresGrad ? sumTo(mul(g, below), lo.shape) : null);
      }
      if (hi instanceof Tensor) {
        const above = lo === null ? gt(x, hi) : maximum(gt(x, hi), gt(lo, hi));
        grads.push(hi.requiresGrad ? sumTo(mul(g, above), hi.shape) : null);
      }
      return grads;
    }),
  );
}

export { min } from './reduce.js';

/** Comparisons give 1 or 0 (float32) and no gradient; see gt for the operands' dtypes. */
export function lt(a: Operand, b: Operand): Tensor {
  checkComparison('lt', a, b);
  return gt(b, a);
}

export function le(a: Operand, b: Operand): Tensor {
  checkComparison('le', a, b);
  return ge(b, a);
}

/** 1 where a ≠ b (NaN included, as IEEE), else 0. */
export function ne(a: Operand, b: Operand): Tensor {
  checkComparison('ne', a, b);
  const same = eq(a, b);
  const out = sub(1, same);
  same.dispose();
  return out;
}
