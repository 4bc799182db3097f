/**
 * The training run: data, model, optimizer and schedule from a Config; epochs of SGD steps with a
 * progress bar; test loss, accuracy and confusion after each epoch; metrics, figures and an atomic
 * checkpoint in the run folder.
 *
 * The GPU never waits for JavaScript: step t is recorded and submitted, then the loss of step t−1
 * is read (it is done or nearly), while the CPU gathers the next batch.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  add, argmax, crossEntropy, data, deviceLimits, flush, keep, memory, mul, noGrad, optim, tidy, type Tensor, nn,
} from '../../src/index.js';
import { ConfigError, type Config } from './config.js';
import { INPUT_SIZE, createModel, forwardFlops, largestActivationBytes } from './models.js';
import { hasCheckpoint, loadCheckpoint, loadInitialWeights, saveCheckpoint, type Progress } from './checkpoint.js';
import {
  CIFAR10_URL, CifarDataset, CifarError, ensureCifar10, loadCifar10, mixSeed, prepareBatch, rgbPca, takeSubset,
  type Cifar10, type CifarSplit, type InputConfig,
} from './data/index.js';
import { MetricsWriter, confusionMatrix, confusionText, readMetrics, writeFigures, type EpochMetrics } from './report/index.js';
import { ProgressBar } from './progress.js';

export class NonFiniteLossError extends Error {
  override name = 'NonFiniteLossError';
}

export interface RunResult {
  dir: string;
  epochs: EpochMetrics[];
  stoppedEarly: boolean;
}

type Scheduler = optim.StepLR | optim.ReduceLROnPlateau | null;

/** Everything one run carries from step to step. */
interface Run {
  config: Config;
  dir: string;
  log: (line: string) => void;
  classes: string[];
  train: CifarSplit;
  test: CifarSplit;
  /** How training batches are made (augmented), and evaluation batches (not). */
  input: InputConfig;
  evalInput: InputConfig;
  model: nn.Module;
  opt: optim.SGD;
  scheduler: Scheduler;
  /** Images per micro-batch: a batch whose activations exceed one storage binding runs in parts. */
  micro: number;
  dropouts: nn.Dropout[];
  progress: Progress;
  metrics: MetricsWriter;
}

/** What an epoch's training came to: its summed loss over `seen` images, and whether it ran to its end. */
interface EpochTraining {
  lossSum: number;
  seen: number;
  finished: boolean;
}

export async function train(config: Config, log: (line: string) => void = console.log): Promise<RunResult> {
  const run = await startRun(config, log);
  let stoppedEarly = false;
  try {
    for (let epoch = run.progress.epoch; epoch <= config.epochs; epoch++) {
      const trained = await trainEpoch(run, epoch);
      if (!trained.finished) {
        stoppedEarly = true;
        await saveProgress(run, `at step ${run.progress.globalStep}`);
        log(`stopped after --max-steps ${config.maxSteps}; checkpoint in ${run.dir} (resume with --resume ${run.dir})`);
        break;
      }
      // Saved before evaluating too: a crash in evaluation must not cost the epoch's training.
      await saveProgress(run, `after epoch ${epoch}`);
      await finishEpoch(run, epoch, trained);
    }
  } finally {
    const live = memory();
    log(`GPU memory: ${live.liveBuffers} live buffers, ${(live.liveBytes / 2 ** 20).toFixed(1)} MiB`);
  }
  const { epochs } = await readMetrics(run.dir);
  return { dir: run.dir, epochs, stoppedEarly };
}

/**
 * Loads the data, builds the model, optimizer and schedule, makes the run folder and resumes from
 * its checkpoint when asked: a run ready for its first (or next) epoch.
 */
