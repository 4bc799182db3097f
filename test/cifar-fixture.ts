// Synthetic CIFAR-10 files for the loader and download tests.
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tar from 'tar';

export const CLASS_NAMES = ['airplane', 'automobile', 'bird', 'cat', 'deer', 'dog', 'frog', 'horse', 'ship', 'truck'];

/** `count` records whose label is (seed + i) % 10 and whose pixel bytes are a hash of (seed, i, k). */
export function syntheticRecords(count: number, seed: number): Uint8Array {
  const out = new Uint8Array(count * 3073);
  for (let i = 0; i < count; i++) {
    out[i * 3073] = (seed + i) % 10;
    for (let k = 0; k < 3072; k++) out[i * 3073 + 1 + k] = (Math.imul(seed * 7919 + i * 104729 + k, 2654435761) >>> 24) & 0xff;
  }
  return out;
}

export const TRAIN_COUNTS = [3, 2, 4, 1, 2];
export const TEST_COUNT = 3;

/** Writes a full set of CIFAR files (small batches) into `dir`; the meta file ends with a blank line, as the official one may. */
export async function writeSyntheticCifar(dir: string): Promise<void> {
  await mkdir(dir, { recursive: true });
  for (let b = 0; b < 5; b++) await writeFile(join(dir, `data_batch_${b + 1}.bin`), syntheticRecords(TRAIN_COUNTS[b], b + 1));
  await writeFile(join(dir, 'test_batch.bin'), syntheticRecords(TEST_COUNT, 100));
  await writeFile(join(dir, 'batches.meta.txt'), CLASS_NAMES.join('\n') + '\n\n');
}

/** A .tar.gz of `cwd/folder`, as the official archive packs `cifar-10-batches-bin/`. */
export async function packTarGz(cwd: string, folder: string, file: string): Promise<void> {
  await tar.c({ gzip: true, cwd, file, portable: true }, [folder]);
}

/**
 * `count` records labelled (first + i) % 10 whose pixels carry the class: each channel's level is
 * 40 + 20·label (a different offset per channel) plus hash noise of ±16, so a model can learn them.
 */
export function learnableRecords(count: number, first: number): Uint8Array {
  const out = new Uint8Array(count * 3073);
  for (let i = 0; i < count; i++) {
    const label = (first + i) % 10;
    out[i * 3073] = label;
    for (let k = 0; k < 3072; k++) {
      const channel = k >> 10;
      const level = 40 + 20 * ((label + channel * 3) % 10);
      const noise = ((Math.imul(first + i + 1, 2654435761) ^ Math.imul(k + 7, 40503)) >>> 27) - 16;
      out[i * 3073 + 1 + k] = level + noise;
    }
  }
  return out;
}

/**
 * A stand-in for the mini CIFAR-10 archive (cifar10-mini.tar.gz: 1,000 training and 200 test
 * images, 100 and 20 per class, in cifar-10-batches-bin/), built from learnableRecords, so that
 * the suite needs no dataset beside the clone.
 */
export async function writeSyntheticMini(file: string): Promise<void> {
  const root = await mkdtemp(join(tmpdir(), 'webgrad-mini-'));
  try {
    const folder = join(root, 'cifar-10-batches-bin');
    await mkdir(folder);
    for (let b = 0; b < 5; b++) await writeFile(join(folder, `data_batch_${b + 1}.bin`), learnableRecords(200, b * 200));
    await writeFile(join(folder, 'test_batch.bin'), learnableRecords(200, 5000));
    await writeFile(join(folder, 'batches.meta.txt'), CLASS_NAMES.join('\n') + '\n\n');
    await packTarGz(root, 'cifar-10-batches-bin', file);
  } finally {
    await rm(root, { recursive: true, force: true });
  }
}
