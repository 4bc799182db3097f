import { record } from '../graph/record.js';
import { WebgradError } from '../errors.js';
import { castKernel } from '../kernels/cast.js';
import { binaryKernel, intCompareKernel, planBroadcast, reluBackwardKernel, unaryKernel, type BinaryOp, type IntCompareOp, type UnaryOp } from '../kernels/elementwise.js';
import { bindingLimits } from '../kernels/ranges.js';
import { broadcastShapes } from '../tensor/shape.js';
import { allOrNothing, tidy } from '../graph/scope.js';
import { checkTensor, Tensor } from '../tensor/tensor.js';
import { full, tensor } from './creation.js';
import { sumTo } from './sum-to.js';

/** A tensor, or a number that broadcasts as a scalar. */
export type Operand = Tensor | number;

function operand(v: Operand, what: string): Tensor {
  if (typeof v === 'number') return full([], v);
  checkTensor(v, what, 'float32');
  return v;
}

type UnaryRule = (g: Tensor, x: Tensor, out: Tensor) => Tensor;

function unary(op: UnaryOp, x: Tensor, rule: UnaryRule): Tensor {
  const input = operand(x, `${op}: x`);
  const out = unaryKernel(op, input);
  return record(out, op, [input], (g) => [tidy(() => rule(g, input, out))]);
}

export const neg = (x: Tensor): Tensor => unary('neg', x, (g) => neg(g));
export const abs = (x: Tensor): Tensor => unary('abs', x, (g, x) => mul(g, unaryKernel('sign', x)));
export const exp = (x: Tensor): Tensor => unary('exp', x, (g, _x, out) => mul(g, out));
export const log = (x: Tensor): Tensor => unary('log', x, (g, x) => div(g, x));
export const sqrt = (x: Tensor): Tensor => unary('sqrt', x, (g, _x, out) => div(g, mul(out, 2)));
export const rsqrt = (x: Tensor): Tensor => unary('rsqrt', x, (g, _x, out) => mul(g, mul(pow(out, 3), -0.5)));
export const sigmoid = (x: Tensor): Tensor => unary('sigmoid', x, (g, _x, out) => mul(g, mul(out, sub(1, out))));
export const tanh = (x: Tensor): Tensor => unary('tanh', x, (g, _x, out) => mul(g, sub(1, mul(out, out))));
/** max(x, 0); its gradient passes where x > 0. */
export const relu = (x: Tensor): Tensor => unary('relu', x, (g, x) => reluBackwardKernel(g, x));

type BinaryRule = (g: Tensor, a: Tensor, b: Tensor, out: Tensor) => [Tensor | null, Tensor | null];

function binary(op: BinaryOp, a: Operand, b: Operand, rule: BinaryRule | null): Tensor {
  // All or nothing: operands made here from numbers are freed if a check or an allocation fails.
  const [ta, tb, out] = allOrNothing(() => {
    const ta = operand(a, `${op}: a`);
    const tb = operand(b, `${op}: b`);
    const shape = broadcastShapes(ta.shape, tb.shape, op);
    return [ta, tb, binaryKernel(op, ta, tb, planBroadcast(op, ta.shape, tb.shape, shape, bindingLimits()))] as const;
  });
  // Operands made here from numbers are saved as well as inputs, so that the node frees them (or
  // record() now, when nothing is recorded): outside a tidy() nobody else would.
  const made = [ta, tb].filter((t, k) => t !== [a, b][k]);
  if (!rule) {
    for (const t of made) t.dispose();
    return out;
  }
  return record(
    out,
    op,
    [ta, tb],
    (g) =>
      tidy(() => {
        const [ga, gb] = rule(g, ta, tb, out);
        return [ga && sumTo(ga, ta.shape), gb && sumTo(gb, tb.shape)];
      }),
    made,
  );
}

export const add = (a: Operand, b: Operand): Tensor => binary('add', a, b, (g) => [g, g]);
export const sub = (a: Operand, b: Operand): Tensor => binary('sub', a, b, (g) => [g, neg(g)]);
export const mul = (a: Operand, b: Operand): Tensor => binary('mul', a, b, (g, a, b) => [mul(g, b), mul(g, a)]);
export const div = (a: Operand, b: Operand): Tensor =>
  binary('div', a, b, (g, a, b) => [div(g, b), neg(div(mul(g, a), mul(b, b)))]);
