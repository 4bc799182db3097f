// requires: grid window
// The data movement around conv2d's GEMMs, for a chunk of `nb` samples starting at sample n0.
// The NCHW tensor on the other side (x, the output, their gradients) is indexed from `base`, the
// index of sample n0's first element in its binding: the whole tensor, or only the chunk's samples
// where the tensor is larger than one storage binding (kernels/conv.ts).
// The column matrix is "wide": cols[r, n·L + l] with r = (c·kh + ky)·kw + kx and l = oy·OW + ox,
// so that one GEMM covers the whole chunk (N = nb·L columns) and the weight gradient's GEMM
// sums over the batch through its K dimension. Its rows, and those of the GEMMs' other wide
// matrices, are ld ≥ nb·L apart, the columns past nb·L zero: the texture GEMM copies rows whose
// length is a multiple of 64 floats into its textures, instead of packing them.
struct Params {
  total: u32, c: u32, h: u32, w: u32,
  oh: u32, ow: u32, kh: u32, kw: u32,
  sh: u32, sw: u32, ph: u32, pw: u32,
  nb: u32, base: u32, ld: u32, _p1: u32,
}
// Invocations per workgroup: the dispatcher sets it and sizes its grid by the same number.
override WG: u32;

@group(0) @binding(0) var<uniform> p: Params;

@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read_write> cols: array<f32>;

// cols[r, n·L + l] = x[n0 + n, c, oy·sh - ph + ky, ox·sw - pw + kx], zero in the padding.
// Row segment t = (r·nb + n)·OH + oy of the matrix: where its OW columns start, the input row
// they read (y, possibly in the padding) and where that row starts in x, kx, and where the row's
// columns past nb·L start if this is its last segment (else 0).
struct Segment { out0: u32, y: i32, row: u32, kx: u32, tail: u32 }
fn segment(t: u32) -> Segment {
  let oy = t % p.oh;
  let rest = t / p.oh;
  let n = rest % p.nb;
  let r = rest / p.nb;
  let ky = (r / p.kw) % p.kh;
  let c = r / (p.kw * p.kh);
  let y = i32(oy * p.sh + ky) - i32(p.ph);
  // The row start is only read where y is inside the input.
  let row = p.base + ((n * p.c + c) * p.h + u32(max(y, 0))) * p.w;
  let width = p.nb * p.oh * p.ow;
  let last = n + 1u == p.nb && oy + 1u == p.oh;
  return Segment(r * p.ld + (n * p.oh + oy) * p.ow, y, row, r % p.kw, select(0u, r * p.ld + width, last && width < p.ld));
}

// Zeros the columns past nb·L of the row whose tail starts at `tail` (the row's last segment does).
fn zeroTail(tail: u32) {
  if (tail == 0u) { return; }
  for (var i = tail; i < tail + p.ld - p.nb * p.oh * p.ow; i++) { cols[i] = 0.0; }
}

// One invocation writes one row segment of OW columns: the index arithmetic (integer divisions
// are scalarised per lane on a CPU adapter) is paid once per OW elements.
@compute @workgroup_size(WG)
fn im2col(inv: GridInvocation) {
  let t = gridIndex(inv, WG);
  if (t >= p.total) { return; }
  let s = segment(t);
  zeroTail(s.tail);
  if (s.y < 0 || s.y >= i32(p.h)) {
    for (var ox = 0u; ox < p.ow; ox++) { cols[s.out0 + ox] = 0.0; }
    return;
  }
  var xx = i32(s.kx) - i32(p.pw);
  for (var ox = 0u; ox < p.ow; ox++) {
    var v = 0.0;
    if (xx >= 0 && xx < i32(p.w)) { v = x[s.row + u32(xx)]; }
    cols[s.out0 + ox] = v;
    xx += i32(p.sw);
  }
}

