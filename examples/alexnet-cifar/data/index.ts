/** CIFAR-10 for the AlexNet example: find or download it, load it, batch it, and turn batches into GPU input. */
export { loadCifar10, parseRecords, CifarError, type Cifar10, type CifarSplit, IMAGE_BYTES, IMAGE_SIZE, NUM_CLASSES } from './cifar.js';
export { ensureCifar10, defaultCacheDir, CIFAR10_URL, CIFAR10_MD5, type EnsureCifar10Options } from './download.js';
export { epochBatches, gatherBatch, mixSeed, mulberry32, shuffledIndices, takeSubset, type EpochOptions } from './batches.js';
export { centreAugmentation, drawAugmentation, rgbPca, type AugmentConfig, type Augmentation, type Pca } from './augment.js';
export { CifarDataset, prepareBatch, type InputConfig } from './pipeline.js';
