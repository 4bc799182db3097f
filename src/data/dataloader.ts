import { WebgradError } from '../errors.js';
import { runtime } from '../device/current.js';
import { tensor } from '../ops/creation.js';
import { checkSeed } from '../runtime/generator.js';
import { fmt } from '../tensor/shape.js';
import { describe, Tensor } from '../tensor/tensor.js';
import { collate, type BatchField, type BatchInfo, type Dataset, type HostArray } from './dataset.js';
import { mixSeed, shuffledIndices } from './shuffle.js';

export interface DataLoaderOptions {
  /** Samples per batch (default 1, as PyTorch). */
  batchSize?: number;
  /** A new order each epoch (default false: the dataset's order). */
  shuffle?: boolean;
  /** Leave out the last batch when it is smaller than batchSize (default false). */
  dropLast?: boolean;
  /**
   * The shuffle's seed: epoch e's order is a Fisher–Yates shuffle drawn from (seed, e). Default:
   * one seed drawn from the device's generator when the loader is made (see manualSeed).
   */
  seed?: number;
}

/**
 * PyTorch's DataLoader over a Dataset: `for await (const [x, y] of loader)` gives each batch of an
 * epoch as GPU tensors, one per field of the dataset's samples. Each iteration of the loader is the
 * next epoch (from 0); `loader.epoch(e)` iterates epoch e itself (to resume, or to count from 1).
 *
 * Batches belong to the loader: it disposes each batch's tensors when the loop asks for the next
 * one (or leaves the loop), so a loop needs no dispose of its own. To keep a batch's tensor past
 * its step, take a handle of your own (`x.float()` shares its storage) before asking for the next.
 *
 * Prefetch: when the loop asks for batch b, the loader makes batch b + 1 before handing b over — it
 * reads and collates its samples (or calls getBatch: augmentation, gathering) on the CPU and
 * creates its tensors, which queues their upload (writeBuffer) or their indexSelect. So the
 * CPU work of batch b + 1 runs while the GPU still works on what the loop submitted before (flush()
 * or a readback submits), and the upload is queued ahead of step b's kernels, instead of the GPU
 * waiting for it at step b + 1. There is no thread: a dataset's getBatch runs on the main thread.
 */
export class DataLoader implements AsyncIterable<Tensor[]> {
  readonly batchSize: number;
  readonly shuffle: boolean;
  readonly dropLast: boolean;
  /** The shuffle's seed (see DataLoaderOptions.seed). */
  readonly seed: number;
  private epochsStarted = 0;

  constructor(readonly dataset: Dataset, options: DataLoaderOptions = {}) {
    if (dataset === null || typeof dataset !== 'object') throw new WebgradError(`webgrad: DataLoader: dataset must be a Dataset (length and get or getBatch), got ${describe(dataset)}`);
    const { length } = dataset;
    if (!Number.isInteger(length) || length < 0) throw new WebgradError(`webgrad: DataLoader: dataset.length must be a non-negative integer, got ${String(length)}`);
    if (typeof dataset.get !== 'function' && typeof dataset.getBatch !== 'function') {
      throw new WebgradError('webgrad: DataLoader: dataset needs a get(index) or a getBatch(indices) method');
    }
    if (options === null || typeof options !== 'object') throw new WebgradError(`webgrad: DataLoader: options must be an object { batchSize, shuffle, dropLast, seed }, got ${String(options)}`);
    const batchSize = options.batchSize ?? 1;
    if (!Number.isInteger(batchSize) || batchSize < 1) throw new WebgradError(`webgrad: DataLoader: batchSize must be a positive integer, got ${String(batchSize)}`);
    this.batchSize = batchSize;
    this.shuffle = options.shuffle ?? false;
    this.dropLast = options.dropLast ?? false;
    for (const name of ['shuffle', 'dropLast'] as const) {
      if (typeof this[name] !== 'boolean') throw new WebgradError(`webgrad: DataLoader: ${name} must be true or false, got ${String(options[name])}`);
    }
    this.seed = options.seed !== undefined ? checkSeed(options.seed, 'DataLoader: seed') : this.shuffle ? runtime().generator.nextSeed() : 0;
  }

  /** Batches per epoch (PyTorch's len(loader)). */
  get length(): number {
    const n = this.dataset.length;
    return this.dropLast ? Math.floor(n / this.batchSize) : Math.ceil(n / this.batchSize);
  }

