import { beforeAll, describe, expect, it } from 'vitest';
import { conv2d, memory, nn, relu, sum, tensor, withPolicy } from '../../src/index.js';
import { conv2dRelu } from '../../src/ops/conv.js';
import { runtime } from '../../src/device/current.js';
import { conv2dInputGradKernel, conv2dWeightGradKernel, implicitInputGradPays, weightGradSplits } from '../../src/kernels/conv-implicit.js';
import { asF32, expectClose, randomValues, setupDeviceWith } from '../helpers.js';
import { loadFixtures } from '../fixtures/load.js';
import { expectConvGradCheck, expectConvMatchesFixture, expectConvMatchesReference, geometry, reference, values } from '../conv-reference.js';

// The implicit-GEMM kernels are the default on GPUs only; lavapipe runs them here by choosing them.
beforeAll(() => setupDeviceWith({ conv: 'implicit' }));

const fixtures = loadFixtures();

describe('implicit-GEMM conv2d against PyTorch', () => {
  for (const f of fixtures.conv) {
    it(f.name, async () => {
      const { w, g, gout } = await expectConvMatchesFixture(f);
      // The implicit dx kernel, which conv2d leaves to the im2col form at these channel counts.
      expectClose(await values(conv2dInputGradKernel(w, gout, g)), f.gx, 1e-4, 1e-5);
    });
  }
});

describe('implicit-GEMM conv2d against a float64 reference', () => {
  // Tiles are 64×64 outputs with 16-deep k-slices: these sizes leave partial tiles and slices in
  // every product (M, N and K of forward, dx and dW).
  const cases: { name: string; xs: number[]; ws: number[]; stride: [number, number]; pad: [number, number] }[] = [
    { name: 'conv1-like: 11x11, stride 4, pad 2', xs: [2, 3, 23, 23], ws: [5, 3, 11, 11], stride: [4, 4], pad: [2, 2] },
    { name: '5x5 pad 2, odd channels and sizes', xs: [2, 5, 9, 7], ws: [7, 5, 5, 5], stride: [1, 1], pad: [2, 2] },
    { name: '3x3 pad 1, batch 3, 67 output channels (two M tiles)', xs: [3, 3, 7, 5], ws: [67, 3, 3, 3], stride: [1, 1], pad: [1, 1] },
    { name: 'non-square 5x3 kernel, stride 2x1, 70 input channels', xs: [1, 70, 6, 5], ws: [3, 70, 5, 3], stride: [2, 1], pad: [2, 1] },
    { name: 'stride larger than the kernel, no padding', xs: [2, 2, 10, 11], ws: [3, 2, 2, 2], stride: [3, 3], pad: [0, 0] },
    // n·oh·ow = 2·16·16 = 512: the weight gradient splits its K in two on a CPU adapter.
    { name: 'weight gradient split over K', xs: [2, 3, 16, 16], ws: [4, 3, 3, 3], stride: [1, 1], pad: [1, 1] },
  ];
  // A CPU adapter's 64×64 tiles and a GPU's 64×128 tiles.
  for (const gpuTiles of [false, true]) for (const c of cases) {
    it(`${c.name}${gpuTiles ? ' (GPU tiles)' : ''}`, () => withPolicy({ sizing: gpuTiles ? 'gpu' : 'cpu' }, async () => {
      const { w, g, gout, ref } = await expectConvMatchesReference(c, 31);
      // conv2d takes dx from the im2col form where the implicit GEMM would waste its work
      // (strides, few channels); the implicit kernel itself is checked on every case.
      expectClose(await values(conv2dInputGradKernel(w, gout, g)), ref.gx, 1e-4, 1e-5);
    }));
  }

  it('runs dx as an implicit GEMM at stride 1 with 16 or more input channels', () => {
    const at = (c: number, s: number) => implicitInputGradPays(geometry([1, c, 13, 13], [8, c, 3, 3], [s, s], [1, 1]));
    expect([at(256, 1), at(16, 1), at(15, 1), at(96, 2), at(3, 4)]).toEqual([true, true, false, false, false]);
  });

  it('splits the weight gradient as asked (3 and 5 parts, the last one partial)', async () => {
    const xs = [3, 2, 6, 5];
    const ws = [3, 2, 3, 3];
    const g = geometry(xs, ws, [1, 1], [1, 1]);
    const xv = asF32(randomValues(3 * 2 * 6 * 5, 41));
    const gv = asF32(randomValues(g.n * g.cout * g.oh * g.ow, 42));
    const ref = reference(g, xv, asF32(randomValues(3 * 2 * 9, 43)), new Float64Array(3), gv);
    for (const parts of [3, 5]) {
      const gw = conv2dWeightGradKernel(tensor(xv, xs), tensor(gv, [g.n, g.cout, g.oh, g.ow]), g, parts);
      expectClose(await values(gw), ref.gw, 1e-4, 1e-5);
    }
  });

  it('chooses splits that fill a GPU, within the binding limit and K', () => {
    // AlexNet conv2 at batch 128: M = 192, N = 1600 (3·13 tiles of 64×128 on a GPU), K = 128·27·27.
    const conv2 = geometry([128, 64, 27, 27], [192, 64, 5, 5], [1, 1], [2, 2]);
    const gpu = weightGradSplits(conv2, false, 2 ** 31 - 4);
    expect(gpu * 3 * 13).toBeGreaterThanOrEqual(2048);
    expect((gpu - 1) * 3 * 13).toBeLessThan(2048);
    expect(weightGradSplits(conv2, true, 2 ** 31 - 4)).toBe(1);
    // A binding limit of 4 parts' bytes caps the split at 4.
    expect(weightGradSplits(conv2, false, 4 * 4 * 192 * 1600)).toBe(4);
    // K = 200 is one part whatever the adapter.
    expect(weightGradSplits(geometry([2, 3, 10, 10], [4, 3, 1, 1], [1, 1], [0, 0]), false, 2 ** 31 - 4)).toBe(1);
  });
});

