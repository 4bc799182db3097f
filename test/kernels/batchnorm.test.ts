// batchNorm's two-pass statistics and backward sums (channels longer than BATCHNORM_CHUNK) against
// float64, on channels that do not divide the chunk, far from zero (no cancellation allowed).
import { beforeAll, describe, expect, it } from 'vitest';
import * as wg from '../../src/index.js';
import { tensor } from '../../src/index.js';
import { runtime } from '../../src/device/current.js';
import { BATCHNORM_CHUNK } from '../../src/kernels/batchnorm.js';
import { asF32, expectClose, randomValues, setupDevice } from '../helpers.js';
import { rejects } from './rejects.js';

beforeAll(setupDevice);

interface Reference {
  y: number[];
  mean: number[];
  variance: number[];
  dx: number[];
  dw: number[];
  db: number[];
}

/** Training-mode batch norm of x [n, c, s] and its gradients for the output gradient g, in float64. */
function reference(x: Float64Array, g: Float64Array, [n, c, s]: number[], w: Float64Array, b: Float64Array, eps: number): Reference {
  const m = n * s;
  const at = (i: number, ch: number, j: number) => (i * c + ch) * s + j;
  const mean = new Array<number>(c).fill(0);
  const variance = new Array<number>(c).fill(0);
  const dw = new Array<number>(c).fill(0);
  const db = new Array<number>(c).fill(0);
  const y = new Array<number>(x.length);
  const dx = new Array<number>(x.length);
  for (let ch = 0; ch < c; ch++) {
    for (let i = 0; i < n; i++) for (let j = 0; j < s; j++) mean[ch] += x[at(i, ch, j)] / m;
    for (let i = 0; i < n; i++) for (let j = 0; j < s; j++) variance[ch] += (x[at(i, ch, j)] - mean[ch]) ** 2 / m;
    const invstd = 1 / Math.sqrt(variance[ch] + eps);
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < s; j++) {
        const k = at(i, ch, j);
        const xhat = (x[k] - mean[ch]) * invstd;
        y[k] = xhat * w[ch] + b[ch];
        db[ch] += g[k];
        dw[ch] += g[k] * xhat;
      }
    }
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < s; j++) {
        const k = at(i, ch, j);
        const xhat = (x[k] - mean[ch]) * invstd;
        dx[k] = w[ch] * invstd * (g[k] - db[ch] / m - (xhat * dw[ch]) / m);
      }
    }
  }
  return { y, mean, variance, dx, dw, db };
}

describe('batchNorm over channels longer than one chunk', () => {
  // 7·35·37 = 9065 and 5·41·43 = 8815 values per channel: three chunks, the last partial.
  for (const shape of [
    [7, 3, 35, 37],
    [5, 2, 41, 43],
  ]) {
    it(`[${shape}]: output, statistics, running statistics and gradients match float64`, async () => {
      const [n, c, h, wd] = shape;
      const s = h * wd;
      expect(n * s).toBeGreaterThan(2 * BATCHNORM_CHUNK);
      expect((n * s) % BATCHNORM_CHUNK).not.toBe(0);
      const size = n * c * s;
      // Values near 1000 with a spread of a few units: E[x²] − E[x]² would lose the variance in
      // float32. The drift along the batch gives each chunk its own mean, which the merge must weigh.
      const x = asF32(Array.from(randomValues(size, 21), (v, i) => 1000 + v + 0.5 * Math.floor(i / (c * s))));
      const g = asF32(randomValues(size, 22));
      const w = asF32(randomValues(c, 23));
      const b = asF32(randomValues(c, 24));
      const eps = 1e-5;
      const ref = reference(x, g, [n, c, s], w, b, eps);
      const tx = wg.tensor(x, shape, { requiresGrad: true });
      const tw = wg.tensor(w, [c], { requiresGrad: true });
      const tb = wg.tensor(b, [c], { requiresGrad: true });
      const runMean = wg.zeros([c]);
      const runVar = wg.ones([c]);
      const before = runtime().counters.dispatches;
      const y = wg.batchNorm(tx, runMean, runVar, tw, tb, { training: true, momentum: 0.1, eps });
      wg.sum(wg.mul(y, wg.tensor(g, shape))).backward();
      expect(runtime().counters.dispatches - before).toBeGreaterThan(4);
      expectClose(await y.toArray(), ref.y, 0, 5e-4);
      expectClose(await runMean.toArray(), ref.mean.map((v) => 0.1 * v), 1e-6, 1e-6);
      const m = n * s;
      expectClose(await runVar.toArray(), ref.variance.map((v) => 0.9 + 0.1 * v * (m / (m - 1))), 0, 2e-5);
      expectClose(await tx.grad!.toArray(), ref.dx, 0, 2e-3);
      expectClose(await tw.grad!.toArray(), ref.dw, 0, 0.05);
      expectClose(await tb.grad!.toArray(), ref.db, 0, 2e-3);
      // The same inputs give the same bits: the chunks and their order are fixed.
      const again = wg.batchNorm(tx, null, null, tw, tb, { training: true, eps });
      expect(Array.from(await again.toArray())).toEqual(Array.from(await y.toArray()));
      for (const t of [tx, tw, tb, runMean, runVar, y, again]) t.dispose();
    });
  }
});

