/**
 * Which images go into which batch, decided on the CPU and reproducible from a seed.
 *
 *   const train = takeSubset(data.train, args.trainSubset);       // --train-subset N: the first N
 *   for (const indices of epochBatches(train.count, 128, { shuffle: true, seed, epoch })) {
 *     const { bytes, labels } = gatherBatch(train, indices);      // bytes → uploadBytes → prepareImages
 *   }
 */
import { IMAGE_BYTES, type CifarSplit } from './cifar-format.js';

/** A small, fast, seeded generator of uniform numbers in [0, 1) (mulberry32). */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** One 32-bit seed from several integers (a run's seed, an epoch, a batch…), well mixed so nearby inputs give unrelated streams. */
export function mixSeed(...parts: number[]): number {
  let h = 0x811c9dc5;
  for (const part of parts) {
    h = Math.imul(h ^ (part >>> 0), 0x01000193) >>> 0;
    h ^= h >>> 16;
    h = Math.imul(h, 0x85ebca6b) >>> 0;
    h ^= h >>> 13;
  }
  return h >>> 0;
}

/** 0..n-1 in an order drawn by Fisher–Yates from `seed`. */
export function shuffledIndices(n: number, seed: number): Uint32Array {
  const order = Uint32Array.from({ length: n }, (_, i) => i);
  const random = mulberry32(seed);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    const t = order[i];
    order[i] = order[j];
    order[j] = t;
  }
  return order;
}

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
