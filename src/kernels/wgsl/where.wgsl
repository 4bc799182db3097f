// out[i] = cond ? a : b, element-wise with NumPy broadcasting (strides 0 along broadcast dimensions).
// cond is read as bits so that a float32 or an int32 condition needs no conversion: true where it is
// not zero (for float32, -0.0 is zero too). A select, not cond·a + (1−cond)·b, so that an infinite or
// NaN element of the branch not taken never leaks into the result.
override COND_FLOAT: bool;
struct Params {
  n: u32, rank: u32, _p0: u32, _p1: u32,
  shape: array<vec4<u32>, 2>,
  cStrides: array<vec4<u32>, 2>,
  aStrides: array<vec4<u32>, 2>,
  bStrides: array<vec4<u32>, 2>,
}
// Invocations per workgroup: the dispatcher sets it and sizes its grid by the same number.
override WG: u32;

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> cond: array<u32>;
@group(0) @binding(2) var<storage, read> a: array<f32>;
@group(0) @binding(3) var<storage, read> b: array<f32>;
@group(0) @binding(4) var<storage, read_write> out: array<f32>;

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) lid: u32,
        @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = invocationIndex(wid, nwg, lid, WG);
  if (i >= p.n) { return; }
  var rest = i;
  var ic = 0u;
  var ia = 0u;
  var ib = 0u;
  for (var d = i32(p.rank) - 1; d >= 0; d--) {
    let dim = p.shape[d / 4][d % 4];
    let coord = rest % dim;
    rest = rest / dim;
    ic += coord * p.cStrides[d / 4][d % 4];
    ia += coord * p.aStrides[d / 4][d % 4];
    ib += coord * p.bStrides[d / 4][d % 4];
  }
  let bits = select(cond[ic], cond[ic] & 0x7fffffffu, COND_FLOAT);
  out[i] = select(b[ib], a[ia], bits != 0u);
}
