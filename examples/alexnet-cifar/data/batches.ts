/**
 * Which images go into which batch, decided on the CPU and reproducible from a seed.
 *
 *   const train = takeSubset(data.train, args.trainSubset);       // --train-subset N: the first N
 *   for (const indices of epochBatches(train.count, 128, { shuffle: true, seed, epoch })) {
 *     const { bytes, labels } = gatherBatch(train, indices);      // bytes → uploadBytes → prepareImages
 *   }
 */
import { IMAGE_BYTES, type CifarSplit } from './cifar-format.js';

// The orders come from the library's DataLoader, so that the example's batches and a DataLoader's are the same.
import { mixSeed, shuffledIndices } from '../../../src/data/shuffle.js';

export { mixSeed, mulberry32, shuffledIndices } from '../../../src/data/shuffle.js';

export interface EpochOptions {
  /** Shuffle (from `seed` and `epoch`) or keep the order of the data. */
  shuffle: boolean;
  seed?: number;
  epoch?: number;
  /** Leave out a last, smaller batch (default false). */
  dropLast?: boolean;
}

/** The image indices of each batch of one epoch. The same seed and epoch give the same batches. */
export function epochBatches(count: number, batchSize: number, options: EpochOptions): Uint32Array[] {
  if (!Number.isInteger(count) || count < 0) throw new Error(`epochBatches: count must be a non-negative integer, got ${count}`);
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new Error(`epochBatches: batchSize must be a positive integer, got ${batchSize}`);
  const order = options.shuffle
    ? shuffledIndices(count, mixSeed(options.seed ?? 0, options.epoch ?? 0))
    : Uint32Array.from({ length: count }, (_, i) => i);
  const batches: Uint32Array[] = [];
  for (let start = 0; start < count; start += batchSize) {
    if (options.dropLast && start + batchSize > count) break;
    batches.push(order.subarray(start, Math.min(start + batchSize, count)));
  }
  return batches;
}

/** The first `n` images of a split (all of them when `n` is undefined or larger), sharing its memory. */
export function takeSubset(split: CifarSplit, n?: number): CifarSplit {
  if (n === undefined || n >= split.count) return split;
  if (!Number.isInteger(n) || n < 1) throw new Error(`takeSubset: the subset size must be a positive integer, got ${n}`);
  return { images: split.images.subarray(0, n * IMAGE_BYTES), labels: split.labels.subarray(0, n), count: n };
}

/** The bytes (n × 3,072, ready for `uploadBytes`) and labels (int32, ready for a tensor) of the images at `indices`. */
export function gatherBatch(split: CifarSplit, indices: ArrayLike<number>): { bytes: Uint8Array; labels: Int32Array } {
  const bytes = new Uint8Array(indices.length * IMAGE_BYTES);
  const labels = new Int32Array(indices.length);
  for (let i = 0; i < indices.length; i++) {
    const k = indices[i];
    if (!(k >= 0 && k < split.count)) throw new Error(`gatherBatch: index ${k} is outside the split of ${split.count} images`);
    bytes.set(split.images.subarray(k * IMAGE_BYTES, (k + 1) * IMAGE_BYTES), i * IMAGE_BYTES);
    labels[i] = split.labels[k];
  }
  return { bytes, labels };
}
