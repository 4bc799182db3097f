import { beforeAll, describe, expect, it } from 'vitest';
import * as wg from '../../src/index.js';
import { asF32, expectClose, randomValues, setupDevice } from '../helpers.js';
import { broadcastStrides } from '../../src/tensor/shape.js';

beforeAll(setupDevice);

const unaryCases: [keyof typeof wg, (v: number) => number, (v: number) => number][] = [
  ['neg', (v) => -v, (v) => v],
  ['abs', Math.abs, (v) => v],
  ['exp', Math.exp, (v) => v],
  ['log', Math.log, (v) => Math.abs(v) + 0.1],
  ['sqrt', Math.sqrt, (v) => Math.abs(v) + 0.1],
  ['rsqrt', (v) => 1 / Math.sqrt(v), (v) => Math.abs(v) + 0.1],
  ['relu', (v) => Math.max(v, 0), (v) => v],
  ['sigmoid', (v) => 1 / (1 + Math.exp(-v)), (v) => v],
  ['tanh', Math.tanh, (v) => v],
];

describe('unary ops', () => {
  for (const [name, ref, domain] of unaryCases) {
    it(`${name} matches a float64 reference on 1000 elements (not a multiple of 256)`, async () => {
      const data = asF32(Array.from(randomValues(1000, name.length * 7 + 1, 3), domain));
      const out = await (wg[name] as (x: wg.Tensor) => wg.Tensor)(wg.tensor(data, [10, 100])).toArray();
      expectClose(out, Array.from(data, ref), 2e-6, 1e-6);
    });
  }
});

/** Reference broadcast of a binary function over two shapes. */
function refBinary(a: Float64Array, as: number[], b: Float64Array, bs: number[], out: number[], f: (x: number, y: number) => number): number[] {
  const sa = broadcastStrides(as, out);
  const sb = broadcastStrides(bs, out);
  const n = out.reduce((x, y) => x * y, 1);
  const res: number[] = [];
  for (let i = 0; i < n; i++) {
    let rest = i;
    let ia = 0;
    let ib = 0;
    for (let d = out.length - 1; d >= 0; d--) {
      const c = rest % out[d];
      rest = Math.floor(rest / out[d]);
      ia += c * sa[d];
      ib += c * sb[d];
    }
    res.push(f(a[ia], b[ib]));
  }
  return res;
}

const binaryCases: [string, (x: number, y: number) => number][] = [
  ['add', (x, y) => x + y],
  ['sub', (x, y) => x - y],
  ['mul', (x, y) => x * y],
  ['div', (x, y) => x / y],
  ['maximum', Math.max],
  ['minimum', Math.min],
];

describe('binary ops with broadcasting', () => {
  const shapes: [number[], number[], number[]][] = [
    [[7, 33], [7, 33], [7, 33]],
    [[7, 33], [33], [7, 33]],
    [[3, 1, 5], [4, 1], [3, 4, 5]],
    [[1], [2, 3, 4, 5], [2, 3, 4, 5]],
    [[2, 1, 3, 1, 2], [1, 4, 1, 5, 1], [2, 4, 3, 5, 2]],
    [[], [6, 1], [6, 1]],
  ];
  for (const [name, f] of binaryCases) {
    it(`${name} on same, trailing, both-sided, scalar and rank-5 broadcasts`, async () => {
      for (const [as, bs, os] of shapes) {
        const a = asF32(randomValues(as.reduce((x, y) => x * y, 1), 11));
        const b = asF32(randomValues(bs.reduce((x, y) => x * y, 1), 12));
        const out = (wg as unknown as Record<string, (a: wg.Tensor, b: wg.Tensor) => wg.Tensor>)[name](wg.tensor(a, as), wg.tensor(b, bs));
        expect(out.shape).toEqual(os);
        expectClose(await out.toArray(), refBinary(a, as, b, bs, os, f), 2e-6, 1e-6);
      }
    });
  }

  it('pow follows IEEE pow for negative bases with integral exponents and gives NaN otherwise', async () => {
    const base = [2, -2, -2, 0.5, -3];
    const expo = [3, 3, 2, -1, 0.5];
    const out = await wg.pow(wg.tensor(base), wg.tensor(expo)).toArray();
    expectClose(out.slice(0, 4), [8, -8, 4, 2], 1e-6);
    expect(Number.isNaN(out[4])).toBe(true);
  });

  it('takes numbers as scalar operands on either side', async () => {
    const a = asF32(randomValues(10, 3));
    expectClose(await wg.sub(1, wg.tensor(a)).toArray(), Array.from(a, (v) => 1 - v), 1e-6);
    expectClose(await wg.mul(wg.tensor(a), 2.5).toArray(), Array.from(a, (v) => v * 2.5), 1e-6);
  });

  it('comparisons give 1 or 0', async () => {
    const a = wg.tensor([1, 2, 3]);
    const b = wg.tensor([2, 2, 2]);
    expect(Array.from(await wg.gt(a, b).toArray())).toEqual([0, 0, 1]);
    expect(Array.from(await wg.ge(a, b).toArray())).toEqual([0, 1, 1]);
    expect(Array.from(await wg.eq(a, b).toArray())).toEqual([0, 1, 0]);
  });
});

describe('dispatch grid folding', () => {
  it('covers every element when one dimension of workgroups is not enough (> 65,535 × 256)', async () => {
    const n = 65_535 * 256 + 3_001;
    const x = wg.arange(n);
    const y = wg.neg(x);
    const [xs, ys] = await Promise.all([x.toArray(), y.toArray()]);
    let bad = -1;
    for (let i = 0; i < n; i++) if (ys[i] !== -xs[i] || xs[i] !== Math.fround(i)) { bad = i; break; }
    expect(bad).toBe(-1);
    x.dispose();
    y.dispose();
  });
});
