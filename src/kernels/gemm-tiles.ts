/** Outputs per invocation of gemm.wgsl (its TM and TN). */
export const TILE_M = 8;
export const TILE_N = 8;

/** Workgroup shape of the register-tiled GEMM: wgX × wgY invocations, each computing TILE_M×TILE_N outputs. */
export interface Tile {
  wgX: number;
  wgY: number;
}

/** Set by tuning scripts to time one workgroup shape on every product; null chooses per shape. */
export const tileTuning: { force: Tile | null } = { force: null };

const pow2ceil = (x: number): number => 2 ** Math.ceil(Math.log2(Math.max(1, x)));

/**
 * 64 invocations per workgroup, shaped to the output so that few invocations fall outside it
 * (skinny products such as 32×4096 get 16×4). Only the aspect varies (64×1, 32×2, 16×4, 8×8):
 * each shape is a pipeline of its own, and lavapipe compiles each one for seconds on first use,
 * so a small output keeps a full workgroup and masks the invocations it does not need.
 */
export function chooseTile(M: number, _N: number, _K: number): Tile {
  if (tileTuning.force) return tileTuning.force;
  const wgY = Math.min(pow2ceil(Math.ceil(M / TILE_M)), 8);
  return { wgX: 64 / wgY, wgY };
}

/** Invocations below which a single product leaves the device idle enough to split k. */
const MIN_INVOCATIONS = 256;
/** Fewest k per split: shorter ranges cost more in partial sums than they gain. */
const MIN_K_PER_SPLIT = 128;

/** How many ranges of k to compute side by side (1: no split). */
export function chooseSplitK(M: number, N: number, K: number): number {
  const invocations = Math.ceil(M / TILE_M) * Math.ceil(N / TILE_N);
  if (invocations >= MIN_INVOCATIONS) return 1;
  return Math.max(1, Math.min(Math.floor(K / MIN_K_PER_SPLIT), Math.ceil(MIN_INVOCATIONS / invocations), 64));
}
