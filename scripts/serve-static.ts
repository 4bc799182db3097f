// A static server on 127.0.0.1 for the browser pages (a secure context, which WebGPU needs):
// the test pages, the consumer check's and the browser example's.
import { createServer, type Server } from 'node:http';
import { readFileSync } from 'node:fs';
import { extname, join, normalize } from 'node:path';
import type { AddressInfo } from 'node:net';

const TYPES: Record<string, string> = {
  '.html': 'text/html',
  '.js': 'text/javascript',
  '.mjs': 'text/javascript',
  '.css': 'text/css',
  '.json': 'application/json',
  '.png': 'image/png',
};

/**
 * Serves `files` (URL path → contents) first, then the files under `dir`, and those of `extra.dir`
 * under the path `extra.prefix`, on 127.0.0.1 (port 0: any free one).
 */
export async function serve(
  dir: string | null,
  files: Record<string, string | Uint8Array> = {},
  extra?: { prefix: string; dir: string },
  port = 0,
): Promise<{ url: string; close(): Promise<void> }> {
  const fromDir = (base: string, path: string): Uint8Array | undefined => {
    const file = normalize(join(base, path));
    if (!file.startsWith(normalize(base))) return undefined;
    try {
      return readFileSync(file);
    } catch {
      return undefined;
    }
  };
  const server: Server = createServer((request, response) => {
    let path = decodeURIComponent(new URL(request.url ?? '/', 'http://127.0.0.1').pathname);
    if (path.endsWith('/')) path += 'index.html';
    let body: string | Uint8Array | undefined = files[path];
    if (body === undefined && extra && path.startsWith(extra.prefix)) body = fromDir(extra.dir, path.slice(extra.prefix.length));
    else if (body === undefined && dir) body = fromDir(dir, path);
    if (body === undefined) {
      response.writeHead(404).end();
      return;
    }
    response.writeHead(200, { 'content-type': TYPES[extname(path)] ?? 'application/octet-stream' }).end(body);
  });
  // A port in use (EADDRINUSE) rejects, for the caller to say so, rather than crashing the process.
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${address.port}`, close: () => new Promise((resolve) => server.close(() => resolve())) };
}
