// Fuzz-table entries of the reductions, the casts and the layout ops (reshape, permute, transpose,
// expand, squeeze, unsqueeze, flatten).
import fc from 'fast-check';
import * as wg from '../../../src/index.js';
import { build, broadcastAt, map, permuteNd, reduceNd, type Nd } from '../../unit/fuzz/nd.js';
import { ANY, FINITE, inputArb, shapeArb, spread, type Sample } from '../../unit/fuzz/samples.js';
import type { Expected, OpEntry } from './entry.js';
import { unarySample } from './table-elementwise.js';

const gradShape = shapeArb(1, 3, false).filter((s) => s.reduce((a, b) => a * b, 1) <= 30);

/** x with `axes` (undefined: all; sometimes negative) and keepDims. */
const reductionSample = (shape: fc.Arbitrary<number[]>, domain = ANY): fc.Arbitrary<Sample> =>
  shape.chain((s) =>
    fc
      .tuple(inputArb(s, domain), fc.option(fc.subarray([...s.keys()]), { nil: undefined }), fc.boolean(), fc.boolean())
      .map(([x, axes, keepDims, negative]) => ({ inputs: [x], args: { axes: axes?.map((a) => (negative ? a - s.length : a)), keepDims } })),
  );

const nanMax = (a: number, v: number) => (Number.isNaN(a) || Number.isNaN(v) ? NaN : Math.max(a, v));
const nanMin = (a: number, v: number) => (Number.isNaN(a) || Number.isNaN(v) ? NaN : Math.min(a, v));

/** PyTorch refuses a max/min/argmax over an empty dimension ("Expected reduction dim … to have non-zero size"). */
function emptyReduced(x: Nd, axes: readonly number[] | undefined): boolean {
  const all = axes ?? x.shape.map((_, d) => d);
  return all.some((a) => x.shape[a < 0 ? a + x.shape.length : a] === 0);
}

function reduction(name: 'sum' | 'mean' | 'max' | 'min', f: (acc: number, v: number) => number, init: number, finish?: (a: number, n: number) => number, torch?: string): OpEntry {
  const op = wg[name];
  return {
    name,
    // sum and mean without large finite magnitudes: PyTorch accumulates float32 in float32, so
    // 3 · (−3e38) is −inf there (and here) where the float64 reference is finite.
    sample: reductionSample(shapeArb(0, 3), name === 'sum' || name === 'mean' ? { ...ANY, allow: (v) => !(Math.abs(v) > 1) || !Number.isFinite(v) } : ANY),
    run: ([x], { axes, keepDims }) => op(x, axes as number[] | undefined, keepDims as boolean),
    reference: ([x], { axes, keepDims }): Expected =>
      (name === 'max' || name === 'min') && emptyReduced(x, axes as number[] | undefined)
        ? { refuses: new RegExp(`${name}: x \\[.*\\] has no elements along axis`) }
        : reduceNd(x, axes as number[] | undefined, keepDims as boolean, f, init, finish),
    tolerance: { rtol: 1e-5, atol: 1e-5 },
    // Ties of max/min share the gradient (torch.amax's rule), where finite differences see a kink: no ties.
    grad: { sample: reductionSample(gradShape, FINITE).map((s) => (name === 'max' || name === 'min' ? { ...s, inputs: s.inputs.map((x) => ({ ...x, data: spread(x.data) })) } : s)) },
    torch,
  };
}

const NUMERIC = { min: -3, max: 3, extremes: 2, allow: (v: number) => Number.isNaN(v) || Math.abs(v) <= 3e38 };

