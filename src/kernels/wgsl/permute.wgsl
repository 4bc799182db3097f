// out[i] = x[offset(i)] where offset sums each output coordinate times a stride of x: a permuted
// copy (strides reordered) or a broadcast copy (stride 0 along expanded dimensions).
struct Params {
  n: u32, rank: u32, _p0: u32, _p1: u32,
  shape: array<vec4<u32>, 2>,
  strides: array<vec4<u32>, 2>,
}
// Invocations per workgroup: the dispatcher sets it and sizes its grid by the same number.
override WG: u32;

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read_write> out: array<f32>;

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) lid: u32,
        @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = invocationIndex(wid, nwg, lid, WG);
  if (i >= p.n) { return; }
  var rest = i;
  var src = 0u;
  for (var d = i32(p.rank) - 1; d >= 0; d--) {
    let dim = p.shape[d / 4][d % 4];
    src += (rest % dim) * p.strides[d / 4][d % 4];
    rest = rest / dim;
  }
  out[i] = x[src];
}
