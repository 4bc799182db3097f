// The operand side of conv_implicit.wgsl (which requires this file and declares what it reads:
// Params p, srcA/srcB/srcA4, MODE and the tiling overrides): each invocation's precomputed
// columns of B, k's mixed-radix digits and how they step, the im2col-addressed loads of A and B
// for the three modes, and where C's columns and rows land in dst (NCHW for modes 0 and 1).

// What an invocation precomputes about the 4·GROUPS columns of B it loads in every slice.
var<private> colBase: array<i32, 8>;
var<private> colY: array<i32, 8>;
var<private> colX: array<i32, 8>;
var<private> colOk: array<bool, 8>;

// k as three digits of a mixed radix (hi, mid, lo): lo < r0, mid < r1.
struct Digits { hi: u32, mid: u32, lo: u32 }

fn digitsOf(k: u32, r1: u32, r0: u32) -> Digits {
  let q = k / r0;
  return Digits(q / r1, q % r1, k % r0);
}

// d + s, where s is a step's digits (s.lo < r0, s.mid < r1): two carries, no division.
fn advance(d: Digits, s: Digits, r1: u32, r0: u32) -> Digits {
  var lo = d.lo + s.lo;
  var mid = d.mid + s.mid;
  var hi = d.hi + s.hi;
  if (lo >= r0) { lo -= r0; mid += 1u; }
  if (mid >= r1) { mid -= r1; hi += 1u; }
  return Digits(hi, mid, lo);
}

// The radices of A's k (r1, r0): (co, (ky, kx)) in mode 1, (n, l) in mode 2 (mode 0 needs none).
fn radixA() -> vec2<u32> {
  if (MODE == MODE_INPUT_GRAD) { return vec2<u32>(0xffffffffu, p.kh * p.kw); }
  return vec2<u32>(0xffffffffu, p.oh * p.ow);
}

// The radices of B's k: (c or co, ky, kx) in modes 0 and 1, (n, oy, ox) in mode 2.
fn radixB() -> vec2<u32> {
  if (MODE == MODE_WEIGHT_GRAD) { return vec2<u32>(p.oh, p.ow); }
  return vec2<u32>(p.kh, p.kw);
}

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

// This invocation's vec4 of the A slice: rows m0 + q·4 .. +3 at k, whose digits are d (radixA).
fn loadA(m0: u32, q: u32, k: u32, d: Digits) -> vec4<f32> {
  var v = vec4<f32>(0.0);
  if (k >= p.K) { return v; }
  if (MODE == MODE_FORWARD) {
    for (var i = 0u; i < 4u; i++) {
      let m = m0 + q * 4u + i;
      if (m < p.M) { v[i] = srcA[m * p.K + k]; }
    }
  } else if (MODE == MODE_INPUT_GRAD) {
    let khw = p.kh * p.kw;
    let base = d.mid * p.c * khw + d.lo;
    for (var i = 0u; i < 4u; i++) {
      let m = m0 + q * 4u + i;
      if (m < p.M) { v[i] = srcA[base + m * khw]; }
    }
  } else {
    let L = p.oh * p.ow;
    let base = d.mid * p.cout * L + d.lo;
    for (var i = 0u; i < 4u; i++) {
      let m = m0 + q * 4u + i;
      if (m < p.M) { v[i] = srcA[base + m * L]; }
    }
  }
  return v;
}

// A(m, k .. k+3) as one vec4 (VEC_A; k a multiple of 4, digits d): zeros past M or K.
fn loadA4(m: u32, k: u32, d: Digits) -> vec4<f32> {
  if (m >= p.M || k >= p.K) { return vec4<f32>(0.0); }
  if (MODE == MODE_FORWARD) { return srcA4[(m * p.K + k) / 4u]; }
  let L = p.oh * p.ow;
  return srcA4[(d.mid * p.cout * L + m * L + d.lo) / 4u];
}

// This invocation's vec4 of the B slice: row k (digits d, radixB), the columns of group grp that
// prepare() fixed.
fn loadB(k: u32, d: Digits, grp: u32) -> vec4<f32> {
  var v = vec4<f32>(0.0);
  if (k >= p.K) { return v; }
  if (MODE == MODE_FORWARD) {
    let cOff = i32(d.hi * p.h * p.w);
    let ky = i32(d.mid);
    let kx = i32(d.lo);
    for (var i = 0u; i < 4u; i++) {
      let j = grp * 4u + i;
      if (colOk[j]) { v[i] = pixel(colBase[j] + cOff, colY[j] + ky, colX[j] + kx); }
    }
  } else if (MODE == MODE_INPUT_GRAD) {
    let ky = i32(d.mid);
    let kx = i32(d.lo);
    let gOff = i32(d.hi * p.oh * p.ow);
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
    let base = i32(d.hi * p.c * p.h * p.w);
    let iy = i32(d.mid * p.sh) - i32(p.ph);
    let ix = i32(d.lo * p.sw) - i32(p.pw);
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
