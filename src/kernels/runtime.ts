import type { Gpu } from '../device/gpu.js';
import { BufferPool } from './pool.js';
import { TexturePool } from './texture-pool.js';
import { foldWorkgroups } from './grid.js';
import { kernelSource, type KernelFile } from './sources.js';
import { KernelProfiler, kernelLabel, type KernelProfile } from './profiler.js';
import { WebgradError } from '../device/errors.js';
import { Waiter, type WaitMode } from './waiter.js';
import { CHECKS_BYTES, DeviceChecks } from './device-checks.js';

export type { WaitMode };

export type GemmVariant = 'registers' | 'workgroup' | 'texture';

/** Identifies one compute pipeline: the files its module is made of, the entry point, override constants. */
export interface KernelSpec {
  files: readonly KernelFile[];
  entry: string;
  overrides?: Readonly<Record<string, number>>;
  /** What the kernel profiler calls it where the rest says too little (an op code's name). */
  label?: string;
}

/** A storage binding (a whole buffer, or a range of one for panels of operands larger than a binding), or a texture. */
export type Binding = GPUBuffer | { buffer: GPUBuffer; offset: number; size: number } | { view: GPUTextureView };

export interface DispatchArgs {
  /** Bound at @binding(1), @binding(2), … in the order given. */
  buffers: readonly Binding[];
  /** Bound at @binding(0) as a uniform block; at most 256 bytes. */
  uniforms?: ArrayBufferView;
  /** A total count of workgroups (folded into a 2-D grid when needed) or an explicit grid. */
  workgroups: number | readonly [number, number, number];
}

const UNIFORM_SLOT = 256;
const UNIFORM_SLOTS = 1024;
// GPUBufferUsage
const MAP_READ = 0x0001;
const COPY_DST = 0x0008;
const COPY_SRC = 0x0004;
const UNIFORM = 0x0040;

/**
 * Records dispatches into one command encoder (inside one compute pass while possible) and submits
 * them together when a readback, an upload limit or the uniform arena asks for it.
 *
 * Uniform blocks go into one arena buffer, each dispatch its own 256-byte slot; the arena is written
 * with `queue.writeBuffer` just before the submit that uses it, which the queue orders after every
 * earlier submit, so the next batch may reuse the slots at once.
 */
export class Runtime {
  readonly pool: BufferPool;
  /** The rgba32float textures that GEMM operands are readied into (texture GEMM). */
  readonly textures: TexturePool;
  private readonly device: GPUDevice;
  private readonly modules = new Map<string, GPUShaderModule>();
  private readonly pipelines = new Map<string, GPUComputePipeline>();
  private encoder: GPUCommandEncoder | null = null;
  private pass: GPUComputePassEncoder | null = null;
  private readonly arena: GPUBuffer;
  private readonly arenaData = new Uint8Array(UNIFORM_SLOT * UNIFORM_SLOTS);
  private arenaUsed = 0;
  private pendingDispatches = 0;
  private doomed: { destroy(): void }[] = [];
  /** Counters that tests and the bench read. */
  readonly counters = { dispatches: 0, copies: 0, submits: 0, pipelinesCompiled: 0, readbacks: 0 };
  private readonly waiter: Waiter;
  /** Values only the GPU sees that kernels found wrong (labels out of range), reported at readbacks. */
  readonly checks: DeviceChecks;
  private profiler: KernelProfiler | null = null;

  /**
   * Which GEMM kernel products run on: 'registers' (gemm.wgsl), 'workgroup' (gemm_tiled.wgsl,
   * operands staged in workgroup memory) or 'texture' (gemm_texture.wgsl, operands packed into
   * textures). The default is 'texture' on a CPU adapter, where it was the fastest, and 'registers'
   * elsewhere: on an NVIDIA H200 gemm_tiled.wgsl ran 2.7× slower than gemm.wgsl at 4096³
   * (bench/RESULTS.md). Products the texture kernel cannot take (batched, split over k, larger
   * than a texture) run on gemm.wgsl.
   */
  gemmVariant: GemmVariant;

  /**
   * Whether the adapter runs kernels on a CPU (lavapipe): kernels with a CPU form and a GPU form
   * (im2col, split-K) choose by it. Tests flip it to run both forms on any adapter.
   */
  cpuAdapter: boolean;

