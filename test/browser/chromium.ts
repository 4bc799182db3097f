// Headless Chromium for the browser tests: Debian's /usr/bin/chromium (never a downloaded browser)
// driven by playwright-core, and a static server on 127.0.0.1 (a secure context, so WebGPU is offered).
import { createServer, type Server } from 'node:http';
import { readFileSync, statSync } from 'node:fs';
import { extname, join, normalize } from 'node:path';
import type { AddressInfo } from 'node:net';
import { chromium, type Browser, type Page } from 'playwright-core';

export const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';

/** Why the browser tests cannot run here, or null when they can. */
export function chromiumMissing(): string | null {
  try {
    statSync(CHROMIUM);
    return null;
  } catch {
    return `no Chromium at ${CHROMIUM} (install Debian's chromium, or set CHROMIUM)`;
  }
}

export interface Chromium {
  browser: Browser;
  page: Page;
  close(): Promise<void>;
}

/**
 * Launches Chromium with WebGPU (SwiftShader on a machine without a GPU: only with
 * --enable-unsafe-webgpu), cut off from the network it would otherwise reach for; playwright gives
 * each launch a fresh profile (a new --user-data-dir).
 */
export async function launchChromium(): Promise<Chromium> {
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--enable-unsafe-webgpu',
      '--no-sandbox',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--disable-quic',
      '--no-first-run',
    ],
  });
  const page = await browser.newPage();
  page.on('console', (message) => {
    if (process.env.WEBGRAD_BROWSER_LOG) console.log(`[chromium] ${message.text()}`);
  });
  return {
    browser,
    page,
    async close() {
      await browser.close();
    },
  };
}

const TYPES: Record<string, string> = {
  '.html': 'text/html',
  '.js': 'text/javascript',
  '.mjs': 'text/javascript',
  '.css': 'text/css',
  '.json': 'application/json',
  '.png': 'image/png',
};

/** Serves `files` (URL path → bytes) first, then the files under `dir`, on 127.0.0.1. */
export async function serve(dir: string | null, files: Record<string, string | Uint8Array> = {}): Promise<{ url: string; close(): Promise<void> }> {
  const server: Server = createServer((request, response) => {
    let path = decodeURIComponent(new URL(request.url ?? '/', 'http://127.0.0.1').pathname);
    if (path.endsWith('/')) path += 'index.html';
    const type = TYPES[extname(path)] ?? 'application/octet-stream';
    let body: string | Uint8Array | undefined = files[path];
    if (body === undefined && dir) {
      const file = normalize(join(dir, path));
      if (file.startsWith(dir)) {
        try {
          body = readFileSync(file);
        } catch {
          /* not found */
        }
      }
    }
    if (body === undefined) {
      response.writeHead(404).end();
      return;
    }
    response.writeHead(200, { 'content-type': type }).end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, close: () => new Promise((resolve) => server.close(() => resolve())) };
}
