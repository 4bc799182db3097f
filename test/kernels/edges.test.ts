// Edge cases that now behave as in PyTorch, and the device's limits and lifecycle.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import * as wg from '../../src/node.js';
import { runtime } from '../../src/device/current.js';
import { expectClose, setupDevice } from '../helpers.js';

beforeAll(setupDevice);

describe('edges as PyTorch', () => {
  it('tensor() infers the shape of nested arrays and takes a number as a scalar', async () => {
    const a = wg.tensor([[1, 2, 3], [4, 5, 6]]);
    expect(a.shape).toEqual([2, 3]);
    expect([...(await a.toArray())]).toEqual([1, 2, 3, 4, 5, 6]);
    const b = wg.tensor([[[1], [2]]], undefined, { dtype: 'int32' });
    expect(b.shape).toEqual([1, 2, 1]);
    expect(b.dtype).toBe('int32');
    expect([...(await b.toArray())]).toEqual([1, 2]);
    const c = wg.tensor(2.5);
    expect(c.shape).toEqual([]);
    expect(await c.item()).toBe(2.5);
    const d = wg.tensor([[1, 2], [3, 4]], [4]);
    expect(d.shape).toEqual([4]);
    const e = wg.tensor([[]]);
    expect(e.shape).toEqual([1, 0]);
    const f = wg.tensor([1, 2], { requiresGrad: true });
    expect(f.requiresGrad).toBe(true);
    for (const t of [a, b, c, d, e, f]) t.dispose();
  });

  it('mean of an empty tensor is NaN; sum is 0', async () => {
    const x = wg.zeros([0]);
    expect(await wg.mean(x).item()).toBeNaN();
    expect(await wg.sum(x).item()).toBe(0);
    const y = wg.zeros([2, 0]);
    const m = wg.mean(y, 1);
    expect(m.shape).toEqual([2]);
    expect([...(await m.toArray())].every(Number.isNaN)).toBe(true);
    for (const t of [x, y, m]) t.dispose();
  });

  it("empty operands give PyTorch's results: empty batches, zero-length products, the mean loss of no rows", async () => {
    const k0 = wg.matmul(wg.zeros([2, 0]), wg.zeros([0, 3]));
    expect(k0.shape).toEqual([2, 3]);
    expect([...(await k0.toArray())]).toEqual([0, 0, 0, 0, 0, 0]);
    const batch0 = wg.matmul(wg.zeros([0, 2, 3]), wg.ones([3, 4]));
    expect(batch0.shape).toEqual([0, 2, 4]);
    const in0 = wg.linear(wg.zeros([4, 0]), wg.zeros([2, 0]), wg.tensor([1, 2]));
    expect(in0.shape).toEqual([4, 2]);
    expect([...(await in0.toArray())]).toEqual([1, 2, 1, 2, 1, 2, 1, 2]);
    const rows0 = wg.crossEntropy(wg.zeros([0, 3]), []);
    expect(await rows0.item()).toBeNaN();
    const w = wg.ones([3, 4], { requiresGrad: true });
    const y = wg.sum(wg.matmul(wg.zeros([0, 2, 3]), w));
    y.backward();
    expect([...(await w.grad!.toArray())]).toEqual(Array(12).fill(0));
    for (const t of [k0, batch0, in0, rows0, w, y]) t.dispose();
  });

  it('NaN propagates as in PyTorch: relu, maximum, minimum keep it; argmax and countCorrect take it as the maximum', async () => {
    const x = wg.tensor([1, Number.NaN, 3]);
    const got = async (t: wg.Tensor) => [...(await t.toArray())];
    expect(await got(wg.relu(x))).toEqual([1, Number.NaN, 3]);
    expect(await got(wg.maximum(x, 2))).toEqual([2, Number.NaN, 3]);
    expect(await got(wg.minimum(2, x))).toEqual([1, Number.NaN, 2]);
    expect(await got(wg.argmax(x))).toEqual([1]);
    expect(await got(wg.argmax(wg.tensor([[Number.NaN, 5], [2, Number.NaN]]), 1))).toEqual([0, 1]);
    expect(await wg.countCorrect(x.reshape([1, 3]), [1]).item()).toBe(1);
    expect(await wg.max(x).item()).toBeNaN();
    x.dispose();
  });

  it('crossEntropy with an int32 label out of range: a WebgradError naming crossEntropy at the next readback, then the device works', async () => {
    const logits = wg.tensor([0.1, 0.2, 0.3, 0.4, 0.5, 0.6], [2, 3]);
    const labels = wg.tensor([1, 3], [2], { dtype: 'int32' });
    const loss = wg.crossEntropy(logits, labels);
    await expect(loss.item()).rejects.toThrow(wg.WebgradError);
    const again = wg.crossEntropy(logits, wg.tensor([1, -2], [2], { dtype: 'int32' }));
    await expect(again.item()).rejects.toThrow(/crossEntropy: labels\[1\] = -2 is not a class index in \[0, 3\)/);
    // The check is cleared once reported: a good batch reads back.
    const good = wg.crossEntropy(logits, wg.tensor([1, 2], [2], { dtype: 'int32' }));
    const lse = Math.log(Math.exp(0.1) + Math.exp(0.2) + Math.exp(0.3));
    expectClose([await good.item()], [(lse - 0.2 + lse - 0.3) / 2], 1e-5);
    const counted = wg.countCorrect(logits, labels);
    await expect(counted.item()).rejects.toThrow(/countCorrect: labels\[1\] = 3 is not a class index in \[0, 3\)/);
    for (const t of [logits, labels, loss, again, good, counted]) t.dispose();
  });

  it("a deferred check names the op and which of its calls since init() (a loop's step) found the bad value", async () => {
    await wg.release();
    await setupDevice();
    const logits = wg.tensor([0.1, 0.2, 0.3, 0.4, 0.5, 0.6], [2, 3]);
    const good = wg.tensor([1, 2], [2], { dtype: 'int32' });
    const bad = wg.tensor([1, 3], [2], { dtype: 'int32' });
    // A loop reading each step's loss: step 4's bad label is reported at step 4's readback, as call 4.
    for (let step = 1; step <= 4; step++) {
      const loss = wg.crossEntropy(logits, step === 4 ? bad : good);
      if (step < 4) expect(Number.isFinite(await loss.item())).toBe(true);
      else await expect(loss.item()).rejects.toThrow(/^webgrad: crossEntropy: labels\[1\] = 3 is not a class index in \[0, 3\).*found on the GPU in crossEntropy call 4 since init\(\)/);
      loss.dispose();
    }
    // Two calls between readbacks: the error says it was one of them.
    wg.crossEntropy(logits, good).dispose();
    const late = wg.crossEntropy(logits, bad);
    await expect(late.item()).rejects.toThrow(/one of crossEntropy calls 5–6 since init\(\) \(those recorded since the previous readback of values\), reported at this readback/);
    late.dispose();
    // indexSelect and gather count their own calls.
    const x = wg.tensor([1, 2, 3], [3]);
    const picked = wg.indexSelect(x, 0, wg.tensor([0, 7], [2], { dtype: 'int32' }));
    await expect(picked.toArray()).rejects.toThrow(/^webgrad: indexSelect: index\[1\] = 7 is out of range \[0, 3\).*indexSelect call 1 since init\(\)/);
    const gathered = wg.gather(x, 0, wg.tensor([-1], [1], { dtype: 'int32' }));
    await expect(gathered.toArray()).rejects.toThrow(/^webgrad: gather: index element 0 \(row-major\) = -1 is out of range \[0, 3\).*gather call 1 since init\(\)/);
    for (const t of [logits, good, bad, late, x, picked, gathered]) t.dispose();
  });

  it("the library's own readbacks (timings) leave a bad label for the user's next readback", async () => {
    const logits = wg.tensor([0.1, 0.2, 0.3, 0.4, 0.5, 0.6], [2, 3]);
    const labels = wg.tensor([1, 3], [2], { dtype: 'int32' });
    const loss = wg.crossEntropy(logits, labels);
    // As the GEMM autotuner and the profiler read their timestamps.
    expectClose(new Float32Array(await runtime().read(logits.buffer, 8)), [0.1, 0.2], 1e-7);
    await expect(loss.item()).rejects.toThrow(/crossEntropy: labels\[1\] = 3 is not a class index in \[0, 3\)/);
    for (const t of [logits, labels, loss]) t.dispose();
  });

  it('a tensor larger than maxBufferSize is refused at the op, naming shape, bytes and limit; the device stays usable', async () => {
    const limit = runtime().gpu.limits.maxBufferSize;
    const n = Math.floor(limit / 4) + 1;
    expect(() => wg.zeros([n])).toThrow(new RegExp(`zeros: shape \\[${n}\\] needs ${n * 4} bytes .*maxBufferSize of ${limit} bytes`));
    const x = wg.ones([4]);
    expect(() => wg.expand(x, [n, 4])).toThrow(wg.WebgradError);
    expect(() => wg.zeros([2 ** 31, 2 ** 31])).toThrow(/more than can be counted exactly/);
    expect(await wg.sum(x).item()).toBe(4);
    x.dispose();
  });
});

