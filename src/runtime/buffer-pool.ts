import { FreeList } from './free-list.js';
import { WebgradError } from '../errors.js';

/**
 * Reuses GPU buffers by size class. Creating a buffer is costly (the driver allocates and Dawn
 * clears it; the `webgpu` package tracks each one), and a training step frees and reallocates the
 * same sizes every step. Sizes round up to a power of two below 1 MiB and to a multiple of 1/16 of
 * the power of two above, so a pooled buffer wastes at most 6.25% of that power of two.
 */
export const STORAGE_USAGE = 0x80 /* STORAGE */ | 0x04 /* COPY_SRC */ | 0x08; /* COPY_DST */

export function sizeClass(bytes: number, maxBinding = Infinity): number {
  const min = 16;
  if (bytes <= min) return min;
  const pow = 2 ** Math.ceil(Math.log2(bytes));
  if (pow <= 1 << 20) return pow;
  const step = pow / 16;
  const rounded = Math.ceil(bytes / step) * step;
  // A buffer that fits one binding stays bindable whole (2 GiB would not be, on a 2 GiB − 4 limit).
  return bytes <= maxBinding && rounded > maxBinding ? Math.ceil(bytes / 4) * 4 : rounded;
}

export interface BufferPoolStats {
  /** Buffers handed out and not yet released. */
  liveBuffers: number;
  liveBytes: number;
  /** The most bytes live at once so far. */
  peakLiveBytes: number;
  /** Buffers kept for reuse. */
  freeBuffers: number;
  freeBytes: number;
}

/**
 * Creates buffers for the pool (the runtime's counting wrapper of `device.createBuffer`, or a test's
 * object that stands in for a device).
 */
export type BufferMaker = Pick<GPUDevice, 'createBuffer'>;

export class BufferPool {
  private readonly free: FreeList<number, GPUBuffer>;
  private live = 0;
  private liveBytes = 0;
  private peakLiveBytes = 0;
  /** Buffers created since the pool began, and their bytes (a loop in its steady state creates none). */
  created = 0;
  createdBytes = 0;

  /**
   * A cap on the free bytes kept, applied as buffers are released (tests set 0 to retire every
   * released buffer). By default (null) there is none: the pool bounds what it holds in all instead
   * (see `heldCap`).
   */
  maxFreeBytes: number | null = null;

  constructor(
    private readonly device: BufferMaker,
    /**
     * Takes buffers the pool lets go of. A released buffer may still be named by commands recorded
     * but not yet submitted, and destroying it then fails that submit, so the runtime destroys
     * them once it has submitted.
     */
    retire: (buffer: GPUBuffer) => void,
    private readonly maxBinding = Infinity,
    /** The most bytes the pool may hold, live and free (the policy's memoryLimit), read at each creation; null: none. */
    private readonly memoryLimit: () => number | null = () => null,
  ) {
    this.free = new FreeList((b) => b.size, retire);
  }

  /**
   * The bytes held in all (live and free) that creating a buffer may not exceed: the larger of
   * twice and 2 GiB more than the most bytes ever live at once. Free buffers are retired, those
   * released longest ago first, only to make room for a new one, never on release. A step's
   * transient buffers come in sizes that cannot stand in for one another, so the next step needs
   * every one of them back, and their sum exceeds the most bytes live at once (the faithful AlexNet
   * at batch 128 releases 3.9 GiB of them by its end, with at most 2.2 GiB live together): a cap
   * on free bytes below that sum, checked on release, would retire some in every step and the next
   * step would create them again (test/buffer-churn.test.ts). Live and free together stay within
   * what a cap of the larger of 2 GiB and the peak live bytes on free bytes alone allowed.
   */
  private heldCap(peakLive: number): number {
    return Math.max(2 * peakLive, peakLive + 2 ** 31);
  }

  /**
   * A buffer of at least `bytes`: a free one of its size class, or a new one. One that the memory
   * limit has no room for gets the free buffers back (released longest ago first) and tries again;
   * when the live ones alone leave no room, it is refused with a WebgradError, before anything
   * changes, naming `what` (the op and the tensor it was for) and the memory in use.
   */
  acquire(bytes: number, what: () => string = () => `a buffer of ${bytes} bytes`): GPUBuffer {
    const size = sizeClass(bytes, this.maxBinding);
    let buffer = this.free.take(size);
    if (!buffer) {
      const limit = this.memoryLimit() ?? Infinity;
      if (this.liveBytes + size > limit) {
        this.free.clear();
        throw new WebgradError(
          `webgrad: ${what()}: out of GPU memory: its ${bytes} bytes (${size} pooled) do not fit the memory limit of ${limit} bytes ` +
            `with ${this.liveBytes} bytes in use by ${this.live} live buffers (the pool's free buffers were given back first). ` +
            'Dispose tensors no longer needed (tidy() in loops), or use smaller batches',
        );
      }
      const peak = Math.max(this.peakLiveBytes, this.liveBytes + size);
      this.free.trimTo(Math.min(this.heldCap(peak), limit) - this.liveBytes - size);
      buffer = this.device.createBuffer({ size, usage: STORAGE_USAGE });
      this.created++;
      this.createdBytes += size;
    }
    this.live++;
    this.liveBytes += size;
    this.peakLiveBytes = Math.max(this.peakLiveBytes, this.liveBytes);
    return buffer;
  }

  release(buffer: GPUBuffer): void {
    this.live--;
    this.liveBytes -= buffer.size;
    this.free.put(buffer.size, buffer, this.maxFreeBytes ?? Infinity);
  }

  /** Retires every free buffer (for example before a large allocation fails). */
  trim(): void {
    this.free.clear();
  }

  stats(): BufferPoolStats {
    return { liveBuffers: this.live, liveBytes: this.liveBytes, peakLiveBytes: this.peakLiveBytes, freeBuffers: this.free.count, freeBytes: this.free.bytes };
  }
}
