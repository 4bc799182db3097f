import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { memory, optim, tensor, type Tensor } from '../../src/index.js';
import { decayGroups, GPT, type GptConfig } from '../../examples/gpt/model.js';
import { makeBatch, makeTask, splitProblems, batchSampler, type TaskName } from '../../examples/gpt/task.js';
import { trainStep } from '../../examples/gpt/train.js';
import { setupDevice } from '../helpers.js';

beforeAll(setupDevice);

interface Stored {
  shape: number[];
  data: number[];
}
interface Run {
  name: string;
  task: TaskName;
  config: GptConfig;
  hyper: { lr: number; betas: [number, number]; weightDecay: number; clip: number; warmup: number; batch: number };
  steps: number;
  state: Record<string, Stored>;
  batches: number[][];
  losses: number[];
  gradNorms: number[];
}

/** Written by test/fixtures/gpt/generate.py (PyTorch 1.13, float32 on the CPU). */
const fixture = JSON.parse(readFileSync(new URL('../fixtures/gpt/parity.json', import.meta.url), 'utf8')) as { runs: Run[] };

describe('examples/gpt matches PyTorch step by step', () => {
  for (const run of fixture.runs) {
    it(`${run.name}: the same state-dict names, and losses within 1e-3 over ${run.steps} AdamW steps from the same weights and batches`, async () => {
      const task = makeTask(run.task);
      const model = new GPT(run.config, 1);
      expect(Object.keys(model.stateDict())).toEqual(Object.keys(run.state));
      const state = Object.fromEntries(Object.entries(run.state).map(([k, s]) => [k, tensor(s.data, s.shape)]));
      model.loadStateDict(state);
      for (const t of Object.values(state)) t.dispose();
      // The batches are the ones task.ts draws with the fixture's seeds (task.py is its twin).
      const seed = run.name.startsWith('sort') ? 11 : 12;
      const draw = batchSampler(splitProblems(task, seed).train, run.hyper.batch, seed + 1);
      const opt = new optim.AdamW(decayGroups(model, run.hyper.weightDecay), { lr: run.hyper.lr, betas: run.hyper.betas, weightDecay: run.hyper.weightDecay });
      const schedule = new optim.CosineWarmupLR(opt, { warmupSteps: run.hyper.warmup, totalSteps: run.steps });
      const losses: number[] = [];
      const norms: number[] = [];
      const live: number[] = [];
      for (let step = 0; step < run.steps; step++) {
        const ids = draw();
        expect(ids).toEqual(run.batches[step]);
        const { loss, gradNorm } = trainStep(model, opt, schedule, task, makeBatch(task, ids), { clip: run.hyper.clip });
        losses.push(await loss.item());
        norms.push(await (gradNorm as Tensor).item());
        loss.dispose();
        gradNorm?.dispose();
        live.push(memory().liveBuffers);
      }
      const worst = Math.max(...losses.map((l, i) => Math.abs(l - run.losses[i])));
      if (process.env.WEBGRAD_GPT_LOG) console.log(`gpt parity (${run.name}): largest loss difference ${worst.toExponential(2)}`);
      expect(worst, `webgrad ${losses.join(', ')}\nPyTorch ${run.losses.join(', ')}`).toBeLessThan(1e-3);
      norms.forEach((n, i) => expect(Math.abs(n - run.gradNorms[i]) / run.gradNorms[i], `gradient norm of step ${i}`).toBeLessThan(1e-3));
      // A steady loop: the same live buffers after every step once AdamW's moments exist.
      expect(new Set(live.slice(1)).size).toBe(1);
      opt.dispose();
      model.dispose();
    }, 300_000);
  }
});
