// requires: grid
// out[i] = start + step * i: `full` (step 0) and `arange`.
struct Params { n: u32, start: f32, step: f32, _pad: u32 }
// Invocations per workgroup: the dispatcher sets it and sizes its grid by the same number.
override WG: u32;

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read_write> out: array<f32>;

@compute @workgroup_size(WG)
fn fill(inv: GridInvocation) {
  let i = gridIndex(inv, WG);
  if (i >= p.n) { return; }
  // A constant fill writes start itself: −0 + 0 would be +0 (and x / full(−0) +inf).
  out[i] = select(p.start + p.step * f32(i), p.start, p.step == 0.0);
}
