import { beforeAll, describe, expect, it } from 'vitest';
import { logSoftmax, memory, nllLoss, optim, tensor, tidy } from '../src/index.js';
import { ResNet } from '../examples/cifar-resnet/model.js';
import { randomValues, setupDevice } from './helpers.js';

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
});
