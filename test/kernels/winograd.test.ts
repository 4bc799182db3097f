import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { conv2d, memory, sum, tensor, withPolicy } from '../../src/index.js';
import { conv2dRelu } from '../../src/ops/conv.js';
import { winogradBackwardKernel, winogradConv2dKernel, winogradPlans } from '../../src/kernels/winograd.js';
import type { WinogradTile } from '../../src/kernels/winograd-plan.js';
import { asF32, expectClose, randomValues, setupDeviceWith } from '../helpers.js';
import { loadFixtures } from '../fixtures/load.js';
import { expectConvMatchesFixture, geometry, reference, values, type ConvFixture } from '../conv-reference.js';

// Winograd is chosen here by the policy, whatever the adapter's default; outputs are poisoned.
beforeAll(() => setupDeviceWith({ conv: 'winograd' }));

const winogradFixtures = (JSON.parse(readFileSync(new URL('../fixtures/winograd.json', import.meta.url), 'utf8')) as { conv: ConvFixture[] }).conv;
const threeByThree = loadFixtures().conv.filter((f: ConvFixture & { name: string }) => f.name.startsWith('conv3 3x3'));

describe('Winograd conv2d against PyTorch', () => {
  // F(2x2) within the fixtures' tolerances, as every conv2d form; F(4x4) off by up to 2.5e-5 at 33
  // channels, which is why conv2d runs F(2x2) (winograd-plan.ts).
  const tolerance = { 2: [1e-4, 1e-5], 4: [1e-4, 1e-4] } as const;
  for (const f of [...threeByThree, ...winogradFixtures] as (ConvFixture & { name: string })[]) {
    for (const tile of [2, 4] as const) {
      const [rtol, atol] = tolerance[tile];
      it(`F(${tile}x${tile}): ${f.name}`, async () => {
        const g = geometry(f.x.shape, f.weight.shape, [1, 1], [Number(f.padding), Number(f.padding)]);
        const [x, w, b, gy] = [tensor(f.x.data, f.x.shape), tensor(f.weight.data, f.weight.shape), tensor(f.bias!, [g.cout]), tensor(f.gout, f.out.shape)];
        expectClose(await values(winogradConv2dKernel(x, w, b, g, false, tile)), f.out.data, rtol, atol);
        const grads = winogradBackwardKernel(x, w, gy, g, { x: true, weight: true, bias: true }, tile);
        expectClose(await values(grads.gx), f.gx, rtol, atol);
        expectClose(await values(grads.gw), f.gw, rtol, atol);
        expectClose(await values(grads.gb), f.gb, rtol, atol);
      });
    }
  }
  it('runs conv2d and its autograd on Winograd from 8 channels (33 to 17 here)', async () => {
    const f = winogradFixtures.find((c) => c.x.shape[1] === 33)!;
    const { g } = await expectConvMatchesFixture(f);
    expect(winogradPlans(g)).not.toBeNull();
  });
});

interface Case { name: string; xs: number[]; ws: number[]; pad: number }

/** Both tiles' forward, input and weight gradients on random inputs, against the float64 reference. */
async function expectTileMatches(c: Case, tile: WinogradTile, seed: number, tol: number, relu = false): Promise<void> {
  const g = geometry(c.xs, c.ws, [1, 1], [c.pad, c.pad]);
  const xv = asF32(randomValues(c.xs.reduce((a, b) => a * b), seed));
  const wv = asF32(randomValues(c.ws.reduce((a, b) => a * b), seed + 1, 0.5));
  const bv = asF32(randomValues(g.cout, seed + 2));
  const gv = asF32(randomValues(g.n * g.cout * g.oh * g.ow, seed + 3));
  const ref = reference(g, xv, wv, bv, gv);
  const [x, w, b, gy] = [tensor(xv, c.xs), tensor(wv, c.ws), tensor(bv, [g.cout]), tensor(gv, [g.n, g.cout, g.oh, g.ow])];
  const out = await values(winogradConv2dKernel(x, w, b, g, relu, tile));
  expectClose(out, relu ? ref.out.map((v) => Math.max(v, 0)) : ref.out, tol, tol / 10);
  const grads = winogradBackwardKernel(x, w, gy, g, { x: true, weight: true, bias: true }, tile);
  expectClose(await values(grads.gx), ref.gx, tol, tol / 10);
  expectClose(await values(grads.gw), ref.gw, tol, tol / 10);
  expectClose(await values(grads.gb), ref.gb, 1e-5, 1e-6);
}

