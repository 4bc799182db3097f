// A lost GPU device (a driver reset, a browser reclaiming the GPU; here device.destroy()): the next
// op or readback says so with a DeviceError, init() gives a new device, the old tensors refuse use,
// and a loop reloaded from its checkpoint goes on with the losses of a run that never failed.
import { beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as wg from '../../src/node.js';
import { runtime } from '../../src/device/current.js';
import { setupDevice } from '../helpers.js';
import { fakeGpu, NVIDIA_LIMITS } from '../fake-gpu.js';

beforeAll(setupDevice);

const ADVICE = /the GPU device was lost \(destroyed: .*\); its tensors, models' weights and optimizer state are gone\. Call `await init\(\)` again for a new device, then reload the model and optimizer from their last checkpoint/;

/** What a browser's driver reset does to the device, as a test can: destroys it behind the library's back. */
const loseDevice = () => runtime().gpu.device.destroy();

function model(): wg.nn.Sequential {
  return new wg.nn.Sequential(new wg.nn.Linear(4, 8, { seed: 1 }), new wg.nn.ReLU(), new wg.nn.Linear(8, 3, { seed: 2 }));
}

const x = () => wg.rand([6, 4], { seed: 3 });
const labels = [0, 1, 2, 2, 1, 0];

/** One SGD step; returns its loss's value. */
async function step(net: wg.nn.Module, opt: wg.optim.SGD, input: wg.Tensor): Promise<number> {
  opt.zeroGrad();
  const loss = wg.tidy(() => wg.crossEntropy(net.forward(input), labels));
  loss.backward();
  opt.step();
  const value = await loss.item();
  loss.dispose();
  return value;
}

describe('a lost device', () => {
  it('rejects a pending readback with a DeviceError that says what to do; then every op and old tensor refuses, and init() gives a working device', async () => {
    const t = wg.ones([64]);
    const doubled = wg.mul(t, 2);
    const pending = doubled.toArray();
    loseDevice();
    const error = await pending.then(() => null, (e: Error) => e);
    expect(error).toBeInstanceOf(wg.DeviceError);
    expect(error!.message).toMatch(ADVICE);
    // Every later use says the same, before any GPU work: ops that allocate, ops on old tensors, readbacks.
    expect(() => wg.ones([2])).toThrow(wg.DeviceError);
    expect(() => wg.ones([2])).toThrow(ADVICE);
    expect(() => wg.add(t, 1)).toThrow(/^webgrad: add: a: a tensor of shape \[64\] was made on a GPU device that was lost: the GPU device was lost/);
    await expect(t.toArray()).rejects.toThrow(wg.DeviceError);
    await expect(wg.sync()).rejects.toThrow(ADVICE);
    expect(t.released).toBe(true);
    expect(t.deviceLost).toBeInstanceOf(wg.DeviceError);
    expect(String(t)).toBe('Tensor([64], float32, released)');
    // init() again: a new device that works; the old tensors still refuse, and disposing them is harmless.
    await setupDevice();
    const fresh = wg.add(wg.ones([3]), 1);
    expect(Array.from(await fresh.toArray())).toEqual([2, 2, 2]);
    expect(() => wg.add(t, 1)).toThrow(/a tensor of shape \[64\] was made on a GPU device that was lost/);
    const live = wg.memory().liveBuffers;
    t.dispose();
    doubled.dispose();
    expect(wg.memory().liveBuffers).toBe(live);
    fresh.dispose();
  });

  it("a readback whose mapAsync never settles (as a browser's may on a lost device) rejects when the loss is reported", async () => {
    await wg.release();
    // A simulated device whose readbacks hang and whose loss the test reports.
    const fake = fakeGpu(NVIDIA_LIMITS);
    const device = (await (await fake.gpu.requestAdapter())!.requestDevice()) as unknown as Record<string, unknown>;
    let lose!: (info: { reason: string; message: string }) => void;
    device.lost = new Promise((resolve) => (lose = resolve));
    const create = device.createBuffer as (d: GPUBufferDescriptor) => Record<string, unknown>;
    device.createBuffer = (d: GPUBufferDescriptor) => ({ ...create(d), mapAsync: () => new Promise(() => undefined) });
    await wg.init({ gpu: fake.gpu });
    try {
      const pending = wg.ones([4]).toArray();
      setTimeout(() => lose({ reason: 'unknown', message: 'the driver was reset' }), 50);
      await expect(pending).rejects.toThrow(/^webgrad: the GPU device was lost \(unknown: the driver was reset\); its tensors/);
    } finally {
      await wg.release();
      await setupDevice();
    }
  });

  it('a loss seen before any readback: the next op that allocates throws it', async () => {
    const t = wg.ones([4]);
    loseDevice();
    // The device reports its loss asynchronously; once it has, nothing runs on it.
    await runtime().gpu.device.lost;
    await new Promise((resolve) => setTimeout(resolve, 0));
    expect(() => wg.zeros([4])).toThrow(ADVICE);
    expect(() => wg.flush()).toThrow(ADVICE);
    expect(() => wg.relu(t)).toThrow(/relu: x: a tensor of shape \[4\] was made on a GPU device that was lost/);
    await setupDevice();
  });

  it('a loop reloaded from its checkpoint after the loss takes the same next steps as one that never failed', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'webgrad-lost-'));
    const file = join(dir, 'checkpoint.safetensors');
    // Uninterrupted: 5 steps.
    await wg.release();
    await setupDevice();
    let net = model();
    let opt = new wg.optim.SGD(net.parameters(), { lr: 0.1, momentum: 0.9 });
    let input = x();
    const whole: number[] = [];
    for (let i = 0; i < 5; i++) whole.push(await step(net, opt, input));
    net.dispose();
    opt.dispose();
    input.dispose();

    // The same, checkpointed after step 2, with the device lost during step 4's readback.
    await wg.release();
    await setupDevice();
    net = model();
    opt = new wg.optim.SGD(net.parameters(), { lr: 0.1, momentum: 0.9 });
    input = x();
    const got: number[] = [];
    for (let i = 0; i < 2; i++) got.push(await step(net, opt, input));
    const sgd = opt.stateDict();
    await wg.saveSafetensors(file, { ...prefixed('model.', net.stateDict()), ...prefixed('optimizer.', sgd.tensors) }, { step: String(sgd.step) });
    got.push(await step(net, opt, input));
    opt.zeroGrad();
    const loss = wg.tidy(() => wg.crossEntropy(net.forward(input), labels));
    loss.backward();
    opt.step();
    const read = loss.item();
    loseDevice();
    await expect(read).rejects.toThrow(ADVICE);

    // init(), rebuild, reload, go on from step 3.
    await setupDevice();
    net = model();
    opt = new wg.optim.SGD(net.parameters(), { lr: 0.1, momentum: 0.9 });
    input = x();
    const saved = await wg.loadSafetensors(file);
    net.loadStateDict(unprefixed('model.', saved.tensors));
    opt.loadStateDict({ step: Number(saved.metadata.step), tensors: unprefixed('optimizer.', saved.tensors) });
    for (const t of Object.values(saved.tensors)) t.dispose();
    const resumed = got.slice(0, 2);
    for (let i = 2; i < 5; i++) resumed.push(await step(net, opt, input));
    expect(got[2]).toBe(whole[2]);
    expect(resumed).toEqual(whole);
    net.dispose();
    opt.dispose();
    input.dispose();
    rmSync(dir, { recursive: true, force: true });
  });
});

function prefixed(prefix: string, tensors: Record<string, wg.Tensor>): Record<string, wg.Tensor> {
  return Object.fromEntries(Object.entries(tensors).map(([k, v]) => [prefix + k, v]));
}

function unprefixed(prefix: string, tensors: Record<string, wg.Tensor>): Record<string, wg.Tensor> {
  return Object.fromEntries(Object.entries(tensors).filter(([k]) => k.startsWith(prefix)).map(([k, v]) => [k.slice(prefix.length), v]));
}
