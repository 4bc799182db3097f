import { WebgradError } from '../errors.js';
import type { ConvGeometry } from './window-geometry.js';

/**
 * The candidates of conv_implicit.wgsl and how one is chosen for a product: pure (no device), as
 * gemm-plan.ts is for the GEMM. The autotuner (gemm-autotune.ts) times them per shape class on GPUs.
 */

/** conv_implicit.wgsl's products, as its MODE_* constants. */
export const CONV_MODES = { forward: 0, inputGrad: 1, weightGrad: 2 } as const;
export type ConvMode = keyof typeof CONV_MODES;

/**
 * A configuration of conv_implicit.wgsl (its override constants): a (64·rows)×(64·groups) tile per
 * 256-invocation workgroup, (4·rows)×(4·groups) outputs per invocation; `counters`: k's digits
 * stepped with carries instead of divided per slice; `buffers`: copies of the staged slices (2: one
 * barrier per slice); `xor`: staged rows unpadded, their vec4s permuted instead (less memory, as
 * free of bank conflicts); `vec4`: A read as vec4s along k where the product allows (vec4Applies).
 */
export interface ConvConfig {
  name: string;
  rows: 1 | 2;
  groups: 1 | 2;
  counters: boolean;
  buffers: 1 | 2;
  xor: boolean;
  vec4: boolean;
}

function config(rows: 1 | 2, groups: 1 | 2, counters: boolean, buffers: 1 | 2, xor: boolean, vec4: boolean): ConvConfig {
  const tags = [counters ? 'counters' : '', buffers === 2 ? 'double' : '', xor ? 'xor' : '', vec4 ? 'vec4' : ''].filter((s) => s);
  const name = `${64 * rows}x${64 * groups}/${4 * rows}x${4 * groups}${tags.map((t) => `+${t}`).join('')}`;
  return { name, rows, groups, counters, buffers, xor, vec4 };
}

/**
 * Every candidate. The first two are the defaults (CPU adapters, GPUs). 128×128 tiles (8×8 outputs
 * per invocation) halve the workgroup-memory reads per multiply-add again; counters replace ~6
 * integer divisions per slice by two compares; double buffering halves the barriers; vec4 loads of
 * A quarter its load instructions. Two slices of 128×128 tiles fit 32 KiB of workgroup memory (what
 * lavapipe has) only with unpadded rows: `xor`.
 */
export const CONV_CONFIGS: readonly ConvConfig[] = [
  config(1, 1, false, 1, false, false),
  config(1, 2, false, 1, false, false),
  config(1, 2, true, 2, false, false),
  config(1, 2, true, 2, false, true),
  config(2, 2, true, 1, false, false),
  config(2, 2, true, 1, false, true),
  config(2, 2, true, 2, true, false),
  config(2, 2, true, 2, true, true),
];

/**
 * The configuration without tuning: 64×128 tiles on GPUs (fewer workgroup-memory reads per
 * multiply-add; the forward's and dx's N is batch·pixels, dW's split over K makes up for its shorter
 * N), 64×64 on CPU adapters (more workgroups for a few hundred invocations' worth of cores).
 */
export const defaultConvConfig = (cpuAdapter: boolean): ConvConfig => CONV_CONFIGS[cpuAdapter ? 0 : 1];

/** Bytes of workgroup memory a configuration stages: 16-deep slices, rows padded by one vec4 unless `xor`. */
export const convWorkgroupBytes = (c: ConvConfig): number => {
  const pad = c.xor ? 0 : 1;
  return 16 * 16 * (16 * c.rows + pad + 16 * c.groups + pad) * c.buffers;
};

export const convConfigRuns = (c: ConvConfig, maxWorkgroupBytes: number): boolean => convWorkgroupBytes(c) <= maxWorkgroupBytes;

/** A product of conv_implicit.wgsl: C[M, N] = A[M, K] · B[K, N] (conv-implicit.ts's table). */
export interface ConvProduct {
  mode: ConvMode;
  M: number;
  N: number;
  K: number;
}