export const pow = (a: Operand, b: Operand): Tensor =>
  binary('pow', a, b, (g, a, b, out) => [mul(g, mul(b, pow(a, sub(b, 1)))), b.requiresGrad ? mul(g, mul(out, log(a))) : null]);
/**
 * Element-wise maximum. A tie shares the gradient, half to each, as PyTorch's maximum does (the
 * subgradient halfway between the two sides'; max over axes shares it among tied maxima too).
 */
export const maximum = (a: Operand, b: Operand): Tensor =>
  binary('maximum', a, b, (g, a, b) => {
    const ga = mul(g, mul(add(gt(a, b), ge(a, b)), 0.5));
    return [ga, sub(g, ga)];
  });
/** Element-wise minimum; a tie shares the gradient, half to each, as PyTorch's minimum does. */
export const minimum = (a: Operand, b: Operand): Tensor =>
  binary('minimum', a, b, (g, a, b) => {
    const ga = mul(g, mul(add(gt(b, a), ge(b, a)), 0.5));
    return [ga, sub(g, ga)];
  });

/**
 * Checks a comparison's operands under the name the user called (lt and le run as gt and ge with
 * them swapped): each a number or a live float32 or int32 tensor, tensors that broadcast.
 */
export function checkComparison(op: string, a: Operand, b: Operand): void {
  for (const [v, name] of [[a, 'a'], [b, 'b']] as const) {
    if (typeof v === 'number') continue;
    checkTensor(v, `${op}: ${name}`);
  }
  if (typeof a !== 'number' && typeof b !== 'number') broadcastShapes(a.shape, b.shape, op);
}

const isInt32 = (v: Operand): boolean =>
  typeof v === 'number' ? Number.isInteger(v) && v >= -(2 ** 31) && v < 2 ** 31 : v.dtype === 'int32';

/**
 * A comparison, with PyTorch's type promotion: int32 tensors against int32 tensors or integers
 * compare as integers (exact over all of int32, int_compare.wgsl); against a float32 tensor or a
 * fractional number they are cast to float32 first, as PyTorch promotes them.
 */
function compare(op: IntCompareOp, a: Operand, b: Operand): Tensor {
  checkComparison(op, a, b);
  const anyInt = [a, b].some((v) => typeof v !== 'number' && v.dtype === 'int32');
  if (!anyInt) return binary(op, a, b, null);
  if (isInt32(a) && isInt32(b)) {
    const ta = typeof a === 'number' ? tensor([a], [], { dtype: 'int32' }) : a;
    const tb = typeof b === 'number' ? tensor([b], [], { dtype: 'int32' }) : b;
    const shape = broadcastShapes(ta.shape, tb.shape, op);
    try {
      return intCompareKernel(op, ta, tb, planBroadcast(op, ta.shape, tb.shape, shape, bindingLimits()));
    } finally {
      if (ta !== a) ta.dispose();
      if (tb !== b) tb.dispose();
    }
  }
  const fa = typeof a !== 'number' && a.dtype === 'int32' ? castKernel(a, 'float32') : a;
  const fb = typeof b !== 'number' && b.dtype === 'int32' ? castKernel(b, 'float32') : b;
  try {
    return binary(op, fa, fb, null);
  } finally {
    if (fa !== a) (fa as Tensor).dispose();
    if (fb !== b) (fb as Tensor).dispose();
  }
}

/**
 * Comparisons give 1 or 0 as float32 (webgrad has no bool dtype; a float32 mask is what `where`,
 * `mul` and `mean` take, so `pred.eq(y).mean()` is the accuracy) and no gradient. Operands are
 * float32 or int32 (see compare for how they mix).
 */
export const gt = (a: Operand, b: Operand): Tensor => compare('gt', a, b);
export const ge = (a: Operand, b: Operand): Tensor => compare('ge', a, b);
export const eq = (a: Operand, b: Operand): Tensor => compare('eq', a, b);
