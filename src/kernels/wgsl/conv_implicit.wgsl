// requires: grid conv_implicit_operands
// Implicit-GEMM convolution: one tiled GEMM C[M, N] = A[M, K] · B[K, N] whose operand loads compute
// the im2col addresses themselves (no column matrix in memory) and whose epilogue writes NCHW.
// MODE selects the product (x [n, c, h, w], weight [cout, c, kh, kw], grad/out [n, cout, oh, ow]):
//   0 forward: M = cout, N = n·oh·ow, K = c·kh·kw; A = weight, B = im2col(x); out[n, m, oy, ox]
//     (+ bias[m], then ReLU when RELU).
//   1 input gradient (the transposed convolution, gathered, so no scatter): M = c, N = n·h·w,
//     K = cout·kh·kw; A[c, (co, ky, kx)] = weight[co, c, ky, kx],
//     B[(co, ky, kx), (n, y, x)] = grad[n, co, (y + ph - ky) / sh, (x + pw - kx) / sw] where that
//     divides and lies inside grad, else 0; out = dx[n, c, y, x].
//   2 weight gradient: M = cout, N = c·kh·kw, K = n·oh·ow, split over K into gridDim.z parts of
//     kSplit: A[m, j] = grad[n, m, l] (j = n·oh·ow + l), B = im2col(x)ᵀ; out = part[z, m, col], summed
//     over z by conv_implicit_sum.wgsl (or the weight gradient itself when there is one part).
//
// Each 256-invocation workgroup computes a (64·ROWS)×(64·GROUPS) tile of C, (4·ROWS)×(4·GROUPS)
// outputs per invocation (its rows and columns in groups of 4 that lie 64 apart, so that a warp's
// reads of the staged tiles are contiguous), through 16-deep k-slices staged in workgroup memory as
// vec4s; the next slice is fetched into registers while the current one is multiplied. Both tiles
// are stored k-major, rows 16·ROWS + 1 (16·GROUPS + 1) vec4s apart, so that the stores of either
// thread mapping (k fastest or column fastest) and the compute loop's reads are free of bank
// conflicts. Each mode chooses the mapping whose global reads are contiguous. Larger tiles read
// workgroup memory less per multiply-add; smaller ones leave more workgroups to small products.
// The candidates (kernels/conv-implicit-plan.ts, which the autotuner times) differ in overrides:
// - ROWS, GROUPS (1 or 2): 64-row and 64-column groups per workgroup (8×8 outputs per invocation at 2, 2);
// - COUNTERS: each invocation keeps the digits of its k ((c, ky, kx), (n, oy, ox), ...) and steps
//   them by one slice with two carries, instead of dividing k afresh in every slice;
// - BUFFERS = 2: two copies of the staged slices, the next one stored while the current one is
//   multiplied: one barrier a slice instead of two;
// - PAD = 0: rows of the staged tiles unpadded, their vec4s permuted instead (vec4 q of row r at
//   q ^ r), which spreads the stores across banks as the padding does, in 1/33 less memory: what
//   lets two slices of 128×128 tiles fit 32 KiB;
// - VEC_A: A read as vec4s along k (the host sets it only where every such vec4 is aligned and
//   within one row of A: the forward where K % 4 = 0, the weight gradient where oh·ow % 4 = 0).
struct Params {
  n: u32, c: u32, h: u32, w: u32,
  cout: u32, kh: u32, kw: u32, oh: u32,
  ow: u32, sh: u32, sw: u32, ph: u32,
  pw: u32, M: u32, N: u32, K: u32,
  // k per split (a multiple of 16), tiles along M, tiles in all (M tiles × N tiles).
  kSplit: u32, mTiles: u32, tiles: u32, _p0: u32,
}
@group(0) @binding(0) var<uniform> p: Params;

