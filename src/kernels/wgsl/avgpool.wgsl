// requires: grid
// 2-D average pooling of x [N, C, H, W], as PyTorch's avg_pool2d (floor mode) and adaptive_avg_pool2d.
// Along each axis, output o averages the input span [start, end):
//   fixed windows:  start = o·stride − pad, end = min(start + kernel, size + pad), then clamped to the
//                   input; the divisor counts the padded span (COUNT_PAD, PyTorch's count_include_pad)
//                   or the clamped one;
//   ADAPTIVE:       start = ⌊o·size/out⌋, end = ⌈(o + 1)·size/out⌉.
// backward: each input element gathers g/divisor from the outputs whose span holds it (no atomics).
override ADAPTIVE: bool;
override COUNT_PAD: bool;
struct Params {
  n: u32, c: u32, h: u32, w: u32,
  oh: u32, ow: u32, kh: u32, kw: u32,
  sh: u32, sw: u32, ph: u32, pw: u32,
}
// Invocations per workgroup: the dispatcher sets it and sizes its grid by the same number.
override WG: u32;

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> src: array<f32>;
@group(0) @binding(2) var<storage, read_write> dst: array<f32>;

// (start, end) clamped to the input, and the span's divisor along one axis.
fn span(o: i32, size: i32, outSize: i32, k: i32, s: i32, pad: i32) -> vec3<i32> {
  if (ADAPTIVE) {
    let a = (o * size) / outSize;
    let b = ((o + 1) * size + outSize - 1) / outSize;
    return vec3<i32>(a, b, b - a);
  }
  let a = o * s - pad;
  let b = min(a + k, size + pad);
  let lo = max(a, 0);
  let hi = min(b, size);
  return vec3<i32>(lo, hi, select(hi - lo, b - a, COUNT_PAD));
}

// The spans of output row oy and output column ox.
fn rowSpan(oy: i32) -> vec3<i32> { return span(oy, i32(p.h), i32(p.oh), i32(p.kh), i32(p.sh), i32(p.ph)); }
fn colSpan(ox: i32) -> vec3<i32> { return span(ox, i32(p.w), i32(p.ow), i32(p.kw), i32(p.sw), i32(p.pw)); }

// Element i of [N·C, rows, cols] planes: (column, row, plane).
fn planeCoords(i: u32, rows: u32, cols: u32) -> vec3<u32> {
  return vec3<u32>(i % cols, (i / cols) % rows, i / (cols * rows));
}

@compute @workgroup_size(WG)
fn forward(inv: GridInvocation) {
  let i = gridIndex(inv, WG);
  if (i >= p.n * p.c * p.oh * p.ow) { return; }
  let o = planeCoords(i, p.oh, p.ow);
  let plane = o.z;
  let sy = rowSpan(i32(o.y));
  let sx = colSpan(i32(o.x));
  var acc = 0.0;
  for (var y = sy.x; y < sy.y; y++) {
    let row = (plane * p.h + u32(y)) * p.w;
    for (var x = sx.x; x < sx.y; x++) { acc += src[row + u32(x)]; }
  }
  dst[i] = acc / f32(sy.z * sx.z);
}

// The outputs along one axis whose span may hold input position `at`: [first, last) (checked again by span).
fn candidates(at: i32, size: i32, outSize: i32, k: i32, s: i32, pad: i32) -> vec2<i32> {
  if (ADAPTIVE) {
    return vec2<i32>((at * outSize) / size, min(((at + 1) * outSize + size - 1) / size, outSize));
  }
  let reach = at + pad;
  let first = select(0, (reach - k) / s + 1, reach >= k);
  return vec2<i32>(first, min(reach / s + 1, outSize));
}

@compute @workgroup_size(WG)
fn backward(inv: GridInvocation) {
  let i = gridIndex(inv, WG);
  if (i >= p.n * p.c * p.h * p.w) { return; }
  let at = planeCoords(i, p.h, p.w);
  let ix = i32(at.x);
  let iy = i32(at.y);
  let plane = at.z;
  let cy = candidates(iy, i32(p.h), i32(p.oh), i32(p.kh), i32(p.sh), i32(p.ph));
  let cx = candidates(ix, i32(p.w), i32(p.ow), i32(p.kw), i32(p.sw), i32(p.pw));
  var acc = 0.0;
  for (var oy = cy.x; oy < cy.y; oy++) {
    let sy = rowSpan(oy);
    if (iy < sy.x || iy >= sy.y) { continue; }
    for (var ox = cx.x; ox < cx.y; ox++) {
      let sx = colSpan(ox);
      if (ix < sx.x || ix >= sx.y) { continue; }
      acc += src[(plane * p.oh + u32(oy)) * p.ow + u32(ox)] / f32(sy.z * sx.z);
    }
  }
  dst[i] = acc;
}
