import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inflateSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  comparisonCurvesSvg, confusionMatrix, confusionSvg, confusionText, MetricsWriter, parseMetricsCsv, readMetrics, trainingCurvesSvg, writeFigures,
  type EpochMetrics, type StepMetrics,
} from '../../examples/alexnet-cifar/report/index.js';
import { niceTicks } from '../../examples/alexnet-cifar/report/svg.js';

const CLASSES = ['airplane', 'automobile', 'bird', 'cat', 'deer', 'dog', 'frog', 'horse', 'ship', 'truck'];

/** A PNG's 8-bit pixel bytes from its inflated image data: each row's filter (PNG spec, section 9) undone. */
function unfilterPng(data: Uint8Array, width: number, bytesPerPixel: number): Uint8Array {
  const stride = width * bytesPerPixel;
  const rows = data.length / (stride + 1);
  const out = new Uint8Array(rows * stride);
  for (let y = 0; y < rows; y++) {
    const filter = data[y * (stride + 1)];
    for (let x = 0; x < stride; x++) {
      const raw = data[y * (stride + 1) + 1 + x];
      const a = x >= bytesPerPixel ? out[y * stride + x - bytesPerPixel] : 0;
      const b = y > 0 ? out[(y - 1) * stride + x] : 0;
      const c = x >= bytesPerPixel && y > 0 ? out[(y - 1) * stride + x - bytesPerPixel] : 0;
      const p = a + b - c;
      const paeth = Math.abs(p - a) <= Math.abs(p - b) && Math.abs(p - a) <= Math.abs(p - c) ? a : Math.abs(p - b) <= Math.abs(p - c) ? b : c;
      out[y * stride + x] = raw + [0, a, b, (a + b) >> 1, paeth][filter];
    }
  }
  return out;
}

