import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { readdirSync, readFileSync } from 'node:fs';
import { KERNEL_FILES } from '../../src/runtime/sources.js';
import { foldWorkgroups } from '../../src/runtime/grid.js';
import { BufferPool, sizeClass } from '../../src/runtime/buffer-pool.js';
import { TexturePool } from '../../src/runtime/texture-pool.js';

const root = fileURLToPath(new URL('../..', import.meta.url));

describe('buffer pool', () => {
  // Buffer objects without a GPU: only their size matters to the pool.
  const fakeDevice = { createBuffer: ({ size }: { size: number }) => ({ size }) } as unknown as GPUDevice;
  const GiB = 2 ** 30;

  it('keeps as many free bytes as were ever live at once, and retires the oldest beyond a fixed cap', () => {
    for (const cap of [null, 2 * GiB]) {
      const retired: number[] = [];
      const pool = new BufferPool(fakeDevice, (b) => retired.push(b.size));
      pool.maxFreeBytes = cap;
      const sizes = [1.5 * GiB, 1.25 * GiB, 1 * GiB];
      const buffers = sizes.map((s) => pool.acquire(s));
      for (const b of buffers) pool.release(b);
      if (cap === null) {
        // 3.75 GiB were live at once: a step that frees them finds them all again next time.
        expect(retired).toEqual([]);
        for (const s of sizes) pool.acquire(s);
        expect(pool.created).toBe(3);
      } else {
        // Over 2 GiB the least recently released go first, so the last one released stays.
        expect(retired).toEqual([1.5 * GiB, 1.25 * GiB]);
        expect(pool.stats().freeBytes).toBe(1 * GiB);
      }
    }
  });
});

describe('buffer pool over a loop', () => {
  const fakeDevice = { createBuffer: ({ size }: { size: number }) => ({ size }) } as unknown as GPUDevice;
  const GiB = 2 ** 30;

  it('keeps every transient buffer of a step whose sizes cannot share, so later steps create none', () => {
    const retired: number[] = [];
    const pool = new BufferPool(fakeDevice, (b) => retired.push(b.size));
    const weights = pool.acquire(0.25 * GiB);
    const created: number[] = [];
    for (let step = 0; step < 5; step++) {
      const before = pool.created;
      // One at a time: at most 1.25 GiB live, but 2.25 GiB of distinct sizes released per step,
      // more than a cap of max(2 GiB, peak live) on free bytes kept (which retired 1 per step).
      for (const size of [1 * GiB, 0.75 * GiB, 0.5 * GiB]) pool.release(pool.acquire(size));
      created.push(pool.created - before);
    }
    expect(created).toEqual([3, 0, 0, 0, 0]);
    expect(retired).toEqual([]);
    expect(pool.stats()).toMatchObject({ liveBuffers: 1, liveBytes: 0.25 * GiB, peakLiveBytes: 1.25 * GiB, freeBuffers: 3, freeBytes: 2.25 * GiB });
    expect(pool.createdBytes).toBe(2.5 * GiB);
    pool.release(weights);
  });

  it('holds at most twice (or 2 GiB more than) the peak live bytes, retiring the longest free first to make room', () => {
    const retired: number[] = [];
    const pool = new BufferPool(fakeDevice, (b) => retired.push(b.size));
    // Peak live 0.5 GiB: at most max(1, 2.5) = 2.5 GiB held. Distinct sizes, one at a time.
    const sizes = [0.5, 0.4375, 0.375, 0.3125, 0.25, 0.5, 0.4375].map((g) => g * GiB);
    for (const size of sizes) {
      pool.release(pool.acquire(size));
      const s = pool.stats();
      expect(s.liveBytes + s.freeBytes).toBeLessThanOrEqual(2.5 * GiB);
    }
    // The five sizes fit (1.875 GiB); the last two come back from the pool.
    expect(pool.created).toBe(5);
    expect(retired).toEqual([]);
    // A 1 GiB buffer raises the peak to 1 GiB (2 × 1 < 1 + 2: cap 3 GiB); 1.875 + 1 fits.
    const big = pool.acquire(1 * GiB);
    expect(retired).toEqual([]);
    pool.release(big);
    // 1.5 GiB more (peak 1.5 GiB, cap 3.5 GiB): 2.875 + 1.5 held would pass it, so the buffers
    // released longest ago go (0.375, 0.3125, 0.25 GiB; not the 0.5 and 0.4375 reused since)
    // until 1.5 GiB fits beside the rest.
    const bigger = pool.acquire(1.5 * GiB);
    expect(retired).toEqual([0.375 * GiB, 0.3125 * GiB, 0.25 * GiB]);
    const s = pool.stats();
    expect(s.liveBytes + s.freeBytes).toBeLessThanOrEqual(3.5 * GiB);
    pool.release(bigger);
  });
});