describe('a tensor larger than one storage binding', () => {
  it('is refused by the ops that bind it (or a view spanning more than a binding of it) whole, naming op, shape, bytes and limit; the device stays usable', async (context) => {
    const limit = runtime().gpu.limits.maxStorageBufferBindingSize;
    const rows = Math.floor(limit / 4 / 2 ** 20) + 1;
    if (rows * 2 ** 22 > runtime().gpu.limits.maxBufferSize || limit > 2 ** 30) {
      context.skip(`the device's binding limit (${limit} bytes) is too large for a test tensor beyond it`);
    }
    const before = wg.memory().liveBuffers;
    const big = wg.zeros([rows, 2 ** 20]);
    const named = (what: string, dims: number[]) =>
      new RegExp(`${what} \\[${dims.join(', ')}\\] needs ${dims.reduce((n, d) => n * d, 4)} bytes .*maxStorageBufferBindingSize of ${limit} bytes`);
    const shape = [rows, 2 ** 20];
    // A view that spans more than a binding of a tensor larger than one is refused; a smaller one is bound alone.
    const spanned = (what: string, dims: number[]) => new RegExp(`${named(what, dims).source} .*and the view .* spans \\d+ elements`);
    expect(() => wg.slice(big, [null, [0, 2]])).toThrow(spanned('slice: x', shape));
    expect(() => wg.narrow(big, 1, 1, 2)).toThrow(spanned('narrow: x', shape));
    expect(() => wg.split(big, 2 ** 19, 1)).toThrow(spanned('split: x', shape));
    expect(() => wg.stack([big])).toThrow(spanned('stack: the result', [1, ...shape]));
    const row = wg.narrow(big, 0, rows - 1, 1);
    expect(row.shape).toEqual([1, 2 ** 20]);
    expect((await row.toArray()).every((v) => v === 0)).toBe(true);
    row.dispose();
    const unsplittable = (what: string, dims: number[], parts: string) =>
      new RegExp(`${what} \\[${dims.join(', ')}\\] is larger than one storage binding \\(the device's maxStorageBufferBindingSize of ${limit} bytes.*fewest ${parts}`);
    expect(() => wg.softmax(big, 0)).toThrow(new RegExp(`softmax: x \\[${shape.join(', ')}\\] is larger than one storage binding .*so is each of its slabs`));
    expect(() => wg.where(big, big, 0)).toThrow(named('where: the result', shape));
    const labels = wg.tensor(new Int32Array(rows), [rows], { dtype: 'int32' });
    expect(() => wg.nllLoss(big, labels)).toThrow(named('nllLoss: logProbs', shape));
    labels.dispose();
    const plane = big.reshape([1, 1, rows * 1024, 1024]);
    expect(() => wg.avgPool2d(plane, { kernelSize: 2 })).toThrow(unsplittable('avgPool2d: x', [...plane.shape], 'planes'));
    expect(() => wg.batchNorm(plane, null, null, null, null, { training: true })).toThrow(
      new RegExp(`batchNorm: x \\[${plane.shape.join(', ')}\\] is larger than one storage binding .*so is each of its samples`),
    );
    plane.dispose();
    const small = wg.zeros([1, 2 ** 20]);
    expect(() => wg.cat([big, small])).toThrow(spanned('cat: the result', [rows + 1, 2 ** 20]));
    small.dispose();
    big.dispose();
    expect(wg.memory().liveBuffers).toBe(before);
    const x = wg.tensor([1, 2, 3], [3]);
    expect(Array.from(await wg.slice(x, [[1, 3]]).toArray())).toEqual([2, 3]);
    x.dispose();
  }, 120_000);
});

