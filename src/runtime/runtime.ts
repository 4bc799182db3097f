import { Generator } from './generator.js';
import { callerOp, LeakCheck } from './leak-check.js';
import type { Gpu } from '../device/gpu.js';
import { BufferPool, sizeClass } from './buffer-pool.js';
import { FreeList } from './free-list.js';
import { TEXEL_BYTES, TexturePool } from './texture-pool.js';
import { foldWorkgroups } from './grid.js';
import { kernelSource } from './sources.js';
import { declareKernel, type KernelSpec } from './kernel.js';
import { KernelProfiler, kernelLabel, type KernelProfile } from './profiler.js';
import { PipelineStats, kernelName, type KernelPipelines } from './pipeline-stats.js';
import { CompileNotice } from './compile-notice.js';
import { WebgradError } from '../errors.js';
import { Waiter, type WaitMode } from './waiter.js';
import { CHECKS_BYTES, DeviceChecks } from './device-checks.js';
import { applyPolicy, defaultPolicy, type KernelPolicy, type PolicyChanges } from './policy.js';
import { checkKernelContract } from '../runtime/kernel-contract.js';
import { uniformLayout } from '../runtime/wgsl-struct.js';

export type { WaitMode, KernelSpec };

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

/** fill.wgsl's uniforms: element i becomes start + step·i. */
export const FILL_PARAMS = uniformLayout('fill', { n: 'u32', start: 'f32', step: 'f32', _pad: 'u32' });
/** fill.wgsl, which poisons new buffers here and fills tensors (kernels/elementwise.ts). */
export const FILL = declareKernel({ file: 'fill', entries: ['fill'], params: FILL_PARAMS, workgroup: 256 });

