/**
 * Reuses GPU buffers by size class. Creating a buffer in dawn.node is costly (the `webgpu` package
 * tracks each one), and a training step frees and reallocates the same sizes every step.
 * Sizes round up to a power of two below 1 MiB and to a multiple of 1/8 of the power of two above,
 * so a pooled buffer wastes at most 12.5%.
 */
export const STORAGE_USAGE = 0x80 /* STORAGE */ | 0x04 /* COPY_SRC */ | 0x08; /* COPY_DST */

export function sizeClass(bytes: number): number {
  const min = 16;
  if (bytes <= min) return min;
  const pow = 2 ** Math.ceil(Math.log2(bytes));
  if (pow <= 1 << 20) return pow;
  const step = pow / 16;
  return Math.ceil(bytes / step) * step;
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
  private readonly free = new Map<number, GPUBuffer[]>();
  private live = 0;
  private liveBytes = 0;
  private freeCount = 0;
  private freeBytes = 0;

  constructor(
    private readonly device: GPUDevice,
    /** Free bytes kept beyond which released buffers are destroyed instead. */
    private readonly maxFreeBytes = 2 ** 31,
  ) {}

  acquire(bytes: number): GPUBuffer {
    const size = sizeClass(bytes);
    const list = this.free.get(size);
    let buffer = list?.pop();
    if (buffer) {
      this.freeCount--;
      this.freeBytes -= size;
    } else {
      buffer = this.device.createBuffer({ size, usage: STORAGE_USAGE });
    }
    this.live++;
    this.liveBytes += size;
    return buffer;
  }

  release(buffer: GPUBuffer): void {
    const size = buffer.size;
    this.live--;
    this.liveBytes -= size;
    if (this.freeBytes + size > this.maxFreeBytes) {
      buffer.destroy();
      return;
    }
    let list = this.free.get(size);
    if (!list) this.free.set(size, (list = []));
    list.push(buffer);
    this.freeCount++;
    this.freeBytes += size;
  }

  /** Destroys every free buffer (for example before a large allocation fails). */
  trim(): void {
    for (const list of this.free.values()) for (const b of list) b.destroy();
    this.free.clear();
    this.freeCount = 0;
    this.freeBytes = 0;
  }

  stats(): PoolStats {
    return { liveBuffers: this.live, liveBytes: this.liveBytes, freeBuffers: this.freeCount, freeBytes: this.freeBytes };
  }
}
