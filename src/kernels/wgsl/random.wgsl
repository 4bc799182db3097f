// requires: grid philox
// Seeded random tensors; needs philox.wgsl. Element i uses counter (i, stream, 0, 0).
// `base` is the index of this dispatch's first element (large tensors run in ranges).
struct Params { n: u32, seedLo: u32, seedHi: u32, stream: u32, a: f32, b: f32, base: u32, _p1: u32 }
// Invocations per workgroup: the dispatcher sets it and sizes its grid by the same number.
override WG: u32;

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read_write> out: array<f32>;

fn bits(i: u32) -> vec4<u32> {
  return philox(vec4<u32>(p.base + i, p.stream, 0u, 0u), vec2<u32>(p.seedLo, p.seedHi));
}

// Uniform on [a, b).
@compute @workgroup_size(WG)
fn sampleUniform(inv: GridInvocation) {
  let i = gridIndex(inv, WG);
  if (i >= p.n) { return; }
  out[i] = p.a + (p.b - p.a) * unitFloat(bits(i).x);
}

// Normal with mean a and standard deviation b (Box-Muller on two of the four words).
@compute @workgroup_size(WG)
fn sampleNormal(inv: GridInvocation) {
  let i = gridIndex(inv, WG);
  if (i >= p.n) { return; }
  let r = bits(i);
  let u1 = (f32(r.x >> 8u) + 1.0) * 5.9604644775390625e-8; // (0, 1]: log stays finite
  let u2 = unitFloat(r.y);
  out[i] = p.a + p.b * sqrt(-2.0 * log(u1)) * cos(6.283185307179586 * u2);
}
