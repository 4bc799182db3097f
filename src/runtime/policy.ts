import { WebgradError } from '../errors.js';

/**
 * The GEMM kernel products run on, named as its WGSL file:
 *
 * | variant       | WGSL                   | what it is                                                      |
 * |---------------|------------------------|-----------------------------------------------------------------|
 * | 'registers'   | gemm.wgsl              | 8×8 outputs per invocation, no workgroup memory                 |
 * | 'workgroup'   | gemm_workgroup.wgsl    | operands staged in workgroup memory, configurations autotuned   |
 * | 'texture'     | gemm_texture.wgsl      | operands readied into rgba32float textures (copied or packed)   |
 *
 * 'workgroup' is the default on GPUs, 'texture' on CPU adapters (lavapipe). Products the texture
 * kernel cannot take (batched, split over k, larger than a texture) run on gemm.wgsl.
 */
export type GemmVariant = 'registers' | 'workgroup' | 'texture';

/**
 * How conv2d runs: implicit GEMMs (conv_implicit.wgsl), im2col column matrices and the GEMM
 * (conv.wgsl), or Winograd F(2×2, 3×3) or F(4×4, 3×3) transforms and GEMMs (winograd_*.wgsl)
 * where it applies and pays (3×3, stride 1, 8 channels or more: kernels/winograd-plan.ts);
 * elsewhere the adapter's other form (im2col on CPU sizing, implicit on GPU sizing).
 */
export const CONV_VARIANTS = ['implicit', 'im2col', 'winograd'] as const;
export type ConvVariant = (typeof CONV_VARIANTS)[number];

/**
 * How the texture GEMM decides (gemm-texture.ts): `costScale` multiplies what readying operands is
 * estimated to cost (0 runs every product that fits on textures), `orientation` forces C or Cᵀ.
 */
export interface TextureGemmTuning {
  costScale: number;
  orientation: 'normal' | 'transposed' | null;
}

/**
 * Everything that decides which kernel a call runs and how its work is split: one object, read by
 * every choice (the GEMM planner, conv2d, the texture GEMM, the runtime's ranges and allocations).
 * `init()` sets it (its defaults follow the adapter); `withPolicy()` changes it for one call.
 */
export interface KernelPolicy {
  gemm: GemmVariant;
  conv: ConvVariant;
  /**
   * The configuration of conv_implicit.wgsl to run (a name from kernels/conv-implicit-plan.ts's
   * CONV_CONFIGS, such as '128x128/8x8+counters'), whatever the tuning table says; null: the
   * table's, else the default. Tests run every candidate on any adapter with it.
   */
  convConfig: string | null;
  /**
   * How work is split: 'cpu' for a CPU adapter (a few hundred invocations occupy it: no split-K,
   * im2col by rows, one column group), 'gpu' for tens of thousands. The adapter's own by default;
   * tests run the other to cover both forms on any adapter.
   */
  sizing: 'cpu' | 'gpu';
  /**
   * The largest storage binding kernels make, in bytes (a multiple of 256), below the device's
   * maxStorageBufferBindingSize; null: the device's. Tests lower it to run the big-tensor paths
   * (ranges, GEMM panels, conv chunks) on small tensors.
   */
  bindingLimit: number | null;
  /**
   * The most bytes of GPU buffers the buffer pool may hold, live and free together (a multiple of
   * 256); null: no limit but the device's own. Past it an allocation gets the pool's free buffers
   * back and tries again, then refuses with a WebgradError. Tests lower it to try running out of
   * memory on a CPU adapter; it also caps what a program may take of a shared GPU.
   */
  memoryLimit: number | null;
  /** The most bytes of one im2col chunk's column matrix (below the binding limit); null: the binding limit. */
  convChunkBytes: number | null;
  textureGemm: TextureGemmTuning;
  /**
   * Fill every new tensor buffer with NaN, so that an element a kernel fails to write shows up in
   * the result (tests).
   */
  poison: boolean;
  /** Whether the 'workgroup' GEMM autotunes (init's `autotune` option starts the tuner). */
  autotune: boolean;
  /**
   * Products of at most this many multiply-adds (batch·M·N·K) run on gemm_small.wgsl, one pipeline
   * for all of them, untuned: their blocked kernels' variants cost a driver that compiles at first
   * use (lavapipe) seconds each, more than such products ever run (0: none).
   */
  smallGemmMacs: number;
}

/**
 * smallGemmMacs by adapter. On a CPU adapter up to 2^20 (a 32×64 output over k = 512), which
 * gemm_small.wgsl runs in a millisecond or two, while lavapipe compiles each gemm.wgsl or
 * gemm_texture.wgsl variant for 5–10 CPU seconds; larger products (AlexNet's fc8 at batch 32,
 * 1.3 M) run 1.5–2× faster on the blocked kernels (bench/RESULTS.md, "Cold start"). On GPUs up to
 * 2^16, products that launch overhead dominates.
 */
const SMALL_GEMM_MACS = { cpu: 2 ** 20, gpu: 2 ** 16 };

