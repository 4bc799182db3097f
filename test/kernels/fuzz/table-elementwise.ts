// Fuzz-table entries of the element-wise ops: unary maps, broadcasting binary ops (a tensor or a
// number on either side), comparisons (float32 or int32), where and clamp.
import fc from 'fast-check';
import * as wg from '../../../src/index.js';
import { zipWith, map, type Nd } from '../../unit/fuzz/nd.js';
import { ANY, FINITE, broadcastPartnerArb, inputArb, shapeArb, type Domain, type HostInput, type Sample } from '../../unit/fuzz/samples.js';
import type { OpEntry } from './entry.js';

/** Small shapes for gradient checks (two evaluations per element). */
const gradShape = shapeArb(0, 2, false);

export const unarySample = (domain: Domain, shape = shapeArb(0, 3)): fc.Arbitrary<Sample> =>
  shape.chain((s) => inputArb(s, domain)).map((x) => ({ inputs: [x], args: {} }));

/** Values in ±[gap, max]: away from a kink at 0 by more than gradCheck's step. */
export const awayFromZero = (gap: number, max = 2): Domain => ({ min: -max, max, gap });

const f32 = Math.fround;

function unary(name: string, op: (x: wg.Tensor) => wg.Tensor, f: (v: number) => number, options: Partial<OpEntry> & { domain?: Domain; gradDomain?: Domain } = {}): OpEntry {
  return {
    name,
    sample: unarySample(options.domain ?? ANY),
    run: ([x]) => op(x),
    reference: ([x]) => map(x, f),
    grad: { sample: unarySample(options.gradDomain ?? FINITE, gradShape) },
    ...options,
  };
}

/** Two broadcasting operands; with `numbers`, sometimes one of them is a JS number. */
export function binarySample(da: Domain, db: Domain, shape = shapeArb(0, 3), numbers = true): fc.Arbitrary<Sample> {
  return shape.chain((out) =>
    fc.tuple(broadcastPartnerArb(out), broadcastPartnerArb(out), fc.constantFrom<('tt' | 'tn' | 'nt')[]>(...(numbers ? ['tt', 'tt', 'tn', 'nt'] as const : ['tt'] as const))).chain(([sa, sb, form]) => {
      const a = inputArb(form === 'nt' ? [] : sa, da);
      const b = inputArb(form === 'tn' ? [] : sb, db);
      return fc.tuple(a, b).map(([x, y]): Sample => ({ inputs: form === 'tt' ? [x, y] : form === 'tn' ? [x] : [y], args: { form, number: form === 'tn' ? y.data[0] : form === 'nt' ? x.data[0] : null } }));
    }),
  );
}

/** The operands as the op takes them (a number where the sample says so). */
export function operands(x: (wg.Tensor | Nd)[], args: Sample['args']): [any, any] {
  if (args.form === 'tn') return [x[0], args.number];
  if (args.form === 'nt') return [args.number, x[0]];
  return [x[0], x[1]];
}

const asNd = (v: Nd | number): Nd => (typeof v === 'number' ? { shape: [], data: Float64Array.of(v) } : v);

function binary(name: string, op: (a: any, b: any) => wg.Tensor, f: (a: number, b: number) => number, options: Partial<OpEntry> & { da?: Domain; db?: Domain; gradA?: Domain; gradB?: Domain } = {}): OpEntry {
  return {
    name,
    sample: binarySample(options.da ?? ANY, options.db ?? ANY),
    run: (x, args) => op(...operands(x, args)),
    reference: (x, args) => zipWith(operands(x, args).map(asNd), f),
    grad: { sample: binarySample(options.gradA ?? FINITE, options.gradB ?? FINITE, gradShape, false) },
    ...options,
  };
}

/** torch.pow on floats (IEEE pow): JavaScript's Math.pow differs only in pow(1, y) and pow(−1, ±inf), which are 1. */
const torchPow = (a: number, b: number): number => (a === 1 || (a === -1 && !Number.isFinite(b) && !Number.isNaN(b)) ? 1 : Math.pow(a, b));

/** Comparisons take int32 too: int32 values across the whole range (beyond float32's 2^24), compared exactly. */
const intInputArb = (shape: number[]): fc.Arbitrary<HostInput> =>
  fc.array(fc.oneof(fc.integer({ min: -3, max: 3 }), fc.constantFrom(2 ** 31 - 1, 2 ** 31 - 2, -(2 ** 31), 16777217, 16777216)), { minLength: shape.reduce((a, b) => a * b, 1), maxLength: shape.reduce((a, b) => a * b, 1) }).map((vs) => ({
    shape,
    data: Float64Array.from(vs),
    dtype: 'int32' as const,
    view: { kind: 'contiguous' as const },
  }));
const intPairSample: fc.Arbitrary<Sample> = shapeArb(0, 2).chain((out) =>
  fc.tuple(broadcastPartnerArb(out).chain(intInputArb), broadcastPartnerArb(out).chain(intInputArb)).map(([a, b]) => ({ inputs: [a, b], args: { form: 'tt' } })),
);

function comparison(name: string, op: (a: any, b: any) => wg.Tensor, f: (a: number, b: number) => boolean): OpEntry {
  return {
    ...binary(name, op, (a, b) => (f(a, b) ? 1 : 0)),
    sample: fc.oneof(binarySample(ANY, ANY), intPairSample),
    // Comparisons give a float32 0/1 mask with no gradient (PyTorch's are bool, without grad_fn).
    grad: undefined,
    torch: 'NaN compares false except ne (true), as IEEE; int32 against int32 compares exactly (2^31 − 1 vs 2^31 − 2 differ)',
  };
}

