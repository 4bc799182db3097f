/**
 * CIFAR-10 from disk (the format itself: cifar-format.ts).
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

import {
  CifarError, META_FILE, TEST_FILE, TRAIN_FILES, concatSplits, parseClassNames, parseRecords, type Cifar10,
} from './cifar-format.js';

export * from './cifar-format.js';

const ALL_FILES = [...TRAIN_FILES, TEST_FILE, META_FILE];

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
