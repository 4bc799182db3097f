import { describe, expect, it } from 'vitest';
import { chooseWinogradTile, forwardProblem, inputGradProblem, planWinograd, winogradApplies, winogradSaving, type WinogradProblem } from '../../src/kernels/winograd-plan.js';
import type { ConvGeometry } from '../../src/kernels/conv.js';

const geo = (n: number, c: number, cout: number, size: number, k = 3, s = 1, p = 1): ConvGeometry => {
  const out = Math.floor((size + 2 * p - k) / s) + 1;
  return { n, c, h: size, w: size, cout, kh: k, kw: k, sh: s, sw: s, ph: p, pw: p, oh: out, ow: out };
};
const roomy = { bindingElements: 2 ** 25, rowMultiple: 64 };

describe('the Winograd planner', () => {
  it('applies to 3x3 stride-1 convolutions only, and pays from 8 channels', () => {
    expect([geo(1, 8, 8, 5), geo(1, 8, 8, 5, 3, 2), geo(1, 8, 8, 5, 5, 1, 2), geo(1, 8, 8, 5, 1, 1, 0)].map(winogradApplies)).toEqual([true, false, false, false]);
    expect([geo(1, 8, 8, 5), geo(1, 3, 16, 32), geo(1, 16, 7, 32), geo(8, 384, 256, 13)].map((g) => chooseWinogradTile(g))).toEqual([2, null, null, 2]);
    expect([winogradSaving(2), winogradSaving(4)]).toEqual([2.25, 4]);
  });

  it('tiles any size: 13x13 outputs in 7x7 tiles of 2 or 4x4 of 4, batch 8 in one chunk padded to 64 columns', () => {
    const p2 = planWinograd(forwardProblem(geo(8, 384, 256, 13), 2), roomy)!;
    expect([p2.alpha, p2.tilesH, p2.tilesW, p2.chunks]).toEqual([4, 7, 7, [{ t0: 0, count: 392, ld: 448, n0: 0, nb: 8 }]]);
    const p4 = planWinograd(forwardProblem(geo(8, 384, 256, 13), 4), roomy)!;
    expect([p4.alpha, p4.tilesH, p4.chunks[0].count, p4.chunks[0].ld]).toEqual([6, 4, 128, 128]);
    // Rows padded only where the padded chunk still fits.
    expect(planWinograd(forwardProblem(geo(1, 2, 2, 5), 2), { bindingElements: 320, rowMultiple: 64 })!.chunks[0].ld).toBe(9);
  });

  it('splits by whole images while one image fits, else by ranges of one image tiles', () => {
    // perTile = 16 · 4 = 64 floats: 15 tiles a chunk of 960 floats; an image has 25.
    const byTiles = planWinograd(forwardProblem(geo(2, 4, 4, 9), 2), { bindingElements: 960, rowMultiple: 1 })!;
    expect(byTiles.chunks.map((c) => [c.t0, c.count, c.n0, c.nb])).toEqual([[0, 15, 0, 1], [15, 10, 0, 1], [25, 15, 1, 1], [40, 10, 1, 1]]);
    // 2 channels: 30 tiles a chunk, 9 an image: 3 images a chunk, the last one partial.
    const byImages = planWinograd(forwardProblem(geo(7, 2, 2, 6), 2), { bindingElements: 960, rowMultiple: 1 })!;
    expect(byImages.chunks.map((c) => [c.t0, c.count, c.n0, c.nb])).toEqual([[0, 27, 0, 3], [27, 27, 3, 3], [54, 9, 6, 1]]);
    // Every tile in exactly one chunk.
    for (const plan of [byTiles, byImages]) expect(plan.chunks.reduce((n, c) => n + c.count, 0)).toBe(plan.chunks.at(-1)!.t0 + plan.chunks.at(-1)!.count);
  });

  it('refuses (null) what cannot fit one binding: a tile column, an image or the transformed filter', () => {
    const p: WinogradProblem = forwardProblem(geo(1, 8, 8, 4), 2);
    expect(planWinograd(p, { bindingElements: 16 * 8 - 1, rowMultiple: 1 })).toBeNull();
    expect(planWinograd(p, { bindingElements: 16 * 8 * 8 - 1, rowMultiple: 1 })).toBeNull();
    expect(planWinograd(p, { bindingElements: 16 * 8 * 8, rowMultiple: 1 })).not.toBeNull();
    expect(planWinograd({ ...p, n: 0 }, roomy)!.chunks).toEqual([]);
  });

  it('takes the input gradient as the flipped filter over the output gradient, padded by 2 - p', () => {
    const g = geo(2, 5, 7, 9, 3, 1, 3);
    expect(inputGradProblem(g, 2)).toEqual({ n: 2, ch: 7, h: 13, w: 13, outC: 5, oh: 9, ow: 9, ph: -1, pw: -1, tile: 2 });
  });
});
