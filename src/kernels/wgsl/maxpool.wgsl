// requires: grid window
// 2-D max pooling over NCHW planes. Forward keeps, for each window, the flat index (y·W + x) in
// its plane of the maximum (the first in row-major order among ties, as PyTorch; NaN wins);
// padding is -inf, so it is never chosen. Backward is a gather: each input element sums the
// gradients of the windows that chose it, so overlapping windows need no atomics. Each invocation
// handles one row of its output (integer divisions are scalarised per lane on a CPU adapter:
// they are paid once per row).
struct Params {
  total: u32, h: u32, w: u32, oh: u32,
  ow: u32, kh: u32, kw: u32, sh: u32,
  sw: u32, ph: u32, pw: u32, _p0: u32,
}
// Invocations per workgroup: the dispatcher sets it and sizes its grid by the same number.
override WG: u32;

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read_write> out: array<f32>;
@group(0) @binding(3) var<storage, read_write> indices: array<i32>;

fn linear(wid: vec3<u32>, lid: u32, nwg: vec3<u32>) -> u32 {
  return invocationIndex(wid, nwg, lid, WG);
}

struct Best { v: f32, i: i32 }
// The last input column whose maximum was computed, kept for the next window: with AlexNet's
// 3/2 windows adjacent windows share one column, so each column is read once (6 loads an output, not 9).
struct Carry { col: i32, v: f32, i: i32 }

// Whether (v, i) beats (best, at): larger, or equal and earlier in row-major order (the element
// PyTorch picks), or a NaN (which PyTorch propagates).
fn beats(v: f32, i: i32, best: Best) -> bool {
  return v > best.v || (v == best.v && i < best.i) || (isNaN(v) && !isNaN(best.v));
}

// Output row t = (plane, oy): where its plane starts and the input rows [ys, ye) its windows span.
struct OutputRow { base: u32, ys: i32, ye: i32 }
fn outputRow(t: u32) -> OutputRow {
  let y0 = i32((t % p.oh) * p.sh) - i32(p.ph);
  return OutputRow((t / p.oh) * p.h * p.w, max(y0, 0), min(y0 + i32(p.kh), i32(p.h)));
}

// The maximum of window ox of output row r: its input rows [r.ys, r.ye) by columns [xs, xe).
fn windowMax(r: OutputRow, ox: u32, carry: ptr<function, Carry>) -> Best {
  let x0 = i32(ox * p.sw) - i32(p.pw);
  let xs = max(x0, 0);
  let xe = min(x0 + i32(p.kw), i32(p.w));
  var best = Best(negInf(), r.ys * i32(p.w) + xs);
  for (var xx = xs; xx < xe; xx++) {
    var col = Best(negInf(), r.ys * i32(p.w) + xx);
    if (xx == (*carry).col) {
      col = Best((*carry).v, (*carry).i);
    } else {
      for (var y = r.ys; y < r.ye; y++) {
        let idx = y * i32(p.w) + xx;
        let v = x[r.base + u32(idx)];
        if (v > col.v || (isNaN(v) && !isNaN(col.v))) { col = Best(v, idx); }
      }
    }
    if (beats(col.v, col.i, best)) { best = col; }
    if (xx == xe - 1) { *carry = Carry(xx, col.v, col.i); }
  }
  return best;
}

// One output row (plane, oy): maxima and their indices.
@compute @workgroup_size(WG)
fn forward(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) lid: u32,
           @builtin(num_workgroups) nwg: vec3<u32>) {
  let t = linear(wid, lid, nwg);
  if (t >= p.total) { return; }
  let r = outputRow(t);
  var carry = Carry(-1, 0.0, 0);
  for (var ox = 0u; ox < p.ow; ox++) {
    let best = windowMax(r, ox, &carry);
    out[t * p.ow + ox] = best.v;
    indices[t * p.ow + ox] = best.i;
  }
}

// The same without the indices, when no backward will need them.
@compute @workgroup_size(WG)
fn forwardMax(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) lid: u32,
              @builtin(num_workgroups) nwg: vec3<u32>) {
  let t = linear(wid, lid, nwg);
  if (t >= p.total) { return; }
  let r = outputRow(t);
  var carry = Carry(-1, 0.0, 0);
  for (var ox = 0u; ox < p.ow; ox++) { out[t * p.ow + ox] = windowMax(r, ox, &carry).v; }
}

// AlexNet's 3-wide, stride-2 windows without padding, values only: each invocation streams the KH
// input rows of one output row as aligned vec4 loads (one load per two outputs per row, against
// three scalar loads each), re-aligning them with selects since rows start at any offset.
override KH: u32 = 3u;
const MAX_KH: u32 = 8u;
@group(0) @binding(1) var<storage, read> x4: array<vec4<f32>>;

// Elements o .. o+3 of the 8 in (a, b).
fn shifted(a: vec4<f32>, b: vec4<f32>, o: u32) -> vec4<f32> {
  let s1 = vec4<f32>(a.yzw, b.x);
  let s2 = vec4<f32>(a.zw, b.xy);
  let s3 = vec4<f32>(a.w, b.xyz);
  return select(select(select(s3, s2, o == 2u), s1, o == 1u), a, o == 0u);
}

fn component(v: vec4<f32>, o: u32) -> f32 {
  return select(select(select(v.w, v.z, o == 2u), v.y, o == 1u), v.x, o == 0u);
}

