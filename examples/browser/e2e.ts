// The page end to end in headless Chromium: it trains alexnet-small for a few steps on a CIFAR-10
// batch file served beside it and classifies test images with a checkpoint written by the AlexNet
// example; Node computes the same from the same files (this module's session.ts on Dawn), and the
// losses and logits must agree within 1e-4. Saves a screenshot of the page (examples/browser/screenshot.png
// when given real images).
// Usage: tsx examples/browser/e2e.ts   (CIFAR10_DIR=…/cifar-10-batches-bin: real images instead of synthetic ones)
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { init, release } from '../../src/node.js';
import { AlexNet } from '../alexnet-cifar/models.js';
import { CHECKPOINT_FILE, saveCheckpoint } from '../alexnet-cifar/checkpoint.js';
import { optim } from '../../src/index.js';
import { syntheticRecords } from '../../test/cifar-fixture.js';
import { chromiumMissing, launchChromium } from '../../test/browser/chromium.js';
import { CLASS_NAMES, parseCifarBatch, predictions, Session } from './session.js';
import { servePage } from './serve.js';
import { UsageError, parseFlags, usageLine } from '../../scripts/cli.js';

const TOLERANCE = 1e-4;
const BATCH = 2;
const STEPS = 3;
const CLASSIFY = 8;
// The README's screenshot shows real images: it is replaced only when CIFAR10_DIR gives them.
const SCREENSHOT = process.env.CIFAR10_DIR ? fileURLToPath(new URL('./screenshot.png', import.meta.url)) : join(tmpdir(), 'webgrad-browser-example.png');

try {
  if (parseFlags({ args: process.argv.slice(2), options: { help: { type: 'boolean', short: 'h' } } }).values.help) {
    console.log('usage: tsx examples/browser/e2e.ts   (CIFAR10_DIR=…/cifar-10-batches-bin: real images, and the README screenshot)');
    process.exit(0);
  }
} catch (error) {
  console.error(usageLine('browser example', error as UsageError));
  process.exit(2);
}
const missing = chromiumMissing();
if (missing) {
  console.error(`browser example: ${missing}`);
  process.exit(1);
}

