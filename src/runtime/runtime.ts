import { Generator } from './generator.js';
import { callerOp, LeakCheck } from './leak-check.js';
import type { Gpu } from './gpu.js';
import { BufferPool } from './buffer-pool.js';
import { TEXEL_BYTES, TexturePool } from './texture-pool.js';
import { foldWorkgroups } from './grid.js';
import type { KernelProfile } from './profiler.js';
import { PipelineStats, type KernelPipelines } from './pipeline-stats.js';
import { declareKernel } from './kernel.js';
import { CompileNotice } from './compile-notice.js';
import { WebgradError } from '../errors.js';
import { Waiter, type WaitMode } from './waiter.js';
import { DeviceChecks } from './device-checks.js';
import { applyPolicy, defaultPolicy, type KernelPolicy, type PolicyChanges } from './policy.js';
import { uniformLayout } from './wgsl-struct.js';
import type { Binding, DispatchArgs, KernelSpec } from './kernel-spec.js';
import { PipelineCache } from './pipeline-cache.js';
import { Recorder } from './recorder.js';
import { Transfers } from './transfers.js';
import { Timestamps } from './timestamps.js';

export type { WaitMode };
export type { Binding, DispatchArgs, KernelSpec } from './kernel-spec.js';

/** fill.wgsl's uniforms: element i becomes start + step·i. */
export const FILL_PARAMS = uniformLayout('fill', { n: 'u32', start: 'f32', step: 'f32', _pad: 'u32' });
/** fill.wgsl, which poisons new buffers here and fills tensors (kernels/elementwise.ts). */
export const FILL = declareKernel({ file: 'fill', entries: ['fill'], params: FILL_PARAMS, workgroup: 256 });

/**
 * One device's runtime: what every kernel runs through. It owns the kernel policy, the buffer and
 * texture pools, the seed generator and the profiler hookup, and delegates the rest: the pipeline
 * cache (pipeline-cache.ts), recording commands and the uniform arena (recorder.ts), uploads and
 * readbacks (transfers.ts), GPU timestamps (timestamps.ts). Recorded work is submitted together
 * when a readback, an upload limit or the uniform arena asks for it.
 */
export class Runtime {
  readonly bufferPool: BufferPool;
  /** The rgba32float textures that GEMM operands are readied into (texture GEMM). */
  readonly textures: TexturePool;
  /** The GPU device (transfers and timestamps create on it). */
  readonly device: GPUDevice;
  private readonly pipelines: PipelineCache;
  private readonly recorder: Recorder;
  private readonly transfers: Transfers;
  private readonly timestamps: Timestamps;
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
  private readonly waiter: Waiter;
  /** Values only the GPU sees that kernels found wrong (labels out of range), reported at readbacks. */
  readonly checks: DeviceChecks;
  /** Where random ops, dropout and layer initialisation given no seed draw one (manualSeed restarts it). */
  readonly generator = new Generator();
  /** The leak check of debug mode (init({ debug: true })), else null. */
  readonly leakCheck: LeakCheck | null;
  /** Pipelines created per kernel and what they cost (the bench's --warm-up reports it). */
  readonly pipelineStats = new PipelineStats();
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
    this.pipelines = new PipelineCache(
      this.device,
      (message) => this.gpu.fail(message),
      (spec, ms) => {
        this.counters.compileMs += ms;
        this.counters.pipelinesCompiled++;
        this.pipelineStats.created(spec, ms);
        this.compileNotice.pipelineCreated();
      },
    );
    this.recorder = new Recorder(this.device, (d) => this.createBuffer(d));
    this.waiter = new Waiter(options.wait ?? 'adaptive');
    this.checks = new DeviceChecks(this.device);
    this.transfers = new Transfers({
      device: this.device,
      checks: this.checks,
      recording: () => this.recorder.recording,
      touch: (b) => this.recorder.touch(b),
      createBuffer: (d) => this.createBuffer(d),
      copy: (src, srcOffset, dst, dstOffset, bytes) => this.copy(src, srcOffset, dst, dstOffset, bytes),
      flush: () => this.flush(),
      waitFor: (work) => this.waitFor(work),
    });
    this.timestamps = new Timestamps(this);
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

  /** The pipeline of `spec`, created (and its declarations checked) on first use. */
  pipeline(spec: KernelSpec): GPUComputePipeline {
    return this.pipelines.get(spec);
  }

  /**
   * A number that changes whenever a command recorded since could have written `buffer` (a dispatch
   * that binds it, a copy into it): values read back stay current while it is unchanged.
   */
  touchStamp(buffer: GPUBuffer): number {
    return this.recorder.touchStamp(buffer);
  }

