import { WebgradError } from '../errors.js';
import type { KernelSpec } from './kernel-spec.js';
import { KernelProfiler, kernelLabel, type KernelProfile } from './profiler.js';
import { kernelName, type KernelPipelines, type PipelineStats } from './pipeline-stats.js';
import type { TimestampSlot } from './recorder.js';

/** What the profiler hookup needs of the runtime that owns it. */
export interface TimestampHost {
  readonly gpu: { readonly features: ReadonlySet<string> };
  readonly device: GPUDevice;
  readonly counters: { readonly dispatches: number; readonly copies: number };
  readonly created: { readonly buffers: number; readonly bytes: number; readonly textures: number; readonly ms: number };
  readonly pipelineStats: PipelineStats;
  createBuffer(descriptor: GPUBufferDescriptor): GPUBuffer;
  /** Encodes commands in order with the recorded ones. */
  encode(fn: (encoder: GPUCommandEncoder) => void): void;
  read(src: GPUBuffer, bytes: number): Promise<ArrayBuffer>;
  /** Waits until the GPU has finished everything submitted. */
  sync(): Promise<void>;
}

/**
 * Which dispatches and copies get GPU timestamps around them: every one while profileKernels()
 * runs (a KernelProfiler), and each new pipeline's first dispatch after timeFirstUses() (where a
 * driver that compiles pipelines at first use, lavapipe, compiles them).
 */
export class Timestamps {
  private profiler: KernelProfiler | null = null;
  private firstUses: KernelProfiler | null = null;

  constructor(private readonly host: TimestampHost) {}

  /** Whether profileKernels() is running (each dispatch and copy then in a timed pass). */
  get profiling(): boolean {
    return this.profiler !== null;
  }

  /** The slot a dispatch of `spec` writes its timestamps to, if any; `compiled`: its pipeline was created just now. */
  dispatchSlot(spec: KernelSpec, compiled: boolean): TimestampSlot | null {
    if (this.profiler) return this.profiler.slot(kernelLabel(spec));
    if (this.firstUses && compiled) return this.firstUses.slot(kernelName(spec));
    return null;
  }

  /** The slot a copy writes its timestamps to while profiling, else null. */
  copySlot(label: string): TimestampSlot | null {
    return this.profiler ? this.profiler.slot(label) : null;
  }

  private newProfiler(): KernelProfiler {
    return new KernelProfiler({
      createQuerySet: (d: GPUQuerySetDescriptor) => this.host.device.createQuerySet(d),
      createBuffer: (d: GPUBufferDescriptor) => this.host.createBuffer(d),
    });
  }

  private collect(profiler: KernelProfiler) {
    return profiler.collect((f) => this.host.encode(f), (b, n) => this.host.read(b, n));
  }

  /**
   * Runs `fn` with a GPU timestamp around each of its dispatches and sums them per kernel (see
   * KernelProfiler). Work recorded before is finished first, so that only fn's is measured.
   */
  async profile(fn: () => unknown): Promise<KernelProfile> {
    const host = this.host;
    if (!host.gpu.features.has('timestamp-query')) throw new WebgradError('webgrad: profileKernels: the adapter has no timestamp-query feature');
    if (this.profiler) throw new WebgradError('webgrad: profileKernels: already profiling (calls do not nest)');
    await host.sync();
    const profiler = this.newProfiler();
    const { dispatches, copies } = host.counters;
    const created = { ...host.created };
    const t0 = performance.now();
    let recordMs: number;
    this.profiler = profiler;
    try {
      await fn();
      recordMs = performance.now() - t0;
      await host.sync();
    } finally {
      this.profiler = null;
    }
    const wallMs = performance.now() - t0;
    const counts = { dispatches: host.counters.dispatches - dispatches, copies: host.counters.copies - copies };
    const made = {
      buffersCreated: host.created.buffers - created.buffers,
      bytesCreated: host.created.bytes - created.bytes,
      texturesCreated: host.created.textures - created.textures,
      createMs: host.created.ms - created.ms,
    };
    const kernels = [...(await this.collect(profiler)).values()];
    kernels.sort((a, b) => b.ms - a.ms);
    return { kernels, gpuMs: kernels.reduce((s, k) => s + k.ms, 0), wallMs, recordMs, ...counts, ...made };
  }

  /** From now on, times the first dispatch of each new pipeline (needs timestamp-query). */
  timeFirstUses(): void {
    if (!this.host.gpu.features.has('timestamp-query')) throw new WebgradError('webgrad: timeFirstUses: the adapter has no timestamp-query feature');
    this.firstUses ??= this.newProfiler();
  }

  /** Pipelines created per kernel, with the first uses timed since timeFirstUses(), costliest first; stops timing them. */
  async pipelineReport(): Promise<KernelPipelines[]> {
    const timer = this.firstUses;
    this.firstUses = null;
    const times = timer ? await this.collect(timer) : new Map();
    return this.host.pipelineStats.report(times.values());
  }
}
