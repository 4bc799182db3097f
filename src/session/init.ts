import { Gpu, type AdapterSummary } from '../runtime/gpu.js';
import { hasRuntime, runtime, setRuntime } from '../device/current.js';
import { Runtime, type WaitMode } from '../runtime/runtime.js';
import { CONV_VARIANTS, applyPolicy, defaultPolicy, type ConvVariant, type GemmVariant, type KernelPolicy, type PolicyChanges, type TextureGemmTuning } from '../runtime/policy.js';
import { NoAdapterError, WebgradError } from '../errors.js';
import { loadKernelSources, missingKernelSources, registerKernelSources } from '../runtime/sources.js';
import { WGSL_TEXTS } from '../runtime/wgsl-texts.js';
import { configureGemmAutotune, type GemmAutotuneOptions } from '../kernels/gemm/gemm-autotune.js';
import type { BufferPoolStats } from '../runtime/buffer-pool.js';
import type { TexturePoolStats } from '../runtime/texture-pool.js';
import type { KernelProfile } from '../runtime/profiler.js';

export interface InitOptions {
  /** A WebGPU entry point to use instead of `navigator.gpu` or, in Node, Dawn's. */
  gpu?: GPU;
  powerPreference?: GPUPowerPreference;
  /** How readbacks wait for the GPU (see WaitMode). Default 'adaptive'. */
  wait?: WaitMode;
  /**
   * The GEMM kernel: 'texture' (the default on CPU adapters such as lavapipe, where it is the
   * fastest), 'workgroup' (the default elsewhere) or 'registers'.
   */
  gemm?: GemmVariant;
  /**
   * How conv2d runs: 'implicit' (the default on GPUs: its GEMMs compute the im2col addresses in
   * their operand loads, no column matrix is stored), 'im2col', or 'winograd' (the default on CPU
   * adapters: Winograd F(2×2, 3×3) for 3×3, stride-1 layers of 8 channels or more, im2col for the rest).
   */
  conv?: ConvVariant;
  /**
   * Autotuning of the 'workgroup' GEMM, as cuDNN's benchmark mode: the first product of each shape
   * class times every candidate configuration on the GPU, and later ones use the fastest. On by
   * default on GPUs, off on CPU adapters; `true` turns it on anywhere, `false` off, and
   * `{ file }` also keeps the tables (by adapter and driver) in that JSON file. In Node they are kept
   * by default in `$XDG_CACHE_HOME/webgrad/gemm-tuning.json` (`~/.cache/webgrad/…`);
   * `{ file: null }` keeps none.
   */
  autotune?: boolean | GemmAutotuneOptions;
  /** How work is split: 'cpu' or 'gpu' (the adapter's kind by default); see KernelPolicy. */
  sizing?: 'cpu' | 'gpu';
  /** The largest storage binding kernels make, in bytes (a multiple of 256); default the device's. */
  bindingLimit?: number | null;
  /**
   * The most bytes of GPU buffers tensors may hold, live and pooled (a multiple of 256); default
   * none but the device's. An allocation past it frees the pool's spare buffers and tries again,
   * then throws a WebgradError naming the op, the shape, its bytes and the memory in use.
   */
  memoryLimit?: number | null;
  /** The most bytes of one im2col chunk's column matrix; default the binding limit. */
  convChunkBytes?: number | null;
  /** How the texture GEMM chooses (see TextureGemmTuning). */
  textureGemm?: Partial<TextureGemmTuning>;
  /** Fill every new tensor buffer with NaN, so that an unwritten element shows up (tests). */
  poison?: boolean;
  /**
   * Debug mode: each tensor records the op that made it (`tensor.createdBy`), and each optimizer
   * step counts the live GPU buffers; when they grew at each of the last 3 steps, a warning (once)
   * names the ops that made the tensors that outlived their step. Costs a stack trace per tensor.
   * In Node, WEBGRAD_DEBUG=1 in the environment turns it on too.
   */
  debug?: boolean;
  /**
   * Whether to print, once, a line on standard error (the console in a browser) when a wait for the
   * GPU is still going 3 s after new kernels were created: a first run compiles them. Default true.
   */
  compileNotice?: boolean;
  /** Products of at most this many multiply-adds run on the small GEMM kernel (see KernelPolicy). */
  smallGemmMacs?: number;
  /**
   * Node entry only (Dawn): `false` turns Dawn's robustness transform off, which otherwise clamps
   * indices the compiler cannot prove in bounds (in the GEMM's inner loop, every read of workgroup
   * memory). Faster where the kernels are trusted; a kernel's bug would then read or write past
   * an array instead of being clamped. Dawn takes it when its instance is made, so the first
   * init() of a process decides it. A browser decides this itself.
   */
  robustness?: boolean;
}

