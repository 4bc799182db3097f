/**
 * A run's checkpoint: one safetensors file holding the model's parameters (`model.` + PyTorch
 * names), the optimizer's momentum buffers (`optimizer.state.N.momentum_buffer`) and, in the
 * metadata, where the run stands. Each save replaces the file atomically (temporary file,
 * fsync, rename), so a crash or a full disk leaves the previous checkpoint intact.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { loadSafetensors, nn, optim, readTensors, saveSafetensors, type Tensor } from '../../src/node.js';
import { ConfigError } from './config.js';

export const CHECKPOINT_FILE = 'checkpoint.safetensors';

/** Where training stands: the next step to run is batch `batch` of epoch `epoch` (1-based epochs). */
export interface Progress {
  epoch: number;
  batch: number;
  globalStep: number;
  /** Masks drawn so far by each Dropout layer, in model order, so that a resumed run draws the same ones. */
  dropoutMasks: number[];
  schedule: unknown;
  /** Best test loss so far and the epochs' metrics are in metrics.jsonl; this is only for the log. */
  lastLoss: number | null;
  /**
   * The current epoch's training so far (summed loss, images, seconds), so that a run resumed
   * mid-epoch, or after its training but before its evaluation, reports the whole epoch.
   */
  epochTrain?: { lossSum: number; seen: number; seconds: number } | null;
}

/**
 * Writes the checkpoint unless a parameter or momentum holds NaN or Inf: then the previous
 * checkpoint stays and the name of the first non-finite tensor is returned (null when saved).
 */
export async function saveCheckpoint(dir: string, model: nn.Module, opt: optim.SGD, progress: Progress): Promise<string | null> {
  const tensors: Record<string, Tensor> = {};
  for (const [name, t] of Object.entries(model.stateDict())) tensors[`model.${name}`] = t;
  const state = opt.stateDict();
  for (const [name, t] of Object.entries(state.tensors)) tensors[`optimizer.${name}`] = t;
  const host = await readTensors(tensors);
  const nonFinite = Object.keys(host).find((name) => !host[name].data.every(Number.isFinite));
  if (nonFinite !== undefined) return nonFinite;
  await saveSafetensors(join(dir, CHECKPOINT_FILE), host, {
    format: 'webgrad-alexnet-cifar/1',
    progress: JSON.stringify(progress),
    optimizer: JSON.stringify({ step: state.step, lr: state.lr }),
  });
  return null;
}

export function hasCheckpoint(dir: string): boolean {
  return existsSync(join(dir, CHECKPOINT_FILE));
}

/** Restores the model and optimizer in place; returns the progress to continue from. */
export async function loadCheckpoint(dir: string, model: nn.Module, opt: optim.SGD): Promise<Progress> {
  const path = join(dir, CHECKPOINT_FILE);
  let loaded;
  try {
    loaded = await loadSafetensors(path);
  } catch (error) {
    throw new ConfigError(`--resume ${dir}: the checkpoint cannot be read (${(error as Error).message.replace(/^webgrad: /, '')})`);
  }
  const { tensors, metadata } = loaded;
  const parse = (key: string): unknown => {
    try {
      return JSON.parse(metadata[key]);
    } catch {
      throw new ConfigError(`--resume ${dir}: ${path} is corrupt: its '${key}' metadata is ${metadata[key] === undefined ? 'missing' : 'not JSON'}`);
    }
  };
  try {
    if (metadata.format !== 'webgrad-alexnet-cifar/1') throw new ConfigError(`--resume ${dir}: ${path} is not a checkpoint of this example (format '${metadata.format}')`);
    const modelState: Record<string, Tensor> = {};
    const optimizerTensors: Record<string, Tensor> = {};
    for (const [name, t] of Object.entries(tensors)) {
      if (name.startsWith('model.')) modelState[name.slice(6)] = t;
      else if (name.startsWith('optimizer.')) optimizerTensors[name.slice(10)] = t;
    }
    const { step, lr } = parse('optimizer') as { step: number; lr: number };
    const progress = parse('progress') as Progress;
    if (!progress || typeof progress !== 'object' || !Number.isInteger(progress.epoch) || !Number.isInteger(progress.batch) || !Number.isInteger(progress.globalStep)) {
      throw new ConfigError(`--resume ${dir}: ${path} is corrupt: its progress metadata does not say where the run stands`);
    }
    try {
      model.loadStateDict(modelState);
      opt.loadStateDict({ step, lr, tensors: optimizerTensors });
    } catch (error) {
      throw new ConfigError(`--resume ${dir}: ${path} does not fit this run's model (${(error as Error).message.replace(/^webgrad: /, '')})`);
    }
    return progress;
  } finally {
    for (const t of Object.values(tensors)) t.dispose();
  }
}

/**
 * Initial weights from a safetensors file (e.g. exported from PyTorch): by name when the names are
 * the model's (with or without a `model.` prefix), otherwise in the model's parameter order.
 */
export async function loadInitialWeights(path: string, model: nn.Module): Promise<void> {
  let loaded;
  try {
    loaded = await loadSafetensors(path);
  } catch (error) {
    throw new ConfigError(`--init-from ${path}: ${(error as Error).message.replace(/^webgrad: /, '')}`);
  }
  const { tensors } = loaded;
  try {
    const own = Object.keys(model.stateDict());
    const strip = (k: string) => (k.startsWith('model.') ? k.slice(6) : k);
    const byName: Record<string, Tensor> = {};
    for (const [k, t] of Object.entries(tensors)) byName[strip(k)] = t;
    const load = (state: Record<string, Tensor>) => {
      try {
        model.loadStateDict(state);
      } catch (error) {
        throw new ConfigError(`--init-from ${path}: ${(error as Error).message.replace(/^webgrad: /, '')}`);
      }
    };
    if (own.every((k) => k in byName)) {
      load(Object.fromEntries(own.map((k) => [k, byName[k]])));
      return;
    }
    const values = Object.values(tensors);
    if (values.length !== own.length) {
      throw new ConfigError(`--init-from ${path}: ${values.length} tensors, but the model has ${own.length} parameters and the names do not match`);
    }
    load(Object.fromEntries(own.map((k, i) => [k, values[i]])));
  } finally {
    for (const t of Object.values(tensors)) t.dispose();
  }
}