export const REDUCE_LAYOUT: OpEntry[] = [
  reduction('sum', (a, v) => a + v, 0, undefined, 'the sum over nothing is 0'),
  reduction('mean', (a, v) => a + v, 0, (a, n) => a / n, 'the mean over nothing is NaN'),
  reduction('max', nanMax, -Infinity, undefined, 'NaN propagates (torch.amax); over an empty dimension PyTorch raises'),
  reduction('min', nanMin, Infinity, undefined, 'NaN propagates (torch.amin); over an empty dimension PyTorch raises'),
  {
    name: 'argmax',
    sample: shapeArb(0, 3).chain((s) =>
      fc.tuple(inputArb(s, ANY), fc.integer({ min: -Math.max(1, s.length), max: Math.max(0, s.length - 1) }), fc.boolean()).map(([x, axis, keepDims]) => ({ inputs: [x], args: { axis, keepDims } })),
    ),
    run: ([x], { axis, keepDims }) => wg.argmax(x, axis as number, keepDims as boolean),
    reference: ([x], { axis, keepDims }): Expected => {
      if (x.shape.length === 0) return { shape: [], data: Float64Array.of(0) };
      const a = (axis as number) < 0 ? (axis as number) + x.shape.length : (axis as number);
      if (x.shape[a] === 0) return { refuses: /argmax: x \[.*\] has no elements along axis/ };
      const kept = x.shape.map((s, d) => (d === a ? 1 : s));
      const out = build(kept, (idx) => {
        let best = 0;
        for (let i = 0; i < x.shape[a]; i++) {
          const v = broadcastAt(x, idx.map((c, d) => (d === a ? i : c)));
          const b = broadcastAt(x, idx.map((c, d) => (d === a ? best : c)));
          if (Number.isNaN(b)) break;
          if (Number.isNaN(v) || v > b) best = i;
        }
        return best;
      });
      return { shape: keepDims ? kept : x.shape.filter((_, d) => d !== a), data: out.data };
    },
    // An int32 index: no gradient.
    torch: 'the first NaN is the maximum (torch.argmax); ties give the first index; over an empty dimension PyTorch raises',
  },
  {
    name: 'toDtype',
    sample: unarySample(NUMERIC),
    run: ([x]) => wg.toDtype(wg.toDtype(x, 'int32'), 'float32'),
    reference: ([x]) => map(x, (v) => (Number.isNaN(v) ? 0 : Math.max(-(2 ** 31), Math.min(2 ** 31 - 1, Math.trunc(v))) || 0)),
    // float32 → int32 has no gradient (an int32 result cannot require grad, as in PyTorch).
    torch: 'toward zero; PyTorch 1.13 on x86 gives INT_MIN for NaN and out-of-range values (undefined behaviour in C); webgrad gives 0 for NaN and saturates, as its README says',
  },
  {
    name: 'float',
    sample: unarySample(ANY),
    run: ([x]) => wg.float(x),
    reference: ([x]) => x,
    grad: { sample: unarySample(FINITE, gradShape) },
  },
  {
    name: 'int',
    sample: unarySample(NUMERIC),
    run: ([x]) => wg.int(x),
    reference: ([x]) => map(x, (v) => (Number.isNaN(v) ? 0 : Math.max(-(2 ** 31), Math.min(2 ** 31 - 1, Math.trunc(v))) || 0)),
    // int32 results have no gradient.
    torch: 'as toDtype',
  },
  {
    name: 'reshape',
    sample: shapeArb(0, 3).chain((s) => fc.tuple(inputArb(s, ANY), fc.boolean()).map(([x, infer]) => ({ inputs: [x], args: { shape: [...x.shape].reverse(), infer } }))),
    run: ([x], { shape, infer }) => wg.reshape(x, infer && (shape as number[]).length > 0 && (shape as number[]).every((d) => d > 0) ? [-1, ...(shape as number[]).slice(1)] : (shape as number[])),
    reference: ([x], { shape }) => ({ shape: shape as number[], data: x.data }),
    grad: { sample: gradShape.chain((s) => inputArb(s, FINITE).map((x) => ({ inputs: [x], args: { shape: [...x.shape].reverse(), infer: false } }))) },
  },
  {
    name: 'permute',
    sample: shapeArb(0, 3).chain((s) => fc.tuple(inputArb(s, ANY), fc.shuffledSubarray([...s.keys()], { minLength: s.length, maxLength: s.length })).map(([x, axes]) => ({ inputs: [x], args: { axes } }))),
    run: ([x], { axes }) => wg.permute(x, axes as number[]),
    reference: ([x], { axes }) => permuteNd(x, axes as number[]),
    grad: { sample: gradShape.chain((s) => fc.tuple(inputArb(s, FINITE), fc.shuffledSubarray([...s.keys()], { minLength: s.length, maxLength: s.length })).map(([x, axes]) => ({ inputs: [x], args: { axes } }))) },
  },
  {
    name: 'transpose',
    sample: shapeArb(1, 3).chain((s) => fc.tuple(inputArb(s, ANY), fc.integer({ min: 0, max: s.length - 1 }), fc.integer({ min: -s.length, max: -1 })).map(([x, d0, d1]) => ({ inputs: [x], args: { d0, d1 } }))),
    run: ([x], { d0, d1 }) => wg.transpose(x, d0 as number, d1 as number),
    reference: ([x], { d0, d1 }) => {
      const axes = [...x.shape.keys()];
      const [a, b] = [d0 as number, (d1 as number) + x.shape.length];
      [axes[a], axes[b]] = [axes[b], axes[a]];
      return permuteNd(x, axes);
    },
    grad: { sample: gradShape.chain((s) => inputArb(s, FINITE).map((x) => ({ inputs: [x], args: { d0: 0, d1: -1 } }))) },
  },
  {
    name: 'expand',
    sample: shapeArb(0, 3).chain((s) =>
      fc.tuple(fc.array(fc.boolean(), { minLength: s.length, maxLength: s.length }), fc.integer({ min: 0, max: 2 })).chain(([ones, lead]) =>
        inputArb(s.map((d, i) => (ones[i] ? 1 : d)), ANY).map((x) => ({ inputs: [x], args: { shape: [...Array(lead).fill(2), ...s.map((d, i) => (ones[i] && d !== 1 ? d : x.shape[i]))] } })),
      ),
    ),
    run: ([x], { shape }) => wg.expand(x, shape as number[]),
    reference: ([x], { shape }) => build(shape as number[], (idx) => broadcastAt(x, idx)),
    grad: { sample: gradShape.chain((s) => inputArb(s.map((d, i) => (i === 0 ? 1 : d)), FINITE).map((x) => ({ inputs: [x], args: { shape: [2, 3, ...s.slice(1)] } }))) },
  },
  {
    name: 'squeeze',
    sample: shapeArb(0, 4).chain((s) => fc.tuple(inputArb(s, ANY), fc.option(fc.subarray([...s.keys()].filter((d) => s[d] === 1)), { nil: undefined })).map(([x, axes]) => ({ inputs: [x], args: { axes } }))),
    run: ([x], { axes }) => wg.squeeze(x, axes as number[] | undefined),
    reference: ([x], { axes }) => ({ shape: x.shape.filter((d, i) => !(d === 1 && (axes === undefined || (axes as number[]).includes(i)))), data: x.data }),
    grad: { sample: gradShape.chain((s) => inputArb([1, ...s], FINITE).map((x) => ({ inputs: [x], args: { axes: undefined } }))) },
    torch: 'squeezing an axis whose size is not 1 leaves it (torch.squeeze(x, dim))',
  },
  {
    name: 'unsqueeze',
    sample: shapeArb(0, 3).chain((s) => fc.tuple(inputArb(s, ANY), fc.integer({ min: -s.length - 1, max: s.length })).map(([x, axis]) => ({ inputs: [x], args: { axis } }))),
    run: ([x], { axis }) => wg.unsqueeze(x, axis as number),
    reference: ([x], { axis }) => {
      const a = (axis as number) < 0 ? (axis as number) + x.shape.length + 1 : (axis as number);
      return { shape: [...x.shape.slice(0, a), 1, ...x.shape.slice(a)], data: x.data };
    },
    grad: { sample: gradShape.chain((s) => inputArb(s, FINITE).map((x) => ({ inputs: [x], args: { axis: -1 } }))) },
  },
  {
    name: 'flatten',
    sample: shapeArb(1, 4).chain((s) => fc.tuple(inputArb(s, ANY), fc.integer({ min: 0, max: s.length - 1 }), fc.integer({ min: 0, max: s.length - 1 })).map(([x, a, b]) => ({ inputs: [x], args: { start: Math.min(a, b), end: Math.max(a, b) } }))),
    run: ([x], { start, end }) => wg.flatten(x, start as number, end as number),
    reference: ([x], { start, end }) => {
      const [s, e] = [start as number, end as number];
      return { shape: [...x.shape.slice(0, s), x.shape.slice(s, e + 1).reduce((a, b) => a * b, 1), ...x.shape.slice(e + 1)], data: x.data };
    },
    grad: { sample: gradShape.chain((s) => inputArb(s, FINITE).map((x) => ({ inputs: [x], args: { start: 0, end: s.length - 1 } }))) },
  },
];
