import { execFileSync } from 'node:child_process';
import { copyFile, mkdtemp, readFile, rm, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadCifar10, parseRecords, type Cifar10 } from '../../examples/alexnet-cifar/data/cifar.js';
import { epochBatches, gatherBatch, mixSeed, shuffledIndices, takeSubset } from '../../examples/alexnet-cifar/data/batches.js';
import { CLASS_NAMES, packTarGz, syntheticRecords, TEST_COUNT, TRAIN_COUNTS, writeSyntheticCifar, writeSyntheticMini } from '../cifar-fixture.js';

/** A stand-in for the mini CIFAR-10 archive, built in beforeAll (the suite needs no dataset). */
let MINI: string;

/** The record files as they were written, to compare the loader with. */
function expectSynthetic(data: Cifar10): void {
  expect(data.classes).toEqual(CLASS_NAMES);
  const train = TRAIN_COUNTS.map((n, b) => syntheticRecords(n, b + 1));
  expect(data.train.count).toBe(12);
  let at = 0;
  for (const file of train) {
    for (let i = 0; i < file.length / 3073; i++, at++) {
      expect(data.train.labels[at]).toBe(file[i * 3073]);
      expect(data.train.images.subarray(at * 3072, (at + 1) * 3072)).toEqual(file.subarray(i * 3073 + 1, (i + 1) * 3073));
    }
  }
  const test = syntheticRecords(TEST_COUNT, 100);
  expect(data.test.count).toBe(TEST_COUNT);
  expect(data.test.labels[2]).toBe(test[2 * 3073]);
  expect(data.test.images.subarray(2 * 3072, 3 * 3072)).toEqual(test.subarray(2 * 3073 + 1, 3 * 3073));
}

describe('CIFAR-10 loader', () => {
  let dir: string;
  let folder: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'webgrad-cifar-test-'));
    folder = join(dir, 'nested', 'cifar-10-batches-bin');
    await writeSyntheticCifar(folder);
    MINI = join(dir, 'cifar10-mini.tar.gz');
    await writeSyntheticMini(MINI);
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('reads a folder, finding the files at any depth', async () => {
    expectSynthetic(await loadCifar10(join(dir, 'nested')));
    expectSynthetic(await loadCifar10(folder));
  });

  it('reads a .tar.gz archive without extracting it', async () => {
    const archive = join(dir, 'synthetic.tar.gz');
    await packTarGz(join(dir, 'nested'), 'cifar-10-batches-bin', archive);
    expectSynthetic(await loadCifar10(archive));
  });

  it('reads a .tar.xz archive through the system tar', async () => {
    const archive = join(dir, 'synthetic.tar.xz');
    execFileSync('tar', ['-cJf', archive, '-C', join(dir, 'nested'), 'cifar-10-batches-bin']);
    expectSynthetic(await loadCifar10(archive));
  });

  it('reads an archive laid out as the mini CIFAR-10 one', async () => {
    const data = await loadCifar10(MINI);
    expect(data.train.count).toBe(1000);
    expect(data.test.count).toBe(200);
    expect(data.train.images.length).toBe(1000 * 3072);
    expect(data.classes).toEqual(CLASS_NAMES);
    // 100 training and 20 test images per class, as the dataset's README says.
    const perClass = (labels: Uint8Array) => [...Array(10).keys()].map((c) => labels.filter((l) => l === c).length);
    expect(perClass(data.train.labels)).toEqual(Array(10).fill(100));
    expect(perClass(data.test.labels)).toEqual(Array(10).fill(20));
    const redMean = data.train.images.reduce((s, v, i) => (i % 3072 < 1024 ? s + v : s), 0) / (1000 * 1024);
    expect(redMean).toBeGreaterThan(110);
    expect(redMean).toBeLessThan(140);
  });

  it('refuses a record file of the wrong size, naming it', async () => {
    const bad = join(dir, 'short');
    await writeSyntheticCifar(bad);
    await truncate(join(bad, 'data_batch_3.bin'), 3073 * 2 + 100);
    await expect(loadCifar10(bad)).rejects.toThrow(/data_batch_3\.bin has 6246 bytes, not a whole number of 3073-byte records/);
  });

  it('refuses a label above 9, naming the file and record', () => {
    const bytes = syntheticRecords(3, 0);
    bytes[2 * 3073] = 10;
    expect(() => parseRecords(bytes, 'test_batch.bin')).toThrow(/test_batch\.bin: record 2 has label 10/);
  });

  it('refuses a folder with a missing file, naming it', async () => {
    const bad = join(dir, 'missing');
    await writeSyntheticCifar(bad);
    await rm(join(bad, 'data_batch_5.bin'));
    await expect(loadCifar10(bad)).rejects.toThrow(/data_batch_5\.bin is missing from '.*missing'/);
    await expect(loadCifar10(join(dir, 'nowhere'))).rejects.toThrow(/'.*nowhere' does not exist/);
  });

  it('refuses a corrupt or truncated archive, naming it', async () => {
    const garbage = join(dir, 'garbage.tar.gz');
    await writeFile(garbage, Uint8Array.from({ length: 5000 }, (_, i) => (i * 37) & 0xff));
    await expect(loadCifar10(garbage)).rejects.toThrow(/garbage\.tar\.gz/);
    const cut = join(dir, 'cut.tar.gz');
    await copyFile(MINI, cut);
    const size = (await readFile(cut)).length;
    await truncate(cut, Math.floor(size / 2));
    await expect(loadCifar10(cut)).rejects.toThrow(/cut\.tar\.gz/);
    const xz = join(dir, 'garbage.tar.xz');
    await writeFile(xz, 'not xz at all');
    await expect(loadCifar10(xz)).rejects.toThrow(/cannot extract '.*garbage\.tar\.xz'/);
  });
});

