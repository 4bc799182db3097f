import { beforeAll, describe, expect, it } from 'vitest';
import { gradCheck, localResponseNorm, mul, sum, tensor, WebgradError, type Tensor } from '../src/index.js';
import { runtime } from '../src/device/current.js';
import { asF32, expectClose, randomValues, setupDevice } from './helpers.js';
import { loadFixtures } from './fixtures/load.js';

beforeAll(setupDevice);

const fixtures = loadFixtures();

async function values(t: Tensor | null): Promise<Float32Array> {
  if (!t) throw new Error('missing tensor');
  return (await t.toArray()) as Float32Array;
}

/** Float64 LRN from torch's definition: zero-pad channels by ⌊size/2⌋ before, ⌊(size-1)/2⌋ after, average squares over size. */
function reference(xs: number[], x: Float64Array, size: number, alpha: number, beta: number, k: number): Float64Array {
  const [n, c] = xs;
  const hw = x.length / (n * c);
  const out = new Float64Array(x.length);
  for (let b = 0; b < n; b++)
    for (let ch = 0; ch < c; ch++)
      for (let p = 0; p < hw; p++) {
        let s = 0;
        for (let j = ch - Math.floor(size / 2); j <= ch + Math.floor((size - 1) / 2); j++) {
          if (j >= 0 && j < c) s += x[(b * c + j) * hw + p] ** 2;
        }
        const i = (b * c + ch) * hw + p;
        out[i] = x[i] / (k + (alpha * s) / size) ** beta;
      }
  return out;
}

describe('localResponseNorm against PyTorch', () => {
  for (const f of fixtures.lrn) {
    it(f.name, async () => {
      const x = tensor(f.x.data, f.x.shape, { requiresGrad: true });
      const out = localResponseNorm(x, { size: f.size, alpha: f.alpha, beta: f.beta, k: f.k });
      expectClose(await values(out), f.out.data, 1e-5, 1e-6);
      out.backward(tensor(f.gout, f.out.shape));
      expectClose(await values(x.grad), f.gx, 1e-4, 1e-6);
    });
  }
});

describe('localResponseNorm against a float64 reference', () => {
  it('AlexNet parameters on odd sizes, with the default options', async () => {
    const xs = [3, 11, 5, 7];
    const xv = asF32(randomValues(3 * 11 * 5 * 7, 3, 20));
    const out = localResponseNorm(tensor(xv, xs), { k: 2 });
    expectClose(await values(out), reference(xs, xv, 5, 1e-4, 0.75, 2), 1e-5, 1e-6);
    const dflt = localResponseNorm(tensor(xv, xs));
    expectClose(await values(dflt), reference(xs, xv, 5, 1e-4, 0.75, 1), 1e-5, 1e-6);
  });

  it('gradient by finite differences with a strong normalisation', async () => {
    const x = tensor(randomValues(2 * 5 * 2 * 2, 4, 1.5), [2, 5, 2, 2], { requiresGrad: true });
    const weights = tensor(randomValues(2 * 5 * 2 * 2, 5), [2, 5, 2, 2]);
    const result = await gradCheck((x) => sum(mul(localResponseNorm(x, { size: 3, alpha: 0.9, beta: 0.75, k: 1 }), weights)), [x], { eps: 1e-2 });
    expect(result.maxRelativeError).toBeLessThan(1e-2);
  });
});

describe('localResponseNorm input checks', () => {
  it('rejects bad input before any GPU work', () => {
    const x = tensor(randomValues(2 * 3 * 4, 1), [2, 3, 4]);
    const xi = tensor(new Array(24).fill(1), [2, 3, 4], { dtype: 'int32' });
    const before = runtime().counters.dispatches;
    expect(() => localResponseNorm(x.reshape([6, 4]))).toThrow(WebgradError);
    expect(() => localResponseNorm(x.reshape([6, 4]))).toThrow(/at least 3 dimensions.*\[6, 4\]/);
    expect(() => localResponseNorm(x, { size: 0 })).toThrow(/size must be an integer in \[1, 16\], got 0/);
    expect(() => localResponseNorm(x, { size: 17 })).toThrow(/got 17/);
    expect(() => localResponseNorm(x, { beta: Number.NaN })).toThrow(/beta must be a finite number/);
    expect(() => localResponseNorm(xi)).toThrow(/x must be float32, got int32 \(shape \[2, 3, 4\]\)/);
    expect(runtime().counters.dispatches).toBe(before);
  });
});