// A's source: the weight (modes 0, 1) or the output gradient (mode 2).
@group(0) @binding(1) var<storage, read> srcA: array<f32>;
// B's source: x (modes 0, 2) or the output gradient (mode 1).
@group(0) @binding(2) var<storage, read> srcB: array<f32>;
@group(0) @binding(3) var<storage, read_write> dst: array<f32>;
// Read when BIAS (mode 0); any small buffer otherwise.
@group(0) @binding(4) var<storage, read> bias: array<f32>;
// srcA's buffer again, read as vec4s when VEC_A.
@group(0) @binding(5) var<storage, read> srcA4: array<vec4<f32>>;

override MODE: u32;
// The products MODE selects, as CONV_MODES in kernels/conv-implicit.ts (checked when the pipeline is created).
const MODE_FORWARD: u32 = 0u;
const MODE_INPUT_GRAD: u32 = 1u;
const MODE_WEIGHT_GRAD: u32 = 2u;
override BIAS: bool = false;
override RELU: bool = false;
// Row groups and column groups of 64 per workgroup: 1 or 2 each.
override ROWS: u32 = 1u;
override GROUPS: u32 = 1u;
override COUNTERS: bool = false;
// Copies of the staged slices: 1 or 2.
override BUFFERS: u32 = 1u;
override VEC_A: bool = false;
// vec4s of padding per staged row: 1, or 0 with permuted rows.
override PAD: u32 = 1u;

// vec4s per staged row of k, with the padding, and per staged slice.
override ROW_A: u32 = 16u * ROWS + PAD;
override ROW_B: u32 = 16u * GROUPS + PAD;
override SLICE_A: u32 = 16u * ROW_A;
override SLICE_B: u32 = 16u * ROW_B;
override TILE_A: u32 = SLICE_A * BUFFERS;
override TILE_B: u32 = SLICE_B * BUFFERS;
var<workgroup> tileA: array<vec4<f32>, TILE_A>;
var<workgroup> tileB: array<vec4<f32>, TILE_B>;

// Where vec4 q of staged row r lies in a slice of rows `row` vec4s apart.
fn slot(r: u32, q: u32, row: u32) -> u32 {
  if (PAD == 0u) { return r * row + (q ^ r); }
  return r * row + q;
}

// The registers that carry one slice of A and B from storage to workgroup memory.
struct Staged { a0: vec4<f32>, a1: vec4<f32>, b0: vec4<f32>, b1: vec4<f32> }

// Invocation t's share of the slice whose A row is kA (digits dA) and B row kB (digits dB).
fn fetch(t: u32, m0: u32, kA: u32, dA: Digits, kB: u32, dB: Digits) -> Staged {
  var s: Staged;
  if (VEC_A) {
    s.a0 = loadA4(m0 + t / 4u, kA, dA);
    if (ROWS == 2u) { s.a1 = loadA4(m0 + 64u + t / 4u, kA, dA); }
  } else {
    s.a0 = loadA(m0, t / 16u, kA, dA);
    if (ROWS == 2u) { s.a1 = loadA(m0 + 64u, t / 16u, kA, dA); }
  }
  s.b0 = loadB(kB, dB, 0u);
  if (GROUPS == 2u) { s.b1 = loadB(kB, dB, 1u); }
  return s;
}

// Stores a fetched share into the staged slices that start at vec4 aAt and bAt.
fn stage(t: u32, s: Staged, aAt: u32, bAt: u32) {
  if (VEC_A) {
    // Transposing: 4 values of k into 4 rows, row m of the tile in component m % 4.
    let r = 4u * (t % 4u);
    let q = t / 16u;
    let c = (t / 4u) % 4u;
    for (var j = 0u; j < 4u; j++) {
      tileA[aAt + slot(r + j, q, ROW_A)][c] = s.a0[j];
      if (ROWS == 2u) { tileA[aAt + slot(r + j, 16u + q, ROW_A)][c] = s.a1[j]; }
    }
  } else {
    tileA[aAt + slot(t % 16u, t / 16u, ROW_A)] = s.a0;
    if (ROWS == 2u) { tileA[aAt + slot(t % 16u, 16u + t / 16u, ROW_A)] = s.a1; }
  }
  // B: (slice row, vec4 index) = (t / 16, t % 16), or (t % 16, t / 16) in mode 2.
  var r = t / 16u;
  var q = t % 16u;
  if (MODE == MODE_WEIGHT_GRAD) {
    r = t % 16u;
    q = t / 16u;
  }
  tileB[bAt + slot(r, q, ROW_B)] = s.b0;
  if (GROUPS == 2u) { tileB[bAt + slot(r, 16u + q, ROW_B)] = s.b1; }
}

