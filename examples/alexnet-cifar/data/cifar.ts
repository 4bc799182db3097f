/**
 * CIFAR-10 in its official binary layout (https://www.cs.toronto.edu/~kriz/cifar.html): files of
 * 3,073-byte records, each 1 label byte (0–9) then 1,024 R, 1,024 G and 1,024 B bytes (32×32
 * row-major planes); `data_batch_1..5.bin` are the training set, `test_batch.bin` the test set, and
 * `batches.meta.txt` names the classes, one per line.
 *
 * `loadCifar10(source)` reads them from a folder, a `.tar.gz` archive (streamed with the `tar`
 * package, no temporary files) or a `.tar.xz` archive (Node has no xz: the system `tar` extracts it
 * into a temporary folder that is removed afterwards). The files may sit at any depth.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { promisify } from 'node:util';
import * as tar from 'tar';

export const RECORD_BYTES = 3073;
export const IMAGE_BYTES = 3072;
export const IMAGE_SIZE = 32;
export const NUM_CLASSES = 10;
export const TRAIN_FILES = ['data_batch_1.bin', 'data_batch_2.bin', 'data_batch_3.bin', 'data_batch_4.bin', 'data_batch_5.bin'];
export const TEST_FILE = 'test_batch.bin';
export const META_FILE = 'batches.meta.txt';
const ALL_FILES = [...TRAIN_FILES, TEST_FILE, META_FILE];

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

/** Loads CIFAR-10 from a folder, a `.tar.gz`/`.tgz` or a `.tar.xz` archive. */
export async function loadCifar10(source: string): Promise<Cifar10> {
  let info;
  try {
    info = await stat(source);
  } catch {
    throw new CifarError(`CIFAR-10: '${source}' does not exist (expected a folder with ${TRAIN_FILES[0]}…, or a .tar.gz / .tar.xz archive)`);
  }
  if (info.isDirectory()) return fromFiles(await readFolder(source), source);
  if (/\.(tar\.gz|tgz)$/i.test(source)) return fromFiles(await readTarGz(source), source);
  if (/\.(tar\.xz|txz)$/i.test(source)) return loadTarXz(source);
  throw new CifarError(`CIFAR-10: '${source}' is neither a folder nor a .tar.gz / .tar.xz archive`);
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

/** Loaded file contents by base name, each with the path to name in errors. */
type Found = Map<string, { bytes: Uint8Array; where: string }>;

function fromFiles(found: Found, source: string): Cifar10 {
  const get = (name: string) => {
    const f = found.get(name);
    if (!f) throw new CifarError(`CIFAR-10: ${name} is missing from '${source}'`);
    return f;
  };
  const train = concatSplits(TRAIN_FILES.map((name) => parseRecords(get(name).bytes, get(name).where)));
  const test = parseRecords(get(TEST_FILE).bytes, get(TEST_FILE).where);
  const meta = get(META_FILE);
  const classes = parseClassNames(new TextDecoder().decode(meta.bytes), meta.where);
  return { train, test, classes };
}

/** The CIFAR files under `dir`, at any depth (the first found, breadth first). */
async function readFolder(dir: string): Promise<Found> {
  const paths = new Map<string, string>();
  const queue = [dir];
  while (queue.length > 0 && paths.size < ALL_FILES.length) {
    const current = queue.shift()!;
    const entries = await readdir(current, { withFileTypes: true });
    entries.sort((a, b) => (a.name < b.name ? -1 : 1));
    for (const e of entries) {
      const full = join(current, e.name);
      if (e.isDirectory()) queue.push(full);
      else if (ALL_FILES.includes(e.name) && !paths.has(e.name)) paths.set(e.name, full);
    }
  }
  const found: Found = new Map();
  for (const [name, path] of paths) found.set(name, { bytes: await readFile(path), where: path });
  return found;
}

/** Streams a gzipped tar archive and keeps the CIFAR files in memory. */
async function readTarGz(archive: string): Promise<Found> {
  const found: Found = new Map();
  const reads: Promise<void>[] = [];
  try {
    await tar.t({
      file: archive,
      strict: true,
      filter: (path, entry) => ALL_FILES.includes(basename(path)) && 'type' in entry && entry.type === 'File',
      onReadEntry: (entry) => {
        const chunks: Buffer[] = [];
        entry.on('data', (c: Buffer) => chunks.push(c));
        reads.push(
          new Promise((resolve) =>
            entry.on('end', () => {
              const name = basename(entry.path);
              if (!found.has(name)) found.set(name, { bytes: Buffer.concat(chunks), where: `${archive}:${entry.path}` });
              resolve();
            }),
          ),
        );
      },
    });
    await Promise.all(reads);
  } catch (error) {
    throw new CifarError(`CIFAR-10: cannot read the archive '${archive}' (corrupt or not a .tar.gz?): ${(error as Error).message}`);
  }
  return found;
}

async function loadTarXz(archive: string): Promise<Cifar10> {
  const dir = await mkdtemp(join(tmpdir(), 'webgrad-cifar-'));
  try {
    await extractWithSystemTar(archive, dir);
    const found = await readFolder(dir);
    // Errors should name the archive the user gave, not our temporary folder.
    for (const f of found.values()) f.where = f.where.replace(dir, archive);
    return fromFiles(found, archive);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Runs the system `tar -xJf` (xz is not in Node); used for .tar.xz archives. */
export async function extractWithSystemTar(archive: string, into: string): Promise<void> {
  try {
    await promisify(execFile)('tar', ['-xJf', archive, '-C', into], { maxBuffer: 1 << 20 });
  } catch (error) {
    const e = error as { code?: string; stderr?: string; message: string };
    if (e.code === 'ENOENT') throw new CifarError(`CIFAR-10: reading '${archive}' needs the system 'tar' with xz support, which was not found`);
    throw new CifarError(`CIFAR-10: cannot extract '${archive}' (corrupt archive?): ${(e.stderr || e.message).trim()}`);
  }
}
