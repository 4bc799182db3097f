// The GPT page end to end in headless Chromium: a tiny model (1 layer, width 16) trains on the
// sorting task for 40 steps; its loss must fall below 80% of the first step's and the page must show
// the held-out problems with the model's answers. Usage: tsx examples/browser/gpt-e2e.ts
import { chromiumMissing, launchChromium } from '../../test/browser/chromium.js';
import { servePage } from './serve.js';

const STEPS = 40;
const missing = chromiumMissing();
if (missing) {
  console.error(`browser GPT example: ${missing}`);
  process.exit(1);
}
const server = await servePage(null);
const chromium = await launchChromium();
let page: { losses: number[]; accuracies: number[]; error?: string };
let rows: string[][];
try {
  await chromium.page.goto(`${server.url}/gpt.html?task=sort&steps=${STEPS}&batch=16&layers=1&embed=16&evalEvery=${STEPS}&auto`);
  await chromium.page.waitForFunction(() => (globalThis as { webgradGpt?: { done: boolean } }).webgradGpt?.done, null, { timeout: 300_000, polling: 500 });
  page = (await chromium.page.evaluate(() => (globalThis as { webgradGpt?: unknown }).webgradGpt)) as typeof page;
  rows = await chromium.page.evaluate(() => Array.from(document.querySelectorAll('#answers tr'), (tr) => Array.from(tr.children, (td) => td.textContent ?? '')));
} finally {
  await chromium.close();
  await server.close();
}
if (page.error) {
  console.error(`browser GPT example: the page failed: ${page.error}`);
  process.exit(1);
}
const first = page.losses[0];
const last = page.losses.at(-1)!;
console.log(`losses ${first.toFixed(4)} → ${last.toFixed(4)} over ${page.losses.length} steps; held-out accuracy ${page.accuracies.map((a) => (100 * a).toFixed(1)).join(', ')}%`);
console.log(`answers shown: ${rows.map((r) => `${r[0]} → ${r[1]} (${r[2]})`).join('; ')}`);
const sorted = (r: string[]) => r[2] === r[0].split(' ').sort().join('');
const ok =
  page.losses.length === STEPS && page.losses.every(Number.isFinite) && last < 0.8 * first &&
  page.accuracies.length === 1 && rows.length === 8 && rows.every((r) => /^[0-2]{6}$/.test(r[1]) && sorted(r));
console.log(ok ? 'browser GPT example: ok' : 'browser GPT example: FAILED');
process.exitCode = ok ? 0 : 1;
