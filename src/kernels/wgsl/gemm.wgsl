// out[b] = op(A[b]) · op(B[b]) (+ bias) (relu), one TM×TN (8×8) block of outputs per invocation
// held in registers. Both operands are read as vec4 along the direction that is contiguous in memory:
//   A (TRANS_A false) [M, K]: vec4 along k;  A (TRANS_A true) [K, M]: vec4 along m.
//   B (TRANS_B false) [K, N]: vec4 along n;  B (TRANS_B true) [N, K]: vec4 along k.
// Each step over 4 values of k loads 8 + 8 vec4s and does 256 FMAs, whatever the form: on a CPU
// adapter every storage load is a loop over lanes, so FMAs per vec4 load is what counts. The host
// pads the contiguous dimension of an operand to a multiple of 4 when it is not one already.
// Measured on lavapipe (CPU time of its workers): dropping half the loads cut the time by ~2/3, yet
// 8×16, 16×8 and 16×16 tiles were no faster than 8×8 (the larger arrays spill), and the workgroup
// shape barely mattered. A real GPU would want a workgroup-memory tiled variant beside this one.
//
// Rows or columns past M or N are read clamped to the last one (finite values whose outputs are
// never stored). Past K, operands whose rows run along k are zeroed, which only the last step of k
// needs; the contiguous-k operands are zero there by padding.
override TRANS_A: bool;
override TRANS_B: bool;
override WG_X: u32 = 8u;   // invocations along n
override WG_Y: u32 = 8u;   // invocations along m

// Outputs per invocation: TM rows × TN columns (NV vec4s). Keep in step with gemm-tiles.ts.
const TM = 8u;
const TN = 8u;
const NV = TN / 4u;

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
// Written as whole vec4s where a row of TN outputs is aligned, else one component at a time.
@group(0) @binding(4) var<storage, read_write> out: array<vec4<f32>>;

// Per-invocation vec4 indices, fixed for the whole k loop: the start of each row an operand is
// read along (k-contiguous forms), or the vec4 columns it reads in each row of k (the other forms,
// whose batch offset, in vec4s, is aBase / bBase).
var<private> aIdx: array<u32, TM>;
var<private> bIdx: array<u32, TN>;
var<private> aBase: u32;
var<private> bBase: u32;
// acc[i * NV + v] holds outputs (m0 + i, n0 + 4v .. n0 + 4v + 3).
var<private> acc: array<vec4<f32>, TM * NV>;
// The k extent of this invocation's product.
var<private> K: u32;

// The TM×4 block of A at rows m0.., k = 4·kc..: fa[i] = A(m0+i, 4kc .. 4kc+3).
fn loadA(kc: u32, tail: bool) -> array<vec4<f32>, TM> {
  var fa: array<vec4<f32>, TM>;
  if (!TRANS_A) {
    for (var i = 0u; i < TM; i++) { fa[i] = A[aIdx[i] + kc]; }
  } else {
    // Stored [K, M]: read 4 rows of k, TM/4 vec4s along m each, transposing into fa.
    for (var kk = 0u; kk < 4u; kk++) {
      let k = 4u * kc + kk;
      let row = (p.offA + min(k, K - 1u) * p.lda) / 4u + aBase;
      for (var u = 0u; u < TM / 4u; u++) {
        var v = A[row + aIdx[u]];
        if (tail && k >= K) { v = vec4<f32>(0.0); }
        fa[4u * u][kk] = v.x;
        fa[4u * u + 1u][kk] = v.y;
        fa[4u * u + 2u][kk] = v.z;
        fa[4u * u + 3u][kk] = v.w;
      }
    }
  }
  return fa;
}

