// requires: grid
// ReLU's gradient in one pass: out[i] = g[i] where x[i] > 0, else 0 (instead of gt then mul).
struct Params { n: u32, _p0: u32, _p1: u32, _p2: u32 }
// Invocations per workgroup: the dispatcher sets it and sizes its grid by the same number.
override WG: u32;

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> g: array<f32>;
@group(0) @binding(2) var<storage, read> x: array<f32>;
@group(0) @binding(3) var<storage, read_write> out: array<f32>;

@compute @workgroup_size(WG)
fn reluBackward(inv: GridInvocation) {
  let i = gridIndex(inv, WG);
  if (i >= p.n) { return; }
  out[i] = select(0.0, g[i], x[i] > 0.0);
}
