// requires: winograd_common
// Out of the transform domain: one invocation per output channel o and tile of a chunk takes the
// α² products M[ξ][o][tile] (winograd_common.wgsl's layout, `outC` channels) to the m×m output
// tile Aᵀ M A, adds the bias (FLAG_BIAS), applies ReLU (FLAG_RELU) and writes the part of the
// tile inside the h × w output plane of the NCHW binding.
@group(0) @binding(1) var<storage, read> prods: array<f32>;
@group(0) @binding(2) var<storage, read> bias: array<f32>;
@group(0) @binding(3) var<storage, read_write> out: array<f32>;

@compute @workgroup_size(WG)
fn outputTransform(inv: GridInvocation) {
  let idx = gridIndex(inv, WG);
  if (idx >= p.total) { return; }
  let o = idx / p.count;
  let pl = idx % p.count;
  let a = alpha();
  var m: array<f32, 36>;
  for (var xi = 0u; xi < a * a; xi++) { m[xi] = prods[(xi * p.outC + o) * p.ld + pl]; }
  let tileY = congruence(MAT_AT, TILE, a, m);
  var b = 0.0;
  if ((p.flags & FLAG_BIAS) != 0u) { b = bias[o]; }
  let tile = tileAt(pl);
  let start = planeStart(tile.n, o, p.outC);
  for (var r = 0u; r < TILE; r++) {
    let y = tile.y0 + r;
    if (y >= p.h) { break; }
    for (var s = 0u; s < TILE; s++) {
      let x = tile.x0 + s;
      if (x >= p.w) { break; }
      var v = tileY[r * TILE + s] + b;
      if ((p.flags & FLAG_RELU) != 0u) { v = max(v, 0.0); }
      out[start + y * p.w + x] = v;
    }
  }
}
