import { WebgradError } from '../../errors.js';
import type { GemmVariant } from '../../runtime/policy.js';

/**
 * How a product runs: which kernel, in which configuration, split over k or not, in which panels.
 * Pure (no device): `planGemm` takes the problem, the adapter's limits and the tuning table.
 */

/** Outputs per invocation of gemm.wgsl, the register kernel (8×8). */
export const TILE_M = 8;
export const TILE_N = 8;
/**
 * Outputs per invocation of the texture GEMM (32×16): with texel fetches cheaper than storage
 * loads, larger blocks pay on lavapipe, up to where LLVM spills (timings in bench/RESULTS.md).
 */
export const TEXTURE_TILE_M = 32;
export const TEXTURE_TILE_N = 16;

/** Invocations per workgroup of the register and texture GEMMs (gemm.wgsl's and gemm_texture.wgsl's WG). */
export const TILE_INVOCATIONS = 64;

/** Workgroup shape of the register or texture GEMM: wgX × wgY invocations, each computing a tile. */
export interface Tile {
  wgX: number;
  wgY: number;
}

/**
 * A configuration of gemm_workgroup.wgsl: bm×bn outputs per workgroup, bk-deep slices of k staged in
 * workgroup memory, tm×tn outputs per invocation; `buffers` copies of the staged slices (2: the next
 * stored while the current one is multiplied, one barrier a slice), workgroups walking the output in
 * bands of `swizzle` block rows (0: row by row), accumulators as `named` variables or an array.
 */
export interface GemmConfig {
  name: string;
  bm: number;
  bn: number;
  bk: number;
  tm: number;
  tn: number;
  buffers: 1 | 2;
  swizzle: number;
  named: boolean;
}

/** What a configuration changes beyond its blocks. */
interface GemmExtras {
  buffers?: 1 | 2;
  swizzle?: number;
  named?: boolean;
}

const config = (bm: number, bn: number, bk: number, tm: number, tn: number, extras: GemmExtras = {}): GemmConfig => {
  const { buffers = 1, swizzle = 0, named = false } = extras;
  const tags = [buffers === 2 ? '+double' : '', swizzle ? `+swizzle${swizzle}` : '', named ? '+named' : ''].join('');
  return { name: `${bm}x${bn}x${bk}/${tm}x${tn}${tags}`, bm, bn, bk, tm, tn, buffers, swizzle, named };
};

/**
 * The candidates of gemm_workgroup.wgsl, which autotuning times. Large blocks reuse each staged
 * value most (128×128 with 8×8 per invocation: 2 vec4 reads of workgroup memory for 64 multiply-adds);
 * smaller ones give more workgroups to products with few outputs (the FC layers at batch 32).
 * Each loads whole vec4s per invocation and slice (at most 4 per operand, as the kernel holds).
 * The last ones are the largest blocks with double-buffered slices, a swizzled workgroup order and
 * named accumulators, alone and together: untimed on a GPU so far, so never a default.
 */
export const GEMM_CONFIGS: readonly GemmConfig[] = [
  config(128, 128, 8, 8, 8),
  config(128, 128, 16, 8, 8),
  config(128, 64, 8, 8, 8),
  config(64, 128, 8, 8, 8),
  config(64, 64, 16, 8, 8),
  config(64, 64, 16, 4, 4),
  config(32, 64, 16, 4, 4),
  config(128, 128, 8, 8, 8, { buffers: 2 }),
  config(128, 128, 8, 8, 8, { swizzle: 8 }),
  config(128, 128, 8, 8, 8, { named: true }),
  config(128, 128, 8, 8, 8, { buffers: 2, swizzle: 8, named: true }),
];

/**
 * The name that stands for gemm.wgsl, the register kernel, among the configurations: autotuning
 * times it beside gemm_workgroup.wgsl's candidates, so that a class where it is faster keeps it.
 */
export const REGISTER_KERNEL = 'registers';

/**
 * The name that stands for gemm_small.wgsl, one output per invocation with the transposes as
 * uniforms: the kernel of every product of at most `smallMacs` multiply-adds (GemmLimits), which
 * gain too little from 8×8 register blocks to repay compiling gemm.wgsl's variants.
 */
