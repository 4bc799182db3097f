// Two independent training loops in one process, interleaved through their awaits
// (Promise.all), take the same steps as each run alone, bit for bit: the runtime's shared command
// encoder, uniform arena, buffer pool and readbacks carry no state from one loop into the other.
// Each loop seeds its own randomness (layers' and Dropout's seeds): what draws from the device's
// generator in call order would, as in PyTorch, interleave its draws.
import { beforeAll, describe, expect, it } from 'vitest';
import * as wg from '../../src/index.js';
import { randomValues, setupDevice } from '../helpers.js';

beforeAll(setupDevice);

const STEPS = 6;

/** An MLP with dropout under SGD with momentum; reads each step's loss at once. */
async function mlpLoop(trace: string[] = []): Promise<number[]> {
  const model = new wg.nn.Sequential(
    new wg.nn.Linear(16, 32, { seed: 1 }),
    new wg.nn.ReLU(),
    new wg.nn.Dropout(0.3, { seed: 7 }),
    new wg.nn.Linear(32, 4, { seed: 2 }),
  );
  const opt = new wg.optim.SGD(model.parameters(), { lr: 0.05, momentum: 0.9 });
  const x = wg.tensor(Float32Array.from(randomValues(8 * 16, 11)), [8, 16]);
  const y = wg.tensor([0, 1, 2, 3, 0, 1, 2, 3], [8], { dtype: 'int32' });
  const losses: number[] = [];
  for (let i = 0; i < STEPS; i++) {
    const loss = wg.tidy(() => {
      opt.zeroGrad();
      const l = wg.crossEntropy(model.forward(x), y);
      l.backward();
      opt.step();
      return l;
    });
    losses.push(await loss.item());
    trace.push('mlp');
    loss.dispose();
  }
  model.dispose();
  opt.dispose();
  x.dispose();
  y.dispose();
  return losses;
}

/** A small CNN under Adam; reads each step's loss one step late (the example's pattern) and yields to the event loop. */
async function cnnLoop(trace: string[] = []): Promise<number[]> {
  const model = new wg.nn.Sequential(
    new wg.nn.Conv2d(1, 4, 3, { seed: 3, padding: 1 }),
    new wg.nn.ReLU(),
    new wg.nn.MaxPool2d(2),
    new wg.nn.Flatten(),
    new wg.nn.Linear(4 * 4 * 4, 3, { seed: 4 }),
  );
  const opt = new wg.optim.Adam(model.parameters(), { lr: 0.01 });
  const x = wg.tensor(Float32Array.from(randomValues(4 * 64, 12)), [4, 1, 8, 8]);
  const y = wg.tensor([0, 1, 2, 1], [4], { dtype: 'int32' });
  const losses: number[] = [];
  let pending: wg.Tensor | null = null;
  const settle = async () => {
    if (!pending) return;
    const loss = pending;
    pending = null;
    losses.push(await loss.item());
    trace.push('cnn');
    loss.dispose();
  };
  for (let i = 0; i < STEPS; i++) {
    const loss = wg.tidy(() => {
      opt.zeroGrad();
      const l = wg.crossEntropy(model.forward(x), y);
      l.backward();
      opt.step();
      return l;
    });
    wg.flush();
    await settle();
    pending = loss;
    await new Promise((resolve) => setImmediate(resolve));
  }
  await settle();
  model.dispose();
  opt.dispose();
  x.dispose();
  y.dispose();
  return losses;
}

describe('two training loops at once', () => {
  it('interleaved through Promise.all, each gives the losses it gives alone, bit for bit; memory ends where it began', async () => {
    const live = wg.memory().liveBuffers;
    const mlp = await mlpLoop();
    const cnn = await cnnLoop();
    expect(mlp).toHaveLength(STEPS);
    expect(cnn).toHaveLength(STEPS);
    // Both learn (so the comparison is of changing values, not of constants).
    expect(mlp[STEPS - 1]).toBeLessThan(mlp[0]);
    expect(cnn[STEPS - 1]).toBeLessThan(cnn[0]);
    const trace: string[] = [];
    const [mlpTogether, cnnTogether] = await Promise.all([mlpLoop(trace), cnnLoop(trace)]);
    // The steps did interleave: neither loop ran all its steps before the other's first.
    expect(trace.indexOf('cnn')).toBeLessThan(trace.lastIndexOf('mlp'));
    expect(trace.indexOf('mlp')).toBeLessThan(trace.lastIndexOf('cnn'));
    expect(mlpTogether).toEqual(mlp);
    expect(cnnTogether).toEqual(cnn);
    // And started in the other order.
    const [cnnAgain, mlpAgain] = await Promise.all([cnnLoop(), mlpLoop()]);
    expect(mlpAgain).toEqual(mlp);
    expect(cnnAgain).toEqual(cnn);
    expect(wg.memory().liveBuffers).toBe(live);
  });
});
