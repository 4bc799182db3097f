import { beforeAll, describe, expect, it } from 'vitest';
import { gradCheck, maxPool2d, mul, sum, tensor, WebgradError, type Tensor } from '../../src/index.js';
import { runtime } from '../../src/device/current.js';
import { asF32, expectClose, randomValues, setupDevice } from '../helpers.js';
import { loadFixtures } from '../fixtures/load.js';

beforeAll(setupDevice);

const fixtures = loadFixtures();
const pair = (v: number | number[]): [number, number] => (typeof v === 'number' ? [v, v] : [v[0], v[1]]);

async function values(t: Tensor | null): Promise<Float32Array> {
  if (!t) throw new Error('missing tensor');
  return (await t.toArray()) as Float32Array;
}

/** Float64 max pooling (padding is -inf; NaN wins) and the gradient routed to each window's first maximum. */
function reference(xs: number[], x: Float64Array, k: [number, number], s: [number, number], p: [number, number], gout: Float64Array) {
  const [n, c, h, w] = xs;
  const oh = Math.floor((h + 2 * p[0] - k[0]) / s[0]) + 1;
  const ow = Math.floor((w + 2 * p[1] - k[1]) / s[1]) + 1;
  const out = new Float64Array(n * c * oh * ow);
  const gx = new Float64Array(x.length);
  for (let plane = 0; plane < n * c; plane++)
    for (let oy = 0; oy < oh; oy++)
      for (let ox = 0; ox < ow; ox++) {
        let best = -Infinity;
        let at = -1;
        for (let ky = 0; ky < k[0]; ky++)
          for (let kx = 0; kx < k[1]; kx++) {
            const y = oy * s[0] - p[0] + ky;
            const xx = ox * s[1] - p[1] + kx;
            if (y < 0 || y >= h || xx < 0 || xx >= w) continue;
            const i = (plane * h + y) * w + xx;
            if (x[i] > best || Number.isNaN(x[i])) [best, at] = [x[i], i];
          }
        const o = (plane * oh + oy) * ow + ox;
        out[o] = best;
        gx[at] += gout[o];
      }
  return { out, gx, shape: [n, c, oh, ow] };
}

describe('maxPool2d against PyTorch', () => {
  for (const f of fixtures.pool) {
    it(f.name, async () => {
      const x = tensor(f.x.data, f.x.shape, { requiresGrad: true });
      const out = maxPool2d(x, { kernelSize: pair(f.kernelSize), stride: pair(f.stride), padding: pair(f.padding) });
      expect(out.shape).toEqual(f.out.shape);
      expectClose(await values(out), asF32(f.out.data), 0, 0);
      out.backward(tensor(f.gout, f.out.shape));
      expectClose(await values(x.grad), f.gx, 1e-6, 1e-7);
    });
  }
});

