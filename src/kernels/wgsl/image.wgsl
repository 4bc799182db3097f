// requires: grid
// The input pipeline of image classifiers (XS outputs of one row per invocation): a byte image (CHW
// planes, packed four bytes per u32 word, images back to back) is zero-padded, cropped, flipped
// horizontally, resized (bilinear, half-pixel centres, PyTorch's align_corners=False rule) and
// normalised: out = (pixel / 255 + lighting[c] - mean[c]) / std[c].
struct Params {
  invocations: u32, n: u32, inSize: u32, cropSize: u32,
  outSize: u32, padding: u32, _p0: u32, _p1: u32,
  // crop / out, the source step per output pixel.
  scale: f32, _p2: f32, _p3: f32, _p4: f32,
  mean: vec4<f32>,
  invStd: vec4<f32>,
}
// Invocations per workgroup: the dispatcher sets it and sizes its grid by the same number.
override WG: u32;

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> pixels: array<u32>;
// Per image, 8 floats: crop offset y, crop offset x (in padded coordinates), flip (0 or 1),
// lighting offsets r, g, b, then two unused.
@group(0) @binding(2) var<storage, read> perImage: array<f32>;
@group(0) @binding(3) var<storage, read_write> out: array<f32>;

// The byte at (row, col) of a plane starting at byte `plane`, in padded coordinates (0 outside the image).
fn byteAt(plane: u32, row: u32, col: u32) -> f32 {
  let r = i32(row) - i32(p.padding);
  let c = i32(col) - i32(p.padding);
  if (r < 0 || c < 0 || r >= i32(p.inSize) || c >= i32(p.inSize)) { return 0.0; }
  let b = plane + u32(r) * p.inSize + u32(c);
  return f32((pixels[b >> 2u] >> ((b & 3u) * 8u)) & 0xffu);
}

// PyTorch's upsample_bilinear2d source index: (dst + 0.5) * scale - 0.5, clamped at 0.
fn sourceCoord(dst: u32) -> f32 {
  return max((f32(dst) + 0.5) * p.scale - 0.5, 0.0);
}

// Each invocation writes XS consecutive outputs of one row, sharing the row's source rows and
// the per-image parameters.
const XS = 4u;

@compute @workgroup_size(WG)
fn main(inv: GridInvocation) {
  let i = gridIndex(inv, WG);
  if (i >= p.invocations) { return; }
  let o = p.outSize;
  let groups = (o + XS - 1u) / XS;
  let xg = i % groups;
  let row = i / groups;
  let y = row % o;
  let c = (row / o) % 3u;
  let img = row / (3u * o);
  let base = img * 8u;
  let oy = u32(perImage[base]);
  let ox = u32(perImage[base + 1u]);
  let flip = perImage[base + 2u] != 0.0;
  let shift = perImage[base + 3u + c] - p.mean[c];
  let invStd = p.invStd[c];

  let last = p.cropSize - 1u;
  let sy = sourceCoord(y);
  let y0 = min(u32(sy), last);
  let y1 = min(y0 + 1u, last);
  let ly = sy - f32(y0);
  let plane = (img * 3u + c) * p.inSize * p.inSize;
  let outRow = row * o;
  for (var k = 0u; k < XS; k++) {
    let x = xg * XS + k;
    if (x >= o) { break; }
    let sx = sourceCoord(x);
    var x0 = min(u32(sx), last);
    var x1 = min(x0 + 1u, last);
    let lx = sx - f32(x0);
    // The flip mirrors the crop before it is resized: column k of the flipped crop is column last - k.
    if (flip) {
      x0 = last - x0;
      x1 = last - x1;
    }
    let top = (1.0 - lx) * byteAt(plane, oy + y0, ox + x0) + lx * byteAt(plane, oy + y0, ox + x1);
    let bottom = (1.0 - lx) * byteAt(plane, oy + y1, ox + x0) + lx * byteAt(plane, oy + y1, ox + x1);
    out[outRow + x] = (((1.0 - ly) * top + ly * bottom) * (1.0 / 255.0) + shift) * invStd;
  }
}
