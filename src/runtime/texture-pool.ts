import { FreeList } from './free-list.js';

// GPUTextureUsage
const COPY_DST = 0x02;
const TEXTURE_BINDING = 0x04;
const STORAGE_BINDING = 0x08;

/** Bytes of one rgba32float texel. */
export const TEXEL_BYTES = 16;

export interface TexturePoolStats {
  /** Textures handed out and not yet released. */
  liveTextures: number;
  /** Textures kept for reuse, and their bytes. */
  freeTextures: number;
  freeBytes: number;
  /** Textures created since the pool began, and their bytes (a loop in its steady state creates none). */
  createdTextures: number;
  createdBytes: number;
}

/**
 * Reuses the rgba32float textures that GEMM operands are readied into, by exact size. A product's
 * textures have the same sizes in every training step, and a large texture made afresh each time
 * costs the driver page faults on every product. Commands run in queue order, so a texture released right after the
 * dispatch that reads it may be written by the next product's copy or pack.
 */
export class TexturePool {
  private readonly free: FreeList<string, GPUTexture>;
  private live = 0;
  /** Textures created since the pool began, and their bytes (a loop in its steady state creates none). */
  created = 0;
  createdBytes = 0;

  /** Free bytes kept; past it, the textures released longest ago are destroyed. */
  maxFreeBytes = 2 ** 30;

  constructor(
    private readonly device: Pick<GPUDevice, 'createTexture'>,
    /** Destroys a texture once the commands recorded so far (which may read it) are submitted. */
    retire: (texture: GPUTexture) => void,
  ) {
    this.free = new FreeList((t) => t.width * t.height * TEXEL_BYTES, retire);
  }

  acquire(width: number, height: number): GPUTexture {
    this.live++;
    const texture = this.free.take(key(width, height));
    if (texture) return texture;
    this.created++;
    this.createdBytes += width * height * TEXEL_BYTES;
    return this.device.createTexture({ size: [width, height], format: 'rgba32float', usage: TEXTURE_BINDING | STORAGE_BINDING | COPY_DST });
  }

  release(texture: GPUTexture): void {
    this.live--;
    this.free.put(key(texture.width, texture.height), texture, this.maxFreeBytes);
  }

  stats(): TexturePoolStats {
    return { liveTextures: this.live, freeTextures: this.free.count, freeBytes: this.free.bytes, createdTextures: this.created, createdBytes: this.createdBytes };
  }
}

const key = (width: number, height: number): string => `${width}x${height}`;
