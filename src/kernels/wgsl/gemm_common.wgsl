// What the GEMM kernels (gemm.wgsl, gemm_small.wgsl, gemm_workgroup.wgsl, gemm_texture.wgsl) share: their parameters, bindings and the
// store of one row of 4 outputs. out[b] = op(A[b]) · op(B[b]) (+ bias) (relu).
struct Params {
  M: u32, N: u32, K: u32, accumulate: u32,
  // Leading dimensions (elements per stored row) and element offsets of this panel in its binding.
  lda: u32, ldb: u32, ldo: u32, relu: u32,
  offA: u32, offB: u32, offO: u32, offBias: u32,
  // Batch strides in elements (0 where an operand broadcasts); biasMode one of BIAS_*.
  strideA: u32, strideB: u32, strideO: u32, biasMode: u32,
  // Split-K: when not 0, workgroup z takes k from z·kSplit to (z+1)·kSplit (the batch strides step
  // along k) and writes its partial sums for gemm_sum to add. transA, transB (not 0: A stored
  // [K, M], B stored [N, K]) are gemm_small.wgsl's; the other kernels take theirs as overrides.
  kSplit: u32, vecOut: u32, transA: u32, transB: u32,
  // gemm.wgsl's and gemm_texture.wgsl's workgroup shape: 64 invocations, wgX along n (a power of 2),
  // 64 / wgX along m; a uniform, so that every shape runs on one pipeline.
  wgX: u32, _p0: u32, _p1: u32, _p2: u32,
}
// The bias modes, as BIAS_MODES in kernels/gemm/gemm-params.ts (checked when the pipeline is created).
const BIAS_NONE: u32 = 0u;
const BIAS_PER_COLUMN: u32 = 1u;
const BIAS_PER_ROW: u32 = 2u;
@group(0) @binding(0) var<uniform> p: Params;
// Bindings 1 and 2, the operands, are each kernel's own: storage arrays (gemm_operands.wgsl) or
// textures (gemm_texture.wgsl).
@group(0) @binding(3) var<storage, read> bias: array<f32>;
// Written as whole vec4s where 4 outputs of a row are aligned, else one component at a time.
@group(0) @binding(4) var<storage, read_write> out: array<vec4<f32>>;

// The k extent of workgroup z's product: all of K, or its range of a split-K product.
fn kExtent(z: u32) -> u32 {
  return select(p.K, min(p.kSplit, p.K - z * p.kSplit), p.kSplit != 0u);
}

// Stores outputs (m, n .. n+3) of the product whose output starts at element baseO, after
// accumulation, bias and relu; n is a multiple of 4 and columns past N are dropped.
fn storeRow4(a: vec4<f32>, baseO: u32, m: u32, n: u32) {
  if (p.vecOut != 0u && n + 4u <= p.N) {
    // ldo, offO and strideO are multiples of 4 (the host says so through vecOut).
    let o = (baseO + m * p.ldo + n) / 4u;
    var v = a;
    if (p.accumulate != 0u) { v += out[o]; }
    if (p.biasMode == BIAS_PER_COLUMN) {
      let c = p.offBias + n;
      v += vec4<f32>(bias[c], bias[c + 1u], bias[c + 2u], bias[c + 3u]);
    }
    if (p.biasMode == BIAS_PER_ROW) { v += vec4<f32>(bias[p.offBias + m]); }
    if (p.relu != 0u) { v = reluKeepingNaN4(v); }
    out[o] = v;
    return;
  }
  for (var j = 0u; j < 4u; j++) {
    if (n + j >= p.N) { break; }
    storeOne(a[j], baseO + m * p.ldo + n + j, m, n + j);
  }
}

// Stores output (m, n) of the product at element o, after accumulation, bias and relu.
fn storeOne(x: f32, o: u32, m: u32, n: u32) {
  var v = x;
  if (p.accumulate != 0u) { v += out[o / 4u][o % 4u]; }
  if (p.biasMode == BIAS_PER_COLUMN) { v += bias[p.offBias + n]; }
  if (p.biasMode == BIAS_PER_ROW) { v += bias[p.offBias + m]; }
  if (p.relu != 0u) { v = reluKeepingNaN(v); }
  out[o / 4u][o % 4u] = v;
}

// max(v, 0) that keeps NaN, as PyTorch's relu (WGSL's max may return either operand for a NaN); the
// NaN test compares bits, which no compiler folds away as it may `v != v`.
fn reluKeepingNaN(v: f32) -> f32 {
  return select(max(v, 0.0), v, (bitcast<u32>(v) & 0x7fffffffu) > 0x7f800000u);
}

fn reluKeepingNaN4(v: vec4<f32>) -> vec4<f32> {
  return select(max(v, vec4<f32>(0.0)), v, (bitcast<vec4<u32>>(v) & vec4<u32>(0x7fffffffu)) > vec4<u32>(0x7f800000u));
}
