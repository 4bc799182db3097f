import { Gpu, type AdapterSummary } from './gpu.js';
import { hasRuntime, runtime, setRuntime } from './current.js';
import { WebgradError } from './errors.js';
import { Runtime, type GemmVariant, type WaitMode } from '../kernels/runtime.js';
import { loadKernelSources } from '../kernels/sources.js';
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
   * fastest), 'registers' (the default elsewhere: the faster on an NVIDIA H200) or 'workgroup'.
   */
  gemm?: GemmVariant;
}

const isNode = typeof process !== 'undefined' && !!process.versions?.node;

/** Acquires the adapter and device and loads the kernels. Calling it again returns the same device. */
export async function init(options: InitOptions = {}): Promise<AdapterSummary> {
  checkInitOptions(options);
  if (hasRuntime()) return runtime().gpu.info;
  let gpu = options.gpu ?? (globalThis as { navigator?: { gpu?: GPU } }).navigator?.gpu;
  let read = async (url: URL) => (await fetch(url)).text();
  if (isNode) {
    const node = await import('./node.js');
    gpu ??= await node.nodeGpu();
    read = node.readText;
  }
  await loadKernelSources(read);
  const device = await Gpu.create(gpu, options.powerPreference);
  setRuntime(new Runtime(device, { wait: options.wait, gemm: options.gemm }));
  return device.info;
}

function checkInitOptions(options: InitOptions): void {
  if (options === null || typeof options !== 'object') throw new WebgradError(`webgrad: init: options must be an object, got ${String(options)}`);
  const oneOf = (name: keyof InitOptions, allowed: readonly string[]) => {
    const v = options[name];
    if (v !== undefined && !allowed.includes(v as string)) {
      throw new WebgradError(`webgrad: init: ${name} must be one of ${allowed.map((a) => `'${a}'`).join(', ')}, got ${JSON.stringify(v)}`);
    }
  };
  oneOf('wait', ['adaptive', 'spin']);
  oneOf('gemm', ['registers', 'workgroup', 'texture']);
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

/**
 * Live and pooled GPU buffers, and the pooled textures the texture GEMM readies its operands in; a
 * training loop's live counts stay flat from step to step.
 */
export function memory(): PoolStats & { textures: TexturePoolStats } {
  const rt = runtime();
  return { ...rt.pool.stats(), textures: rt.textures.stats() };
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
