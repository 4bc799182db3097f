import { beforeAll, describe, expect, it, vi } from 'vitest';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeSafetensors, DeviceError, Tensor, withPolicy } from '../../src/index.js';
import { parseConfig, ConfigError, type Config } from '../../examples/alexnet-cifar/config.js';
import { NonFiniteLossError, train } from '../../examples/alexnet-cifar/train.js';
import { CHECKPOINT_FILE } from '../../examples/alexnet-cifar/checkpoint.js';
import { parseMetricsCsv } from '../../examples/alexnet-cifar/report/index.js';
import { expectClose, setupDevice } from '../helpers.js';
import { runtime } from '../../src/device/current.js';
import { writeSyntheticMini } from '../cifar-fixture.js';

/** A synthetic stand-in for the mini CIFAR-10 archive (learnable classes), built in beforeAll. */
const mini = join(mkdtempSync(join(tmpdir(), 'webgrad-alexnet-data-')), 'cifar10-mini.tar.gz');
const quiet = () => undefined;

// alexnet-small costs about 1.1 GFLOP per training image: on lavapipe a 16-image step takes
// seconds, so these runs are as short as each check allows.
const LONG = 600_000;

/** A tiny alexnet-small run on the mini subset. */
function config(overrides: Partial<Config>): Config {
  const parsed = parseConfig(['--model', 'alexnet-small', '--data', mini, '--train-subset', '32', '--test-subset', '10', '--batch', '16'])!;
  return { ...parsed.config, out: mkdtempSync(join(tmpdir(), 'webgrad-alexnet-')), ...overrides };
}

const stepLosses = (dir: string): number[] =>
  readFileSync(join(dir, 'steps.jsonl'), 'utf8').trim().split('\n').map((line) => JSON.parse(line).loss as number);

beforeAll(async () => {
  await setupDevice();
  await writeSyntheticMini(mini);
});

