// The page: WebGPU from navigator.gpu, alexnet-small trained on the CIFAR-10 batch file it is given
// with a live loss curve, and a checkpoint of the AlexNet example classifying test images.
// URL parameters run it unattended (the end-to-end test does): ?train=FILE&test=FILE&checkpoint=FILE
// &batch=N&steps=N&classify=N&init=torch|kaiming&auto, files fetched from beside the page.
import { init, type nn } from '../../src/index.js';
import { CLASS_NAMES, parseCifarBatch, predictions, Session, type CifarBatch } from './session.js';

interface Outcome {
  losses: number[];
  imagesPerSecond: number[];
  logits?: number[];
  labels?: number[];
  done: boolean;
  error?: string;
}
const outcome: Outcome = { losses: [], imagesPerSecond: [], done: false };
(globalThis as { webgradExample?: Outcome }).webgradExample = outcome;

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const params = new URLSearchParams(location.search);
const num = (id: string, fallback: number) => Number(params.get(id) ?? ($<HTMLInputElement>(id).value || fallback));

let session: Session | null = null;
let stopping = false;

async function fileBytes(input: HTMLInputElement, param: string): Promise<{ bytes: Uint8Array; name: string } | null> {
  const file = input.files?.[0];
  if (file) return { bytes: new Uint8Array(await file.arrayBuffer()), name: file.name };
  const url = params.get(param);
  if (!url) return null;
  const response = await fetch(url);
  if (!response.ok) throw new Error(`${url}: HTTP ${response.status}`);
  return { bytes: new Uint8Array(await response.arrayBuffer()), name: url };
}

async function cifar(input: HTMLInputElement, param: string): Promise<CifarBatch | null> {
  const f = await fileBytes(input, param);
  return f ? parseCifarBatch(f.bytes, f.name) : null;
}

function plotLosses(losses: number[]): void {
  const canvas = $<HTMLCanvasElement>('loss');
  const g = canvas.getContext('2d')!;
  const { width, height } = canvas;
  const pad = 32;
  g.clearRect(0, 0, width, height);
  if (losses.length === 0) return;
  const top = Math.max(...losses) * 1.05;
  const x = (i: number) => pad + ((width - pad - 8) * i) / Math.max(1, losses.length - 1);
  const y = (v: number) => height - pad + ((pad + 8 - height) * v) / top;
  g.strokeStyle = '#999';
  g.fillStyle = '#555';
  g.font = '11px system-ui';
  g.beginPath();
  g.moveTo(pad, 8);
  g.lineTo(pad, height - pad);
  g.lineTo(width - 8, height - pad);
  g.stroke();
  for (const v of [0, top / 2, top]) g.fillText(v.toFixed(2), 2, y(v) + 4);
  g.fillText(String(losses.length), x(losses.length - 1) - 8, height - pad + 14);
  g.fillText('step', width - 36, height - 4);
  g.strokeStyle = '#1f6fd1';
  g.lineWidth = 1.5;
  g.beginPath();
  losses.forEach((v, i) => (i === 0 ? g.moveTo(x(i), y(v)) : g.lineTo(x(i), y(v))));
  g.stroke();
}

async function train(): Promise<void> {
  const data = await cifar($('trainFile'), 'train');
  if (!data) throw new Error('choose a CIFAR-10 batch file to train on (data_batch_1.bin, …)');
  const batch = num('batch', 4);
  const steps = num('steps', 50);
  session?.dispose();
  session = new Session({ lr: num('lr', 0.01), init: (params.get('init') as nn.InitScheme | null) ?? 'kaiming' });
  stopping = false;
  $<HTMLButtonElement>('stop').disabled = false;
  outcome.losses = [];
  outcome.imagesPerSecond = [];
  for (let step = 0; step < steps && !stopping; step++) {
    const start = performance.now();
    const loss = await session.trainStep(data, step * batch, batch);
    const rate = batch / ((performance.now() - start) / 1000);
    outcome.losses.push(loss);
    outcome.imagesPerSecond.push(rate);
    plotLosses(outcome.losses);
    $('speed').textContent = `step ${step + 1}/${steps}: loss ${loss.toFixed(4)}, ${rate.toFixed(1)} images/s`;
  }
  $<HTMLButtonElement>('stop').disabled = true;
}

function drawImage(data: CifarBatch, k: number): HTMLCanvasElement {
  const canvas = document.createElement('canvas');
  canvas.width = canvas.height = 32;
  const g = canvas.getContext('2d')!;
  const image = g.createImageData(32, 32);
  const px = data.images.subarray(k * 3072, (k + 1) * 3072);
  for (let i = 0; i < 1024; i++) {
    image.data.set([px[i], px[1024 + i], px[2048 + i], 255], i * 4);
  }
  g.putImageData(image, 0, 0);
  return canvas;
}

async function classify(): Promise<void> {
  const checkpoint = await fileBytes($('checkpointFile'), 'checkpoint');
  const test = (await cifar($('testFile'), 'test')) ?? (await cifar($('trainFile'), 'train'));
  if (!test) throw new Error('choose a test batch file (test_batch.bin)');
  session ??= new Session();
  if (checkpoint) session.loadCheckpoint(checkpoint.bytes);
  const n = Math.min(num('classify', 16), test.count);
  const logits = await session.logits(test, 0, n);
  const predicted = predictions(logits);
  outcome.logits = Array.from(logits);
  outcome.labels = Array.from(test.labels.subarray(0, n));
  const grid = $('images');
  grid.replaceChildren();
  let right = 0;
  predicted.forEach((p, k) => {
    const truth = test.labels[k];
    if (p === truth) right++;
    const figure = document.createElement('figure');
    const caption = document.createElement('figcaption');
    caption.className = p === truth ? 'right' : 'wrong';
    caption.textContent = `${CLASS_NAMES[p]} (${CLASS_NAMES[truth]})`;
    figure.append(drawImage(test, k), caption);
    grid.append(figure);
  });
  $('accuracy').textContent = `${right}/${n} right, ${checkpoint ? `weights from ${checkpoint.name}` : 'weights as trained here'}; predicted (true) under each image`;
}

function report(error: unknown): void {
  const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  outcome.error = message;
  $('status').textContent = message;
}

async function main(): Promise<void> {
  for (const id of ['batch', 'steps', 'lr']) if (params.has(id)) $<HTMLInputElement>(id).value = params.get(id)!;
  const info = await init();
  $('status').textContent = `WebGPU: ${[info.vendor, info.architecture, info.description].filter(Boolean).join(' ')}${info.software ? ' (a software adapter: slow)' : ''}`;
  for (const id of ['train', 'classify']) $<HTMLButtonElement>(id).disabled = false;
  $('train').onclick = () => train().catch(report);
  $('stop').onclick = () => (stopping = true);
  $('classify').onclick = () => classify().catch(report);
  if (params.has('auto')) {
    await train();
    await classify();
  }
  outcome.done = true;
}

main().catch((error) => {
  report(error);
  outcome.done = true;
});
