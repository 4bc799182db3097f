/**
 * CIFAR-10's official binary layout (https://www.cs.toronto.edu/~kriz/cifar.html): files of
 * 3,073-byte records, each 1 label byte (0–9) then 1,024 R, 1,024 G and 1,024 B bytes (32×32
 * row-major planes); `data_batch_1..5.bin` are the training set, `test_batch.bin` the test set, and
 * `batches.meta.txt` names the classes, one per line. Parsing only, no Node API, so that a browser
 * page can read the same files.
 */
export const RECORD_BYTES = 3073;
export const IMAGE_BYTES = 3072;
export const IMAGE_SIZE = 32;
export const NUM_CLASSES = 10;
export const TRAIN_FILES = ['data_batch_1.bin', 'data_batch_2.bin', 'data_batch_3.bin', 'data_batch_4.bin', 'data_batch_5.bin'];
export const TEST_FILE = 'test_batch.bin';
export const META_FILE = 'batches.meta.txt';

/** `count` images: `images` is count × 3,072 bytes (CHW planes, R then G then B), `labels` count bytes. */
export interface CifarSplit {
  images: Uint8Array;
  labels: Uint8Array;
  count: number;
}

export interface Cifar10 {
  train: CifarSplit;
  test: CifarSplit;
  /** Class names, index = label. */
  classes: string[];
}

export class CifarError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CifarError';
  }
}

/** Parses one record file; `file` names it in errors. */
export function parseRecords(bytes: Uint8Array, file: string): CifarSplit {
  if (bytes.length % RECORD_BYTES !== 0) {
    throw new CifarError(`CIFAR-10: ${file} has ${bytes.length} bytes, not a whole number of ${RECORD_BYTES}-byte records (truncated or not a CIFAR-10 file?)`);
  }
  const count = bytes.length / RECORD_BYTES;
  const images = new Uint8Array(count * IMAGE_BYTES);
  const labels = new Uint8Array(count);
  for (let i = 0; i < count; i++) {
    const label = bytes[i * RECORD_BYTES];
    if (label >= NUM_CLASSES) throw new CifarError(`CIFAR-10: ${file}: record ${i} has label ${label}; labels are 0–${NUM_CLASSES - 1}`);
    labels[i] = label;
    images.set(bytes.subarray(i * RECORD_BYTES + 1, (i + 1) * RECORD_BYTES), i * IMAGE_BYTES);
  }
  return { images, labels, count };
}

/** Class names from batches.meta.txt, one per line, blank lines skipped. */
export function parseClassNames(text: string, file: string): string[] {
  const names = text.split(/\r?\n/).map((s) => s.trim()).filter((s) => s !== '');
  if (names.length !== NUM_CLASSES) throw new CifarError(`CIFAR-10: ${file} names ${names.length} classes; expected ${NUM_CLASSES}`);
  return names;
}

/** Joins splits in order (the five training batches into one). */
export function concatSplits(splits: CifarSplit[]): CifarSplit {
  const count = splits.reduce((n, s) => n + s.count, 0);
  const images = new Uint8Array(count * IMAGE_BYTES);
  const labels = new Uint8Array(count);
  let at = 0;
  for (const s of splits) {
    images.set(s.images, at * IMAGE_BYTES);
    labels.set(s.labels, at);
    at += s.count;
  }
  return { images, labels, count };
}