async function startRun(config: Config, log: (line: string) => void): Promise<Run> {
  const dir = config.out ?? join('runs', `${config.model}-${new Date().toISOString().replace(/[:.]/g, '-').slice(0, 19)}`);
  const data = await loadData(config, log);

  const train = takeSubset(data.train, config.trainSubset ?? undefined);
  const test = takeSubset(data.test, config.testSubset ?? undefined);
  const stats = rgbPca(data.train.images);
  const mean = config.mean ?? stats.mean;
  const input: InputConfig = {
    outSize: INPUT_SIZE[config.model],
    mean,
    augment: config.augment.length
      ? { padding: config.augment.includes('crop') ? 4 : 0, flip: config.augment.includes('flip'), pca: config.augment.includes('pca') ? stats : undefined }
      : undefined,
  };
  const evalInput: InputConfig = { outSize: input.outSize, mean };

  const model = createModel(config.model, { dropout: config.dropout, init: config.init, seed: config.seed });
  if (config.initFrom) await loadInitialWeights(config.initFrom, model);
  const opt = new optim.SGD(model.parameters(), { lr: config.lr, momentum: config.momentum, weightDecay: config.weightDecay });
  const scheduler: Scheduler =
    config.schedule === 'step' ? new optim.StepLR(opt, { stepSize: config.scheduleEpochs, gamma: 0.1 })
    : config.schedule === 'plateau' ? new optim.ReduceLROnPlateau(opt, { mode: 'min', factor: 0.1, patience: config.scheduleEpochs })
    : null;
  // A batch whose activations exceed one storage binding runs as micro-batches, gradients
  // accumulated: the same step, since the network has no batch statistics.
  const micro = Math.max(1, Math.floor(deviceLimits().maxStorageBufferBindingSize / largestActivationBytes(config.model)));
  const dropouts = model.modules().filter((m): m is nn.Dropout => m instanceof nn.Dropout);

  await makeRunFolder(config, dir);
  let progress: Progress = { epoch: 1, batch: 0, globalStep: 0, dropoutMasks: dropouts.map(() => 0), schedule: null, lastLoss: null, epochTrain: null };
  const resuming = config.resume !== null && hasCheckpoint(dir);
  if (resuming) {
    progress = await loadCheckpoint(dir, model, opt);
    dropouts.forEach((d, i) => (d.masksDrawn = progress.dropoutMasks[i] ?? 0));
    if (scheduler && progress.schedule) scheduler.loadStateDict(progress.schedule as never);
    log(`resumed ${dir} at epoch ${progress.epoch}, batch ${progress.batch} (step ${progress.globalStep})`);
  }
  const metrics = await MetricsWriter.open(dir, { resume: resuming });
  log(
    `${config.model}: ${model.parameterCount().toLocaleString('en')} parameters, ${(forwardFlops(config.model) / 1e9).toFixed(2)} GFLOP/image forward; ` +
      `${train.count} training and ${test.count} test images; batch ${config.batch}, lr ${opt.lr}, init ${config.init}` +
      (config.augment.length ? `, augment ${config.augment.join('+')}` : ''),
  );
  return { config, dir, log, classes: data.classes, train, test, input, evalInput, model, opt, scheduler, micro, dropouts, progress, metrics };
}

/**
 * Makes the run folder and writes its config. Called once the data and the initial weights have
 * loaded: a failed download or a wrong --init-from leaves no empty run behind.
 */
async function makeRunFolder(config: Config, dir: string): Promise<void> {
  try {
    await mkdir(dir, { recursive: true });
  } catch (error) {
    throw new ConfigError(`--out ${dir}: cannot make the run folder (${(error as Error).message})`);
  }
  await writeFile(join(dir, 'config.json'), JSON.stringify({ ...config, out: dir, resume: null }, null, 2) + '\n');
}

/** Writes the checkpoint, or stops the run when the weights are no longer finite. */
async function saveProgress(run: Run, when: string): Promise<void> {
  const { progress } = run;
  progress.dropoutMasks = run.dropouts.map((d) => d.masksDrawn);
  progress.schedule = run.scheduler?.stateDict() ?? null;
  const nonFinite = await saveCheckpoint(run.dir, run.model, run.opt, progress);
  if (nonFinite !== null) {
    throw new NonFiniteLossError(`the weights became non-finite (${nonFinite}) ${when}; stopping. The last good checkpoint is in ${run.dir}`);
  }
}

/**
 * The SGD steps of one epoch (from where a resumed run stood), with a progress bar; stops early at
 * --max-steps. Each step is submitted before the previous step's loss is read, so the GPU never
 * waits for JavaScript.
 */