  /** The sample indices of each batch of epoch `epoch`: the same for the same seed and epoch. */
  batchIndices(epoch: number): Int32Array[] {
    if (!Number.isInteger(epoch) || epoch < 0) throw new WebgradError(`webgrad: DataLoader: epoch must be a non-negative integer, got ${String(epoch)}`);
    const n = this.dataset.length;
    const order = this.shuffle ? Int32Array.from(shuffledIndices(n, mixSeed(this.seed, epoch))) : Int32Array.from({ length: n }, (_, i) => i);
    return Array.from({ length: this.length }, (_, b) => order.subarray(b * this.batchSize, Math.min((b + 1) * this.batchSize, n)));
  }

  /** The batches of epoch `epoch` (see the class's notes on ownership and prefetch). */
  epoch(epoch: number): AsyncIterable<Tensor[]> {
    const plan = this.batchIndices(epoch);
    return { [Symbol.asyncIterator]: () => this.run(plan, epoch) };
  }

  [Symbol.asyncIterator](): AsyncIterator<Tensor[]> {
    return this.run(this.batchIndices(this.epochsStarted), this.epochsStarted++);
  }

  private async *run(plan: Int32Array[], epoch: number): AsyncGenerator<Tensor[], void, undefined> {
    let current: Tensor[] | null = null;
    let next: Tensor[] | null = plan.length > 0 ? this.load(plan[0], { epoch, batch: 0 }) : null;
    try {
      for (let b = 0; b < plan.length; b++) {
        current = next!;
        next = null;
        if (b + 1 < plan.length) next = this.load(plan[b + 1], { epoch, batch: b + 1 });
        yield current;
        for (const t of current) t.dispose();
        current = null;
      }
    } finally {
      for (const t of [...(current ?? []), ...(next ?? [])]) t.dispose();
    }
  }

  /** One batch's tensors, from getBatch or by collating get(). */
  private load(indices: Int32Array, info: BatchInfo): Tensor[] {
    const { dataset } = this;
    const n = indices.length;
    if (typeof dataset.getBatch === 'function') {
      const fields = dataset.getBatch(indices, info);
      if (!Array.isArray(fields)) throw new WebgradError(`webgrad: DataLoader: dataset.getBatch() must return an array of fields, got ${describe(fields)}`);
      const out: Tensor[] = [];
      try {
        fields.forEach((f, k) => out.push(batchTensor(f, n, `dataset.getBatch()[${k}]`)));
      } catch (error) {
        // The tensors it gave are the loader's: none outlives a failed batch.
        for (const f of fields) if (f instanceof Tensor && !out.includes(f)) f.dispose();
        for (const t of out) t.dispose();
        throw error;
      }
      return out;
    }
    const samples = Array.from(indices, (i) => dataset.get!(i));
    return collate(samples, indices, hostTensor);
  }
}

const hostTensor = (h: HostArray): Tensor => tensor(h.data, [...h.shape], { dtype: h.data instanceof Int32Array ? 'int32' : 'float32' });

/** A field of a batch of n as a tensor whose first dimension is n. */
function batchTensor(f: BatchField, n: number, what: string): Tensor {
  const lead = (shape: readonly number[]) => {
    if (shape[0] !== n) throw new WebgradError(`webgrad: DataLoader: ${what} has shape ${fmt(shape)}, whose first dimension is not the batch's ${n} samples`);
  };
  if (f instanceof Tensor) {
    if (f.disposed) throw new WebgradError(`webgrad: DataLoader: ${what} was disposed`);
    lead(f.shape);
    return f;
  }
  if (f instanceof Float32Array || f instanceof Int32Array) {
    lead([f.length]);
    return hostTensor({ data: f, shape: [n] });
  }
  if (Array.isArray(f)) {
    lead([f.length]);
    return tensor(f as readonly number[], [n], { dtype: 'int32' });
  }
  if (f !== null && typeof f === 'object' && 'data' in f && (f.data instanceof Float32Array || f.data instanceof Int32Array) && Array.isArray(f.shape)) {
    lead(f.shape);
    return hostTensor(f);
  }
  throw new WebgradError(`webgrad: DataLoader: ${what} must be a Tensor, { data, shape }, a typed array or an array of numbers, got ${describe(f)}`);
}
