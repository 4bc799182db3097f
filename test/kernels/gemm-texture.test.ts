import { beforeAll, describe, expect } from 'vitest';
import { tensor } from '../../src/index.js';
import { gemmKernel } from '../../src/kernels/gemm/gemm.js';
import { runtime } from '../../src/device/current.js';
import { itWithPolicy, randomValues, setupDevice } from '../helpers.js';
import { check, label, type Case } from './gemm-check.js';

beforeAll(setupDevice);

describe('gemmKernel on textures', () => {
  // Small products too (not the small kernel's here).
  const itTex = itWithPolicy({ gemm: 'texture', sizing: 'cpu', textureGemm: { costScale: 0 }, smallGemmMacs: 0 });
  // The texture GEMM's own choice, by the measured costs.
  const itTexMeasured = itWithPolicy({ gemm: 'texture', sizing: 'cpu', smallGemmMacs: 0 });
  // The kernels (their last file) one product dispatches, not counting the poisoning of buffers.
  const kernels = (c: Case): string[] => {
    const a = tensor(randomValues(c.M * c.K, 1), c.transA ? [c.K, c.M] : [c.M, c.K]);
    const b = tensor(randomValues(c.K * c.N, 2), c.transB ? [c.N, c.K] : [c.K, c.N]);
    const rt = runtime();
    const seen: string[] = [];
    const dispatch = rt.dispatch;
    rt.dispatch = (spec, args) => {
      if (spec.entry !== 'fill') seen.push(`${spec.files[spec.files.length - 1]}${spec.overrides?.TRANSPOSE_OUT ? ' transposed' : ''}`);
      dispatch.call(rt, spec, args);
    };
    try {
      gemmKernel(a, b, { transA: c.transA, transB: c.transB }).dispose();
    } finally {
      rt.dispatch = dispatch;
      a.dispose();
      b.dispose();
    }
    return seen;
  };

  // Rows of 64·j floats are copied into their textures instead of packed by a kernel.
  const copied: Case[] = [
    { M: 130, N: 128, K: 192, bias: 'col', relu: true },
    { M: 128, N: 192, K: 64, transA: true },
    { M: 129, N: 128, K: 64, transB: true, bias: 'row' },
  ];
  for (const c of copied) {
    itTex(`copies operands whose rows are whole 256-byte multiples for ${label(c)}`, async () => {
      await check(c);
      expect(kernels(c)).toEqual([...(c.transA ? ['gemm_pack'] : []), ...(c.transB ? ['gemm_pack'] : []), 'gemm_texture']);
    });
  }

  // lavapipe's textures hold 16,384 rows: longer k runs as ranges whose products accumulate, the
  // epilogue after the last; rows are copied from an offset or packed from one.
  // (Outputs enough that k is not split across invocations instead.)
  const longK: Case[] = [
    { M: 128, N: 128, K: 20000, bias: 'col', relu: true },
    { M: 128, N: 130, K: 20000, transA: true, transB: true, bias: 'row' },
    { M: 130, N: 128, K: 16448, relu: true },
  ];
  for (const c of longK) {
    itTex(`splits k past the largest texture for ${label(c)}`, async () => {
      await check(c);
      const maxDim = runtime().gpu.limits.maxTextureDimension2D;
      const ranges = Math.ceil(c.K / (4 * Math.floor(maxDim / 4)));
      expect(kernels(c).filter((k) => k === 'gemm_texture')).toHaveLength(ranges);
    });
  }

  // A pooled texture holds the last product's operand: every texel must be written again.
  itTex('reuses its textures from product to product, readying each afresh', async () => {
    const textures = runtime().textures;
    // Packed with k = 60, then k = 57 in textures of the same size, where what the first left past
    // k must not count; then copied where the first was packed.
    await check({ M: 130, N: 70, K: 60, bias: 'col' }, 3);
    const created = textures.created;
    await check({ M: 130, N: 70, K: 57, transA: true, relu: true }, 5);
    await check({ M: 64, N: 64, K: 64 }, 7);
    await check({ M: 64, N: 64, K: 64, transB: true }, 9);
    expect(textures.created).toBe(created + 2);
    expect(textures.stats().liveTextures).toBe(0);
  });

  itTexMeasured('leaves products that reuse their operands too little to repay readying them to gemm.wgsl', () => {
    expect(kernels({ M: 29, N: 130, K: 64 })).toEqual(['gemm_pad', 'gemm']);
    // fc7's dx = g·W at a quarter of its size copies both operands and pays.
    expect(kernels({ M: 32, N: 1024, K: 1024 })).toEqual(['gemm_texture']);
    expect(kernels({ M: 64, N: 130, K: 64 })).toEqual(['gemm_pack', 'gemm_texture']);
  });

  itTexMeasured('runs a product as its transpose where that readies its operands for less', () => {
    // fc7's forward x·Wᵀ (a quarter of its size): W would be packed transposed; as (W·xᵀ)ᵀ, W is
    // copied and only x packed. Likewise a convolution's weight gradient g·colsᵀ.
    expect(kernels({ M: 32, N: 1024, K: 1024, transB: true })).toEqual(['gemm_pack', 'gemm_texture transposed']);
    expect(kernels({ M: 64, N: 400, K: 2048, transB: true })).toEqual(['gemm_pack', 'gemm_texture transposed']);
    expect(kernels({ M: 64, N: 384, K: 2048 })).toEqual(['gemm_texture']);
  });
});
