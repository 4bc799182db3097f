import { beforeAll, describe, expect, it } from 'vitest';
import { dropout, mul, relu, sum, tensor, WebgradError, type Tensor } from '../../src/index.js';
import { runtime } from '../../src/device/current.js';
import { asF32, expectClose, randomValues, setupDevice } from '../helpers.js';

beforeAll(setupDevice);

async function values(t: Tensor | null): Promise<Float32Array> {
  if (!t) throw new Error('missing tensor');
  return (await t.toArray()) as Float32Array;
}

describe('dropout', () => {
  // A size that is not a multiple of the 4 elements each invocation handles, nor of the workgroup.
  const n = 20_003;

  it('zeroes about p of the elements and scales the rest by 1/(1-p); backward uses the same mask', async () => {
    const xv = asF32(randomValues(n, 1));
    const gv = asF32(randomValues(n, 2));
    const x = tensor(xv, [n], { requiresGrad: true });
    const out = dropout(x, { p: 0.3, seed: 42 });
    out.backward(tensor(gv, [n]));
    const o = await values(out);
    const gx = await values(x.grad);
    let dropped = 0;
    for (let i = 0; i < n; i++) {
      if (o[i] === 0) {
        dropped++;
        expect(gx[i]).toBe(0);
      } else {
        expect(o[i]).toBe(Math.fround(xv[i] * Math.fround(1 / 0.7)));
        expect(gx[i]).toBe(Math.fround(gv[i] * Math.fround(1 / 0.7)));
      }
    }
    // 20,003 Bernoulli(0.3) draws: the standard deviation of the fraction is 0.0032.
    expect(Math.abs(dropped / n - 0.3)).toBeLessThan(0.02);
  });

  it('the same seed gives the same mask; successive default seeds differ', async () => {
    const x = tensor(new Array(4099).fill(1), [4099]);
    const a = await values(dropout(x, { seed: 7 }));
    const b = await values(dropout(x, { seed: 7 }));
    expect(Array.from(a)).toEqual(Array.from(b));
    const c = await values(dropout(x));
    const d = await values(dropout(x));
    expect(Array.from(c)).not.toEqual(Array.from(d));
    const kept = a.filter((v) => v !== 0);
    expect(kept.every((v) => v === 2)).toBe(true);
  });

  it('is the identity when not training or p = 0, and zeroes everything at p = 1', async () => {
    const xv = asF32(randomValues(1001, 3));
    const x = tensor(xv, [7, 11, 13], { requiresGrad: true });
    const evalOut = dropout(x, { p: 0.5, training: false });
    expect(evalOut).not.toBe(x);
    expectClose(await values(evalOut), xv, 0, 0);
    expectClose(await values(dropout(x, { p: 0 })), xv, 0, 0);
    const all = dropout(x, { p: 1 });
    expect(Array.from(await values(all)).every((v) => v === 0)).toBe(true);
    sum(mul(all, 3)).backward();
    expect(Array.from(await values(x.grad)).every((v) => v === 0)).toBe(true);
    x.grad?.dispose();
    x.grad = null;
    sum(evalOut).backward();
    expect(Array.from(await values(x.grad)).every((v) => v === 1)).toBe(true);
    // Disposing the eval-mode output leaves x usable.
    evalOut.dispose();
    expect(x.disposed).toBe(false);
  });

  it('rejects a bad p, seed or dtype before any GPU work', () => {
    const x = tensor([1, 2, 3], [3]);
    const xi = tensor([1, 2, 3], [3], { dtype: 'int32' });
    const before = runtime().counters.dispatches;
    expect(() => dropout(x, { p: 1.5 })).toThrow(WebgradError);
    expect(() => dropout(x, { p: -0.1 })).toThrow(/p must be in \[0, 1\], got -0.1/);
    expect(() => dropout(x, { seed: -1 })).toThrow(/seed must be a non-negative safe integer/);
    expect(() => dropout(xi)).toThrow(/x must be float32, got int32 \(shape \[3\]\)/);
    expect(runtime().counters.dispatches).toBe(before);
  });
});

describe('relu backward (fused)', () => {
  it('passes the gradient where x > 0 in one dispatch', async () => {
    const xv = asF32(randomValues(1037, 4));
    xv[5] = 0;
    const gv = asF32(randomValues(1037, 5));
    const x = tensor(xv, [1037], { requiresGrad: true });
    const out = relu(x);
    const g = tensor(gv, [1037]);
    const before = runtime().counters.dispatches;
    out.backward(g);
    expect(runtime().counters.dispatches - before).toBe(1 + (runtime().policy.poison ? 1 : 0));
    expectClose(await values(x.grad), Array.from(xv, (v, i) => (v > 0 ? gv[i] : 0)), 0, 0);
  });
});
