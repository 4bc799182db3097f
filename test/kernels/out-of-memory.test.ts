// Out of memory: an allocation past the memory limit the pool believes (init's or withPolicy's
// memoryLimit, lowered here as bindingLimit is to try the big-tensor paths) gets the pool's free
// buffers back and tries again, then refuses with a WebgradError before any state changes; after
// the user disposes tensors the next allocation succeeds. The device's own out-of-memory error
// (simulated: test/fake-gpu.ts) is reported at the next flush, naming the bytes and memory in use.
import { beforeAll, describe, expect, it } from 'vitest';
import * as wg from '../../src/node.js';
import { runtime } from '../../src/device/current.js';
import { fakeGpu, NVIDIA_LIMITS } from '../fake-gpu.js';
import { setupDevice } from '../helpers.js';

const KiB = 1024;

beforeAll(setupDevice);

describe('out of memory under the memory limit the pool believes', () => {
  it('refuses an allocation over the limit with the op, shape, bytes and memory in use, leaving nothing behind; after dispose() it succeeds', async () => {
    const x = wg.full([16 * KiB], 1.5); // 64 KiB
    const limit = Math.ceil(wg.memory().liveBytes / 256) * 256 + 96 * KiB;
    await wg.withPolicy({ memoryLimit: limit }, async () => {
      const a = wg.ones([8 * KiB]); // 32 KiB
      const before = wg.memory();
      // add(x, 1) makes the scalar 1 a tensor (16 bytes) before its output: it is freed when the output is refused.
      const scalar = 16;
      let error: Error | null = null;
      try {
        wg.add(x, 1); // 64 KiB more: 160 KiB > 96 KiB
      } catch (e) {
        error = e as Error;
      }
      expect(error).toBeInstanceOf(wg.WebgradError);
      expect(error!.message).toMatch(
        new RegExp(
          `^webgrad: add: a float32 tensor of shape \\[16384\\]: out of GPU memory: its 65536 bytes \\(65536 pooled\\) do not fit the memory limit of ${limit} bytes ` +
            `with ${before.liveBytes + scalar} bytes in use by ${before.liveBuffers + 1} live buffers \\(the pool's free buffers were given back first\\)\\. Dispose tensors no longer needed`,
        ),
      );
      // Nothing was allocated or recorded for the refused op.
      expect(wg.memory().liveBuffers).toBe(before.liveBuffers);
      expect(wg.memory().liveBytes).toBe(before.liveBytes);
      // Tensors made outside the limit's reach still read back; after disposing a, the op fits.
      a.dispose();
      const y = wg.add(x, 1);
      expect(Array.from(await y.toArray()).every((v) => v === 2.5)).toBe(true);
      y.dispose();
    });
    x.dispose();
  });

  it("gives back the pool's free buffers and retries before refusing", async () => {
    const pool = runtime().bufferPool;
    pool.trim();
    // Limits are multiples of 256 bytes: the test's sizes sit above the live bytes rounded up.
    const base = Math.ceil(wg.memory().liveBytes / 256) * 256;
    // Free buffers of another size class, 3 × 32 KiB, kept by the pool.
    const held = wg.tidy(() => [wg.ones([8 * KiB]), wg.ones([8 * KiB]), wg.ones([8 * KiB])]);
    for (const t of held) t.dispose();
    expect(wg.memory().freeBytes).toBe(96 * KiB);
    // 64 KiB fits the 80 KiB limit only once the free 96 KiB are given back.
    await wg.withPolicy({ memoryLimit: base + 80 * KiB }, async () => {
      const big = wg.full([16 * KiB], 3);
      expect(wg.memory().freeBytes).toBeLessThanOrEqual(16 * KiB);
      expect(wg.memory().liveBytes).toBeLessThanOrEqual(base + 64 * KiB);
      expect(await wg.sum(big).item()).toBe(3 * 16 * KiB);
      big.dispose();
    });
  });

  it('every op tried under limits rising 256 bytes at a time is refused without leaving a buffer behind, until it fits', async () => {
    const a = wg.rand([33, 47], { seed: 1 });
    const img = wg.rand([2, 3, 9, 9], { seed: 3 });
    const w = wg.rand([4, 3, 3, 3], { seed: 4, requiresGrad: true });
    const b = wg.rand([47, 29], { seed: 2 });
    const labels = Array.from({ length: 33 }, (_, i) => i % 47);
    const index = wg.tensor(new Array(66).fill(1), [33, 2], { dtype: 'int32' });
    const target = wg.rand([33, 47], { seed: 5 });
    const cond = wg.lt(a, 0.5);
    const cases: [string, () => wg.Tensor][] = [
      ['add', () => wg.add(a, 1)],
      ['matmul', () => wg.matmul(a, b)],
      ['conv2d', () => wg.conv2d(img, w, null, { padding: 1 })],
      ['softmax', () => wg.softmax(a, 1)],
      ['crossEntropy', () => wg.crossEntropy(a, labels)],
      ['nllLoss', () => wg.nllLoss(a, labels)],
      ['mseLoss', () => wg.mseLoss(a, target)],
      ['countCorrect', () => wg.countCorrect(a, labels)],
      ['sum', () => wg.sum(a, 1)],
      ['max', () => wg.max(a, 1)],
      ['maxPool2d', () => wg.maxPool2d(img, 2)],
      ['batchNorm', () => wg.batchNorm(img, null, null, null, null, { training: true })],
      ['localResponseNorm', () => wg.localResponseNorm(img)],
      ['where', () => wg.where(cond, a, 0)],
      ['dropout', () => wg.dropout(a, { p: 0.5, seed: 1 })],
      ['indexSelect', () => wg.indexSelect(a, 1, [0, 2, 4])],
      ['gather', () => wg.gather(a, 1, index)],
      ['permute', () => wg.permute(img, [0, 2, 3, 1])],
      ['cat', () => wg.cat([a, a], 0)],
    ];
    for (const [name, op] of cases) {
      // From at most the bytes live already and no free buffer to reuse: the first try is always refused.
      runtime().bufferPool.trim();
      const floor = Math.floor(wg.memory().liveBytes / 256) * 256;
      let refusals = 0;
      for (let extra = 0; ; extra += 256) {
        const before = wg.memory();
        let out: wg.Tensor | null = null;
        try {
          out = wg.withPolicy({ memoryLimit: floor + extra }, op);
        } catch (e) {
          expect((e as Error).message, name).toMatch(/out of GPU memory/);
          refusals++;
        }
        if (out) {
          out.dispose();
          break;
        }
        expect(wg.memory().liveBuffers, `${name} refused under ${extra} bytes more`).toBe(before.liveBuffers);
        expect(wg.memory().liveBytes, name).toBe(before.liveBytes);
      }
      expect(refusals, name).toBeGreaterThan(0);
    }
    for (const t of [a, img, w, b, index, target, cond]) t.dispose();
  });

  it("an optimizer's first step refused for its state changes no parameter; after freeing memory it takes the step it would have", async () => {
    // Room for the first layer's state (its weight's 8 KiB a buffer, its bias's 256 bytes), not the second's.
    const cases: [(ps: wg.Tensor[]) => wg.optim.SGD | wg.optim.Adam, number][] = [
      [(ps) => new wg.optim.SGD(ps, { lr: 0.1, momentum: 0.9 }), 9 * KiB],
      [(ps) => new wg.optim.Adam(ps, { lr: 0.1, amsgrad: true }), 25 * KiB],
    ];
    for (const [make, room] of cases) {
      const run = async (limited: boolean) => {
        const net = new wg.nn.Sequential(new wg.nn.Linear(32, 64, { seed: 1 }), new wg.nn.ReLU(), new wg.nn.Linear(64, 8, { seed: 2 }));
        const opt = make(net.parameters());
        const x = wg.rand([4, 32], { seed: 3 });
        wg.tidy(() => wg.crossEntropy(net.forward(x), [0, 1, 2, 3]).backward());
        const before = await Promise.all(net.parameters().map((p) => p.toArray()));
        if (limited) {
          runtime().bufferPool.trim();
          const limit = Math.ceil(wg.memory().liveBytes / 256) * 256 + room;
          const live = wg.memory().liveBuffers;
          expect(() => wg.withPolicy({ memoryLimit: limit }, () => opt.step())).toThrow(/out of GPU memory/);
          expect(wg.memory().liveBuffers).toBe(live);
          const unchanged = await Promise.all(net.parameters().map((p) => p.toArray()));
          unchanged.forEach((v, i) => expect(v).toEqual(before[i]));
        }
        opt.step();
        const after = await Promise.all(net.parameters().map((p) => p.toArray()));
        net.dispose();
        opt.dispose();
        x.dispose();
        return after;
      };
      const expected = await run(false);
      const got = await run(true);
      got.forEach((v, i) => expect(v).toEqual(expected[i]));
    }
  });

  it('backward() refused for memory leaves the gradients and the graph as they were: it runs again once there is room', async () => {
    const gradsAfter = async (limited: boolean) => {
      const net = new wg.nn.Sequential(new wg.nn.Linear(32, 64, { seed: 1 }), new wg.nn.ReLU(), new wg.nn.Linear(64, 8, { seed: 2 }));
      const x = wg.rand([4, 32], { seed: 3 });
      // A gradient already there, as in gradient accumulation: the refused pass must not add to it.
      wg.tidy(() => wg.crossEntropy(net.forward(x), [3, 2, 1, 0]).backward());
      const first = await Promise.all(net.parameters().map((p) => p.grad!.toArray()));
      const loss = wg.tidy(() => wg.crossEntropy(net.forward(x), [0, 1, 2, 3]));
      if (limited) {
        runtime().bufferPool.trim();
        const live = wg.memory().liveBuffers;
        const limit = Math.ceil(wg.memory().liveBytes / 256) * 256 + 8 * KiB;
        expect(() => wg.withPolicy({ memoryLimit: limit }, () => loss.backward())).toThrow(/out of GPU memory/);
        expect(wg.memory().liveBuffers).toBe(live);
        const unchanged = await Promise.all(net.parameters().map((p) => p.grad!.toArray()));
        unchanged.forEach((v, i) => expect(v).toEqual(first[i]));
      }
      loss.backward();
      const grads = await Promise.all(net.parameters().map((p) => p.grad!.toArray()));
      loss.dispose();
      net.dispose();
      x.dispose();
      return grads;
    };
    const expected = await gradsAfter(false);
    const got = await gradsAfter(true);
    got.forEach((v, i) => expect(v).toEqual(expected[i]));
  });

  it('init({ memoryLimit }) takes a multiple of 256 bytes', async () => {
    await expect(wg.init({ memoryLimit: 1000 })).rejects.toThrow(/init: memoryLimit must be null or a positive multiple of 256 bytes, got 1000/);
    expect(() => wg.withPolicy({ memoryLimit: -256 }, () => 0)).toThrow(/withPolicy: memoryLimit must be null or a positive multiple of 256 bytes/);
  });
});

describe("the device's own out-of-memory error (simulated device)", () => {
  it('is reported at the next flush as a DeviceError naming the bytes and the memory in use', async () => {
    await wg.release();
    const fake = fakeGpu(NVIDIA_LIMITS, [], 1024 * KiB);
    await wg.init({ gpu: fake.gpu });
    try {
      const a = wg.zeros([64 * KiB]); // 256 KiB
      const b = wg.zeros([512 * KiB]); // 2 MiB: more than the device has
      // The error scope reports asynchronously (no wait at creation): it arrives before the next flush.
      await new Promise((resolve) => setTimeout(resolve, 0));
      expect(() => wg.flush()).toThrow(wg.DeviceError);
      expect(() => wg.flush()).toThrow(/^webgrad: out of GPU memory: the device could not create a buffer of 2097152 bytes, with 262144 bytes in use by 1 live tensor buffers \(fake GPU: out of memory creating a buffer of 2097152 bytes\)\. The device cannot go on/);
      a.dispose();
      b.dispose();
    } finally {
      await wg.release();
      await setupDevice();
    }
  });
});