  constructor(readonly gpu: Gpu, options: { wait?: WaitMode; gemm?: GemmVariant } = {}) {
    this.cpuAdapter = gpu.info.software;
    this.gemmVariant = options.gemm ?? (this.cpuAdapter ? 'texture' : 'registers');
    this.device = gpu.device;
    this.pool = new BufferPool(this.device, (b) => this.doomed.push(b), gpu.limits.maxStorageBufferBindingSize);
    this.textures = new TexturePool(this.device, (t) => this.doomed.push(t));
    this.arena = this.device.createBuffer({ size: this.arenaData.byteLength, usage: UNIFORM | COPY_DST });
    this.waiter = new Waiter(options.wait ?? 'adaptive');
    this.checks = new DeviceChecks(this.device);
  }

  /**
   * Tests set this to fill every new tensor buffer with NaN, so that an element a kernel fails
   * to write shows up in the result.
   */
  poisonAllocations = false;

  /** A storage buffer from the pool, poisoned when tests ask for it. */
  acquire(bytes: number): GPUBuffer {
    const buffer = this.pool.acquire(bytes);
    if (this.poisonAllocations) {
      const poison = (_: number, count: number) => {
        const u = new Float32Array([0, Number.NaN, 0, 0]);
        new Uint32Array(u.buffer)[0] = count;
        return u;
      };
      this.dispatchRanges({ files: ['fill'], entry: 'fill' }, [buffer], buffer.size / 4, poison, 256);
    }
    return buffer;
  }

  /** The largest storage binding, in bytes: the device's, unless a test lowers it to exercise ranges. */
  get maxStorageBinding(): number {
    return this.bindingLimit ?? this.gpu.limits.maxStorageBufferBindingSize;
  }

  /** Tests lower the binding limit (a multiple of 256 bytes) to run big-tensor paths on small tensors; null restores it. */
  bindingLimit: number | null = null;

  pipeline(spec: KernelSpec): GPUComputePipeline {
    const key = `${spec.files.join('+')}:${spec.entry}:${spec.overrides ? JSON.stringify(spec.overrides) : ''}`;
    let pipeline = this.pipelines.get(key);
    if (pipeline) return pipeline;
    const code = kernelSource(spec.files);
    // dawn.node crashed in createComputePipelineAsync and getCompilationInfo: compile synchronously
    // inside an error scope and report failures through the device's error path.
    this.device.pushErrorScope('validation');
    let module = this.modules.get(code);
    if (!module) {
      module = this.device.createShaderModule({ code, label: spec.files.join('+') });
      this.modules.set(code, module);
    }
    pipeline = this.device.createComputePipeline({
      label: key,
      layout: 'auto',
      compute: { module, entryPoint: spec.entry, constants: spec.overrides as Record<string, number> | undefined },
    });
    this.device.popErrorScope().then((error) => {
      if (error) this.gpu.fail(`webgrad: kernel ${key} failed to compile: ${error.message}`);
    });
    this.counters.pipelinesCompiled++;
    this.pipelines.set(key, pipeline);
    return pipeline;
  }

  dispatch(spec: KernelSpec, args: DispatchArgs): void {
    const pipeline = this.pipeline(spec);
    const entries: GPUBindGroupEntry[] = [];
    if (args.uniforms) {
      if (this.arenaUsed === UNIFORM_SLOTS) this.flush();
      const bytes = new Uint8Array(args.uniforms.buffer, args.uniforms.byteOffset, args.uniforms.byteLength);
      if (bytes.byteLength > UNIFORM_SLOT) throw new Error(`webgrad: uniform block of ${bytes.byteLength} bytes exceeds ${UNIFORM_SLOT}`);
      const offset = this.arenaUsed++ * UNIFORM_SLOT;
      this.arenaData.set(bytes, offset);
      entries.push({ binding: 0, resource: { buffer: this.arena, offset, size: UNIFORM_SLOT } });
    }
    args.buffers.forEach((b, i) => {
      const resource = 'view' in b ? b.view : 'buffer' in b ? b : { buffer: b };
      entries.push({ binding: i + 1, resource });
    });
    const bindGroup = this.device.createBindGroup({ layout: pipeline.getBindGroupLayout(0), entries });
    const grid =
      typeof args.workgroups === 'number'
        ? foldWorkgroups(args.workgroups, this.gpu.limits.maxComputeWorkgroupsPerDimension)
        : args.workgroups;
    const pass = this.profiler ? this.timedPass(this.profiler.slot(kernelLabel(spec))) : this.computePass();
    pass.setPipeline(pipeline);
    pass.setBindGroup(0, bindGroup);
    pass.dispatchWorkgroups(grid[0], grid[1], grid[2]);
    if (this.profiler) this.endPass();
    this.counters.dispatches++;
    if (++this.pendingDispatches >= 4096) this.flush();
  }

