// requires: grid gemm_common gemm_operands
// The GEMM for GPUs (gemm_common.wgsl has its parameters and epilogue): a workgroup computes a BM×BN
// block of outputs, staging BK-deep slices of both operands in workgroup memory, and each of its
// (BM/TM)×(BN/TN) invocations keeps a TM×TN block of outputs in registers. The configuration comes
// from override constants (gemm-plan.ts lists the candidates and checks that they fit the device).
//
// - Staged slices are k-major with one vec4 of padding per row: As[k·SA + q] holds A(4q .. 4q+3, k),
//   Bs[k·SB + q] holds B(k, 4q .. 4q+3). The inner loop reads whole vec4s, and an invocation's rows
//   (and columns) are TM/4 (TN/4) groups of 4 that lie WG_Y (WG_X) vec4s apart, so neighbouring
//   invocations read neighbouring vec4s: no bank conflicts. The padding staggers the transposing
//   scalar stores of an operand stored along k (A [M, K], B [N, K]) across banks.
// - The next slice is loaded from storage into registers before the current one is multiplied, so
//   the loads are in flight during the multiply-adds (double buffering through registers: one
//   slice of workgroup memory, two barriers a slice). BUFFERS = 2 keeps two slices in workgroup
//   memory and stores the next one while the current one is multiplied: one barrier a slice.
// - SWIZZLE (> 0): workgroups walk the output in bands of SWIZZLE block rows, column by column
//   within a band, so that workgroups running at the same time share operand blocks in L2.
// - NAMED: the accumulators as named variables, not an array (which a compiler may keep in memory).
// - Every loop runs a count fixed by override constants, so the compiler unrolls it and the
//   accumulators (an array sized for the largest tile, indexed by constants once unrolled) stay
//   in registers.
// - FIT (M, N multiples of BM, BN and K of BK, for every z) drops every bounds check. Otherwise rows
//   or columns past M or N are read clamped to the last one (finite values whose outputs are never
//   stored), and k past K reads zeros.
// The host pads each operand's stored rows to a multiple of 4 so that both are read as vec4s.
override TRANS_A: bool;
override TRANS_B: bool;
override BM: u32 = 128u;
override BN: u32 = 128u;
override BK: u32 = 8u;
override TM: u32 = 8u;   // 4 or 8
override TN: u32 = 8u;   // 4 or 8
override FIT: bool = false;
override BUFFERS: u32 = 1u;  // 1 or 2
override SWIZZLE: u32 = 0u;
override NAMED: bool = false;

// Invocations along n and m.
override WG_X: u32 = BN / TN;
override WG_Y: u32 = BM / TM;
// vec4s per staged row of k, with the padding.
override SA: u32 = BM / 4u + 1u;
override SB: u32 = BN / 4u + 1u;
// vec4s each invocation loads per slice, per operand (at most MAX_LOADS).
override LOADS_A: u32 = BM * BK / (4u * WG_X * WG_Y);
override LOADS_B: u32 = BN * BK / (4u * WG_X * WG_Y);

const MAX_LOADS = 4u;

override SLICE_A: u32 = BK * SA;
override SLICE_B: u32 = BK * SB;
override TILE_A: u32 = SLICE_A * BUFFERS;
override TILE_B: u32 = SLICE_B * BUFFERS;
var<workgroup> As: array<vec4<f32>, TILE_A>;
var<workgroup> Bs: array<vec4<f32>, TILE_B>;

// The slice of A (or B) at k0.. that invocation t loads, its e-th vec4 being e·WG_X·WG_Y + t.
// A stored [M, K] (vec4 along k): vec4 e is row e / (BK/4), k = k0 + 4·(e % (BK/4)).
// A stored [K, M] (vec4 along m): vec4 e is k = k0 + e / (BM/4), rows 4·(e % (BM/4)) ...
fn loadA(t: u32, m0: u32, k0: u32, K: u32, z: u32) -> array<vec4<f32>, MAX_LOADS> {
  var r: array<vec4<f32>, MAX_LOADS>;
  let nt = WG_X * WG_Y;
  let base = p.offA + z * p.strideA;
  for (var l = 0u; l < LOADS_A; l++) {
    let e = l * nt + t;
    if (!TRANS_A) {
      let k = k0 + 4u * (e % (BK / 4u));
      var m = m0 + e / (BK / 4u);
      if (FIT) {
        r[l] = A[(base + m * p.lda + k) / 4u];
      } else {
        m = min(m, p.M - 1u);
        r[l] = select(vec4<f32>(0.0), A[(base + m * p.lda + k) / 4u], k < K);
      }
    } else {
      let k = k0 + e / (BM / 4u);
      var q = m0 / 4u + e % (BM / 4u);
      if (FIT) {
        r[l] = A[(base + k * p.lda) / 4u + q];
      } else {
        q = min(q, (p.M - 1u) / 4u);
        r[l] = select(vec4<f32>(0.0), A[(base + min(k, K - 1u) * p.lda) / 4u + q], k < K);
      }
    }
  }
  return r;
}

