// The workgroup-memory GEMM (`init({ gemm: 'workgroup' })`; gemm_common.wgsl has its parameters),
// the usual design for GPUs, yet 2.7× slower than gemm.wgsl on an NVIDIA H200 (bench/RESULTS.md,
// cause not found): a workgroup computes a BM×BN block of outputs, staging BK-deep slices of both
// operands in workgroup memory, and each invocation keeps 8×8 outputs in registers. Its rows are
// two groups of 4 (ty·4 and BM/2 + ty·4) and so are its columns, so that neighbouring invocations
// read neighbouring vec4s of the staged slices.
// Each step over k reads 4 vec4s of workgroup memory for 64 FMAs. The operands are read from
// storage as vec4s along their contiguous dimension (the host pads it to a multiple of 4), so the
// staging transposes A when it is stored [M, K] and B when it is stored [N, K].
//
// Rows or columns past M or N are read clamped to the last one (finite values whose outputs are
// never stored); slices past K are zeroed.
override TRANS_A: bool;
override TRANS_B: bool;
override WG_X: u32 = 16u;   // invocations along n; BN = 8·WG_X
override WG_Y: u32 = 16u;   // invocations along m; BM = 8·WG_Y

const BK = 16u;
// Staged slices, k-major: As[k·BM/4 + m/4] holds rows m..m+3 at k. Sized for BM, BN ≤ 128.
const MAX_B = 128u;
var<workgroup> As: array<vec4<f32>, BK * MAX_B / 4u>;
var<workgroup> Bs: array<vec4<f32>, BK * MAX_B / 4u>;

fn stageA(t: u32, nt: u32, m0: u32, k0: u32, K: u32, z: u32) {
  let BM = WG_Y * 8u;
  if (!TRANS_A) {
    // Stored [M, K]: each vec4 is 4 values of k in one row, written as 4 scalars of 4 slices.
    let base = p.offA + z * p.strideA;
    for (var e = t; e < BM * BK / 4u; e += nt) {
      let r = e / (BK / 4u);
      let k = k0 + 4u * (e % (BK / 4u));
      var v = vec4<f32>(0.0);
      if (k < K) { v = A[(base + min(m0 + r, p.M - 1u) * p.lda + k) / 4u]; }
      let s = (k - k0) * (BM / 4u) + r / 4u;
      As[s][r % 4u] = v.x;
      As[s + BM / 4u][r % 4u] = v.y;
      As[s + 2u * BM / 4u][r % 4u] = v.z;
      As[s + 3u * BM / 4u][r % 4u] = v.w;
    }
  } else {
    // Stored [K, M]: each vec4 is 4 rows at one k, as the slice holds them.
    let last = (p.M - 1u) / 4u;
    for (var e = t; e < BM * BK / 4u; e += nt) {
      let kr = e / (BM / 4u);
      let c = e % (BM / 4u);
      var v = vec4<f32>(0.0);
      if (k0 + kr < K) { v = A[(p.offA + (k0 + kr) * p.lda) / 4u + z * p.strideA / 4u + min(m0 / 4u + c, last)]; }
      As[e] = v;
    }
  }
}

fn stageB(t: u32, nt: u32, n0: u32, k0: u32, K: u32, z: u32) {
  let BN = WG_X * 8u;
  if (TRANS_B) {
    // Stored [N, K]: as A stored [M, K].
    let base = p.offB + z * p.strideB;
    for (var e = t; e < BN * BK / 4u; e += nt) {
      let r = e / (BK / 4u);
      let k = k0 + 4u * (e % (BK / 4u));
      var v = vec4<f32>(0.0);
      if (k < K) { v = B[(base + min(n0 + r, p.N - 1u) * p.ldb + k) / 4u]; }
      let s = (k - k0) * (BN / 4u) + r / 4u;
      Bs[s][r % 4u] = v.x;
      Bs[s + BN / 4u][r % 4u] = v.y;
      Bs[s + 2u * BN / 4u][r % 4u] = v.z;
      Bs[s + 3u * BN / 4u][r % 4u] = v.w;
    }
  } else {
    let last = (p.N - 1u) / 4u;
    for (var e = t; e < BN * BK / 4u; e += nt) {
      let kr = e / (BN / 4u);
      let c = e % (BN / 4u);
      var v = vec4<f32>(0.0);
      if (k0 + kr < K) { v = B[(p.offB + (k0 + kr) * p.ldb) / 4u + z * p.strideB / 4u + min(n0 / 4u + c, last)]; }
      Bs[e] = v;
    }
  }
}

@compute @workgroup_size(WG_X, WG_Y)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
  let BM = WG_Y * 8u;
  let BN = WG_X * 8u;
  let m0 = wid.y * BM;
  let n0 = wid.x * BN;
  let z = wid.z;
  let K = kExtent(z);
  let t = lid.y * WG_X + lid.x;
  let nt = WG_X * WG_Y;
  // acc[(h·4 + i)·2 + v]: outputs (row group h, row i; column group v, 4 columns).
  var acc: array<vec4<f32>, 16>;

  for (var k0 = 0u; k0 < K; k0 += BK) {
    stageA(t, nt, m0, k0, K, z);
    stageB(t, nt, n0, k0, K, z);
    workgroupBarrier();
    for (var k = 0u; k < BK; k++) {
      let a0 = As[k * (BM / 4u) + lid.y];
      let a1 = As[k * (BM / 4u) + BM / 8u + lid.y];
      let b0 = Bs[k * (BN / 4u) + lid.x];
      let b1 = Bs[k * (BN / 4u) + BN / 8u + lid.x];
      for (var i = 0u; i < 4u; i++) {
        acc[i * 2u] += a0[i] * b0;
        acc[i * 2u + 1u] += a0[i] * b1;
        acc[(4u + i) * 2u] += a1[i] * b0;
        acc[(4u + i) * 2u + 1u] += a1[i] * b1;
      }
    }
    workgroupBarrier();
  }

  let baseO = p.offO + z * p.strideO;
  for (var h = 0u; h < 2u; h++) {
    for (var i = 0u; i < 4u; i++) {
      let m = m0 + h * (BM / 2u) + 4u * lid.y + i;
      if (m >= p.M) { continue; }
      for (var v = 0u; v < 2u; v++) {
        let n = n0 + v * (BN / 2u) + 4u * lid.x;
        if (n < p.N) { storeRow4(acc[(h * 4u + i) * 2u + v], baseO, m, n); }
      }
    }
  }
}