@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) t: u32,
        @builtin(num_workgroups) nwg: vec3<u32>) {
  let flat = workgroupIndex(wid, nwg);
  if (flat >= p.tiles) { return; }
  // Consecutive workgroups share a column tile, so the gathered B is read from cache by the others.
  let m0 = (flat % p.mTiles) * 64u * ROWS;
  let n0 = (flat / p.mTiles) * 64u * GROUPS;
  let kBegin = wid.z * p.kSplit;
  let kEnd = min(p.K, kBegin + p.kSplit);

  // Thread mappings for the loads: A is read along K, contiguous in the weight and in grad (slice
  // row t % 16, vec4 t / 16; or as vec4s along k, row m0 + t / 4, k = 4·(t % 4)); B along its columns
  // (contiguous pixels) in modes 0 and 1, slice row t / 16, vec4 t % 16, and along K (contiguous
  // pixels of grad's samples) in mode 2, slice row t % 16, vec4 t / 16.
  var kA = kBegin + t % 16u;
  if (VEC_A) { kA = kBegin + 4u * (t % 4u); }
  var kB = kBegin + t / 16u;
  var bq = t % 16u;
  if (MODE == MODE_WEIGHT_GRAD) {
    kB = kBegin + t % 16u;
    bq = t / 16u;
  }
  prepare(n0, bq);
  let rA = radixA();
  let rB = radixB();
  // The digits of one slice's step, for COUNTERS.
  let stepA = digitsOf(16u, rA.x, rA.y);
  let stepB = digitsOf(16u, rB.x, rB.y);
  var dA = digitsOf(kA, rA.x, rA.y);
  var dB = digitsOf(kB, rB.x, rB.y);

  let tx = t % 16u;
  let ty = t / 16u;
  // Named accumulators (not an array, which a driver may keep in memory): acc(4r + i) for output
  // row 4·ty + i + 64·r, columns 4·tx + 64·g .. +3 with g = 0; accG… the same for g = 1.
  var acc0 = vec4<f32>(0.0);
  var acc1 = vec4<f32>(0.0);
  var acc2 = vec4<f32>(0.0);
  var acc3 = vec4<f32>(0.0);
  var acc4 = vec4<f32>(0.0);
  var acc5 = vec4<f32>(0.0);
  var acc6 = vec4<f32>(0.0);
  var acc7 = vec4<f32>(0.0);
  var accG0 = vec4<f32>(0.0);
  var accG1 = vec4<f32>(0.0);
  var accG2 = vec4<f32>(0.0);
  var accG3 = vec4<f32>(0.0);
  var accG4 = vec4<f32>(0.0);
  var accG5 = vec4<f32>(0.0);
  var accG6 = vec4<f32>(0.0);
  var accG7 = vec4<f32>(0.0);

  var next = fetch(t, m0, kA, dA, kB, dB);
  if (BUFFERS == 2u) {
    stage(t, next, 0u, 0u);
    workgroupBarrier();
  }
  var cur = 0u;
  for (var k0 = kBegin; k0 < kEnd; k0 += 16u) {
    if (BUFFERS == 1u) {
      workgroupBarrier();
      stage(t, next, 0u, 0u);
      workgroupBarrier();
    }
    let more = k0 + 16u < kEnd;
    if (more) {
      kA += 16u;
      kB += 16u;
      if (COUNTERS) {
        dA = advance(dA, stepA, rA.x, rA.y);
        dB = advance(dB, stepB, rB.x, rB.y);
      } else {
        dA = digitsOf(kA, rA.x, rA.y);
        dB = digitsOf(kB, rB.x, rB.y);
      }
      next = fetch(t, m0, kA, dA, kB, dB);
    }
    let aAt = cur * SLICE_A;
    let bAt = cur * SLICE_B;
    for (var r = 0u; r < 16u; r++) {
      let a = tileA[aAt + slot(r, ty, ROW_A)];
      let b = tileB[bAt + slot(r, tx, ROW_B)];
      acc0 += a.x * b;
      acc1 += a.y * b;
      acc2 += a.z * b;
      acc3 += a.w * b;
      if (ROWS == 2u) {
        let a1 = tileA[aAt + slot(r, 16u + ty, ROW_A)];
        acc4 += a1.x * b;
        acc5 += a1.y * b;
        acc6 += a1.z * b;
        acc7 += a1.w * b;
        if (GROUPS == 2u) {
          let b1 = tileB[bAt + slot(r, 16u + tx, ROW_B)];
          accG0 += a.x * b1;
          accG1 += a.y * b1;
          accG2 += a.z * b1;
          accG3 += a.w * b1;
          accG4 += a1.x * b1;
          accG5 += a1.y * b1;
          accG6 += a1.z * b1;
          accG7 += a1.w * b1;
        }
      } else if (GROUPS == 2u) {
        let b1 = tileB[bAt + slot(r, 16u + tx, ROW_B)];
        accG0 += a.x * b1;
        accG1 += a.y * b1;
        accG2 += a.z * b1;
        accG3 += a.w * b1;
      }
    }
    if (BUFFERS == 2u) {
      if (more) { stage(t, next, (1u - cur) * SLICE_A, (1u - cur) * SLICE_B); }
      workgroupBarrier();
      cur = 1u - cur;
    }
  }

  // Row by row (not through an array of the accumulators, which a driver may keep in memory).
  let n1 = n0 + tx * 4u;
  let m1 = m0 + ty * 4u;
  emit(acc0, m1, n1, wid.z);
  emit(acc1, m1 + 1u, n1, wid.z);
  emit(acc2, m1 + 2u, n1, wid.z);
  emit(acc3, m1 + 3u, n1, wid.z);
  if (GROUPS == 2u) {
    emit(accG0, m1, n1 + 64u, wid.z);
    emit(accG1, m1 + 1u, n1 + 64u, wid.z);
    emit(accG2, m1 + 2u, n1 + 64u, wid.z);
    emit(accG3, m1 + 3u, n1 + 64u, wid.z);
  }
  if (ROWS == 2u) {
    emit(acc4, m1 + 64u, n1, wid.z);
    emit(acc5, m1 + 65u, n1, wid.z);
    emit(acc6, m1 + 66u, n1, wid.z);
    emit(acc7, m1 + 67u, n1, wid.z);
    if (GROUPS == 2u) {
      emit(accG4, m1 + 64u, n1 + 64u, wid.z);
      emit(accG5, m1 + 65u, n1 + 64u, wid.z);
      emit(accG6, m1 + 66u, n1 + 64u, wid.z);
      emit(accG7, m1 + 67u, n1 + 64u, wid.z);
    }
  }
}

// Writes C[m, n1 .. n1+3] (those inside C), with the bias and ReLU of mode 0.
fn emit(v: vec4<f32>, m: u32, n1: u32, z: u32) {
  if (m >= p.M) { return; }
  var add = 0.0;
  if (BIAS) { add = bias[m]; }
  let stride = dstRowStride();
  for (var j = 0u; j < 4u; j++) {
    let col = n1 + j;
    if (col >= p.N) { return; }
    var out = v[j] + add;
    if (RELU) { out = reluKeepingNaN(out); }
    dst[dstColumn(col, z) + m * stride] = out;
  }
}

// max(v, 0) that keeps NaN, as PyTorch's relu (WGSL's max may return either operand for a NaN); the
// NaN test compares bits, which no compiler folds away as it may `v != v`.
fn reluKeepingNaN(v: f32) -> f32 {
  return select(max(v, 0.0), v, (bitcast<u32>(v) & 0x7fffffffu) > 0x7f800000u);
}
