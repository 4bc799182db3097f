// requires: grid philox
// Inverted dropout; needs philox.wgsl. One Philox call yields four words, so each invocation
// handles four consecutive elements: element 4t+k keeps when the k-th word of counter
// (t, DROPOUT_STREAM, 0, 0) maps to a float >= p. The mask depends only on (seed, index): backward
// regenerates it by running this same kernel on the gradient. A tensor larger than one storage
// binding runs a range at a time (kernels/dropout.ts): `base` is the index of the range's first
// element (a multiple of 4), so that the mask is the same however the work is split.
struct Params { n: u32, seedLo: u32, seedHi: u32, base: u32, p: f32, scale: f32, _p1: u32, _p2: u32 }
// Invocations per workgroup: the dispatcher sets it and sizes its grid by the same number.
override WG: u32;

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read_write> out: array<f32>;

@compute @workgroup_size(WG)
fn dropout(inv: GridInvocation) {
  let t = gridIndex(inv, WG);
  let first = t * 4u;
  if (first >= p.n) { return; }
  let r = philox(vec4<u32>(t + p.base / 4u, DROPOUT_STREAM, 0u, 0u), vec2<u32>(p.seedLo, p.seedHi));
  for (var k = 0u; k < 4u; k++) {
    let i = first + k;
    if (i < p.n) {
      out[i] = select(0.0, x[i] * p.scale, unitFloat(r[k]) >= p.p);
    }
  }
}
