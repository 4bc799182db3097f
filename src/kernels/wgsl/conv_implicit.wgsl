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
// Each 256-invocation workgroup computes a 64×(64·GROUPS) tile of C, 4×(4·GROUPS) outputs per
// invocation (its columns 64 apart, so that a warp's reads of the B tile are contiguous), through
// 16-deep k-slices staged in workgroup memory as vec4s; the next slice is fetched into registers
// while the current one is multiplied. Both tiles are stored k-major, rows 16·GROUPS + 1 vec4s
// apart, so that the stores of either thread mapping (k fastest or column fastest) and the compute
// loop's reads are free of bank conflicts. Each mode chooses the mapping whose global reads are
// contiguous. GROUPS = 2 halves the workgroup-memory reads per multiply-add, for the wide N of the
// forward and dx; GROUPS = 1 keeps more workgroups on small products.
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

override MODE: u32;
// The products MODE selects, as CONV_MODES in kernels/conv-implicit.ts (checked when the pipeline is created).
const MODE_FORWARD: u32 = 0u;
const MODE_INPUT_GRAD: u32 = 1u;
const MODE_WEIGHT_GRAD: u32 = 2u;
override BIAS: bool = false;
override RELU: bool = false;
// Column groups of 64 per workgroup: 1 or 2.
override GROUPS: u32 = 1u;

const ROW = 17u;
var<workgroup> tileA: array<vec4<f32>, 272>;
// Sized for GROUPS = 2: 16 rows of 33 vec4s.
var<workgroup> tileB: array<vec4<f32>, 528>;

// What an invocation precomputes about the 4·GROUPS columns of B it loads in every slice.
var<private> colBase: array<i32, 8>;
var<private> colY: array<i32, 8>;
var<private> colX: array<i32, 8>;
var<private> colOk: array<bool, 8>;

// x[base + y·w + x] if (y, x) lies inside the image, else 0 (the padding).
fn pixel(base: i32, y: i32, x: i32) -> f32 {
  if (y < 0 || y >= i32(p.h) || x < 0 || x >= i32(p.w)) { return 0.0; }
  return srcB[u32(base + y * i32(p.w) + x)];
}

// Fixes the columns n0 + 64·g + q·4 + j of B, j = 4·g + i (in mode 2 the columns (c, ky, kx)).
fn prepare(n0: u32, q: u32) {
  for (var j = 0u; j < 4u * GROUPS; j++) {
    let col = n0 + (j / 4u) * 64u + q * 4u + j % 4u;
    colOk[j] = col < p.N;
    let cc = min(col, p.N - 1u);
    if (MODE == MODE_FORWARD) {
      let l = cc % (p.oh * p.ow);
      let img = cc / (p.oh * p.ow);
      colBase[j] = i32(img * p.c * p.h * p.w);
      colY[j] = i32((l / p.ow) * p.sh) - i32(p.ph);
      colX[j] = i32((l % p.ow) * p.sw) - i32(p.pw);
    } else if (MODE == MODE_INPUT_GRAD) {
      let hw = p.h * p.w;
      let img = cc / hw;
      let l = cc % hw;
      colBase[j] = i32(img * p.cout * p.oh * p.ow);
      colY[j] = i32(l / p.w + p.ph);
      colX[j] = i32(l % p.w + p.pw);
    } else {
      let khw = p.kh * p.kw;
      colBase[j] = i32((cc / khw) * p.h * p.w);
      colY[j] = i32((cc % khw) / p.kw);
      colX[j] = i32(cc % p.kw);
    }
  }
}

// This invocation's vec4 of the A slice: rows m0 + q·4 .. +3 at k.
fn loadA(m0: u32, q: u32, k: u32) -> vec4<f32> {
  var v = vec4<f32>(0.0);
  if (k >= p.K) { return v; }
  if (MODE == MODE_FORWARD) {
    for (var i = 0u; i < 4u; i++) {
      let m = m0 + q * 4u + i;
      if (m < p.M) { v[i] = srcA[m * p.K + k]; }
    }
  } else if (MODE == MODE_INPUT_GRAD) {
    let khw = p.kh * p.kw;
    let co = k / khw;
    let base = co * p.c * khw + k % khw;
    for (var i = 0u; i < 4u; i++) {
      let m = m0 + q * 4u + i;
      if (m < p.M) { v[i] = srcA[base + m * khw]; }
    }
  } else {
    let L = p.oh * p.ow;
    let base = (k / L) * p.cout * L + k % L;
    for (var i = 0u; i < 4u; i++) {
      let m = m0 + q * 4u + i;
      if (m < p.M) { v[i] = srcA[base + m * L]; }
    }
  }
  return v;
}

