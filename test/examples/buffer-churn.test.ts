// The faithful AlexNet's training step at batch 128, as the example trains it, run by the whole
// library on a simulated NVIDIA adapter (test/fake-gpu.ts: its limits, no GPU, no memory behind
// the buffers): the buffers each step creates are counted without allocating its gigabytes.
import { beforeAll, describe, expect, it } from 'vitest';
import { crossEntropy, flush, keep, memory, optim, tidy } from '../../src/index.js';
import { init } from '../../src/node.js';
import { runtime } from '../../src/device/current.js';
import { AlexNet } from '../../examples/alexnet-cifar/models.js';
import { prepareBatch } from '../../examples/alexnet-cifar/data/pipeline.js';
import { fakeGpu, NVIDIA_LIMITS } from '../fake-gpu.js';

const fake = fakeGpu(NVIDIA_LIMITS);
beforeAll(async () => {
  await init({ gpu: fake.gpu });
});

const GiB = 2 ** 30;

describe('buffer churn on a simulated NVIDIA adapter', () => {
  it('the faithful AlexNet step at batch 128 creates no buffer after its third step', async () => {
    expect(runtime().gpu.info.software).toBe(false);
    expect(runtime().maxStorageBinding).toBe(2 ** 31 - 4);
    const batch = 128;
    const model = new AlexNet('alexnet', { init: 'kaiming', seed: 1 });
    const opt = new optim.SGD(model.parameters(), { lr: 0.01, momentum: 0.9, weightDecay: 5e-4 });
    // CIFAR-sized images, resized to 224 on the GPU by the example's input pipeline.
    const split = { images: new Uint8Array(batch * 3072).map((_, i) => i % 251), labels: new Uint8Array(batch).map((_, i) => i % 10), count: batch };
    const indices = Uint32Array.from({ length: batch }, (_, i) => i);
    const input = { outSize: 224, mean: [0.49, 0.48, 0.45], augment: { padding: 4, flip: true } };
    const steps: { buffers: number; bytes: number; live: number; liveBytes: number }[] = [];
    for (let step = 0; step < 6; step++) {
      const before = memory();
      const sizesBefore = fake.log.buffers.length;
      opt.zeroGrad();
      const loss = tidy(() => {
        const { x, labels } = prepareBatch(split, indices, input, step);
        const l = crossEntropy(model.forward(x), labels);
        l.backward();
        return l;
      });
      opt.step();
      keep(loss);
      flush();
      await loss.item();
      loss.dispose();
      const after = memory();
      steps.push({ buffers: after.createdBuffers - before.createdBuffers, bytes: after.createdBytes - before.createdBytes, live: after.liveBuffers, liveBytes: after.liveBytes });
      // memory() counts what the device was asked for.
      const asked = fake.log.buffers.slice(sizesBefore);
      expect(asked.length).toBe(steps[step].buffers);
      expect(asked.reduce((a, b) => a + b, 0)).toBe(steps[step].bytes);
    }
    // The simulation is the real thing in size: gigabytes of buffers come and go in a step (about
    // 2 GiB with the implicit-GEMM convolution, which stores no column matrices).
    expect(steps[0].bytes).toBeGreaterThan(1.5 * GiB);
    for (const s of steps.slice(3)) expect(s).toEqual({ buffers: 0, bytes: 0, live: steps[2].live, liveBytes: steps[2].liveBytes });
    // What the pool holds stays within its bound: twice the most bytes ever live (1.9 GiB here), or
    // that peak and 2 GiB, whichever is more.
    const m = memory();
    expect(m.peakLiveBytes).toBeGreaterThan(1.5 * GiB);
    expect(m.liveBytes + m.freeBytes).toBeLessThanOrEqual(Math.max(2 * m.peakLiveBytes, m.peakLiveBytes + 2 * GiB));
    model.dispose();
    opt.dispose();
  });
});
