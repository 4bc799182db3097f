import { WebgradError } from '../device/errors.js';
import { noGrad, record } from '../autograd/engine.js';
import { whereKernel } from '../kernels/where.js';
import { broadcastShapes, fmt, normaliseAxes } from '../tensor/shape.js';
import { tidy } from '../tensor/scope.js';
import { checkTensor, Tensor } from '../tensor/tensor.js';
import { full } from './creation.js';
import { div, eq, ge, gt, maximum, minimum, mul, neg, sub, type Operand } from './elementwise.js';
import { expand, sumTo } from './layout.js';
import { max, sum, type Axes } from './reduce.js';

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
  const ta = operand(a, 'where: a');
  const tb = operand(b, 'where: b');
  const shape = broadcastShapes(cond.shape, broadcastShapes(ta.shape, tb.shape, 'where'), 'where (cond against a and b)');
  const out = whereKernel(cond, ta, tb, shape);
  record(out, 'where', [ta, tb], (g) =>
    tidy(() => {
      const zero = full([], 0);
      return [ta.requiresGrad ? sumTo(whereKernel(cond, g, zero, shape), ta.shape) : null, tb.requiresGrad ? sumTo(whereKernel(cond, zero, g, shape), tb.shape) : null];
    }),
  );
  if (!out.node) {
    if (ta !== a) ta.dispose();
    if (tb !== b) tb.dispose();
  }
  return out;
}

/**
 * x limited to [min, max] (either bound may be left out), as torch.clamp with number bounds. The
 * gradient passes where min ≤ x ≤ max, bounds included, as PyTorch's does.
 */
export function clamp(x: Tensor, min?: number | null, max?: number | null): Tensor {
  checkTensor(x, 'clamp: x');
  if (x.dtype !== 'float32') throw new WebgradError(`webgrad: clamp: x must be float32, got ${x.dtype} (shape ${fmt(x.shape)})`);
  const lo = min ?? undefined;
  const hi = max ?? undefined;
  if (lo === undefined && hi === undefined) throw new WebgradError(`webgrad: clamp: give min, max or both (x ${fmt(x.shape)})`);
  for (const [v, name] of [[lo, 'min'], [hi, 'max']] as const) {
    if (v !== undefined && typeof v !== 'number') throw new WebgradError(`webgrad: clamp: ${name} must be a number, got ${typeof v}`);
  }
  const out = noGrad(() =>
    tidy(() => {
      const low = lo === undefined ? x : maximum(x, lo);
      return hi === undefined ? low : minimum(low, hi);
    }),
  );
  return record(out, 'clamp', [x], (g) =>
    tidy(() => {
      let mask: Tensor | null = lo === undefined ? null : ge(x, lo);
      if (hi !== undefined) mask = mask ? mul(mask, ge(hi, x)) : ge(hi, x);
      return [mul(g, mask!)];
    }),
  );
}

/** Minimum over axes; its gradient is shared equally by tied minima, as torch.amin does. */
export function min(x: Tensor, axes?: Axes, keepDims = false): Tensor {
  checkTensor(x, 'min: x');
  if (x.dtype !== 'float32') throw new WebgradError(`webgrad: min: x must be float32, got ${x.dtype} (shape ${fmt(x.shape)})`);
  const ax = normaliseAxes(axes, x.rank, 'min');
  const out = noGrad(() => tidy(() => neg(max(neg(x), ax, keepDims))));
  return record(out, 'min', [x], (g) =>
    tidy(() => {
      const kept = x.shape.map((d, i) => (ax.includes(i) ? 1 : d));
      const mask = eq(x, expand(out.reshape(kept), x.shape));
      const ties = sum(mask, ax, true);
      return [mul(mask, expand(div(g.reshape(kept), ties), x.shape))];
    }),
  );
}

/** Comparisons give 1 or 0 (float32) and no gradient. */
export const lt = (a: Operand, b: Operand): Tensor => gt(b, a);
export const le = (a: Operand, b: Operand): Tensor => ge(b, a);
/** 1 where a ≠ b (NaN included, as IEEE), else 0. */
export function ne(a: Operand, b: Operand): Tensor {
  const same = eq(a, b);
  const out = sub(1, same);
  same.dispose();
  return out;
}
