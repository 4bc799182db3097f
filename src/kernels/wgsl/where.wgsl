// requires: grid broadcast
// out[i] = cond ? a : b, element-wise with NumPy broadcasting (uniforms and offsets: broadcast.wgsl).
// cond is read as bits so that a float32 or an int32 condition needs no conversion: true where it is
// not zero (for float32, -0.0 is zero too). A select, not cond·a + (1−cond)·b, so that an infinite or
// NaN element of the branch not taken never leaks into the result.
override COND_FLOAT: bool;
// Invocations per workgroup: the dispatcher sets it and sizes its grid by the same number.
override WG: u32;

@group(0) @binding(1) var<storage, read> cond: array<u32>;
@group(0) @binding(2) var<storage, read> a: array<f32>;
@group(0) @binding(3) var<storage, read> b: array<f32>;
@group(0) @binding(4) var<storage, read_write> out: array<f32>;

@compute @workgroup_size(WG)
fn main(inv: GridInvocation) {
  let i = gridIndex(inv, WG);
  if (i >= p.n) { return; }
  let at = broadcastOffsets(i);
  let bits = select(cond[at.z], cond[at.z] & 0x7fffffffu, COND_FLOAT);
  out[i] = select(b[at.y], a[at.x], bits != 0u);
}
