import { createHash } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadCifar10 } from '../../examples/alexnet-cifar/data/cifar.js';
import { ensureCifar10 } from '../../examples/alexnet-cifar/data/download.js';
import { CLASS_NAMES, packTarGz, writeSyntheticCifar } from '../cifar-fixture.js';

describe('CIFAR-10 download', () => {
  let dir: string;
  let archive: Buffer;
  let md5: string;
  let server: Server;
  let base: string;
  const hits: string[] = [];
  let cacheCount = 0;
  const freshCache = () => join(dir, `cache-${cacheCount++}`);
  const quiet = { progress: false, log: () => {} };

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'webgrad-download-test-'));
    await writeSyntheticCifar(join(dir, 'src', 'cifar-10-batches-bin'));
    await packTarGz(join(dir, 'src'), 'cifar-10-batches-bin', join(dir, 'cifar.tar.gz'));
    archive = await readFile(join(dir, 'cifar.tar.gz'));
    md5 = createHash('md5').update(archive).digest('hex');
    server = createServer((req, res) => {
      hits.push(req.url!);
      const length = { 'content-length': String(archive.length), 'content-type': 'application/gzip' };
      switch (req.url) {
        case '/cifar.tar.gz':
          res.writeHead(200, length).end(archive);
          break;
        case '/moved':
          res.writeHead(302, { location: '/moved-again' }).end();
          break;
        case '/moved-again':
          res.writeHead(301, { location: `${base}/cifar.tar.gz` }).end();
          break;
        case '/truncated':
          // Promises the whole archive, sends half, then drops the connection.
          res.writeHead(200, length);
          res.write(archive.subarray(0, archive.length >> 1), () => res.destroy());
          break;
        case '/corrupt': {
          const bytes = Buffer.from(archive);
          bytes[bytes.length >> 1] ^= 0xff;
          res.writeHead(200, length).end(bytes);
          break;
        }
        case '/garbage':
          res.writeHead(200).end('this is not a tar.gz archive');
          break;
        default:
          res.writeHead(404).end();
      }
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
    await rm(dir, { recursive: true, force: true });
  });

  it('downloads, checks, extracts into the cache, then reuses it', async () => {
    const cacheDir = freshCache();
    const path = await ensureCifar10({ cacheDir, url: `${base}/cifar.tar.gz`, md5, ...quiet });
    expect(path).toBe(join(cacheDir, 'cifar-10-batches-bin'));
    expect(await readdir(cacheDir)).toEqual(['cifar-10-batches-bin']);
    const data = await loadCifar10(path);
    expect(data.train.count).toBe(12);
    expect(data.classes).toEqual(CLASS_NAMES);
    const before = hits.length;
    expect(await ensureCifar10({ cacheDir, url: `${base}/cifar.tar.gz`, md5, ...quiet })).toBe(path);
    expect(hits.length).toBe(before);
  });

  it('follows redirects', async () => {
    const cacheDir = freshCache();
    const path = await ensureCifar10({ cacheDir, url: `${base}/moved`, md5, ...quiet });
    expect((await loadCifar10(path)).test.count).toBe(3);
    expect(hits.slice(-3)).toEqual(['/moved', '/moved-again', '/cifar.tar.gz']);
  });

  it('uses a given data folder without downloading', async () => {
    const before = hits.length;
    expect(await ensureCifar10({ dataDir: join(dir, 'src'), cacheDir: freshCache(), url: `${base}/nothing`, ...quiet })).toBe(join(dir, 'src'));
    expect(hits.length).toBe(before);
  });

  it('refuses a truncated download and leaves the cache clean', async () => {
    const cacheDir = freshCache();
    await expect(ensureCifar10({ cacheDir, url: `${base}/truncated`, md5, ...quiet })).rejects.toThrow(/truncated was cut off after \d+ bytes of \d+/);
    expect(await readdir(cacheDir)).toEqual([]);
  });

  it('names both hashes on an MD5 mismatch and leaves the cache clean', async () => {
    const cacheDir = freshCache();
    const error = await ensureCifar10({ cacheDir, url: `${base}/corrupt`, md5, ...quiet }).catch((e: Error) => e);
    expect(error).toBeInstanceOf(Error);
    const got = createHash('md5').update(Buffer.from(archive).fill(archive[archive.length >> 1] ^ 0xff, archive.length >> 1, (archive.length >> 1) + 1)).digest('hex');
    expect((error as Error).message).toContain(`MD5 mismatch for ${base}/corrupt: expected ${md5}, got ${got}`);
    expect(await readdir(cacheDir)).toEqual([]);
  });

  it('refuses an archive that does not extract, and a 404, leaving the cache clean', async () => {
    const cacheDir = freshCache();
    const garbageMd5 = createHash('md5').update('this is not a tar.gz archive').digest('hex');
    await expect(ensureCifar10({ cacheDir, url: `${base}/garbage`, md5: garbageMd5, ...quiet })).rejects.toThrow(/garbage/);
    await expect(ensureCifar10({ cacheDir, url: `${base}/nothing`, md5, ...quiet })).rejects.toThrow(/HTTP 404/);
    expect(await readdir(cacheDir)).toEqual([]);
  });
});