/** The kernel policy of the current device (what decides each kernel choice; see KernelPolicy). */
export function kernelPolicy(): KernelPolicy {
  return runtime().policy;
}

/**
 * Runs `fn` (sync or async) with the kernel policy changed as `changes` say, then restores the
 * previous policy (when fn returns, or its promise settles). Tests use it to run every kernel form
 * on one adapter: `withPolicy({ gemm: 'registers', bindingLimit: 8192 }, () => matmul(a, b))`.
 */
export function withPolicy<T>(changes: PolicyChanges, fn: () => T): T {
  return runtime().withPolicy(changes, fn);
}

/**
 * Acquires the adapter and device and loads the kernels. Calling it again returns the same device,
 * unless that device was lost (a driver reset, a browser reclaiming the GPU): then it makes a new one.
 * In a browser the GPU is `navigator.gpu`; in Node the package's Node entry gives Dawn's instead.
 */
export async function init(options: InitOptions = {}): Promise<AdapterSummary> {
  checkInitOptions(options);
  if (options.robustness !== undefined) {
    throw new WebgradError("webgrad: init: robustness is an option of the Node entry's init() (Dawn); a browser decides it itself");
  }
  return start(options, options.gpu ?? (globalThis as { navigator?: { gpu?: GPU } }).navigator?.gpu);
}

/**
 * `init()` on a given platform: its WebGPU entry point and, when running from the sources, how it
 * reads the .wgsl files (a build carries their texts in wgsl-texts).
 */
export async function start(
  options: InitOptions,
  gpu: GPU | undefined,
  read?: (name: string) => Promise<string>,
  /** The platform's defaults for autotuning (the Node entry's: a cache file, and how to read and write it). */
  autotuneDefaults: GemmAutotuneOptions = {},
): Promise<AdapterSummary> {
  checkInitOptions(options);
  const running = currentDevice();
  if (running) return running;
  if (!gpu) {
    throw new NoAdapterError("this platform has no navigator.gpu; in Node, the package's Node entry (webgrad-wgsl/node, which Node picks for 'webgrad-wgsl') gives init() Dawn's");
  }
  registerKernelSources(WGSL_TEXTS);
  if (read) await loadKernelSources(read);
  const missing = missingKernelSources();
  if (missing.length > 0) {
    throw new WebgradError(`webgrad: init: the WGSL kernels ${missing.join(', ')} are not built in; build the package with \`npm run build\``);
  }
  const device = await Gpu.create(gpu, options.powerPreference);
  setRuntime(new Runtime(device, { wait: options.wait, policy: initPolicy(options, device.info.software), debug: options.debug === true, compileNotice: options.compileNotice }));
  const { autotune } = options;
  try {
    if (runtime().policy.autotune) await configureGemmAutotune({ ...autotuneDefaults, ...(typeof autotune === 'object' ? autotune : {}) });
  } catch (error) {
    // A failed init leaves no device behind: the next init() starts afresh, with these options.
    await release();
    throw error;
  }
  return device.info;
}

/**
 * The adapter of the device init() made, while it works: a lost one is let go of here (its tensors
 * then refuse use, saying it was lost), so that init() makes a new one. Null when there is none.
 */
export function currentDevice(): AdapterSummary | null {
  if (!hasRuntime()) return null;
  const { gpu } = runtime();
  if (!gpu.lost) return gpu.info;
  setRuntime(null);
  gpu.destroy();
  return null;
}

/** The policy init's options ask for, on an adapter of this kind (the fields not given follow it). */
function initPolicy(options: InitOptions, software: boolean): KernelPolicy {
  const { gemm, conv, sizing, bindingLimit, memoryLimit, convChunkBytes, textureGemm, poison, autotune, smallGemmMacs } = options;
  const changes: PolicyChanges = { gemm, conv, sizing, bindingLimit, memoryLimit, convChunkBytes, textureGemm, poison, smallGemmMacs };
  if (autotune !== undefined) changes.autotune = autotune !== false;
  return applyPolicy(defaultPolicy(software), changes, 'init');
}