// max that keeps NaN, as PyTorch's max pooling does.
fn nanMax(a: f32, b: f32) -> f32 {
  return select(max(a, b), a + b, isNaN(a) || isNaN(b));
}

@compute @workgroup_size(WG)
fn forwardMax3s2(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) lid: u32,
                 @builtin(num_workgroups) nwg: vec3<u32>) {
  let t = linear(wid, lid, nwg);
  if (t >= p.total) { return; }
  let oy = t % p.oh;
  let first = (t / p.oh) * p.h * p.w + oy * p.sh * p.w;
  var q: array<u32, MAX_KH>;
  var o: array<u32, MAX_KH>;
  var cur: array<vec4<f32>, MAX_KH>;
  for (var r = 0u; r < KH; r++) {
    let e = first + r * p.w;
    q[r] = e / 4u;
    o[r] = e % 4u;
    cur[r] = x4[q[r]];
  }
  let out0 = t * p.ow;
  for (var m = 0u; 2u * m < p.ow; m++) {
    var even = negInf();
    var odd = negInf();
    for (var r = 0u; r < KH; r++) {
      let next = x4[q[r] + m + 1u];
      let row = shifted(cur[r], next, o[r]); // row elements 4m .. 4m+3
      let e4 = component(next, o[r]);        // row element 4m+4
      even = nanMax(even, nanMax(nanMax(row.x, row.y), row.z));
      odd = nanMax(odd, nanMax(nanMax(row.z, row.w), e4));
      cur[r] = next;
    }
    out[out0 + 2u * m] = even;
    if (2u * m + 1u < p.ow) { out[out0 + 2u * m + 1u] = odd; }
  }
}

@group(0) @binding(1) var<storage, read> g: array<f32>;
@group(0) @binding(2) var<storage, read> chosen: array<i32>;
@group(0) @binding(3) var<storage, read_write> gx: array<f32>;

// Input row t = (plane, y): y, the rows [first, last] of windows that cover it (window.wgsl),
// where its plane's outputs start and where the row starts in gx.
struct InputRow { y: u32, rows: vec2<i32>, base: u32, gx0: u32 }
fn inputRow(t: u32) -> InputRow {
  let y = t % p.h;
  return InputRow(y, windowRange(y, p.ph, p.kh, p.sh, p.oh), (t / p.h) * p.oh * p.ow, t * p.w);
}

// One input row.
@compute @workgroup_size(WG)
fn backward(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) lid: u32,
            @builtin(num_workgroups) nwg: vec3<u32>) {
  let t = linear(wid, lid, nwg);
  if (t >= p.total) { return; }
  let r = inputRow(t);
  for (var xx = 0u; xx < p.w; xx++) {
    let own = i32(r.y * p.w + xx);
    let cols = windowRange(xx, p.pw, p.kw, p.sw, p.ow);
    var acc = 0.0;
    for (var oy = r.rows.x; oy <= r.rows.y; oy++) {
      for (var ox = cols.x; ox <= cols.y; ox++) {
        let o = r.base + u32(oy) * p.ow + u32(ox);
        if (chosen[o] == own) { acc += g[o]; }
      }
    }
    gx[r.gx0 + xx] = acc;
  }
}

// The same for windows 3 wide at stride 2 without column padding (AlexNet's), any rows: each
// invocation streams the windows over its input row once, two loads a window and row of windows
// (against up to four windows of two loads each for every input element), carrying the sum of
// the column that a window shares with the next.
@compute @workgroup_size(WG)
fn backward3s2(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) lid: u32,
               @builtin(num_workgroups) nwg: vec3<u32>) {
  let t = linear(wid, lid, nwg);
  if (t >= p.total) { return; }
  let r = inputRow(t);
  // Columns 2·ox, 2·ox + 1 and 2·ox + 2 of window ox; the first holds what window ox − 1 gave it.
  var a0 = 0.0;
  for (var ox = 0u; ox < p.ow; ox++) {
    var a1 = 0.0;
    var a2 = 0.0;
    let rowStart = i32(r.y * p.w + 2u * ox);
    for (var oy = r.rows.x; oy <= r.rows.y; oy++) {
      let o = r.base + u32(oy) * p.ow + ox;
      // Where in this row's three columns the window's choice lies (another row: outside 0..2).
      let c = chosen[o] - rowStart;
      let v = g[o];
      a0 += select(0.0, v, c == 0);
      a1 += select(0.0, v, c == 1);
      a2 += select(0.0, v, c == 2);
    }
    gx[r.gx0 + 2u * ox] = a0;
    gx[r.gx0 + 2u * ox + 1u] = a1;
    a0 = a2;
  }
  // Column 2·ow is the last window's third; any after it lie in no window.
  for (var xx = 2u * p.ow; xx < p.w; xx++) { gx[r.gx0 + xx] = select(0.0, a0, xx == 2u * p.ow); }
}

// -inf at run time (WGSL refuses infinities in constant expressions).
fn negInf() -> f32 {
  var bits = 0xff800000u;
  return bitcast<f32>(bits);
}

// By bits: a compiler that assumes no NaN folds `v != v` to false.
fn isNaN(v: f32) -> bool {
  return (bitcast<u32>(v) & 0x7fffffffu) > 0x7f800000u;
}