  /**
   * Runs a kernel that maps element i of each buffer to element i of the others, over n float32
   * elements, in ranges that each fit one storage binding (a 9216×4096 weight is 151 MB; the
   * binding limit is often 128 MiB). `uniforms(start, count)` gives each range's block;
   * `elementsPerWorkgroup` sizes its grid.
   */
  dispatchRanges(
    spec: KernelSpec,
    buffers: readonly GPUBuffer[],
    n: number,
    uniforms: (start: number, count: number) => ArrayBufferView,
    elementsPerWorkgroup: number,
  ): void {
    const align = this.gpu.limits.minStorageBufferOffsetAlignment / 4;
    const step = n * 4 <= this.maxStorageBinding ? n : Math.floor(this.maxStorageBinding / 4 / align) * align;
    for (let start = 0; start < n; start += step) {
      const count = Math.min(step, n - start);
      const offset = start * 4;
      const bindings = buffers.map((buffer) => ({ buffer, offset, size: Math.min(Math.ceil((count * 4) / 16) * 16, buffer.size - offset) }));
      this.dispatch(spec, { uniforms: uniforms(start, count), buffers: bindings, workgroups: Math.ceil(count / elementsPerWorkgroup) });
    }
  }

  /**
   * Fills a texture from rows that start at byte `offset` of `src`, `bytesPerRow` (a multiple of
   * 256) apart, in order with the recorded dispatches.
   */
  copyToTexture(src: GPUBuffer, offset: number, bytesPerRow: number, dst: GPUTexture): void {
    this.encodeCopy('copyBufferToTexture', (e) => e.copyBufferToTexture({ buffer: src, offset, bytesPerRow }, { texture: dst }, [dst.width, dst.height]));
  }

  /** Copies bytes between buffers, in order with the recorded dispatches. */
  copy(src: GPUBuffer, srcOffset: number, dst: GPUBuffer, dstOffset: number, bytes: number): void {
    this.encodeCopy('copyBufferToBuffer', (e) => e.copyBufferToBuffer(src, srcOffset, dst, dstOffset, bytes));
  }

  /** Records a copy; while profiling, between timestamps (empty passes that write them), as a dispatch is. */
  private encodeCopy(label: string, record: (encoder: GPUCommandEncoder) => void): void {
    this.endPass();
    this.counters.copies++;
    const encoder = this.commandEncoder();
    if (!this.profiler) {
      record(encoder);
      return;
    }
    const { querySet, index } = this.profiler.slot(label);
    encoder.beginComputePass({ timestampWrites: { querySet, beginningOfPassWriteIndex: index } }).end();
    record(encoder);
    encoder.beginComputePass({ timestampWrites: { querySet, endOfPassWriteIndex: index + 1 } }).end();
  }

  /** Uploads data through a fresh staging buffer, in order with the recorded dispatches. */
  upload(dst: GPUBuffer, data: ArrayBufferView, dstOffset = 0): void {
    const bytes = Math.ceil(data.byteLength / 4) * 4;
    const staging = this.device.createBuffer({ size: bytes, usage: COPY_SRC, mappedAtCreation: true });
    new Uint8Array(staging.getMappedRange()).set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
    staging.unmap();
    this.copy(staging, 0, dst, dstOffset, bytes);
    this.doomed.push(staging);
  }

  /** Writes a GPU timestamp between everything recorded so far and everything recorded after. */
  writeTimestamp(querySet: GPUQuerySet, index: number): void {
    this.endPass();
    const pass = this.commandEncoder().beginComputePass({
      timestampWrites: { querySet, beginningOfPassWriteIndex: index },
    });
    pass.end();
  }

  /** Encodes arbitrary commands in order with the recorded dispatches (for query resolution). */
  encode(fn: (encoder: GPUCommandEncoder) => void): void {
    this.endPass();
    fn(this.commandEncoder());
  }

