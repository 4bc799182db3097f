// manualSeed from the user's side: one seed makes randn, layer init, dropout and a DataLoader's
// shuffle repeat together, and another seed changes them.
import { beforeAll, describe, expect, it } from 'vitest';
import * as wg from '../../src/index.js';
import { setupDevice } from '../helpers.js';

beforeAll(setupDevice);

/** A short training run that gives no seed anywhere: its per-step losses. */
async function run(seed: number): Promise<number[]> {
  wg.manualSeed(seed);
  const x = wg.randn([24, 6]);
  const y = wg.tensor(Array.from({ length: 24 }, (_, i) => i % 3), { dtype: 'int32' });
  const model = new wg.nn.Sequential(new wg.nn.Linear(6, 8), new wg.nn.ReLU(), new wg.nn.Dropout(0.3), new wg.nn.Linear(8, 3));
  const opt = new wg.optim.Adam(model.parameters(), { lr: 0.05 });
  const loader = new wg.data.DataLoader(new wg.data.TensorDataset(x, y), { batchSize: 8, shuffle: true });
  const losses: number[] = [];
  for (let epoch = 0; epoch < 2; epoch++) {
    for await (const [xb, yb] of loader) {
      const loss = wg.tidy(() => {
        const l = wg.crossEntropy(model.forward(xb), yb);
        opt.zeroGrad();
        l.backward();
        opt.step();
        return l;
      });
      losses.push(await loss.item());
      loss.dispose();
    }
  }
  for (const t of [x, y]) t.dispose();
  opt.dispose();
  model.dispose();
  return losses;
}

describe('manualSeed', () => {
  it('the same seed gives the same losses; another seed other losses', async () => {
    const a = await run(7);
    expect(a.length).toBe(6);
    expect(a.every(Number.isFinite)).toBe(true);
    expect(await run(7)).toEqual(a);
    const b = await run(8);
    expect(b).not.toEqual(a);
    expect(b[0]).not.toBe(a[0]);
  });

  it('reaches each source on its own: randn, rand, dropout and layer init', async () => {
    const draw = async (seed: number) => {
      wg.manualSeed(seed);
      const ones = wg.ones([64]);
      const layer = new wg.nn.Linear(4, 4);
      const out = [await wg.randn([5]).toArray(), await wg.rand([5]).toArray(), await wg.dropout(ones, { p: 0.5 }).toArray(), await layer.weight.toArray()].map((v) => Array.from(v));
      layer.dispose();
      return out;
    };
    const a = await draw(1);
    expect(await draw(1)).toEqual(a);
    const b = await draw(2);
    for (let k = 0; k < a.length; k++) expect(b[k], `source ${k}`).not.toEqual(a[k]);
  });

  it('refuses a seed that is not a non-negative safe integer', () => {
    expect(() => wg.manualSeed(-1)).toThrow(/manualSeed: seed must be a non-negative safe integer, got -1/);
    expect(() => wg.manualSeed(1.5)).toThrow(/manualSeed: seed must be a non-negative safe integer, got 1.5/);
  });
});
