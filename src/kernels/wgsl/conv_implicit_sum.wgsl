// requires: grid
// Sums the weight gradient's split-k parts: out[i] = Σ_s part[s·count + i], in a fixed order
// (deterministic, no atomics).
struct Params { count: u32, parts: u32, _p0: u32, _p1: u32 }
// Invocations per workgroup: the dispatcher sets it and sizes its grid by the same number.
override WG: u32;

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> part: array<f32>;
@group(0) @binding(2) var<storage, read_write> out: array<f32>;

@compute @workgroup_size(WG)
fn main(inv: GridInvocation) {
  let i = gridIndex(inv, WG);
  if (i >= p.count) { return; }
  var s = 0.0;
  for (var k = 0u; k < p.parts; k++) { s += part[k * p.count + i]; }
  out[i] = s;
}