/** The policy on an adapter when init() is given none. */
export function defaultPolicy(software: boolean): KernelPolicy {
  return {
    gemm: software ? 'texture' : 'workgroup',
    conv: software ? 'winograd' : 'implicit',
    convConfig: null,
    sizing: software ? 'cpu' : 'gpu',
    bindingLimit: null,
    memoryLimit: null,
    convChunkBytes: null,
    textureGemm: { costScale: 1, orientation: null },
    poison: false,
    autotune: !software,
    smallGemmMacs: software ? SMALL_GEMM_MACS.cpu : SMALL_GEMM_MACS.gpu,
  };
}

/** The description of a policy that the bench prints: every field, in one line. */
export function describePolicy(p: KernelPolicy): string {
  const t = p.textureGemm;
  return [
    `gemm ${p.gemm}`,
    `conv ${p.conv}`,
    `sizing ${p.sizing}`,
    `binding limit ${p.bindingLimit ?? 'device'}`,
    `memory limit ${p.memoryLimit ?? 'device'}`,
    `conv chunk ${p.convChunkBytes ?? 'binding limit'}`,
    `conv config ${p.convConfig ?? 'tuned or default'}`,
    `texture gemm cost×${t.costScale}${t.orientation ? ` ${t.orientation}` : ''}`,
    `poison ${p.poison ? 'on' : 'off'}`,
    `autotune ${p.autotune ? 'on' : 'off'}`,
    `small gemm ≤ ${p.smallGemmMacs} MACs`,
  ].join(', ');
}

export type PolicyChanges = Partial<Omit<KernelPolicy, 'textureGemm'>> & { textureGemm?: Partial<TextureGemmTuning> };

/** `base` with `changes` applied, each changed field checked (a bad one is a WebgradError naming it). */
export function applyPolicy(base: KernelPolicy, changes: PolicyChanges, caller: string): KernelPolicy {
  if (changes === null || typeof changes !== 'object') throw new WebgradError(`webgrad: ${caller}: the policy must be an object, got ${String(changes)}`);
  const oneOf = (name: keyof KernelPolicy, allowed: readonly unknown[]) => {
    const v = changes[name];
    if (v !== undefined && !allowed.includes(v)) {
      throw new WebgradError(`webgrad: ${caller}: ${name} must be one of ${allowed.map((a) => JSON.stringify(a)).join(', ')}, got ${JSON.stringify(v)}`);
    }
  };
  oneOf('gemm', ['registers', 'workgroup', 'texture']);
  oneOf('conv', CONV_VARIANTS);
  oneOf('sizing', ['cpu', 'gpu']);
  oneOf('poison', [true, false]);
  oneOf('autotune', [true, false]);
  const bytes = (name: 'bindingLimit' | 'memoryLimit' | 'convChunkBytes', multiple: number) => {
    const v = changes[name];
    if (v !== undefined && v !== null && !(Number.isInteger(v) && v > 0 && v % multiple === 0)) {
      throw new WebgradError(`webgrad: ${caller}: ${name} must be null or a positive multiple of ${multiple} bytes, got ${JSON.stringify(v)}`);
    }
  };
  const cc = changes.convConfig;
  if (cc !== undefined && cc !== null && typeof cc !== 'string') {
    throw new WebgradError(`webgrad: ${caller}: convConfig must be null or a configuration's name, got ${JSON.stringify(cc)}`);
  }
  bytes('bindingLimit', 256);
  bytes('memoryLimit', 256);
  const macs = changes.smallGemmMacs;
  if (macs !== undefined && !(Number.isSafeInteger(macs) && macs >= 0)) {
    throw new WebgradError(`webgrad: ${caller}: smallGemmMacs must be an integer >= 0, got ${JSON.stringify(macs)}`);
  }
  bytes('convChunkBytes', 4);
  const t = changes.textureGemm;
  if (t !== undefined) {
    if (t === null || typeof t !== 'object') throw new WebgradError(`webgrad: ${caller}: textureGemm must be an object { costScale, orientation }, got ${String(t)}`);
    if (t.costScale !== undefined && !(Number.isFinite(t.costScale) && t.costScale >= 0)) {
      throw new WebgradError(`webgrad: ${caller}: textureGemm.costScale must be a finite number >= 0, got ${t.costScale}`);
    }
    if (t.orientation !== undefined && t.orientation !== null && t.orientation !== 'normal' && t.orientation !== 'transposed') {
      throw new WebgradError(`webgrad: ${caller}: textureGemm.orientation must be 'normal', 'transposed' or null, got ${JSON.stringify(t.orientation)}`);
    }
  }
  const known = new Set(Object.keys(base));
  for (const key of Object.keys(changes)) {
    if (!known.has(key)) throw new WebgradError(`webgrad: ${caller}: unknown policy field '${key}' (fields: ${[...known].join(', ')})`);
  }
  const defined = definedOnly(changes) as Partial<KernelPolicy>;
  return Object.freeze({ ...base, ...defined, textureGemm: Object.freeze({ ...base.textureGemm, ...definedOnly(t ?? {}) }) });
}

const definedOnly = (o: object): object => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined));
