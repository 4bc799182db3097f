// requires: grid
// Copies through a strided view of a buffer: element i of the dense side, at coordinates c over
// `shape`, pairs with element offset + Σ c_d · strides_d of the strided side. Strides are signed
// (a slice with a negative step walks backwards). gather reads the view into a dense tensor (slices,
// narrow, split); scatter writes a dense tensor into the view (cat, and the gradients of slices).
// Elements are moved as u32 so that int32 tensors copy bit for bit. A dense side larger than one
// storage binding is copied a range at a time (kernels/strided.ts): `first` is the dense index of the
// range's element 0, and the dense side is bound from there.
struct Params {
  n: u32, rank: u32, offset: u32, first: u32,
  shape: array<vec4<u32>, 2>,
  strides: array<vec4<i32>, 2>,
}
// Invocations per workgroup: the dispatcher sets it and sizes its grid by the same number.
override WG: u32;

@group(0) @binding(0) var<uniform> p: Params;

fn viewIndex(i: u32) -> u32 {
  var rest = i;
  var at = i32(p.offset);
  for (var d = i32(p.rank) - 1; d >= 0; d--) {
    let dim = p.shape[d / 4][d % 4];
    at += i32(rest % dim) * p.strides[d / 4][d % 4];
    rest = rest / dim;
  }
  return u32(at);
}

fn linear(wid: vec3<u32>, lid: u32, nwg: vec3<u32>) -> u32 {
  return invocationIndex(wid, nwg, lid, WG);
}

@group(0) @binding(1) var<storage, read> src: array<u32>;
@group(0) @binding(2) var<storage, read_write> dst: array<u32>;

@compute @workgroup_size(WG)
fn gather(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) lid: u32,
          @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = linear(wid, lid, nwg);
  if (i >= p.n) { return; }
  dst[i] = src[viewIndex(p.first + i)];
}

@compute @workgroup_size(WG)
fn scatter(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) lid: u32,
           @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = linear(wid, lid, nwg);
  if (i >= p.n) { return; }
  dst[viewIndex(p.first + i)] = src[i];
}
