import { beforeAll, describe, expect, it } from 'vitest';
import * as wg from '../../src/index.js';
import { runtime } from '../../src/device/current.js';
import { expectClose, setupDevice } from '../helpers.js';

beforeAll(setupDevice);

describe('creation', () => {
  it('tensor, zeros, ones, full, arange hold the expected values', async () => {
    expect(Array.from(await wg.tensor([1.5, -2, 3], [3]).toArray())).toEqual([1.5, -2, 3]);
    expect(Array.from(await wg.zeros([2, 3]).toArray())).toEqual([0, 0, 0, 0, 0, 0]);
    expect(Array.from(await wg.ones([5]).toArray())).toEqual([1, 1, 1, 1, 1]);
    expect(Array.from(await wg.full([2, 2], 7.25).toArray())).toEqual([7.25, 7.25, 7.25, 7.25]);
    expectClose(await wg.arange(1, 2, 0.25).toArray(), [1, 1.25, 1.5, 1.75], 0, 0);
    expect(Array.from(await wg.arange(4).toArray())).toEqual([0, 1, 2, 3]);
    expect(Array.from(await wg.tensor([3, -4], [2], { dtype: 'int32' }).toArray())).toEqual([3, -4]);
  });

  it('tensor keeps shape, size and rank; zero-size tensors work', async () => {
    const t = wg.tensor(new Float32Array(24), [2, 3, 4]);
    expect(t.shape).toEqual([2, 3, 4]);
    expect(t.size).toBe(24);
    expect(t.rank).toBe(3);
    const empty = wg.zeros([0, 3]);
    expect(empty.size).toBe(0);
    expect((await empty.toArray()).length).toBe(0);
    expect((await wg.add(empty, 1).toArray()).length).toBe(0);
  });

  it('item reads a scalar', async () => {
    expect(await wg.sum(wg.tensor([1, 2, 3.5])).item()).toBe(6.5);
  });
});

describe('random', () => {
  it('the same seed gives the same numbers whatever the size', async () => {
    const small = await wg.randn([10], { seed: 42 }).toArray();
    const large = await wg.randn([1000, 7], { seed: 42 }).toArray();
    expect(Array.from(large.slice(0, 10))).toEqual(Array.from(small));
    const other = await wg.randn([10], { seed: 43 }).toArray();
    expect(Array.from(other)).not.toEqual(Array.from(small));
    const seedHigh = await wg.rand([10], { seed: 2 ** 40 + 42 }).toArray();
    expect(Array.from(seedHigh)).not.toEqual(Array.from(await wg.rand([10], { seed: 42 }).toArray()));
  });

  it('randn has mean ≈ 0 and std ≈ 1, rand is uniform on [low, high)', async () => {
    const n = 200_000;
    const z = Array.from(await wg.randn([n], { seed: 7, mean: 2, std: 3 }).toArray());
    const mean = z.reduce((a, b) => a + b, 0) / n;
    const std = Math.sqrt(z.reduce((a, b) => a + (b - mean) ** 2, 0) / n);
    expect(Math.abs(mean - 2)).toBeLessThan(0.03);
    expect(Math.abs(std - 3)).toBeLessThan(0.03);
    const u = Array.from(await wg.rand([n], { seed: 8, low: -1, high: 3 }).toArray());
    expect(u.reduce((a, b) => Math.min(a, b))).toBeGreaterThanOrEqual(-1);
    expect(u.reduce((a, b) => Math.max(a, b))).toBeLessThan(3);
    const below = u.filter((v) => v < 0).length / n;
    expect(Math.abs(below - 0.25)).toBeLessThan(0.01);
  });
});

describe('bad input throws a clear error before any GPU work', () => {
  const dispatches = () => runtime().counters.dispatches;

  // Each case builds its operands first, then returns the failing call: that call must dispatch nothing.
  it.each([
    ['data length ≠ product of the shape', () => () => wg.tensor([1, 2, 3], [2, 2]), /data has 3 elements but shape \[2, 2\] needs 4/],
    ['negative dimension', () => () => wg.zeros([2, -1]), /\[2, -1\].*not a non-negative integer/],
    ['fractional dimension', () => () => wg.ones([1.5]), /\[1.5\].*not a non-negative integer/],
    ['mismatched shapes', () => { const a = wg.zeros([2, 3]); const b = wg.zeros([4]); return () => wg.add(a, b); }, /add: shapes a \[2, 3\] and b \[4\] cannot be broadcast/],
    ['bad reshape', () => { const a = wg.zeros([6]); return () => a.reshape([4, 2]); }, /cannot reshape \[6\] \(6 elements\) to \[4, 2\]/],
    ['axis out of range', () => { const a = wg.zeros([2, 2]); return () => wg.sum(a, 2); }, /sum: axis 2 is out of range for a tensor of rank 2/],
    ['bad permutation', () => { const a = wg.zeros([2, 2]); return () => wg.permute(a, [0, 0]); }, /permute/],
  ])('%s', (_, prepare, message) => {
    const call = prepare();
    const before = dispatches();
    expect(call).toThrow(message);
    expect(dispatches()).toBe(before);
  });

  it('an op on a disposed tensor names the argument and the shape', async () => {
    const t = wg.zeros([3, 4]);
    t.dispose();
    const live = wg.ones([3, 4]);
    const before = dispatches();
    expect(() => wg.exp(t)).toThrow(/exp: x \(shape \[3, 4\]\) was used after dispose\(\)/);
    expect(() => wg.mul(live, t)).toThrow(/mul: b \(shape \[3, 4\]\) was used after dispose\(\)/);
    await expect(t.toArray()).rejects.toThrow(/used after dispose/);
    expect(dispatches()).toBe(before);
  });
});

describe('device', () => {
  it('adapterInfo describes the adapter', () => {
    const info = wg.adapterInfo();
    expect(typeof info.vendor).toBe('string');
    expect(typeof info.description).toBe('string');
  });

  it('init() twice returns the same device', async () => {
    const a = runtime();
    await wg.init();
    expect(runtime()).toBe(a);
  });

  it('reuses a compiled pipeline for the same kernel and overrides, and counts the time of each compile', async () => {
    const x = wg.ones([5]);
    wg.exp(x);
    const { pipelinesCompiled: compiled, compileMs } = runtime().counters;
    wg.exp(wg.ones([500]));
    expect(runtime().counters.pipelinesCompiled).toBe(compiled);
    expect(runtime().counters.compileMs).toBe(compileMs);
    wg.tanh(x);
    expect(runtime().counters.pipelinesCompiled).toBe(compiled + 1);
    expect(runtime().counters.compileMs).toBeGreaterThan(compileMs);
  });

  it('many dispatches are submitted together, and a readback flushes them', async () => {
    const before = { ...runtime().counters };
    let x = wg.ones([64]);
    for (let i = 0; i < 20; i++) x = wg.add(x, 1);
    expect(runtime().counters.submits).toBe(before.submits);
    expect(Array.from(await x.toArray())[0]).toBe(21);
    expect(runtime().counters.submits).toBe(before.submits + 1);
  });
});
