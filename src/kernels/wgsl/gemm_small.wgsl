// requires: gemm_common
// The GEMM for products too small to gain from gemm.wgsl's 8×8 register blocks (policy.smallGemmMacs,
// gemm-plan.ts): one output per invocation, both transposes read from the uniforms (p.transA, p.transB),
// no loop unrolled and one workgroup shape, so that a single small pipeline runs every such product.
// lavapipe compiles each of gemm.wgsl's variants (transposes × workgroup shape, 8×8 outputs per
// invocation unrolled) for seconds at first use, and this one in a fraction of that
// (bench/RESULTS.md, "Cold start"); a 4×4 block per invocation ran mid-sized products faster but
// took lavapipe 5× as long to compile. gemm_common.wgsl has the parameters and the epilogue.
//
// The operands are read one float at a time along their stored rows of lda / ldb elements (no
// padding to vec4s). Workgroup z is the batch entry, or the range of k of a split-K product.
@group(0) @binding(1) var<storage, read> A: array<f32>;
@group(0) @binding(2) var<storage, read> B: array<f32>;

const INVOCATIONS: u32 = 64u;

@compute @workgroup_size(INVOCATIONS)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let i = wid.x * INVOCATIONS + lid;
  if (i >= p.M * p.N) { return; }
  let m = i / p.N;
  let n = i % p.N;
  let batch = wid.z;
  let K = kExtent(batch);
  let transA = p.transA != 0u;
  let transB = p.transB != 0u;
  // Steps between consecutive k, and the start of this output's row of A and column of B.
  let stepA = select(1u, p.lda, transA);
  let stepB = select(p.ldb, 1u, transB);
  var a = p.offA + batch * p.strideA + select(m * p.lda, m, transA);
  var b = p.offB + batch * p.strideB + select(n, n * p.ldb, transB);
  var acc = 0.0;
  for (var k = 0u; k < K; k++) {
    acc += A[a] * B[b];
    a += stepA;
    b += stepB;
  }
  storeOne(acc, p.offO + batch * p.strideO + m * p.ldo + n, m, n);
}
