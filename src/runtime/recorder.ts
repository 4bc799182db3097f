/** Bytes of one uniform slot (WebGPU's minUniformBufferOffsetAlignment at its largest). */
export const UNIFORM_SLOT = 256;
const UNIFORM_SLOTS = 1024;
/** Dispatches recorded before a submit is due anyway. */
const MAX_PENDING_DISPATCHES = 4096;
// GPUBufferUsage
const COPY_DST = 0x0008;
const UNIFORM = 0x0040;

/** A pair of timestamp slots that a pass writes its start and end into. */
export interface TimestampSlot {
  querySet: GPUQuerySet;
  index: number;
}

/**
 * Records commands into one command encoder (dispatches inside one compute pass while possible)
 * until submitted, and the uniform blocks of its dispatches into one arena buffer, each its own
 * 256-byte slot. The arena is written with `queue.writeBuffer` just before the submit that uses it,
 * which the queue orders after every earlier submit, so the next batch may reuse the slots at once.
 * It also stamps the buffers that recorded commands may write (touchStamp).
 */
export class Recorder {
  private encoder: GPUCommandEncoder | null = null;
  private pass: GPUComputePassEncoder | null = null;
  private readonly arena: GPUBuffer;
  private readonly arenaData = new Uint8Array(UNIFORM_SLOT * UNIFORM_SLOTS);
  private arenaUsed = 0;
  private pendingDispatches = 0;
  private readonly touches = new WeakMap<GPUBuffer, number>();
  private touchClock = 0;

  constructor(
    private readonly device: GPUDevice,
    createBuffer: (descriptor: GPUBufferDescriptor) => GPUBuffer,
  ) {
    this.arena = createBuffer({ size: this.arenaData.byteLength, usage: UNIFORM | COPY_DST });
  }

  /** Whether anything was recorded since the last submit. */
  get recording(): boolean {
    return this.encoder !== null;
  }

  /** Whether every uniform slot is taken (a submit frees them). */
  get arenaFull(): boolean {
    return this.arenaUsed === UNIFORM_SLOTS;
  }

  /** Whether enough dispatches wait that they should be submitted. */
  get due(): boolean {
    return this.pendingDispatches >= MAX_PENDING_DISPATCHES;
  }

  /**
   * A number that changes whenever a command recorded since could have written `buffer` (a dispatch
   * that binds it, a copy into it): values read back stay current while it is unchanged.
   */
  touchStamp(buffer: GPUBuffer): number {
    return this.touches.get(buffer) ?? 0;
  }

  touch(buffer: GPUBuffer): void {
    this.touches.set(buffer, ++this.touchClock);
  }

  /** Copies a uniform block into the next free slot (the caller submits first when the arena is full). */
  uniformSlot(bytes: Uint8Array): GPUBufferBinding {
    if (bytes.byteLength > UNIFORM_SLOT) throw new Error(`webgrad: uniform block of ${bytes.byteLength} bytes exceeds ${UNIFORM_SLOT}`);
    const offset = this.arenaUsed++ * UNIFORM_SLOT;
    this.arenaData.set(bytes, offset);
    return { buffer: this.arena, offset, size: UNIFORM_SLOT };
  }

  /** Counts a recorded dispatch (see `due`). */
  dispatched(): void {
    this.pendingDispatches++;
  }

  commandEncoder(): GPUCommandEncoder {
    return (this.encoder ??= this.device.createCommandEncoder());
  }

  /** The compute pass that untimed dispatches share. */
  computePass(): GPUComputePassEncoder {
    return (this.pass ??= this.commandEncoder().beginComputePass());
  }

  /** A pass of its own that writes timestamps at its start and end (the profiler's). */
  timedPass(slot: TimestampSlot): GPUComputePassEncoder {
    this.endPass();
    this.pass = this.commandEncoder().beginComputePass({
      timestampWrites: { querySet: slot.querySet, beginningOfPassWriteIndex: slot.index, endOfPassWriteIndex: slot.index + 1 },
    });
    return this.pass;
  }

  endPass(): void {
    if (this.pass) {
      this.pass.end();
      this.pass = null;
    }
  }

  /** Submits what was recorded, with the uniform arena written first; false when nothing was. */
  submit(): boolean {
    if (!this.encoder) return false;
    this.endPass();
    if (this.arenaUsed > 0) {
      this.device.queue.writeBuffer(this.arena, 0, this.arenaData, 0, this.arenaUsed * UNIFORM_SLOT);
      this.arenaUsed = 0;
    }
    this.device.queue.submit([this.encoder.finish()]);
    this.encoder = null;
    this.pendingDispatches = 0;
    return true;
  }
}