export const SMALL_KERNEL = 'small';

/** Most outputs of one gemm_small.wgsl dispatch: 64 per workgroup, along one grid dimension of WebGPU's default 65,535. */
export const SMALL_MAX_OUTPUTS = 64 * 65_535;

/** Every name autotuning times on an adapter: the configurations that run there, and the register kernel. */
export const tuningCandidates = (limits: GemmLimits): string[] => [...GEMM_CONFIGS.filter((c) => configRuns(c, limits)).map((c) => c.name), REGISTER_KERNEL];

/** The adapter's limits that planning depends on. */
export interface GemmLimits {
  /** The kernel family asked for (init's `gemm` option, or the adapter's default). */
  variant: GemmVariant;
  /** A CPU adapter (lavapipe): a few hundred invocations occupy it. */
  cpuAdapter: boolean;
  /** Bytes of the largest storage binding. */
  bindingLimit: number;
  maxComputeWorkgroupStorageSize: number;
  maxComputeInvocationsPerWorkgroup: number;
  /** Products of at most this many multiply-adds (batch·M·N·K) run on gemm_small.wgsl (policy.smallGemmMacs). */
  smallMacs: number;
}

/** A product out[b] = op(A[b])·op(B[b]); batchA, batchB are 1 for a 2-D or broadcast operand. */
export interface GemmProblem {
  M: number;
  N: number;
  K: number;
  batchA: number;
  batchB: number;
  transA: boolean;
  transB: boolean;
}

/** Shape class → configuration name, as autotuning fills it. */
export type GemmTuningTable = Readonly<Record<string, string>>;

export type Dim = 'b' | 'm' | 'n' | 'k';
export type Range = Record<Dim, [number, number]>;

/** An operand as the kernel reads (or writes) it: rows of `ld` elements. */
export interface OperandLayout {
  ld: number;
  /** Elements between batch entries; 0 when the operand broadcasts over the batch. */
  stride: number;
  /** Which problem dimension runs along the stored rows (outer) and within them (inner). */
  outer: Dim;
  inner: Dim;
  /** Reads whole vec4s: the end of a row range rounds up to 4. */
  vec4: boolean;
}

export interface GemmPlan {
  /** The storage-buffer kernel; `texture` says to try gemm_texture.wgsl first (gemm-texture.ts may decline). */
  kernel: 'registers' | 'workgroup' | 'small';
  texture: boolean;
  /** gemm_workgroup.wgsl's configuration (kernel 'workgroup'). */
  config: GemmConfig | null;
  /** Ranges of k computed side by side, then summed by gemm_sum.wgsl (1: none), each kSplit long. */
  splits: number;
  kSplit: number;
  /** Ranges of the problem dispatched one after another so that every binding fits (one when all fit). */
  panels: Range[];
  /** The operands and the output as the kernels read them (rows padded to 4 for vec4 reads). */
  a: OperandLayout;
  b: OperandLayout;
  out: OperandLayout;
  /** The key of the tuning table for this problem, and whether the table had it. */
  shapeClass: string;
  tuned: boolean;
}

/** Panels split M, N and K at multiples of this (a multiple of every tile, block and vec4 width). */
export const SPLIT_GRAIN = 64;
/** Storage bindings start at multiples of this many bytes (minStorageBufferOffsetAlignment). */
export const OFFSET_ALIGN = 256;

const roundUp = (x: number, m: number): number => Math.ceil(x / m) * m;
const pow2ceil = (x: number): number => 2 ** Math.ceil(Math.log2(Math.max(1, x)));

/** Invocations per workgroup of a configuration. */
export const invocations = (c: GemmConfig): number => (c.bm / c.tm) * (c.bn / c.tn);

/** Bytes of workgroup memory a configuration stages (both slices, one vec4 of padding per row). */
export const workgroupBytes = (c: GemmConfig): number => 16 * c.bk * (c.bm / 4 + 1 + c.bn / 4 + 1) * c.buffers;