export function convProduct(mode: ConvMode, g: ConvGeometry): ConvProduct {
  if (mode === 'forward') return { mode, M: g.cout, N: g.n * g.oh * g.ow, K: g.c * g.kh * g.kw };
  if (mode === 'inputGrad') return { mode, M: g.c, N: g.n * g.h * g.w, K: g.cout * g.kh * g.kw };
  return { mode, M: g.cout, N: g.c * g.kh * g.kw, K: g.n * g.oh * g.ow };
}

/**
 * Whether A can be read as aligned vec4s along k, each within one row of A: the weight [cout, K] of
 * the forward where K % 4 = 0; grad's rows of oh·ow pixels in the weight gradient where oh·ow % 4 = 0.
 * The input gradient reads the weight across output channels: never.
 */
export function vec4Applies(mode: ConvMode, g: ConvGeometry): boolean {
  if (mode === 'forward') return (g.c * g.kh * g.kw) % 4 === 0;
  if (mode === 'weightGrad') return (g.oh * g.ow) % 4 === 0;
  return false;
}

const pow2ceil = (x: number): number => 2 ** Math.ceil(Math.log2(Math.max(1, x)));

/**
 * Products of a class share a configuration: the same mode, kernel size and stride, M, N, K rounded
 * up to powers of 2, and whether vec4 loads apply (the candidates differ). Prefixed 'conv' so that
 * it shares the GEMM's tuning table without meeting its keys.
 */
export function convShapeClass(mode: ConvMode, g: ConvGeometry): string {
  const p = convProduct(mode, g);
  const v = vec4Applies(mode, g) ? ' vec4' : '';
  return `conv ${mode} ${pow2ceil(p.M)}x${pow2ceil(p.N)}x${pow2ceil(p.K)} k${g.kh}x${g.kw} s${g.sh}x${g.sw}${v}`;
}

/**
 * What autotuning times for a product: the default first (it wins ties), then every other
 * configuration that runs here, less those whose vec4 loads do not apply (their twin without them is
 * already in the list).
 */
export function convCandidates(mode: ConvMode, g: ConvGeometry, cpuAdapter: boolean, maxWorkgroupBytes: number): string[] {
  const first = defaultConvConfig(cpuAdapter);
  const vec4 = vec4Applies(mode, g);
  const rest = CONV_CONFIGS.filter((c) => c !== first && convConfigRuns(c, maxWorkgroupBytes) && (vec4 || !c.vec4));
  return [first.name, ...rest.map((c) => c.name)];
}

/**
 * The configuration a product runs: `force` (the policy's convConfig: tests, tuning) whatever the
 * table says, else the table's for the product's class where it runs here, else the default.
 */
export function planConv(
  mode: ConvMode,
  g: ConvGeometry,
  cpuAdapter: boolean,
  maxWorkgroupBytes: number,
  table: Readonly<Record<string, string>> = {},
  force: string | null = null,
): { config: ConvConfig; shapeClass: string; tuned: boolean } {
  const shapeClass = convShapeClass(mode, g);
  const byName = (name: string) => CONV_CONFIGS.find((c) => c.name === name);
  if (force !== null) {
    const config = byName(force);
    if (!config) throw new WebgradError(`webgrad: conv2d: unknown implicit-GEMM configuration '${force}' (one of ${CONV_CONFIGS.map((c) => c.name).join(', ')})`);
    if (!convConfigRuns(config, maxWorkgroupBytes)) {
      throw new WebgradError(`webgrad: conv2d: configuration '${force}' needs ${convWorkgroupBytes(config)} bytes of workgroup memory; this adapter has ${maxWorkgroupBytes}`);
    }
    return { config, shapeClass, tuned: false };
  }
  const fromTable = table[shapeClass] !== undefined ? byName(table[shapeClass]) : undefined;
  if (fromTable && convConfigRuns(fromTable, maxWorkgroupBytes)) return { config: fromTable, shapeClass, tuned: true };
  return { config: defaultConvConfig(cpuAdapter), shapeClass, tuned: false };
}
