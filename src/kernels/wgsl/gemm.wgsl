// out[b] = op(A[b]) · op(B[b]) (+ bias) (relu), one 8×8 block of outputs per invocation held in
// registers. Both operands are read as vec4 along the direction that is contiguous in memory:
//   A (TRANS_A false) [M, K]: vec4 along k;  A (TRANS_A true) [K, M]: vec4 along m.
//   B (TRANS_B false) [K, N]: vec4 along n;  B (TRANS_B true) [N, K]: vec4 along k.
// Each step over 4 values of k loads 8 + 8 vec4s and does 256 FMAs, whatever the form: on a CPU
// adapter every storage load is a loop over lanes, so FMAs per vec4 load is what counts. The host
// pads the contiguous dimension of an operand to a multiple of 4 when it is not one already.
//
// Rows or columns past M or N are read clamped to the last one (finite values whose outputs are
// never stored). Past K, operands whose rows run along k are zeroed, which only the last step of k
// needs; the contiguous-k operands are zero there by padding.
override TRANS_A: bool;
override TRANS_B: bool;
override WG_X: u32 = 8u;   // invocations along n
override WG_Y: u32 = 8u;   // invocations along m

struct Params {
  M: u32, N: u32, K: u32, accumulate: u32,
  // Leading dimensions (elements per stored row) and element offsets of this panel in its binding.
  lda: u32, ldb: u32, ldo: u32, relu: u32,
  offA: u32, offB: u32, offO: u32, offBias: u32,
  // Batch strides in elements (0 where an operand broadcasts); biasMode 0 none, 1 per column, 2 per row.
  strideA: u32, strideB: u32, strideO: u32, biasMode: u32,
  // Split-K: when not 0, workgroup z takes k from z·kSplit to (z+1)·kSplit (the batch strides step
  // along k) and writes its partial sums for gemm_sum to add.
  kSplit: u32, vecOut: u32, _p1: u32, _p2: u32,
}
@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> A: array<vec4<f32>>;
@group(0) @binding(2) var<storage, read> B: array<vec4<f32>>;
@group(0) @binding(3) var<storage, read> bias: array<f32>;
// Written as whole vec4s where a row of 8 outputs is aligned, else one component at a time.
@group(0) @binding(4) var<storage, read_write> out: array<vec4<f32>>;

// Per-invocation vec4 indices, fixed for the whole k loop: the start of each of the 8 rows an
// operand is read along (k-contiguous forms), or the two vec4 columns (the other forms).
var<private> aIdx: array<u32, 8>;
var<private> bIdx: array<u32, 8>;
// acc[i] holds outputs (m0 + i, n0 .. n0+3), acc[i + 8] outputs (m0 + i, n0+4 .. n0+7).
var<private> acc: array<vec4<f32>, 16>;
// The k extent of this invocation's product.
var<private> K: u32;

// The 8×4 block of A at rows m0.., k = 4·kc..: fa[i] = A(m0+i, 4kc .. 4kc+3).
fn loadA(kc: u32, tail: bool) -> array<vec4<f32>, 8> {
  var fa: array<vec4<f32>, 8>;
  if (!TRANS_A) {
    for (var i = 0u; i < 8u; i++) { fa[i] = A[aIdx[i] + kc]; }
  } else {
    // Stored [K, M]: read 4 rows of k, two vec4s each, then transpose in registers.
    var r: array<vec4<f32>, 8>;
    for (var kk = 0u; kk < 4u; kk++) {
      let k = 4u * kc + kk;
      let row = (p.offA + min(k, K - 1u) * p.lda) / 4u + aIdx[0];
      var lo = A[row + aIdx[1]];
      var hi = A[row + aIdx[2]];
      if (tail && k >= K) { lo = vec4<f32>(0.0); hi = vec4<f32>(0.0); }
      r[kk] = lo;
      r[kk + 4u] = hi;
    }
    for (var i = 0u; i < 4u; i++) {
      fa[i] = vec4<f32>(r[0][i], r[1][i], r[2][i], r[3][i]);
      fa[i + 4u] = vec4<f32>(r[4][i], r[5][i], r[6][i], r[7][i]);
    }
  }
  return fa;
}

// The 4×8 block of B at k = 4·kc.., columns n0..: fb[kk] = B(4kc+kk, n0..n0+3), fb[kk+4] = (.., n0+4..n0+7).
fn loadB(kc: u32, tail: bool) -> array<vec4<f32>, 8> {
  var fb: array<vec4<f32>, 8>;
  if (TRANS_B) {
    // Stored [N, K]: 8 rows of n, one vec4 along k each, transposed in registers.
    var r: array<vec4<f32>, 8>;
    for (var j = 0u; j < 8u; j++) { r[j] = B[bIdx[j] + kc]; }
    for (var kk = 0u; kk < 4u; kk++) {
      fb[kk] = vec4<f32>(r[0][kk], r[1][kk], r[2][kk], r[3][kk]);
      fb[kk + 4u] = vec4<f32>(r[4][kk], r[5][kk], r[6][kk], r[7][kk]);
    }
  } else {
    for (var kk = 0u; kk < 4u; kk++) {
      let k = 4u * kc + kk;
      let row = (p.offB + min(k, K - 1u) * p.ldb) / 4u + bIdx[0];
      var lo = B[row + bIdx[1]];
      var hi = B[row + bIdx[2]];
      if (tail && k >= K) { lo = vec4<f32>(0.0); hi = vec4<f32>(0.0); }
      fb[kk] = lo;
      fb[kk + 4u] = hi;
    }
  }
  return fb;
}

