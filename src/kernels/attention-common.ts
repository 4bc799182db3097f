import { runtime } from '../device/current.js';
import type { Binding } from '../runtime/runtime.js';
import { uniformLayout } from '../runtime/wgsl-struct.js';
import type { Tensor } from '../tensor/tensor.js';
import { blockBinding, blockRunsIn, fitsOne, type BindingLimits, type BlockPlan } from './ranges.js';

/** Rows per workgroup of attention_forward.wgsl and attention_backward.wgsl (their WG). */
export const ATTENTION_ROWS = 64;
/**
 * The largest head size (E and Ev) the fused kernels hold in registers (larger heads run the
 * composed form): at 128, lavapipe took minutes to compile their unrolled loops.
 */
export const ATTENTION_MAX_HEAD = 64;
/** The most staged rows per tile (their MAX_BC). */
const MAX_TILE = 32;

export const ATTENTION_PARAMS = uniformLayout('attention_common', {
  L: 'u32', S: 'u32', E: 'u32', Ev: 'u32',
  bhCount: 'u32', bhFirst: 'u32', causal: 'u32', hasMask: 'u32',
  inner: 'u32', maskOuter: 'u32', maskInner: 'u32', maskRow: 'u32',
  maskCol: 'u32', scale: 'f32', dropP: 'f32', dropScale: 'f32',
  seedLo: 'u32', seedHi: 'u32', _p0: 'u32', _p1: 'u32',
});

/**
 * An additive float32 mask read in place: element (g, i, j), for the g-th of the bh heads, at
 * (g / inner)·outer + (g % inner)·innerStride + i·row + j·col.
 */
export interface AttentionMaskLayout {
  tensor: Tensor;
  inner: number;
  outer: number;
  innerStride: number;
  row: number;
  col: number;
}

/** One attention problem: q [bh, L, E], k [bh, S, E], v [bh, S, Ev]. */
export interface AttentionProblem {
  bh: number;
  L: number;
  S: number;
  E: number;
  Ev: number;
  mask: AttentionMaskLayout | null;
  causal: boolean;
  scale: number;
  /** Dropout's probability on the weights (0: none) and the mask's seed. */
  dropoutP: number;
  seed: number;
}

/** Elements per bh of each operand a kernel binds: q, k, v, o (and dO), lse, the stats. */
const blockSizes = (a: AttentionProblem): number[] => [a.L * a.E, a.S * a.E, a.S * a.Ev, a.L * a.Ev, a.L, 2 * a.L];

/**
 * The fused kernels' plan of a problem: runs [first, count) of bh whose operands fit one binding
 * each; null where the fused kernels do not take it (head sizes past their registers, empty
 * operands, a mask larger than a binding, not even one head in a binding), and the op runs the
 * composed form instead. Both kernels (forward and backward) run this plan.
 */
export function planAttention(a: AttentionProblem, limits: BindingLimits): BlockPlan | null {
  const applies = a.E <= ATTENTION_MAX_HEAD && a.Ev <= ATTENTION_MAX_HEAD && a.E > 0 && a.Ev > 0 && a.S > 0 && a.L > 0 && a.bh > 0 &&
    (a.mask === null || fitsOne(limits, a.mask.tensor.size));
  const runs = applies ? blockRunsIn(limits, a.bh, blockSizes(a)) : null;
  return runs && { runs, whole: runs.length === 1 };
}

/** The head-size class (the kernels' HEAD): one pipeline for every E and Ev up to it. */
const headClass = (a: AttentionProblem): number => [16, 32, ATTENTION_MAX_HEAD].find((h) => a.E <= h && a.Ev <= h)!;

/** Staged rows per tile: the most (a power of 2, up to 32) whose two tiles of HEAD floats a row fit the workgroup memory. */
function tileRows(head: number): number {
  const bytes = runtime().gpu.limits.maxComputeWorkgroupStorageSize - 2 * MAX_TILE * 4;
  let bc = MAX_TILE;
  while (bc > 1 && bc * 2 * head * 4 > bytes) bc /= 2;
  return bc;
}

/**
 * Multiply-adds (bh·L·S·(E + Ev)) above which a CPU adapter runs the unrolled kernels too: lavapipe
 * compiles them about 4x slower (tens of seconds on a loaded 2-core machine) for 2-2.5x their
 * speed (bench/RESULTS.md, "Attention"), worth it only where the work repays the compile, as
 * gemm_small's threshold decides for products.
 */
const UNROLL_MACS_ON_CPU = 2 ** 22;

/** The overrides of a problem's pipelines: loops over a row unrolled on GPUs, and on CPU adapters for large problems. */
export function attentionOverrides(a: AttentionProblem): Record<string, number> {
  const head = headClass(a);
  const unroll = runtime().policy.sizing !== 'cpu' || a.bh * a.L * a.S * (a.E + a.Ev) > UNROLL_MACS_ON_CPU;
  return { HEAD: head, BC: tileRows(head), UNROLL: unroll ? 1 : 0, DROPOUT: a.dropoutP > 0 ? 1 : 0 };
}

export function attentionUniforms(a: AttentionProblem, [first, count]: [number, number]): Uint8Array {
  const m = a.mask;
  return ATTENTION_PARAMS.pack({
    L: a.L, S: a.S, E: a.E, Ev: a.Ev,
    bhCount: count, bhFirst: first, causal: a.causal ? 1 : 0, hasMask: m ? 1 : 0,
    inner: m?.inner ?? 1, maskOuter: m?.outer ?? 0, maskInner: m?.innerStride ?? 0, maskRow: m?.row ?? 0,
    maskCol: m?.col ?? 0, scale: a.scale, dropP: a.dropoutP, dropScale: a.dropoutP === 1 ? 0 : 1 / (1 - a.dropoutP),
    seedLo: a.seed >>> 0, seedHi: Math.floor(a.seed / 2 ** 32) >>> 0,
  });
}

/** Binds a run of `buffer`, `size` elements per bh (whole when there is one run). */
export const runBinding = (buffer: GPUBuffer, size: number, run: [number, number], whole: boolean): Binding => blockBinding(buffer, size, run, whole);

/** The mask's binding (whole), or a stand-in the kernel never reads when there is none (another read-only binding of the run). */
export const maskBinding = (a: AttentionProblem, standIn: Binding): Binding => a.mask?.tensor.buffer ?? standIn;