describe('device lifecycle', () => {
  it('toString() after release() names the state; after resetParameters() it shows no stale values', async () => {
    const bn = new wg.nn.BatchNorm2d(2);
    const x = wg.tensor([1, 2, 3, 4, 5, 6, 7, 8], [2, 2, 2, 1]);
    bn.forward(x).dispose();
    const moved = Array.from(await bn.runningMean.toArray());
    expect(moved.every((v) => v !== 0)).toBe(true);
    expect(String(bn.runningMean)).toMatch(/^Tensor\(\[2\], float32, \[/);
    bn.resetParameters();
    expect(String(bn.runningMean)).toBe('Tensor([2], float32)');
    expect(Array.from(await bn.runningMean.toArray())).toEqual([0, 0]);
    x.dispose();
    const t = bn.runningMean;
    expect(String(t)).toBe('Tensor([2], float32, [0, 0])');
    await wg.release();
    expect(String(t)).toBe('Tensor([2], float32, released)');
    await setupDevice();
    expect(String(t)).toBe('Tensor([2], float32, released)');
  });

  it("the Node entry's init() checks its options first, with a device already made or not", async () => {
    const cases: [unknown, RegExp][] = [
      [{ gemm: 'fast' }, /init: gemm must be one of 'registers', 'workgroup', 'texture', got "fast"/],
      [{ autotune: 3 }, /init: autotune must be true, false or \{ file \}, got 3/],
      [null, /init: options must be an object, got null/],
    ];
    for (const [options, message] of cases) await expect(wg.init(options as never)).rejects.toThrow(message);
    await wg.release();
    for (const [options, message] of cases) await expect(wg.init(options as never)).rejects.toThrow(message);
    expect(() => wg.memory()).toThrow(/no device/);
    await setupDevice();
  });

  it('an init() whose autotune file is corrupt warns once and starts without it (a cache, not a source of truth)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'webgrad-tune-'));
    const file = join(dir, 'tuning.json');
    writeFileSync(file, '{ not json');
    await wg.release();
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    try {
      await wg.init({ autotune: { file }, compileNotice: false });
      expect(warn.mock.calls.map((c) => String(c[0]))).toEqual([expect.stringMatching(/ignoring the tuning file .*tuning\.json, which is corrupt/)]);
      expect(await wg.sum(wg.ones([3])).item()).toBe(3);
    } finally {
      warn.mockRestore();
      rmSync(dir, { recursive: true, force: true });
      await wg.release();
    }
    await setupDevice();
    expect(await wg.sum(wg.ones([3])).item()).toBe(3);
  });

  it('after release(), old tensors are invalid, dispose() is a no-op and none of their buffers reach the new device', async () => {
    const old = wg.ones([64]);
    const other = wg.ones([64]);
    // A model with gradients and a loss whose graph tidy() left held: all of it disposed after release() too.
    const model = new wg.nn.Linear(3, 2, { seed: 1 });
    const x = wg.ones([4, 3]);
    wg.tidy(() => wg.crossEntropy(model.forward(x), [0, 1, 1, 0]).backward());
    const held = wg.tidy(() => wg.crossEntropy(model.forward(x), [0, 1, 1, 0]));
    await wg.release();
    // Between release() and init() nothing runs, each call saying why.
    expect(() => wg.ones([1])).toThrow(/no device; call `await init\(\)` first/);
    expect(() => wg.memory()).toThrow(wg.WebgradError);
    await expect(other.toArray()).rejects.toThrow(/made on a device that release\(\) has destroyed/);
    other.dispose();
    await wg.init({ poison: true });
    const before = wg.memory();
    expect(old.released).toBe(true);
    await expect(old.toArray()).rejects.toThrow(/made on a device that release\(\) has destroyed/);
    expect(() => wg.add(old, 1)).toThrow(/add: a: a tensor of shape \[64\] was made on a device that release\(\) has destroyed/);
    old.dispose();
    other.dispose();
    for (const t of [held, x]) t.dispose();
    model.dispose();
    expect(wg.memory()).toEqual(before);
    // Nothing is reported later either: the new device's next readback is clean, and nothing was freed twice.
    const fresh = wg.ones([64]);
    const total = wg.sum(fresh);
    expect(await total.item()).toBe(64);
    total.dispose();
    expect(wg.memory().liveBuffers).toBe(before.liveBuffers + 1);
    fresh.dispose();
  });
});
