/**
 * npm run gpt -- [options]: trains a small GPT on a synthetic task (see README.md beside this file).
 */
import { mkdirSync, writeFileSync, appendFileSync } from 'node:fs';
import { join } from 'node:path';
import { adapterInfo, init, loadSafetensors, manualSeed, noGrad, optim, release, saveSafetensors, tensor, tidy, WebgradError } from '../../src/node.js';
import { UsageError, nonNegative, oneOf, parseFlags, positiveInt, runCli } from '../../scripts/cli.js';
import { decayGroups, GPT, type GptConfig } from './model.js';
import { batchSampler, makeBatch, makeTask, splitProblems, TASK_NAMES, type Task } from './task.js';
import { accuracy, solve, trainStep } from './train.js';

export const HELP = `npm run gpt -- [options]

Trains minGPT's architecture on a synthetic task (no download) and reports held-out accuracy.

  --task sort|add        sort 6 digits of 0-2 (default), or add two 2-digit numbers
  --steps N              optimizer steps (300)
  --batch N              problems per step (64)
  --layers N --heads N --embed N    the model (2, 4, 64)
  --dropout P            dropout (0)
  --tie                  the head reuses the token embedding
  --lr X                 peak learning rate (2e-3); --warmup N steps of warm-up (40), then cosine to --min-lr-ratio X (0.1)
  --weight-decay X       AdamW's decay of the linear weights (0.1); betas 0.9, 0.95 as minGPT
  --clip X               gradient norm clipping (1; 0 turns it off)
  --eval-every N         held-out accuracy every N steps (100)
  --seed N               weights, split and batches (0)
  --out DIR              writes DIR/model.safetensors (PyTorch names), metrics.jsonl, logits.json
  --load FILE            starts from a checkpoint's weights (its config must match)
  --help`;

export interface RunConfig extends GptConfig {
  task: Task['name'];
  steps: number;
  batchSize: number;
  lr: number;
  warmup: number;
  minLrRatio: number;
  weightDecay: number;
  clip: number;
  evalEvery: number;
  seed: number;
  out: string | null;
  load: string | null;
}

export function parseConfig(argv: string[]): RunConfig | null {
  const { values: v } = parseFlags({
    args: argv,
    options: {
      task: { type: 'string' }, steps: { type: 'string' }, batch: { type: 'string' }, layers: { type: 'string' }, heads: { type: 'string' },
      embed: { type: 'string' }, dropout: { type: 'string' }, tie: { type: 'boolean' }, lr: { type: 'string' }, warmup: { type: 'string' },
      'min-lr-ratio': { type: 'string' }, 'weight-decay': { type: 'string' }, clip: { type: 'string' }, 'eval-every': { type: 'string' },
      seed: { type: 'string' }, out: { type: 'string' }, load: { type: 'string' }, help: { type: 'boolean' },
    },
  });
  if (v.help) return null;
  const task = v.task === undefined ? 'sort' : oneOf('task', v.task, TASK_NAMES);
  const t = makeTask(task);
  const config: RunConfig = {
    task,
    vocab: t.vocab,
    blockSize: t.promptLength + t.answerLength - 1,
    layers: v.layers === undefined ? 2 : positiveInt('layers', v.layers),
    heads: v.heads === undefined ? 4 : positiveInt('heads', v.heads),
    embed: v.embed === undefined ? 64 : positiveInt('embed', v.embed),
    dropout: v.dropout === undefined ? 0 : nonNegative('dropout', v.dropout),
    tie: v.tie ?? false,
    steps: v.steps === undefined ? 300 : positiveInt('steps', v.steps),
    batchSize: v.batch === undefined ? 64 : positiveInt('batch', v.batch),
    lr: v.lr === undefined ? 2e-3 : nonNegative('lr', v.lr),
    warmup: v.warmup === undefined ? 40 : Number(v.warmup === '0' ? 0 : positiveInt('warmup', v.warmup)),
    minLrRatio: v['min-lr-ratio'] === undefined ? 0.1 : nonNegative('min-lr-ratio', v['min-lr-ratio']),
    weightDecay: v['weight-decay'] === undefined ? 0.1 : nonNegative('weight-decay', v['weight-decay']),
    clip: v.clip === undefined ? 1 : nonNegative('clip', v.clip),
    evalEvery: v['eval-every'] === undefined ? 100 : positiveInt('eval-every', v['eval-every']),
    seed: v.seed === undefined ? 0 : Number(v.seed === '0' ? 0 : positiveInt('seed', v.seed)),
    out: v.out ?? null,
    load: v.load ?? null,
  };
  if (config.embed % config.heads !== 0) throw new UsageError(`--embed ${config.embed} must be divisible by --heads ${config.heads}`);
  if (config.dropout >= 1) throw new UsageError(`--dropout must be below 1, got ${config.dropout}`);
  if (config.minLrRatio > 1) throw new UsageError(`--min-lr-ratio must be in [0, 1], got ${config.minLrRatio}`);
  if (config.warmup > config.steps) throw new UsageError(`--warmup ${config.warmup} must not exceed --steps ${config.steps}`);
  return config;
}

