// requires: winograd_common
// The weights into and out of the transform domain, one invocation per (o, i) pair of an
// [outC, ch] weight: `filterTransform` writes U[ξ][o][i] = (G w Gᵀ)[ξ] of the 3×3 filter w (with
// FLAG_FLIP, of w'[o][i] = w[i][o] rotated by 180°: the input gradient's filter, read from the
// forward weight [ch, outC, 3, 3]); `filterGradTransform` takes the products' sum dU[ξ][o][i]
// back to the 3×3 weight gradient Gᵀ dU G.
// Invocations per workgroup: the dispatcher sets it and sizes its grid by the same number.
override WG: u32;

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
  var w: array<f32, 9>;
  for (var k = 0u; k < 9u; k++) {
    if (flip) { w[k] = src[(i * p.outC + o) * 9u + 8u - k]; } else { w[k] = src[(o * p.ch + i) * 9u + k]; }
  }
  // t = G w (α × 3), then U = t Gᵀ.
  var t: array<f32, 18>;
  for (var r = 0u; r < a; r++) {
    for (var kx = 0u; kx < 3u; kx++) {
      t[r * 3u + kx] = gm(r, 0u) * w[kx] + gm(r, 1u) * w[3u + kx] + gm(r, 2u) * w[6u + kx];
    }
  }
  for (var r = 0u; r < a; r++) {
    for (var c = 0u; c < a; c++) {
      let u = t[r * 3u] * gm(c, 0u) + t[r * 3u + 1u] * gm(c, 1u) + t[r * 3u + 2u] * gm(c, 2u);
      dst[((r * a + c) * p.outC + o) * p.ch + i] = u;
    }
  }
}

@compute @workgroup_size(WG)
fn filterGradTransform(inv: GridInvocation) {
  let idx = gridIndex(inv, WG);
  if (idx >= p.total) { return; }
  let o = idx / p.ch;
  let i = idx % p.ch;
  let a = alpha();
  // t = Gᵀ dU (3 × α), then dW = t G.
  var t: array<f32, 18>;
  for (var ky = 0u; ky < 3u; ky++) {
    for (var c = 0u; c < a; c++) {
      var s = 0.0;
      for (var r = 0u; r < a; r++) { s += gm(r, ky) * src[((r * a + c) * p.outC + o) * p.ch + i]; }
      t[ky * 6u + c] = s;
    }
  }
  for (var ky = 0u; ky < 3u; ky++) {
    for (var kx = 0u; kx < 3u; kx++) {
      var s = 0.0;
      for (var c = 0u; c < a; c++) { s += t[ky * 6u + c] * gm(c, kx); }
      dst[(o * p.ch + i) * 9u + ky * 3u + kx] = s;
    }
  }
}