fn step(kc: u32, tail: bool) {
  let fa = loadA(kc, tail);
  let fb = loadB(kc, tail);
  for (var i = 0u; i < 8u; i++) {
    let a = fa[i];
    acc[i] += a.x * fb[0] + a.y * fb[1] + a.z * fb[2] + a.w * fb[3];
    acc[i + 8u] += a.x * fb[4] + a.y * fb[5] + a.z * fb[6] + a.w * fb[7];
  }
}

@compute @workgroup_size(WG_X, WG_Y)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
  let n0 = (wid.x * WG_X + lid.x) * 8u;
  // With one row of invocations per workgroup, m0 (and every read of A) is the same for all
  // lanes, which lets a CPU adapter load A once per SIMD group instead of once per lane.
  let m0 = (wid.y * WG_Y + select(lid.y, 0u, WG_Y == 1u)) * 8u;
  if (m0 >= p.M || n0 >= p.N) { return; }
  let batch = wid.z;
  K = select(p.K, min(p.kSplit, p.K - batch * p.kSplit), p.kSplit != 0u);
  let baseA = p.offA + batch * p.strideA;
  let baseB = p.offB + batch * p.strideB;

  if (!TRANS_A) {
    for (var i = 0u; i < 8u; i++) { aIdx[i] = (baseA + min(m0 + i, p.M - 1u) * p.lda) / 4u; }
  } else {
    // aIdx[0]: the batch offset in vec4s; aIdx[1..2]: the vec4 columns holding m0.., clamped.
    let last = (p.M - 1u) / 4u;
    aIdx[0] = batch * p.strideA / 4u;
    aIdx[1] = min(m0 / 4u, last);
    aIdx[2] = min(m0 / 4u + 1u, last);
  }
  if (TRANS_B) {
    for (var j = 0u; j < 8u; j++) { bIdx[j] = (baseB + min(n0 + j, p.N - 1u) * p.ldb) / 4u; }
  } else {
    let last = (p.N - 1u) / 4u;
    bIdx[0] = batch * p.strideB / 4u;
    bIdx[1] = min(n0 / 4u, last);
    bIdx[2] = min(n0 / 4u + 1u, last);
  }

  let full = K / 4u;
  for (var kc = 0u; kc < full; kc++) { step(kc, false); }
  if (K % 4u != 0u) { step(full, true); }

  let baseO = p.offO + batch * p.strideO;
  if (p.vecOut != 0u && n0 + 8u <= p.N) {
    // ldo, offO and strideO are multiples of 4 (the host says so through vecOut).
    for (var i = 0u; i < 8u; i++) {
      let m = m0 + i;
      if (m >= p.M) { break; }
      let o = (baseO + m * p.ldo + n0) / 4u;
      out[o] = epilogue(acc[i], o, m, n0);
      out[o + 1u] = epilogue(acc[i + 8u], o + 1u, m, n0 + 4u);
    }
    return;
  }
  for (var i = 0u; i < 8u; i++) {
    let m = m0 + i;
    if (m >= p.M) { break; }
    for (var j = 0u; j < 8u; j++) {
      let n = n0 + j;
      if (n >= p.N) { break; }
      let o = baseO + m * p.ldo + n;
      var v = acc[i + (j / 4u) * 8u][j % 4u];
      if (p.accumulate != 0u) { v += out[o / 4u][o % 4u]; }
      if (p.biasMode == 1u) { v += bias[p.offBias + n]; }
      if (p.biasMode == 2u) { v += bias[p.offBias + m]; }
      if (p.relu != 0u) { v = max(v, 0.0); }
      out[o / 4u][o % 4u] = v;
    }
  }
}

// Outputs (m, n .. n+3), stored at vec4 o, after accumulation, bias and relu.
fn epilogue(a: vec4<f32>, o: u32, m: u32, n: u32) -> vec4<f32> {
  var v = a;
  if (p.accumulate != 0u) { v += out[o]; }
  if (p.biasMode == 1u) {
    let c = p.offBias + n;
    v += vec4<f32>(bias[c], bias[c + 1u], bias[c + 2u], bias[c + 3u]);
  }
  if (p.biasMode == 2u) { v += vec4<f32>(bias[p.offBias + m]); }
  if (p.relu != 0u) { v = max(v, vec4<f32>(0.0)); }
  return v;
}
