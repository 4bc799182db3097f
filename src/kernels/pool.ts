import { FreeList } from './free-list.js';

/**
 * Reuses GPU buffers by size class. Creating a buffer in dawn.node is costly (the `webgpu` package
 * tracks each one), and a training step frees and reallocates the same sizes every step.
 * Sizes round up to a power of two below 1 MiB and to a multiple of 1/8 of the power of two above,
 * so a pooled buffer wastes at most 12.5%.
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

export interface PoolStats {
  /** Buffers handed out and not yet released. */
  liveBuffers: number;
  liveBytes: number;
  /** Buffers kept for reuse. */
  freeBuffers: number;
  freeBytes: number;
}

export class BufferPool {
  private readonly free: FreeList<number, GPUBuffer>;
  private live = 0;
  private liveBytes = 0;
  private peakLiveBytes = 0;
  /** Buffers created since the pool began (a loop in its steady state creates none). */
  created = 0;

  /**
   * Free bytes kept beyond which released buffers are retired. By default (null) the larger of
   * 2 GiB and the most bytes ever live at once, so that a training step whose buffers come and go
   * (the faithful AlexNet's pass a few GB on a GPU) finds them all again in the next step.
   */
  maxFreeBytes: number | null = null;

  private get freeCap(): number {
    return this.maxFreeBytes ?? Math.max(2 ** 31, this.peakLiveBytes);
  }

  constructor(
    private readonly device: GPUDevice,
    /**
     * Takes buffers the pool lets go of. A released buffer may still be named by commands recorded
     * but not yet submitted, and destroying it then fails that submit, so the runtime destroys
     * them once it has submitted.
     */
    retire: (buffer: GPUBuffer) => void,
    private readonly maxBinding = Infinity,
  ) {
    this.free = new FreeList((b) => b.size, retire);
  }

  acquire(bytes: number): GPUBuffer {
    const size = sizeClass(bytes, this.maxBinding);
    let buffer = this.free.take(size);
    if (!buffer) {
      buffer = this.device.createBuffer({ size, usage: STORAGE_USAGE });
      this.created++;
    }
    this.live++;
    this.liveBytes += size;
    this.peakLiveBytes = Math.max(this.peakLiveBytes, this.liveBytes);
    return buffer;
  }

  release(buffer: GPUBuffer): void {
    this.live--;
    this.liveBytes -= buffer.size;
    this.free.put(buffer.size, buffer, this.freeCap);
  }

  /** Retires every free buffer (for example before a large allocation fails). */
  trim(): void {
    this.free.clear();
  }

  stats(): PoolStats {
    return { liveBuffers: this.live, liveBytes: this.liveBytes, freeBuffers: this.free.count, freeBytes: this.free.bytes };
  }
}