const UNIFORM_SLOT = 256;
/** Free bytes kept of each kind of staging buffer (uploads, readbacks). */
const MAX_STAGING_BYTES = 256 * 2 ** 20;

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
  readonly bufferPool: BufferPool;
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
  /**
   * Counters that tests and the bench read; `compileMs`: CPU milliseconds spent creating shader
   * modules and pipelines (a first use's cost, which a GPU driver's compiler sets).
   */
  readonly counters = { dispatches: 0, copies: 0, submits: 0, pipelinesCompiled: 0, compileMs: 0, readbacks: 0 };
  /**
   * Every GPU buffer and texture the runtime created since it began, their bytes, and the CPU
   * milliseconds spent in the calls that created them (a fresh buffer of hundreds of MB costs a
   * GPU driver milliseconds, and clearing it more on the GPU).
   */
  readonly created = { buffers: 0, bytes: 0, textures: 0, textureBytes: 0, ms: 0 };
  /**
   * Buffers that uploads are staged in while commands are recorded: written at once by
   * `queue.writeBuffer`, copied in order with the recorded work. One in use waits in
   * `stagedUploads` until the submit that copies from it; the next writes to it come after that
   * submit in queue order, so it is reused from then on.
   */
  private readonly uploadStaging: FreeList<number, GPUBuffer>;
  private stagedUploads: GPUBuffer[] = [];
  /** Mappable buffers that readbacks copy into, kept for the next readback of their size class. */
  private readonly readbackStaging: FreeList<number, GPUBuffer>;
  private readonly waiter: Waiter;
  /** Values only the GPU sees that kernels found wrong (labels out of range), reported at readbacks. */
  readonly checks: DeviceChecks;
  /** Where random ops given no seed draw one (manualSeed restarts it). */
  readonly generator = new Generator();
  /** The leak check of debug mode (init({ debug: true })), else null. */
  readonly leakCheck: LeakCheck | null;
  private profiler: KernelProfiler | null = null;
  /** Pipelines created per kernel and what they cost (the bench's --warm-up reports it). */
  readonly pipelineStats = new PipelineStats();
  /** Timestamps around each new pipeline's first dispatch, while timeFirstUses() is on. */
  private firstUses: KernelProfiler | null = null;
  private readonly compileNotice: CompileNotice;

  private currentPolicy: KernelPolicy;

  /** What decides every kernel choice (policy.ts): set by init(), changed for one call by withPolicy(). */
  get policy(): KernelPolicy {
    return this.currentPolicy;
  }

  constructor(readonly gpu: Gpu, options: { wait?: WaitMode; policy?: KernelPolicy; debug?: boolean; compileNotice?: boolean } = {}) {
    this.currentPolicy = options.policy ?? defaultPolicy(gpu.info.software);
    this.device = gpu.device;
    const counted = { createBuffer: (d: GPUBufferDescriptor) => this.createBuffer(d), createTexture: (d: GPUTextureDescriptor) => this.createTexture(d) };
    this.bufferPool = new BufferPool(counted, (b) => this.doomed.push(b), gpu.limits.maxStorageBufferBindingSize, () => this.currentPolicy.memoryLimit);
    this.textures = new TexturePool(counted, (t) => this.doomed.push(t));
    // Neither kind is named by recorded commands once back in its list: dropped ones go at once.
    this.uploadStaging = new FreeList((b) => b.size, (b) => b.destroy());
    this.readbackStaging = new FreeList((b) => b.size, (b) => b.destroy());
    this.arena = this.createBuffer({ size: this.arenaData.byteLength, usage: UNIFORM | COPY_DST });
    this.waiter = new Waiter(options.wait ?? 'adaptive');
    this.checks = new DeviceChecks(this.device);
    this.leakCheck = options.debug ? new LeakCheck(() => this.bufferPool.stats().liveBuffers) : null;
    this.compileNotice = new CompileNotice(options.compileNotice ?? true);
  }

  /**
   * Runs `fn` (sync or async) under the policy with `changes` applied, and restores the previous
   * policy when it returns or its promise settles. Calls nest; work that runs during an async fn's
   * awaits runs under its policy too.
   */
  withPolicy<T>(changes: PolicyChanges, fn: () => T): T {
    const previous = this.currentPolicy;
    this.currentPolicy = applyPolicy(previous, changes, 'withPolicy');
    let result: T;
    try {
      result = fn();
    } catch (e) {
      this.currentPolicy = previous;
      throw e;
    }
    if (result instanceof Promise) {
      return result.finally(() => {
        this.currentPolicy = previous;
      }) as T;
    }
    this.currentPolicy = previous;
    return result;
  }

  /**
   * A storage buffer from the buffer pool, poisoned with NaN where the policy says so. `what` names
   * the tensor it is for in an out-of-memory error (with the op, found then).
   */
  acquire(bytes: number, what: () => string = () => `a buffer of ${bytes} bytes`): GPUBuffer {
    const buffer = this.bufferPool.acquire(bytes, () => `${callerOp()}: ${what()}`);
    if (this.currentPolicy.poison) {
      const poison = (_: number, count: number) => FILL_PARAMS.pack({ n: count, start: Number.NaN, step: 0 });
      this.dispatchRanges(FILL.spec('fill'), [buffer], buffer.size / 4, poison, FILL.workgroup);
    }
    return buffer;
  }

  /** The largest storage binding, in bytes: the device's, unless the policy lowers it. */
  get maxStorageBinding(): number {
    return Math.min(this.currentPolicy.bindingLimit ?? Infinity, this.gpu.limits.maxStorageBufferBindingSize);
  }

  pipeline(spec: KernelSpec): GPUComputePipeline {
    const key = `${spec.files.join('+')}:${spec.entry}:${spec.overrides ? JSON.stringify(spec.overrides) : ''}`;
    let pipeline = this.pipelines.get(key);
    if (pipeline) return pipeline;
    const t0 = performance.now();
    const code = kernelSource(spec.files);
    checkKernelContract(spec);
    // Created synchronously, when first dispatched, inside an error scope whose failures go through
    // the device's error path. dawn.node once crashed in createComputePipelineAsync and
    // getCompilationInfo; webgpu 0.6.2 runs both (checked on lavapipe), but dispatches are recorded
    // synchronously, and lavapipe compiles a pipeline when it first runs it whichever call made it.
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
    const ms = performance.now() - t0;
    this.counters.compileMs += ms;
    this.counters.pipelinesCompiled++;
    this.pipelineStats.created(spec, ms);
    this.compileNotice.pipelineCreated();
    this.pipelines.set(key, pipeline);
    return pipeline;
  }

  /**
   * A number that changes whenever a command recorded since could have written `buffer` (a dispatch
   * that binds it, a copy into it): values read back stay current while it is unchanged.
   */
  touchStamp(buffer: GPUBuffer): number {
    return this.touches.get(buffer) ?? 0;
  }

  private readonly touches = new WeakMap<GPUBuffer, number>();
  private touchClock = 0;

  private touch(buffer: GPUBuffer): void {
    this.touches.set(buffer, ++this.touchClock);
  }

  dispatch(spec: KernelSpec, args: DispatchArgs): void {
    this.checkBindings(spec, args.buffers);
    const compiled = this.counters.pipelinesCompiled;
    const pipeline = this.pipeline(spec);
    const firstUse = this.firstUses && !this.profiler && this.counters.pipelinesCompiled !== compiled ? this.firstUses : null;
    for (const b of args.buffers) if (!('view' in b)) this.touch('buffer' in b ? b.buffer : b);
    const entries: GPUBindGroupEntry[] = [];
    if (args.uniforms) {
      if (args.uniforms.byteLength !== spec.params?.size) {
        throw new WebgradError(`webgrad: kernel ${spec.files.join('+')} got a uniform block of ${args.uniforms.byteLength} bytes; its declared layout has ${spec.params?.size ?? 'none'}`);
      }
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
    const pass = this.profiler
      ? this.timedPass(this.profiler.slot(kernelLabel(spec)))
      : firstUse
        ? this.timedPass(firstUse.slot(kernelName(spec)))
        : this.computePass();
    pass.setPipeline(pipeline);
    pass.setBindGroup(0, bindGroup);
    pass.dispatchWorkgroups(grid[0], grid[1], grid[2]);
    if (this.profiler || firstUse) this.endPass();
    this.counters.dispatches++;
    if (++this.pendingDispatches >= 4096) this.flush();
  }

  /**
   * The last line of defence behind the ops' own entry checks: a binding over the device's
   * maxStorageBufferBindingSize would fail on the GPU and poison every later op, so it is refused
   * here, naming the kernel. A range bound by an op that splits its work must also fit the
   * policy's lower limit (whole buffers are held to the device's only: the pool may round a
   * tensor that fits a lowered limit up past it).
   */
  private checkBindings(spec: KernelSpec, buffers: readonly Binding[]): void {
    const device = this.gpu.limits.maxStorageBufferBindingSize;
    buffers.forEach((b, i) => {
      if ('view' in b) return;
      const ranged = 'buffer' in b;
      const bytes = b.size;
      const limit = ranged ? this.maxStorageBinding : device;
      if (bytes > limit) {
        throw new WebgradError(
          `webgrad: kernel ${spec.files.join('+')}:${spec.entry} would bind ${bytes} bytes at binding ${i + 1}, more than the ` +
            `${limit === device ? "device's maxStorageBufferBindingSize" : 'binding limit'} of ${limit} bytes; this op does not split its work: use smaller tensors (batches)`,
        );
      }
    });
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
    this.touch(dst);
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

  /**
   * Creates a buffer, counted in `created` (the runtime makes every buffer through here).
   */
  createBuffer(descriptor: GPUBufferDescriptor): GPUBuffer {
    const t0 = performance.now();
    // The device's own out-of-memory error arrives later: it fails the device, reported at the next
    // flush or readback. The scope is not awaited (a creation costs no wait), and a steady loop creates none.
    this.device.pushErrorScope('out-of-memory');
    const buffer = this.device.createBuffer(descriptor);
    const { liveBytes, liveBuffers } = this.bufferPool.stats();
    this.device.popErrorScope().then(
      (error) => error && this.gpu.fail(outOfDeviceMemory(descriptor.size, liveBytes, liveBuffers, error.message)),
      () => undefined,
    );
    this.created.ms += performance.now() - t0;
    this.created.buffers++;
    this.created.bytes += descriptor.size;
    return buffer;
  }

  /** Creates an rgba32float texture (the texture pool's), counted in `created`. */
  createTexture(descriptor: GPUTextureDescriptor): GPUTexture {
    const t0 = performance.now();
    const texture = this.device.createTexture(descriptor);
    this.created.ms += performance.now() - t0;
    this.created.textures++;
    this.created.textureBytes += texture.width * texture.height * TEXEL_BYTES;
    return texture;
  }

  /**
   * Uploads data into `dst`, in order with the recorded dispatches. With nothing recorded since the
   * last submit, `queue.writeBuffer` into `dst` is in order already; otherwise the data goes
   * through a staging buffer (kept for reuse) and a copy recorded with the rest.
   */
  upload(dst: GPUBuffer, data: ArrayBufferView, dstOffset = 0): void {
    const bytes = Math.ceil(data.byteLength / 4) * 4;
    let source = new Uint8Array(data.buffer as ArrayBuffer, data.byteOffset, data.byteLength);
    if (bytes !== data.byteLength) {
      source = new Uint8Array(bytes);
      source.set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
    }
    if (!this.encoder) {
      this.touch(dst);
      this.device.queue.writeBuffer(dst, dstOffset, source, 0, bytes);
      return;
    }
    const size = sizeClass(bytes);
    const staging = this.uploadStaging.take(size) ?? this.createBuffer({ size, usage: COPY_SRC | COPY_DST });
    this.device.queue.writeBuffer(staging, 0, source, 0, bytes);
    this.copy(staging, 0, dst, dstOffset, bytes);
    this.stagedUploads.push(staging);
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
    for (const b of this.stagedUploads) this.uploadStaging.put(b.size, b, MAX_STAGING_BYTES);
    this.stagedUploads = [];
    this.pendingDispatches = 0;
    this.counters.submits++;
    this.waiter.submitted();
  }

  /**
   * Reads bytes back from a buffer: flushes, then waits for the GPU as the wait mode says. Only a
   * read of the user's values asks for `deviceChecks` (throwing, then clearing, what a kernel found):
   * the library's own readbacks (timings) leave them for the user's next one.
   */
  async read(src: GPUBuffer, bytes: number, srcOffset = 0, options: { deviceChecks?: boolean } = {}): Promise<ArrayBuffer> {
    const size = Math.ceil(bytes / 4) * 4;
    // The device checks ride along at the end of the staging buffer (at a 256-byte boundary).
    const checksAt = Math.ceil(size / 256) * 256;
    const kept = sizeClass(checksAt + CHECKS_BYTES);
    const staging = this.readbackStaging.take(kept) ?? this.createBuffer({ size: kept, usage: MAP_READ | COPY_DST });
    this.copy(src, srcOffset, staging, 0, size);
    if (options.deviceChecks) this.copy(this.checks.buffer, 0, staging, checksAt, CHECKS_BYTES);
    const covered = options.deviceChecks ? this.checks.copied() : null;
    this.flush();
    this.counters.readbacks++;
    let reusable = false;
    try {
      const compiling = this.compilingSinceLastWait();
      await this.compileNotice.during(() => this.waiter.wait(() => this.gpu.whileAlive(staging.mapAsync(MAP_READ)), compiling));
      this.gpu.throwIfFailed();
      const mapped = staging.getMappedRange();
      try {
        if (covered) this.checks.throwIfFailed(mapped.slice(checksAt), covered);
        return mapped.slice(0, bytes);
      } finally {
        staging.unmap();
        reusable = true;
      }
    } finally {
      if (reusable) this.readbackStaging.put(kept, staging, MAX_STAGING_BYTES);
      else staging.destroy();
    }
  }

  private pipelinesAtLastWait = 0;

  /** Whether pipelines were created since the last wait for the GPU (which a first-use compile lengthens). */
  private compilingSinceLastWait(): boolean {
    const compiling = this.counters.pipelinesCompiled !== this.pipelinesAtLastWait;
    this.pipelinesAtLastWait = this.counters.pipelinesCompiled;
    return compiling;
  }

  /** Waits until the GPU has finished everything submitted so far. */
  async sync(): Promise<void> {
    this.flush();
    const compiling = this.compilingSinceLastWait();
    await this.compileNotice.during(() => this.waiter.wait(() => this.gpu.whileAlive(this.device.queue.onSubmittedWorkDone()), compiling));
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
    const profiler = new KernelProfiler({
      createQuerySet: (d: GPUQuerySetDescriptor) => this.device.createQuerySet(d),
      createBuffer: (d: GPUBufferDescriptor) => this.createBuffer(d),
    });
    const { dispatches, copies } = this.counters;
    const created = { ...this.created };
    const t0 = performance.now();
    let recordMs: number;
    this.profiler = profiler;
    try {
      await fn();
      recordMs = performance.now() - t0;
      await this.sync();
    } finally {
      this.profiler = null;
    }
    const wallMs = performance.now() - t0;
    const counts = { dispatches: this.counters.dispatches - dispatches, copies: this.counters.copies - copies };
    const made = {
      buffersCreated: this.created.buffers - created.buffers,
      bytesCreated: this.created.bytes - created.bytes,
      texturesCreated: this.created.textures - created.textures,
      createMs: this.created.ms - created.ms,
    };
    const kernels = [...(await profiler.collect((f) => this.encode(f), (b, n) => this.read(b, n))).values()];
    kernels.sort((a, b) => b.ms - a.ms);
    return { kernels, gpuMs: kernels.reduce((s, k) => s + k.ms, 0), wallMs, recordMs, ...counts, ...made };
  }

  /**
   * From now on, puts GPU timestamps around the first dispatch of each new pipeline, where a driver
   * that compiles pipelines at first use (lavapipe) compiles them (needs timestamp-query).
   */
  timeFirstUses(): void {
    if (!this.gpu.features.has('timestamp-query')) throw new WebgradError('webgrad: timeFirstUses: the adapter has no timestamp-query feature');
    this.firstUses ??= new KernelProfiler({
      createQuerySet: (d: GPUQuerySetDescriptor) => this.device.createQuerySet(d),
      createBuffer: (d: GPUBufferDescriptor) => this.createBuffer(d),
    });
  }

  /** Pipelines created per kernel, with the first uses timed since timeFirstUses(), costliest first. */
  async pipelineReport(): Promise<KernelPipelines[]> {
    const timer = this.firstUses;
    this.firstUses = null;
    const times = timer ? await timer.collect((f) => this.encode(f), (b, n) => this.read(b, n)) : new Map();
    return this.pipelineStats.report(times.values());
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

/** The error of a buffer creation the device could not satisfy (its memory, not a limit the pool knows). */
function outOfDeviceMemory(bytes: number, liveBytes: number, live: number, detail: string): string {
  return (
    `webgrad: out of GPU memory: the device could not create a buffer of ${bytes} bytes, with ${liveBytes} bytes in use by ${live} ` +
    `live tensor buffers (${detail}). The device cannot go on: dispose what is not needed or use smaller batches, call ` +
    '`await release()` and `await init()` again (init({ memoryLimit }) refuses such an allocation beforehand, recoverably)'
  );
}
