// Winograd's two tiles beside im2col, by the CPU time of the adapter's worker threads (a CPU
// adapter's work, which other load on the machine barely changes; /proc, Linux): AlexNet's conv3–5
// at batch 8, alexnet-small's at batch 16 (7×7), the CIFAR ResNet's 3×3 layers at batch 64. For
// each layer and pass, the lower of two medians of 5 repetitions of each form (the forms alternated), in ms.
// Run: npx tsx bench/winograd-tiles.ts [forward|dx|dW]
import { init, tensor, withPolicy } from '../src/node.js';
import { conv2dBackwardKernel, conv2dKernel, planConv2d, type ConvGeometry } from '../src/kernels/conv.js';
import { bindingLimits } from '../src/kernels/ranges.js';
import { runtime } from '../src/device/current.js';
import { winogradBackwardKernel, winogradConv2dKernel } from '../src/kernels/winograd.js';
import type { Tensor } from '../src/tensor/tensor.js';
import { layerAt, type ConvLayer } from './cases/alexnet.js';
import { median, workerCpuMs } from './timing.js';

/** conv2d's plan under the current policy (the im2col form here). */
const planned = (g: ConvGeometry) => planConv2d('conv2d', g, true, bindingLimits(), runtime().policy);

const layer = (name: string, cin: number, cout: number, size: number): ConvLayer => ({ name, cin, cout, size, k: 3, stride: 1, pad: 1 });
const SETS: [ConvLayer[], number][] = [
  [[layer('conv3', 256, 384, 13), layer('conv4', 384, 384, 13), layer('conv5', 384, 256, 13)], 8],
  [[layer('alexnet-small conv3', 192, 384, 7), layer('alexnet-small conv4', 384, 256, 7), layer('alexnet-small conv5', 256, 256, 7)], 16],
  [[layer('resnet stem', 3, 16, 32), layer('resnet stage1', 16, 16, 32), layer('resnet stage2', 32, 32, 16), layer('resnet stage3', 64, 64, 8)], 64],
];
const mode = process.argv[2] ?? 'forward';
const FORMS = ['im2col', 'F(2x2,3x3)', 'F(4x4,3x3)'] as const;

await init({ compileNotice: false });
const wave = (n: number, s: number) => Float32Array.from({ length: n }, (_, i) => Math.sin(i * 0.37 + s));

async function cpuMs(run: () => Tensor): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < 6; i++) {
    const c0 = workerCpuMs()!;
    const out = run();
    await out.toArray();
    if (i > 0) times.push(workerCpuMs()! - c0);
    out.dispose();
  }
  return median(times);
}

console.log(`| layer (${mode}) | batch | ${FORMS.join(' | ')} |\n|---|---|---|---|---|`);
for (const [layers, batch] of SETS) {
  for (const l of layers) {
    const { g, xs, ws, ys } = layerAt(l, batch);
    const count = (s: number[]) => s.reduce((a, b) => a * b);
    const [x, w, b, gy] = [tensor(wave(count(xs), 1), xs), tensor(wave(count(ws), 2).map((v) => v * 0.1), ws), tensor(wave(l.cout, 3), [l.cout]), tensor(wave(count(ys), 4), ys)];
    const want = { x: mode === 'dx', weight: mode === 'dW', bias: false };
    const pick = (r: { gx: Tensor | null; gw: Tensor | null }) => (mode === 'dx' ? r.gx! : r.gw!);
    const run = (form: (typeof FORMS)[number]) => (): Tensor => {
      if (form === 'im2col') return withPolicy({ conv: 'im2col' }, () => (mode === 'forward' ? conv2dKernel(x, w, b, g, planned(g)) : pick(conv2dBackwardKernel(x, w, gy, g, want, planned(g)))));
      const tile = form === 'F(2x2,3x3)' ? 2 : 4;
      return mode === 'forward' ? winogradConv2dKernel(x, w, b, g, false, tile) : pick(winogradBackwardKernel(x, w, gy, g, want, tile));
    };
    const ms: Record<string, number[]> = {};
    for (let round = 0; round < 2; round++) for (const f of FORMS) (ms[f] ??= []).push(await cpuMs(run(f)));
    console.log(`| ${l.name} | ${batch} | ${FORMS.map((f) => Math.min(...ms[f]).toFixed(0)).join(' | ')} |`);
    [x, w, b, gy].forEach((t) => t.dispose());
  }
}
