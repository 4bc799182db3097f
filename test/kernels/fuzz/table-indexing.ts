// Fuzz-table entries of indexing and joining: slice, narrow, split, cat, stack, indexSelect, gather.
import fc from 'fast-check';
import * as wg from '../../../src/index.js';
import { at, build, catNd, sliceNd, type Nd } from '../../unit/fuzz/nd.js';
import { ANY, FINITE, dimArb, inputArb, shapeArb, type Sample } from '../../unit/fuzz/samples.js';
import type { OpEntry } from './entry.js';

const gradShape = shapeArb(1, 3, false).filter((s) => s.reduce((a, b) => a * b, 1) <= 30);

/** x and an axis of it. */
const withAxis = (shape: fc.Arbitrary<number[]>, domain = ANY) =>
  shape.chain((s) => fc.tuple(inputArb(s, domain), fc.integer({ min: 0, max: s.length - 1 }), fc.boolean()).map(([x, axis, negative]) => ({ x, axis, negative })));

/** Tensors that agree on every axis but `axis`, for cat (or on all, for stack). */
const joinSample = (shape: fc.Arbitrary<number[]>, same: boolean, domain = ANY): fc.Arbitrary<Sample> =>
  shape.chain((s) =>
    fc.tuple(fc.integer({ min: 0, max: same ? s.length : s.length - 1 }), fc.array(dimArb(), { minLength: 1, maxLength: 3 })).chain(([axis, sizes]) =>
      fc.tuple(...sizes.map((k) => inputArb(same ? s : s.map((d, i) => (i === axis ? k : d)), domain))).map((inputs) => ({ inputs, args: { axis } })),
    ),
  );

const indicesArb = (length: number, count: fc.Arbitrary<number>) => count.chain((n) => fc.array(fc.integer({ min: 0, max: Math.max(0, length - 1) }), { minLength: length === 0 ? 0 : n, maxLength: length === 0 ? 0 : n }));

