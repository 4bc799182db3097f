import type * as tfjs from '@tensorflow/tfjs';

/**
 * One side of a benchmark case: `run()` records one repetition of the GPU work (no readback);
 * `result()` reads the output so the two sides can be checked against each other.
 */
export interface Side {
  run(): void;
  result(): Promise<Float32Array>;
  dispose(): void;
  /** What the bench prints beside the case (the GEMM's kernel and configuration). */
  note?: string;
}

/** A benchmark case, timed on webgrad and, where tfjs has the op, on tfjs-webgpu on the same adapter. */
export interface BenchCase {
  group: string;
  name: string;
  /** Human-readable shape, e.g. "32x9216 · 9216x4096". */
  shape: string;
  /** Floating-point operations per repetition (for GFLOP/s). */
  flops?: number;
  /** Bytes moved per repetition (for GB/s, when flops is not meaningful). */
  bytes?: number;
  /** Relative tolerance when checking tfjs's result against ours. */
  rtol?: number;
  /** Kept by `--quick` (a smaller set for a fast look). */
  quick?: boolean;
  /** Sized for a real GPU: runs there, or anywhere with `--large` (minutes per case on lavapipe). */
  large?: boolean;
  webgrad(): Promise<Side>;
  tfjs?(tf: typeof tfjs): Promise<Side>;
}

/** What the command line chooses cases by (bench/cli.ts's Options). */
export interface Selection {
  quick: boolean;
  all: boolean;
  large: boolean;
  tfjs: boolean;
  filter: RegExp | null;
}

/**
 * The cases a run times, those tfjs runs too first: the quick ones under --quick, those sized for a
 * GPU only there or under --large, and webgrad's own variants (no tfjs side) only under --all, when
 * --filter names them, or with --no-tfjs (nothing is compared then). `leftOut` counts those variants
 * left out, for the run to say so.
 */
export function selectCases(cases: BenchCase[], o: Selection, software: boolean): { cases: BenchCase[]; leftOut: number } {
  let chosen = cases.filter((c) => !c.large || o.large || !software);
  if (o.quick) chosen = chosen.filter((c) => c.quick);
  if (o.filter) chosen = chosen.filter((c) => o.filter!.test(`${c.group}/${c.name}`));
  const peer = chosen.filter((c) => c.tfjs);
  const own = chosen.filter((c) => !c.tfjs);
  const keepOwn = o.all || o.filter !== null || !o.tfjs;
  return { cases: keepOwn ? [...peer, ...own] : peer, leftOut: keepOwn ? 0 : own.length };
}
