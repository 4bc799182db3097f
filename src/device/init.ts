import { Gpu, type AdapterSummary } from './gpu.js';
import { hasRuntime, runtime, setRuntime } from './current.js';
import { Runtime, type ConvVariant, type GemmVariant, type WaitMode } from '../kernels/runtime.js';
import { NoAdapterError, WebgradError } from './errors.js';
import { loadKernelSources, missingKernelSources, registerKernelSources } from '../kernels/sources.js';
import { WGSL_TEXTS } from '../kernels/wgsl-texts.js';
import { configureGemmAutotune, type GemmAutotuneOptions } from '../kernels/gemm/gemm-autotune.js';
import type { PoolStats } from '../kernels/pool.js';
import type { TexturePoolStats } from '../kernels/texture-pool.js';
import type { KernelProfile } from '../kernels/profiler.js';

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
   * their operand loads, no column matrix is stored) or 'im2col' (the default on CPU adapters).
   */
  conv?: ConvVariant;
  /**
   * Autotuning of the 'workgroup' GEMM, as cuDNN's benchmark mode: the first product of each shape
   * class times every candidate configuration on the GPU, and later ones use the fastest. On by
   * default on GPUs, off on CPU adapters; `true` turns it on anywhere, `false` off, and
   * `{ file }` also keeps the tables (by adapter) in that JSON file.
   */
  autotune?: boolean | GemmAutotuneOptions;
}

/**
 * Acquires the adapter and device and loads the kernels. Calling it again returns the same device.
 * In a browser the GPU is `navigator.gpu`; in Node the package's Node entry gives Dawn's instead.
 */
export async function init(options: InitOptions = {}): Promise<AdapterSummary> {
  return start(options, options.gpu ?? (globalThis as { navigator?: { gpu?: GPU } }).navigator?.gpu);
}

/**
 * `init()` on a given platform: its WebGPU entry point and, when running from the sources, how it
 * reads the .wgsl files (a build carries their texts in wgsl-texts).
 */
export async function start(options: InitOptions, gpu: GPU | undefined, read?: (name: string) => Promise<string>): Promise<AdapterSummary> {
  checkInitOptions(options);
  if (hasRuntime()) return runtime().gpu.info;
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
  setRuntime(new Runtime(device, { wait: options.wait, gemm: options.gemm, conv: options.conv }));
  const autotune = options.autotune ?? !device.info.software;
  try {
    if (autotune !== false) await configureGemmAutotune(autotune === true ? {} : autotune);
  } catch (error) {
    // A failed init leaves no device behind: the next init() starts afresh, with these options.
    await release();
    throw error;
  }
  return device.info;
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
  oneOf('conv', ['implicit', 'im2col']);
  const { autotune } = options;
  if (autotune !== undefined && typeof autotune !== 'boolean' && (autotune === null || typeof autotune !== 'object')) {
    throw new WebgradError(`webgrad: init: autotune must be true, false or { file }, got ${JSON.stringify(autotune)}`);
  }
  oneOf('powerPreference', ['low-power', 'high-performance']);
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
export interface MemoryStats extends PoolStats {
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
  return { ...rt.pool.stats(), createdBuffers: rt.created.buffers, createdBytes: rt.created.bytes, textures: rt.textures.stats() };
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