// The same matrix for GPUs, one element per invocation: consecutive invocations write consecutive
// columns (coalesced), where the row form above has each invocation write a segment of its own.
// total counts elements, the segments' OW columns one after another.
@compute @workgroup_size(WG)
fn im2colElements(inv: GridInvocation) {
  let t = gridIndex(inv, WG);
  if (t >= p.total) { return; }
  let ox = t % p.ow;
  let s = segment(t / p.ow);
  if (ox == 0u) { zeroTail(s.tail); }
  let xx = i32(ox * p.sw + s.kx) - i32(p.pw);
  var v = 0.0;
  if (s.y >= 0 && s.y < i32(p.h) && xx >= 0 && xx < i32(p.w)) { v = x[s.row + u32(xx)]; }
  cols[s.out0 + ox] = v;
}

@group(0) @binding(1) var<storage, read> gcols: array<f32>;
@group(0) @binding(2) var<storage, read_write> gx: array<f32>;

// col2im as a gather: gx[n0 + n, c, y, x] = Σ over the windows covering (y, x) of their column
// entry; each input element owns its sum, so no atomics. One invocation writes one input row
// (n, c, y); writes the chunk's samples only. The covering windows: window.wgsl's windowRange.
@compute @workgroup_size(WG)
fn col2im(inv: GridInvocation) {
  let t = gridIndex(inv, WG);
  if (t >= p.total) { return; }
  let L = p.oh * p.ow;
  let y = t % p.h;
  let c = (t / p.h) % p.c;
  let n = t / (p.h * p.c);
  let rows = windowRange(y, p.ph, p.kh, p.sh, p.oh);
  let out0 = p.base + ((n * p.c + c) * p.h + y) * p.w;
  for (var xx = 0u; xx < p.w; xx++) {
    let span = windowRange(xx, p.pw, p.kw, p.sw, p.ow);
    var acc = 0.0;
    for (var oy = rows.x; oy <= rows.y; oy++) {
      let ky = u32(i32(y + p.ph) - oy * i32(p.sh));
      let rowBase = ((c * p.kh + ky) * p.kw) * p.ld + n * L + u32(oy) * p.ow;
      for (var ox = span.x; ox <= span.y; ox++) {
        let kx = u32(i32(xx + p.pw) - ox * i32(p.sw));
        acc += gcols[rowBase + kx * p.ld + u32(ox)];
      }
    }
    gx[out0 + xx] = acc;
  }
}

// Between the GEMMs' channel-major [Cout, nb·L] layout and NCHW [N, Cout, L] (c = Cout, h·w = L),
// on a 3-D grid (x: L in blocks of 64, y: channel, z: sample) so that no lane divides.
@group(0) @binding(1) var<storage, read> wide: array<f32>;
@group(0) @binding(2) var<storage, read_write> nchw: array<f32>;

@compute @workgroup_size(WG)
fn fromWide(@builtin(global_invocation_id) gid: vec3<u32>) {
  let L = p.h * p.w;
  let l = gid.x;
  if (l >= L) { return; }
  let c = gid.y;
  let n = gid.z;
  nchw[p.base + (n * p.c + c) * L + l] = wide[c * p.ld + n * L + l];
}

@group(0) @binding(1) var<storage, read> src: array<f32>;
@group(0) @binding(2) var<storage, read_write> dst: array<f32>;

@compute @workgroup_size(WG)
fn toWide(@builtin(global_invocation_id) gid: vec3<u32>) {
  let L = p.h * p.w;
  let l = gid.x;
  if (l >= L) { return; }
  let c = gid.y;
  let n = gid.z;
  dst[c * p.ld + n * L + l] = src[p.base + (n * p.c + c) * L + l];
  // The row's last element also zeros its columns past nb·L.
  if (n + 1u == p.nb && l + 1u == L) {
    for (var i = c * p.ld + p.nb * L; i < (c + 1u) * p.ld; i++) { dst[i] = 0.0; }
  }
}