describe('batch sampler', () => {
  it('shuffles deterministically per seed and epoch, covering every index once', () => {
    const a = epochBatches(103, 10, { shuffle: true, seed: 5, epoch: 2 });
    expect(a.length).toBe(11);
    expect(a[10].length).toBe(3);
    const all = a.flatMap((b) => [...b]).sort((x, y) => x - y);
    expect(all).toEqual([...Array(103).keys()]);
    expect(epochBatches(103, 10, { shuffle: true, seed: 5, epoch: 2 })).toEqual(a);
    expect(epochBatches(103, 10, { shuffle: true, seed: 5, epoch: 3 })[0]).not.toEqual(a[0]);
    expect(epochBatches(103, 10, { shuffle: true, seed: 6, epoch: 2 })[0]).not.toEqual(a[0]);
    expect([...shuffledIndices(5, 1)].sort()).toEqual([0, 1, 2, 3, 4]);
    expect(mixSeed(1, 2)).not.toBe(mixSeed(2, 1));
  });

  it('keeps the order when not shuffling, and can drop the last partial batch', () => {
    const b = epochBatches(7, 3, { shuffle: false });
    expect(b.map((x) => [...x])).toEqual([[0, 1, 2], [3, 4, 5], [6]]);
    expect(epochBatches(7, 3, { shuffle: false, dropLast: true }).length).toBe(2);
    expect(() => epochBatches(7, 0, { shuffle: false })).toThrow(/batchSize must be a positive integer/);
  });

  it('takes the first N images as a subset and gathers batches', () => {
    const split = parseRecords(syntheticRecords(6, 3), 'x');
    const sub = takeSubset(split, 4);
    expect(sub.count).toBe(4);
    expect(sub.labels).toEqual(split.labels.subarray(0, 4));
    expect(takeSubset(split, 100)).toBe(split);
    expect(takeSubset(split)).toBe(split);
    const { bytes, labels } = gatherBatch(split, [5, 1]);
    expect([...labels]).toEqual([split.labels[5], split.labels[1]]);
    expect(bytes.subarray(0, 3072)).toEqual(split.images.subarray(5 * 3072, 6 * 3072));
    expect(bytes.subarray(3072)).toEqual(split.images.subarray(3072, 2 * 3072));
    expect(() => gatherBatch(sub, [4])).toThrow(/index 4 is outside the split of 4 images/);
  });
});