// The 4×TN block of B at k = 4·kc.., columns n0..: fb[kk * NV + v] = B(4kc+kk, n0+4v .. n0+4v+3).
fn loadB(kc: u32, tail: bool) -> array<vec4<f32>, 4 * NV> {
  var fb: array<vec4<f32>, 4 * NV>;
  if (TRANS_B) {
    // Stored [N, K]: TN rows of n, one vec4 along k each, transposed into fb.
    for (var j = 0u; j < TN; j++) {
      let v = B[bIdx[j] + kc];
      fb[j / 4u][j % 4u] = v.x;
      fb[NV + j / 4u][j % 4u] = v.y;
      fb[2u * NV + j / 4u][j % 4u] = v.z;
      fb[3u * NV + j / 4u][j % 4u] = v.w;
    }
  } else {
    for (var kk = 0u; kk < 4u; kk++) {
      let k = 4u * kc + kk;
      let row = (p.offB + min(k, K - 1u) * p.ldb) / 4u + bBase;
      for (var v = 0u; v < NV; v++) {
        var x = B[row + bIdx[v]];
        if (tail && k >= K) { x = vec4<f32>(0.0); }
        fb[kk * NV + v] = x;
      }
    }
  }
  return fb;
}

fn step(kc: u32, tail: bool) {
  let fa = loadA(kc, tail);
  let fb = loadB(kc, tail);
  for (var i = 0u; i < TM; i++) {
    let a = fa[i];
    for (var v = 0u; v < NV; v++) {
      acc[i * NV + v] += a.x * fb[v] + a.y * fb[NV + v] + a.z * fb[2u * NV + v] + a.w * fb[3u * NV + v];
    }
  }
}

@compute @workgroup_size(WG_X, WG_Y)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
  let n0 = (wid.x * WG_X + lid.x) * TN;
  let m0 = (wid.y * WG_Y + lid.y) * TM;
  if (m0 >= p.M || n0 >= p.N) { return; }
  let batch = wid.z;
  K = select(p.K, min(p.kSplit, p.K - batch * p.kSplit), p.kSplit != 0u);
  let baseA = p.offA + batch * p.strideA;
  let baseB = p.offB + batch * p.strideB;

  if (!TRANS_A) {
    for (var i = 0u; i < TM; i++) { aIdx[i] = (baseA + min(m0 + i, p.M - 1u) * p.lda) / 4u; }
  } else {
    let last = (p.M - 1u) / 4u;
    aBase = batch * p.strideA / 4u;
    for (var u = 0u; u < TM / 4u; u++) { aIdx[u] = min(m0 / 4u + u, last); }
  }
  if (TRANS_B) {
    for (var j = 0u; j < TN; j++) { bIdx[j] = (baseB + min(n0 + j, p.N - 1u) * p.ldb) / 4u; }
  } else {
    let last = (p.N - 1u) / 4u;
    bBase = batch * p.strideB / 4u;
    for (var v = 0u; v < NV; v++) { bIdx[v] = min(n0 / 4u + v, last); }
  }

  let full = K / 4u;
  for (var kc = 0u; kc < full; kc++) { step(kc, false); }
  if (K % 4u != 0u) { step(full, true); }

  let baseO = p.offO + batch * p.strideO;
  if (p.vecOut != 0u && n0 + TN <= p.N) {
    // ldo, offO and strideO are multiples of 4 (the host says so through vecOut).
    for (var i = 0u; i < TM; i++) {
      let m = m0 + i;
      if (m >= p.M) { break; }
      let o = (baseO + m * p.ldo + n0) / 4u;
      for (var v = 0u; v < NV; v++) { out[o + v] = epilogue(acc[i * NV + v], o + v, m, n0 + 4u * v); }
    }
    return;
  }
  for (var i = 0u; i < TM; i++) {
    let m = m0 + i;
    if (m >= p.M) { break; }
    for (var j = 0u; j < TN; j++) {
      let n = n0 + j;
      if (n >= p.N) { break; }
      let o = baseO + m * p.ldo + n;
      var v = acc[i * NV + j / 4u][j % 4u];
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
