import { sizeClass } from './buffer-pool.js';
import { CHECKS_BYTES, type DeviceChecks } from './device-checks.js';
import { FreeList } from './free-list.js';

/** Free bytes kept of each kind of staging buffer (uploads, readbacks). */
const MAX_STAGING_BYTES = 256 * 2 ** 20;
// GPUBufferUsage
const MAP_READ = 0x0001;
const COPY_SRC = 0x0004;
const COPY_DST = 0x0008;

/** What transfers need of the runtime that owns them. */
export interface TransferHost {
  readonly device: GPUDevice;
  readonly checks: DeviceChecks;
  /** Whether commands were recorded since the last submit. */
  recording(): boolean;
  /** Marks `buffer` as written by what is recorded now (Recorder.touch). */
  touch(buffer: GPUBuffer): void;
  createBuffer(descriptor: GPUBufferDescriptor): GPUBuffer;
  /** Records a buffer-to-buffer copy in order with the rest. */
  copy(src: GPUBuffer, srcOffset: number, dst: GPUBuffer, dstOffset: number, bytes: number): void;
  /** Submits everything recorded. */
  flush(): void;
  /** Waits for GPU work as the wait mode says, then throws if the device failed meanwhile. */
  waitFor(work: () => Promise<unknown>): Promise<void>;
}

/**
 * Uploads and readbacks, in order with the recorded dispatches, through staging buffers kept for
 * reuse. Upload staging buffers are written at once by `queue.writeBuffer` and copied with the
 * recorded work; one in use waits until the submit that copies from it (`submitted`), after which
 * the next writes to it come later in queue order, so it is reused from then on.
 */
export class Transfers {
  private readonly uploadStaging = new FreeList<number, GPUBuffer>((b) => b.size, (b) => b.destroy());
  private stagedUploads: GPUBuffer[] = [];
  /** Mappable buffers that readbacks copy into, kept for the next readback of their size class. */
  private readonly readbackStaging = new FreeList<number, GPUBuffer>((b) => b.size, (b) => b.destroy());

  constructor(private readonly host: TransferHost) {}

  /**
   * Uploads data into `dst`. With nothing recorded since the last submit, `queue.writeBuffer` into
   * `dst` is in order already; otherwise the data goes through a staging buffer and a recorded copy.
   */
  upload(dst: GPUBuffer, data: ArrayBufferView, dstOffset = 0): void {
    const bytes = Math.ceil(data.byteLength / 4) * 4;
    let source = new Uint8Array(data.buffer as ArrayBuffer, data.byteOffset, data.byteLength);
    if (bytes !== data.byteLength) {
      source = new Uint8Array(bytes);
      source.set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
    }
    if (!this.host.recording()) {
      this.host.touch(dst);
      this.host.device.queue.writeBuffer(dst, dstOffset, source, 0, bytes);
      return;
    }
    const size = sizeClass(bytes);
    const staging = this.uploadStaging.take(size) ?? this.host.createBuffer({ size, usage: COPY_SRC | COPY_DST });
    this.host.device.queue.writeBuffer(staging, 0, source, 0, bytes);
    this.host.copy(staging, 0, dst, dstOffset, bytes);
    this.stagedUploads.push(staging);
  }

  /** After a submit: the upload staging buffers it copied from are free again. */
  submitted(): void {
    for (const b of this.stagedUploads) this.uploadStaging.put(b.size, b, MAX_STAGING_BYTES);
    this.stagedUploads = [];
  }

  /**
   * Reads bytes back from a buffer: flushes, then waits for the GPU. Only a read of the user's
   * values asks for `deviceChecks` (throwing, then clearing, what a kernel found): the library's
   * own readbacks (timings) leave them for the user's next one.
   */
  async read(src: GPUBuffer, bytes: number, srcOffset = 0, options: { deviceChecks?: boolean } = {}): Promise<ArrayBuffer> {
    const { checks } = this.host;
    const size = Math.ceil(bytes / 4) * 4;
    // The device checks ride along at the end of the staging buffer (at a 256-byte boundary).
    const checksAt = Math.ceil(size / 256) * 256;
    const kept = sizeClass(checksAt + CHECKS_BYTES);
    const staging = this.readbackStaging.take(kept) ?? this.host.createBuffer({ size: kept, usage: MAP_READ | COPY_DST });
    this.host.copy(src, srcOffset, staging, 0, size);
    if (options.deviceChecks) this.host.copy(checks.buffer, 0, staging, checksAt, CHECKS_BYTES);
    const covered = options.deviceChecks ? checks.copied() : null;
    this.host.flush();
    let reusable = false;
    try {
      await this.host.waitFor(() => staging.mapAsync(MAP_READ));
      const mapped = staging.getMappedRange();
      try {
        if (covered) checks.throwIfFailed(mapped.slice(checksAt), covered);
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
}
