/**
 * From a split and a batch's indices to a GPU input tensor, in one call:
 *
 *   const stats = rgbPca(train.images);                                  // once: mean and PCA of RGB
 *   const input = { outSize: 224, mean: stats.mean, augment: { padding: 4, flip: true, pca: stats } };
 *   for (const [b, indices] of epochBatches(train.count, 128, { shuffle: true, seed, epoch }).entries()) {
 *     const { x, labels } = prepareBatch(train, indices, input, mixSeed(seed, epoch, b));
 *     const loss = crossEntropy(model.forward(x), labels);                // labels: Int32Array
 *   }
 *   prepareBatch(test, indices, { outSize: 224, mean: stats.mean });      // evaluation: no augmentation
 */
import type { BatchInfo, Dataset } from '../../../src/data/dataset.js';
import { mixSeed } from '../../../src/data/shuffle.js';
import { prepareImages, uploadBytes } from '../../../src/ops/image.js';
import type { Tensor } from '../../../src/tensor/tensor.js';
import { centreAugmentation, drawAugmentation, type Pca } from './augment.js';
import { gatherBatch } from './batches.js';
import { IMAGE_SIZE, type CifarSplit } from './cifar.js';

export interface InputConfig {
  /** Side of the network's input (32 keeps CIFAR's size; 224 is AlexNet's). */
  outSize: number;
  /** Per-channel mean, pixel / 255 (e.g. `rgbPca(train.images).mean`). */
  mean: readonly number[];
  /** Per-channel standard deviation, pixel / 255 (default 1: mean subtraction only, as AlexNet). */
  std?: readonly number[];
  /** Training-time augmentation; leave out for evaluation (whole image, no flip, no lighting). */
  augment?: {
    /** Pad by this many black pixels and take a random 32×32 crop (0: no crop). */
    padding: number;
    flip: boolean;
    /** PCA colour augmentation with αⱼ ~ N(0, pcaStd) (default 0.1). */
    pca?: Pca;
    pcaStd?: number;
  };
}

/** The images at `indices` as a float32 [n, 3, outSize, outSize] tensor, and their labels; `seed` draws the augmentation. */
export function prepareBatch(split: CifarSplit, indices: ArrayLike<number>, config: InputConfig, seed = 0): { x: Tensor; labels: Int32Array } {
  const { bytes, labels } = gatherBatch(split, indices);
  const n = labels.length;
  const a = config.augment;
  const geometry = { inSize: IMAGE_SIZE, cropSize: IMAGE_SIZE, padding: a?.padding ?? 0 };
  const draw = a ? drawAugmentation(n, seed, { ...geometry, flip: a.flip, pca: a.pca, pcaStd: a.pcaStd }) : centreAugmentation(n, geometry);
  const pixels = uploadBytes(bytes);
  try {
    const x = prepareImages(pixels, {
      n,
      inSize: IMAGE_SIZE,
      outSize: config.outSize,
      mean: config.mean,
      std: config.std,
      crop: { size: IMAGE_SIZE, padding: geometry.padding, offsets: draw.offsets },
      flip: draw.flip,
      lighting: draw.lighting,
    });
    return { x, labels };
  } finally {
    pixels.dispose();
  }
}

/**
 * A split as a webgrad Dataset, for a DataLoader: each batch is [x, labels] (float32
 * [n, 3, outSize, outSize] and int32 labels [n]) made by prepareBatch, its augmentation (when the
 * config has one) drawn from mixSeed(seed, epoch, batch):
 *
 *   const loader = new data.DataLoader(new CifarDataset(train, input, seed), { batchSize: 128, shuffle: true, seed });
 *   for await (const [x, y] of loader.epoch(epoch)) { … }
 */
export class CifarDataset implements Dataset {
  constructor(
    readonly split: CifarSplit,
    readonly config: InputConfig,
    readonly seed = 0,
  ) {}

  get length(): number {
    return this.split.count;
  }

  getBatch(indices: Int32Array, { epoch, batch }: BatchInfo): [Tensor, Int32Array] {
    const { x, labels } = prepareBatch(this.split, indices, this.config, mixSeed(this.seed, epoch, batch));
    return [x, labels];
  }
}