describe('implicit-GEMM conv2d stores no column matrix', () => {
  it('runs the forward as one dispatch and its backward without growing live memory', async () => {
    const rt = runtime();
    await withPolicy({ poison: false }, async () => {
      const x = tensor(randomValues(2 * 3 * 9 * 9, 51), [2, 3, 9, 9], { requiresGrad: true });
      const w = tensor(randomValues(4 * 3 * 3 * 3, 52), [4, 3, 3, 3], { requiresGrad: true });
      const b = tensor(randomValues(4, 53), [4], { requiresGrad: true });
      const before = rt.counters.dispatches;
      const out = conv2d(x, w, b, { padding: 1 });
      expect(rt.counters.dispatches - before).toBe(1);
      out.dispose();
      const step = async () => {
        const y = conv2d(x, w, b, { padding: 1 });
        const loss = sum(y);
        loss.backward();
        await values(w.grad);
        loss.dispose();
        y.dispose();
        x.grad?.dispose();
        w.grad?.dispose();
        b.grad?.dispose();
        x.grad = null;
        w.grad = null;
        b.grad = null;
      };
      await step();
      const live = memory().liveBuffers;
      for (let i = 0; i < 3; i++) await step();
      expect(memory().liveBuffers).toBe(live);
    });
  });
});

describe('implicit-GEMM conv2d gradients by finite differences', () => {
  it('input, weight and bias on a tiny strided, padded shape', async () => {
    await expectConvGradCheck(61);
  });
});

describe('conv2d with a fused ReLU', () => {
  const xs = [2, 3, 7, 6];
  const ws = [5, 3, 3, 3];
  const g = geometry(xs, ws, [2, 1], [1, 1]);
  const xv = asF32(randomValues(2 * 3 * 7 * 6, 71));
  const wv = asF32(randomValues(5 * 3 * 9, 72, 0.5));
  const bv = asF32(randomValues(5, 73));
  const gv = asF32(randomValues(g.n * g.cout * g.oh * g.ow, 74));
  // relu(conv) and its gradients: the upstream gradient passes where the convolution is > 0.
  const linear = reference(g, xv, wv, bv, new Float64Array(gv.length)).out;
  const masked = gv.map((v, i) => (linear[i] > 0 ? v : 0));
  const ref = reference(g, xv, wv, bv, masked);
  const refOut = linear.map((v) => Math.max(v, 0));

  it('has outputs on both sides of zero', () => {
    expect(refOut.some((v) => v === 0) && refOut.some((v) => v > 0)).toBe(true);
  });

  for (const variant of ['implicit', 'im2col'] as const) {
    it(`matches relu(conv2d) and its gradients (${variant})`, async () => {
      await withPolicy({ conv: variant }, async () => {
        const x = tensor(xv, xs, { requiresGrad: true });
        const w = tensor(wv, ws, { requiresGrad: true });
        const b = tensor(bv, [g.cout], { requiresGrad: true });
        const out = conv2dRelu(x, w, b, { stride: [2, 1], padding: 1 });
        expectClose(await values(out), refOut, 1e-4, 1e-5);
        out.backward(tensor(gv, out.shape));
        expectClose(await values(x.grad), ref.gx, 1e-4, 1e-5);
        expectClose(await values(w.grad), ref.gw, 1e-4, 1e-5);
        expectClose(await values(b.grad), ref.gb, 1e-4, 1e-5);
      });
    });
  }

  for (const variant of ['implicit', 'im2col'] as const) {
    it(`keeps NaN through the fused ReLU, as relu() and PyTorch do (${variant})`, () => withPolicy({ conv: variant }, async () => {
      const xn = Float64Array.from(xv);
      xn[40] = Number.NaN;
      const expected = reference(g, xn, wv, bv, new Float64Array(gv.length)).out.map((v) => Math.max(v, 0));
      expect(expected.some((v) => Number.isNaN(v))).toBe(true);
      const x = tensor(xn, xs);
      const w = tensor(wv, ws);
      const b = tensor(bv, [g.cout]);
      expectClose(await values(conv2dRelu(x, w, b, { stride: [2, 1], padding: 1 })), expected, 1e-4, 1e-5);
    }));
  }

  it('is what nn.Sequential runs for Conv2d then ReLU, in one dispatch, with the same results', async () => {
    const conv = new nn.Conv2d(3, 5, 3, { stride: [2, 1], padding: 1, seed: 7 });
    const net = new nn.Sequential(conv, new nn.ReLU());
    const x = tensor(xv, xs);
    const rt = runtime();
    const before = rt.counters.dispatches;
    const fused = withPolicy({ poison: false }, () => net.forward(x));
    expect(rt.counters.dispatches - before).toBe(1);
    const separate = relu(conv.forward(x));
    expectClose(await values(fused), await values(separate), 1e-6, 1e-7);
    const gy = tensor(gv, fused.shape);
    fused.backward(gy);
    const gw = await values(conv.weight.grad);
    const gb = await values(conv.bias!.grad);
    conv.weight.grad = null;
    conv.bias!.grad = null;
    separate.backward(gy);
    expectClose(gw, await values(conv.weight.grad), 1e-6, 1e-7);
    expectClose(gb, await values(conv.bias!.grad), 1e-6, 1e-7);
  });
});
