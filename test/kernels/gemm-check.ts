// The GEMM tests' shared case, float64 reference and check (gemm-kernel, gemm-texture and matmul test files).
import { expect } from 'vitest';
import { tensor } from '../../src/index.js';
import { gemmKernel, type GemmOptions } from '../../src/kernels/gemm/gemm.js';
import { asF32, expectClose, randomValues } from '../helpers.js';

export interface Case {
  M: number;
  N: number;
  K: number;
  transA?: boolean;
  transB?: boolean;
  /** Batch entries of a and b; 0 means a 2-D operand. */
  batchA?: number;
  batchB?: number;
  bias?: 'col' | 'row';
  relu?: boolean;
  /** A configuration of gemm_workgroup.wgsl to force. */
  config?: string;
  /** An element of A set to NaN (its row of the output is NaN, through the relu too, as PyTorch's). */
  nanAt?: number;
}

/** float64 reference of out[b] = op(A[b])·op(B[b]) (+ bias) (relu), operands as stored. */
export function reference(c: Case, A: Float64Array, B: Float64Array, bias: Float64Array | null): Float64Array {
  const { M, N, K } = c;
  const batch = Math.max(c.batchA || 1, c.batchB || 1);
  const out = new Float64Array(batch * M * N);
  for (let bt = 0; bt < batch; bt++) {
    const oa = (c.batchA ?? 0) > 1 ? bt * M * K : 0;
    const ob = (c.batchB ?? 0) > 1 ? bt * K * N : 0;
    for (let m = 0; m < M; m++) {
      for (let n = 0; n < N; n++) {
        let s = 0;
        for (let k = 0; k < K; k++) {
          s += A[oa + (c.transA ? k * M + m : m * K + k)] * B[ob + (c.transB ? n * K + k : k * N + n)];
        }
        if (bias) s += bias[c.bias === 'row' ? m : n];
        out[(bt * M + m) * N + n] = c.relu ? Math.max(s, 0) : s;
      }
    }
  }
  return out;
}

export async function check(c: Case, seed = 1): Promise<void> {
  const { M, N, K } = c;
  const shapeA = c.transA ? [K, M] : [M, K];
  const shapeB = c.transB ? [N, K] : [K, N];
  const A = asF32(randomValues((c.batchA || 1) * M * K, seed));
  const B = asF32(randomValues((c.batchB || 1) * K * N, seed + 1));
  if (c.nanAt !== undefined) A[c.nanAt] = Number.NaN;
  const bias = c.bias ? asF32(randomValues(c.bias === 'row' ? M : N, seed + 2)) : null;
  const a = tensor(A, c.batchA ? [c.batchA, ...shapeA] : shapeA);
  const b = tensor(B, c.batchB ? [c.batchB, ...shapeB] : shapeB);
  const options: GemmOptions = { transA: c.transA, transB: c.transB, relu: c.relu, config: c.config };
  if (bias) {
    options.bias = tensor(bias);
    options.biasAxis = c.bias;
  }
  const out = gemmKernel(a, b, options);
  const batch = Math.max(c.batchA || 1, c.batchB || 1);
  expect(out.shape).toEqual(c.batchA || c.batchB ? [batch, M, N] : [M, N]);
  expectClose(await out.toArray(), reference(c, A, B, bias), 1e-4, 1e-5 * Math.sqrt(K + 1));
  for (const t of [a, b, out, options.bias]) t?.dispose();
}

export const label = (c: Case): string => JSON.stringify(c).replace(/"/g, '');
