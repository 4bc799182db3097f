// The GPT page: examples/gpt's model and training step in a tab (WebGPU from navigator.gpu), with
// held-out problems and the model's answers shown as it learns. URL parameters run it unattended
// (gpt-e2e.ts does): ?task=sort|add&steps=N&batch=N&layers=N&embed=N&evalEvery=N&auto.
import { init, optim } from '../../src/index.js';
import { decayGroups, GPT } from '../gpt/model.js';
import { batchSampler, makeBatch, makeTask, splitProblems, type TaskName } from '../gpt/task.js';
import { accuracy, solve, trainStep } from '../gpt/train.js';

interface Outcome {
  losses: number[];
  /** Held-out accuracy at each evaluation. */
  accuracies: number[];
  done: boolean;
  error?: string;
}
const outcome: Outcome = { losses: [], accuracies: [], done: false };
(globalThis as { webgradGpt?: Outcome }).webgradGpt = outcome;

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const params = new URLSearchParams(location.search);
const num = (id: string) => Number(params.get(id) ?? $<HTMLInputElement>(id).value);
const SHOWN = 8;
let stopping = false;

async function train(): Promise<void> {
  const task = makeTask((params.get('task') ?? $<HTMLSelectElement>('task').value) as TaskName);
  const [steps, batch, layers, embed, evalEvery] = ['steps', 'batch', 'layers', 'embed', 'evalEvery'].map(num);
  const heads = embed % 4 === 0 ? 4 : embed % 2 === 0 ? 2 : 1;
  const seed = 0;
  const model = new GPT({ vocab: task.vocab, blockSize: task.promptLength + task.answerLength - 1, layers, heads, embed, dropout: 0, tie: false }, seed);
  const { train: trainIds, test } = splitProblems(task, seed);
  const draw = batchSampler(trainIds, batch, seed + 1);
  const opt = new optim.AdamW(decayGroups(model, 0.1), { lr: 2e-3, betas: [0.9, 0.95], weightDecay: 0.1 });
  const schedule = new optim.CosineWarmupLR(opt, { warmupSteps: Math.min(40, Math.floor(steps / 5)), totalSteps: steps, minLrRatio: 0.1 });
  const shown = test.slice(0, SHOWN);
  const started = performance.now();
  try {
    for (let step = 1; step <= steps && !stopping; step++) {
      const { loss, gradNorm } = trainStep(model, opt, schedule, task, makeBatch(task, draw()), { clip: 1 });
      gradNorm?.dispose();
      const value = await loss.item();
      loss.dispose();
      outcome.losses.push(value);
      const seconds = (performance.now() - started) / 1000;
      $('status').textContent = `step ${step} of ${steps}: loss ${value.toFixed(4)} (${seconds.toFixed(0)} s)`;
      if (step % evalEvery === 0 || step === steps) {
        await showAnswers(model, task, shown);
        const acc = await accuracy(model, task, test);
        outcome.accuracies.push(acc);
        $('status').textContent += `; held-out accuracy ${(100 * acc).toFixed(1)}% of ${test.length}`;
      }
    }
  } finally {
    opt.dispose();
    model.dispose();
  }
}

/** The table: each shown problem's prompt, the model's greedy answer (green when right) and the right one. */
async function showAnswers(model: GPT, task: ReturnType<typeof makeTask>, ids: number[]): Promise<void> {
  const answers = await solve(model, task, ids);
  const rows = ids.map((id, r) => {
    const s = task.sequence(id);
    const right = s.slice(task.promptLength).join('');
    const got = Array.from(answers.slice(r * task.answerLength, (r + 1) * task.answerLength)).join('');
    const prompt = task.name === 'add' ? `${s.slice(0, 2).join('')} + ${s.slice(2, 4).join('')} (sum reversed)` : s.slice(0, task.promptLength).join(' ');
    return `<tr><td>${prompt}</td><td class="${got === right ? 'right' : 'wrong'}">${got}</td><td>${right}</td></tr>`;
  });
  $('answers').innerHTML = rows.join('');
}

async function run(): Promise<void> {
  $<HTMLButtonElement>('train').disabled = true;
  $<HTMLButtonElement>('stop').disabled = false;
  stopping = false;
  try {
    await train();
  } catch (error) {
    outcome.error = String((error as Error).message ?? error);
    $('status').textContent = `failed: ${outcome.error}`;
  } finally {
    outcome.done = true;
    $<HTMLButtonElement>('train').disabled = false;
    $<HTMLButtonElement>('stop').disabled = true;
  }
}

try {
  await init();
  $('status').textContent = 'WebGPU ready';
  $<HTMLButtonElement>('train').disabled = false;
  $('train').addEventListener('click', () => void run());
  $('stop').addEventListener('click', () => (stopping = true));
  if (params.has('auto')) await run();
} catch (error) {
  outcome.error = String((error as Error).message ?? error);
  outcome.done = true;
  $('status').textContent = `WebGPU is not available: ${outcome.error}`;
}
