// How far Winograd's F(2×2, 3×3) and F(4×4, 3×3) are from a float64 convolution in fp32, beside the
// im2col form, on AlexNet's and the CIFAR ResNet's 3×3 layers: for the output and both gradients,
// the largest error relative to the largest reference value (max|got − ref| / max|ref|).
// Inputs uniform in [-1, 1], weights uniform in ±1/√fan-in (PyTorch's default scale).
// Run: npx tsx bench/winograd-accuracy.ts
import { init, tensor, withPolicy } from '../src/node.js';
import { conv2dBackwardKernel, conv2dKernel, type ConvGeometry, planConv2d } from '../src/kernels/conv.js';
import { bindingLimits } from '../src/kernels/ranges.js';
import { runtime } from '../src/device/current.js';
import { winogradBackwardKernel, winogradConv2dKernel } from '../src/kernels/winograd.js';
import type { Tensor } from '../src/tensor/tensor.js';

/** conv2d's plan under the current policy (the im2col form here). */
const planned = (g: ConvGeometry) => planConv2d('conv2d', g, true, bindingLimits(), runtime().policy);

const LAYERS = [
  { name: 'AlexNet conv3 384←192 13×13', n: 1, c: 192, cout: 384, size: 13 },
  { name: 'AlexNet conv4 256←384 13×13', n: 1, c: 384, cout: 256, size: 13 },
  { name: 'AlexNet conv5 256←256 13×13', n: 1, c: 256, cout: 256, size: 13 },
  { name: 'alexnet-small conv4 256←384 7×7', n: 2, c: 384, cout: 256, size: 7 },
  { name: 'ResNet stem 16←3 32×32', n: 2, c: 3, cout: 16, size: 32 },
  { name: 'ResNet stage 1 16←16 32×32', n: 2, c: 16, cout: 16, size: 32 },
  { name: 'ResNet stage 2 32←32 16×16', n: 2, c: 32, cout: 32, size: 16 },
  { name: 'ResNet stage 3 64←64 8×8', n: 2, c: 64, cout: 64, size: 8 },
];

let seed = 1;
const uniform = (count: number, scale: number) =>
  Float32Array.from({ length: count }, () => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    return (seed / 1073741824 - 1) * scale;
  });

/** Float64 direct convolution (3×3, stride 1, pad 1) and its gradients. */
function reference(g: ConvGeometry, x: Float32Array, w: Float32Array, gy: Float32Array) {
  const out = new Float64Array(g.n * g.cout * g.oh * g.ow);
  const gx = new Float64Array(x.length);
  const gw = new Float64Array(w.length);
  for (let n = 0; n < g.n; n++)
    for (let co = 0; co < g.cout; co++)
      for (let c = 0; c < g.c; c++)
        for (let ky = 0; ky < 3; ky++)
          for (let kx = 0; kx < 3; kx++) {
            const wv = w[((co * g.c + c) * 3 + ky) * 3 + kx];
            let gwSum = 0;
            for (let oy = 0; oy < g.oh; oy++) {
              const y = oy - g.ph + ky;
              if (y < 0 || y >= g.h) continue;
              for (let ox = 0; ox < g.ow; ox++) {
                const xx = ox - g.pw + kx;
                if (xx < 0 || xx >= g.w) continue;
                const o = ((n * g.cout + co) * g.oh + oy) * g.ow + ox;
                const xi = ((n * g.c + c) * g.h + y) * g.w + xx;
                out[o] += x[xi] * wv;
                gx[xi] += gy[o] * wv;
                gwSum += gy[o] * x[xi];
              }
            }
            gw[((co * g.c + c) * 3 + ky) * 3 + kx] += gwSum;
          }
  return { out, gx, gw };
}

function relError(got: Float32Array, ref: Float64Array): number {
  let err = 0;
  let scale = 0;
  for (let i = 0; i < ref.length; i++) {
    err = Math.max(err, Math.abs(got[i] - ref[i]));
    scale = Math.max(scale, Math.abs(ref[i]));
  }
  return err / scale;
}

await init({ compileNotice: false });
const worst: Record<string, number> = {};
console.log('| layer | form | output | input gradient | weight gradient |');
console.log('|---|---|---|---|---|');
for (const l of LAYERS) {
  const g: ConvGeometry = { n: l.n, c: l.c, h: l.size, w: l.size, cout: l.cout, kh: 3, kw: 3, sh: 1, sw: 1, ph: 1, pw: 1, oh: l.size, ow: l.size };
  const xv = uniform(g.n * g.c * g.h * g.w, 1);
  const wv = uniform(g.cout * g.c * 9, 1 / Math.sqrt(g.c * 9));
  const gv = uniform(g.n * g.cout * g.oh * g.ow, 1);
  const ref = reference(g, xv, wv, gv);
  const x = tensor(xv, [g.n, g.c, g.h, g.w]);
  const w = tensor(wv, [g.cout, g.c, 3, 3]);
  const gy = tensor(gv, [g.n, g.cout, g.oh, g.ow]);
  const want = { x: true, weight: true, bias: false };
  const forms: [string, () => [Tensor, Tensor, Tensor]][] = [
    ['im2col', () => withPolicy({ conv: 'im2col' }, () => {
      const r = conv2dBackwardKernel(x, w, gy, g, want, planned(g));
      return [conv2dKernel(x, w, null, g, planned(g)), r.gx!, r.gw!];
    })],
    ...([2, 4] as const).map((tile): [string, () => [Tensor, Tensor, Tensor]] => [`F(${tile}×${tile}, 3×3)`, () => {
      const r = winogradBackwardKernel(x, w, gy, g, want, tile);
      return [winogradConv2dKernel(x, w, null, g, false, tile), r.gx!, r.gw!];
    }]),
  ];
  for (const [form, run] of forms) {
    const [out, gx, gw] = run();
    const errs = [relError((await out.toArray()) as Float32Array, ref.out), relError((await gx.toArray()) as Float32Array, ref.gx), relError((await gw.toArray()) as Float32Array, ref.gw)];
    [out, gx, gw].forEach((t) => t.dispose());
    worst[form] = Math.max(worst[form] ?? 0, ...errs);
    console.log(`| ${l.name} | ${form} | ${errs.map((e) => e.toExponential(1)).join(' | ')} |`);
  }
  [x, w, gy].forEach((t) => t.dispose());
}
console.log(`worst: ${Object.entries(worst).map(([f, e]) => `${f} ${e.toExponential(1)}`).join(', ')}`);