describe('texture pool', () => {
  // Texture objects without a GPU: only their size matters to the pool.
  const fakeDevice = {
    createTexture: ({ size: [width, height] }: { size: [number, number] }) => ({ width, height }),
  } as unknown as GPUDevice;
  const MiB = 2 ** 20;

  it('hands back textures of the exact size, and retires the oldest beyond its cap', () => {
    const retired: string[] = [];
    const pool = new TexturePool(fakeDevice, (t) => retired.push(`${t.width}x${t.height}`));
    pool.maxFreeBytes = 5 * MiB;
    // 1024×256 texels of 16 bytes: 4 MiB; 256×256: 1 MiB.
    const big = pool.acquire(1024, 256);
    const small = pool.acquire(256, 256);
    pool.release(big);
    pool.release(small);
    expect(pool.stats()).toEqual({ liveTextures: 0, freeTextures: 2, freeBytes: 5 * MiB, createdTextures: 2, createdBytes: 5 * MiB });
    expect(pool.acquire(256, 256)).toBe(small);
    expect(pool.acquire(256, 128)).not.toBe(big);
    expect(pool.created).toBe(3);
    // Keeping a third would pass the cap: the one released longest ago (the 4 MiB one) goes.
    pool.release(small);
    pool.release(pool.acquire(512, 256));
    expect(retired).toEqual(['1024x256']);
    expect(pool.stats().freeBytes).toBe(1 * MiB + 2 * MiB);
    // One larger than the cap is not kept at all.
    pool.release(pool.acquire(2048, 256));
    expect(retired).toEqual(['1024x256', '2048x256']);
    expect(pool.stats().liveTextures).toBe(1);
  });
});

describe('no adapter', () => {
  it('says what to install instead of failing on a null adapter', () => {
    const script = "import('./src/node.ts').then(w => w.init()).then(() => { console.log('found an adapter'); process.exit(0) }, e => { console.log(e.name + ': ' + e.message); process.exit(0) })";
    const r = spawnSync(process.execPath, ['--import', 'tsx', '-e', script], {
      cwd: root,
      env: { ...process.env, VK_DRIVER_FILES: '/nonexistent/icd.json', VK_ICD_FILENAMES: '/nonexistent/icd.json' },
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(r.stdout).toMatch(/NoAdapterError: webgrad: no WebGPU adapter was found/);
    expect(r.stdout).toMatch(/lavapipe/);
    expect(r.stdout).toMatch(/bookworm-backports/);
  });
});

describe('portability', () => {
  it('only the Node-only modules import Node APIs, so the core can run in a browser', () => {
    const nodeOnly = ['session/node.ts', 'io/safetensors.ts', 'io/atomic-file.ts'];
    const offenders: string[] = [];
    const walk = (dir: URL, rel: string) => {
      for (const entry of readdirSync(dir, { withFileTypes: true })) {
        const path = rel ? `${rel}/${entry.name}` : entry.name;
        if (entry.isDirectory()) walk(new URL(`${entry.name}/`, dir), path);
        else if (entry.name.endsWith('.ts') && !nodeOnly.includes(path)) {
          const text = readFileSync(new URL(entry.name, dir), 'utf8');
          if (/from ['"]node:|require\(['"]node:|import\(['"]node:/.test(text)) offenders.push(path);
        }
      }
    };
    walk(new URL('../../src/', import.meta.url), '');
    expect(offenders).toEqual([]);
  });
});

describe('runtime pieces', () => {
  it('every .wgsl file is in the kernel list and the other way round', () => {
    const files = readdirSync(new URL('../../src/kernels/wgsl/', import.meta.url)).filter((f) => f.endsWith('.wgsl'));
    expect(files.map((f) => f.replace(/\.wgsl$/, '')).sort()).toEqual([...KERNEL_FILES].sort());
  });

  it('folds large workgroup counts into a grid within the per-dimension limit', () => {
    expect(foldWorkgroups(10, 65_535)).toEqual([10, 1, 1]);
    for (const n of [65_536, 1_000_000, 65_535 * 65_535]) {
      const [x, y] = foldWorkgroups(n, 65_535);
      expect(x).toBeLessThanOrEqual(65_535);
      expect(y).toBeLessThanOrEqual(65_535);
      expect(x * y).toBeGreaterThanOrEqual(n);
      expect(x * y - n).toBeLessThan(y);
    }
  });

  it('size classes waste at most 12.5% above 1 MiB and are powers of two below', () => {
    expect(sizeClass(1)).toBe(16);
    expect(sizeClass(1000)).toBe(1024);
    for (const b of [1_048_577, 3_000_000, 151_000_000]) {
      expect(sizeClass(b)).toBeGreaterThanOrEqual(b);
      expect(sizeClass(b) / b).toBeLessThanOrEqual(1.125);
    }
    // An NVIDIA GPU's binding limit is 2 GiB − 4: a buffer under it stays bindable whole.
    const limit = 2 ** 31 - 4;
    expect(sizeClass(2_147_000_000, limit)).toBe(2_147_000_000);
    expect(sizeClass(2_000_000_001, limit)).toBe(15 * 2 ** 27);
    expect(sizeClass(3_000_000, limit)).toBe(sizeClass(3_000_000));
  });
});
