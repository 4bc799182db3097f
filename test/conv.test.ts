import { beforeAll, describe, expect, it } from 'vitest';
import { conv2d, gradCheck, mul, sum, tensor, withPolicy, WebgradError, type Tensor } from '../src/index.js';
import { runtime } from '../src/device/current.js';
import { asF32, expectClose, randomValues, setupDevice } from './helpers.js';
import { loadFixtures } from './fixtures/load.js';
import { geometry, reference } from './conv-reference.js';

beforeAll(setupDevice);

const fixtures = loadFixtures();

async function values(t: Tensor | null): Promise<Float32Array> {
  if (!t) throw new Error('missing tensor');
  return (await t.toArray()) as Float32Array;
}

const pair = (v: number | number[]): [number, number] => (typeof v === 'number' ? [v, v] : [v[0], v[1]]);

describe('conv2d against PyTorch', () => {
  for (const f of fixtures.conv) {
    it(f.name, async () => {
      const x = tensor(f.x.data, f.x.shape, { requiresGrad: true });
      const w = tensor(f.weight.data, f.weight.shape, { requiresGrad: true });
      const b = f.bias ? tensor(f.bias, [f.weight.shape[0]], { requiresGrad: true }) : null;
      const out = conv2d(x, w, b, { stride: pair(f.stride), padding: pair(f.padding) });
      expect(out.shape).toEqual(f.out.shape);
      expectClose(await values(out), f.out.data, 1e-4, 1e-5);
      out.backward(tensor(f.gout, f.out.shape));
      expectClose(await values(x.grad), f.gx, 1e-4, 1e-5);
      expectClose(await values(w.grad), f.gw, 1e-4, 1e-5);
      if (b) expectClose(await values(b.grad), f.gb, 1e-4, 1e-5);
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
      ...(c.gemm ? { gemm: c.gemm } : {}),
      ...(c.gemm === 'texture' ? { textureGemm: { costScale: 0 } } : {}),
    } as const;
    it(`${c.name} (${cpu ? 'CPU' : 'GPU'} forms)`, () => withPolicy(policy, async () => {
      const g = geometry(c.xs, c.ws, c.stride, c.pad);
      const xv = asF32(randomValues(c.xs.reduce((a, b) => a * b), 11));
      const wv = asF32(randomValues(c.ws.reduce((a, b) => a * b), 12, 0.5));
      const bv = asF32(randomValues(g.cout, 13));
      const gv = asF32(randomValues(g.n * g.cout * g.oh * g.ow, 14));
      const ref = reference(g, xv, wv, bv, gv);
      const x = tensor(xv, c.xs, { requiresGrad: true });
      const w = tensor(wv, c.ws, { requiresGrad: true });
      const b = tensor(bv, [g.cout], { requiresGrad: true });
      const { dispatches, copies } = runtime().counters;
      const out = conv2d(x, w, b, { stride: c.stride, padding: c.pad });
      if (c.chunkBytes) expect(runtime().counters.dispatches - dispatches).toBeGreaterThan(6);
      // The columns (36 rows of 192 floats: 2·90 columns and 12 of zeros) are copied, not packed.
      if (c.gemm === 'texture') expect(runtime().counters.copies - copies).toBeGreaterThan(0);
      expectClose(await values(out), ref.out, 1e-4, 1e-5);
      out.backward(tensor(gv, out.shape));
      expectClose(await values(x.grad), ref.gx, 1e-4, 1e-5);
      expectClose(await values(w.grad), ref.gw, 1e-4, 1e-5);
      expectClose(await values(b.grad), ref.gb, 1e-4, 1e-5);
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
    const x = tensor(randomValues(1 * 2 * 5 * 4, 21), [1, 2, 5, 4], { requiresGrad: true });
    const w = tensor(randomValues(2 * 2 * 3 * 2, 22), [2, 2, 3, 2], { requiresGrad: true });
    const b = tensor(randomValues(2, 23), [2], { requiresGrad: true });
    const weights = tensor(randomValues(2 * 3 * 5, 24), [1, 2, 3, 5]);
    const result = await gradCheck((x, w, b) => sum(mul(conv2d(x, w, b, { stride: [2, 1], padding: [1, 1] }), weights)), [x, w, b], { eps: 1e-2 });
    expect(result.maxRelativeError).toBeLessThan(1e-2);
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
