// Packs a GEMM operand into an rgba32float texture for gemm_texture.wgsl: texel (c, r) holds
// X(r, 4c .. 4c+3), zero past R rows or C columns, where X(r, col) is src[off + r·ld + col], or
// src[off + col·ld + r] for an operand stored transposed. The four forms of a product, its padding
// and its tails are all settled here, once per element, rather than in the product's inner loop.
struct Params { R: u32, C: u32, ld: u32, off: u32, transposed: u32, width: u32, height: u32, _p: u32 }
@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> src: array<f32>;
@group(0) @binding(2) var dst: texture_storage_2d<rgba32float, write>;

// Invocations along texels of a row and along rows: the dispatcher sets them and sizes its grid by them.
override WG_X: u32;
override WG_Y: u32;

@compute @workgroup_size(WG_X, WG_Y)
fn main(@builtin(global_invocation_id) g: vec3<u32>) {
  if (g.x >= p.width || g.y >= p.height) { return; }
  var v = vec4<f32>(0.0);
  if (g.y < p.R) {
    for (var e = 0u; e < 4u; e++) {
      let col = 4u * g.x + e;
      if (col < p.C) { v[e] = src[p.off + select(g.y * p.ld + col, col * p.ld + g.y, p.transposed != 0u)]; }
    }
  }
  textureStore(dst, vec2<u32>(g.x, g.y), v);
}
