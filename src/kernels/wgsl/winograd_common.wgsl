// requires: grid
// Winograd F(m×m, 3×3) convolution (Lavin & Gray, 2016), shared by winograd_data, winograd_filter
// and winograd_output. A 3×3, stride-1 convolution is computed tile by tile: each m×m tile of the
// output from an α×α tile of the input (α = m + 2) as Y = Aᵀ [(G w Gᵀ) ⊙ (Bᵀ d B)] A. The
// element-wise product summed over input channels is, for each of the α² transform points ξ, one
// GEMM [O, I] · [I, P] over the P tiles of a chunk, run by the GEMM kernels (kernels/winograd.ts).
// The transformed matrices are laid out [α², channels, ld]: point ξ, channel, tile (columns past
// the chunk's `count` tiles zero, so that the texture GEMM copies rather than packs their rows).
// Tiles are numbered t = (n·tilesH + ty)·tilesW + tx over the batch; a chunk holds tiles
// t0 .. t0 + count of images n0 .. ; `base` is where image n0 starts in the NCHW binding.
struct Params {
  total: u32, ch: u32, h: u32, w: u32,
  tilesH: u32, tilesW: u32, t0: u32, count: u32,
  ld: u32, base: u32, n0: u32, flags: u32,
  ph: i32, pw: i32, outC: u32, _p0: u32,
}
// Invocations per workgroup: the dispatcher sets it and sizes its grid by the same number.
override WG: u32;
// The output tile's side m: 2 (F(2×2, 3×3), α = 4) or 4 (F(4×4, 3×3), α = 6).
override TILE: u32;

const FLAG_BIAS: u32 = 1u;
const FLAG_RELU: u32 = 2u;
const FLAG_FLIP: u32 = 4u;

@group(0) @binding(0) var<uniform> p: Params;

// F(2×2, 3×3): Bᵀ (4×4), G (4×3), Aᵀ (2×4), row-major.
const BT2 = array<f32, 16>(
  1.0, 0.0, -1.0, 0.0,
  0.0, 1.0, 1.0, 0.0,
  0.0, -1.0, 1.0, 0.0,
  0.0, 1.0, 0.0, -1.0);
const G2 = array<f32, 12>(
  1.0, 0.0, 0.0,
  0.5, 0.5, 0.5,
  0.5, -0.5, 0.5,
  0.0, 0.0, 1.0);
const AT2 = array<f32, 8>(
  1.0, 1.0, 1.0, 0.0,
  0.0, 1.0, -1.0, -1.0);

// F(4×4, 3×3) on the points 0, ±1, ±2, ∞: Bᵀ (6×6), G (6×3), Aᵀ (4×6), row-major.
const BT4 = array<f32, 36>(
  4.0, 0.0, -5.0, 0.0, 1.0, 0.0,
  0.0, -4.0, -4.0, 1.0, 1.0, 0.0,
  0.0, 4.0, -4.0, -1.0, 1.0, 0.0,
  0.0, -2.0, -1.0, 2.0, 1.0, 0.0,
  0.0, 2.0, -1.0, -2.0, 1.0, 0.0,
  0.0, 4.0, 0.0, -5.0, 0.0, 1.0);
const G4 = array<f32, 18>(
  0.25, 0.0, 0.0,
  -1.0 / 6.0, -1.0 / 6.0, -1.0 / 6.0,
  -1.0 / 6.0, 1.0 / 6.0, -1.0 / 6.0,
  1.0 / 24.0, 1.0 / 12.0, 1.0 / 6.0,
  1.0 / 24.0, -1.0 / 12.0, 1.0 / 6.0,
  0.0, 0.0, 1.0);
const AT4 = array<f32, 24>(
  1.0, 1.0, 1.0, 1.0, 1.0, 0.0,
  0.0, 1.0, -1.0, 2.0, -2.0, 0.0,
  0.0, 1.0, 1.0, 4.0, 4.0, 0.0,
  0.0, 1.0, -1.0, 8.0, -8.0, 1.0);

fn alpha() -> u32 { return TILE + 2u; }
fn bt(i: u32, k: u32) -> f32 { if (TILE == 2u) { return BT2[i * 4u + k]; } return BT4[i * 6u + k]; }
fn gm(i: u32, k: u32) -> f32 { if (TILE == 2u) { return G2[i * 3u + k]; } return G4[i * 3u + k]; }
fn at(r: u32, i: u32) -> f32 { if (TILE == 2u) { return AT2[r * 4u + i]; } return AT4[r * 6u + i]; }

// Every transform is a congruence X ↦ M X Mᵀ by one of these (rows × cols): the data's Bᵀ (α × α),
// the output gradient's A (α × m), the products' Aᵀ (m × α), the filter's G (α × 3) and the filter
// gradient's Gᵀ (3 × α).
const MAT_BT: u32 = 0u;
const MAT_A: u32 = 1u;
const MAT_AT: u32 = 2u;
const MAT_G: u32 = 3u;
const MAT_GT: u32 = 4u;

// Entry (i, k) of matrix `which`.
fn matrixAt(which: u32, i: u32, k: u32) -> f32 {
  switch which {
    case MAT_BT: { return bt(i, k); }
    case MAT_A: { return at(k, i); }
    case MAT_AT: { return at(i, k); }
    case MAT_G: { return gm(i, k); }
    default: { return gm(k, i); }
  }
}

// M X Mᵀ (rows × rows) for M = matrix `which` (rows × cols) and X (cols × cols), both row-major:
// first t = M X, then (t Mᵀ)[i][j] = Σ_k t[i][k] M[j][k].
fn congruence(which: u32, rows: u32, cols: u32, x: array<f32, 36>) -> array<f32, 36> {
  var t: array<f32, 36>;
  for (var i = 0u; i < rows; i++) {
    for (var j = 0u; j < cols; j++) {
      var s = 0.0;
      for (var k = 0u; k < cols; k++) { s += matrixAt(which, i, k) * x[k * cols + j]; }
      t[i * cols + j] = s;
    }
  }
  var y: array<f32, 36>;
  for (var i = 0u; i < rows; i++) {
    for (var j = 0u; j < rows; j++) {
      var s = 0.0;
      for (var k = 0u; k < cols; k++) { s += t[i * cols + k] * matrixAt(which, j, k); }
      y[i * rows + j] = s;
    }
  }
  return y;
}

// Where tile `pl` of the chunk lies: its image (relative to n0) and its first row and column.
struct Tile { n: u32, y0: u32, x0: u32 }
fn tileAt(pl: u32) -> Tile {
  let t = p.t0 + pl;
  let per = p.tilesH * p.tilesW;
  let r = t % per;
  return Tile(t / per - p.n0, (r / p.tilesW) * TILE, (r % p.tilesW) * TILE);
}

// Where plane (n, c) of the NCHW binding starts (its planes are h × w).
fn planeStart(n: u32, c: u32, channels: u32) -> u32 {
  return p.base + (n * channels + c) * p.h * p.w;
}
