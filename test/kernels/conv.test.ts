import { beforeAll, describe, expect, it } from 'vitest';
import { conv2d, sum, tensor, withPolicy, WebgradError } from '../../src/index.js';
import { runtime } from '../../src/device/current.js';
import { randomValues, setupDevice } from '../helpers.js';
import { loadFixtures } from '../fixtures/load.js';
import { expectConvGradCheck, expectConvMatchesFixture, expectConvMatchesReference } from '../conv-reference.js';

beforeAll(setupDevice);

const fixtures = loadFixtures();

describe('conv2d against PyTorch', () => {
  for (const f of fixtures.conv) {
    it(f.name, async () => {
      await expectConvMatchesFixture(f);
    });
  }
});

describe('conv2d against a float64 reference', () => {
  // gemm: 'texture' runs every product on the texture GEMM, whose wide operands' rows (64·j
  // floats apart, zero past the chunk's columns) are copied in; 'registers' keeps rows nb·L apart.
  const cases: { name: string; xs: number[]; ws: number[]; stride: [number, number]; pad: [number, number]; chunkBytes?: number; gemm?: 'texture' | 'registers' }[] = [
    { name: 'odd sizes, 5x3 kernel', xs: [2, 3, 11, 9], ws: [7, 3, 5, 3], stride: [2, 1], pad: [2, 1] },
    // Each chunk's columns hold 3·3·3 rows × oh·ow: a 2 kB cap fits one sample, so 3 chunks.
    { name: 'batch split into chunks', xs: [3, 3, 8, 7], ws: [5, 3, 3, 3], stride: [1, 1], pad: [1, 1], chunkBytes: 4 * 27 * 56 + 16 },
    { name: 'two samples per chunk', xs: [5, 2, 6, 6], ws: [4, 2, 3, 3], stride: [2, 2], pad: [0, 0], chunkBytes: 4 * 18 * 4 * 2 },
    { name: 'wide rows copied into textures', xs: [2, 4, 9, 10], ws: [8, 4, 3, 3], stride: [1, 1], pad: [1, 1], gemm: 'texture' },
    { name: 'wide rows nb·L apart (gemm.wgsl)', xs: [2, 3, 11, 9], ws: [7, 3, 5, 3], stride: [2, 1], pad: [2, 1], gemm: 'registers' },
  ];
  // Both kernel forms (im2col, split-K): a CPU adapter's and a GPU's, on im2col on any adapter (a
  // GPU's default, the implicit form, is conv-implicit.test.ts's).
  for (const cpu of [true, false]) for (const c of cases) {
    const policy = {
      conv: 'im2col',
      sizing: cpu ? 'cpu' : 'gpu',
      convChunkBytes: c.chunkBytes ?? null,
      // A named GEMM kernel runs these small products too, not the small kernel.
      ...(c.gemm ? { gemm: c.gemm, smallGemmMacs: 0 } : {}),
      ...(c.gemm === 'texture' ? { textureGemm: { costScale: 0 } } : {}),
    } as const;
    it(`${c.name} (${cpu ? 'CPU' : 'GPU'} forms)`, () => withPolicy(policy, async () => {
      await expectConvMatchesReference(c, 11, (forward) => {
        const { dispatches, copies } = runtime().counters;
        const out = forward();
        if (c.chunkBytes) expect(runtime().counters.dispatches - dispatches).toBeGreaterThan(6);
        // The columns (36 rows of 192 floats: 2·90 columns and 12 of zeros) are copied, not packed.
        if (c.gemm === 'texture') expect(runtime().counters.copies - copies).toBeGreaterThan(0);
        return out;
      });
    }));
  }

  it('leaves gradients of inputs that do not require grad alone', async () => {
    const x = tensor(randomValues(2 * 2 * 5 * 5, 3), [2, 2, 5, 5]);
    const w = tensor(randomValues(3 * 2 * 3 * 3, 4), [3, 2, 3, 3], { requiresGrad: true });
    const out = conv2d(x, w);
    sum(out).backward();
    expect(x.grad).toBeNull();
    expect(w.grad?.shape).toEqual([3, 2, 3, 3]);
  });
});

describe('conv2d gradients by finite differences', () => {
  it('input, weight and bias on a tiny strided, padded shape', async () => {
    await expectConvGradCheck(21);
  });
});

describe('conv2d input checks', () => {
  const ok = () => ({ x: tensor(randomValues(2 * 3 * 5 * 5, 1), [2, 3, 5, 5]), w: tensor(randomValues(4 * 3 * 3 * 3, 2), [4, 3, 3, 3]) });

  it('rejects a channel mismatch, naming both shapes', () => {
    const { x } = ok();
    const w = tensor(randomValues(4 * 2 * 3 * 3, 2), [4, 2, 3, 3]);
    expect(() => conv2d(x, w)).toThrow(WebgradError);
    expect(() => conv2d(x, w)).toThrow(/weight \[4, 2, 3, 3\].*x \[2, 3, 5, 5\]/);
  });

  it('rejects a kernel larger than the padded input', () => {
    const x = tensor(randomValues(1 * 3 * 4 * 4, 1), [1, 3, 4, 4]);
    const w = tensor(randomValues(2 * 3 * 7 * 7, 2), [2, 3, 7, 7]);
    expect(() => conv2d(x, w, null, { padding: 1 })).toThrow(/kernel \[2, 3, 7, 7\].*larger than the padded input.*\[1, 3, 4, 4\]/);
  });

  it('rejects negative padding, zero stride, bad bias, wrong rank and dtype without any GPU work', () => {
    const { x, w } = ok();
    const disposed = tensor([1, 2, 3, 4], [4]);
    disposed.dispose();
    const b3 = tensor([1, 2, 3], [3]);
    const xi = tensor(new Array(2 * 3 * 5 * 5).fill(1), [2, 3, 5, 5], { dtype: 'int32' });
    const before = runtime().counters.dispatches;
    expect(() => conv2d(x, w, null, { padding: -1 })).toThrow(/padding must be an integer >= 0.*-1/);
    expect(() => conv2d(x, w, null, { stride: [1, 0] })).toThrow(/stride must be an integer >= 1.*\[1, 0\]/);
    expect(() => conv2d(x, w, disposed)).toThrow(/bias.*after dispose/);
    expect(() => conv2d(x, w, b3)).toThrow(/bias must be \[4\].*\[3\]/);
    expect(() => conv2d(x.reshape([6, 5, 5]), w)).toThrow(/x must be \[N, C, H, W\], got \[6, 5, 5\]/);
    expect(() => conv2d(xi, w)).toThrow(/x must be float32, got int32/);
    expect(runtime().counters.dispatches).toBe(before);
  });
});