const cases: Case[] = [
  { name: 'odd 7x9 plane, pad 0', xs: [2, 3, 7, 9], ws: [5, 3, 3, 3], pad: 0 },
  { name: 'odd 11x5 plane, pad 1, batch 3', xs: [3, 4, 11, 5], ws: [3, 4, 3, 3], pad: 1 },
  { name: 'pad 2, one channel', xs: [1, 1, 6, 7], ws: [2, 1, 3, 3], pad: 2 },
  { name: 'pad 3: the input gradient crops', xs: [2, 2, 4, 5], ws: [3, 2, 3, 3], pad: 3 },
  { name: '3x3 plane, pad 0: one output', xs: [2, 5, 3, 3], ws: [4, 5, 3, 3], pad: 0 },
];

describe('Winograd F(2x2, 3x3) and F(4x4, 3x3) against a float64 reference', () => {
  for (const tile of [2, 4] as const) for (const c of cases) {
    it(`F(${tile}x${tile}): ${c.name}`, () => expectTileMatches(c, tile, 70 + tile, tile === 2 ? 1e-4 : 3e-4));
  }
  it('fuses the ReLU into the output transform', () => expectTileMatches(cases[1], 2, 90, 1e-4, true));
  it('runs the points as one batched GEMM off the texture GEMM', () =>
    withPolicy({ gemm: 'registers' }, () => expectTileMatches(cases[0], 2, 91, 1e-4)));
  it('splits by ranges of tiles and images under a lowered binding limit', async () => {
    // 4096 bytes: 960 floats a binding from any start. 16 points × 4 channels a tile leave 15 tiles
    // a chunk, fewer than an image's 25: ranges of one image's tiles; with 2 channels, 30 tiles, so
    // chunks of 3 whole images of 9 tiles. Both inputs are larger than a binding: bound by ranges.
    const split: Case[] = [
      { name: 'tiles', xs: [3, 4, 9, 9], ws: [4, 4, 3, 3], pad: 1 },
      { name: 'images', xs: [16, 2, 6, 6], ws: [2, 2, 3, 3], pad: 1 },
    ];
    await withPolicy({ bindingLimit: 4096 }, async () => {
      const chunks = split.map((c) => winogradPlans(geometry(c.xs, c.ws, [1, 1], [c.pad, c.pad]), 2)!.forward.chunks);
      expect(chunks.map((list) => [list.length, list[0].count, list[0].nb])).toEqual([[6, 15, 1], [6, 27, 3]]);
      for (const c of split) await expectTileMatches(c, 2, 92, 1e-4);
    });
  });
  it('runs conv2dRelu on it, and conv2d where it does not apply or pay on the other form', async () => {
    const [xs, ws] = [[2, 8, 8, 8], [9, 8, 3, 3]];
    const xv = asF32(randomValues(2 * 8 * 64, 93));
    const wv = asF32(randomValues(9 * 8 * 9, 94, 0.5));
    const bv = asF32(randomValues(9, 95));
    const [x, w, b] = [tensor(xv, xs), tensor(wv, ws), tensor(bv, [9])];
    const g = geometry(xs, ws, [1, 1], [1, 1]);
    expect(winogradPlans(g)).not.toBeNull();
    const relu = await values(conv2dRelu(x, w, b, { padding: 1 }));
    expectClose(relu, reference(g, xv, wv, bv, new Float64Array(2 * 9 * 64)).out.map((v) => Math.max(v, 0)), 1e-4, 1e-5);
    // Stride 2 (not Winograd's) and 7 input channels (too few to pay): conv2d runs the adapter's other form.
    const strided = await values(conv2d(x, w, b, { stride: 2, padding: 1 }));
    const gs = geometry(xs, ws, [2, 2], [1, 1]);
    expect(winogradPlans(gs)).toBeNull();
    expectClose(strided, reference(gs, xv, wv, bv, new Float64Array(2 * 9 * 16)).out, 1e-4, 1e-5);
    expect(winogradPlans(geometry([2, 7, 8, 8], [9, 7, 3, 3], [1, 1], [1, 1]))).toBeNull();
  });
  it('keeps its live buffers flat over training steps (forward, both gradients)', async () => {
    const x = tensor(randomValues(2 * 8 * 6 * 6, 96), [2, 8, 6, 6], { requiresGrad: true });
    const w = tensor(randomValues(9 * 8 * 9, 97, 0.5), [9, 8, 3, 3], { requiresGrad: true });
    expect(winogradPlans(geometry([2, 8, 6, 6], [9, 8, 3, 3], [1, 1], [1, 1]))).not.toBeNull();
    const step = async () => {
      const y = conv2dRelu(x, w, null, { padding: 1 });
      const loss = sum(y);
      loss.backward();
      await loss.toArray();
      loss.dispose();
      y.dispose();
      for (const t of [x, w]) {
        t.grad?.dispose();
        t.grad = null;
      }
    };
    await step();
    const live = memory().liveBuffers;
    for (let i = 0; i < 3; i++) await step();
    expect(memory().liveBuffers).toBe(live);
  });
});
