import { beforeAll, describe, expect, it } from 'vitest';
import { linear, matmul, tensor } from '../../src/index.js';
import { asF32, expectClose, randomValues, setupDevice } from '../helpers.js';
import { reference } from './gemm-check.js';

beforeAll(setupDevice);

/** float64 C = op(A)·op(B) for 2-D row-major operands. */
function mm(A: ArrayLike<number>, B: ArrayLike<number>, M: number, K: number, N: number, ta = false, tb = false): Float64Array {
  return reference({ M, N, K, transA: ta, transB: tb }, Float64Array.from(A), Float64Array.from(B), null);
}

describe('matmul', () => {
  it('multiplies 2-D operands and backpropagates dA = g·Bᵀ, dB = Aᵀ·g', async () => {
    const [M, K, N] = [7, 13, 10];
    const A = asF32(randomValues(M * K, 11));
    const B = asF32(randomValues(K * N, 12));
    const G = asF32(randomValues(M * N, 13));
    const a = tensor(A, [M, K], { requiresGrad: true });
    const b = tensor(B, [K, N], { requiresGrad: true });
    const y = matmul(a, b);
    expectClose(await y.toArray(), mm(A, B, M, K, N), 1e-5, 1e-5);
    y.backward(tensor(G, [M, N]));
    expectClose(await a.grad!.toArray(), mm(G, B, M, N, K, false, true), 1e-5, 1e-5);
    expectClose(await b.grad!.toArray(), mm(A, G, K, M, N, true, false), 1e-5, 1e-5);
  });

  // [batchA, batchB] with 0 for a 2-D operand: gradients of broadcast operands sum over the batch.
  const pairs: [number, number][] = [
    [3, 3],
    [3, 0],
    [0, 3],
    [1, 3],
    [3, 1],
  ];
  for (const [ba, bb] of pairs) {
    it(`backpropagates through a batched product (batch a ${ba}, b ${bb})`, async () => {
      const [M, K, N] = [5, 6, 9];
      const batch = Math.max(ba, bb);
      const A = asF32(randomValues((ba || 1) * M * K, 21));
      const B = asF32(randomValues((bb || 1) * K * N, 22));
      const G = asF32(randomValues(batch * M * N, 23));
      const a = tensor(A, ba ? [ba, M, K] : [M, K], { requiresGrad: true });
      const b = tensor(B, bb ? [bb, K, N] : [K, N], { requiresGrad: true });
      const y = matmul(a, b);
      expect(y.shape).toEqual([batch, M, N]);
      const dA = new Float64Array((ba || 1) * M * K);
      const dB = new Float64Array((bb || 1) * K * N);
      const Y = new Float64Array(batch * M * N);
      for (let t = 0; t < batch; t++) {
        const At = A.subarray((ba > 1 ? t : 0) * M * K, ((ba > 1 ? t : 0) + 1) * M * K);
        const Bt = B.subarray((bb > 1 ? t : 0) * K * N, ((bb > 1 ? t : 0) + 1) * K * N);
        const Gt = G.subarray(t * M * N, (t + 1) * M * N);
        Y.set(mm(At, Bt, M, K, N), t * M * N);
        const da = mm(Gt, Bt, M, N, K, false, true);
        const db = mm(At, Gt, K, M, N, true, false);
        da.forEach((v, i) => (dA[(ba > 1 ? t * M * K : 0) + i] += v));
        db.forEach((v, i) => (dB[(bb > 1 ? t * K * N : 0) + i] += v));
      }
      expectClose(await y.toArray(), Y, 1e-5, 1e-5);
      y.backward(tensor(G, [batch, M, N]));
      expect(a.grad!.shape).toEqual(a.shape);
      expect(b.grad!.shape).toEqual(b.shape);
      expectClose(await a.grad!.toArray(), dA, 1e-5, 1e-5);
      expectClose(await b.grad!.toArray(), dB, 1e-5, 1e-5);
    });
  }

  it('names both shapes when they do not fit', () => {
    const a = tensor(randomValues(6, 1), [2, 3]);
    const b = tensor(randomValues(20, 2), [4, 5]);
    expect(() => matmul(a, b)).toThrow(/\[2, 3\].*\[4, 5\]/);
    const c = tensor(randomValues(24, 3), [2, 3, 4]);
    const d = tensor(randomValues(60, 4), [3, 4, 5]);
    expect(() => matmul(c, d)).toThrow(/batch.*\[2, 3, 4\].*\[3, 4, 5\]/);
    const e = tensor(randomValues(3, 5), [3]);
    expect(() => matmul(e, b)).toThrow(/inner dimensions differ \(3 vs 4\).*\[3\].*\[4, 5\]/);
  });
});

describe('linear', () => {
  it('computes x·Wᵀ + b and backpropagates dx = g·W, dW = gᵀ·x, db = Σ g', async () => {
    const [B, IN, OUT] = [6, 11, 5];
    const X = asF32(randomValues(B * IN, 31));
    const W = asF32(randomValues(OUT * IN, 32));
    const BIAS = asF32(randomValues(OUT, 33));
    const G = asF32(randomValues(B * OUT, 34));
    const x = tensor(X, [B, IN], { requiresGrad: true });
    const w = tensor(W, [OUT, IN], { requiresGrad: true });
    const bias = tensor(BIAS, [OUT], { requiresGrad: true });
    const y = linear(x, w, bias);
    const Y = mm(X, W, B, IN, OUT, false, true).map((v, i) => v + BIAS[i % OUT]);
    expectClose(await y.toArray(), Y, 1e-5, 1e-5);
    y.backward(tensor(G, [B, OUT]));
    expectClose(await x.grad!.toArray(), mm(G, W, B, OUT, IN), 1e-5, 1e-5);
    expectClose(await w.grad!.toArray(), mm(G, X, OUT, B, IN, true, false), 1e-5, 1e-5);
    const db = new Float64Array(OUT);
    G.forEach((v, i) => (db[i % OUT] += v));
    expectClose(await bias.grad!.toArray(), db, 1e-5, 1e-5);
  });

  it('takes leading dimensions and no bias', async () => {
    const X = asF32(randomValues(2 * 3 * 4, 41));
    const W = asF32(randomValues(7 * 4, 42));
    const x = tensor(X, [2, 3, 4]);
    const w = tensor(W, [7, 4], { requiresGrad: true });
    const y = linear(x, w);
    expect(y.shape).toEqual([2, 3, 7]);
    expectClose(await y.toArray(), mm(X, W, 6, 4, 7, false, true), 1e-5, 1e-5);
    const G = asF32(randomValues(6 * 7, 43));
    y.backward(tensor(G, [2, 3, 7]));
    expect(x.grad).toBeNull();
    expectClose(await w.grad!.toArray(), mm(G, X, 7, 6, 4, true, false), 1e-5, 1e-5);
  });

  it('names the shapes of bad arguments', () => {
    const x = tensor(randomValues(6, 1), [2, 3]);
    const w = tensor(randomValues(20, 2), [5, 4]);
    expect(() => linear(x, w)).toThrow(/x \[2, 3\].*weight \[5, 4\]/);
    const w3 = tensor(randomValues(15, 3), [5, 3]);
    const b = tensor(randomValues(4, 4), [4]);
    expect(() => linear(x, w3, b)).toThrow(/bias \[4\].*\[5, 3\]/);
  });
});