  dispatch(spec: KernelSpec, args: DispatchArgs): void {
    this.checkBindings(spec, args.buffers);
    const compiled = this.counters.pipelinesCompiled;
    const pipeline = this.pipeline(spec);
    const slot = this.timestamps.dispatchSlot(spec, this.counters.pipelinesCompiled !== compiled);
    for (const b of args.buffers) if (!('view' in b)) this.recorder.touch('buffer' in b ? b.buffer : b);
    const entries: GPUBindGroupEntry[] = [];
    if (args.uniforms) {
      if (args.uniforms.byteLength !== spec.params?.size) {
        throw new WebgradError(`webgrad: kernel ${spec.files.join('+')} got a uniform block of ${args.uniforms.byteLength} bytes; its declared layout has ${spec.params?.size ?? 'none'}`);
      }
      if (this.recorder.arenaFull) this.flush();
      const bytes = new Uint8Array(args.uniforms.buffer, args.uniforms.byteOffset, args.uniforms.byteLength);
      entries.push({ binding: 0, resource: this.recorder.uniformSlot(bytes) });
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
    const pass = slot ? this.recorder.timedPass(slot) : this.recorder.computePass();
    pass.setPipeline(pipeline);
    pass.setBindGroup(0, bindGroup);
    pass.dispatchWorkgroups(grid[0], grid[1], grid[2]);
    if (slot) this.recorder.endPass();
    this.counters.dispatches++;
    this.recorder.dispatched();
    if (this.recorder.due) this.flush();
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
    this.recorder.touch(dst);
    this.encodeCopy('copyBufferToBuffer', (e) => e.copyBufferToBuffer(src, srcOffset, dst, dstOffset, bytes));
  }

  /** Records a copy; while profiling, between timestamps (empty passes that write them), as a dispatch is. */
  private encodeCopy(label: string, record: (encoder: GPUCommandEncoder) => void): void {
    this.recorder.endPass();
    this.counters.copies++;
    const encoder = this.recorder.commandEncoder();
    const slot = this.timestamps.copySlot(label);
    if (!slot) {
      record(encoder);
      return;
    }
    const { querySet, index } = slot;
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

  /** Uploads data into `dst`, in order with the recorded dispatches (see Transfers.upload). */
  upload(dst: GPUBuffer, data: ArrayBufferView, dstOffset = 0): void {
    this.transfers.upload(dst, data, dstOffset);
  }

  /** Writes a GPU timestamp between everything recorded so far and everything recorded after. */
  writeTimestamp(querySet: GPUQuerySet, index: number): void {
    this.recorder.endPass();
    const pass = this.recorder.commandEncoder().beginComputePass({
      timestampWrites: { querySet, beginningOfPassWriteIndex: index },
    });
    pass.end();
  }

  /** Encodes arbitrary commands in order with the recorded dispatches (for query resolution). */
  encode(fn: (encoder: GPUCommandEncoder) => void): void {
    this.recorder.endPass();
    fn(this.recorder.commandEncoder());
  }

  /** Submits everything recorded. Does not wait. */
  flush(): void {
    this.gpu.throwIfFailed();
    if (this.recorder.submit()) {
      this.transfers.submitted();
      this.counters.submits++;
      this.waiter.submitted();
    }
    // Buffers and textures retired since the last submit are named by no unsubmitted command any more.
    for (const b of this.doomed) b.destroy();
    this.doomed = [];
  }

  /**
   * Reads bytes back from a buffer: flushes, then waits for the GPU as the wait mode says (see
   * Transfers.read; `deviceChecks` for a read of the user's values).
   */
  read(src: GPUBuffer, bytes: number, srcOffset = 0, options: { deviceChecks?: boolean } = {}): Promise<ArrayBuffer> {
    this.counters.readbacks++;
    return this.transfers.read(src, bytes, srcOffset, options);
  }

  private pipelinesAtLastWait = 0;

  /** Whether pipelines were created since the last wait for the GPU (which a first-use compile lengthens). */
  private compilingSinceLastWait(): boolean {
    const compiling = this.counters.pipelinesCompiled !== this.pipelinesAtLastWait;
    this.pipelinesAtLastWait = this.counters.pipelinesCompiled;
    return compiling;
  }

  /** Waits for GPU work as the wait mode says (with the compile notice), then throws if the device failed. */
  private async waitFor(work: () => Promise<unknown>): Promise<void> {
    const compiling = this.compilingSinceLastWait();
    await this.compileNotice.during(() => this.waiter.wait(() => this.gpu.whileAlive(work()), compiling));
    this.gpu.throwIfFailed();
  }

  /** Waits until the GPU has finished everything submitted so far. */
  async sync(): Promise<void> {
    this.flush();
    await this.waitFor(() => this.device.queue.onSubmittedWorkDone());
  }

  /** Runs `fn` with a GPU timestamp around each of its dispatches and sums them per kernel (see Timestamps.profile). */
  profile(fn: () => unknown): Promise<KernelProfile> {
    return this.timestamps.profile(fn);
  }

  /** From now on, puts GPU timestamps around the first dispatch of each new pipeline (needs timestamp-query). */
  timeFirstUses(): void {
    this.timestamps.timeFirstUses();
  }

  /** Pipelines created per kernel, with the first uses timed since timeFirstUses(), costliest first. */
  pipelineReport(): Promise<KernelPipelines[]> {
    return this.timestamps.pipelineReport();
  }

  /** Drops cached pipelines (tests use it to count compiles). */
  clearPipelines(): void {
    this.pipelines.clear();
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