export const ELEMENTWISE: OpEntry[] = [
  unary('neg', wg.neg, (v) => -v),
  unary('abs', wg.abs, Math.abs, { gradDomain: awayFromZero(0.1) }),
  unary('exp', wg.exp, Math.exp, { tolerance: { rtol: 2e-5 } }),
  unary('log', wg.log, Math.log, { gradDomain: { min: 0.2, max: 3 }, torch: 'log(0) = −inf, log(x < 0) = NaN, log(1e-40) = −92.1 (lavapipe read denormals as 2^-127: fixed)' }),
  unary('sqrt', wg.sqrt, Math.sqrt, { gradDomain: { min: 0.2, max: 3 }, torch: 'sqrt(x < 0) = NaN, sqrt(−0) = −0' }),
  unary('rsqrt', wg.rsqrt, (v) => 1 / Math.sqrt(v), { tolerance: { rtol: 2e-5 }, gradDomain: { min: 0.3, max: 3 }, torch: 'rsqrt(0) = inf, rsqrt(x < 0) = NaN' }),
  unary('relu', wg.relu, (v) => (Number.isNaN(v) ? v : Math.max(v, 0)), { gradDomain: awayFromZero(0.1), torch: 'relu(NaN) = NaN' }),
  unary('sigmoid', wg.sigmoid, (v) => 1 / (1 + Math.exp(-v)), { tolerance: { rtol: 2e-5, atol: 1e-6 }, torch: 'sigmoid(±inf) = 1, 0; sigmoid(−1e20) = 0' }),
  unary('tanh', wg.tanh, Math.tanh, { tolerance: { rtol: 2e-5, atol: 2e-6 }, torch: 'tanh(±1e20) = ±1, tanh(±inf) = ±1' }),
  binary('add', wg.add, (a, b) => a + b),
  binary('sub', wg.sub, (a, b) => a - b),
  binary('mul', wg.mul, (a, b) => a * b),
  binary('div', wg.div, (a, b) => a / b, { tolerance: { rtol: 2e-6 }, gradB: awayFromZero(0.5), torch: 'x/0 = ±inf, 0/0 = NaN (true division, as torch.div)' }),
  binary('pow', wg.pow, torchPow, {
    tolerance: { rtol: 1e-4, atol: 1e-5 },
    gradA: { min: 0.5, max: 2 },
    gradB: { min: -2, max: 2 },
    torch: 'IEEE pow: pow(−2, 2) = 4, pow(−2, 3) = −8, pow(−2, 0.5) = NaN, pow(x, 0) = 1 and pow(1, y) = 1 even for NaN, pow(0, y < 0) = inf, pow(−inf, inf) = inf, pow(−1, ±inf) = 1 (test/fixtures/special-values.json)',
  }),
  binary('maximum', wg.maximum, (a, b) => (Number.isNaN(a) || Number.isNaN(b) ? NaN : Math.max(a, b)), { gradA: awayFromZero(1), gradB: { min: -0.5, max: 0.5 }, torch: 'NaN if either is NaN' }),
  binary('minimum', wg.minimum, (a, b) => (Number.isNaN(a) || Number.isNaN(b) ? NaN : Math.min(a, b)), { gradA: awayFromZero(1), gradB: { min: -0.5, max: 0.5 }, torch: 'NaN if either is NaN' }),
  comparison('gt', wg.gt, (a, b) => a > b),
  comparison('ge', wg.ge, (a, b) => a >= b),
  comparison('eq', wg.eq, (a, b) => a === b),
  comparison('lt', wg.lt, (a, b) => a < b),
  comparison('le', wg.le, (a, b) => a <= b),
  comparison('ne', wg.ne, (a, b) => a !== b),
  {
    name: 'where',
    sample: shapeArb(0, 3).chain((out) =>
      fc.tuple(broadcastPartnerArb(out).chain((s) => inputArb(s, { min: -1, max: 1 }).map((c) => ({ ...c, data: c.data.map((v) => (v > 0 ? 1 : 0)) }))), broadcastPartnerArb(out).chain((s) => inputArb(s, ANY)), broadcastPartnerArb(out).chain((s) => inputArb(s, ANY))).map((inputs) => ({ inputs, args: {} })),
    ),
    run: ([c, a, b]) => wg.where(c, a, b),
    reference: ([c, a, b]) => zipWith([c, a, b], (cv, av, bv) => (cv !== 0 ? av : bv)),
    grad: {
      sample: gradShape.chain((out) => fc.tuple(inputArb(out, { min: -1, max: 1 }).map((c) => ({ ...c, data: c.data.map((v) => (v > 0 ? 1 : 0)) })), inputArb(out, FINITE), inputArb(out, FINITE)).map((inputs) => ({ inputs, args: {} }))),
      inputs: [1, 2],
    },
    torch: 'the mask is float32 1/0 here (torch: bool); NaN in the unchosen branch does not leak',
  },
  {
    name: 'clamp',
    sample: fc.tuple(unarySample(ANY), fc.option(fc.float({ min: -2, max: 0, noNaN: true }).map(f32)), fc.option(fc.float({ min: 0, max: 2, noNaN: true }).map(f32))).map(([s, lo, hi]) => ({ ...s, args: { lo, hi } })),
    run: ([x], { lo, hi }) => wg.clamp(x, lo as number | null, hi as number | null),
    reference: ([x], { lo, hi }) => lo === null && hi === null ? { refuses: /clamp/ } : map(x, (v) => (Number.isNaN(v) ? v : Math.min(hi === null ? Infinity : (hi as number), Math.max(lo === null ? -Infinity : (lo as number), v)))),
    grad: { sample: unarySample(awayFromZero(0.8, 3), gradShape).map((s) => ({ ...s, args: { lo: -0.5, hi: 0.5 } })) },
    torch: 'clamp(NaN) = NaN; clamp with neither bound raises in PyTorch (here x)',
  },
];

