import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { embedding, gelu, layerNorm, memory, mul, nn, optim, sum, tensor, tidy, WebgradError, type Tensor } from '../../src/index.js';
import { expectClose, setupDevice } from '../helpers.js';

// PyTorch 1.13 references written by test/fixtures/transformer_ops.py (float64 from float32 inputs):
// each case's output and the gradients of sum(out · g).
beforeAll(setupDevice);

interface Stored {
  shape: number[];
  data: number[];
}
const fixtures = JSON.parse(readFileSync(new URL('../fixtures/transformer-ops.json', import.meta.url), 'utf8')) as Record<string, any[]>;
const t = (s: Stored, requiresGrad = false): Tensor => tensor(s.data, s.shape, { requiresGrad });
const values = async (x: Tensor | null): Promise<number[]> => Array.from((await x!.toArray()) as Float32Array);

/** Runs f on the case's inputs, backpropagates sum(out · g) and returns the output and the inputs' gradients. */
async function forwardBackward(inputs: Tensor[], g: Stored, f: (xs: Tensor[]) => Tensor): Promise<{ y: number[]; grads: (number[] | null)[] }> {
  const y = f(inputs);
  tidy(() => sum(mul(y, t(g))).backward());
  const result = { y: await values(y), grads: await Promise.all(inputs.map((x) => (x.grad ? values(x.grad) : null))) };
  y.dispose();
  for (const x of inputs) x.dispose();
  return result;
}

describe('gelu', () => {
  for (const c of fixtures.gelu) {
    it(`matches F.gelu(approximate='${c.approximate}') and its gradient, tails included`, async () => {
      const { y, grads } = await forwardBackward([t(c.x, true)], c.g, ([x]) => gelu(x, { approximate: c.approximate }));
      expectClose(y, c.y.data, 1e-5, 1e-7);
      expectClose(grads[0]!, c.dx.data, 1e-5, 1e-6);
    });
  }

  it('refuses an unknown approximate, as nn.GELU does', () => {
    const x = tensor([1, 2], [2]);
    expect(() => gelu(x, { approximate: 'erf' as 'none' })).toThrow(/approximate must be 'none' or 'tanh', got erf/);
    expect(() => new nn.GELU({ approximate: 'fast' as 'tanh' })).toThrow(WebgradError);
    x.dispose();
  });
});

describe('layerNorm', () => {
  for (const c of fixtures.layerNorm) {
    it(`matches F.layer_norm over ${JSON.stringify(c.normalizedShape)} of ${JSON.stringify(c.x.shape)} (affine ${c.affine}, eps ${c.eps})`, async () => {
      const inputs = [t(c.x, true), ...(c.affine ? [t(c.weight, true), t(c.bias, true)] : [])];
      const { y, grads } = await forwardBackward(inputs, c.g, ([x, w, b]) => layerNorm(x, c.normalizedShape, w, b, c.eps));
      expectClose(y, c.y.data, 1e-4, 1e-5);
      expectClose(grads[0]!, c.dx.data, 1e-4, 1e-5);
      if (c.affine) {
        expectClose(grads[1]!, c.dweight.data, 1e-4, 1e-5);
        expectClose(grads[2]!, c.dbias.data, 1e-4, 1e-5);
      }
    });
  }

  it('nn.LayerNorm: weight 1 and bias 0, named as PyTorch, and refuses x of another trailing shape', async () => {
    const norm = new nn.LayerNorm([2, 3], { eps: 1e-6 });
    expect(Object.keys(norm.stateDict())).toEqual(['weight', 'bias']);
    expect(await values(norm.weight)).toEqual([1, 1, 1, 1, 1, 1]);
    expect(await values(norm.bias)).toEqual([0, 0, 0, 0, 0, 0]);
    const x = tensor(new Float32Array(12).map((_, i) => i), [2, 2, 3]);
    const y = norm.forward(x);
    const rows = await values(y);
    // Each row of 6 normalised: mean 0, biased variance 1 (eps 1e-6).
    for (const row of [rows.slice(0, 6), rows.slice(6)]) {
      expect(row.reduce((a, b) => a + b, 0)).toBeCloseTo(0, 5);
      expect(row.reduce((a, b) => a + b * b, 0) / 6).toBeCloseTo(1, 4);
    }
    const wrong = tensor(new Float32Array(8).fill(1), [2, 4]);
    expect(() => norm.forward(wrong)).toThrow(/layerNorm: x \[2, 4\] must end in normalizedShape \[2, 3\]/);
    expect(Object.keys(new nn.LayerNorm(4, { elementwiseAffine: false }).stateDict())).toEqual([]);
    for (const d of [x, y, wrong]) d.dispose();
    norm.dispose();
  });
});

