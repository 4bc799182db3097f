import { beforeAll, describe, expect, it } from 'vitest';
import * as wg from '../../src/index.js';
import { runtime } from '../../src/device/current.js';
import { asF32, expectClose, randomValues, setupDevice } from '../helpers.js';

beforeAll(setupDevice);

// Tensors larger than one storage binding (AlexNet's 9216×4096 fc6 weight is 151 MB, lavapipe
// binds at most 128 MiB) run element-wise kernels over ranges. A 1 KiB limit makes 10,007
// elements take 40 ranges.
describe('element-wise kernels over ranges of a buffer', () => {
  const n = 10_007;

  it('random numbers are the same whether or not the tensor is split', async () => {
    const whole = await wg.randn([n], { seed: 11 }).toArray();
    const wholeU = await wg.rand([n], { seed: 12 }).toArray();
    await wg.withPolicy({ bindingLimit: 1024 }, async () => {
      const before = runtime().counters.dispatches;
      const split = await wg.randn([n], { seed: 11 }).toArray();
      expect(runtime().counters.dispatches - before).toBeGreaterThanOrEqual(40);
      expect(Array.from(split)).toEqual(Array.from(whole));
      expect(Array.from(await wg.rand([n], { seed: 12 }).toArray())).toEqual(Array.from(wholeU));
    });
  });

  it('fill, arange, unary and same-shape binary ops cover every element', async () => {
    await wg.withPolicy({ bindingLimit: 1024 }, async () => {
      const a = asF32(randomValues(n, 1));
      const b = asF32(randomValues(n, 2));
      expectClose(await wg.full([n], 2.5).toArray(), new Array(n).fill(2.5), 0, 0);
      expectClose(await wg.arange(n).toArray(), Array.from({ length: n }, (_, i) => i), 0, 0);
      expectClose(await wg.exp(wg.tensor(a)).toArray(), Array.from(a, Math.exp), 2e-6, 1e-6);
      expectClose(await wg.mul(wg.tensor(a), wg.tensor(b)).toArray(), Array.from(a, (v, i) => v * b[i]), 1e-6, 1e-7);
    });
  });

  it('SGD with momentum updates every element of a split parameter', async () => {
    const p0 = asF32(randomValues(n, 3));
    const g = asF32(randomValues(n, 4));
    await wg.withPolicy({ bindingLimit: 1024 }, async () => {
      const p = wg.tensor(p0, [n], { requiresGrad: true });
      const opt = new wg.optim.SGD([p], { lr: 0.1, momentum: 0.9, weightDecay: 0.01 });
      for (let step = 0; step < 2; step++) {
        p.grad = wg.keep(wg.tensor(g));
        opt.step();
      }
      // Two steps of PyTorch's rule in float64: d = g + wd·p; buf = d, then 0.9·buf + d; p -= lr·buf.
      const expected = Array.from(p0, (v, i) => {
        const d1 = g[i] + 0.01 * v;
        const p1 = v - 0.1 * d1;
        const d2 = g[i] + 0.01 * p1;
        return p1 - 0.1 * (0.9 * d1 + d2);
      });
      expectClose(await p.toArray(), expected, 1e-5, 1e-6);
    });
  });
});
