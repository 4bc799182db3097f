// requires: winograd_common
// Data into the transform domain (winograd_common.wgsl's layout), one invocation per channel and
// tile column of a chunk: `inputTransform` takes the α×α input tile d (zeros in the padding) to
// Bᵀ d B; `gradTransform` takes the m×m output-gradient tile g (zeros past the output) to A g Aᵀ,
// the weight gradient's operand (its product with the input's transform, summed over tiles, is
// G's transpose away from the weight gradient: winograd_filter.wgsl's filterGradTransform).
// Columns from `count` to ld are written with zeros.
@group(0) @binding(1) var<storage, read> src: array<f32>;
@group(0) @binding(2) var<storage, read_write> dst: array<f32>;

// A column of the chunk: its channel c and tile pl, where the tile lies and where its plane starts;
// live is false past the grid and for columns past the chunk's tiles (whose α² values are zeroed here).
struct Column { c: u32, pl: u32, live: bool, tile: Tile, start: u32 }
fn column(idx: u32) -> Column {
  let c = idx / p.ld;
  let pl = idx % p.ld;
  let tile = tileAt(pl);
  let col = Column(c, pl, idx < p.total && pl < p.count, tile, planeStart(tile.n, c, p.ch));
  if (idx < p.total && pl >= p.count) { store(col, array<f32, 36>()); }
  return col;
}

// Writes a column's α² transform values v (zeros when v is).
fn store(col: Column, v: array<f32, 36>) {
  let a = alpha();
  for (var xi = 0u; xi < a * a; xi++) { dst[(xi * p.ch + col.c) * p.ld + col.pl] = v[xi]; }
}

// The size × size window of the column's plane from row y0, column x0 (row-major), zeros outside
// the h × w plane.
fn window(col: Column, y0: i32, x0: i32, size: u32) -> array<f32, 36> {
  var d: array<f32, 36>;
  for (var i = 0u; i < size; i++) {
    let y = y0 + i32(i);
    for (var j = 0u; j < size; j++) {
      let x = x0 + i32(j);
      if (y >= 0 && y < i32(p.h) && x >= 0 && x < i32(p.w)) { d[i * size + j] = src[col.start + u32(y) * p.w + u32(x)]; }
    }
  }
  return d;
}

// Bᵀ d B of the α×α input tile d (zeros in the padding).
@compute @workgroup_size(WG)
fn inputTransform(inv: GridInvocation) {
  let col = column(gridIndex(inv, WG));
  if (!col.live) { return; }
  let d = window(col, i32(col.tile.y0) - p.ph, i32(col.tile.x0) - p.pw, alpha());
  store(col, congruence(MAT_BT, alpha(), alpha(), d));
}

// A g Aᵀ of the m×m output-gradient tile g (zeros past the output).
@compute @workgroup_size(WG)
fn gradTransform(inv: GridInvocation) {
  let col = column(gridIndex(inv, WG));
  if (!col.live) { return; }
  let g = window(col, i32(col.tile.y0), i32(col.tile.x0), TILE);
  store(col, congruence(MAT_A, alpha(), TILE, g));
}
