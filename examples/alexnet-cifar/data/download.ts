/**
 * Finds CIFAR-10 on disk, downloading it into a cache the first time:
 *
 *   const source = await ensureCifar10({ dataDir: args.data });
 *   const data = await loadCifar10(source);
 *
 * A download is streamed into a temporary folder inside the cache, checked against its MD5,
 * extracted there, and only then renamed into place as `<cacheDir>/cifar-10-batches-bin/`. A
 * truncated, corrupt or interrupted download therefore leaves nothing in the cache that a later run
 * would mistake for data; the next run simply downloads again.
 */
import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { access, mkdir, mkdtemp, readdir, rename, rm } from 'node:fs/promises';
import { get as httpGet, type IncomingMessage } from 'node:http';
import { get as httpsGet } from 'node:https';
import { homedir } from 'node:os';
import { join } from 'node:path';
import cliProgress from 'cli-progress';
import * as tar from 'tar';
import { CifarError, META_FILE, TEST_FILE, TRAIN_FILES } from './cifar.js';

export const CIFAR10_URL = 'https://www.cs.toronto.edu/~kriz/cifar-10-binary.tar.gz';
export const CIFAR10_MD5 = 'c32a1d4ab5d03f1284b67883e8d87530';
/** The folder name inside the official archive, and of the extracted data in the cache. */
export const CIFAR10_FOLDER = 'cifar-10-batches-bin';
const REQUIRED = [...TRAIN_FILES, TEST_FILE, META_FILE];
const MAX_REDIRECTS = 5;
const IDLE_TIMEOUT_MS = 60_000;

export interface EnsureCifar10Options {
  /** A folder or archive given by the user: used as is, nothing is downloaded or cached. */
  dataDir?: string;
  /** Where downloads are kept; defaults to $XDG_CACHE_HOME/webgrad/cifar10 or ~/.cache/webgrad/cifar10. */
  cacheDir?: string;
  url?: string;
  /** The archive's expected MD5 (hex). */
  md5?: string;
  /** Show a progress bar on stderr; defaults to whether stderr is a terminal. */
  progress?: boolean;
  /** Status lines ("downloading…"); defaults to console.error. */
  log?: (line: string) => void;
}

export const defaultCacheDir = (): string => join(process.env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'webgrad', 'cifar10');