// B stored [K, N] (vec4 along n) or [N, K] (vec4 along k), as A.
fn loadB(t: u32, n0: u32, k0: u32, K: u32, z: u32) -> array<vec4<f32>, MAX_LOADS> {
  var r: array<vec4<f32>, MAX_LOADS>;
  let nt = WG_X * WG_Y;
  let base = p.offB + z * p.strideB;
  for (var l = 0u; l < LOADS_B; l++) {
    let e = l * nt + t;
    if (TRANS_B) {
      let k = k0 + 4u * (e % (BK / 4u));
      var n = n0 + e / (BK / 4u);
      if (FIT) {
        r[l] = B[(base + n * p.ldb + k) / 4u];
      } else {
        n = min(n, p.N - 1u);
        r[l] = select(vec4<f32>(0.0), B[(base + n * p.ldb + k) / 4u], k < K);
      }
    } else {
      let k = k0 + e / (BN / 4u);
      var q = n0 / 4u + e % (BN / 4u);
      if (FIT) {
        r[l] = B[(base + k * p.ldb) / 4u + q];
      } else {
        q = min(q, (p.N - 1u) / 4u);
        r[l] = select(vec4<f32>(0.0), B[(base + min(k, K - 1u) * p.ldb) / 4u + q], k < K);
      }
    }
  }
  return r;
}

// Stores invocation t's loads into the staged slice of A that starts at vec4 at.
fn storeA(t: u32, r: array<vec4<f32>, MAX_LOADS>, at: u32) {
  let nt = WG_X * WG_Y;
  for (var l = 0u; l < LOADS_A; l++) {
    let e = l * nt + t;
    if (!TRANS_A) {
      // Transposing: 4 scalars into 4 rows of k.
      let row = e / (BK / 4u);
      let s = at + 4u * (e % (BK / 4u)) * SA + row / 4u;
      let c = row % 4u;
      As[s][c] = r[l].x;
      As[s + SA][c] = r[l].y;
      As[s + 2u * SA][c] = r[l].z;
      As[s + 3u * SA][c] = r[l].w;
    } else {
      As[at + (e / (BM / 4u)) * SA + e % (BM / 4u)] = r[l];
    }
  }
}

fn storeB(t: u32, r: array<vec4<f32>, MAX_LOADS>, at: u32) {
  let nt = WG_X * WG_Y;
  for (var l = 0u; l < LOADS_B; l++) {
    let e = l * nt + t;
    if (TRANS_B) {
      let col = e / (BK / 4u);
      let s = at + 4u * (e % (BK / 4u)) * SB + col / 4u;
      let c = col % 4u;
      Bs[s][c] = r[l].x;
      Bs[s + SB][c] = r[l].y;
      Bs[s + 2u * SB][c] = r[l].z;
      Bs[s + 3u * SB][c] = r[l].w;
    } else {
      Bs[at + (e / (BN / 4u)) * SB + e % (BN / 4u)] = r[l];
    }
  }
}

// This workgroup's block (m0, n0): wid as dispatched (x along n, y along m), or with SWIZZLE its
// linear index walked in bands of SWIZZLE block rows, column by column within each band.
fn blockOrigin(wid: vec3<u32>, nwg: vec3<u32>) -> vec2<u32> {
  if (SWIZZLE == 0u) { return vec2<u32>(wid.y * BM, wid.x * BN); }
  let i = workgroupIndex(wid, nwg);
  let band = SWIZZLE * nwg.x;
  let firstRow = (i / band) * SWIZZLE;
  let rows = min(nwg.y - firstRow, SWIZZLE);
  let j = i % band;
  return vec2<u32>((firstRow + j % rows) * BM, (j / rows) * BN);
}

