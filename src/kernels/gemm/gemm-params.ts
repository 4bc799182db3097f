import { constantNames, uniformLayout } from '../../runtime/wgsl-struct.js';

/**
 * Where the epilogue adds a bias: none, bias[n] to column n, or bias[m] to row m. gemm_common.wgsl
 * and gemm_sum.wgsl name them BIAS_NONE, BIAS_PER_COLUMN and BIAS_PER_ROW.
 */
export const BIAS_MODES = { none: 0, perColumn: 1, perRow: 2 } as const;
export type BiasMode = (typeof BIAS_MODES)[keyof typeof BIAS_MODES];
export const GEMM_BIAS_CODES = constantNames('gemm_common', 'BIAS_', BIAS_MODES);
export const GEMM_SUM_BIAS_CODES = constantNames('gemm_sum', 'BIAS_', BIAS_MODES);

/** gemm_common.wgsl's uniform block, shared by the register, workgroup and texture GEMM kernels. */
export const GEMM_PARAMS = uniformLayout('gemm_common', {
  M: 'u32', N: 'u32', K: 'u32', accumulate: 'u32',
  lda: 'u32', ldb: 'u32', ldo: 'u32', relu: 'u32',
  offA: 'u32', offB: 'u32', offO: 'u32', offBias: 'u32',
  strideA: 'u32', strideB: 'u32', strideO: 'u32', biasMode: 'u32',
  kSplit: 'u32', vecOut: 'u32', transA: 'u32', transB: 'u32',
  wgX: 'u32', _p0: 'u32', _p1: 'u32', _p2: 'u32',
});
