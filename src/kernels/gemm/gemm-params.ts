import { uniformLayout } from '../wgsl-struct.js';

/** gemm_common.wgsl's uniform block, shared by the register, workgroup and texture GEMM kernels. */
export const GEMM_PARAMS = uniformLayout('gemm_common', {
  M: 'u32', N: 'u32', K: 'u32', accumulate: 'u32',
  lda: 'u32', ldb: 'u32', ldo: 'u32', relu: 'u32',
  offA: 'u32', offB: 'u32', offO: 'u32', offBias: 'u32',
  strideA: 'u32', strideB: 'u32', strideO: 'u32', biasMode: 'u32',
  kSplit: 'u32', vecOut: 'u32', _p1: 'u32', _p2: 'u32',
});
