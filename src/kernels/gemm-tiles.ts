import type { GemmVariant } from './runtime.js';

/** Outputs per invocation of the storage-buffer GEMM kernels (8×8). */
export const TILE_M = 8;
export const TILE_N = 8;
/**
 * Outputs per invocation of the texture GEMM (32×16): with texel fetches cheaper than storage
 * loads, larger blocks pay on lavapipe, up to where LLVM spills. Medians of 30 products (bench
 * harness's waits), ms for 1024³ / conv2's forward at batch 8 / conv3's weight gradient / fc7's
 * dx: 16×16 69 / 261 / 91 / 48, 32×16 59 / 227 / 79 / 44, 32×32 63 / 227 / 97 / 48, 48×16
 * 189 / 859 / 204 / 188.
 */
export const TEXTURE_TILE_M = 32;
export const TEXTURE_TILE_N = 16;

/** Workgroup shape of a GEMM: wgX × wgY invocations, each computing TILE_M×TILE_N outputs. */
export interface Tile {
  wgX: number;
  wgY: number;
}

/** Set by tuning scripts to time one workgroup shape on every product; null chooses per shape. */
export const tileTuning: { force: Tile | null } = { force: null };

const pow2ceil = (x: number): number => 2 ** Math.ceil(Math.log2(Math.max(1, x)));

/**
 * 'registers' and 'texture': 64 invocations per workgroup, shaped to the output so that few
 * invocations fall outside it (skinny products such as 32×4096 get 32×2, and 4096×32 ones 2×32).
 * Only the aspect varies (64×1 … 8×8 … 1×64): each shape is a pipeline of its own, and lavapipe
 * compiles each one for seconds on first use, so a small output keeps a full workgroup and masks
 * the invocations it does not need.
 *
 * 'workgroup': 128×128 outputs per workgroup (256 invocations) where the output is that large in
 * both directions, which reuses each staged value most; 32×128 for skinny products (batch 32 of
 * the FC layers); else 64×64.
 */
export function chooseTile(variant: GemmVariant, M: number, N: number): Tile {
  if (tileTuning.force) return tileTuning.force;
  if (variant === 'workgroup') {
    if (M >= 128 && N >= 128) return { wgX: 16, wgY: 16 };
    if (M <= 32) return { wgX: 16, wgY: 4 };
    return { wgX: 8, wgY: 8 };
  }
  const [tm, tn] = variant === 'texture' ? [TEXTURE_TILE_M, TEXTURE_TILE_N] : [TILE_M, TILE_N];
  const rows = Math.ceil(M / tm);
  const cols = Math.ceil(N / tn);
  if (rows < 8 || cols >= 8) {
    const wgY = Math.min(pow2ceil(rows), 8);
    return { wgX: 64 / wgY, wgY };
  }
  const wgX = pow2ceil(cols);
  return { wgX, wgY: 64 / wgX };
}

/** Fewest k per split: shorter ranges cost more in partial sums than they gain. */
const MIN_K_PER_SPLIT = 128;

/**
 * How many ranges of k to compute side by side (1: no split), so that a product with few outputs
 * (AlexNet's FC layers at batch 32) still occupies the device: a few hundred invocations keep a
 * CPU adapter's cores busy; a GPU wants tens of thousands (or a few hundred workgroups).
 */
export function chooseSplitK(variant: GemmVariant, cpuAdapter: boolean, M: number, N: number, K: number): number {
  const tile = chooseTile(variant, M, N);
  const [parallel, wanted] =
    variant === 'workgroup'
      ? [Math.ceil(M / (TILE_M * tile.wgY)) * Math.ceil(N / (TILE_N * tile.wgX)), 256]
      : [Math.ceil(M / TILE_M) * Math.ceil(N / TILE_N), cpuAdapter ? 256 : 32_768];
  if (parallel >= wanted) return 1;
  return Math.max(1, Math.min(Math.floor(K / MIN_K_PER_SPLIT), Math.ceil(wanted / parallel), 64));
}