  /** Submits everything recorded. Does not wait. */
  flush(): void {
    this.gpu.throwIfFailed();
    if (this.encoder) this.submit();
    // Buffers and textures retired since the last submit are named by no unsubmitted command any more.
    for (const b of this.doomed) b.destroy();
    this.doomed = [];
  }

  private submit(): void {
    if (!this.encoder) return;
    this.endPass();
    if (this.arenaUsed > 0) {
      this.device.queue.writeBuffer(this.arena, 0, this.arenaData, 0, this.arenaUsed * UNIFORM_SLOT);
      this.arenaUsed = 0;
    }
    this.device.queue.submit([this.encoder.finish()]);
    this.encoder = null;
    this.pendingDispatches = 0;
    this.counters.submits++;
    this.waiter.submitted();
  }

  /** Reads bytes back from a buffer: flushes, then waits for the GPU as the wait mode says. */
  async read(src: GPUBuffer, bytes: number, srcOffset = 0): Promise<ArrayBuffer> {
    const size = Math.ceil(bytes / 4) * 4;
    // The device checks ride along at the end of the staging buffer (at a 256-byte boundary).
    const checksAt = Math.ceil(size / 256) * 256;
    const staging = this.device.createBuffer({ size: checksAt + CHECKS_BYTES, usage: MAP_READ | COPY_DST });
    this.copy(src, srcOffset, staging, 0, size);
    this.copy(this.checks.buffer, 0, staging, checksAt, CHECKS_BYTES);
    this.flush();
    this.counters.readbacks++;
    try {
      await this.waiter.wait(() => staging.mapAsync(MAP_READ));
      this.gpu.throwIfFailed();
      const mapped = staging.getMappedRange();
      this.checks.throwIfFailed(mapped.slice(checksAt));
      return mapped.slice(0, bytes);
    } finally {
      staging.destroy();
    }
  }

  /** Waits until the GPU has finished everything submitted so far. */
  async sync(): Promise<void> {
    this.flush();
    await this.waiter.wait(() => this.device.queue.onSubmittedWorkDone());
    this.gpu.throwIfFailed();
  }

  /**
   * Runs `fn` with a GPU timestamp around each of its dispatches and sums them per kernel (see
   * KernelProfiler). Work recorded before is finished first, so that only fn's is measured.
   */
  async profile(fn: () => unknown): Promise<KernelProfile> {
    if (!this.gpu.features.has('timestamp-query')) throw new WebgradError('webgrad: profileKernels: the adapter has no timestamp-query feature');
    if (this.profiler) throw new WebgradError('webgrad: profileKernels: already profiling (calls do not nest)');
    await this.sync();
    const profiler = new KernelProfiler(this.device);
    const { dispatches, copies } = this.counters;
    const t0 = performance.now();
    this.profiler = profiler;
    try {
      await fn();
      await this.sync();
    } finally {
      this.profiler = null;
    }
    const wallMs = performance.now() - t0;
    const counts = { dispatches: this.counters.dispatches - dispatches, copies: this.counters.copies - copies };
    const kernels = [...(await profiler.collect((f) => this.encode(f), (b, n) => this.read(b, n))).values()];
    kernels.sort((a, b) => b.ms - a.ms);
    return { kernels, gpuMs: kernels.reduce((s, k) => s + k.ms, 0), wallMs, ...counts };
  }

  /** Drops cached pipelines (tests use it to count compiles). */
  clearPipelines(): void {
    this.pipelines.clear();
    this.modules.clear();
  }

  private commandEncoder(): GPUCommandEncoder {
    return (this.encoder ??= this.device.createCommandEncoder());
  }

  private computePass(): GPUComputePassEncoder {
    return (this.pass ??= this.commandEncoder().beginComputePass());
  }

  private timedPass(slot: { querySet: GPUQuerySet; index: number }): GPUComputePassEncoder {
    this.endPass();
    this.pass = this.commandEncoder().beginComputePass({
      timestampWrites: { querySet: slot.querySet, beginningOfPassWriteIndex: slot.index, endOfPassWriteIndex: slot.index + 1 },
    });
    return this.pass;
  }

  private endPass(): void {
    if (this.pass) {
      this.pass.end();
      this.pass = null;
    }
  }
}