describe('misuse, refused before any GPU work', () => {
  it('names the argument and the shapes', () => {
    const x = tensor(new Float32Array(12).fill(1), [3, 4]);
    const w = tensor([1, 1, 1, 1], [4]);
    const ints = tensor([1, 2], [2], { dtype: 'int32' });
    expect(() => layerNorm(x, 4, w, null)).toThrow(/layerNorm: give both weight and bias or neither \(x \[3, 4\]\)/);
    expect(() => layerNorm(x, [4], tensor([1, 1], [2]), w)).toThrow(/layerNorm: weight \[2\] must have normalizedShape \[4\] \(x \[3, 4\]\)/);
    expect(() => layerNorm(x, [3, 4, 5])).toThrow(/layerNorm: x \[3, 4\] must end in normalizedShape \[3, 4, 5\]/);
    expect(() => layerNorm(x, 4, null, null, -1)).toThrow(/eps must be a finite number >= 0, got -1/);
    expect(() => layerNorm(x, 0)).toThrow(/normalizedShape must be a positive integer or a non-empty array of them, got 0/);
    expect(() => gelu(ints)).toThrow(/gelu: x must be float32, got int32/);
    expect(() => embedding(ints, ints)).toThrow(/embedding: weight must be float32, got int32/);
    expect(() => embedding(ints, w)).toThrow(/embedding: weight must be 2-D \[numEmbeddings, embeddingDim\], got \[4\]/);
    expect(() => new nn.TransformerEncoderLayer(4, 2, { activation: 'swish' as 'relu' })).toThrow(/activation must be 'relu', 'gelu' or a function, got swish/);
    for (const t of [x, w, ints]) t.dispose();
  });
});

describe('embedding', () => {
  for (const c of fixtures.embedding) {
    it(`matches F.embedding (index ${JSON.stringify(c.index.shape)}, paddingIdx ${c.paddingIdx}) and its gradient over repeated indices`, async () => {
      const index = tensor(c.index.data, c.index.shape, { dtype: 'int32' });
      const { y, grads } = await forwardBackward([t(c.weight, true)], c.g, ([w]) => embedding(index, w, { paddingIdx: c.paddingIdx }));
      expect(y).toEqual(c.y.data.map((v: number) => Math.fround(v)));
      expectClose(grads[0]!, c.dweight.data, 1e-6, 1e-6);
      index.dispose();
    });
  }

  it('nn.Embedding: weight N(0, 1) with the paddingIdx row zero, shape [...index, dim]', async () => {
    const emb = new nn.Embedding(300, 40, { paddingIdx: -2, seed: 5 });
    expect(emb.paddingIdx).toBe(298);
    const w = await values(emb.weight);
    expect(w.slice(298 * 40, 299 * 40)).toEqual(new Array(40).fill(0));
    const mean = w.reduce((a, b) => a + b, 0) / w.length;
    const variance = w.reduce((a, b) => a + (b - mean) ** 2, 0) / w.length;
    expect(Math.abs(mean)).toBeLessThan(0.02);
    expect(variance).toBeGreaterThan(0.93);
    expect(variance).toBeLessThan(1.07);
    const index = tensor([[1, 2, 3]], [1, 3], { dtype: 'int32' });
    const out = emb.forward(index);
    expect(out.shape).toEqual([1, 3, 40]);
    expect(await values(out)).toEqual(w.slice(40, 160));
    expect(() => emb.forward(tensor([1], [1]))).toThrow(/embedding: input must hold int32 indices, got float32/);
    expect(() => new nn.Embedding(4, 2, { paddingIdx: 4 })).toThrow(/paddingIdx must be an integer in \[-4, 4\), got 4/);
    out.dispose();
    index.dispose();
    emb.dispose();
  });

  it('reports an index out of range at the next readback', async () => {
    const w = tensor(new Float32Array(6).fill(1), [3, 2]);
    const out = embedding(tensor([0, 3], [2], { dtype: 'int32' }), w);
    await expect(out.toArray()).rejects.toThrow(/index/);
    out.dispose();
    w.dispose();
  });
});

