import { runtime } from '../device/current.js';
import { declareKernel } from '../runtime/kernel.js';
import { Tensor } from '../tensor/tensor.js';
import { constantNames, uniformLayout } from '../runtime/wgsl-struct.js';
import type { KernelSpec } from '../runtime/runtime.js';
import { bindableElements, bindableIn, BindingLimitError, fitsOne, fitsOneBinding, limitText, planSlabs, rangeBinding, type BindingLimits } from './ranges.js';

const WORKGROUP = 64;
/** Below this many outputs, a long reduction is split into chunks to give the GPU more threads. */
const FEW_OUTPUTS = 4096;
const CHUNK = 256;

/** reduce.wgsl's OP override: which reduction it runs. */
const REDUCE_OPS = { sum: 0, max: 1, min: 2 } as const;
export type ReduceOp = keyof typeof REDUCE_OPS;
export const REDUCE_CODES = constantNames('reduce', 'OP_', REDUCE_OPS);
export const REDUCE_PARAMS = uniformLayout('reduce', {
  outer: 'u32', r: 'u32', inner: 'u32', chunk: 'u32',
  chunks: 'u32', scale: 'f32', xBase: 'u32', outBase: 'u32',
  accumulate: 'u32', _p0: 'u32', _p1: 'u32', _p2: 'u32',
});
const REDUCE = declareKernel({ file: 'reduce', entries: ['reduce', 'argmax'], params: REDUCE_PARAMS, constants: REDUCE_CODES, workgroup: WORKGROUP });

/** Runs of adjacent axes in sorted `axes`, last run first, each as [first, last]. */
function runsOf(axes: readonly number[]): [number, number][] {
  const runs: [number, number][] = [];
  for (const a of axes) {
    const run = runs[runs.length - 1];
    if (run && a === run[1] + 1) run[1] = a;
    else runs.push([a, a]);
  }
  return runs.reverse();
}

/** One pass of a reduction: x viewed as [outer, r, inner], reduced over r. */
export interface ReducePass {
  outer: number;
  r: number;
  inner: number;
}

/**
 * How a reduction of x over sorted `axes` runs: one pass over [outer, r, inner], the reduced axes
 * first moved together by a permuted copy where they are apart (`permute`); or, for an x too
 * large to copy in one piece, one pass per run of adjacent axes, the last first (`runs`).
 */
export type ReducePlan = { route: 'one'; permute: boolean; pass: ReducePass } | { route: 'runs'; passes: ReducePass[] };

/**
 * Plans a reduction of x (of `shape`) over sorted `axes`. reduceKernel splits an x larger than one
 * binding as long as the block kept after the reduced axes (inner) fits one: refused otherwise,
 * naming `what` (the op and its argument) and the limit.
 */
export function planReduce(what: string, shape: readonly number[], axes: readonly number[], limits: BindingLimits): ReducePlan {
  const size = shape.reduce((a, b) => a * b, 1);
  const fits = fitsOne(limits, size);
  const check = (inner: number): void => {
    if (fits || inner <= bindableIn(limits)) return;
    throw new BindingLimitError(
      `webgrad: ${what} [${shape.join(', ')}] keeps blocks of ${inner} contiguous elements (${inner * 4} bytes) after the reduced axes, ` +
        `more than one storage binding holds (${limitText(limits)}); reduce over the last axes, or use smaller tensors`,
    );
  };
  const adjacent = axes.every((a, i) => i === 0 || a === axes[i - 1] + 1);
  if (adjacent || fits) {
    const first = axes[0] ?? 0;
    const kept = [...shape.keys()].filter((d) => !axes.includes(d));
    const moved = adjacent ? shape.map((_, d) => d) : [...kept, ...axes];
    const at = adjacent ? first : kept.length;
    const prod = (ds: number[]): number => ds.reduce((n, d) => n * shape[d], 1);
    const pass = { outer: prod(moved.slice(0, at)), r: prod([...axes]), inner: prod(moved.slice(at + axes.length)) };
    check(pass.inner);
    return { route: 'one', permute: !adjacent, pass };
  }
  const left = [...shape];
  const passes = runsOf(axes).map(([a0, a1]) => {
    const pass = { outer: left.slice(0, a0).reduce((n, d) => n * d, 1), r: left.slice(a0, a1 + 1).reduce((n, d) => n * d, 1), inner: left.slice(a1 + 1).reduce((n, d) => n * d, 1) };
    check(pass.inner);
    left.splice(a0, a1 - a0 + 1);
    return pass;
  });
  return { route: 'runs', passes };
}

/**
 * Reduces x one pass of the plan at a time (the last run of axes first), without permuting x:
 * for tensors larger than one binding. Returns the kept elements in order, times `scale`.
 */
export function reduceRuns(op: ReduceOp, x: Tensor, passes: readonly ReducePass[], scale = 1): Tensor {
  let current = x;
  passes.forEach((p, k) => {
    const next = reduceKernel(op, current, p.outer, p.r, p.inner, k === passes.length - 1 ? scale : 1);
    if (current !== x) current.dispose();
    current = next;
  });
  return current;
}

/**
 * Reduces x, viewed as [outer, r, inner], over r; returns outer·inner values (the caller reshapes).
 * `scale` multiplies the result (mean = sum · 1/r). x may be larger than one storage binding as
 * long as `inner` elements fit one (planReduce).
 */
