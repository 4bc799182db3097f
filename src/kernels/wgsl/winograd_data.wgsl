// requires: winograd_common
// Data into the transform domain (winograd_common.wgsl's layout), one invocation per channel and
// tile column of a chunk: `inputTransform` takes the α×α input tile d (zeros in the padding) to
// Bᵀ d B; `gradTransform` takes the m×m output-gradient tile g (zeros past the output) to A g Aᵀ,
// the weight gradient's operand (its product with the input's transform, summed over tiles, is
// G's transpose away from the weight gradient: winograd_filter.wgsl's filterGradTransform).
// Columns from `count` to ld are written with zeros.
// Invocations per workgroup: the dispatcher sets it and sizes its grid by the same number.
override WG: u32;

@group(0) @binding(1) var<storage, read> src: array<f32>;
@group(0) @binding(2) var<storage, read_write> dst: array<f32>;

fn store(xi: u32, c: u32, pl: u32, v: f32) { dst[(xi * p.ch + c) * p.ld + pl] = v; }

// The column's (channel, tile), or false for columns past the chunk's tiles (zeroed here).
fn column(idx: u32, c: ptr<function, u32>, pl: ptr<function, u32>) -> bool {
  *c = idx / p.ld;
  *pl = idx % p.ld;
  if (*pl < p.count) { return true; }
  let a = alpha();
  for (var xi = 0u; xi < a * a; xi++) { store(xi, *c, *pl, 0.0); }
  return false;
}

@compute @workgroup_size(WG)
fn inputTransform(inv: GridInvocation) {
  let idx = gridIndex(inv, WG);
  if (idx >= p.total) { return; }
  var c: u32;
  var pl: u32;
  if (!column(idx, &c, &pl)) { return; }
  let a = alpha();
  let tile = tileAt(pl);
  let start = planeStart(tile.n, c, p.ch);
  var d: array<f32, 36>;
  for (var i = 0u; i < a; i++) {
    let y = i32(tile.y0 + i) - p.ph;
    for (var j = 0u; j < a; j++) {
      let x = i32(tile.x0 + j) - p.pw;
      var v = 0.0;
      if (y >= 0 && y < i32(p.h) && x >= 0 && x < i32(p.w)) { v = src[start + u32(y) * p.w + u32(x)]; }
      d[i * a + j] = v;
    }
  }
  // t = Bᵀ d, then V = t B (V[i][j] = Σ_k t[i][k] Bᵀ[j][k]).
  var t: array<f32, 36>;
  for (var i = 0u; i < a; i++) {
    for (var j = 0u; j < a; j++) {
      var s = 0.0;
      for (var k = 0u; k < a; k++) { s += bt(i, k) * d[k * a + j]; }
      t[i * a + j] = s;
    }
  }
  for (var i = 0u; i < a; i++) {
    for (var j = 0u; j < a; j++) {
      var s = 0.0;
      for (var k = 0u; k < a; k++) { s += t[i * a + k] * bt(j, k); }
      store(i * a + j, c, pl, s);
    }
  }
}

@compute @workgroup_size(WG)
fn gradTransform(inv: GridInvocation) {
  let idx = gridIndex(inv, WG);
  if (idx >= p.total) { return; }
  var c: u32;
  var pl: u32;
  if (!column(idx, &c, &pl)) { return; }
  let a = alpha();
  let tile = tileAt(pl);
  let start = planeStart(tile.n, c, p.ch);
  var g: array<f32, 16>;
  for (var r = 0u; r < TILE; r++) {
    for (var s = 0u; s < TILE; s++) {
      let y = tile.y0 + r;
      let x = tile.x0 + s;
      var v = 0.0;
      if (y < p.h && x < p.w) { v = src[start + y * p.w + x]; }
      g[r * TILE + s] = v;
    }
  }
  // t = A g (t[i][s] = Σ_r Aᵀ[r][i] g[r][s]), then Z = t Aᵀ (Z[i][j] = Σ_s t[i][s] Aᵀ[s][j]).
  var t: array<f32, 24>;
  for (var i = 0u; i < a; i++) {
    for (var s = 0u; s < TILE; s++) {
      var sum = 0.0;
      for (var r = 0u; r < TILE; r++) { sum += at(r, i) * g[r * TILE + s]; }
      t[i * TILE + s] = sum;
    }
  }
  for (var i = 0u; i < a; i++) {
    for (var j = 0u; j < a; j++) {
      var sum = 0.0;
      for (var s = 0u; s < TILE; s++) { sum += t[i * TILE + s] * at(s, j); }
      store(i * a + j, c, pl, sum);
    }
  }
}
