import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { logSoftmax, memory, nllLoss, optim, tensor, tidy } from '../../src/index.js';
import { ResNet } from '../../examples/cifar-resnet/model.js';
import { randomValues, setupDevice } from '../helpers.js';
import { writeSyntheticMini } from '../cifar-fixture.js';

beforeAll(setupDevice);

describe('examples/cifar-resnet', () => {
  it('trains with Adam and batch norm: loss falls on a fixed batch, memory stays flat, eval uses running statistics', async () => {
    const model = new ResNet({ width: 4, seed: 3 });
    const keys = Object.keys(model.stateDict());
    expect(keys).toContain('stem.1.running_var');
    expect(keys).toContain('stages.1.shortcut.1.num_batches_tracked');
    const opt = new optim.Adam(model.parameters(), { lr: 0.01 });
    const x = tensor(randomValues(4 * 3 * 32 * 32, 7), [4, 3, 32, 32]);
    const labels = [0, 3, 7, 3];
    const losses: number[] = [];
    let live = 0;
    for (let step = 0; step < 4; step++) {
      const loss = tidy(() => {
        const l = nllLoss(logSoftmax(model.forward(x), 1), labels);
        opt.zeroGrad();
        l.backward();
        opt.step();
        return l;
      });
      losses.push(await loss.item());
      loss.dispose();
      if (step === 1) live = memory().liveBuffers;
    }
    expect(memory().liveBuffers).toBe(live);
    expect(losses[3]).toBeLessThan(losses[0]);
    model.eval();
    const a = await tidy(() => model.forward(x)).toArray();
    const b = await tidy(() => model.forward(x)).toArray();
    expect(Array.from(a)).toEqual(Array.from(b));
    opt.dispose();
    model.dispose();
  }, 120_000);

  it('runs from the command line in Node (its init() is the Node entry\'s)', async () => {
    const root = mkdtempSync(join(tmpdir(), 'webgrad-resnet-'));
    const mini = join(root, 'cifar10-mini.tar.gz');
    await writeSyntheticMini(mini);
    const main = join(import.meta.dirname, '..', '..', 'examples', 'cifar-resnet', 'main.ts');
    const tsx = join(import.meta.dirname, '..', '..', 'node_modules', '.bin', 'tsx');
    const args = ['--data', mini, '--epochs', '1', '--batch', '4', '--width', '2', '--train-subset', '4', '--test-subset', '4'];
    const { code, stdout, stderr } = await new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
      execFile(tsx, [main, ...args], { cwd: root, timeout: 300_000 }, (error, stdout, stderr) => {
        resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stdout, stderr });
      });
    });
    rmSync(root, { recursive: true, force: true });
    expect(stderr).not.toMatch(/NoAdapterError|navigator\.gpu/);
    expect(code, stderr).toBe(0);
    expect(stdout).toMatch(/^adapter: /m);
    expect(stdout).toMatch(/accuracy/i);
  }, 300_000);
});
