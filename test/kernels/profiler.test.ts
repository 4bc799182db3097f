import { beforeAll, describe, expect, it } from 'vitest';
import { matmul, profileKernels, relu, tensor, tidy, withPolicy, type Tensor } from '../../src/index.js';
import { runtime } from '../../src/device/current.js';
import { expectClose, randomValues, setupDevice } from '../helpers.js';

beforeAll(setupDevice);

describe('profileKernels', () => {
  it('times each dispatch and sums them per kernel, leaving results as they were', async () => {
    if (!runtime().gpu.features.has('timestamp-query')) {
      // Without the feature, the one thing to check is the refusal.
      await expect(profileKernels(() => undefined)).rejects.toThrow(/timestamp-query/);
      return;
    }
    const a = tensor(randomValues(33 * 17, 1), [33, 17]);
    const b = tensor(randomValues(17 * 29, 2), [17, 29]);
    // Bit for bit on the same kernels: autotuning (a GPU's default) could change the product's
    // configuration, and so its rounding, between the two runs.
    let out: Tensor | null = null;
    const [expected, profile] = await withPolicy({ autotune: false }, async () => [
      await tidy(() => relu(relu(matmul(a, b)))).toArray(),
      await profileKernels(() => {
        out = tidy(() => relu(relu(matmul(a, b))));
      }),
    ] as const);
    expectClose(await out!.toArray(), expected, 0, 0);
    // The product's kernel is the policy's: gemm.wgsl, gemm_workgroup.wgsl (a GPU's), gemm_texture.wgsl
    // or, for one this small, gemm_small.wgsl.
    const gemm = profile.kernels.filter((k) => /^gemm(_workgroup|_texture|_small)?:main/.test(k.kernel));
    const reluKernels = profile.kernels.filter((k) => k.kernel === 'unary:relu');
    expect(gemm.reduce((s, k) => s + k.calls, 0)).toBe(1);
    expect(reluKernels.reduce((s, k) => s + k.calls, 0)).toBe(2);
    expect(profile.kernels.reduce((s, k) => s + k.calls, 0)).toBe(profile.dispatches + profile.copies);
    // Timestamps may be coarse (lavapipe's tick is 65.5 µs): a short kernel can measure 0.
    for (const k of profile.kernels) expect(k.ms, k.kernel).toBeGreaterThanOrEqual(0);
    expect(profile.gpuMs).toBeGreaterThan(0);
    expect(profile.gpuMs).toBeCloseTo(profile.kernels.reduce((s, k) => s + k.ms, 0), 9);
    // The GPU time lies within the wall time that holds it.
    expect(profile.gpuMs).toBeLessThanOrEqual(profile.wallMs);
    for (let i = 1; i < profile.kernels.length; i++) expect(profile.kernels[i].ms).toBeLessThanOrEqual(profile.kernels[i - 1].ms);
    (out as Tensor | null)?.dispose();
    a.dispose();
    b.dispose();
  });

  it('times copies too: a product on textures copies its operands in', async (ctx) => {
    const rt = runtime();
    ctx.skip(!rt.gpu.features.has('timestamp-query'), 'the adapter has no timestamp-query feature');
    // Rows of 64 floats are copied whole into the operands' textures.
    const a = tensor(randomValues(64 * 64, 3), [64, 64]);
    const b = tensor(randomValues(64 * 128, 4), [64, 128]);
    try {
      // Not the small kernel, which the 64·128·64 multiply-adds would otherwise run on.
      await withPolicy({ gemm: 'texture', textureGemm: { costScale: 0 }, smallGemmMacs: 0 }, async () => {
      const expected = await tidy(() => matmul(a, b)).toArray();
      let out: Tensor | null = null;
      const profile = await profileKernels(() => {
        out = matmul(a, b);
      });
      expectClose(await out!.toArray(), expected, 0, 0);
      expect(profile.copies).toBe(2);
      expect(profile.kernels.find((k) => k.kernel === 'copyBufferToTexture')?.calls).toBe(2);
      expect(profile.kernels.find((k) => k.kernel.startsWith('gemm_texture:main'))?.calls).toBe(1);
      expect(profile.kernels.reduce((s, k) => s + k.calls, 0)).toBe(profile.dispatches + profile.copies);
      expect(profile.gpuMs).toBeLessThanOrEqual(profile.wallMs);
      (out as Tensor | null)?.dispose();
      });
    } finally {
      a.dispose();
      b.dispose();
    }
  });

  it('timestamps are not quantised (Dawn rounds them to 65.5 µs unless told not to)', async (ctx) => {
    ctx.skip(!runtime().gpu.features.has('timestamp-query'), 'the adapter has no timestamp-query feature');
    const a = tensor(randomValues(4096, 5), [64, 64]);
    const profile = await profileKernels(() => {
      for (let i = 0; i < 8; i++) tidy(() => relu(relu(a))).dispose();
    });
    // Quantised, every span is a multiple of 65,536 ns and so is every sum of them.
    const ns = profile.kernels.map((k) => Math.round(k.ms * 1e6));
    expect(ns.some((t) => t % 65_536 !== 0), `${ns}`).toBe(true);
    a.dispose();
  });

  it('counts the buffers the profiled work creates, the time creating them and the time recording it', async (ctx) => {
    ctx.skip(!runtime().gpu.features.has('timestamp-query'), 'the adapter has no timestamp-query feature');
    // A size class no other test uses, so that the first run creates its buffers.
    const run = () => tidy(() => relu(tensor(randomValues(123_457, 6), [123_457]))).dispose();
    const first = await profileKernels(run);
    expect(first.buffersCreated).toBeGreaterThanOrEqual(2);
    expect(first.bytesCreated).toBeGreaterThanOrEqual(2 * 123_457 * 4);
    expect(first.createMs).toBeGreaterThanOrEqual(0);
    expect(first.createMs).toBeLessThanOrEqual(first.recordMs);
    expect(first.recordMs).toBeGreaterThan(0);
    expect(first.recordMs).toBeLessThanOrEqual(first.wallMs);
    // The pool keeps them: the same work again creates nothing.
    const second = await profileKernels(run);
    expect([second.buffersCreated, second.bytesCreated, second.texturesCreated]).toEqual([0, 0, 0]);
  });

  it('refuses to nest', async (ctx) => {
    ctx.skip(!runtime().gpu.features.has('timestamp-query'), 'the adapter has no timestamp-query feature');
    let inner: Promise<unknown> | null = null;
    await profileKernels(() => {
      inner = profileKernels(() => undefined).catch((e: Error) => e);
    });
    expect(String(await inner)).toMatch(/already profiling/);
  });
});