/** Checks that `xml` is well-formed enough for any SVG viewer: one root, balanced and properly nested tags, escaped text. */
function expectWellFormed(xml: string): void {
  const body = xml.replace(/^<\?xml[^?]*\?>\s*/, '');
  const stack: string[] = [];
  let roots = 0;
  const tag = /<(\/?)([A-Za-z][\w:-]*)((?:\s+[\w:-]+="[^"<]*")*)\s*(\/?)>|<|>/g;
  let m: RegExpExecArray | null;
  let last = 0;
  while ((m = tag.exec(body))) {
    const between = body.slice(last, m.index);
    expect(between, 'text must escape &').not.toMatch(/&(?!(amp|lt|gt|quot|apos|#\d+);)/);
    last = tag.lastIndex;
    if (!m[2]) expect.fail(`stray '${m[0]}' at ${m.index}: ${body.slice(m.index - 40, m.index + 40)}`);
    const [, close, name, , selfClose] = m;
    if (close) expect(stack.pop(), `closing </${name}>`).toBe(name);
    else if (!selfClose) {
      if (stack.length === 0) roots++;
      stack.push(name);
    } else if (stack.length === 0) roots++;
  }
  expect(stack).toEqual([]);
  expect(roots).toBe(1);
  expect(body.trimStart().startsWith('<svg')).toBe(true);
}

const count = (s: string, re: RegExp) => (s.match(re) ?? []).length;

function sampleEpochs(n: number): EpochMetrics[] {
  return Array.from({ length: n }, (_, i) => ({
    epoch: i + 1,
    trainLoss: 2.3 * Math.exp(-0.3 * i) + 0.1,
    testLoss: 2.2 * Math.exp(-0.25 * i) + 0.3,
    testAccuracy: 0.1 + 0.6 * (1 - Math.exp(-0.4 * i)),
    lr: 0.01 * 0.9 ** i,
    seconds: 12.5 + i / 3,
    imagesPerSecond: 80 + i,
  }));
}

describe('metrics files', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'webgrad-report-test-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('writes CSV and JSONL that parse back to the same numbers', async () => {
    const out = join(dir, 'run1');
    const metrics = await MetricsWriter.open(out);
    const epochs = sampleEpochs(3);
    const steps: StepMetrics[] = [];
    for (const e of epochs) {
      for (let b = 0; b < 4; b++) {
        const s = { step: steps.length + 1, epoch: e.epoch - 1 + (b + 1) / 4, loss: e.trainLoss + b * 0.01, lr: e.lr };
        steps.push(s);
        await metrics.step(s);
      }
      await metrics.epoch(e);
    }
    const csv = await readFile(join(out, 'metrics.csv'), 'utf8');
    expect(csv.split('\n')[0]).toBe('epoch,train_loss,test_loss,test_accuracy,lr,seconds,images_per_s');
    expect(parseMetricsCsv(csv)).toEqual(epochs);
    const back = await readMetrics(out);
    expect(back.epochs).toEqual(epochs);
    expect(back.steps).toEqual(steps);
    const jsonl = (await readFile(join(out, 'metrics.jsonl'), 'utf8')).trim().split('\n');
    expect(JSON.parse(jsonl[1])).toEqual(epochs[1]);
  });

  it('appends on resume, starts afresh otherwise, and keeps a diverged loss as NaN', async () => {
    const out = join(dir, 'run2');
    const [e1, e2] = sampleEpochs(2);
    await (await MetricsWriter.open(out)).epoch(e1);
    await (await MetricsWriter.open(out, { resume: true })).epoch({ ...e2, trainLoss: Number.NaN });
    const { epochs } = await readMetrics(out);
    expect(epochs.map((e) => e.epoch)).toEqual([1, 2]);
    expect(epochs[1].trainLoss).toBeNaN();
    expect(parseMetricsCsv(await readFile(join(out, 'metrics.csv'), 'utf8'))[1].trainLoss).toBeNaN();
    await MetricsWriter.open(out);
    expect((await readMetrics(out)).epochs).toEqual([]);
  });
});

describe('figures', () => {
  it('draws two labelled panels with one marker per epoch and the step curve', () => {
    const epochs = sampleEpochs(7);
    const steps = Array.from({ length: 70 }, (_, i) => ({ step: i + 1, epoch: (i + 1) / 10, loss: 2.4 - i * 0.02 + ((i * 7) % 5) * 0.03 }));
    const svg = trainingCurvesSvg(epochs, steps, { title: 'AlexNet <CIFAR-10> & friends' });
    expectWellFormed(svg);
    expect(svg).toContain('AlexNet &lt;CIFAR-10&gt; &amp; friends');
    expect(count(svg, /class="x-label">epoch</g)).toBe(2);
    expect(svg).toContain('>cross-entropy loss<');
    expect(svg).toContain('>accuracy (%)<');
    expect(count(svg, /<circle[^>]*data-series="train-loss"/g)).toBe(7);
    expect(count(svg, /<circle[^>]*data-series="test-loss"/g)).toBe(7);
    expect(count(svg, /<circle[^>]*data-series="test-accuracy"/g)).toBe(7);
    const stepLine = svg.match(/<polyline[^>]*data-series="step-loss"[^>]*points="([^"]*)"/);
    expect(stepLine?.[1].trim().split(' ').length).toBe(70);
    expect(count(svg, /class="legend"/g)).toBe(2);
    expect(svg).toMatch(/best 64\.56% at epoch 7/);
    // Whole-epoch ticks within the data's span on both panels: 0..7 with steps (from 0), 1..7 without.
    const ticks = [...svg.matchAll(/class="x-tick">(\d+)</g)].map((x) => Number(x[1]));
    expect(Math.min(...ticks)).toBe(0);
    expect(Math.max(...ticks)).toBeLessThanOrEqual(7);
  });

  it('draws several runs on shared axes, one colour and one legend entry each', () => {
    const run = (name: string, n: number, shift: number) => ({
      name,
      epochs: sampleEpochs(n).map((e) => ({ ...e, testLoss: e.testLoss + shift })),
      steps: Array.from({ length: 10 * n }, (_, i) => ({ step: i + 1, epoch: (i + 1) / 10, loss: 2.3 - i * 0.01 + shift })),
    });
    const svg = comparisonCurvesSvg([run('kaiming', 3, 0), run('torch', 2, 0.5)], { title: 'three inits' });
    expectWellFormed(svg);
    expect(count(svg, /<circle[^>]*data-series="test-loss-0"/g)).toBe(3);
    expect(count(svg, /<circle[^>]*data-series="test-loss-1"/g)).toBe(2);
    expect(count(svg, /<circle[^>]*data-series="test-accuracy-1"/g)).toBe(2);
    expect(svg.match(/<polyline[^>]*data-series="step-loss-1"[^>]*points="([^"]*)"/)?.[1].trim().split(' ').length).toBe(20);
    expect(svg).toContain('>kaiming: train loss<');
    expect(svg).toContain('>torch<');
  });

  it('draws a single epoch, no steps, and a NaN loss without breaking the document', () => {
    const [e] = sampleEpochs(1);
    expectWellFormed(trainingCurvesSvg([e]));
    const epochs = sampleEpochs(4);
    epochs[2].testLoss = Number.NaN;
    const svg = trainingCurvesSvg(epochs);
    expectWellFormed(svg);
    expect(svg).not.toContain('NaN');
    expect(count(svg, /<circle[^>]*data-series="test-loss"/g)).toBe(3);
    expect(count(svg, /<polyline[^>]*data-series="test-loss"/g)).toBe(2);
    expectWellFormed(trainingCurvesSvg([]));
  });

  it('counts, draws and prints a confusion matrix', () => {
    const labels = [0, 0, 1, 2, 2, 2, 9, 9, 3];
    const preds = [0, 1, 1, 2, 2, 0, 9, 8, 3];
    const m = confusionMatrix(preds, labels, 10);
    expect(m[0]).toEqual([1, 1, 0, 0, 0, 0, 0, 0, 0, 0]);
    expect(m[2][0]).toBe(1);
    expect(m[9][8]).toBe(1);
    expect(() => confusionMatrix([10], [0], 10)).toThrow(/item 0 has label 0 and prediction 10/);
    const svg = confusionSvg(m, CLASSES, { title: 'Test set' });
    expectWellFormed(svg);
    expect(count(svg, /class="cell"/g)).toBe(100);
    expect(count(svg, /class="row-label"/g)).toBe(10);
    expect(svg).toContain('>automobile<');
    expect(svg).toContain('>predicted class<');
    expect(svg).toContain('>true class<');
    expect(svg).toContain('accuracy 66.67%');
    const counts = [...svg.matchAll(/class="count">(\d+)</g)].map((x) => Number(x[1]));
    expect(counts).toEqual(m.flat());
    const text = confusionText(m, CLASSES);
    const lines = text.split('\n');
    expect(lines.length).toBe(12);
    expect(lines[1]).toMatch(/^airplane\s+1\s+1(\s+0){8}\s+50\.0%$/);
    expect(lines[11]).toBe('accuracy 66.67% (6 / 9)');
  });

  it('writes the figures into a run folder', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'webgrad-figures-'));
    try {
      const m = confusionMatrix([1, 2], [1, 2], 10);
      const paths = await writeFigures(dir, { epochs: sampleEpochs(2), confusion: { matrix: m, classes: CLASSES } });
      expect(paths.map((p) => p.slice(dir.length + 1))).toEqual(['curves.svg', 'confusion.svg']);
      expect((await readdir(dir)).sort()).toEqual(['confusion.svg', 'curves.svg']);
      expectWellFormed(await readFile(join(dir, 'curves.svg'), 'utf8'));
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('--png renders each figure as a PNG twice the SVG size, with ink on white, needing no system program', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'webgrad-figures-'));
    try {
      const m = confusionMatrix([1, 2], [1, 2], 10);
      const paths = await writeFigures(dir, { epochs: sampleEpochs(2), confusion: { matrix: m, classes: CLASSES }, png: true });
      expect(paths.map((p) => p.slice(dir.length + 1))).toEqual(['curves.svg', 'confusion.svg', 'curves.png', 'confusion.png']);
      for (const name of ['curves', 'confusion']) {
        const svg = await readFile(join(dir, `${name}.svg`), 'utf8');
        const [, width, height] = svg.match(/<svg[^>]* width="(\d+)" height="(\d+)"/)!.map(Number);
        const png = await readFile(join(dir, `${name}.png`));
        expect(png.subarray(0, 8)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
        expect([png.readUInt32BE(16), png.readUInt32BE(20)]).toEqual([2 * width, 2 * height]);
        // The pixels (IDAT chunks, inflated): mostly white background, and dark strokes and text on it.
        const idat: Buffer[] = [];
        for (let at = 8; at < png.length; at += 12 + png.readUInt32BE(at)) {
          if (png.toString('latin1', at + 4, at + 8) === 'IDAT') idat.push(png.subarray(at + 8, at + 8 + png.readUInt32BE(at)));
        }
        const pixels = unfilterPng(inflateSync(Buffer.concat(idat)), 2 * width, png[25] === 6 ? 4 : 3);
        const white = pixels.filter((b) => b === 255).length / pixels.length;
        expect(white).toBeGreaterThan(0.5);
        expect(white).toBeLessThan(0.995);
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('picks round ticks', () => {
    expect(niceTicks(0.43, 2.31, 5).ticks).toEqual([0, 0.5, 1, 1.5, 2, 2.5]);
    expect(niceTicks(1, 30, 6).ticks).toEqual([0, 5, 10, 15, 20, 25, 30]);
    expect(niceTicks(61.2, 61.2, 5).ticks.length).toBeGreaterThan(2);
    // A range that starts below zero has a tick at exactly 0 (not the 7e-18 that adding steps gives).
    expect(niceTicks(-0.06, 0.06, 6).ticks).toEqual([-0.06, -0.04, -0.02, 0, 0.02, 0.04, 0.06]);
  });
});
