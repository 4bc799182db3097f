// requires: winograd_common
// The weights into and out of the transform domain, one invocation per (o, i) pair of an
// [outC, ch] weight: `filterTransform` writes U[ξ][o][i] = (G w Gᵀ)[ξ] of the 3×3 filter w (with
// FLAG_FLIP, of w'[o][i] = w[i][o] rotated by 180°: the input gradient's filter, read from the
// forward weight [ch, outC, 3, 3]); `filterGradTransform` takes the products' sum dU[ξ][o][i]
// back to the 3×3 weight gradient Gᵀ dU G.
@group(0) @binding(1) var<storage, read> src: array<f32>;
@group(0) @binding(2) var<storage, read_write> dst: array<f32>;

@compute @workgroup_size(WG)
fn filterTransform(inv: GridInvocation) {
  let idx = gridIndex(inv, WG);
  if (idx >= p.total) { return; }
  let o = idx / p.ch;
  let i = idx % p.ch;
  let a = alpha();
  let flip = (p.flags & FLAG_FLIP) != 0u;
  var w: array<f32, 36>;
  for (var k = 0u; k < 9u; k++) {
    if (flip) { w[k] = src[(i * p.outC + o) * 9u + 8u - k]; } else { w[k] = src[(o * p.ch + i) * 9u + k]; }
  }
  let u = congruence(MAT_G, a, 3u, w);
  for (var xi = 0u; xi < a * a; xi++) { dst[(xi * p.outC + o) * p.ch + i] = u[xi]; }
}

@compute @workgroup_size(WG)
fn filterGradTransform(inv: GridInvocation) {
  let idx = gridIndex(inv, WG);
  if (idx >= p.total) { return; }
  let o = idx / p.ch;
  let i = idx % p.ch;
  let a = alpha();
  var du: array<f32, 36>;
  for (var xi = 0u; xi < a * a; xi++) { du[xi] = src[(xi * p.outC + o) * p.ch + i]; }
  let dw = congruence(MAT_GT, 3u, a, du);
  for (var k = 0u; k < 9u; k++) { dst[(o * p.ch + i) * 9u + k] = dw[k]; }
}
