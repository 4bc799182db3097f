// Debug mode's leak check: tensors name the op that made them, and a loop whose live buffers grow at
// each optimizer step gets one warning naming the ops that made what outlived its step.
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import * as wg from '../../src/index.js';
import { randomValues, setupDeviceWith } from '../helpers.js';

beforeAll(() => setupDeviceWith({ debug: true }));
afterEach(() => vi.restoreAllMocks());

describe('init({ debug: true })', () => {
  it('records the op that made each tensor', () => {
    const a = wg.tensor([1, 2, 3]);
    expect(a.createdBy).toBe('tensor');
    expect(wg.add(a, 1).createdBy).toBe('add');
    expect(a.mul(a).createdBy).toBe('mul');
    const layer = new wg.nn.Linear(3, 2, { seed: 1 });
    expect(layer.forward(wg.tensor([[1, 2, 3]])).createdBy).toBe('Linear.forward');
    expect(wg.tidy(() => wg.relu(wg.neg(a))).createdBy).toBe('relu');
  });

  it('says nothing for a loop in tidy(), and warns once, naming the ops, for one that leaks', () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    const model = new wg.nn.Linear(4, 3, { seed: 2 });
    const opt = new wg.optim.SGD(model.parameters(), { lr: 0.1 });
    const x = wg.tensor(randomValues(8, 3), [2, 4]);
    const y = wg.tensor([0, 2], { dtype: 'int32' });
    for (let step = 0; step < 6; step++) {
      wg.tidy(() => {
        const loss = wg.crossEntropy(model.forward(x), y);
        opt.zeroGrad();
        loss.backward();
        opt.step();
      });
    }
    expect(warn).not.toHaveBeenCalled();
    // As written in PyTorch: the loss, the logits and their graph are never disposed.
    for (let step = 0; step < 6; step++) {
      const loss = wg.crossEntropy(model.forward(x), y);
      opt.zeroGrad();
      loss.backward();
      opt.step();
    }
    expect(warn).toHaveBeenCalledTimes(1);
    const message = String(warn.mock.calls[0][0]);
    expect(message).toMatch(/live GPU buffers grew at each of the last 3 optimizer steps \(\d+ → \d+ → \d+ → \d+\)/);
    expect(message).toMatch(/made by: .*crossEntropy \(\d+\)/);
    expect(message).toMatch(/Linear\.forward \(\d+\)/);
    expect(message).toMatch(/run each step inside tidy\(\)/);
  });

  it('init refuses a debug that is not a boolean', async () => {
    await expect(wg.init({ debug: 'yes' as never })).rejects.toThrow(/init: debug must be true or false, got "yes"/);
  });

  it('WEBGRAD_DEBUG=1 turns it on in Node', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'webgrad-debug-'));
    const script = join(dir, 'run.mts');
    const node = join(import.meta.dirname, '..', '..', 'src', 'node.ts');
    writeFileSync(script, `import * as wg from ${JSON.stringify(node)};\nawait wg.init();\nconsole.log('made by', wg.zeros([2]).createdBy);\nawait wg.release();\n`);
    const tsx = join(import.meta.dirname, '..', '..', 'node_modules', '.bin', 'tsx');
    const run = (env: Record<string, string>) =>
      new Promise<string>((resolve, reject) => execFile(tsx, [script], { env: { ...process.env, ...env }, timeout: 120_000 }, (e, out) => (e ? reject(e) : resolve(out))));
    expect(await run({ WEBGRAD_DEBUG: '1' })).toMatch(/made by zeros/);
    rmSync(dir, { recursive: true, force: true });
  }, 240_000);
});