/** Whether the adapter can run a configuration, and gemm_workgroup.wgsl holds it. */
export function configRuns(c: GemmConfig, limits: GemmLimits): boolean {
  const nt = invocations(c);
  const loadsA = (c.bm * c.bk) / 4 / nt;
  const loadsB = (c.bn * c.bk) / 4 / nt;
  return (
    [c.tm, c.tn].every((t) => t === 4 || t === 8) &&
    c.bk % 4 === 0 &&
    [loadsA, loadsB].every((l) => Number.isInteger(l) && l >= 1 && l <= 4) &&
    nt <= limits.maxComputeInvocationsPerWorkgroup &&
    workgroupBytes(c) <= limits.maxComputeWorkgroupStorageSize
  );
}

/** Whether a panel's M, N, K divide the configuration's block, so that it runs without bounds checks. */
export const fitsExactly = (c: GemmConfig, M: number, N: number, K: number, kSplit: number): boolean =>
  M % c.bm === 0 && N % c.bn === 0 && K > 0 && K % c.bk === 0 && kSplit % c.bk === 0;

/**
 * Problems of a class share a configuration: same transposes, batched or not, and M, N, K rounded up
 * to powers of 2.
 */
export function shapeClass(p: GemmProblem): string {
  const batch = Math.max(p.batchA, p.batchB);
  return `${p.transA ? 'T' : 'N'}${p.transB ? 'T' : 'N'}${batch > 1 ? ' batched' : ''} ${pow2ceil(p.M)}x${pow2ceil(p.N)}x${pow2ceil(p.K)}`;
}

/**
 * 'registers' and 'texture': 64 invocations per workgroup, shaped to the output so that few
 * invocations fall outside it (skinny products such as 32×4096 get 32×2, and 4096×32 ones 2×32).
 * Only the aspect varies (64×1 … 8×8 … 1×64), and it is a uniform (wgX), not an override: lavapipe
 * compiles each pipeline for seconds on first use, so every shape runs on the same one, and a small
 * output keeps a full workgroup and masks the invocations it does not need.
 */
export function chooseTile(variant: 'registers' | 'texture', M: number, N: number): Tile {
  const [tm, tn] = variant === 'texture' ? [TEXTURE_TILE_M, TEXTURE_TILE_N] : [TILE_M, TILE_N];
  const rows = Math.ceil(M / tm);
  const cols = Math.ceil(N / tn);
  if (rows < 8 || cols >= 8) {
    const wgY = Math.min(pow2ceil(rows), 8);
    return { wgX: TILE_INVOCATIONS / wgY, wgY };
  }
  const wgX = pow2ceil(cols);
  return { wgX, wgY: TILE_INVOCATIONS / wgX };
}

/** Fewest k per split: shorter ranges cost more in partial sums than they gain. */
const MIN_K_PER_SPLIT = 128;

/**
 * How many ranges of k to compute side by side (1: no split), so that a product with few outputs
 * (AlexNet's FC layers at batch 32) still occupies the device: a few hundred invocations keep a
 * CPU adapter's cores busy; a GPU wants tens of thousands (an H200 has 132 multiprocessors of up
 * to 2,048 resident invocations).
 */
export function chooseSplitK(kernel: 'registers' | 'workgroup', cfg: GemmConfig | null, cpuAdapter: boolean, M: number, N: number, K: number): number {
  const wanted = cpuAdapter ? 256 : kernel === 'workgroup' ? 65_536 : 32_768;
  const parallel =
    kernel === 'workgroup' && cfg
      ? Math.ceil(M / cfg.bm) * Math.ceil(N / cfg.bn) * invocations(cfg)
      : Math.ceil(M / TILE_M) * Math.ceil(N / TILE_N);
  if (parallel >= wanted) return 1;
  return Math.max(1, Math.min(Math.floor(K / MIN_K_PER_SPLIT), Math.ceil(wanted / parallel), 64));
}

/**
 * gemm_workgroup.wgsl's configuration where the tuning table has none: the largest block that still
 * gives the device a few waves of workgroups (or, failing that, the one with most), never taller
 * or wider than the output needs.
 */