/** Returns a folder or archive that `loadCifar10` can read, downloading the dataset if needed. */
export async function ensureCifar10(options: EnsureCifar10Options = {}): Promise<string> {
  if (options.dataDir) return options.dataDir;
  const cacheDir = options.cacheDir ?? defaultCacheDir();
  const url = options.url ?? CIFAR10_URL;
  const md5 = (options.md5 ?? CIFAR10_MD5).toLowerCase();
  const log = options.log ?? ((line: string) => console.error(line));
  const target = join(cacheDir, CIFAR10_FOLDER);
  if (await hasAllFiles(target)) return target;

  await mkdir(cacheDir, { recursive: true });
  const work = await mkdtemp(join(cacheDir, '.partial-'));
  try {
    const archive = join(work, 'archive.tar.gz');
    log(`CIFAR-10: downloading ${url} into ${cacheDir}`);
    const got = await download(url, archive, options.progress ?? Boolean(process.stderr.isTTY));
    if (got !== md5) throw new CifarError(`CIFAR-10: MD5 mismatch for ${url}: expected ${md5}, got ${got} (corrupt or incomplete download; nothing was cached)`);
    const extracted = join(work, 'extracted');
    await mkdir(extracted);
    try {
      await tar.x({ file: archive, cwd: extracted, strict: true });
    } catch (error) {
      throw new CifarError(`CIFAR-10: cannot extract the archive from ${url}: ${(error as Error).message}`);
    }
    const folder = await findDataFolder(extracted);
    if (!folder) throw new CifarError(`CIFAR-10: the archive from ${url} does not contain ${REQUIRED.join(', ')}`);
    try {
      await rename(folder, target);
    } catch (error) {
      // Another process may have finished the same download first; its copy is as good as ours.
      if (!(await hasAllFiles(target))) throw error;
    }
    return target;
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

async function hasAllFiles(dir: string): Promise<boolean> {
  try {
    await Promise.all(REQUIRED.map((f) => access(join(dir, f))));
    return true;
  } catch {
    return false;
  }
}

/** The first folder under `root` (breadth first) that holds every CIFAR file. */
async function findDataFolder(root: string): Promise<string | null> {
  const queue = [root];
  while (queue.length > 0) {
    const dir = queue.shift()!;
    if (await hasAllFiles(dir)) return dir;
    for (const e of await readdir(dir, { withFileTypes: true })) if (e.isDirectory()) queue.push(join(dir, e.name));
  }
  return null;
}

/** Streams `url` (following redirects) into `file`; resolves to the MD5 of the bytes received. */
async function download(url: string, file: string, progress: boolean): Promise<string> {
  const response = await request(url, MAX_REDIRECTS);
  const total = Number(response.headers['content-length'] ?? 0);
  const hash = createHash('md5');
  const out = createWriteStream(file);
  const bar = progress ? progressBar() : null;
  bar?.start(total || 1, 0, { got: mb(0), size: total ? mb(total) : '?', rate: '0.0' });
  const started = performance.now();
  let received = 0;
  try {
    await new Promise<void>((resolve, reject) => {
      const fail = (error: Error) => {
        response.destroy();
        reject(error);
      };
      response.setTimeout(IDLE_TIMEOUT_MS, () => fail(new CifarError(`CIFAR-10: download from ${url} stalled for ${IDLE_TIMEOUT_MS / 1000} s`)));
      response.on('data', (chunk: Buffer) => {
        received += chunk.length;
        hash.update(chunk);
        if (!out.write(chunk)) {
          response.pause();
          out.once('drain', () => response.resume());
        }
        const seconds = (performance.now() - started) / 1000;
        bar?.update(Math.min(received, total || received), { got: mb(received), rate: (received / 1e6 / Math.max(seconds, 1e-3)).toFixed(1) });
      });
      response.on('aborted', () => fail(truncated(url, received, total)));
      response.on('error', (error) => fail(error.message.includes('aborted') ? truncated(url, received, total) : error));
      response.on('end', () => {
        if (!response.complete || (total && received !== total)) fail(truncated(url, received, total));
        else resolve();
      });
      out.on('error', fail);
    });
  } finally {
    bar?.stop();
    // A failed write (disk full…) must not pass for a download whose bytes hashed correctly.
    const closed = await new Promise<Error | null>((resolve) => out.end((error?: Error | null) => resolve(error ?? null)));
    if (closed) throw new CifarError(`CIFAR-10: cannot write the download to ${file}: ${closed.message}`);
  }
  return hash.digest('hex');
}

const truncated = (url: string, received: number, total: number) =>
  new CifarError(`CIFAR-10: download from ${url} was cut off after ${received} bytes${total ? ` of ${total}` : ''} (nothing was cached; run again to retry)`);

function request(url: string, redirectsLeft: number): Promise<IncomingMessage> {
  return new Promise((resolve, reject) => {
    const get = url.startsWith('https:') ? httpsGet : url.startsWith('http:') ? httpGet : null;
    if (!get) return reject(new CifarError(`CIFAR-10: cannot download '${url}': only http and https URLs are supported`));
    const req = get(url, (res) => {
      const status = res.statusCode ?? 0;
      if (status >= 300 && status < 400 && res.headers.location) {
        res.resume();
        if (redirectsLeft === 0) return reject(new CifarError(`CIFAR-10: too many redirects while downloading ${url}`));
        resolve(request(new URL(res.headers.location, url).toString(), redirectsLeft - 1));
      } else if (status !== 200) {
        res.resume();
        reject(new CifarError(`CIFAR-10: download of ${url} failed: HTTP ${status} ${res.statusMessage ?? ''}`.trim()));
      } else {
        resolve(res);
      }
    });
    req.setTimeout(IDLE_TIMEOUT_MS, () => req.destroy(new CifarError(`CIFAR-10: no answer from ${url} within ${IDLE_TIMEOUT_MS / 1000} s`)));
    req.on('error', (error) => reject(error instanceof CifarError ? error : new CifarError(`CIFAR-10: download of ${url} failed: ${error.message}`)));
  });
}

const mb = (bytes: number): string => (bytes / 1e6).toFixed(1);

function progressBar(): cliProgress.SingleBar {
  return new cliProgress.SingleBar(
    { format: 'CIFAR-10 |{bar}| {percentage}% {got}/{size} MB {rate} MB/s ETA {eta_formatted}', hideCursor: true, stream: process.stderr },
    cliProgress.Presets.shades_classic,
  );
}
