// requires: gemm_common gemm_operands
// The default GEMM (gemm_common.wgsl has its parameters): one TM×TN (8×8) block of outputs per
// invocation held in registers. Both operands are read as vec4 along their contiguous direction:
//   A (TRANS_A false) [M, K]: vec4 along k;  A (TRANS_A true) [K, M]: vec4 along m.
//   B (TRANS_B false) [K, N]: vec4 along n;  B (TRANS_B true) [N, K]: vec4 along k.
// Each step over 4 values of k loads 8 + 8 vec4s and does 256 FMAs, whatever the form: on a CPU
// adapter every storage load is a loop over lanes, so FMAs per vec4 load is what counts. The host
// pads the contiguous dimension of an operand to a multiple of 4 when it is not one already.
// Measured on lavapipe (CPU time of its workers): dropping half the loads cut the time by ~2/3, yet
// 8×16, 16×8 and 16×16 tiles were no faster than 8×8 (the larger arrays spill), and the workgroup
// shape barely mattered. On CPU adapters it runs the products the texture GEMM does not take; on
// GPUs gemm_workgroup.wgsl is the default (`init({ gemm: 'registers' })` picks this one).
//
// Rows or columns past M or N are read clamped to the last one (finite values whose outputs are
// never stored). Past K, operands whose rows run along k are zeroed, which only the last step of k
// needs; the contiguous-k operands are zero there by padding.
override TRANS_A: bool;
override TRANS_B: bool;
// Invocations per workgroup (TILE_INVOCATIONS in gemm-plan.ts), p.wgX along n and INVOCATIONS / p.wgX along m:
// the dispatcher's tile (gemm-plan.ts's chooseTile) sets the shape and sizes its grid by it.
const INVOCATIONS = 64u;

// Outputs per invocation: TM rows × TN columns (NV vec4s). Keep in step with gemm/gemm-plan.ts.
const TM = 8u;
const TN = 8u;
const NV = TN / 4u;

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

@compute @workgroup_size(INVOCATIONS)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) li: u32) {
  let lid = vec2<u32>(li % p.wgX, li / p.wgX);
  let n0 = (wid.x * p.wgX + lid.x) * TN;
  let m0 = (wid.y * (INVOCATIONS / p.wgX) + lid.y) * TM;
  if (m0 >= p.M || n0 >= p.N) { return; }
  let batch = wid.z;
  K = kExtent(batch);
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
  for (var i = 0u; i < TM; i++) {
    let m = m0 + i;
    if (m >= p.M) { break; }
    for (var v = 0u; v < NV; v++) { storeRow4(acc[i * NV + v], baseO, m, n0 + 4u * v); }
  }
}