describe('clipGradNorm', () => {
  for (const c of fixtures.clipGradNorm) {
    it(`matches clip_grad_norm_ with maxNorm ${c.maxNorm}: the total norm and the scaled gradients`, async () => {
      const params = c.grads.map((g: Stored) => tensor(new Float32Array(g.data.length), g.shape, { requiresGrad: true }));
      params.forEach((p: Tensor, i: number) => (p.grad = t(c.grads[i])));
      const before = params.map((p: Tensor) => p.grad);
      const total = optim.clipGradNorm(params, c.maxNorm);
      expect(await total.item()).toBeCloseTo(c.total, 5);
      for (let i = 0; i < params.length; i++) {
        expect(params[i].grad).toBe(before[i]);
        expectClose(await values(params[i].grad), c.clipped[i].data, 1e-5, 1e-7);
      }
      total.dispose();
      for (const p of params) p.dispose();
    });
  }

  it('gives 0 without gradients, the largest |g| for normType Infinity, and refuses a bad maxNorm', async () => {
    const p = tensor([1, 2, 3], [3], { requiresGrad: true });
    const none = optim.clipGradNorm([p], 1);
    expect(await none.item()).toBe(0);
    p.grad = tensor([0.5, -4, 2], [3]);
    const inf = optim.clipGradNorm([p], 2, { normType: Infinity });
    expect(await inf.item()).toBe(4);
    expectClose(await values(p.grad), [0.25, -2, 1], 1e-6, 1e-7);
    expect(() => optim.clipGradNorm([p], -1)).toThrow(/maxNorm must be a number >= 0, got -1/);
    expect(() => optim.clipGradNorm([p], 1, { normType: 1 })).toThrow(/normType must be 2 or Infinity/);
    for (const d of [none, inf, p]) d.dispose();
  });
});

describe('CosineWarmupLR and AdamW param groups', () => {
  it('warms up linearly, then follows the cosine to its floor', () => {
    const opt = { lr: 0.1 };
    const s = new optim.CosineWarmupLR(opt, { warmupSteps: 4, totalSteps: 14, minLrRatio: 0.1 });
    const lrs = [opt.lr];
    for (let i = 0; i < 15; i++) {
      s.step();
      lrs.push(opt.lr);
    }
    const expected = Array.from({ length: 16 }, (_, t) =>
      t < 4 ? (0.1 * t) / 4 : 0.1 * (0.1 + 0.9 * 0.5 * (1 + Math.cos(Math.PI * Math.min(1, (t - 4) / 10)))),
    );
    expectClose(lrs, expected, 1e-12, 1e-15);
    expect(lrs[4]).toBeCloseTo(0.1, 12);
    expect(lrs[15]).toBeCloseTo(0.01, 12);
    expect(() => new optim.CosineWarmupLR(opt, { warmupSteps: 5, totalSteps: 4 })).toThrow(/warmupSteps must be an integer in \[0, totalSteps = 4\]/);
  });

  it('AdamW decays only the parameters of groups with weight decay', async () => {
    const decayed = tensor([1, -2], [2], { requiresGrad: true });
    const plain = tensor([1, -2], [2], { requiresGrad: true });
    const opt = new optim.AdamW([{ params: [decayed] }, { params: [plain], weightDecay: 0 }], { lr: 0.1, weightDecay: 0.5 });
    expect(opt.weightDecays).toEqual([0.5, 0]);
    for (const p of [decayed, plain]) p.grad = tensor([1, 1], [2]);
    opt.step();
    // Adam's first step moves each by lr·sign(g); AdamW first shrinks by (1 − lr·wd).
    expectClose(await values(plain), [0.9, -2.1], 1e-6, 1e-6);
    expectClose(await values(decayed), [0.95 - 0.1, -1.9 - 0.1], 1e-6, 1e-6);
    opt.dispose();
    decayed.dispose();
    plain.dispose();
  });

});