/** Refuses init() options that are not what InitOptions says (every entry's init() calls it first). */
export function checkInitOptions(options: InitOptions): void {
  if (options === null || typeof options !== 'object') throw new WebgradError(`webgrad: init: options must be an object, got ${String(options)}`);
  const oneOf = (name: keyof InitOptions, allowed: readonly string[]) => {
    const v = options[name];
    if (v !== undefined && !allowed.includes(v as string)) {
      throw new WebgradError(`webgrad: init: ${name} must be one of ${allowed.map((a) => `'${a}'`).join(', ')}, got ${JSON.stringify(v)}`);
    }
  };
  oneOf('wait', ['adaptive', 'spin']);
  oneOf('gemm', ['registers', 'workgroup', 'texture']);
  oneOf('conv', CONV_VARIANTS);
  const { autotune } = options;
  if (autotune !== undefined && typeof autotune !== 'boolean' && (autotune === null || typeof autotune !== 'object')) {
    throw new WebgradError(`webgrad: init: autotune must be true, false or { file }, got ${JSON.stringify(autotune)}`);
  }
  oneOf('powerPreference', ['low-power', 'high-performance']);
  if (options.debug !== undefined && typeof options.debug !== 'boolean') {
    throw new WebgradError(`webgrad: init: debug must be true or false, got ${JSON.stringify(options.debug)}`);
  }
  if (options.compileNotice !== undefined && typeof options.compileNotice !== 'boolean') {
    throw new WebgradError(`webgrad: init: compileNotice must be true or false, got ${JSON.stringify(options.compileNotice)}`);
  }
  if (options.robustness !== undefined && typeof options.robustness !== 'boolean') {
    throw new WebgradError(`webgrad: init: robustness must be true or false, got ${JSON.stringify(options.robustness)}`);
  }
  if (options.robustness !== undefined && options.gpu !== undefined) {
    throw new WebgradError('webgrad: init: robustness applies to the GPU the Node entry makes (Dawn), not to one given as gpu');
  }
  initPolicy(options, false);
}

/**
 * Runs `fn` (which may be async) with a GPU timestamp around each dispatch it makes and returns the
 * GPU time per kernel, the total, and the wall time until the GPU finished. Needs the adapter's
 * timestamp-query feature. Each dispatch gets a pass of its own meanwhile, which serialises work:
 * profile to see where the time goes, time with the bench.
 */
export function profileKernels(fn: () => unknown): Promise<KernelProfile> {
  return runtime().profile(fn);
}

/**
 * Seeds the device's generator (PyTorch's torch.manual_seed): every random op given no seed of its
 * own — `rand`, `randn`, `dropout` and nn.Dropout, the initial values of nn layers, a DataLoader's
 * shuffle — draws from it in call order, so the same seed and the same program give the same
 * numbers, and another seed others. A new device starts from a fixed seed. Call it after `init()`
 * (the generator belongs to the device; `release()` discards it).
 */
export function manualSeed(seed: number): void {
  runtime().generator.manualSeed(seed);
}

/** Destroys the device. Node exits promptly only once it is released (or by process.exit). */
export async function release(): Promise<void> {
  if (!hasRuntime()) return;
  const r = runtime();
  await r.sync().catch(() => undefined);
  setRuntime(null);
  r.gpu.destroy();
}

export function adapterInfo(): AdapterSummary {
  return runtime().gpu.info;
}

/** The device limits that size work: the largest storage binding and buffer, in bytes. */
export function deviceLimits(): { maxStorageBufferBindingSize: number; maxBufferSize: number } {
  const r = runtime();
  return { maxStorageBufferBindingSize: r.maxStorageBinding, maxBufferSize: r.gpu.limits.maxBufferSize };
}

/** What `memory()` reports. */
export interface MemoryStats extends BufferPoolStats {
  /**
   * GPU buffers created since `init()`, of every kind (tensors', staging, uniforms), and their
   * bytes. A training loop in its steady state creates none: one that keeps creating them spends
   * time in the driver allocating and clearing memory.
   */
  createdBuffers: number;
  createdBytes: number;
  textures: TexturePoolStats;
}

/**
 * Live and pooled GPU buffers, the buffers created so far, and the pooled textures the texture GEMM
 * readies its operands in; a training loop's live counts stay flat from step to step, and its
 * created counts stop growing after its first steps.
 */
export function memory(): MemoryStats {
  const rt = runtime();
  return { ...rt.bufferPool.stats(), createdBuffers: rt.created.buffers, createdBytes: rt.created.bytes, textures: rt.textures.stats() };
}

/**
 * Submits the kernels recorded so far without waiting, so the GPU works while JavaScript
 * prepares the next step. Readbacks flush by themselves.
 */
export function flush(): void {
  runtime().flush();
}

/** Waits for every submitted kernel to finish. */
export function sync(): Promise<void> {
  return runtime().sync();
}
