// Fuzz-table entries of the creation ops. rand and randn have no reference values: their entries
// check what holds of every draw (the range; the same seed, the same values).
import fc from 'fast-check';
import * as wg from '../../../src/index.js';
import { build } from '../../unit/fuzz/nd.js';
import { ANY, inputArb, shapeArb, type Sample } from '../../unit/fuzz/samples.js';
import type { Expected, OpEntry } from './entry.js';

const shapeSample = (value: fc.Arbitrary<number> = fc.constant(0)): fc.Arbitrary<Sample> => fc.tuple(shapeArb(0, 3), value).map(([shape, v]) => ({ inputs: [], args: { shape, value: v } }));
const filled = (shape: unknown, v: number) => build(shape as number[], () => v);
const ones = (shape: number[]) => build(shape, () => 1);

export const CREATION: OpEntry[] = [
  {
    name: 'tensor',
    sample: shapeArb(0, 3).chain((s) => inputArb(s, ANY)).map((x) => ({ inputs: [], args: { shape: x.shape, data: Array.from(x.data) } })),
    run: (_, { shape, data }) => wg.tensor(Float32Array.from(data as number[]), shape as number[]),
    reference: (_, { shape, data }) => ({ shape: shape as number[], data: Float64Array.from(data as number[]) }),
  },
  { name: 'zeros', sample: shapeSample(), run: (_, { shape }) => wg.zeros(shape as number[]), reference: (_, { shape }) => filled(shape, 0) },
  { name: 'ones', sample: shapeSample(), run: (_, { shape }) => wg.ones(shape as number[]), reference: (_, { shape }) => filled(shape, 1) },
  {
    name: 'full',
    sample: shapeSample(fc.constantFrom(Infinity, -Infinity, NaN, -0, 3e38, 1e-40, Math.fround(0.3))),
    run: (_, { shape, value }) => wg.full(shape as number[], value as number),
    reference: (_, { shape, value }) => filled(shape, Math.fround(value as number)),
    torch: 'torch.full takes inf and NaN',
  },
  { name: 'zerosLike', sample: shapeArb(0, 3).chain((s) => inputArb(s, ANY)).map((x) => ({ inputs: [x], args: {} })), run: ([x]) => wg.zerosLike(x), reference: ([x]) => filled(x.shape, 0) },
  { name: 'onesLike', sample: shapeArb(0, 3).chain((s) => inputArb(s, ANY)).map((x) => ({ inputs: [x], args: {} })), run: ([x]) => wg.onesLike(x), reference: ([x]) => filled(x.shape, 1) },
  {
    name: 'arange',
    sample: fc.tuple(fc.integer({ min: -6, max: 6 }), fc.integer({ min: -6, max: 6 }), fc.constantFrom(1, 2, -1, -3, 0.5, 0.3, 0)).map(([start, end, step]) => ({ inputs: [], args: { start, end, step } })),
    run: (_, { start, end, step }) => wg.arange(start as number, end as number, step as number),
    reference: (_, { start, end, step }): Expected => {
      const [a, b, s] = [start as number, end as number, step as number];
      if (s === 0) return { refuses: /arange: step must be/ };
      // PyTorch refuses a step that walks away from end ("upper bound and larger bound inconsistent with step sign").
      if ((b - a) * s < 0) return { refuses: /arange/ };
      const n = Math.max(0, Math.ceil((b - a) / s));
      return { shape: [n], data: Float64Array.from({ length: n }, (_, i) => a + i * s) };
    },
    torch: 'step 0 raises; a step whose sign walks away from end raises; otherwise ceil((end − start) / step) values',
  },
  {
    name: 'rand',
    sample: fc.tuple(shapeArb(0, 3), fc.integer({ min: 0, max: 2 ** 31 - 1 })).map(([shape, seed]) => ({ inputs: [], args: { shape, seed } })),
    run: (_, { shape, seed }) => {
      const [a, b] = [0, 1].map(() => wg.rand(shape as number[], { seed: seed as number, low: -2, high: 3 }));
      return [wg.mul(wg.ge(a, -2), wg.lt(a, 3)), wg.eq(a, b)];
    },
    reference: (_, { shape }) => [ones(shape as number[]), ones(shape as number[])],
    torch: 'uniform on [low, high); the same seed gives the same values (torch.Generator.manual_seed)',
  },
  {
    name: 'randn',
    sample: fc.tuple(shapeArb(0, 3), fc.integer({ min: 0, max: 2 ** 31 - 1 })).map(([shape, seed]) => ({ inputs: [], args: { shape, seed } })),
    run: (_, { shape, seed }) => {
      const [a, b] = [0, 1].map(() => wg.randn(shape as number[], { seed: seed as number }));
      // Finite, and within 7 standard deviations (a chance of 1e-11 per draw).
      return [wg.lt(wg.abs(a), 7), wg.eq(a, b)];
    },
    reference: (_, { shape }) => [ones(shape as number[]), ones(shape as number[])],
  },
];
