import type * as tfjs from '@tensorflow/tfjs';
import type { BenchCase, Side } from '../case.js';
import { tensor, type Tensor } from '../../src/index.js';
import { describeGemm, gemmKernel, type GemmOptions } from '../../src/kernels/gemm/gemm.js';
import { gemmAutotuner } from '../../src/kernels/gemm/gemm-autotune.js';

/** Deterministic values in [-1, 1) (mulberry32), the same for both sides of a case. */
export function values(n: number, seed: number): Float32Array {
  let a = seed >>> 0;
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    out[i] = (((t ^ (t >>> 14)) >>> 0) / 4294967296) * 2 - 1;
  }
  return out;
}

/** One GEMM op(A)·op(B) with A, B as stored ([M, K] or [K, M]; [K, N] or [N, K]). */
function gemmCase(group: string, name: string, M: number, N: number, K: number, transA: boolean, transB: boolean): BenchCase {
  const shapeA = transA ? [K, M] : [M, K];
  const shapeB = transB ? [N, K] : [K, N];
  const fmtOp = (s: number[], t: boolean) => `${s.join('x')}${t ? 'ᵀ' : ''}`;
  let data: [Float32Array, Float32Array] | null = null;
  const inputs = () => (data ??= [values(M * K, 1), values(K * N, 2)]);
  return {
    group,
    name,
    shape: `${fmtOp(shapeA, transA)} · ${fmtOp(shapeB, transB)}`,
    flops: 2 * M * N * K,
    rtol: 1e-3,
    async webgrad(): Promise<Side> {
      const [A, B] = inputs();
      const a = tensor(A, shapeA);
      const b = tensor(B, shapeB);
      const options: GemmOptions = { transA, transB };
      // A first product tunes the configuration of its shape class (GPUs), outside the timing.
      gemmKernel(a, b, options).dispose();
      await gemmAutotuner()?.settled();
      let out: Tensor | null = null;
      return {
        note: describeGemm(a, b, options),
        run() {
          out?.dispose();
          out = gemmKernel(a, b, options);
        },
        result: async () => (await out!.toArray()) as Float32Array,
        dispose() {
          out?.dispose();
          a.dispose();
          b.dispose();
        },
      };
    },
    async tfjs(tf: typeof tfjs): Promise<Side> {
      const [A, B] = inputs();
      const a = tf.tensor(A, shapeA);
      const b = tf.tensor(B, shapeB);
      let out: tfjs.Tensor | null = null;
      return {
        run() {
          out?.dispose();
          out = tf.matMul(a, b, transA, transB);
        },
        result: async () => (await out!.data()) as Float32Array,
        dispose() {
          out?.dispose();
          a.dispose();
          b.dispose();
        },
      };
    },
  };
}

const square = [256, 512, 1024, 2048, 4096].map((n) => ({
  ...gemmCase('gemm', `square ${n}`, n, n, n, false, false),
  large: n > 1024,
}));

/**
 * AlexNet's fully connected layers at batch 32, as `linear` runs them: forward y = x·Wᵀ, backward
 * dx = g·W and dW = gᵀ·x (W is [out, in]).
 */
const fc = [
  [9216, 4096, 'fc6'],
  [4096, 4096, 'fc7'],
  [4096, 10, 'fc8'],
].flatMap(([inF, outF, layer]) => {
  const [i, o] = [inF as number, outF as number];
  return [
    gemmCase('gemm', `${layer} forward x·Wᵀ`, 32, o, i, false, true),
    gemmCase('gemm', `${layer} dx = g·W`, 32, i, o, false, false),
    gemmCase('gemm', `${layer} dW = gᵀ·x`, o, i, 32, true, false),
  ];
});

const quick = new Set(['square 256', 'square 1024', 'fc7 forward x·Wᵀ', 'fc8 forward x·Wᵀ']);
export const cases: BenchCase[] = [...square, ...fc].map((c) => ({ ...c, quick: quick.has(c.name) }));
