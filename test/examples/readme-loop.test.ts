// The README's training loop, run as written (read from README.md), for 1,000 steps of a tiny model:
// its live GPU memory must stay flat.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import * as wg from '../../src/index.js';
import { setupDevice } from '../helpers.js';

beforeAll(setupDevice);

/** The ```ts block of README.md's "Training loops" section that holds the training loop. */
function readmeLoop(): string {
  const readme = readFileSync(join(import.meta.dirname, '..', '..', 'README.md'), 'utf8');
  const usage = readme.slice(readme.indexOf('## Training loops'));
  const block = [...usage.matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1]).find((code) => /for \(let step/.test(code));
  if (!block) throw new Error("README.md's Training loops section has no ```ts block with the training loop");
  return block;
}

const AsyncFunction = Object.getPrototypeOf(async () => undefined).constructor as new (...args: string[]) => (...values: unknown[]) => Promise<void>;

describe("the README's training loop", () => {
  it('runs 1,000 steps with flat memory, and trains', async () => {
    const model = new wg.nn.Sequential(new wg.nn.Linear(4, 8, { seed: 1 }), new wg.nn.ReLU(), new wg.nn.Linear(8, 3, { seed: 2 }));
    const opt = new wg.optim.SGD(model.parameters(), { lr: 0.1, momentum: 0.9 });
    const images = wg.tensor([[1, 0, 0, 1], [0, 1, 1, 0], [1, 1, 0, 0], [0, 0, 1, 1], [1, 0, 1, 0], [0, 1, 0, 1]]);
    const labels = [0, 1, 2, 0, 1, 2];
    const logged: { step: number; loss: number; live: number; bytes: number }[] = [];
    // console.log as the loop calls it, recording the memory at each log.
    const console = {
      log: (step: number, loss: number) => {
        const m = wg.memory();
        logged.push({ step, loss, live: m.liveBuffers, bytes: m.liveBytes });
      },
    };
    const loop = new AsyncFunction('tidy', 'crossEntropy', 'model', 'opt', 'images', 'labels', 'steps', 'console', readmeLoop());
    await loop(wg.tidy, wg.crossEntropy, model, opt, images, labels, 1000, console);
    expect(logged.map((l) => l.step)).toEqual([0, 100, 200, 300, 400, 500, 600, 700, 800, 900]);
    // After the first steps (momentum buffers and gradients appear at step 1), nothing grows.
    const later = logged.slice(1);
    expect(new Set(later.map((l) => l.live)).size).toBe(1);
    expect(new Set(later.map((l) => l.bytes)).size).toBe(1);
    expect(logged[9].loss).toBeLessThan(logged[0].loss / 10);
    model.dispose();
    opt.dispose();
    images.dispose();
  });
});
