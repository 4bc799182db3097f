import { beforeAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import * as wg from '../../src/index.js';
import { loadSafetensors } from '../../src/io/safetensors.js';
import { expectClose, setupDevice } from '../helpers.js';

const dir = new URL('../fixtures/training/', import.meta.url);
const reference = JSON.parse(readFileSync(new URL('reference.json', dir), 'utf8')) as {
  initial_logits: number[];
  losses: number[];
  final: Record<string, { sum: number; abs_sum: number }>;
};

/** The network of fixtures/training/generate.py, with the same parameter names. */
class SmallAlexNet extends wg.nn.Module {
  features = this.addModule(
    'features',
    new wg.nn.Sequential(
      new wg.nn.Conv2d(3, 8, 5, { stride: 2, padding: 2 }),
      new wg.nn.ReLU(),
      new wg.nn.LocalResponseNorm(5, { alpha: 1e-4, beta: 0.75, k: 2 }),
      new wg.nn.MaxPool2d(3, { stride: 2 }),
      new wg.nn.Conv2d(8, 12, 3, { padding: 1 }),
      new wg.nn.ReLU(),
      new wg.nn.LocalResponseNorm(5, { alpha: 1e-4, beta: 0.75, k: 2 }),
      new wg.nn.MaxPool2d(3, { stride: 2 }),
      new wg.nn.Conv2d(12, 16, 3, { padding: 1 }),
      new wg.nn.ReLU(),
    ),
  );
  classifier = this.addModule(
    'classifier',
    new wg.nn.Sequential(new wg.nn.Flatten(), new wg.nn.Linear(64, 32), new wg.nn.ReLU(), new wg.nn.Dropout(0.5), new wg.nn.Linear(32, 10)),
  );
  forward(x: wg.Tensor): wg.Tensor {
    return this.classifier.forward(this.features.forward(x));
  }
}

beforeAll(setupDevice);

describe('parity with PyTorch on a small AlexNet-shaped network', () => {
  it('weights written by the torch script load and give torch’s logits, and 5 SGD steps give torch’s losses', async () => {
    const model = new SmallAlexNet();
    const weights = await loadSafetensors(new URL('weights.safetensors', dir).pathname);
    const batch = await loadSafetensors(new URL('batch.safetensors', dir).pathname);
    expect(Object.keys(weights.tensors).sort()).toEqual(Object.keys(model.stateDict()).sort());
    model.loadStateDict(weights.tensors);
    // Dropout is the identity in eval mode, as in the fixture; every other layer trains the same.
    model.eval();

    const logits = wg.noGrad(() => model.forward(batch.tensors.x0));
    expectClose(await logits.toArray(), reference.initial_logits, 1e-4, 1e-5);

    const opt = new wg.optim.SGD(model.parameters(), { lr: 0.01, momentum: 0.9, weightDecay: 5e-4 });
    const losses: number[] = [];
    for (let i = 0; i < reference.losses.length; i++) {
      const loss = wg.tidy(() => {
        opt.zeroGrad();
        const l = wg.crossEntropy(model.forward(batch.tensors[`x${i}`]), batch.tensors[`y${i}`]);
        l.backward();
        opt.step();
        return l;
      });
      losses.push(await loss.item());
      loss.dispose();
    }
    expectClose(losses, reference.losses, 1e-4, 1e-5);
    for (const [name, p] of Object.entries(model.stateDict())) {
      const v = Array.from(await p.toArray());
      const sum = v.reduce((a, b) => a + b, 0);
      const absSum = v.reduce((a, b) => a + Math.abs(b), 0);
      expect(Math.abs(sum - reference.final[name].sum), name).toBeLessThan(1e-4 * reference.final[name].abs_sum + 1e-5);
      expect(Math.abs(absSum - reference.final[name].abs_sum), name).toBeLessThan(1e-4 * reference.final[name].abs_sum);
    }
  });
});