export function reduceKernel(op: ReduceOp, x: Tensor, outer: number, r: number, inner: number, scale = 1): Tensor {
  const outputs = outer * inner;
  if (outputs < FEW_OUTPUTS && r > 2 * CHUNK && CHUNK * inner <= bindableElements()) {
    const chunks = Math.ceil(r / CHUNK);
    const partial = pass(op, x, outer, r, inner, CHUNK, chunks, 1);
    const out = reduceKernel(op, partial, outer, chunks, inner, scale);
    partial.dispose();
    return out;
  }
  return pass(op, x, outer, r, inner, r, 1, scale);
}

interface PassParams {
  outer: number;
  r: number;
  inner: number;
  chunk: number;
  chunks: number;
  scale: number;
}

function pass(op: ReduceOp, x: Tensor, outer: number, r: number, inner: number, chunk: number, chunks: number, scale: number): Tensor {
  const out = Tensor.empty([outer * chunks * inner]);
  if (out.size === 0) return out;
  const spec = REDUCE.spec('reduce', { OP: REDUCE_OPS[op] }, `reduce:${op}`);
  const whole = { outer, r, inner, chunk, chunks, scale };
  if (fitsOneBinding(x.size, out.size)) {
    dispatchRange(spec, x, out, whole, [0, x.size], [0, out.size], false);
    return out;
  }
  const cap = bindableElements();
  const slab = r * inner;
  if (slab <= cap) {
    // Whole [r, inner] slabs, as many as fit a binding (the outputs of a slab are no more than its
    // inputs, unless r = 0; planReduce keeps inner within a binding).
    const per = Math.max(1, Math.floor(cap / Math.max(slab, chunks * inner)));
    for (let o = 0; o < outer; o += per) {
      const g = Math.min(per, outer - o);
      dispatchRange(spec, x, out, { ...whole, outer: g }, [o * slab, g * slab], [o * chunks * inner, g * chunks * inner], false);
    }
    return out;
  }
  // One slab at a time, in ranges of rows: chunked, whole chunks per range (each writes its own
  // partial results); else each range adds to (or takes the max with) the ranges before it, in order.
  const rows = chunks > 1 ? Math.floor(cap / inner / chunk) * chunk : Math.floor(cap / inner);
  if (rows === 0) throw new Error(`webgrad: internal: reduce of [${outer}, ${r}, ${inner}] in chunks of ${chunk} cannot be split (planReduce was skipped)`);
  for (let o = 0; o < outer; o++) {
    for (let r0 = 0; r0 < r; r0 += rows) {
      const count = Math.min(rows, r - r0);
      const xRange: [number, number] = [(o * r + r0) * inner, count * inner];
      if (chunks > 1) {
        const pc = Math.ceil(count / chunk);
        dispatchRange(spec, x, out, { outer: 1, r: count, inner, chunk, chunks: pc, scale }, xRange, [(o * chunks + r0 / chunk) * inner, pc * inner], false);
      } else {
        const last = r0 + count >= r;
        dispatchRange(spec, x, out, { outer: 1, r: count, inner, chunk: count, chunks: 1, scale: last ? scale : 1 }, xRange, [o * inner, inner], r0 > 0);
      }
    }
  }
  return out;
}

/** One dispatch over elements [start, start + count) of x and of out (ranges given as [start, count]). */
function dispatchRange(spec: KernelSpec, x: Tensor, out: Tensor, p: PassParams, xr: [number, number], outr: [number, number], accumulate: boolean): void {
  const xb = fitsOneBinding(x.size) ? { binding: x.buffer, base: xr[0] } : rangeBinding(x.buffer, xr[0], xr[1]);
  const ob = fitsOneBinding(out.size) ? { binding: out.buffer, base: outr[0] } : rangeBinding(out.buffer, outr[0], outr[1]);
  const u = REDUCE_PARAMS.pack({ ...p, xBase: xb.base, outBase: ob.base, accumulate: accumulate ? 1 : 0 });
  runtime().dispatch(spec, { uniforms: u, buffers: [xb.binding, ob.binding], workgroups: Math.ceil(outr[1] / WORKGROUP) });
}

/** An argmax of x viewed as [outer, r, inner] along r, in runs of whole [r, inner] slabs. */
export interface ArgmaxPlan extends ReducePass {
  runs: [first: number, k: number][];
}

/** Plans an argmax: refused where an [r, inner] slab (one set of candidates per output block) is larger than a binding and x too. */
export function planArgmax(what: string, shape: readonly number[], pass: ReducePass, limits: BindingLimits): ArgmaxPlan {
  const { outer, r, inner } = pass;
  const { runs } = planSlabs(limits, outer, r * inner, (limit) =>
    `webgrad: ${what} [${shape.join(', ')}] compares ${r} × ${inner} elements (${r * inner * 4} bytes) per output block, ` +
      `more than one storage binding holds (${limit}); use smaller tensors`,
    Math.max(outer * r * inner, outer * inner),
  );
  return { ...pass, runs };
}

/** Index along r of the first maximum of x viewed as the plan's [outer, r, inner], as int32. */
export function argmaxKernel(x: Tensor, plan: ArgmaxPlan): Tensor {
  const { outer, r, inner } = plan;
  const out = Tensor.empty([outer * inner], 'int32');
  if (out.size === 0) return out;
  const spec = REDUCE.spec('argmax');
  const slab = r * inner;
  for (const [o, g] of plan.runs) {
    dispatchRange(spec, x, out, { outer: g, r, inner, chunk: r, chunks: 1, scale: 1 }, [o * slab, g * slab], [o * inner, g * inner], false);
  }
  return out;
}
