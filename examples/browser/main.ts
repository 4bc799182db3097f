// The page: WebGPU from navigator.gpu, alexnet-small trained on the CIFAR-10 batch file it is given
// with a live loss curve, and a checkpoint of the AlexNet example classifying test images.
// URL parameters run it unattended (the end-to-end test does): ?train=FILE&test=FILE&checkpoint=FILE
// &batch=N&steps=N&classify=N&init=torch|kaiming&auto, files fetched from beside the page.
import { init, type nn } from '../../src/index.js';
import { niceTicks, tickLabel } from '../alexnet-cifar/report/svg.js';
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

/** The file chosen in `input`, else the one the address names (`?param=URL`), fetched. */
async function fileBytes(input: HTMLInputElement, param: string): Promise<{ bytes: Uint8Array; name: string; from: string } | null> {
  const file = input.files?.[0];
  if (file) return { bytes: new Uint8Array(await file.arrayBuffer()), name: file.name, from: 'chosen' };
  const url = params.get(param);
  if (!url) return null;
  const response = await fetch(url);
  if (!response.ok) throw new Error(`${url}: HTTP ${response.status}`);
  return { bytes: new Uint8Array(await response.arrayBuffer()), name: url, from: 'from the address' };
}

/** Says beside a file picker what is used: the file chosen, or the one the address names. */
function showSource(input: HTMLInputElement, text: string): void {
  $(`${input.id}Using`).textContent = text;
}

async function cifar(input: HTMLInputElement, param: string): Promise<CifarBatch | null> {
  const f = await fileBytes(input, param);
  if (!f) return null;
  const batch = parseCifarBatch(f.bytes, f.name);
  showSource(input, `using ${f.name} (${f.from}): ${batch.count.toLocaleString('en')} images`);
  return batch;
}

/** The loss per step, its axis spanning the losses (not from 0), so that a small fall shows. */
function plotLosses(losses: number[]): void {
  const canvas = $<HTMLCanvasElement>('loss');
  const g = canvas.getContext('2d')!;
  const { width, height } = canvas;
  const [left, right, top, bottom] = [44, 12, 8, 30];
  g.clearRect(0, 0, width, height);
  if (losses.length === 0) return;
  const axis = niceTicks(Math.min(...losses), Math.max(...losses), 4);
  const steps = niceTicks(1, Math.max(2, losses.length), 8);
  const x = (step: number) => left + ((width - left - right) * (step - 1)) / Math.max(1, steps.hi - 1);
  const y = (v: number) => height - bottom - ((height - top - bottom) * (v - axis.lo)) / (axis.hi - axis.lo);
  g.font = '11px system-ui';
  g.lineWidth = 1;
  for (const v of axis.ticks) {
    g.strokeStyle = '#eee';
    g.beginPath();
    g.moveTo(left, y(v));
    g.lineTo(width - right, y(v));
    g.stroke();
    g.fillStyle = '#555';
    g.fillText(tickLabel(v), 2, y(v) + 4);
  }
  for (const step of steps.ticks.filter((t) => t >= 1 && Number.isInteger(t))) g.fillText(String(step), x(step) - 3, height - bottom + 14);
  g.fillText('step', width - right - 24, height - 2);
  g.strokeStyle = '#999';
  g.beginPath();
  g.moveTo(left, top);
  g.lineTo(left, height - bottom);
  g.lineTo(width - right, height - bottom);
  g.stroke();
  g.strokeStyle = '#1f6fd1';
  g.fillStyle = '#1f6fd1';
  g.lineWidth = 1.5;
  g.beginPath();
  losses.forEach((v, i) => (i === 0 ? g.moveTo(x(i + 1), y(v)) : g.lineTo(x(i + 1), y(v))));
  g.stroke();
  if (losses.length <= 50) for (const [i, v] of losses.entries()) g.fillRect(x(i + 1) - 2, y(v) - 2, 4, 4);
}

/** Images/s of the last step, and the median over the steps after the first (which compiles the kernels). */
function speedText(rates: number[]): string {
  const last = `${rates[rates.length - 1].toFixed(1)} images/s this step`;
  const later = rates.slice(1).sort((a, b) => a - b);
  if (later.length === 0) return `${last} (the first step compiles the GPU kernels)`;
  const median = later.length % 2 ? later[later.length >> 1] : (later[later.length / 2 - 1] + later[later.length / 2]) / 2;
  return `${last}, ${median.toFixed(1)} images/s median of steps 2–${rates.length}`;
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
    $('speed').textContent = `step ${step + 1}/${steps}: loss ${loss.toFixed(4)}; ${speedText(outcome.imagesPerSecond)}`;
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
    const predictedLabel = document.createElement('div');
    predictedLabel.className = p === truth ? 'right' : 'wrong';
    predictedLabel.textContent = `${p === truth ? '✓' : '✗'} ${CLASS_NAMES[p]}`;
    const trueLabel = document.createElement('div');
    trueLabel.className = 'truth';
    trueLabel.textContent = `true: ${CLASS_NAMES[truth]}`;
    caption.append(predictedLabel, trueLabel);
    figure.append(drawImage(test, k), caption);
    grid.append(figure);
  });
  if (checkpoint) showSource($('checkpointFile'), `using ${checkpoint.name} (${checkpoint.from})`);
  $('accuracy').textContent = `${right}/${n} right (${checkpoint ? `weights of ${checkpoint.name}` : 'weights as trained here'}): the predicted class, then the true one, under each image`;
}

function report(error: unknown): void {
  const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  outcome.error = message;
  $('status').textContent = message;
}

async function main(): Promise<void> {
  for (const id of ['batch', 'steps', 'lr']) if (params.has(id)) $<HTMLInputElement>(id).value = params.get(id)!;
  for (const [id, param] of [['trainFile', 'train'], ['testFile', 'test'], ['checkpointFile', 'checkpoint']] as const) {
    const input = $<HTMLInputElement>(id);
    const url = params.get(param);
    showSource(input, url ? `using ${url} (from the address) unless you choose a file` : '');
    input.onchange = () => showSource(input, input.files?.[0] ? `using ${input.files[0].name} (chosen)` : '');
  }
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