describe('examples/alexnet-cifar', () => {
  it('parses flags into the reference configuration and refuses bad ones', () => {
    const { config: c } = parseConfig([])!;
    expect([c.model, c.epochs, c.batch, c.lr, c.momentum, c.weightDecay, c.dropout, c.init]).toEqual(['alexnet', 20, 128, 0.01, 0.9, 5e-4, 0.5, 'kaiming']);
    expect(parseConfig(['--model', 'alexnet-small'])!.config.init).toBe('kaiming');
    // The reference program's own network keeps its PyTorch initialisation and fixed means.
    const seed = parseConfig(['--model', 'alexnet-seed'])!.config;
    expect([seed.init, seed.mean, seed.batch, seed.lr]).toEqual(['torch', [0.4915, 0.4823, 0.4468], 128, 0.01]);
    expect(parseConfig(['--model', 'alexnet-seed', '--init', 'pattern', '--mean', '0.5,0.5,0.5'])!.config).toMatchObject({ init: 'pattern', mean: [0.5, 0.5, 0.5] });
    expect(c.mean).toBeNull();
    expect(() => parseConfig(['--init', 'xavier'])).toThrow(/--init must be one of torch, kaiming, paper, pattern/);
    expect(parseConfig(['--augment', 'crop,flip,pca'])!.config.augment).toEqual(['crop', 'flip', 'pca']);
    expect(parseConfig(['--help'])).toBeNull();
    // Dawn's robustness: on unless asked, and a resumed run keeps the choice it was started with.
    expect(c.robustness).toBe(true);
    const fast = parseConfig(['--no-robustness'])!.config;
    expect(fast.robustness).toBe(false);
    expect(parseConfig(['--resume', 'run'], fast)!.config.robustness).toBe(false);
    // The kernel policy: the adapter's unless asked.
    expect([c.gemm, c.conv]).toEqual([null, null]);
    expect(parseConfig(['--conv', 'im2col', '--gemm', 'registers'])!.config).toMatchObject({ conv: 'im2col', gemm: 'registers' });
    expect(() => parseConfig(['--conv', 'direct'])).toThrow(/--conv must be one of implicit, im2col, winograd, got 'direct'/);
    // The GEMM autotuner's tables: in memory unless a file is given (a lease's runs share one).
    expect(c.autotuneFile).toBeNull();
    expect(parseConfig(['--autotune-file', '/tmp/tune.json'])!.config.autotuneFile).toBe('/tmp/tune.json');
    expect(() => parseConfig(['--autotune-file'])).toThrow(ConfigError);
    expect(() => parseConfig(['--batch', '0'])).toThrow(ConfigError);
    expect(() => parseConfig(['--augment', 'rotate'])).toThrow(/--augment must be one of crop, flip, pca/);
    expect(() => parseConfig(['--bogus'])).toThrow(ConfigError);
  });

  it('a short alexnet-small run on the mini subset lowers its loss and writes outputs that parse', async () => {
    const c = config({ epochs: 3, order: 'sequential' });
    const result = await train(c, quiet);
    expect(result.epochs.map((e) => e.epoch)).toEqual([1, 2, 3]);
    expect(result.epochs[2].trainLoss).toBeLessThan(result.epochs[0].trainLoss);
    const csv = parseMetricsCsv(readFileSync(join(c.out!, 'metrics.csv'), 'utf8'));
    expect(csv.map((e) => e.epoch)).toEqual([1, 2, 3]);
    for (const e of csv) {
      expect(e.testAccuracy).toBeGreaterThanOrEqual(0);
      expect(e.testAccuracy).toBeLessThanOrEqual(1);
      expect(Number.isFinite(e.testLoss)).toBe(true);
    }
    expect(stepLosses(c.out!)).toHaveLength(6);
    expect(readFileSync(join(c.out!, 'curves.svg'), 'utf8')).toMatch(/<svg[\s\S]*epoch[\s\S]*<\/svg>\s*$/);
    expect(existsSync(join(c.out!, 'confusion.svg'))).toBe(true);
    expect(JSON.parse(readFileSync(join(c.out!, 'config.json'), 'utf8')).model).toBe('alexnet-small');
    const checkpoint = decodeSafetensors(readFileSync(join(c.out!, CHECKPOINT_FILE)));
    const names = Object.keys(checkpoint.tensors);
    expect(names).toContain('model.features.0.weight');
    expect(names).toContain('optimizer.state.0.momentum_buffer');
    expect(JSON.parse(checkpoint.metadata.progress)).toMatchObject({ epoch: 4, batch: 0, globalStep: 6 });
  }, LONG);

  it('--resume continues at the same step with the same next losses as an uninterrupted run', async () => {
    // 4 steps an epoch; stopping at step 1 and resuming to step 3 stays inside epoch 1.
    const base = { epochs: 1, trainSubset: 64, augment: ['crop', 'flip'] as Config['augment'] };
    const whole = config({ ...base, maxSteps: 3 });
    await train(whole, quiet);
    const part = config({ ...base, maxSteps: 1 });
    const first = await train(part, quiet);
    expect(first.stoppedEarly).toBe(true);
    await train({ ...part, maxSteps: 3, resume: part.out }, quiet);
    const expected = stepLosses(whole.out!);
    expect(expected).toHaveLength(3);
    expect(stepLosses(part.out!)).toEqual(expected);
  }, LONG);

  it('a device lost at step 4 stops the run with a DeviceError; init() and --resume go on from the last checkpoint with the losses of a run that never failed', async () => {
    // 2 steps of 8 images an epoch, 2 epochs; the checkpoint after epoch 1 stands at step 2.
    const base = { epochs: 2, order: 'sequential' as const, batch: 8, trainSubset: 16, testSubset: 8 };
    const whole = config(base);
    const uninterrupted = await train(whole, quiet);
    const c = config(base);
    // As a driver reset would: the device goes when step 3's loss is read, with step 4 submitted.
    let armed = false;
    const item = Tensor.prototype.item;
    const spy = vi.spyOn(Tensor.prototype, 'item').mockImplementation(function (this: Tensor) {
      if (armed) {
        armed = false;
        runtime().gpu.device.destroy();
      }
      return item.call(this);
    });
    const arm = (line: string) => {
      if (line.startsWith('epoch 1:')) armed = true;
    };
    const error = await train(c, arm).then(() => null, (e: Error) => e).finally(() => spy.mockRestore());
    expect(error).toBeInstanceOf(DeviceError);
    expect(error!.message).toMatch(/the GPU device was lost .*Call `await init\(\)` again for a new device, then reload the model and optimizer from their last checkpoint/);
    expect(JSON.parse(decodeSafetensors(readFileSync(join(c.out!, CHECKPOINT_FILE))).metadata.progress)).toMatchObject({ epoch: 2, batch: 0, globalStep: 2 });
    expect(stepLosses(c.out!)).toHaveLength(2);
    await setupDevice();
    const resumed = await train({ ...c, resume: c.out }, quiet);
    const expected = stepLosses(whole.out!);
    expect(expected).toHaveLength(4);
    expect(stepLosses(c.out!)).toEqual(expected);
    const summary = (r: typeof resumed) => r.epochs.map((e) => [e.epoch, e.trainLoss, e.testLoss, e.testAccuracy]);
    expect(summary(resumed)).toEqual(summary(uninterrupted));
  }, LONG);

  it("an epoch's training is checkpointed before its evaluation, and --resume then only evaluates", async () => {
    const base = { epochs: 1, order: 'sequential' as const };
    const whole = await train(config(base), quiet);
    const c = config(base);
    // Stands for a crash after the epoch's training: the log line that follows its evaluation throws.
    const crash = (line: string) => {
      if (line.startsWith('epoch 1:')) throw new Error('crash');
    };
    await expect(train(c, crash)).rejects.toThrow('crash');
    const saved = decodeSafetensors(readFileSync(join(c.out!, CHECKPOINT_FILE)));
    expect(JSON.parse(saved.metadata.progress)).toMatchObject({ epoch: 1, batch: 2, globalStep: 2, epochTrain: { seen: 32 } });
    const resumed = await train({ ...c, resume: c.out }, quiet);
    expect(stepLosses(c.out!)).toHaveLength(2);
    const [a, b] = [resumed.epochs[0], whole.epochs[0]];
    expect([a.epoch, a.trainLoss, a.testLoss, a.testAccuracy]).toEqual([b.epoch, b.trainLoss, b.testLoss, b.testAccuracy]);
  }, LONG);

  it('a batch whose activations exceed one storage binding runs as micro-batches and takes the same steps', async () => {
    const base = { epochs: 1, maxSteps: 3, dropout: 0, trainSubset: 48 };
    const whole = config(base);
    await train(whole, quiet);
    // alexnet-small's conv1 output is 256 KiB an image: a 2 MiB limit makes 16-image batches two of 8.
    const split = config(base);
    await withPolicy({ bindingLimit: 2 * 2 ** 20 }, () => train(split, quiet));
    expectClose(stepLosses(split.out!), stepLosses(whole.out!), 1e-4, 1e-5);
  }, LONG);

  it('stops with a clear error when the loss stops being finite, keeping the last good checkpoint', async () => {
    const c = config({ epochs: 3, lr: 1e12, trainSubset: 16 });
    const error = await train(c, quiet).then(
      () => null,
      (e: Error) => e,
    );
    expect(error).toBeInstanceOf(NonFiniteLossError);
    const match = /(?:loss became (?:NaN|Infinity|-Infinity)|weights became non-finite \(\S+\)) (?:at step (\d+)|after epoch (\d+))/.exec(error!.message);
    expect(match, error!.message).not.toBeNull();
    const path = join(c.out!, CHECKPOINT_FILE);
    if (existsSync(path)) {
      // What was saved came before the failure and holds finite values only.
      const saved = decodeSafetensors(readFileSync(path));
      const progress = JSON.parse(saved.metadata.progress);
      if (match![1]) expect(progress.globalStep).toBeLessThan(Number(match![1]));
      else expect(progress.epoch).toBeLessThanOrEqual(Number(match![2]));
      for (const [name, t] of Object.entries(saved.tensors)) expect(t.data.every(Number.isFinite), name).toBe(true);
    }
  }, LONG);
});
