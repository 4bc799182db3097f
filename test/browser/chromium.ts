// Headless Chromium for the browser tests: Debian's /usr/bin/chromium (never a downloaded browser)
// driven by playwright-core. Pages come from scripts/serve-static.ts on 127.0.0.1 (a secure
// context, so WebGPU is offered).
import { statSync } from 'node:fs';
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
