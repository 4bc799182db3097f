import { beforeAll, describe, expect, it } from 'vitest';
import * as wg from '../../src/index.js';
import { runtime } from '../../src/device/current.js';
import { setupDevice } from '../helpers.js';

beforeAll(setupDevice);

describe('memory', () => {
  // A real GPU's pool overflows its cap in a big model's step: buffers released while commands that
  // name them are recorded but not submitted must outlive that submit.
  it('buffers the pool lets go of outlive the commands recorded with them', async () => {
    const pool = runtime().bufferPool;
    const cap = pool.maxFreeBytes;
    const run = () =>
      wg.tidy(() => {
        let h = wg.full([1000], 0.5);
        for (let i = 0; i < 20; i++) h = wg.add(wg.mul(h, 1.5), i);
        return wg.sum(h);
      });
    const expected = await run().item();
    pool.maxFreeBytes = 0;
    try {
      const y = run();
      expect(pool.stats().freeBuffers).toBe(0);
      expect(await y.item()).toBe(expected);
      y.dispose();
    } finally {
      pool.maxFreeBytes = cap;
    }
  });

  it('tidy disposes intermediates and keeps what it returns', async () => {
    const start = wg.memory().liveBuffers;
    const x = wg.ones([100]);
    const y = wg.tidy(() => {
      const a = wg.exp(x);
      const b = wg.mul(a, 2);
      return wg.sum(b);
    });
    expect(wg.memory().liveBuffers).toBe(start + 2);
    expect(await y.item()).toBeCloseTo(200 * Math.E, 2);
    y.dispose();
    x.dispose();
    expect(wg.memory().liveBuffers).toBe(start);
  });

  it('keep() lets a tensor outlive its scope; nested scopes pass results outward', () => {
    const start = wg.memory().liveBuffers;
    let kept: wg.Tensor | null = null;
    const outer = wg.tidy(() => {
      const inner = wg.tidy(() => {
        kept = wg.keep(wg.ones([4]));
        wg.zeros([4]);
        return wg.full([4], 2);
      });
      return inner;
    });
    expect(outer.disposed).toBe(false);
    expect(kept!.disposed).toBe(false);
    expect(wg.memory().liveBuffers).toBe(start + 2);
    outer.dispose();
    kept!.dispose();
  });

  it('live buffers and bytes stay flat over 100 iterations of ops, with autograd, inside tidy', async () => {
    const w = wg.keep(wg.randn([16, 8], { seed: 1, requiresGrad: true }));
    const x = wg.keep(wg.randn([16, 8], { seed: 2 }));
    const seen: [number, number][] = [];
    const created: [number, number][] = [];
    for (let i = 0; i < 100; i++) {
      wg.tidy(() => {
        const loss = wg.mean(wg.tanh(wg.mul(wg.add(w, x), wg.sub(x, 0.5))));
        loss.backward();
        w.grad!.dispose();
        w.grad = null;
      });
      const m = wg.memory();
      seen.push([m.liveBuffers, m.liveBytes]);
      created.push([m.createdBuffers, m.createdBytes]);
    }
    await wg.sync();
    for (const s of seen) expect(s).toEqual(seen[0]);
    // Nothing is created once the first iterations have filled the pool.
    for (const c of created.slice(3)) expect(c).toEqual(created[2]);
    w.dispose();
    x.dispose();
  });

  it('uploads and readbacks reuse their staging buffers: a loop of them creates none after its first', async () => {
    const created: number[] = [];
    for (let i = 0; i < 6; i++) {
      const values = Float32Array.from({ length: 300 }, (_, j) => j * 0.5 + i);
      // An upload while work is recorded goes through a staging buffer; the readback through another.
      const y = wg.tidy(() => wg.add(wg.mul(wg.full([300], 2), wg.tensor(values)), 1));
      expect(Array.from(await y.toArray())).toEqual(Array.from(values, (v) => 2 * v + 1));
      y.dispose();
      created.push(wg.memory().createdBuffers);
    }
    for (const c of created.slice(1)) expect(c).toBe(created[0]);
  });

  it('an upload lands in order with recorded work, also into a buffer that work still reads', async () => {
    const rt = runtime();
    await wg.withPolicy({ poison: false }, async () => {
      await wg.sync();
      // Nothing recorded: the data is written straight into the tensor's buffer, without a copy.
      const copies = rt.counters.copies;
      const values = Float32Array.from({ length: 1000 }, (_, j) => j - 500.25);
      const direct = wg.tensor(values);
      expect(rt.counters.copies).toBe(copies);
      expect(await direct.toArray()).toEqual(values);
      direct.dispose();
      // Recorded and not submitted: b reads a's buffer, which the pool hands to the next tensor
      // before b has run. The upload into it must come after b in the GPU's order.
      const a = wg.full([1000], 3);
      const b = wg.mul(a, 2);
      const aBuffer = a.buffer;
      a.dispose();
      const copiesBefore = rt.counters.copies;
      const c = wg.tensor(values);
      const staged = rt.counters.copies - copiesBefore;
      expect(c.buffer).toBe(aBuffer);
      expect(Array.from(await b.toArray())).toEqual(new Array(1000).fill(6));
      expect(await c.toArray()).toEqual(values);
      expect(staged).toBe(1);
      b.dispose();
      c.dispose();
    });
  });

  it('a tidy that throws still disposes what it created', () => {
    const start = wg.memory().liveBuffers;
    expect(() =>
      wg.tidy(() => {
        wg.ones([3]);
        throw new Error('boom');
      }),
    ).toThrow('boom');
    expect(wg.memory().liveBuffers).toBe(start);
  });
});

describe('autograd on the foundation ops', () => {
  it('accumulates through broadcasting, shared inputs and reductions', async () => {
    const a = wg.tensor([1, 2, 3, 4, 5, 6], [2, 3], { requiresGrad: true });
    const b = wg.tensor([0.5, -1, 2], [3], { requiresGrad: true });
    // loss = sum(a * b + a) → da = b + 1 (broadcast), db = sum over rows of a
    const loss = wg.sum(wg.add(wg.mul(a, b), a));
    loss.backward();
    expect(Array.from(await a.grad!.toArray())).toEqual([1.5, 0, 3, 1.5, 0, 3]);
    expect(Array.from(await b.grad!.toArray())).toEqual([5, 7, 9]);
    // a second backward accumulates
    wg.sum(a).backward();
    expect(Array.from(await a.grad!.toArray())).toEqual([2.5, 1, 4, 2.5, 1, 4]);
  });

  it('noGrad records nothing', () => {
    const a = wg.ones([2], { requiresGrad: true });
    const y = wg.noGrad(() => wg.mul(a, 2));
    expect(y.requiresGrad).toBe(false);
    expect(() => y.backward()).toThrow(/does not require grad/);
  });

  it('backward of a non-scalar needs a gradient of the same shape', async () => {
    const a = wg.ones([3], { requiresGrad: true });
    const y = wg.mul(a, 3);
    expect(() => y.backward()).toThrow(/needs an explicit gradient/);
    y.backward(wg.tensor([1, 2, 3]));
    expect(Array.from(await a.grad!.toArray())).toEqual([3, 6, 9]);
  });
});