describe('batchNorm over a tensor larger than one binding', () => {
  it('runs by ranges of samples, in training and evaluation, equal to the unsplit run up to rounding', async () => {
    // 9 samples of 2·23·29 = 1334 values: at 16 KiB (4032 elements a binding) three samples a range.
    const shape = [9, 2, 23, 29];
    const size = 9 * 1334;
    const x = wg.tensor(asF32(randomValues(size, 41)), shape, { requiresGrad: true });
    const w = wg.tensor(asF32(randomValues(2, 42)), [2], { requiresGrad: true });
    const b = wg.tensor(asF32(randomValues(2, 43)), [2], { requiresGrad: true });
    const g = wg.tensor(asF32(randomValues(size, 44)), shape);
    const run = async () => {
      const runMean = wg.zeros([2]);
      const runVar = wg.ones([2]);
      const y = wg.batchNorm(x, runMean, runVar, w, b, { training: true });
      wg.sum(wg.mul(y, g)).backward();
      const evalY = wg.batchNorm(x, runMean, runVar, w, b, { training: false });
      const out = [y, runMean, runVar, x.grad!, w.grad!, b.grad!, evalY];
      const values = await Promise.all(out.map((t) => t.toArray()));
      for (const t of [x, w, b]) t.grad = null;
      return values;
    };
    const whole = await run();
    const before = runtime().counters.dispatches;
    const split = await wg.withPolicy({ bindingLimit: 16384 }, run);
    expect(runtime().counters.dispatches - before).toBeGreaterThan(12);
    // The chunks differ (per range of samples), so sums round differently; float64 checks the unsplit run.
    split.forEach((v, i) => expectClose(v, whole[i], 1e-4, 1e-4));
    const ref = reference(
      Float64Array.from(await x.toArray()), Float64Array.from(await g.toArray()), [9, 2, 667], Float64Array.from(await w.toArray()), Float64Array.from(await b.toArray()), 1e-5,
    );
    expectClose(split[0], ref.y, 0, 1e-4);
    expectClose(split[3], ref.dx, 0, 1e-3);
    expectClose(split[4], ref.dw, 0, 1e-3);
    expectClose(split[5], ref.db, 0, 1e-3);
    for (const t of [x, w, b, g]) t.dispose();
  });
});

// Misuse: a WebgradError naming the argument and shapes, before any GPU work.
describe('batchNorm and average pooling', () => {
  it('rejects bad statistics, sizes and options', () => {
    const x = tensor(randomValues(24, 3), [2, 3, 2, 2]);
    const c3 = tensor([0, 0, 0]);
    const c4 = tensor([1, 1, 1, 1]);
    const one = tensor(randomValues(3, 5), [1, 3]);
    rejects(() => wg.batchNorm(x, c3, c4), /batchNorm: runningVar must be float32 \[3\] for x \[2, 3, 2, 2\], got \[4\]/);
    rejects(() => wg.batchNorm(x, null, null), /evaluation \(training: false\) needs runningMean and runningVar/);
    rejects(() => wg.batchNorm(x, c3, null, null, null, { training: true }), /give both runningMean and runningVar, or neither/);
    rejects(() => wg.batchNorm(one, null, null, null, null, { training: true }), /training needs more than one value per channel, got x \[1, 3\]/);
    rejects(() => wg.batchNorm(x, c3, c3, null, null, { momentum: 2 }), /batchNorm: momentum must be in \[0, 1\], got 2/);
    rejects(() => wg.avgPool2d(x, { kernelSize: 3 }), /avgPool2d: kernelSize \(height\) of 3 is larger than the padded input/);
    rejects(() => wg.avgPool2d(x, { kernelSize: 2, padding: 2 }), /avgPool2d: padding \[2, 2\] must be at most half of kernelSize \[2, 2\]/);
    rejects(() => wg.adaptiveAvgPool2d(one, 2), /adaptiveAvgPool2d: x must be \[N, C, H, W\], got \[1, 3\]/);
    rejects(() => wg.adaptiveAvgPool2d(x, 0), /adaptiveAvgPool2d: outputSize must be an integer >= 1/);
  });
});
