import { beforeAll, describe, expect, it } from 'vitest';
import { nn, tensor, WebgradError } from '../../src/index.js';
import { asF32, expectClose, randomValues, setupDevice } from '../helpers.js';

beforeAll(setupDevice);

/** Per-channel mean and biased variance of x [n, c, s] in float64. */
function channelStats(x: Float64Array, n: number, c: number, s: number): { mean: number[]; variance: number[] } {
  const mean: number[] = [];
  const variance: number[] = [];
  for (let ch = 0; ch < c; ch++) {
    const vals: number[] = [];
    for (let i = 0; i < n; i++) for (let j = 0; j < s; j++) vals.push(x[(i * c + ch) * s + j]);
    const m = vals.reduce((a, v) => a + v, 0) / vals.length;
    mean.push(m);
    variance.push(vals.reduce((a, v) => a + (v - m) ** 2, 0) / vals.length);
  }
  return { mean, variance };
}

function normalise(x: Float64Array, mean: number[], variance: number[], n: number, c: number, s: number, eps: number): Float64Array {
  return x.map((v, i) => {
    const ch = Math.floor(i / s) % c;
    return (v - mean[ch]) / Math.sqrt(variance[ch] + eps);
  });
}

describe('nn.BatchNorm2d', () => {
  it('trains on batch statistics, tracks running ones (unbiased variance), evaluates with them', async () => {
    const [n, c, h, w] = [2, 3, 4, 5];
    const s = h * w;
    const bn = new nn.BatchNorm2d(c, { momentum: 0.2 });
    expect(Object.keys(bn.stateDict())).toEqual(['weight', 'bias', 'running_mean', 'running_var', 'num_batches_tracked']);
    let runMean = [0, 0, 0];
    let runVar = [1, 1, 1];
    for (const seed of [1, 2]) {
      const xv = asF32(randomValues(n * c * s, seed, 3)).map((v) => v + seed);
      const y = bn.forward(tensor(xv, [n, c, h, w]));
      const st = channelStats(xv, n, c, s);
      expectClose(await y.toArray(), normalise(xv, st.mean, st.variance, n, c, s, 1e-5), 1e-5, 1e-5);
      runMean = runMean.map((m, k) => 0.8 * m + 0.2 * st.mean[k]);
      runVar = runVar.map((v, k) => 0.8 * v + 0.2 * st.variance[k] * ((n * s) / (n * s - 1)));
    }
    expectClose(await bn.runningMean.toArray(), runMean, 1e-5, 1e-7);
    expectClose(await bn.runningVar.toArray(), runVar, 1e-5, 1e-7);
    expect(Array.from(await bn.numBatchesTracked.toArray())).toEqual([2]);
    bn.eval();
    const xv = asF32(randomValues(n * c * s, 3));
    const y = bn.forward(tensor(xv, [n, c, h, w]));
    expectClose(await y.toArray(), normalise(xv, runMean, runVar, n, c, s, 1e-5), 1e-5, 1e-6);
    expect(Array.from(await bn.numBatchesTracked.toArray())).toEqual([2]);
  });

  it('has its buffers in a model state dict under PyTorch names, and loads them', async () => {
    const make = () => new nn.Sequential(new nn.Conv2d(2, 3, 3, { seed: 1 }), new nn.BatchNorm2d(3), new nn.ReLU());
    const a = make();
    a.forward(tensor(randomValues(2 * 2 * 5 * 5, 4), [2, 2, 5, 5]));
    const keys = Object.keys(a.stateDict());
    expect(keys).toEqual(['0.weight', '0.bias', '1.weight', '1.bias', '1.running_mean', '1.running_var', '1.num_batches_tracked']);
    expect(a.parameters()).toHaveLength(4);
    const b = make();
    b.loadStateDict(a.stateDict());
    for (const k of keys) expect(Array.from(await b.stateDict()[k].toArray()), k).toEqual(Array.from(await a.stateDict()[k].toArray()));
  });

  it('refuses inputs of the wrong channels', () => {
    const bn = new nn.BatchNorm2d(3);
    const x = tensor(randomValues(8, 1), [2, 4, 1, 1]);
    expect(() => bn.forward(x)).toThrow(WebgradError);
    expect(() => bn.forward(x)).toThrow(/BatchNorm2d: x must be \[N, 3, H, W\], got \[2, 4, 1, 1\]/);
  });
});