export function defaultConfig(p: GemmProblem, limits: GemmLimits): GemmConfig {
  const batch = Math.max(p.batchA, p.batchB);
  const runs = GEMM_CONFIGS.filter((c) => DEFAULT_CANDIDATES.includes(c.name) && configRuns(c, limits));
  const fit = runs.filter((c) => c.bm <= Math.max(32, pow2ceil(p.M)) && c.bn <= Math.max(64, pow2ceil(p.N)));
  const choices = fit.length ? fit : runs;
  const workgroups = (c: GemmConfig) => Math.ceil(p.M / c.bm) * Math.ceil(p.N / c.bn) * batch;
  const area = (c: GemmConfig) => c.bm * c.bn;
  const busy = choices.filter((c) => workgroups(c) >= (limits.cpuAdapter ? 4 : 264)).sort((x, y) => area(y) - area(x));
  if (busy.length) return busy[0];
  return [...choices].sort((x, y) => area(x) - area(y))[0] ?? GEMM_CONFIGS[GEMM_CONFIGS.length - 1];
}

/** The configurations defaultConfig picks from: one per block shape, 256 or 128 invocations each. */
const DEFAULT_CANDIDATES = ['128x128x8/8x8', '128x64x8/8x8', '64x128x8/8x8', '64x64x16/4x4', '32x64x16/4x4'];

/**
 * The operand layouts of a problem: stored rows padded to 4 where they are read as vec4s (`vec4`:
 * every kernel but gemm_small.wgsl, which reads the rows as they are).
 */
export function layouts(p: GemmProblem, vec4 = true): { a: OperandLayout; b: OperandLayout; out: OperandLayout } {
  const { M, N, K, transA, transB } = p;
  const [ra, ca] = transA ? [K, M] : [M, K];
  const [rb, cb] = transB ? [N, K] : [K, N];
  const ldA = vec4 ? roundUp(ca, 4) : ca;
  const ldB = vec4 ? roundUp(cb, 4) : cb;
  return {
    a: { ld: ldA, stride: p.batchA === 1 ? 0 : ra * ldA, outer: transA ? 'k' : 'm', inner: transA ? 'm' : 'k', vec4 },
    b: { ld: ldB, stride: p.batchB === 1 ? 0 : rb * ldB, outer: transB ? 'n' : 'k', inner: transB ? 'k' : 'n', vec4 },
    out: { ld: N, stride: Math.max(p.batchA, p.batchB) === 1 ? 0 : M * N, outer: 'm', inner: 'n', vec4: false },
  };
}

/** The first and one-past-last elements an operand's reads (or writes) touch within a panel. */
export function extent(op: OperandLayout, r: Range): [number, number] {
  const [b0, b1] = op.stride === 0 ? [0, 1] : r.b;
  const [o0, o1] = r[op.outer];
  const [i0, i1] = r[op.inner];
  const start = b0 * op.stride + o0 * op.ld + i0;
  const end = (b1 - 1) * op.stride + (o1 - 1) * op.ld + (op.vec4 ? roundUp(i1, 4) : i1);
  return [start, end];
}

/** Bytes of the binding that holds an operand's part of a panel (starting on an aligned offset). */
export const bindBytes = (op: OperandLayout, r: Range): number => {
  const [start, end] = extent(op, r);
  return roundUp(end * 4, 16) - Math.floor((start * 4) / OFFSET_ALIGN) * OFFSET_ALIGN;
};

/**
 * Panels of the problem whose every binding fits `limit` bytes, halving the outermost dimension of
 * an operand that does not fit (its batch, then its stored rows). Panels that split K come out in
 * increasing k, so the first one writes and the later ones accumulate.
 */
export function panels(r: Range, ops: OperandLayout[], limit: number): Range[] {
  const big = ops.find((op) => bindBytes(op, r) > limit);
  if (!big) return [r];
  const dim: Dim = big.stride !== 0 && r.b[1] - r.b[0] > 1 ? 'b' : big.outer;
  const [lo, hi] = r[dim];
  // M, N and K split at multiples of 4 so that every vec4 operand's panel starts on a vec4.
  const half = Math.ceil((hi - lo) / 2);
  const mid = lo + (dim === 'b' ? half : roundUp(half, hi - lo > SPLIT_GRAIN ? SPLIT_GRAIN : 4));
  if (mid >= hi) throw new WebgradError(`webgrad: gemm: a panel of ${big.ld} floats per row cannot fit the binding limit of ${limit} bytes`);
  return [...panels({ ...r, [dim]: [lo, mid] }, ops, limit), ...panels({ ...r, [dim]: [mid, hi] }, ops, limit)];
}