// This invocation's vec4 of the B slice: row k, the columns of group grp that prepare() fixed.
fn loadB(k: u32, grp: u32) -> vec4<f32> {
  var v = vec4<f32>(0.0);
  if (k >= p.K) { return v; }
  if (MODE == MODE_FORWARD) {
    let khw = p.kh * p.kw;
    let cOff = i32((k / khw) * p.h * p.w);
    let ky = i32((k % khw) / p.kw);
    let kx = i32(k % p.kw);
    for (var i = 0u; i < 4u; i++) {
      let j = grp * 4u + i;
      if (colOk[j]) { v[i] = pixel(colBase[j] + cOff, colY[j] + ky, colX[j] + kx); }
    }
  } else if (MODE == MODE_INPUT_GRAD) {
    let khw = p.kh * p.kw;
    let co = k / khw;
    let ky = i32((k % khw) / p.kw);
    let kx = i32(k % p.kw);
    let gOff = i32(co * p.oh * p.ow);
    for (var i = 0u; i < 4u; i++) {
      let j = grp * 4u + i;
      let ty = colY[j] - ky;
      let tx = colX[j] - kx;
      if (!colOk[j] || ty < 0 || tx < 0) { continue; }
      var oy = u32(ty);
      var ox = u32(tx);
      // conv2d runs this kernel at stride 1 only (implicitInputGradPays); other strides divide.
      if (p.sh != 1u || p.sw != 1u) {
        oy = u32(ty) / p.sh;
        ox = u32(tx) / p.sw;
        if (oy * p.sh != u32(ty) || ox * p.sw != u32(tx)) { continue; }
      }
      if (oy >= p.oh || ox >= p.ow) { continue; }
      v[i] = srcB[u32(colBase[j] + gOff) + oy * p.ow + ox];
    }
  } else {
    let L = p.oh * p.ow;
    let l = k % L;
    let base = i32((k / L) * p.c * p.h * p.w);
    let iy = i32((l / p.ow) * p.sh) - i32(p.ph);
    let ix = i32((l % p.ow) * p.sw) - i32(p.pw);
    for (var i = 0u; i < 4u; i++) {
      let j = grp * 4u + i;
      if (colOk[j]) { v[i] = pixel(base + colBase[j], iy + colY[j], ix + colX[j]); }
    }
  }
  return v;
}

// Where C[m, col] goes: dst[offset(col) + m·stride(m)], NCHW for modes 0 and 1.
fn dstColumn(col: u32, z: u32) -> u32 {
  if (MODE == MODE_FORWARD) {
    let L = p.oh * p.ow;
    return (col / L) * p.cout * L + col % L;
  }
  if (MODE == MODE_INPUT_GRAD) {
    let hw = p.h * p.w;
    return (col / hw) * p.c * hw + col % hw;
  }
  return z * p.M * p.N + col;
}

fn dstRowStride() -> u32 {
  if (MODE == MODE_FORWARD) { return p.oh * p.ow; }
  if (MODE == MODE_INPUT_GRAD) { return p.h * p.w; }
  return p.N;
}

@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) t: u32,
        @builtin(num_workgroups) nwg: vec3<u32>) {
  let flat = workgroupIndex(wid, nwg);
  if (flat >= p.tiles) { return; }
  // Consecutive workgroups share a column tile, so the gathered B is read from cache by the others.
  let m0 = (flat % p.mTiles) * 64u;
  let n0 = (flat / p.mTiles) * 64u * GROUPS;
  let kBegin = wid.z * p.kSplit;
  let kEnd = min(p.K, kBegin + p.kSplit);

  // Thread mappings for the loads: (slice row r, vec4 index q). A is read along K, contiguous in
  // the weight and in grad; B along its columns (contiguous pixels) in modes 0 and 1, along K
  // (contiguous pixels of grad's samples) in mode 2.
  let ar = t % 16u;
  let aq = t / 16u;
  var br = t / 16u;
  var bq = t % 16u;
  if (MODE == MODE_WEIGHT_GRAD) {
    br = t % 16u;
    bq = t / 16u;
  }
  prepare(n0, bq);
  let rowB = 16u * GROUPS + 1u;
  let aSlot = ar * ROW + aq;
  let bSlot = br * rowB + bq;

  let tx = t % 16u;
  let ty = t / 16u;
  var acc0 = vec4<f32>(0.0);
  var acc1 = vec4<f32>(0.0);
  var acc2 = vec4<f32>(0.0);
  var acc3 = vec4<f32>(0.0);
  var acc4 = vec4<f32>(0.0);
  var acc5 = vec4<f32>(0.0);
  var acc6 = vec4<f32>(0.0);
  var acc7 = vec4<f32>(0.0);

  var nextA = loadA(m0, aq, kBegin + ar);
  var nextB = loadB(kBegin + br, 0u);
  var nextB1 = vec4<f32>(0.0);
  if (GROUPS == 2u) { nextB1 = loadB(kBegin + br, 1u); }
  for (var k0 = kBegin; k0 < kEnd; k0 += 16u) {
    workgroupBarrier();
    tileA[aSlot] = nextA;
    tileB[bSlot] = nextB;
    if (GROUPS == 2u) { tileB[bSlot + 16u] = nextB1; }
    workgroupBarrier();
    if (k0 + 16u < kEnd) {
      nextA = loadA(m0, aq, k0 + 16u + ar);
      nextB = loadB(k0 + 16u + br, 0u);
      if (GROUPS == 2u) { nextB1 = loadB(k0 + 16u + br, 1u); }
    }
    for (var r = 0u; r < 16u; r++) {
      let a = tileA[r * ROW + ty];
      let b = tileB[r * rowB + tx];
      acc0 += a.x * b;
      acc1 += a.y * b;
      acc2 += a.z * b;
      acc3 += a.w * b;
      if (GROUPS == 2u) {
        let b1 = tileB[r * rowB + 16u + tx];
        acc4 += a.x * b1;
        acc5 += a.y * b1;
        acc6 += a.z * b1;
        acc7 += a.w * b1;
      }
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
    emit(acc4, m1, n1 + 64u, wid.z);
    emit(acc5, m1 + 1u, n1 + 64u, wid.z);
    emit(acc6, m1 + 2u, n1 + 64u, wid.z);
    emit(acc7, m1 + 3u, n1 + 64u, wid.z);
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
