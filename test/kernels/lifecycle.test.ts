// The device's lifecycle: release(), init() again, options checked first, a corrupt autotune file.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import * as wg from '../../src/node.js';
import { setupDevice } from '../helpers.js';

beforeAll(setupDevice);

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
