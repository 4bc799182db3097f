// The soak (opt-in): the README's first model and alexnet-small's training step, each run for
// WEBGRAD_SOAK steps (10,000 in issue 26), reading every step's loss. Live buffers and bytes, the
// buffer and texture pools and the pipeline cache must not change after the first window of steps,
// and the median step time of the last window (min(1000, steps / 10) steps) must be within 10% of
// the first's. WEBGRAD_SOAK_ONLY=readme | alexnet-small runs one; WEBGRAD_SOAK_BATCH sets
// alexnet-small's batch (16); WEBGRAD_SOAK_OUT=file writes the reports as JSON.
//   WEBGRAD_SOAK=10000 npx vitest run test/examples/soak.test.ts
import { writeFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import * as wg from '../../src/index.js';
import { createModel } from '../../examples/alexnet-cifar/models.js';
import { randomValues, setupDeviceWith } from '../helpers.js';
import { soak, type SoakReport } from './soak-record.js';

const STEPS = Number(process.env.WEBGRAD_SOAK ?? 0);
const ONLY = process.env.WEBGRAD_SOAK_ONLY;
const BATCH = Number(process.env.WEBGRAD_SOAK_BATCH ?? 16);
const reports: SoakReport[] = [];

// Not poisoned: the soak times the steps a user runs.
beforeAll(() => (STEPS > 0 ? setupDeviceWith({ poison: false }) : undefined));

const log = (line: string) => process.stderr.write(`${line}\n`);

function check(report: SoakReport): void {
  log(`${report.name}: ${report.steps} steps; median step ${report.firstMedianMs.toFixed(2)} ms over the first ${report.window}, ` +
    `${report.lastMedianMs.toFixed(2)} ms over the last (×${report.ratio.toFixed(3)}); loss ${report.firstLoss.toFixed(4)} → ${report.lastLoss.toFixed(4)}; ` +
    `live ${report.last.liveBuffers} buffers / ${report.last.liveBytes} bytes, pooled ${report.last.freeBuffers} / ${report.last.freeBytes}, ` +
    `created ${report.last.createdBuffers} buffers, ${report.last.createdTextures} textures, ${report.last.pipelines} pipelines`);
  reports.push(report);
  if (process.env.WEBGRAD_SOAK_OUT) writeFileSync(process.env.WEBGRAD_SOAK_OUT, JSON.stringify(reports, null, 2));
  expect(report.changes).toEqual([]);
  expect(Math.abs(report.ratio - 1)).toBeLessThanOrEqual(0.1);
}

/** One SGD step of `model` on (x, labels) as the README writes it, reading the loss. */
function sgdStep(model: wg.nn.Module, opt: wg.optim.SGD, x: wg.Tensor, labels: Int32Array): () => Promise<number> {
  return async () => {
    const loss = wg.tidy(() => {
      opt.zeroGrad();
      const l = wg.crossEntropy(model.forward(x), labels);
      l.backward();
      opt.step();
      return l;
    });
    const value = await loss.item();
    loss.dispose();
    return value;
  };
}

describe.skipIf(!(STEPS > 0))(`soak (WEBGRAD_SOAK=${STEPS})`, () => {
  it.skipIf(ONLY !== undefined && ONLY !== 'readme')("the README's first model", async () => {
    const n = 256;
    const points = Float32Array.from(randomValues(2 * n, 26));
    const quadrants = Int32Array.from({ length: n }, (_, i) => (points[2 * i] > 0 ? 1 : 0) + (points[2 * i + 1] > 0 ? 2 : 0));
    const inputs = wg.tensor(points, [n, 2]);
    const model = new wg.nn.Sequential(new wg.nn.Linear(2, 32, { seed: 1 }), new wg.nn.ReLU(), new wg.nn.Linear(32, 4, { seed: 2 }));
    const opt = new wg.optim.SGD(model.parameters(), { lr: 0.1, momentum: 0.9 });
    check(await soak('README loop', STEPS, sgdStep(model, opt, inputs, quadrants), 100, log));
    inputs.dispose();
    opt.dispose();
    model.dispose();
  }, 3_600_000 + STEPS * 1000);

  it.skipIf(ONLY !== undefined && ONLY !== 'alexnet-small')(`alexnet-small's training step at batch ${BATCH}`, async () => {
    const x = wg.tensor(Float32Array.from(randomValues(BATCH * 3 * 32 * 32, 7)), [BATCH, 3, 32, 32]);
    const labels = Int32Array.from({ length: BATCH }, (_, i) => (i * 7) % 10);
    const model = createModel('alexnet-small', { init: 'kaiming', seed: 3 });
    const opt = new wg.optim.SGD(model.parameters(), { lr: 0.01, momentum: 0.9, weightDecay: 5e-4 });
    check(await soak(`alexnet-small b${BATCH}`, STEPS, sgdStep(model, opt, x, labels), 10, log));
    x.dispose();
    opt.dispose();
    model.dispose();
  }, 3_600_000 + STEPS * 60_000);
});