@compute @workgroup_size(WG_X, WG_Y)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>,
        @builtin(num_workgroups) nwg: vec3<u32>) {
  let origin = blockOrigin(wid, nwg);
  let m0 = origin.x;
  let n0 = origin.y;
  let z = wid.z;
  let K = kExtent(z);
  let t = lid.y * WG_X + lid.x;
  // acc[(4i + c)·2 + j]: output row 4·(i·WG_Y + ty) + c, columns 4·(j·WG_X + tx) .. +3; with NAMED,
  // accI_C_J (i, j in 0..1, c in 0..3) instead.
  var acc: array<vec4<f32>, 16>;
  var acc0_0_0 = vec4<f32>(0.0);
  var acc0_0_1 = vec4<f32>(0.0);
  var acc0_1_0 = vec4<f32>(0.0);
  var acc0_1_1 = vec4<f32>(0.0);
  var acc0_2_0 = vec4<f32>(0.0);
  var acc0_2_1 = vec4<f32>(0.0);
  var acc0_3_0 = vec4<f32>(0.0);
  var acc0_3_1 = vec4<f32>(0.0);
  var acc1_0_0 = vec4<f32>(0.0);
  var acc1_0_1 = vec4<f32>(0.0);
  var acc1_1_0 = vec4<f32>(0.0);
  var acc1_1_1 = vec4<f32>(0.0);
  var acc1_2_0 = vec4<f32>(0.0);
  var acc1_2_1 = vec4<f32>(0.0);
  var acc1_3_0 = vec4<f32>(0.0);
  var acc1_3_1 = vec4<f32>(0.0);

  var ra = loadA(t, m0, 0u, K, z);
  var rb = loadB(t, n0, 0u, K, z);
  if (BUFFERS == 2u) {
    storeA(t, ra, 0u);
    storeB(t, rb, 0u);
    workgroupBarrier();
  }
  var cur = 0u;
  for (var k0 = 0u; k0 < K; k0 += BK) {
    if (BUFFERS == 1u) {
      storeA(t, ra, 0u);
      storeB(t, rb, 0u);
      workgroupBarrier();
    }
    let more = k0 + BK < K;
    if (more) {
      ra = loadA(t, m0, k0 + BK, K, z);
      rb = loadB(t, n0, k0 + BK, K, z);
    }
    let aAt = cur * SLICE_A;
    let bAt = cur * SLICE_B;
    for (var k = 0u; k < BK; k++) {
      var a: array<vec4<f32>, 2>;
      var b: array<vec4<f32>, 2>;
      for (var i = 0u; i < TM / 4u; i++) { a[i] = As[aAt + k * SA + i * WG_Y + lid.y]; }
      for (var j = 0u; j < TN / 4u; j++) { b[j] = Bs[bAt + k * SB + j * WG_X + lid.x]; }
      if (NAMED) {
        acc0_0_0 += a[0].x * b[0];
        acc0_1_0 += a[0].y * b[0];
        acc0_2_0 += a[0].z * b[0];
        acc0_3_0 += a[0].w * b[0];
        if (TN == 8u) {
          acc0_0_1 += a[0].x * b[1];
          acc0_1_1 += a[0].y * b[1];
          acc0_2_1 += a[0].z * b[1];
          acc0_3_1 += a[0].w * b[1];
        }
        if (TM == 8u) {
          acc1_0_0 += a[1].x * b[0];
          acc1_1_0 += a[1].y * b[0];
          acc1_2_0 += a[1].z * b[0];
          acc1_3_0 += a[1].w * b[0];
          if (TN == 8u) {
            acc1_0_1 += a[1].x * b[1];
            acc1_1_1 += a[1].y * b[1];
            acc1_2_1 += a[1].z * b[1];
            acc1_3_1 += a[1].w * b[1];
          }
        }
      } else {
        for (var i = 0u; i < TM / 4u; i++) {
          for (var c = 0u; c < 4u; c++) {
            for (var j = 0u; j < TN / 4u; j++) { acc[(4u * i + c) * 2u + j] += a[i][c] * b[j]; }
          }
        }
      }
    }
    if (BUFFERS == 2u) {
      if (more) {
        storeA(t, ra, (1u - cur) * SLICE_A);
        storeB(t, rb, (1u - cur) * SLICE_B);
      }
      cur = 1u - cur;
    }
    workgroupBarrier();
  }

  if (NAMED) {
    acc = array<vec4<f32>, 16>(
      acc0_0_0, acc0_0_1, acc0_1_0, acc0_1_1, acc0_2_0, acc0_2_1, acc0_3_0, acc0_3_1,
      acc1_0_0, acc1_0_1, acc1_1_0, acc1_1_1, acc1_2_0, acc1_2_1, acc1_3_0, acc1_3_1,
    );
  }
  let baseO = p.offO + z * p.strideO;
  for (var i = 0u; i < TM / 4u; i++) {
    for (var c = 0u; c < 4u; c++) {
      let m = m0 + 4u * (i * WG_Y + lid.y) + c;
      if (m < p.M) {
        for (var j = 0u; j < TN / 4u; j++) {
          let n = n0 + 4u * (j * WG_X + lid.x);
          if (n < p.N) { storeRow4(acc[(4u * i + c) * 2u + j], baseO, m, n); }
        }
      }
    }
  }
}
