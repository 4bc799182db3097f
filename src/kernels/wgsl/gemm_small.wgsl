// The GEMM for products too small to gain from gemm.wgsl's 8×8 register blocks (policy.smallGemmMacs,
// gemm-plan.ts): a 4×4 block of outputs per invocation, both transposes read from the uniforms
// (p.transA, p.transB), one workgroup shape and no override, so that a single small pipeline runs
// every such product. lavapipe compiles each of gemm.wgsl's variants (8×8 outputs per invocation,
// unrolled) for seconds at first use, and this one in a fraction of that (bench/RESULTS.md,
// "Cold start"); 4×4 blocks load each operand element once per 4 multiply-adds.
//
// The operands are read one float at a time along their stored rows of lda / ldb elements (no
// padding to vec4s). Rows past M and columns past N are read clamped to the last one; their
// outputs are never stored. Workgroup z is the batch entry, or the range of k of a split-K product.
@group(0) @binding(1) var<storage, read> A: array<f32>;
@group(0) @binding(2) var<storage, read> B: array<f32>;

// Keep in step with SMALL_TILE and SMALL_WORKGROUP in gemm/gemm.ts.
const TM = 4u;
const TN = 4u;
const INVOCATIONS: u32 = 64u;

@compute @workgroup_size(INVOCATIONS)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let tilesN = (p.N + TN - 1u) / TN;
  let t = wid.x * INVOCATIONS + lid;
  if (t >= ((p.M + TM - 1u) / TM) * tilesN) { return; }
  let m0 = (t / tilesN) * TM;
  let n0 = (t % tilesN) * TN;
  let batch = wid.z;
  let K = kExtent(batch);
  let transA = p.transA != 0u;
  let transB = p.transB != 0u;
  // Steps between consecutive k, and where each of the block's rows of A and columns of B start.
  let stepA = select(1u, p.lda, transA);
  let stepB = select(p.ldb, 1u, transB);
  var a: array<u32, TM>;
  var b: array<u32, TN>;
  for (var i = 0u; i < TM; i++) {
    let m = min(m0 + i, p.M - 1u);
    a[i] = p.offA + batch * p.strideA + select(m * p.lda, m, transA);
  }
  for (var j = 0u; j < TN; j++) {
    let n = min(n0 + j, p.N - 1u);
    b[j] = p.offB + batch * p.strideB + select(n, n * p.ldb, transB);
  }
  var acc: array<vec4<f32>, TM>;
  for (var k = 0u; k < K; k++) {
    let bk = vec4<f32>(B[b[0] + k * stepB], B[b[1] + k * stepB], B[b[2] + k * stepB], B[b[3] + k * stepB]);
    for (var i = 0u; i < TM; i++) { acc[i] += A[a[i] + k * stepA] * bk; }
  }
  let baseO = p.offO + batch * p.strideO;
  for (var i = 0u; i < TM; i++) {
    let m = m0 + i;
    if (m >= p.M) { break; }
    for (var j = 0u; j < TN; j++) {
      let n = n0 + j;
      if (n < p.N) { storeOne(acc[i][j], baseO + m * p.ldo + n, m, n); }
    }
  }
}