/**
 * The plan of a product. `force` names a configuration of gemm_workgroup.wgsl (or REGISTER_KERNEL,
 * SMALL_KERNEL) to use whatever the variant and the table say (tests, tuning); else a product of at
 * most `limits.smallMacs` multiply-adds runs on gemm_small.wgsl, unsplit and untuned, and the
 * workgroup variant takes the table's choice for the problem's class, or `defaultConfig`.
 */
export function planGemm(p: GemmProblem, limits: GemmLimits, table: GemmTuningTable = {}, force?: string): GemmPlan {
  const cls = shapeClass(p);
  const batch = Math.max(p.batchA, p.batchB);
  if (force === SMALL_KERNEL || (force === undefined && isSmall(p, limits))) {
    if (p.M * p.N > SMALL_MAX_OUTPUTS) throw new WebgradError(`webgrad: gemm: ${SMALL_KERNEL} takes at most ${SMALL_MAX_OUTPUTS} outputs, got ${p.M}×${p.N}`);
    const lay = layouts(p, false);
    const whole: Range = { b: [0, batch], m: [0, p.M], n: [0, p.N], k: [0, p.K] };
    return {
      kernel: 'small', texture: false, config: null, splits: 1, kSplit: 0,
      panels: panels(whole, [lay.a, lay.b, lay.out], limits.bindingLimit), ...lay, shapeClass: cls, tuned: false,
    };
  }
  const byName = (name: string) => GEMM_CONFIGS.find((c) => c.name === name);
  let cfg: GemmConfig | null = null;
  let tuned = false;
  if (force === REGISTER_KERNEL) {
    cfg = null;
  } else if (force !== undefined) {
    cfg = byName(force) ?? null;
    if (!cfg) throw new WebgradError(`webgrad: gemm: unknown configuration '${force}' (one of ${[...GEMM_CONFIGS.map((c) => c.name), REGISTER_KERNEL, SMALL_KERNEL].join(', ')})`);
    if (!configRuns(cfg, limits)) throw new WebgradError(`webgrad: gemm: configuration '${force}' exceeds this adapter's workgroup limits`);
  } else if (limits.variant === 'workgroup') {
    const fromTable = table[cls] !== undefined ? byName(table[cls]) : undefined;
    tuned = table[cls] === REGISTER_KERNEL || (!!fromTable && configRuns(fromTable, limits));
    cfg = table[cls] === REGISTER_KERNEL ? null : tuned ? fromTable! : defaultConfig(p, limits);
  }
  const kernel = cfg ? 'workgroup' : 'registers';
  const lay = layouts(p);
  const whole: Range = { b: [0, batch], m: [0, p.M], n: [0, p.N], k: [0, p.K] };
  let splits = batch === 1 ? chooseSplitK(kernel, cfg, limits.cpuAdapter, p.M, p.N, p.K) : 1;
  let kSplit = 0;
  if (splits > 1) {
    const grain = cfg ? cfg.bk : 4;
    kSplit = roundUp(Math.ceil(p.K / splits), grain);
    splits = Math.ceil(p.K / kSplit);
    const fits = [lay.a, lay.b].every((op) => bindBytes(op, whole) <= limits.bindingLimit) && splits * p.M * p.N * 4 <= limits.bindingLimit;
    if (!fits || splits === 1) {
      splits = 1;
      kSplit = 0;
    }
  }
  return {
    kernel,
    texture: force === undefined && limits.variant === 'texture' && batch === 1 && splits === 1,
    config: cfg,
    splits,
    kSplit,
    panels: splits > 1 ? [whole] : panels(whole, [lay.a, lay.b, lay.out], limits.bindingLimit),
    ...lay,
    shapeClass: cls,
    tuned,
  };
}

/** Whether a product is small enough for gemm_small.wgsl by the policy (its multiply-adds, all batch entries). */
export const isSmall = (p: GemmProblem, limits: GemmLimits): boolean =>
  Math.max(p.batchA, p.batchB) * p.M * p.N * p.K <= limits.smallMacs && p.M * p.N <= SMALL_MAX_OUTPUTS;