async function trainEpoch(run: Run, epoch: number): Promise<EpochTraining> {
  const { config, progress, opt, metrics } = run;
  // The DataLoader's plan of the epoch (its order, from the seed and the epoch); the steps gather
  // their own batches, as micro-batches when one does not fit, from where a resumed epoch stood.
  const loader = new data.DataLoader(new CifarDataset(run.train, run.input, config.seed), { batchSize: config.batch, shuffle: config.order === 'shuffle', seed: config.seed });
  const batches = loader.batchIndices(epoch);
  const bar = new ProgressBar(`epoch ${epoch}/${config.epochs}`, batches.length, progress.batch);
  run.model.train();
  // A resumed epoch goes on from its saved totals.
  const before = progress.batch > 0 ? progress.epochTrain : null;
  let lossSum = before?.lossSum ?? 0;
  let seen = before?.seen ?? 0;
  const trainSeconds = () => (before?.seconds ?? 0) + bar.elapsedSeconds();
  let pending: { loss: Tensor; n: number; step: number; b: number } | null = null;
  const settle = async () => {
    if (!pending) return;
    const { loss, n, step, b } = pending;
    pending = null;
    const value = await loss.item();
    loss.dispose();
    if (!Number.isFinite(value)) {
      throw new NonFiniteLossError(`the loss became ${value} at step ${step} (epoch ${epoch}, batch ${b + 1}); stopping. The last good checkpoint is in ${run.dir}`);
    }
    lossSum += value * n;
    seen += n;
    progress.lastLoss = value;
    if (step % config.logEvery === 0) await metrics.step({ step, epoch: epoch - 1 + (b + 1) / batches.length, loss: value, lr: opt.lr });
    bar.update(b + 1, { loss: lossSum / seen, imagesPerSecond: seen / trainSeconds() });
  };
  let b = progress.batch;
  for (; b < batches.length; b++) {
    if (config.maxSteps !== null && progress.globalStep >= config.maxSteps) break;
    const loss = trainStep(run.model, opt, run.train, batches[b], run.input, run.micro, (part) => mixSeed(config.seed, epoch, b, ...(part ? [part] : [])));
    flush();
    progress.globalStep++;
    await settle();
    pending = { loss, n: batches[b].length, step: progress.globalStep, b };
  }
  await settle();
  bar.stop();
  progress.batch = b;
  progress.epochTrain = { lossSum, seen, seconds: trainSeconds() };
  return { lossSum, seen, finished: b === batches.length };
}

/**
 * After an epoch's training: evaluates on the test split, records and logs the epoch's metrics,
 * steps the schedule, checkpoints the start of the next epoch and draws the figures.
 */
async function finishEpoch(run: Run, epoch: number, trained: EpochTraining): Promise<void> {
  const { config, opt, log } = run;
  const trainedSeconds = run.progress.epochTrain!.seconds;
  const evaluationStarted = performance.now();
  const evaluation = await evaluate(run.model, run.test, run.evalInput, Math.min(config.evalBatch, run.micro), run.classes.length);
  if (!Number.isFinite(evaluation.loss)) {
    throw new NonFiniteLossError(`the test loss became ${evaluation.loss} after epoch ${epoch}; stopping. The last good checkpoint is in ${run.dir}`);
  }
  const seconds = trainedSeconds + (performance.now() - evaluationStarted) / 1000;
  const record: EpochMetrics = {
    epoch,
    trainLoss: trained.seen ? trained.lossSum / trained.seen : Number.NaN,
    testLoss: evaluation.loss,
    testAccuracy: evaluation.accuracy,
    lr: opt.lr,
    seconds,
    imagesPerSecond: trained.seen / trainedSeconds,
  };
  await run.metrics.epoch(record);
  log(
    `epoch ${epoch}: train loss ${record.trainLoss.toFixed(4)}, test loss ${record.testLoss.toFixed(4)}, ` +
      `test accuracy ${(100 * record.testAccuracy).toFixed(2)}%, ${record.imagesPerSecond.toFixed(1)} images/s, ${seconds.toFixed(0)} s`,
  );
  log(perClass(evaluation.confusion, run.classes));
  if (run.scheduler instanceof optim.StepLR) run.scheduler.step();
  else if (run.scheduler instanceof optim.ReduceLROnPlateau) run.scheduler.step(evaluation.loss);
  run.progress = { ...run.progress, epoch: epoch + 1, batch: 0, epochTrain: null };
  await saveProgress(run, `after epoch ${epoch}`);
  const { epochs, steps } = await readMetrics(run.dir);
  await writeFigures(run.dir, {
    epochs,
    steps,
    title: `${config.model} on CIFAR-10`,
    confusion: { matrix: evaluation.confusion, classes: run.classes, title: `Test confusion after epoch ${epoch}` },
    png: config.png,
  });
}