describe('maxPool2d against a float64 reference', () => {
  it('overlapping 3x3/2 windows with padding on odd sizes', async () => {
    const xs = [3, 4, 15, 14];
    const xv = asF32(randomValues(3 * 4 * 15 * 14, 5));
    const ref = reference(xs, xv, [3, 3], [2, 2], [1, 1], new Float64Array(0));
    const gv = asF32(randomValues(ref.out.length, 6));
    const refG = reference(xs, xv, [3, 3], [2, 2], [1, 1], gv);
    const x = tensor(xv, xs, { requiresGrad: true });
    const out = maxPool2d(x, { kernelSize: 3, stride: 2, padding: 1 });
    expect(out.shape).toEqual(ref.shape);
    expectClose(await values(out), ref.out, 0, 0);
    out.backward(tensor(gv, out.shape));
    expectClose(await values(x.grad), refG.gx, 1e-6, 1e-7);
  });

  it('ties go to the first element in row-major order, as PyTorch; values alone without grad', async () => {
    // Few distinct values (as after a ReLU): most windows hold ties.
    const xs = [2, 3, 11, 13];
    const xv = Float64Array.from(randomValues(2 * 3 * 11 * 13, 15), (v) => Math.max(0, Math.round(v * 2) / 2));
    const gv = asF32(randomValues(2 * 3 * 5 * 6, 16));
    const ref = reference(xs, xv, [3, 3], [2, 2], [0, 0], gv);
    const x = tensor(xv, xs, { requiresGrad: true });
    const out = maxPool2d(x, { kernelSize: 3, stride: 2 });
    out.backward(tensor(gv, ref.shape));
    expectClose(await values(x.grad), ref.gx, 1e-6, 1e-7);
    const plain = maxPool2d(tensor(xv, xs), { kernelSize: 3, stride: 2 });
    expect(plain.node).toBeNull();
    expectClose(await values(plain), ref.out, 0, 0);
    // Kernel 4 stride 1 (three shared columns) and kernel 2 stride 3 (gaps) take the same paths.
    for (const [k, s] of [[4, 1], [2, 3]]) {
      const r = reference(xs, xv, [k, k], [s, s], [1, 1], new Float64Array(0));
      expectClose(await values(maxPool2d(tensor(xv, xs), { kernelSize: k, stride: s, padding: 1 })), r.out, 0, 0);
    }
  });

  it('the vec4 path for 3/2 windows: odd output widths, several heights, NaN kept', async () => {
    for (const xs of [[1, 2, 7, 12], [2, 1, 9, 17], [1, 3, 5, 3]]) {
      const xv = asF32(randomValues(xs.reduce((a, b) => a * b), xs[3]));
      xv[5] = Number.NaN;
      for (const kh of [3, 2]) {
        const ref = reference(xs, xv, [kh, 3], [2, 2], [0, 0], new Float64Array(0));
        expect(ref.out.some(Number.isNaN)).toBe(true);
        expectClose(await values(maxPool2d(tensor(xv, xs), { kernelSize: [kh, 3], stride: 2 })), ref.out, 0, 0);
        // The path that also keeps indices (for backward) agrees.
        expectClose(await values(maxPool2d(tensor(xv, xs, { requiresGrad: true }), { kernelSize: [kh, 3], stride: 2 })), ref.out, 0, 0);
      }
    }
  });

  it('the streamed backward of 3-wide, stride-2 windows: uncovered columns, other rows and row padding', async () => {
    const cases: { xs: number[]; k: [number, number]; s: [number, number]; p: [number, number] }[] = [
      { xs: [2, 3, 9, 12], k: [3, 3], s: [2, 2], p: [0, 0] },
      { xs: [1, 2, 8, 13], k: [2, 3], s: [1, 2], p: [0, 0] },
      { xs: [1, 2, 7, 11], k: [5, 3], s: [3, 2], p: [2, 0] },
      { xs: [1, 1, 4, 3], k: [3, 3], s: [2, 2], p: [1, 0] },
    ];
    for (const [i, c] of cases.entries()) {
      const size = c.xs.reduce((a, b) => a * b);
      // Few distinct values, so that windows tie and share their choices.
      const xv = Float64Array.from(randomValues(size, 30 + i), (v) => Math.round(v * 3) / 3);
      const shape = reference(c.xs, xv, c.k, c.s, c.p, new Float64Array(0)).shape;
      const gv = asF32(randomValues(shape.reduce((a, b) => a * b), 40 + i));
      const ref = reference(c.xs, xv, c.k, c.s, c.p, gv);
      const x = tensor(xv, c.xs, { requiresGrad: true });
      maxPool2d(x, { kernelSize: c.k, stride: c.s, padding: c.p }).backward(tensor(gv, shape));
      expectClose(await values(x.grad), ref.gx, 1e-6, 1e-7);
    }
  });

  it('stride defaults to the kernel size', async () => {
    const x = tensor(randomValues(2 * 7 * 9, 7), [1, 2, 7, 9]);
    expect(maxPool2d(x, { kernelSize: [2, 3] }).shape).toEqual([1, 2, 3, 3]);
  });

  it('gradient by finite differences on distinct values', async () => {
    // A permutation of well-separated values, so that a step never changes which element wins.
    const n = 2 * 6 * 7;
    const order = Array.from(randomValues(n, 9)).map((v, i) => [v, i]).sort((a, b) => a[0] - b[0]);
    const data = new Float32Array(n);
    order.forEach(([, i], rank) => (data[i] = (rank - n / 2) * 0.05));
    const x = tensor(data, [1, 2, 6, 7], { requiresGrad: true });
    const weights = tensor(randomValues(2 * 3 * 4, 10), [1, 2, 3, 4]);
    const result = await gradCheck((x) => sum(mul(maxPool2d(x, { kernelSize: 3, stride: 2, padding: 1 }), weights)), [x], { eps: 1e-3 });
    expect(result.maxRelativeError).toBeLessThan(1e-2);
  });
});

describe('maxPool2d input checks', () => {
  it('rejects bad geometry and inputs, naming the argument and shapes, before any GPU work', () => {
    const x = tensor(randomValues(2 * 3 * 5 * 5, 1), [2, 3, 5, 5]);
    const xi = tensor(new Array(2 * 3 * 5 * 5).fill(1), [2, 3, 5, 5], { dtype: 'int32' });
    const before = runtime().counters.dispatches;
    expect(() => maxPool2d(x, { kernelSize: 6 })).toThrow(WebgradError);
    expect(() => maxPool2d(x, { kernelSize: 6 })).toThrow(/kernelSize \(height\) of 6 is larger than the padded input.*\[2, 3, 5, 5\]/);
    expect(() => maxPool2d(x, { kernelSize: 3, padding: -1 })).toThrow(/padding must be an integer >= 0.*-1/);
    expect(() => maxPool2d(x, { kernelSize: 3, padding: 2 })).toThrow(/padding \[2, 2\] must be at most half of kernelSize \[3, 3\]/);
    expect(() => maxPool2d(x, { kernelSize: 3, stride: 0 })).toThrow(/stride must be an integer >= 1.*0/);
    expect(() => maxPool2d(x, { kernelSize: 0 })).toThrow(/kernelSize must be an integer >= 1/);
    expect(() => maxPool2d(x.reshape([6, 5, 5]), { kernelSize: 2 })).toThrow(/x must be \[N, C, H, W\], got \[6, 5, 5\]/);
    expect(() => maxPool2d(xi, { kernelSize: 2 })).toThrow(/x must be float32, got int32/);
    expect(runtime().counters.dispatches).toBe(before);
  });
});
