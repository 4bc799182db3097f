import { beforeAll, describe, expect, it } from 'vitest';
import { gradCheck, localResponseNorm, mul, sum, tensor, WebgradError, type Tensor } from '../../src/index.js';
import { runtime } from '../../src/device/current.js';
import { asF32, expectClose, randomValues, setupDevice } from '../helpers.js';
import { loadFixtures } from '../fixtures/load.js';

beforeAll(setupDevice);

const fixtures = loadFixtures();

async function values(t: Tensor | null): Promise<Float32Array> {
  if (!t) throw new Error('missing tensor');
  return (await t.toArray()) as Float32Array;
}

/** Float64 input gradient of sum(LRN(x) · g), by the chain rule over every window (independent of the kernels' formula). */
function referenceGrad(xs: number[], x: Float64Array, g: Float64Array, size: number, alpha: number, beta: number, k: number): Float64Array {
  const [n, c] = xs;
  const hw = x.length / (n * c);
  const gx = new Float64Array(x.length);
  const lo = Math.floor(size / 2);
  const hi = Math.floor((size - 1) / 2);
  for (let b = 0; b < n; b++)
    for (let p = 0; p < hw; p++)
      for (let ch = 0; ch < c; ch++) {
        const at = (j: number) => (b * c + j) * hw + p;
        let s = 0;
        for (let j = Math.max(0, ch - lo); j <= Math.min(c - 1, ch + hi); j++) s += x[at(j)] ** 2;
        const d = k + (alpha * s) / size;
        const i = at(ch);
        // out_ch = x_ch · d^-beta: ∂/∂x_ch directly, and through d for every x_j in the window.
        gx[i] += g[i] * d ** -beta;
        const common = g[i] * x[i] * -beta * d ** (-beta - 1) * (2 * alpha) / size;
        for (let j = Math.max(0, ch - lo); j <= Math.min(c - 1, ch + hi); j++) gx[at(j)] += common * x[at(j)];
      }
  return gx;
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

  // Sizes past the register window (16) take the running-sum kernel; 70 pixels leave a partial
  // workgroup of 64, and the outputs are NaN-poisoned so that an unwritten element fails.
  const wide: [string, number[], number, number, number, number, number][] = [
    ['size 96 on 96 channels, the reference network', [1, 96, 7, 10], 96, 1e-4, 0.75, 2, 30],
    ['size 256 on 256 channels, strong', [1, 256, 2, 3], 256, 3, 0.75, 1, 1],
    ['even size 24 on 40 channels', [2, 40, 5, 7], 24, 0.9, 0.6, 1.5, 2],
    ['size 17, the first past the register window', [2, 33, 5, 7], 17, 0.9, 0.75, 1, 2],
    ['size 1001, far wider than 9 channels', [3, 9, 5, 5], 1001, 50, 1.1, 1, 2],
  ];
  for (const [name, xs, size, alpha, beta, k, scale] of wide) {
    it(`${name}: forward and gradient`, async () => {
      const n = xs.reduce((a, b) => a * b);
      const xv = asF32(randomValues(n, 11, scale));
      const gv = asF32(randomValues(n, 12));
      const x = tensor(xv, xs, { requiresGrad: true });
      const out = localResponseNorm(x, { size, alpha, beta, k });
      expectClose(await values(out), reference(xs, xv, size, alpha, beta, k), 1e-5, 1e-6);
      out.backward(tensor(gv, xs));
      expectClose(await values(x.grad), referenceGrad(xs, xv, gv, size, alpha, beta, k), 1e-4, 1e-6);
    });
  }

  it('the reference gradient agrees with the register kernel at size 5', async () => {
    const xs = [2, 11, 3, 5];
    const n = xs.reduce((a, b) => a * b);
    const xv = asF32(randomValues(n, 13, 2));
    const gv = asF32(randomValues(n, 14));
    const x = tensor(xv, xs, { requiresGrad: true });
    localResponseNorm(x, { size: 5, alpha: 0.7, beta: 0.75, k: 1 }).backward(tensor(gv, xs));
    expectClose(await values(x.grad), referenceGrad(xs, xv, gv, 5, 0.7, 0.75, 1), 1e-4, 1e-6);
  });

  it('gradient by finite differences with a wide, strong window', async () => {
    const x = tensor(randomValues(2 * 20 * 2 * 1, 6, 1.5), [2, 20, 2, 1], { requiresGrad: true });
    const weights = tensor(randomValues(2 * 20 * 2 * 1, 7), [2, 20, 2, 1]);
    const result = await gradCheck((x) => sum(mul(localResponseNorm(x, { size: 18, alpha: 0.9, beta: 0.75, k: 1 }), weights)), [x], { eps: 1e-2 });
    expect(result.maxRelativeError).toBeLessThan(1e-2);
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
    expect(() => localResponseNorm(x, { size: 0 })).toThrow(/size must be a positive integer, got 0/);
    expect(() => localResponseNorm(x, { size: 2.5 })).toThrow(/got 2.5/);
    expect(() => localResponseNorm(x, { size: Number.NaN })).toThrow(/got NaN/);
    expect(() => localResponseNorm(x, { beta: Number.NaN })).toThrow(/beta must be a finite number/);
    expect(() => localResponseNorm(xi)).toThrow(/x must be float32, got int32 \(shape \[2, 3, 4\]\)/);
    expect(runtime().counters.dispatches).toBe(before);
  });
});
