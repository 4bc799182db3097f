import type { ConvGeometry } from './window-geometry.js';

/**
 * How a Winograd convolution (kernels/winograd.ts) is split into dispatches: a pure function of the
 * shapes, the binding limit and the GEMM's row padding. F(m×m, 3×3) computes each m×m output tile
 * from an α×α input tile (α = m + 2); the transformed data of a chunk of tiles is α² matrices of
 * [channels, ld] (one column per tile, ld ≥ tiles), which, like the images a chunk reads and
 * writes, must each fit one storage binding.
 */

/** The output tile's side: F(2×2, 3×3) or F(4×4, 3×3). */
export type WinogradTile = 2 | 4;

/**
 * Whether Winograd's F(m×m, 3×3) computes this convolution: a 3×3 kernel at stride 1 (conv2d has
 * no dilation). Any padding, channels, batch and size.
 */
export const winogradApplies = (g: ConvGeometry): boolean => g.kh === 3 && g.kw === 3 && g.sh === 1 && g.sw === 1;

/** Input and output channels below which Winograd's transforms cost more than its products save (lavapipe: a 3-channel stem loses to im2col, 16 channels win; bench/RESULTS.md). */
export const WINOGRAD_MIN_CHANNELS = 8;

/**
 * The tile conv2d runs a convolution on, or null where Winograd does not apply or pay: F(2×2, 3×3).
 * F(4×4, 3×3) does 1.8× fewer multiplications and ran AlexNet's conv3–5 1.4–1.7× faster on
 * lavapipe, but its fp32 error breaks the conv fixtures' tolerance (1e-4 relative + 1e-5 absolute,
 * per element) already at 33 input channels, while F(2×2, 3×3)'s is im2col's (bench/RESULTS.md);
 * it stays a tested kernel (winograd.ts's `tile` argument) for adapters and bounds that allow it.
 */
export function chooseWinogradTile(g: ConvGeometry): WinogradTile | null {
  return winogradApplies(g) && Math.min(g.c, g.cout) >= WINOGRAD_MIN_CHANNELS ? 2 : null;
}

/**
 * One convolution in the form the transforms take: `ch` channels of h × w planes in, `outC` of
 * oh × ow out, the input padded by ph, pw (negative: cropped, as the input gradient's convolution
 * of a layer padded by more than 2 is).
 */
export interface WinogradProblem {
  n: number;
  ch: number;
  h: number;
  w: number;
  outC: number;
  oh: number;
  ow: number;
  ph: number;
  pw: number;
  tile: WinogradTile;
}

export interface WinogradLimits {
  /** Floats one storage binding holds from any start (ranges.ts's bindableElements). */
  bindingElements: number;
  /** The row length the GEMM copies rather than packs: ld is rounded up to a multiple of it where that fits (1: none). */
  rowMultiple: number;
}

/** Tiles t0 .. t0 + count (numbered over the batch), of images n0 .. n0 + nb; the transformed rows are ld apart. */
export interface WinogradChunk {
  t0: number;
  count: number;
  ld: number;
  n0: number;
  nb: number;
}

export interface WinogradPlan {
  tile: WinogradTile;
  alpha: number;
  tilesH: number;
  tilesW: number;
  chunks: WinogradChunk[];
}

/** The tiles' multiplications against direct convolution's: 9m² / α² (2.25 for F(2,3), 4 for F(4,3)). */
export const winogradSaving = (tile: WinogradTile): number => (9 * tile * tile) / ((tile + 2) * (tile + 2));

/**
 * The chunks of a convolution, or null where even one tile's transformed data (α² · channels), one
 * image in or out, or the transformed filter [α², outC, ch] does not fit one binding (the caller
 * then runs another form). Chunks hold whole images while one image's tiles fit, else ranges of
 * one image's tiles.
 */
export function planWinograd(p: WinogradProblem, limits: WinogradLimits): WinogradPlan | null {
  const alpha = p.tile + 2;
  const tilesH = Math.ceil(p.oh / p.tile);
  const tilesW = Math.ceil(p.ow / p.tile);
  const perImage = tilesH * tilesW;
  const perTile = alpha * alpha * Math.max(p.ch, p.outC);
  const plane = Math.max(p.ch * p.h * p.w, p.outC * p.oh * p.ow);
  const room = limits.bindingElements;
  if (perTile > room || plane > room || alpha * alpha * p.ch * p.outC > room) return null;
  const plan: WinogradPlan = { tile: p.tile, alpha, tilesH, tilesW, chunks: [] };
  if (p.n === 0 || perImage === 0) return plan;
  const ldOf = (count: number): number => {
    const padded = Math.ceil(count / limits.rowMultiple) * limits.rowMultiple;
    return padded * perTile <= room ? padded : count;
  };
  const maxTiles = Math.floor(room / perTile);
  if (maxTiles >= perImage) {
    const images = Math.max(1, Math.min(Math.floor(maxTiles / perImage), Math.floor(room / plane), p.n));
    for (let n0 = 0; n0 < p.n; n0 += images) {
      const nb = Math.min(images, p.n - n0);
      plan.chunks.push({ t0: n0 * perImage, count: nb * perImage, ld: ldOf(nb * perImage), n0, nb });
    }
    return plan;
  }
  for (let n0 = 0; n0 < p.n; n0++) {
    for (let t = 0; t < perImage; t += maxTiles) {
      const count = Math.min(maxTiles, perImage - t);
      plan.chunks.push({ t0: n0 * perImage + t, count, ld: ldOf(count), n0, nb: 1 });
    }
  }
  return plan;
}

/** The forward's problem for conv2d's geometry. */
export const forwardProblem = (g: ConvGeometry, tile: WinogradTile): WinogradProblem => ({
  n: g.n, ch: g.c, h: g.h, w: g.w, outC: g.cout, oh: g.oh, ow: g.ow, ph: g.ph, pw: g.pw, tile,
});

/**
 * The input gradient's problem: the output gradient convolved with the flipped, transposed filter,
 * padded by 2 − p (so the result is h × w again).
 */
export const inputGradProblem = (g: ConvGeometry, tile: WinogradTile): WinogradProblem => ({
  n: g.n, ch: g.cout, h: g.oh, w: g.ow, outC: g.c, oh: g.h, ow: g.w, ph: 2 - g.ph, pw: 2 - g.pw, tile,
});
