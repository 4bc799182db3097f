// Synthetic CIFAR-10 files for the loader and download tests.
import { mkdir, writeFile } from 'node:fs/promises';
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