/** Trains as `config` says; returns the final held-out accuracy. */
export async function run(config: RunConfig, log: (line: string) => void = console.log): Promise<number> {
  const task = makeTask(config.task);
  manualSeed(config.seed);
  const model = new GPT(config, config.seed);
  if (config.load) {
    const { tensors } = await loadSafetensors(config.load);
    model.loadStateDict(tensors);
    for (const t of Object.values(tensors)) t.dispose();
  }
  const { train, test } = splitProblems(task, config.seed);
  const draw = batchSampler(train, config.batchSize, config.seed + 1);
  const opt = new optim.AdamW(decayGroups(model, config.weightDecay), { lr: config.lr, betas: [0.9, 0.95], weightDecay: config.weightDecay });
  const schedule = new optim.CosineWarmupLR(opt, { warmupSteps: config.warmup, totalSteps: config.steps, minLrRatio: config.minLrRatio });
  if (config.out) mkdirSync(config.out, { recursive: true });
  const metrics = config.out ? join(config.out, 'metrics.jsonl') : null;
  if (metrics) writeFileSync(metrics, '');
  log(`task ${config.task}: ${train.length} training problems, ${test.length} held out; ${model.parameterCount()} parameters`);
  const started = performance.now();
  let acc = 0;
  for (let step = 1; step <= config.steps; step++) {
    const lr = opt.lr;
    const { loss, gradNorm } = trainStep(model, opt, schedule, task, makeBatch(task, draw()), { clip: config.clip });
    const evaluate = step % config.evalEvery === 0 || step === config.steps;
    if (!evaluate && step % 20 !== 0) {
      loss.dispose();
      gradNorm?.dispose();
      continue;
    }
    const value = await loss.item();
    loss.dispose();
    gradNorm?.dispose();
    if (!Number.isFinite(value)) throw new WebgradError(`gpt: the loss at step ${step} is ${value}`);
    const seconds = (performance.now() - started) / 1000;
    const record: Record<string, number> = { step, loss: value, lr, seconds };
    if (evaluate) {
      acc = await accuracy(model, task, test);
      record.testAccuracy = acc;
      log(`step ${step}: loss ${value.toFixed(4)}, held-out accuracy ${(100 * acc).toFixed(1)}% (${seconds.toFixed(0)} s); ${await samples(model, task, test.slice(0, 3))}`);
    } else log(`step ${step}: loss ${value.toFixed(4)} (${seconds.toFixed(0)} s)`);
    if (metrics) appendFileSync(metrics, `${JSON.stringify(record)}\n`);
  }
  if (config.out) await save(model, task, test, config);
  opt.dispose();
  model.dispose();
  return acc;
}

/** A few held-out problems with the model's answers, as `prompt → answer` (✓ when right). */
async function samples(model: GPT, task: Task, ids: number[]): Promise<string> {
  const answers = await solve(model, task, ids);
  return ids
    .map((id, r) => {
      const s = task.sequence(id);
      const got = Array.from(answers.slice(r * task.answerLength, (r + 1) * task.answerLength));
      return `${s.slice(0, task.promptLength).join('')} → ${got.join('')}${got.join() === s.slice(task.promptLength).join() ? ' ✓' : ''}`;
    })
    .join(', ');
}

/** The checkpoint (PyTorch's names, the config in its metadata) and the logits of 8 held-out problems for reference/train.py --check. */
async function save(model: GPT, task: Task, test: number[], config: RunConfig): Promise<void> {
  const dir = config.out!;
  await saveSafetensors(join(dir, 'model.safetensors'), model.stateDict(), { format: 'webgrad-gpt/1', config: JSON.stringify(config) });
  const ids = test.slice(0, 8);
  const batch = makeBatch(task, ids);
  model.eval();
  const logits = noGrad(() => tidy(() => model.forward(tensor(batch.inputs, [ids.length, config.blockSize], { dtype: 'int32' }))));
  const values = Array.from((await logits.toArray()) as Float32Array);
  logits.dispose();
  writeFileSync(join(dir, 'logits.json'), JSON.stringify({ inputs: Array.from(batch.inputs), shape: [ids.length, config.blockSize, task.vocab], logits: values }));
}

async function main(argv: string[]): Promise<number> {
  const config = parseConfig(argv);
  if (!config) {
    console.log(HELP);
    return 0;
  }
  await init();
  const adapter = adapterInfo();
  console.log(`adapter: ${adapter.description || adapter.device || adapter.vendor}${adapter.software ? ' (software)' : ''}`);
  await run(config);
  if (config.out) console.log(`wrote ${join(config.out, 'model.safetensors')}`);
  return 0;
}

if (process.argv[1] && /examples[\\/]gpt[\\/]main\.ts$/.test(process.argv[1])) {
  runCli('gpt', () => main(process.argv.slice(2)), { expected: (error) => error instanceof WebgradError, cleanup: release });
}