export const INDEXING: OpEntry[] = [
  {
    name: 'slice',
    sample: withAxis(shapeArb(1, 3)).chain(({ x, axis }) =>
      fc.tuple(fc.integer({ min: -6, max: 6 }), fc.integer({ min: -6, max: 6 }), fc.constantFrom(1, 2, 3)).map(([start, end, step]) => ({ inputs: [x], args: { axis, start, end, step } })),
    ),
    run: ([x], { axis, start, end, step }) => wg.slice(x, x.shape.map((_, d) => (d === axis ? [start, end, step] : null)) as wg.SliceRange[]),
    reference: ([x], a) => sliceNd(x, a.axis as number, a.start as number, a.end as number, a.step as number),
    grad: { sample: withAxis(gradShape, FINITE).map(({ x, axis }) => ({ inputs: [x], args: { axis, start: 1, end: -1 + 100, step: 2 } })) },
  },
  {
    name: 'narrow',
    sample: withAxis(shapeArb(1, 3)).chain(({ x, axis }) =>
      fc.integer({ min: 0, max: x.shape[axis] }).chain((start) => fc.integer({ min: 0, max: x.shape[axis] - start }).map((length) => ({ inputs: [x], args: { axis, start, length } }))),
    ),
    run: ([x], { axis, start, length }) => wg.narrow(x, axis as number, start as number, length as number),
    reference: ([x], { axis, start, length }) => sliceNd(x, axis as number, start as number, (start as number) + (length as number)),
    grad: { sample: withAxis(gradShape, FINITE).map(({ x, axis }) => ({ inputs: [x], args: { axis, start: 0, length: 1 } })) },
  },
  {
    name: 'split',
    sample: withAxis(shapeArb(1, 3)).chain(({ x, axis }) => fc.integer({ min: 1, max: 3 }).map((size) => ({ inputs: [x], args: { axis, size } }))),
    run: ([x], { axis, size }) => wg.split(x, size as number, axis as number),
    reference: ([x], { axis, size }) => {
      const out: Nd[] = [];
      for (let s = 0; s < Math.max(1, x.shape[axis as number]); s += size as number) out.push(sliceNd(x, axis as number, s, s + (size as number)));
      return out;
    },
    grad: { sample: withAxis(gradShape, FINITE).map(({ x, axis }) => ({ inputs: [x], args: { axis, size: 2 } })) },
    torch: 'torch.split of an empty dimension gives one empty piece',
  },
  {
    name: 'cat',
    sample: joinSample(shapeArb(1, 3), false),
    run: (xs, { axis }) => wg.cat(xs, axis as number),
    reference: (xs, { axis }) => catNd(xs, axis as number),
    grad: { sample: joinSample(shapeArb(1, 2, false), false, FINITE).filter((s) => s.inputs.every((x) => x.shape.every((d) => d > 0))) },
  },
  {
    name: 'stack',
    sample: joinSample(shapeArb(0, 2), true),
    run: (xs, { axis }) => wg.stack(xs, axis as number),
    reference: (xs, { axis }) => catNd(xs.map((x) => ({ shape: [...x.shape.slice(0, axis as number), 1, ...x.shape.slice(axis as number)], data: x.data })), axis as number),
    grad: { sample: joinSample(shapeArb(1, 2, false), true, FINITE) },
  },
  {
    name: 'indexSelect',
    sample: withAxis(shapeArb(1, 3)).chain(({ x, axis, negative }) => indicesArb(x.shape[axis], fc.integer({ min: 0, max: 4 })).map((index) => ({ inputs: [x], args: { axis: negative ? axis - x.shape.length : axis, index } }))),
    run: ([x], { axis, index }) => wg.indexSelect(x, axis as number, index as number[]),
    reference: ([x], { axis, index }) => {
      const a = (axis as number) < 0 ? (axis as number) + x.shape.length : (axis as number);
      const idx = index as number[];
      return build(x.shape.map((s, d) => (d === a ? idx.length : s)), (i) => at(x, i.map((v, d) => (d === a ? idx[v] : v))));
    },
    grad: { sample: withAxis(gradShape, FINITE).chain(({ x, axis }) => indicesArb(x.shape[axis], fc.constant(4)).map((index) => ({ inputs: [x], args: { axis, index } }))) },
    torch: 'repeated indices sum their gradients',
  },
  {
    name: 'gather',
    sample: withAxis(shapeArb(1, 3)).chain(({ x, axis }) =>
      fc.array(fc.integer({ min: 0, max: 3 }), { minLength: x.shape.length, maxLength: x.shape.length }).chain((sizes) => {
        const shape = x.shape.map((s, d) => (d === axis ? sizes[d] : Math.min(s, sizes[d])));
        const n = shape.reduce((a, b) => a * b, 1);
        return fc.array(fc.integer({ min: 0, max: Math.max(0, x.shape[axis] - 1) }), { minLength: x.shape[axis] === 0 ? 0 : n, maxLength: x.shape[axis] === 0 ? 0 : n }).map((index) => ({
          inputs: [x],
          args: { axis, index, shape: x.shape[axis] === 0 ? shape.map(() => 0) : shape },
        }));
      }),
    ),
    run: ([x], { axis, index, shape }) => wg.gather(x, axis as number, wg.tensor(Int32Array.from(index as number[]), shape as number[], { dtype: 'int32' })),
    reference: ([x], { axis, index, shape }) => {
      const s = shape as number[];
      const idx = { shape: s, data: Float64Array.from(index as number[]) };
      return build(s, (i) => at(x, i.map((v, d) => (d === axis ? at(idx, i) : v))));
    },
    grad: { sample: withAxis(gradShape, FINITE).chain(({ x, axis }) => fc.array(fc.integer({ min: 0, max: x.shape[axis] - 1 }), { minLength: x.data.length, maxLength: x.data.length }).map((index) => ({ inputs: [x], args: { axis, index, shape: x.shape } }))) },
    torch: 'torch.gather; an index tensor smaller than x along other axes reads its leading part',
  },
];