const dir = mkdtempSync(join(tmpdir(), 'webgrad-browser-example-'));
try {
  // The files the page is given: a training batch, a test batch and the AlexNet example's checkpoint.
  const cifar = process.env.CIFAR10_DIR;
  const trainBytes = cifar ? readFileSync(join(cifar, 'data_batch_1.bin')).subarray(0, 64 * 3073) : syntheticRecords(16, 1);
  const testBytes = cifar ? readFileSync(join(cifar, 'test_batch.bin')).subarray(0, 64 * 3073) : syntheticRecords(16, 100);
  writeFileSync(join(dir, 'train.bin'), trainBytes);
  writeFileSync(join(dir, 'test.bin'), testBytes);
  await init();
  {
    const model = new AlexNet('alexnet-small', { seed: 7 });
    const opt = new optim.SGD(model.parameters(), { lr: 0.01, momentum: 0.9 });
    const progress = { epoch: 1, batch: 0, globalStep: 0, dropoutMasks: [], schedule: null, lastLoss: null };
    const refused = await saveCheckpoint(dir, model, opt, progress);
    if (refused) throw new Error(`the checkpoint was not written: ${refused} is not finite`);
    opt.dispose();
    model.dispose();
  }

  // Node's answers.
  const train = parseCifarBatch(trainBytes, 'train.bin');
  const test = parseCifarBatch(testBytes, 'test.bin');
  // Uniform initialisation: He's normal draws differ slightly between adapters (session.ts).
  const session = new Session({ init: 'torch' });
  const nodeLosses: number[] = [];
  for (let step = 0; step < STEPS; step++) nodeLosses.push(await session.trainStep(train, step * BATCH, BATCH));
  session.loadCheckpoint(readFileSync(join(dir, CHECKPOINT_FILE)));
  const nodeLogits = await session.logits(test, 0, CLASSIFY);
  session.dispose();
  await release();

  // The page's.
  const server = await servePage(dir);
  const chromium = await launchChromium();
  let page: { losses: number[]; imagesPerSecond: number[]; logits?: number[]; labels?: number[]; error?: string };
  let shown: { using: string[]; speed: string; captions: string[] };
  try {
    await chromium.page.setViewportSize({ width: 800, height: 720 });
    const query = `train=data/train.bin&test=data/test.bin&checkpoint=data/${CHECKPOINT_FILE}&batch=${BATCH}&steps=${STEPS}&classify=${CLASSIFY}&init=torch&auto`;
    await chromium.page.goto(`${server.url}/index.html?${query}`);
    await chromium.page.waitForFunction(() => (globalThis as { webgradExample?: { done: boolean } }).webgradExample?.done, null, { timeout: 300_000, polling: 500 });
    page = (await chromium.page.evaluate(() => (globalThis as { webgradExample?: unknown }).webgradExample)) as typeof page;
    shown = await chromium.page.evaluate(() => ({
      using: ['trainFileUsing', 'testFileUsing', 'checkpointFileUsing'].map((id) => document.getElementById(id)!.textContent ?? ''),
      speed: document.getElementById('speed')!.textContent ?? '',
      captions: Array.from(document.querySelectorAll('#images figcaption'), (c) => c.textContent ?? ''),
    }));
    await chromium.page.screenshot({ path: SCREENSHOT, fullPage: true });
  } finally {
    await chromium.close();
    await server.close();
  }
  if (page.error) throw new Error(`the page failed: ${page.error}`);

  const lossGap = Math.max(...nodeLosses.map((l, i) => Math.abs(l - page.losses[i])));
  const logitGap = Math.max(...Array.from(nodeLogits, (l, i) => Math.abs(l - page.logits![i])));
  console.log(`losses  Node ${nodeLosses.map((l) => l.toFixed(5)).join(' ')}`);
  console.log(`        page ${page.losses.map((l) => l.toFixed(5)).join(' ')} (${page.imagesPerSecond.map((r) => r.toFixed(1)).join(', ')} images/s)`);
  console.log(`classes Node ${predictions(nodeLogits).join(' ')}, page ${predictions(Float32Array.from(page.logits!)).join(' ')}, true ${page.labels!.join(' ')}`);
  console.log(`largest difference: losses ${lossGap.toExponential(2)}, logits ${logitGap.toExponential(2)} (tolerance ${TOLERANCE}); screenshot ${SCREENSHOT}`);
  // What the page shows: the files it uses beside their pickers, images/s, and each image's predicted and true class.
  const pagePredictions = predictions(Float32Array.from(page.logits!));
  const expected = {
    using: [
      `using data/train.bin (from the address): ${train.count} images`,
      `using data/test.bin (from the address): ${test.count} images`,
      `using data/${CHECKPOINT_FILE} (from the address)`,
    ],
    captions: pagePredictions.map((p, k) => `${p === page.labels![k] ? '✓' : '✗'} ${CLASS_NAMES[p]}true: ${CLASS_NAMES[page.labels![k]]}`),
  };
  const shownOk = JSON.stringify([shown.using, shown.captions]) === JSON.stringify([expected.using, expected.captions]) && /images\/s median of steps 2–/.test(shown.speed);
  if (!shownOk) console.log(`the page shows ${JSON.stringify(shown)}, expected ${JSON.stringify(expected)} and images/s`);
  const ok = shownOk && page.losses.length === STEPS && page.logits!.length === nodeLogits.length && lossGap <= TOLERANCE && logitGap <= TOLERANCE;
  console.log(ok ? 'browser example: ok' : 'browser example: FAILED');
  process.exitCode = ok ? 0 : 1;
} finally {
  rmSync(dir, { recursive: true, force: true });
}