/**
 * One SGD step on the images at `indices`, as micro-batches of at most `micro` images whose
 * losses are weighted by their share of the batch; returns the batch's mean loss.
 */
export function trainStep(
  model: nn.Module,
  opt: optim.SGD,
  split: CifarSplit,
  indices: Int32Array | Uint32Array,
  input: InputConfig,
  micro: number,
  seedOf: (part: number) => number,
): Tensor {
  const parts = Math.ceil(indices.length / micro);
  const size = Math.ceil(indices.length / parts);
  opt.zeroGrad();
  let total: Tensor | null = null;
  for (let k = 0; k < parts; k++) {
    const part = indices.subarray(k * size, (k + 1) * size);
    const loss = tidy(() => {
      const { x, labels } = prepareBatch(split, part, input, seedOf(k));
      const l = crossEntropy(model.forward(x), labels);
      const weighted = parts === 1 ? l : mul(l, part.length / indices.length);
      weighted.backward();
      return weighted;
    });
    const sum: Tensor = total ? tidy(() => add(total!, loss)) : loss;
    if (total) {
      total.dispose();
      loss.dispose();
    }
    total = sum;
  }
  opt.step();
  return keep(total!);
}

async function loadData(config: Config, log: (line: string) => void): Promise<Cifar10> {
  let source: string;
  try {
    source = await ensureCifar10({ dataDir: config.data ?? undefined });
  } catch (error) {
    if (!(error instanceof CifarError)) throw error;
    throw new CifarError(
      `${error.message}. Without a network, download ${CIFAR10_URL} elsewhere and pass --data PATH ` +
        '(the .tar.gz itself, or the folder it unpacks to)',
    );
  }
  const t0 = performance.now();
  const data = await loadCifar10(source);
  log(`CIFAR-10 from ${source}: ${data.train.count} train, ${data.test.count} test images (${((performance.now() - t0) / 1000).toFixed(1)} s)`);
  return data;
}

/** Test loss (mean cross-entropy), accuracy and confusion matrix, without gradients or dropout. */
export async function evaluate(model: nn.Module, split: CifarSplit, input: InputConfig, batch: number, classes: number) {
  model.eval();
  const predictions = new Int32Array(split.count);
  const labels = Int32Array.from(split.labels.subarray(0, split.count));
  let lossSum = 0;
  let offset = 0;
  for await (const [x, y] of new data.DataLoader(new CifarDataset(split, input), { batchSize: batch })) {
    const { loss, predicted } = noGrad(() =>
      tidy(() => {
        const logits = model.forward(x);
        return { loss: crossEntropy(logits, y), predicted: argmax(logits, 1) };
      }),
    );
    const [l, p] = await Promise.all([loss.item(), predicted.toArray()]);
    loss.dispose();
    predicted.dispose();
    lossSum += l * y.shape[0];
    predictions.set(p, offset);
    offset += y.shape[0];
  }
  model.train();
  // A model with more outputs than the data has classes (alexnet-seed's 1000) may predict one of
  // the others: wrong, and in no column of the confusion matrix.
  const known = predictions.map((p) => (p < classes ? 1 : 0));
  const confusion = confusionMatrix(predictions.filter((_, i) => known[i]), labels.filter((_, i) => known[i]), classes);
  const correct = confusion.reduce((n, row, i) => n + row[i], 0);
  return { loss: lossSum / split.count, accuracy: correct / split.count, confusion };
}

function perClass(confusion: number[][], classes: string[]): string {
  const parts = confusion.map((row, i) => {
    const total = row.reduce((a, b) => a + b, 0);
    return `${classes[i]} ${total ? ((100 * row[i]) / total).toFixed(0) : '-'}%`;
  });
  return `  per class: ${parts.join(', ')}`;
}

export { confusionText };
